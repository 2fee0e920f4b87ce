"""Phase 7 from the deals alone: a transactional company's plan vs actual (#13 items 3, 4).

The company is :mod:`tests.transactional_company`: 24 months of history (2024-01..2025-12)
and six months of plan-year deals (2026-01..2026-06, :func:`plan_year_frame`), the plan
from ``planning init --as-of 2025-12`` (plan start 2026-01). Every actual is checked
against plain pandas on the deals tables, every plan value against the plan's monthly
line items summed with pandas.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from planning_lib.cli import main as cli
from planning_lib.controlling import deals_controlling as dc
from planning_lib.controlling.plan_view import PlanView
from planning_lib.core.config import load_params
from planning_lib.plan.model import run_plan
from planning_lib.present.labels import text
from planning_lib.run.phases.controlling import _since
from tests.transactional_company import write_with_actuals


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("deals_controlling")
    actuals = write_with_actuals(root / "data")
    plan_yaml = root / "plan.yaml"
    args = ["init", "--data", str(root / "data"), "--out", str(plan_yaml), "--as-of", "2025-12"]
    assert cli.main(args) == 0
    params = load_params(plan_yaml)
    monthly = run_plan(params).monthly
    history = pd.read_csv(root / "data" / "deals.csv")
    return {
        "root": root,
        "plan_yaml": plan_yaml,
        "actuals": actuals,
        "history": history,
        "monthly": monthly,
        "view": PlanView.from_params(monthly, params),
    }


def _won_to_date(deals: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    close = pd.to_datetime(deals["close_date"])
    return deals[(deals["stage"] == "won") & (close >= "2026-01-01") & (close <= as_of)]


def _plan_sum(monthly: pd.DataFrame, item: str, as_of: pd.Timestamp) -> float:
    sel = monthly[(monthly["line_item"] == item) & (monthly["channel"] == "")]
    return float(sel.loc[pd.to_datetime(sel["month"]) <= as_of, "value"].sum())


def test_as_of_is_the_last_complete_month(company: dict) -> None:
    """The generator closes deals up to June 2026 but not on 30 June (the last close is
    earlier: pandas max), so as-of is 31 May 2026."""
    a = company["actuals"]
    last = pd.to_datetime(a.loc[a["stage"].isin(["won", "lost"]), "close_date"]).max()
    assert last < pd.Timestamp("2026-06-30")
    assert dc.deals_as_of(a) == pd.Timestamp("2026-05-31").date()


def test_ytd_plan_vs_actual_against_plain_pandas(company: dict) -> None:
    """YTD (2026-01..2026-05), second method:

    * bookings actual = Σ amount_eur of won deals closed in the window; plan = Σ
      ``bookings`` line of the months;
    * won deals actual = their count; plan = Σ ``customers_new`` + Σ ``repeat_purchases``;
    * deal size = bookings ÷ won deals (both sides);
    * win rate actual = won ÷ (won + lost) closed in the window of the new-business
      deals (as the plan's demo→won rate of ``planning init``): every deal except
      those created after its customer's first won close (history and actuals);
    * repeat purchases: a won deal whose customer's first won deal (history and actuals
      together, by close month) is in an earlier month; bookings_repeat their amount,
      bookings_new the rest; plan = the lines of the same names;
    * attainment = actual ÷ plan, status on_track ≥ 95 %, watch ≥ 85 %, else off_track.
    """
    as_of = pd.Timestamp("2026-05-31")
    a, h, m = company["actuals"], company["history"], company["monthly"]
    v = dc.deals_plan_vs_actual(a, as_of.date(), company["view"], h)
    ytd = v[v["grain"] == "ytd"].set_index("kpi")
    won = _won_to_date(a, as_of)
    assert ytd.loc["bookings", "actual"] == pytest.approx(won["amount_eur"].sum())
    assert ytd.loc["bookings", "plan"] == pytest.approx(_plan_sum(m, "bookings", as_of))
    assert ytd.loc["deals_won", "actual"] == len(won)
    plan_deals = _plan_sum(m, "customers_new", as_of) + _plan_sum(m, "repeat_purchases", as_of)
    assert ytd.loc["deals_won", "plan"] == pytest.approx(plan_deals)
    assert ytd.loc["avg_deal_size", "actual"] == pytest.approx(won["amount_eur"].sum() / len(won))
    assert ytd.loc["avg_deal_size", "plan"] == pytest.approx(
        _plan_sum(m, "bookings", as_of) / plan_deals
    )
    close = pd.to_datetime(a["close_date"])
    both = pd.concat([h, a])
    first_won = both[both["stage"] == "won"].groupby("customer_id")["close_date"].min()
    prospect = ~(a["created_date"] > a["customer_id"].map(first_won).fillna("9999"))
    window = (close >= "2026-01-01") & (close <= as_of) & prospect
    n_won = int((window & (a["stage"] == "won")).sum())
    n_lost = int((window & (a["stage"] == "lost")).sum())
    assert 0 < n_won < int(((close <= as_of) & (a["stage"] == "won")).sum())
    assert ytd.loc["win_rate", "actual"] == pytest.approx(n_won / (n_won + n_lost))
    assert ytd.loc["win_rate", "label_de"] == "Gewinnquote (Neugeschäft)"
    # the mean of all won deals (repeats included) is not called the plan's "Dealgröße"
    assert ytd.loc["avg_deal_size", "label_de"] == (
        "Ø Wert je gewonnenem Deal (alle Deals inkl. Wiederholungskäufe)"
    )

    both_won = both[both["stage"] == "won"]
    first = both_won.groupby("customer_id")["close_date"].min().str[:7]
    repeat = won["customer_id"].map(first) < won["close_date"].str[:7]
    assert ytd.loc["repeat_purchases", "actual"] == int(repeat.sum())
    assert ytd.loc["bookings_repeat", "actual"] == pytest.approx(
        won.loc[repeat, "amount_eur"].sum()
    )
    assert ytd.loc["bookings_new", "actual"] == pytest.approx(won.loc[~repeat, "amount_eur"].sum())
    for item in ("bookings_new", "bookings_repeat", "repeat_purchases"):
        assert ytd.loc[item, "plan"] == pytest.approx(_plan_sum(m, item, as_of)), item
    for code, row in ytd.iterrows():
        att = row["actual"] / row["plan"]
        assert row["attainment"] == pytest.approx(att), code
        want = "on_track" if att >= 0.95 else "watch" if att >= 0.85 else "off_track"
        assert row["status"] == want, code
    assert not v["kpi"].str.contains("mrr").any()


def test_months_add_up_to_the_ytd(company: dict) -> None:
    """Month rows: five months (January..May); the bookings and won deals of the months
    sum to the YTD row (actual and plan), March's actual = pandas sum of March's wins."""
    as_of = pd.Timestamp("2026-05-31")
    v = dc.deals_plan_vs_actual(company["actuals"], as_of.date(), company["view"])
    for code in ("bookings", "deals_won"):
        months = v[(v["grain"] == "month") & (v["kpi"] == code)]
        assert len(months) == 5
        ytd = v[(v["grain"] == "ytd") & (v["kpi"] == code)].iloc[0]
        assert months["actual"].sum() == pytest.approx(ytd["actual"])
        assert months["plan"].sum() == pytest.approx(ytd["plan"])
    a = company["actuals"]
    march = a[(a["stage"] == "won") & a["close_date"].str.startswith("2026-03")]
    row = v[(v["grain"] == "month") & (v["kpi"] == "bookings")].set_index("period")
    assert row.loc[pd.Timestamp("2026-03-01"), "actual"] == pytest.approx(march["amount_eur"].sum())


def test_bookings_landing(company: dict) -> None:
    """Landing = actual Jan..May + (actual ÷ 5) × 7 months left; plan = Σ ``bookings`` of
    all twelve months; vs_plan = landing − plan in EUR (the report's column "Hochrechnung −
    Plan"; it held landing ÷ plan, shown as "0" on the trial company); open pipeline = Σ
    amount_eur of the open (proposal) deals, weighted by won ÷ closed of Jan..May; coverage
    = pipeline ÷ plan bookings of Jun..Dec."""
    as_of = pd.Timestamp("2026-05-31")
    a, m = company["actuals"], company["monthly"]
    row = dc.bookings_landing(a, as_of.date(), company["view"]).iloc[0]
    to_date = _won_to_date(a, as_of)["amount_eur"].sum()
    assert row["actual_to_date"] == pytest.approx(to_date)
    assert row["landing"] == pytest.approx(to_date + to_date / 5 * 7)
    total = _plan_sum(m, "bookings", pd.Timestamp("2026-12-31"))
    assert row["plan"] == pytest.approx(total)
    assert row["vs_plan"] == pytest.approx(to_date + to_date / 5 * 7 - total)
    pipe = a.loc[a["stage"] == "proposal", "amount_eur"].sum()
    assert pipe > 0 and row["open_pipeline_eur"] == pytest.approx(pipe)
    close = pd.to_datetime(a["close_date"])
    window = (close >= "2026-01-01") & (close <= as_of)
    rate = (window & (a["stage"] == "won")).sum() / (
        window & a["stage"].isin(["won", "lost"])
    ).sum()
    assert row["open_pipeline_weighted_eur"] == pytest.approx(pipe * rate)
    rest = total - _plan_sum(m, "bookings", as_of)
    assert row["pipeline_coverage"] == pytest.approx(pipe / rest)


def test_cli_writes_the_deal_figures_byte_identically(company: dict, capsys) -> None:
    """``planning controlling`` on the data folder (history + actuals/deals.csv): exit 0,
    variance.csv's YTD bookings = the pandas sum, no MRR KPI in kpis.csv (no deal carries
    MRR), the four skipped parts named on the console, and a second run gives the same
    bytes."""
    root: Path = company["root"]
    outs = [root / "o1", root / "o2"]
    for out in outs:
        args = ["controlling", "--config", str(company["plan_yaml"]),
                "--actuals", str(root / "data"), "--out", str(out)]  # fmt: skip
        assert cli.main(args) == 0
    console = capsys.readouterr().out
    for word in ("Lead-Funnel", "MRR und Kundenbestand", "Kosten", "Quotenerreichung"):
        assert f"{word} übersprungen" in console
    names = sorted(p.name for p in outs[0].iterdir())
    assert names == ["kpis.csv", "landing.json", "variance.csv"]
    for name in names:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    var = pd.read_csv(outs[0] / "variance.csv")
    ytd = var[(var["grain"] == "ytd") & (var["kpi"] == "bookings")].iloc[0]
    won = _won_to_date(company["actuals"], pd.Timestamp("2026-05-31"))
    assert ytd["actual"] == pytest.approx(won["amount_eur"].sum())
    kpis = pd.read_csv(outs[0] / "kpis.csv")
    assert "new_mrr" not in set(kpis["kpi"]) and "deals_won" in set(kpis["kpi"])


def test_cli_before_the_first_month_ends_stops_with_one_line(company: dict, capsys) -> None:
    """Actuals whose closed deals all fall into 1..20 January 2026 (the plan year's first
    month still runs, as-of 31 December 2025): exit 1, one line naming as-of and the plan
    start, no output folder."""
    root: Path = company["root"]
    early = root / "early"
    (early / "actuals").mkdir(parents=True)
    (early / "deals.csv").write_bytes((root / "data" / "deals.csv").read_bytes())
    a = company["actuals"]
    a[a["close_date"] <= "2026-01-20"].to_csv(early / "actuals" / "deals.csv", index=False)
    args = ["controlling", "--config", str(company["plan_yaml"]), "--actuals", str(early),
            "--out", str(root / "o_early")]  # fmt: skip
    assert cli.main(args) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert "complete no month of the plan year (as of 2025-12-31, plan start 2026-01-01)" in err[0]
    assert not (root / "o_early").exists()


def test_a_deal_in_history_and_actuals_counts_once(company: dict) -> None:
    """A history exported after the plan start (it also holds the actuals' January deals)
    gives the same new/repeat split as the clean history: a deal in both tables counts
    once (deal_id); without that, January's bookings of new customers would double."""
    as_of = pd.Timestamp("2026-05-31").date()
    a, h = company["actuals"], company["history"]
    late = pd.concat([h, a[a["close_date"] < "2026-02-01"]], ignore_index=True)
    plain = dc.deals_plan_vs_actual(a, as_of, company["view"], h)
    overlap = dc.deals_plan_vs_actual(a, as_of, company["view"], late)
    for code in ("bookings_new", "bookings_repeat", "repeat_purchases"):
        want = plain[(plain["grain"] == "ytd") & (plain["kpi"] == code)]["actual"].iloc[0]
        got = overlap[(overlap["grain"] == "ytd") & (overlap["kpi"] == code)]["actual"].iloc[0]
        assert got == pytest.approx(want), code


def _ytd(v: pd.DataFrame, code: str) -> float:
    return float(v[(v["grain"] == "ytd") & (v["kpi"] == code)]["actual"].iloc[0])


def _monthly(v: pd.DataFrame, code: str) -> pd.Series:
    rows = v[(v["grain"] == "month") & (v["kpi"] == code)]
    return rows.set_index("period")["actual"]


def test_history_deals_of_the_plan_year_are_not_actuals(company: dict) -> None:
    """A history that also holds plan-year deals the actuals do not (a new user's export
    run after the plan start, other deal_ids): every figure comes from the actuals alone,
    the history only says who bought before 2026-01. Second method (plain pandas): the
    history's January copies of the actuals' won deals (deal_id ``X-…``, same customers
    and amounts) leave bookings and the new/repeat split of the clean history unchanged,
    and January's new + repeat = Σ amount_eur of the actuals' won January deals."""
    as_of = pd.Timestamp("2026-05-31").date()
    a, h = company["actuals"], company["history"]
    jan = a[(a["stage"] == "won") & a["close_date"].str.startswith("2026-01")]
    extra = jan.assign(deal_id="X-" + jan["deal_id"].astype(str))
    assert len(extra) > 0
    late = pd.concat([h, extra], ignore_index=True)
    plain = dc.deals_plan_vs_actual(a, as_of, company["view"], h)
    overlap = dc.deals_plan_vs_actual(a, as_of, company["view"], late)
    for code in ("bookings", "bookings_new", "bookings_repeat", "repeat_purchases", "win_rate"):
        assert _ytd(overlap, code) == pytest.approx(_ytd(plain, code)), code
    jan_sum = jan["amount_eur"].sum()
    m = pd.Timestamp("2026-01-01")
    got = _monthly(overlap, "bookings_new")[m] + _monthly(overlap, "bookings_repeat")[m]
    assert got == pytest.approx(jan_sum)


def test_new_plus_repeat_is_bookings_and_regions_add_up(company: dict) -> None:
    """The company's deals split into two regions by row (even rows Nord, odd rows Süd,
    history and actuals alike, so customers buy in both). Identities: per month and
    region new + repeat = bookings; the regions' new, repeat, bookings and repeat
    purchases sum to the company's. Values by plain pandas: a customer's first won month
    = min close month of its won deals over history and actuals (all regions); a won
    actual deal is new when its close month is that month; new bookings per region =
    Σ amount_eur of its new won deals of 2026-01..2026-05."""
    as_of = pd.Timestamp("2026-05-31")
    a, h = company["actuals"].copy(), company["history"].copy()
    a["region"] = ["Nord" if i % 2 == 0 else "Süd" for i in range(len(a))]
    h["region"] = ["Nord" if i % 2 == 0 else "Süd" for i in range(len(h))]
    view = company["view"]
    whole = dc.deals_plan_vs_actual(a, as_of.date(), view, h)
    regions = {
        r: dc.deals_plan_vs_actual(a[a["region"] == r], as_of.date(), view, h, company_deals=a)
        for r in ("Nord", "Süd")
    }
    both = pd.concat([h, a])
    first = both[both["stage"] == "won"].groupby("customer_id")["close_date"].min().str[:7]
    won = _won_to_date(a, as_of)
    new = won["close_date"].str[:7] == won["customer_id"].map(first)
    for r, v in regions.items():
        want = won.loc[new & (won["region"] == r), "amount_eur"].sum()
        assert _ytd(v, "bookings_new") == pytest.approx(want), r
    for v in (whole, *regions.values()):
        total = _monthly(v, "bookings_new") + _monthly(v, "bookings_repeat")
        assert total.to_numpy() == pytest.approx(_monthly(v, "bookings").to_numpy())
        assert len(total) == 5
    for code in ("bookings", "bookings_new", "bookings_repeat", "repeat_purchases"):
        summed = _monthly(regions["Nord"], code).add(_monthly(regions["Süd"], code), fill_value=0)
        assert summed.to_numpy() == pytest.approx(_monthly(whole, code).to_numpy()), code


def test_cli_names_the_plan_not_its_source_code(company: dict, capsys) -> None:
    """The console's first line names the company of the plan parameters and their file
    (German first), not the internal source code 'config'; the win rate's line says it
    is the new-business rate."""
    root: Path = company["root"]
    args = ["controlling", "--config", str(company["plan_yaml"]),
            "--actuals", str(root / "data"), "--out", str(root / "o_name")]  # fmt: skip
    assert cli.main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    name = load_params(company["plan_yaml"]).company.name
    assert lines[0] == f"Plan: {name} (Planparameter plan.yaml)"
    assert "config" not in lines[0]
    assert any(line.startswith("  Gewinnquote (Neugeschäft): ") for line in lines)


@pytest.mark.parametrize(("start", "want"), [("2025-11-01", "seit Planbeginn"),
                                             ("2026-01-01", "seit Jahresbeginn")])  # fmt: skip
def test_ytd_title_says_since_the_plan_start_unless_it_is_january(start: str, want: str) -> None:
    """A plan year from November: the status table and its sentence say "seit
    Planbeginn"; from January (the sample) they stay "seit Jahresbeginn"."""
    company_ = SimpleNamespace(plan_start=pd.Timestamp(start).date())
    since = _since(SimpleNamespace(params=SimpleNamespace(company=company_)))
    assert text(f"07.variance{since}", "de") == f"Soll-Ist {want}"
    values = {"off": 1, "total": 7, "actual": "1 €", "plan": "2 €"}
    sentence = text(f"07.deals_variance_text{since}", "de", **values)
    assert f"ist {want} kritisch" in sentence
