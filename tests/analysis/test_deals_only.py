"""``planning analyse`` on a company that has only a deals table.

The company is :mod:`tests.deals_only_company` (seeded, written to a temporary folder as
CSV). Every figure the analysis writes is derived here again with plain pandas from the
CSV, as the docstrings say; the analysis must list what it skipped and why.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from planning_lib.cli import main as cli
from planning_lib.core.paths import CONFIGS
from tests.deals_only_company import write_deals_only


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Analyse the deals-only company with the CloudFlow config (history up to 2025-12)."""
    data = tmp_path_factory.mktemp("deals_only")
    deals = write_deals_only(data)
    out = tmp_path_factory.mktemp("analysis") / "out"
    code = cli.main(
        [
            "analyse",
            "--data",
            str(data),
            "--config",
            str(CONFIGS / "cloudflow.yaml"),
            "--out",
            str(out),
        ]
    )
    deals["created"] = pd.to_datetime(deals["created_date"])
    deals["closed"] = pd.to_datetime(deals["close_date"])
    return {"code": code, "out": out, "deals": deals}


def _figures(out: Path) -> dict[str, float]:
    kf = pd.read_csv(out / "key_figures.csv")
    return dict(zip(kf["figure"], kf["value"], strict=True))


def test_analyse_runs_on_deals_only(analysed: dict) -> None:
    """Exit 0 and the sales tables written in place of the revenue history."""
    assert analysed["code"] == 0
    names = {p.stem for p in analysed["out"].glob("*.csv")}
    assert {"bookings_monthly", "open_pipeline", "sales_reps", "deal_metrics_owner"} <= names
    assert {"deal_metrics_region", "deal_metrics_product"} <= names
    assert not {"revenue_monthly", "mrr_bridge", "cac", "leads_by_month"} & names


def test_bookings_and_won_deals_of_2025(analysed: dict) -> None:
    """Bookings 2025 = sum of amount_eur of won deals closed in 2025; won deals = their count."""
    d = analysed["deals"]
    won25 = d[(d["stage"] == "won") & (d["closed"].dt.year == 2025)]
    fig = _figures(analysed["out"])
    assert fig["bookings_eur"] == pytest.approx(won25["amount_eur"].sum(), abs=1e-3)
    assert fig["won_deals"] == len(won25)


def test_bookings_by_region_and_month(analysed: dict) -> None:
    """AT in 2025-06: the sum and count of AT's won deals closed in June 2025."""
    d = analysed["deals"]
    won = d[
        (d["stage"] == "won")
        & (d["region"] == "AT")
        & (d["closed"].dt.strftime("%Y-%m") == "2025-06")
    ]
    b = pd.read_csv(analysed["out"] / "bookings_monthly.csv")
    row = b[(b["dimension"] == "region") & (b["member"] == "AT") & (b["month"] == "2025-06")]
    assert len(row) == 1
    assert row["bookings_eur"].iloc[0] == pytest.approx(won["amount_eur"].sum(), abs=1e-3)
    assert row["won_deals"].iloc[0] == len(won)


def test_win_rate_deal_size_cycle_last_12_months(analysed: dict) -> None:
    """Deals closed 2025-01..2025-12: win rate = won ÷ (won + lost); deal size = mean
    amount of the won; cycle = median of close − created in days of the won."""
    d = analysed["deals"]
    closed = d[d["stage"].isin(["won", "lost"]) & (d["closed"].dt.year == 2025)]
    won = closed[closed["stage"] == "won"]
    fig = _figures(analysed["out"])
    assert fig["win_rate"] == pytest.approx(len(won) / len(closed), abs=1e-4)
    assert fig["avg_deal_size_eur"] == pytest.approx(won["amount_eur"].mean(), abs=1e-3)
    cycle = (won["closed"] - won["created"]).dt.days.median()
    assert fig["cycle_median_days"] == pytest.approx(cycle, abs=1e-4)


def test_open_pipeline(analysed: dict) -> None:
    """Open deals: stage qualified/demo/proposal/negotiation; count and amount per stage;
    the weighted amount lies between 0 and the amount (probabilities are shares)."""
    d = analysed["deals"]
    open_ = d[d["stage"].isin(["qualified", "demo", "proposal", "negotiation"])]
    pipe = pd.read_csv(analysed["out"] / "open_pipeline.csv").set_index("stage")
    for stage, g in open_.groupby("stage"):
        assert pipe.loc[stage, "open_deals"] == len(g)
        assert pipe.loc[stage, "amount_eur"] == pytest.approx(g["amount_eur"].sum(), abs=1e-3)
    assert (pipe["weighted_eur"] > 0).all()
    assert (pipe["weighted_eur"] < pipe["amount_eur"]).all()
    fig = _figures(analysed["out"])
    assert fig["open_deals"] == len(open_)


def test_per_rep_figures(analysed: dict) -> None:
    """Per owner, deals closed in 2025: won deals, bookings (sum of won amount), win rate
    (won ÷ closed) and median cycle of the won, one row per owner (9: 3 per region)."""
    d = analysed["deals"]
    closed = d[d["stage"].isin(["won", "lost"]) & (d["closed"].dt.year == 2025)]
    reps = pd.read_csv(analysed["out"] / "sales_reps.csv").set_index("owner")
    assert len(reps) == 9
    for owner, g in closed.groupby("owner"):
        won = g[g["stage"] == "won"]
        assert reps.loc[owner, "won_deals"] == len(won)
        assert reps.loc[owner, "bookings_eur"] == pytest.approx(won["amount_eur"].sum(), abs=1e-3)
        assert reps.loc[owner, "win_rate"] == pytest.approx(len(won) / len(g), abs=1e-4)
        cycle = (won["closed"] - won["created"]).dt.days.median()
        assert reps.loc[owner, "cycle_median_days"] == pytest.approx(cycle, abs=1e-4)


def test_skipped_parts_name_the_missing_tables(analysed: dict) -> None:
    """findings.json holds one ``skipped_analysis`` per part with the tables that would
    enable it; together they name subscriptions, leads and costs, and the German
    sentence says "übersprungen" and the table."""
    records = json.loads((analysed["out"] / "findings.json").read_text(encoding="utf-8"))
    skipped = [r for r in records if r["code"] == "skipped_analysis"]
    parts = {r["numbers"]["part"]: r["numbers"]["tables"] for r in skipped}
    assert parts["customer_base"] == "subscriptions"
    assert parts["lead_funnel"] == "leads"
    assert parts["cac"] == "subscriptions, costs"
    tables = {t for r in skipped for t in r["numbers"]["tables"].split(", ")}
    assert tables == {"subscriptions", "leads", "costs"}
    base = next(r for r in skipped if r["numbers"]["part"] == "customer_base")
    assert "übersprungen: Tabelle subscriptions fehlt" in base["text_de"]
    text = (analysed["out"] / "findings.txt").read_text(encoding="utf-8")
    assert text.count("übersprungen") == len(skipped)
    assert any(r["code"] == "sales_summary" for r in records)


def test_no_deals_is_an_error(tmp_path: Path) -> None:
    """Without a deals table there is nothing to analyse: exit 1, not a traceback."""
    (tmp_path / "data").mkdir()
    pd.DataFrame({"x": [1]}).to_csv(tmp_path / "data" / "other.csv", index=False)
    code = cli.main(
        [
            "analyse",
            "--data",
            str(tmp_path / "data"),
            "--config",
            str(CONFIGS / "cloudflow.yaml"),
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == 1
