"""``planning init`` and ``planning plan`` for a transactional business (issue #13 item 4).

Two self-made companies: the deals-only company of ``tests/deals_only_company.py`` (every
won deal a customer of its own: no repeat purchases) and the repeat-buying company of
``tests/transactional_company.py``. The expected figures are derived from the deals
frames directly (plain pandas loops below), not from the calibration code. Both data
sets end with 2025-12 deals created up to the 28th, so the last complete month, the
as-of, is 2025-11 and the window 2024-12..2025-11.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from planning_lib.analysis.forecast.api import auto_forecast
from planning_lib.analysis.forecast.baseline import no_change_bookings, no_change_new_customers
from planning_lib.cli.main import main
from planning_lib.core.config import load_params
from tests.deals_only_company import write_deals_only
from tests.transactional_company import write_transactional

LO, HI = pd.Timestamp("2024-12-01"), pd.Timestamp("2025-11-30")


def _init(folder: Path, writer) -> tuple[pd.DataFrame, Path]:
    frame = writer(folder / "data")
    out = folder / "plan.yaml"
    assert main(["init", "--data", str(folder / "data"), "--out", str(out)]) == 0
    return frame, out


@pytest.fixture(scope="module")
def deals_only(tmp_path_factory):
    folder = tmp_path_factory.mktemp("do")
    return _init(folder, write_deals_only)


@pytest.fixture(scope="module")
def repeat(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rep")
    frame, out = _init(folder, write_transactional)
    plan_out = folder / "plan_out"
    assert main(["plan", "--config", str(out), "--out", str(plan_out)]) == 0
    return frame, out, json.loads((plan_out / "summary.json").read_text())


def test_auto_detection_says_so_in_one_line(tmp_path, capsys) -> None:
    write_deals_only(tmp_path / "data")
    assert main(["init", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "p.yaml")]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if "business_model" in ln]
    assert lines == [
        "Keine Abonnements, aber Deals: Plan als Einmalverkauf (business_model: transactional); "
        "--business-model subscription erzwingt Abos"
    ]


def test_deals_only_calibration_by_hand(deals_only) -> None:
    """Every won deal has its own customer: customers = won deals closed up to
    2025-11-30; deal size = mean amount of the won deals closed in the window; no repeat
    purchases (rate 0, repeat size = deal size, an assumption); inbound win rate = won ÷
    (won + lost) of the inbound deals closed in the window."""
    frame, out = deals_only
    p = load_params(out)
    close = pd.to_datetime(frame["close_date"])
    won = frame[(frame["stage"] == "won") & (close <= HI)]
    won_w = won[pd.to_datetime(won["close_date"]) >= LO]
    t = p.drivers.transactional
    assert p.company.business_model == "transactional"
    assert p.current.customers == len(won)
    assert p.current.mrr_eur == 0.0
    assert t.deal_size_eur == pytest.approx(won_w["amount_eur"].mean(), abs=0.005)
    assert t.repeat_purchase_rate_monthly == 0.0
    assert t.repeat_deal_size_eur == t.deal_size_eur
    closed = frame[frame["stage"].isin(["won", "lost"]) & close.between(LO, HI)]
    inbound = closed[closed["channel"] == "inbound"]
    rate = (inbound["stage"] == "won").mean()
    assert p.channels["inbound"].demo_to_won == pytest.approx(rate, abs=5e-5)
    created = pd.to_datetime(frame["created_date"])
    n_in = int(((frame["channel"] == "inbound") & created.between(LO, HI)).sum())
    assert p.channels["inbound"].leads_per_month == pytest.approx(n_in / 12, abs=0.005)
    text = out.read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if "repeat_purchase_rate_monthly" in ln)
    assert "# 0 Wiederholungskäufe ÷" in line


def _repeat_rate(frame: pd.DataFrame) -> tuple[int, int, float]:
    """Repeat purchases and month-start customer base over the window, month by month:
    a customer's first month is the close month of its first won deal; a won deal in a
    later month is a repeat; the base of a month counts customers first won before it."""
    won = frame[frame["stage"] == "won"].copy()
    won["m"] = pd.to_datetime(won["close_date"]).dt.to_period("M")
    first = won.groupby("customer_id")["m"].min()
    repeats = base = 0
    for m in pd.period_range("2024-12", "2025-11", freq="M"):
        base += int((first < m).sum())
        in_m = won[won["m"] == m]
        repeats += int((in_m["m"] > in_m["customer_id"].map(first)).sum())
    return repeats, base, repeats / base


def test_repeat_purchase_rate_from_the_history(repeat) -> None:
    """The generator buys again with 4 % a month; the calibrated rate is the window's
    repeats ÷ base counted by hand (and lands near the generator's 4 %)."""
    frame, out, _ = repeat
    repeats, _, rate = _repeat_rate(frame)
    t = load_params(out).drivers.transactional
    assert t.repeat_purchase_rate_monthly == pytest.approx(rate, abs=5e-5)
    assert 0.03 < t.repeat_purchase_rate_monthly < 0.05
    won = frame[frame["stage"] == "won"].copy()
    won["m"] = pd.to_datetime(won["close_date"]).dt.to_period("M")
    first = won.groupby("customer_id")["m"].transform("min")
    rep = won[(won["m"] > first) & won["m"].between(pd.Period("2024-12"), pd.Period("2025-11"))]
    assert len(rep) == repeats
    assert t.repeat_deal_size_eur == pytest.approx(rep["amount_eur"].mean(), abs=0.005)


def test_no_change_plan_lands_on_the_bookings_baseline(repeat) -> None:
    """The first year's bookings of the init plan against the no-change forecast of
    bookings (the baseline of ``forecast --metric bookings``: ``auto_forecast`` of the
    monthly won amount up to the as-of, expected value): inside the band of its monthly
    80 % bounds summed over 12 months, and within 10 % of its expected annual sum (the
    plan's new deals come from the same kind of forecast of first deals, its repeat
    purchases from the pooled rate; the rest is the difference of the two forecasts)."""
    frame, _, summary = repeat
    won = frame[frame["stage"] == "won"].copy()
    won["m"] = pd.to_datetime(won["close_date"]).dt.to_period("M")
    y = won[won["m"] <= pd.Period("2025-11")].groupby("m")["amount_eur"].sum()
    fc = auto_forecast(y, 12, fill="zero", point="mean")
    booked = summary["bookings_year1"]
    assert fc["lo_80"].sum() <= booked <= fc["hi_80"].sum()
    assert booked == pytest.approx(fc["mean"].sum(), rel=0.10)
    assert summary["bookings_repeat_total"] > 0
    assert summary["bookings_total"] == pytest.approx(
        summary["bookings_new_total"] + summary["bookings_repeat_total"]
    )


def test_plan_yaml_is_transactional_and_commented(repeat) -> None:
    _, out, _ = repeat
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["company"]["business_model"] == "transactional"
    assert set(data["drivers"]["transactional"]) == {
        "deal_size_eur",
        "repeat_purchase_rate_monthly",
        "repeat_deal_size_eur",
    }
    for ln in out.read_text(encoding="utf-8").splitlines():
        if ln.strip().startswith(("deal_size_eur:", "repeat_", "demo_to_won:", "leads_per_month:")):
            assert "  # " in ln, ln


def test_bookings_before_plan_start_from_the_won_deals(repeat) -> None:
    """As of 2025-11: the won amounts closed in 2025-09, 2025-10 and 2025-11 (oldest
    first), summed with plain pandas over the fixture, the YAML line says where they come
    from; with a payment delay of 2 months plan month 1 (2025-12) receives the 2025-10
    bookings and month 2 the 2025-11 ones."""
    frame, out, _ = repeat
    won = frame[frame["stage"] == "won"]
    month = pd.to_datetime(won["close_date"]).dt.strftime("%Y-%m")
    want = [
        float(won.loc[month == m, "amount_eur"].sum()) for m in ("2025-09", "2025-10", "2025-11")
    ]
    got = load_params(out).current.bookings_before_start_eur
    assert got == pytest.approx(want, abs=0.01)
    text = out.read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if "bookings_before_start_eur" in ln)
    assert "Abschlussmonat 2025-09 bis 2025-11" in line
    from planning_lib.core.overrides import apply_overrides
    from planning_lib.plan.model import run_plan

    params = apply_overrides(load_params(out), {"drivers.payment_delay_months": 2})
    assert run_plan(params).line("cash_in")[:2] == pytest.approx(want[1:], abs=0.01)


def test_plan_prints_the_bases_bookings_not_a_zero_mrr(repeat, tmp_path, capsys) -> None:
    """The bases line of ``planning plan`` names the bookings of both bases (those of
    summary.json, formatted German) instead of 'MRR Ende 0 | 0 €'."""
    _, out, _ = repeat
    capsys.readouterr()
    assert main(["plan", "--config", str(out), "--out", str(tmp_path / "p")]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("Basis"))
    bases = json.loads((tmp_path / "p" / "summary.json").read_text())["bases"]
    want = [
        f"{round(bases[b]['bookings_total']):,}".replace(",", ".") for b in ("funnel", "target")
    ]
    assert f"Aufträge {want[0]} | {want[1]} €" in line
    assert "MRR" not in line


def test_no_change_funnel_is_the_run_rate_and_the_proposal_the_forecast(repeat) -> None:
    """init → plan on the repeat-buying company: the funnel basis is the steady state of
    the calibrated channels (Σ leads/month × 12 × sql→demo × demo→won, by hand from the
    YAML) and lies within 10 % of the first wins of the 12 months before the plan (the
    history's run-rate, plain pandas: first won deal per customer closing 2024-12..
    2025-11); the target proposal is the no-change forecast of ALL first wins of the
    history (``no_change_new_customers`` on the same deals, the function ``planning
    forecast`` uses), so the YAML and the forecast say the same number.

    Why the two differ here: the fixture's first wins climb from about 8 to about 10.7 a
    month over 2024→2025 (its first months lack the wins of deals created before the
    history began), and the forecast extrapolates that climb (158) while a no-change
    funnel keeps the run-rate (about 122). The gap is reported as a finding; it is not
    hidden by cutting the history for init alone."""
    frame, out, summary = repeat
    won = frame[frame["stage"] == "won"].copy()
    won["close"] = pd.to_datetime(won["close_date"])
    first = won.sort_values(["close", "deal_id"]).groupby("customer_id").head(1)
    month = first["close"].dt.to_period("M")
    run_rate = int(((month >= pd.Period("2024-12")) & (month <= pd.Period("2025-11"))).sum())
    p = load_params(out)
    funnel = sum(
        c.leads_per_month * 12 * c.sql_to_demo * c.demo_to_won for c in p.channels.values()
    )
    new = summary["bases"]["funnel"]["new_customers"]
    assert new == pytest.approx(funnel, rel=1e-6)
    assert abs(new - run_rate) <= 0.1 * run_rate, (new, run_rate)
    base = no_change_new_customers(first.assign(stage="won"), "2025-12-01")
    assert p.forecast_no_change_new_customers == round(base.expected)
    line = next(ln for ln in out.read_text(encoding="utf-8").splitlines() if "forecast_no" in ln)
    assert f"P10–P90 {round(base.p10)}–{round(base.p90)}" in line


def test_cac_without_a_costs_table_is_an_assumption(deals_only) -> None:
    """The deals-only company has no ``costs`` table: nothing was booked, so the CAC of
    0 € (0 € ÷ new customers) is no measurement. Its YAML line is marked ``ANNAHME:`` and
    names the missing table instead of claiming "Marketingkosten ÷ N Neukunden"."""
    _, out = deals_only
    line = next(
        ln
        for ln in out.read_text(encoding="utf-8").splitlines()
        if ln.strip().startswith("cac_eur:")
    )
    assert "ANNAHME:" in line and "keine Kostentabelle" in line, line
    assert "Marketingkosten ÷" not in line


def _owners_by_hand(frame: pd.DataFrame) -> pd.DataFrame:
    """The deals created or closed (won/lost) 2024-12..2025-11, counted with plain pandas."""
    created = pd.to_datetime(frame["created_date"]).between(LO, HI)
    closed = frame["stage"].isin(["won", "lost"]) & pd.to_datetime(frame["close_date"]).between(
        LO, HI
    )
    return frame[created | closed]


def test_reps_from_the_deal_owners(deals_only, tmp_path) -> None:
    """No headcount table, but the deals name owners: one rep per owner who created or
    closed a deal in the window (the fixture: 3 owners per region × 3 regions = 9, each
    working all year), deals per month = won deals closed in the window outside the
    partner channel ÷ (owners × 12) (every won deal is its customer's first: the partner
    channel's won deals are all new business, which partners close, not the reps; 59 of
    the 88 won deals, 59 ÷ 108 = 0.55, was 88 ÷ 108 = 0.81 before #13's like-with-like
    fix), attrition an assumption (no exit dates). The YAML line names the owners and the
    window; the region files split the owners by the region of their deals (3 each, the
    fixture's owners work in one region only); ``planning plan`` no longer reports a plan
    without reps."""
    frame, out = deals_only
    worked = _owners_by_hand(frame)
    owners = sorted(set(worked["owner"]))
    assert len(owners) == 9
    p = load_params(out)
    assert dict(p.current.reps) == {"inside_sales": 9}
    won = frame[(frame["stage"] == "won") & pd.to_datetime(frame["close_date"]).between(LO, HI)]
    assert not won["customer_id"].duplicated().any()  # no repeat purchases in this company
    reps_won = won[won["channel"] != "partner"]
    role = p.organisation.roles["inside_sales"]
    assert role.deals_per_month == pytest.approx(len(reps_won) / (9 * 12), abs=0.005)
    lines = out.read_text(encoding="utf-8").splitlines()
    line = next(ln for ln in lines if ln.strip().startswith("inside_sales: 9"))
    assert "# aus 9 Verantwortlichen mit Deals 2024-12..2025-11" in line
    line = next(ln for ln in lines if ln.strip().startswith("attrition_yearly:"))
    assert "ANNAHME:" in line
    data = tmp_path / "data"
    write_deals_only(data)
    regional = tmp_path / "r.yaml"
    assert main(["init", "--data", str(data), "--out", str(regional), "--regions"]) == 0
    for region in ("DE-Nord", "AT", "CH"):
        text = (tmp_path / "regions" / f"{region}.yaml").read_text(encoding="utf-8")
        assert "inside_sales: 3  # 33,3 % der Deal-Verantwortlichen" in text, region
    assert main(["plan", "--config", str(out), "--out", str(tmp_path / "plan")]) == 0
    codes = [f["code"] for f in json.loads((tmp_path / "plan" / "findings.json").read_text())]
    assert "capacity_no_reps" not in codes


def test_reps_without_owners_stay_an_assumption(tmp_path) -> None:
    """Without an owner column (the reader fills ``unassigned``) nobody is counted:
    reps 0 as before, marked ANNAHME with the missing headcount table named."""
    data = tmp_path / "data"
    write_deals_only(data)
    frame = pd.read_csv(data / "deals.csv").drop(columns=["owner"])
    frame.to_csv(data / "deals.csv", index=False)
    out = tmp_path / "p.yaml"
    assert main(["init", "--data", str(data), "--out", str(out)]) == 0
    assert dict(load_params(out).current.reps) == {"inside_sales": 0}
    line = next(
        ln
        for ln in out.read_text(encoding="utf-8").splitlines()
        if ln.strip().startswith("inside_sales: 0")
    )
    assert "ANNAHME: keine headcount-Tabelle" in line


def _revenue_target(out: Path) -> dict:
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    return next(t for t in data["targets"] if t["metric"] == "revenue")


def _bookings_window(frame: pd.DataFrame) -> float:
    """Won amounts closed 2024-12-01..2025-11-30, summed by plain pandas."""
    won = frame[frame["stage"] == "won"]
    close = pd.to_datetime(won["close_date"])
    return float(won.loc[close.between(LO, pd.Timestamp("2025-11-30 23:59")), "amount_eur"].sum())


@pytest.mark.parametrize("company", ["deals_only", "repeat"])
def test_revenue_target_proposal_is_the_bookings_forecast(company, request) -> None:
    """The revenue target ``init`` proposes = the no-change forecast of the monthly
    bookings summed over the plan year 2025-12..2026-11: ``no_change_bookings`` (the
    public function, same deals, plan start 2025-12-01) called here, rounded to whole
    euros; the comment carries its P10–P90 (German thousands dots), the baseline is the
    window's won amount summed by pandas (2024-12..2025-11), unit EUR, at_least."""
    got = request.getfixturevalue(company)
    frame, out = got[0], got[1]
    base = no_change_bookings(frame, "2025-12-01")
    t = _revenue_target(out)
    assert t["value"] == round(base.expected)
    assert t["unit"] == "EUR" and t["direction"] == "at_least"
    assert t["baseline"] == round(_bookings_window(frame))
    line = next(ln for ln in out.read_text(encoding="utf-8").splitlines() if "Umsatzziel" in ln)
    p10, p90 = (f"{round(v):,}".replace(",", ".") for v in (base.p10, base.p90))
    assert f"P10–P90 {p10}–{p90} €" in line
    assert load_params(out).target("revenue").value == t["value"]


def test_revenue_target_of_a_flat_history_is_near_last_year(deals_only) -> None:
    """Deals-only company (no repeat purchases, new deals at a steady rate): the
    proposal lies within ±25 % of the last 12 months' bookings (pandas sum of the won
    amounts closed 2024-12..2025-11, 700,525 €; the proposal is 699,748 €, -0.1 %; before
    the smearing factor replaced the normal-theory mean of the log model it was 755,545 €,
    +7.9 %)."""
    frame, out = deals_only
    last = _bookings_window(frame)
    assert abs(_revenue_target(out)["value"] - last) <= 0.25 * last


def test_revenue_target_of_a_growing_history_follows_the_climb(repeat) -> None:
    """Repeat-buying company: the bookings climb with the customer base (2024-01..11
    summed 470,745 €, 2024-12..2025-11 877,925 €, by pandas below), so the forecast of
    the plan year lies above the last 12 months (not within ±25 %: 1,105,336 € is +25.9 %;
    1,209,203 € before the smearing factor)
    but below the last year plus the year-on-year growth once more (877,925 + 407,180 =
    1,285,105 €): the proposal extrapolates the trend, it does not invent one."""
    frame, out, _ = repeat
    won = frame[frame["stage"] == "won"]
    close = pd.to_datetime(won["close_date"])
    before = float(won.loc[close < LO, "amount_eur"].sum())
    last = _bookings_window(frame)
    value = _revenue_target(out)["value"]
    assert last < value < last + (last - before)


def test_owners_of_partner_deals_only_are_no_reps(tmp_path) -> None:
    """Without headcount, an owner whose every deal in the window is of the partner
    channel is no rep (partners close those deals): the deals-only company (9 owners, 3
    per region, each with deals of every channel) plus two partner managers with partner
    deals only ("Partner AG": 2 won in AT, "Partner GmbH": 1 lost in CH) and one new
    owner "DE-4" with a partner deal and an inbound deal (both in DE-Nord). By hand:
    reps = 9 + DE-4 = 10 (was 12, counting the two partner managers); deals per month =
    the same won non-partner deals as before ÷ (10 × 12) (the added won deals are partner
    new business, DE-4's inbound deal is lost); the comment counts the 2 apart. Region
    files: each rep owner in the region of most of their deals: DE-Nord 3 + DE-4 = 4,
    AT 3, CH 3 (shares 40 %, 30 %, 30 %; before: 4, 4, 4)."""
    data = tmp_path / "data"
    frame = write_deals_only(data)
    extra = [
        ("D90001", "K90001", "2025-03-02", "2025-05-10", "won", "AT", "partner", "Partner AG"),
        ("D90002", "K90002", "2025-04-02", "2025-06-10", "won", "AT", "partner", "Partner AG"),
        ("D90003", "", "2025-05-02", "2025-07-10", "lost", "CH", "partner", "Partner GmbH"),
        ("D90004", "K90004", "2025-02-02", "2025-04-10", "won", "DE-Nord", "partner", "DE-4"),
        ("D90005", "", "2025-06-02", "2025-08-10", "lost", "DE-Nord", "inbound", "DE-4"),
    ]
    cols = ["deal_id", "customer_id", "created_date", "close_date", "stage", "region",
            "channel", "owner"]  # fmt: skip
    added = pd.DataFrame(extra, columns=cols).assign(
        amount_eur=5000.0, mrr_eur=0.0, product="Starter", segment="small"
    )
    pd.concat([frame, added[frame.columns]]).to_csv(data / "deals.csv", index=False)
    out = tmp_path / "p.yaml"
    assert main(["init", "--data", str(data), "--out", str(out), "--regions"]) == 0
    p = load_params(out)
    assert dict(p.current.reps) == {"inside_sales": 10}
    won = frame[(frame["stage"] == "won") & pd.to_datetime(frame["close_date"]).between(LO, HI)]
    reps_won = won[won["channel"] != "partner"]
    role = p.organisation.roles["inside_sales"]
    assert role.deals_per_month == pytest.approx(len(reps_won) / (10 * 12), abs=0.005)
    line = next(
        ln for ln in out.read_text(encoding="utf-8").splitlines()
        if ln.strip().startswith("inside_sales: 10")
    )  # fmt: skip
    assert "# aus 10 Verantwortlichen mit Deals 2024-12..2025-11" in line
    assert "nicht gezählt: 2 Inhaber nur von Partner-Deals" in line
    for region, line_start in {
        "DE-Nord": "inside_sales: 4  # 40 % der Deal-Verantwortlichen",
        "AT": "inside_sales: 3  # 30 % der Deal-Verantwortlichen",
        "CH": "inside_sales: 3  # 30 % der Deal-Verantwortlichen",
    }.items():
        text = (tmp_path / "regions" / f"{region}.yaml").read_text(encoding="utf-8")
        assert line_start in text, region


def test_a_single_region_file_says_it_holds_the_whole_company(tmp_path) -> None:
    """One region in the data: its file's header says it is the only region and holds the
    whole company, and no line carries a share comment ("100 % der …" on every line read
    oddly); the values are the base's (the region files add up to the base: with one file
    it is the base's own figure, read here from the base file) and the non-share comment
    of the bookings before the start stays."""
    data = tmp_path / "data"
    frame = write_deals_only(data)
    frame.assign(region="DE-Nord").to_csv(data / "deals.csv", index=False)
    out = tmp_path / "p.yaml"
    assert main(["init", "--data", str(data), "--out", str(out), "--regions"]) == 0
    text = (tmp_path / "regions" / "DE-Nord.yaml").read_text(encoding="utf-8")
    header = " ".join(ln.lstrip("# ") for ln in text.splitlines() if ln.startswith("#"))
    assert "Region DE-Nord: die einzige Region der Daten; sie umfasst die ganze Firma" in header
    assert " % " not in text and "Anteil der Region" not in text
    base, region = yaml.safe_load(out.read_text(encoding="utf-8")), yaml.safe_load(text)
    assert region["current"]["customers"] == base["current"]["customers"]
    assert region["current"]["reps"] == base["current"]["reps"]
    assert "# gewonnene Deals der Region (Betrag) je Abschlussmonat" in text
