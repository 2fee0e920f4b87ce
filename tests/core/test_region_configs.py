"""The region files add up to the company figures and agree with the sample data."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pandas as pd
import pytest

from planning_lib.core.config import load_params
from planning_lib.core.params import PlanParameters
from planning_lib.core.paths import CONFIGS, SAMPLE_DATA

REGIONS = ("DE-Nord", "DE-Süd", "AT", "CH")
BASE = CONFIGS / "cloudflow.yaml"
HISTORY_END = pd.Timestamp("2025-12-31")


@pytest.fixture(scope="module")
def company() -> PlanParameters:
    return load_params(BASE)


@pytest.fixture(scope="module")
def regions() -> dict[str, PlanParameters]:
    return {r: load_params(BASE, region=r) for r in REGIONS}


def test_region_files_exist_and_start_with_their_region() -> None:
    files = sorted(p.stem for p in (CONFIGS / "regions").glob("*.yaml"))
    assert files == sorted(REGIONS)
    for r in REGIONS:
        first = (CONFIGS / "regions" / f"{r}.yaml").read_text(encoding="utf-8").splitlines()[0]
        assert first == f"region: {r}"


def test_region_field_and_untouched_base(regions, company) -> None:
    for name, p in regions.items():
        assert p.region == name
        # what the region does not name comes from the base
        assert p.drivers == company.drivers
        assert p.channels["inbound"].mql_to_sql == company.channels["inbound"].mql_to_sql
        assert p.organisation.roles == company.organisation.roles


def test_current_state_adds_up(regions) -> None:
    assert sum(p.current.customers for p in regions.values()) == 500
    assert sum(p.current.mrr_eur for p in regions.values()) == 80_000
    assert sum(p.current.cash_eur for p in regions.values()) == 150_000
    assert sum(p.current.reps["inside_sales"] for p in regions.values()) == 3
    assert sum(p.history.new_customers_last_year for p in regions.values()) == 300
    assert sum(p.forecast_no_change_new_customers for p in regions.values()) == 350


def test_targets_add_up(regions, company) -> None:
    assert sum(p.target("mrr_end").value for p in regions.values()) == 120_000
    assert sum(p.target("new_customers").value for p in regions.values()) == 600
    for p in regions.values():
        assert p.target("cac").value == company.target("cac").value == 200
        assert p.target("churn_rate_monthly").value == 0.03
        assert [t.code for t in p.targets] == [t.code for t in company.targets]
        # every region grows its MRR by the company's 50 %
        assert p.target("mrr_end").value == pytest.approx(1.5 * p.current.mrr_eur)


def test_lead_volumes_and_partners_add_up(regions) -> None:
    assert sum(p.channels["inbound"].leads_per_month for p in regions.values()) == 500
    assert sum(p.channels["outbound"].leads_per_month for p in regions.values()) == 250
    assert sum(p.channels["partner"].new_partners_per_quarter for p in regions.values()) == 3


def test_budget_adds_up(regions, company) -> None:
    assert sum(p.budget.total_eur for p in regions.values()) == 400_000
    for cat, value in company.budget.by_category.items():
        assert sum(p.budget.by_category[cat] for p in regions.values()) == value
    for p in regions.values():
        assert sum(p.budget.by_category.values()) == p.budget.total_eur


def test_hires_add_up(regions) -> None:
    total: Counter[tuple[str, int]] = Counter()
    for p in regions.values():
        for h in p.organisation.hires:
            total[h.role, h.start_month] += h.count
    assert total == Counter({("inside_sales", 1): 2, ("partner_manager", 4): 1})
    assert regions["CH"].organisation.hires == []


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE_DATA / name, keep_default_na=False)


def test_regions_agree_with_sample_history_end(regions) -> None:
    subs = _read("subscriptions.csv")
    start = pd.to_datetime(subs["start_date"])
    end = pd.to_datetime(subs["end_date"].replace("", None))
    active = subs[(start <= HISTORY_END) & (end.isna() | (end > HISTORY_END))]
    cust_share = active.groupby("region").size() / len(active)
    mrr_share = active.groupby("region")["mrr_eur"].sum() / active["mrr_eur"].sum()
    for name, p in regions.items():
        assert p.current.customers / 500 == pytest.approx(cust_share[name], abs=0.01)
        assert p.current.mrr_eur / 80_000 == pytest.approx(mrr_share[name], abs=0.01)


def test_reps_and_hires_agree_with_sample_headcount(regions) -> None:
    team = _read("headcount.csv")
    exit_ = pd.to_datetime(team["exit_date"].replace("", None))
    at_end = team[(team["role"] == "inside_sales") & exit_.isna()]
    for name, p in regions.items():
        assert p.current.reps["inside_sales"] == int((at_end["region"] == name).sum())
    actual = _read("actuals/headcount.csv")
    hired = actual[pd.to_datetime(actual["hire_date"]) >= pd.Timestamp("2026-01-01")]
    for name, p in regions.items():
        mine = hired[hired["region"] == name]
        planned = Counter({h.role: h.count for h in p.organisation.hires})
        assert Counter(mine["role"]) == planned
        for h, day in zip(p.organisation.hires, mine["hire_date"], strict=False):
            month = dt.date.fromisoformat(day).month
            assert h.start_month <= month < h.start_month + 3  # within the planned quarter
