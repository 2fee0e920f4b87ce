"""``planning controlling`` of a deals-only company with and without the history (#13).

The plan comes from ``planning init --as-of 2025-12`` on :mod:`tests.transactional_company`
(a transactional plan starting 2026-01-01, with new and repeat bookings). The history
and the plan-year actuals compared with it are seven and three deals written here by
hand, so who bought before is known without the code:

history (``data/deals.csv``): K1 won 2025-03-10 (1,000 €), K2 won 2025-06-15 (2,000 €),
K3 lost 2025-08-01.

actuals (``data/actuals/deals.csv``), with ``--as-of 2026-02-28``:

====  ========  ==========  ==========  =====  ======  =======================================
deal  customer  created     closed      stage  amount  with the history
====  ========  ==========  ==========  =====  ======  =======================================
A1    K1        2025-12-01  2026-01-12  won    500     repeat (K1 bought 2025-03); created
                                                       after that: not new business
A2    K4        2026-01-05  2026-01-20  won    800     new (K4's first won deal); prospect
A3    K4        2026-01-25  2026-02-05  won    300     repeat (K4 first won in January)
A4    K2        2026-02-01  2026-02-10  won    1,200   repeat (K2 bought 2025-06)
A5    K3        2026-02-01  2026-02-20  won    700     new (K3 only lost before); prospect
A6    K5        2026-02-01  2026-02-25  lost   800     prospect, lost
A7    K1        2026-02-02  2026-02-26  lost   400     a customer's deal: not new business
====  ========  ==========  ==========  =====  ======  =======================================

By hand, year to date (Jan + Feb): bookings 500 + 800 + 300 + 1,200 + 700 = 3,500 €,
won deals 5, deal size 3,500 / 5 = 700 €; with the history repeat purchases 3 (A1, A3, A4),
their bookings 500 + 300 + 1,200 = 2,000 €, new bookings 800 + 700 = 1,500 €, win rate of
new business won A2, A5 ÷ closed A2, A5, A6 = 2/3; the history's deals before the plan
start: 3. Without the history the first three figures are the same and the last four
are not known (before this change they read as if K1 and K2 were new: repeat 1, not 3).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from planning_lib.cli import main as cli
from tests.transactional_company import write_transactional

COLUMNS = ["deal_id", "customer_id", "created_date", "close_date", "stage", "amount_eur"]
HISTORY = [
    ("H1", "K1", "2025-02-01", "2025-03-10", "won", 1000.0),
    ("H2", "K2", "2025-05-01", "2025-06-15", "won", 2000.0),
    ("H3", "K3", "2025-07-01", "2025-08-01", "lost", 900.0),
]
ACTUALS = [
    ("A1", "K1", "2025-12-01", "2026-01-12", "won", 500.0),
    ("A2", "K4", "2026-01-05", "2026-01-20", "won", 800.0),
    ("A3", "K4", "2026-01-25", "2026-02-05", "won", 300.0),
    ("A4", "K2", "2026-02-01", "2026-02-10", "won", 1200.0),
    ("A5", "K3", "2026-02-01", "2026-02-20", "won", 700.0),
    ("A6", "K5", "2026-02-01", "2026-02-25", "lost", 800.0),
    ("A7", "K1", "2026-02-02", "2026-02-26", "lost", 400.0),
]
SPLIT = ("win_rate", "bookings_new", "bookings_repeat", "repeat_purchases")


def _frame(rows: list[tuple]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.assign(mrr_eur=0.0, region="DE-Nord", product="Anlage", segment="mid",
                      channel="inbound", owner="DE-1")  # fmt: skip


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("ctl_history")
    write_transactional(root / "canon")
    plan = root / "plan.yaml"
    assert cli.main(["init", "--data", str(root / "canon"), "--out", str(plan),
                     "--as-of", "2025-12"]) == 0  # fmt: skip
    data = root / "data"
    (data / "actuals").mkdir(parents=True)
    _frame(HISTORY).to_csv(data / "deals.csv", index=False)
    _frame(ACTUALS).to_csv(data / "actuals" / "deals.csv", index=False)
    alone = root / "alone" / "actuals"  # the actuals with no history beside them
    alone.mkdir(parents=True)
    _frame(ACTUALS).to_csv(alone / "deals.csv", index=False)
    return {"root": root, "plan": plan, "data": data, "alone": alone}


def _run(company: dict, name: str, capsys, *args: str) -> tuple[pd.DataFrame, dict, list[str]]:
    out = company["root"] / name
    capsys.readouterr()
    argv = ["controlling", "--config", str(company["plan"]), *args, "--as-of", "2026-02-28",
            "--out", str(out)]  # fmt: skip
    assert cli.main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    variance = pd.read_csv(out / "variance.csv")
    ytd = variance[variance["grain"] == "ytd"].set_index("kpi")
    landing = json.loads((out / "landing.json").read_text(encoding="utf-8"))
    return ytd, landing, lines


def _same_history_free_figures(ytd: pd.DataFrame) -> None:
    assert ytd.loc["bookings", "actual"] == pytest.approx(3500.0)
    assert ytd.loc["deals_won", "actual"] == pytest.approx(5.0)
    assert ytd.loc["avg_deal_size", "actual"] == pytest.approx(700.0)


def test_with_the_history_the_split_is_the_hand_count(company: dict, capsys) -> None:
    """``--actuals data`` (history + actuals/): the split of the table above; the console
    names the history used and its 3 deals before the plan start, once; nothing says
    the split is unknown. ``--actuals data/actuals --history data`` writes the same bytes."""
    ytd, landing, lines = _run(company, "o_data", capsys, "--actuals", str(company["data"]))
    _same_history_free_figures(ytd)
    assert ytd.loc["repeat_purchases", "actual"] == pytest.approx(3.0)
    assert ytd.loc["bookings_repeat", "actual"] == pytest.approx(2000.0)
    assert ytd.loc["bookings_new", "actual"] == pytest.approx(1500.0)
    assert ytd.loc["win_rate", "actual"] == pytest.approx(2 / 3)
    assert "no_history" not in set(ytd["status"])
    assert landing["history"] == {"used": True, "deals_before_start": 3, "not_known": [],
                                  "found_not_used": None}  # fmt: skip
    used = [line for line in lines if line.startswith("Historie verwendet")]
    assert used == [f"Historie verwendet: {company['data']} (3 Deals vor dem Planstart) "
                    "entscheidet, wer schon Kunde war: Gewinnquote (Neugeschäft), "
                    "Auftragseingang neuer Kunden, Auftragseingang aus Wiederholungskäufen, "
                    "Wiederholungskäufe."]  # fmt: skip
    assert not any("Ohne Historie" in line for line in lines)
    _run(company, "o_explicit", capsys, "--actuals", str(company["data"] / "actuals"),
         "--history", str(company["data"]))  # fmt: skip
    for name in ("variance.csv", "landing.json", "kpis.csv"):
        want = (company["root"] / "o_data" / name).read_bytes()
        assert (company["root"] / "o_explicit" / name).read_bytes() == want, name


def test_without_the_history_the_split_is_marked_not_known(company: dict, capsys) -> None:
    """``--actuals data/actuals`` alone: bookings, won deals and deal size as with the
    history; the four figures of the split keep their plan but have no actual, variance
    or attainment (empty cells, not "all new") and the status ``no_history``; the
    landing JSON lists them and names the folder above the actuals, whose deals.csv was
    not used; one console line says so and names ``--history`` with that folder."""
    ytd, landing, lines = _run(
        company, "o_alone", capsys, "--actuals", str(company["data"] / "actuals")
    )
    _same_history_free_figures(ytd)
    for code in SPLIT:
        row = ytd.loc[code]
        assert row["plan"] > 0, code
        assert np.isnan(row["actual"]) and np.isnan(row["variance"]), code
        assert np.isnan(row["attainment"]), code
        assert row["status"] == "no_history" and row["status_de"] == "ohne Historie unbekannt"
    data = str(company["data"].resolve())
    assert landing["history"] == {"used": False, "deals_before_start": None,
                                  "not_known": list(SPLIT), "found_not_used": data}  # fmt: skip
    notes = [line for line in lines if "Historie" in line and "Plan:" not in line]
    notes = [line for line in notes if not line.startswith("  ")]
    assert len(notes) == 1
    assert notes[0].startswith("Ohne Historie ist nicht zu erkennen, wer vor dem Planstart")
    assert f"in {data} liegt eine Historie (deals), sie wurde nicht verwendet" in notes[0]
    assert f"--history {data} nimmt sie dazu" in notes[0]
    assert sum("Ohne Historie" in line for line in lines) == 1
    repeat = [line for line in lines if line.startswith("  Wiederholungskäufe:")]
    assert repeat == ["  Wiederholungskäufe: – / " + repeat[0].split(" / ")[1]]
    assert repeat[0].endswith("(ohne Historie unbekannt)")


def test_no_history_anywhere_names_the_option_in_english(company: dict, capsys) -> None:
    """Actuals in a folder with no history above it, ``--lang en``: the English line,
    once, naming ``--history DIR``; no folder found; the split not known as above."""
    ytd, landing, lines = _run(
        company, "o_en", capsys, "--actuals", str(company["alone"]), "--lang", "en"
    )
    _same_history_free_figures(ytd)
    assert set(ytd.loc[list(SPLIT), "status"]) == {"no_history"}
    assert landing["history"]["found_not_used"] is None
    notes = [line for line in lines if line.startswith("Without the history")]
    assert len(notes) == 1
    assert notes[0].endswith("not every purchase counts as new; --history DIR gives the history.")
