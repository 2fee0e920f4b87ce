"""The plan calibrated from the sample history, checked against figures derived here
with plain pandas from the CSV files (not with the package's metric functions)."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from planning_lib.analysis.calibration import (
    CalibrationError,
    calibrate,
    last_complete_month,
    seasonal_weights,
)
from planning_lib.analysis.calibration_common import split_exactly
from planning_lib.core.params import params_from_dict
from planning_lib.core.paths import SAMPLE_DATA
from planning_lib.core.region_sums import additive_figures
from planning_lib.data.loaders import load_dataset

END = pd.Timestamp("2025-12-31")
WINDOW = ("2025-01-01", "2025-12-31")


@pytest.fixture(scope="module")
def tables():
    return load_dataset(SAMPLE_DATA)


@pytest.fixture(scope="module")
def cal(tables):
    return calibrate(tables, with_regions=True)


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE_DATA / name, keep_default_na=False)


def _active(subs: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    """Subscriptions running on ``day``: started on or before it, no end or ending after
    it (month-end state: a subscription ending on the 31st is gone at the month's end)."""
    start = pd.to_datetime(subs["start_date"])
    end = pd.to_datetime(subs["end_date"].replace("", None))
    return subs[(start <= day) & (end.isna() | (end > day))]


def test_as_of_is_the_last_complete_month(tables, cal) -> None:
    """The latest lead is created on 2025-12-31, a month's last day: December is complete."""
    assert _csv("leads.csv")["created_date"].max() == "2025-12-31"
    assert last_complete_month(tables) == pd.Period("2025-12", freq="M") == cal.as_of
    assert cal.values["company"]["plan_start"].isoformat() == "2026-01-01"


def test_customers_and_mrr_at_start(cal) -> None:
    """Customers with a subscription running on 2025-12-31 (one customer counted once)
    and the sum of those subscriptions' MRR."""
    active = _active(_csv("subscriptions.csv"), END)
    assert cal.values["current"]["customers"] == active["customer_id"].nunique()
    assert cal.values["current"]["mrr_eur"] == pytest.approx(active["mrr_eur"].sum(), abs=0.01)


def test_new_customers_churn_and_arpa(cal) -> None:
    """New customers of 2025: customers whose first subscription starts in 2025. ARPA of a
    new account: mean MRR of those first subscriptions. Churn: customers active at a
    month's end and not at the next, ÷ customers active at the month's end, pooled over
    the 12 month-ends 2024-12..2025-11 → 2025-01..2025-12."""
    subs = _csv("subscriptions.csv")
    first = subs.sort_values(["customer_id", "start_date"]).groupby("customer_id").head(1)
    new = first[first["start_date"].between(*WINDOW)]
    assert cal.values["history"]["new_customers_last_year"] == len(new)
    assert cal.values["drivers"]["arpa_monthly_eur"] == pytest.approx(
        new["mrr_eur"].mean(), abs=0.01
    )
    ends = pd.date_range("2024-12-31", "2025-12-31", freq="ME")
    lost = starts = 0
    for before, after in itertools.pairwise(ends):
        was = set(_active(subs, before)["customer_id"])
        now = set(_active(subs, after)["customer_id"])
        starts += len(was)
        lost += len(was - now)
    assert cal.values["drivers"]["churn_rate_monthly"]["start"] == pytest.approx(
        lost / starts, abs=5e-5
    )


def test_leads_per_month_and_conversion(cal) -> None:
    """Inbound enters at MQL: MQL dates in 2025 ÷ 12. Outbound has no MQL dates and enters
    at SQL: SQL dates in 2025 ÷ 12. The inbound demo → won rate: of the leads whose demo
    month lies in the mature cohorts of 2025 (demo → won matures after 2 months: demos
    2025-01..2025-10), the share won by 2025-12-31."""
    leads = _csv("leads.csv")
    inbound = leads[leads["channel"] == "inbound"]
    outbound = leads[leads["channel"] == "outbound"]
    assert (outbound["mql_date"] == "").all()
    mql = inbound["mql_date"].between(*WINDOW).sum()
    sql = outbound["sql_date"].between(*WINDOW).sum()
    ch = cal.values["channels"]
    assert (ch["inbound"]["entry_stage"], ch["outbound"]["entry_stage"]) == ("mql", "sql")
    assert ch["inbound"]["leads_per_month"] == pytest.approx(mql / 12, abs=0.005)
    assert ch["outbound"]["leads_per_month"] == pytest.approx(sql / 12, abs=0.005)
    demos = inbound[inbound["demo_date"].between("2025-01-01", "2025-10-31")]
    won = demos["won_date"].between("2000-01-01", "2025-12-31").sum()
    assert ch["inbound"]["demo_to_won"] == pytest.approx(won / len(demos), abs=5e-5)


def test_team_and_budget(cal) -> None:
    """Reps: inside-sales employees without exit (E001, E002, E004). Budget per category:
    the 2025 rows of costs.csv. Salary: personnel cost 2025 ÷ 36 head-months × 12 (three
    reps employed all year)."""
    team = _csv("headcount.csv")
    assert cal.values["current"]["reps"] == {"inside_sales": int((team["exit_date"] == "").sum())}
    costs = _csv("costs.csv")
    y = costs[costs["month"].between(*WINDOW)].groupby("category")["amount_eur"].sum()
    budget = cal.values["budget"]
    for cat, value in budget["by_category"].items():
        assert value == pytest.approx(y[cat], abs=0.01)
    assert budget["total_eur"] == pytest.approx(y.sum(), abs=0.01)
    role = cal.values["organisation"]["roles"]["inside_sales"]
    assert role["salary_yearly_eur"] == pytest.approx(y["personnel"] / 36 * 12, abs=0.01)


def test_values_load_and_carry_sources(cal) -> None:
    """The calibrated dict is a valid plan; every figure the data gives names its source
    and the assumptions are marked."""
    params_from_dict(cal.values)
    assert cal.sources["current.customers"].assumption is False
    assert cal.sources["drivers.gross_margin"].assumption is True
    assert cal.sources["current.cash_eur"].assumption is True
    base = cal.baseline
    assert cal.values["forecast_no_change_new_customers"] == round(base.expected)
    assert base.p10 <= base.expected <= base.p90


def test_regions_add_up_to_the_base(cal) -> None:
    """Each region's additive figures, summed over the four regions, equal the base's
    (the regions split the base exactly); customers per region as counted here."""
    assert sorted(cal.regions) == ["AT", "CH", "DE-Nord", "DE-Süd"]
    base = dict(additive_figures(cal.values))
    sums: dict[str, float] = {}
    for values in cal.regions.values():
        for name, v in additive_figures(values):
            sums[name] = sums.get(name, 0.0) + v
    for name, total in sums.items():
        assert total == pytest.approx(base[name], abs=0.011), name
    active = _active(_csv("subscriptions.csv"), END)
    firsts = _csv("subscriptions.csv").sort_values("start_date").groupby("customer_id").head(1)
    region_of = firsts.set_index("customer_id")["region"]
    per_region = region_of.reindex(active["customer_id"].unique()).value_counts()
    for r, values in cal.regions.items():
        assert values["current"]["customers"] == per_region[r]


def test_split_exactly_and_seasonal_weights() -> None:
    """10 over weights 1:1:1 → 3.34 + 3.33 + 3.33 (the cent lost by rounding goes to the
    first key); a series 1, 2, ..., 12 over two years → weights m ÷ 6.5."""
    assert split_exactly(10, {"a": 1, "b": 1, "c": 1}, 2) == {"a": 3.34, "b": 3.33, "c": 3.33}
    assert split_exactly(5, {"a": 0, "b": 0}, 0) == {"a": 3, "b": 2}
    idx = pd.period_range("2024-01", "2025-12", freq="M")
    y = pd.Series([float(p.month) for p in idx], index=idx)
    assert seasonal_weights(y, 24) == [round(m / 6.5, 3) for m in range(1, 13)]
    assert seasonal_weights(y.iloc[:23], 24) is None


def test_unknown_business_model_is_refused(tables) -> None:
    """Only subscription and transactional are calibrated (transactional:
    tests/cli/test_init_transactional.py)."""
    with pytest.raises(CalibrationError, match="not supported yet"):
        calibrate(tables, business_model="licence")


def test_no_demo_anywhere_calibrates_zero_with_a_note(tables) -> None:
    """The sample's leads with every demo date removed: SQL→demo converts no lead (the
    SQL leads of the window enter, none converts: rate 0 from the data), and no lead
    enters demo→won, so that rate is 0 as an assumption with its note, not a crash."""
    no_demo = {**tables, "leads": tables["leads"].assign(demo_date=pd.NaT)}
    cal = calibrate(no_demo)
    params_from_dict(cal.values)
    for name, ch in cal.values["channels"].items():
        assert ch["sql_to_demo"] == 0.0
        assert ch["demo_to_won"] == 0.0
        src = cal.sources[f"channels.{name}.demo_to_won"]
        assert (src.key, src.assumption) == ("init.conversion_none", True)
