"""The as-is analysis on partial table sets: every part it can give equals the full run's.

Issue 13 (item 3, "whatever tables exist"): the sample's region AT with only some of the
canonical tables. The second method for every figure is the analysis of the *full*
sample (all tables), where that part is computed with everything it needs; a few figures
are also counted with plain pandas from the CSV, as each docstring says. What a subset
cannot give is listed in ``Analysis.skipped`` with the missing tables.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planning_lib.analysis.asis import Analysis, for_region, run_analysis
from planning_lib.cli import main as cli
from planning_lib.core.config import load_params
from planning_lib.core.params import PlanParameters
from planning_lib.core.paths import CONFIGS, SAMPLE_DATA
from planning_lib.data.loaders import load_dataset

REGION = "AT"


@pytest.fixture(scope="module")
def region_tables() -> dict[str, pd.DataFrame]:
    """The sample's history tables, AT's rows."""
    return for_region(load_dataset(SAMPLE_DATA), REGION)


@pytest.fixture(scope="module")
def params() -> PlanParameters:
    return load_params(CONFIGS / "cloudflow.yaml", REGION)


@pytest.fixture(scope="module")
def full(region_tables: dict[str, pd.DataFrame], params: PlanParameters) -> Analysis:
    """The analysis with every table: the reference each subset is compared with."""
    return run_analysis(region_tables, params)


def _subset(tables: dict[str, pd.DataFrame], params: PlanParameters, *names: str) -> Analysis:
    return run_analysis({n: tables[n] for n in ("deals", *names)}, params)


def _raw(name: str) -> pd.DataFrame:
    frame = pd.read_csv(SAMPLE_DATA / f"{name}.csv", keep_default_na=False)
    return frame[frame["region"] == REGION]


def test_deals_and_subscriptions_give_the_customer_base_of_the_full_run(
    region_tables: dict[str, pd.DataFrame], params: PlanParameters, full: Analysis
) -> None:
    """{deals, subscriptions}: MRR, customers, revenue, churn, CLV and the new customers of
    2025 equal the full run's (there the new customers are the ``all`` row of the CAC
    table); the revenue history and the MRR bridge are the same frames. Plain pandas: the
    MRR at the as-of month 2025-12 is the sum of ``mrr_eur`` of AT's subscriptions that
    started by 2025-12-31 and did not end before 2026-01 (an end month is the first month
    without the subscription). The lead funnel, CAC and the segments are skipped, naming
    leads and costs; the ABC classes need no costs and are the full run's."""
    part = _subset(region_tables, params, "subscriptions")
    for figure in (
        "mrr_end_eur",
        "customers_end",
        "revenue_eur",
        "revenue_yoy",
        "logo_churn_rate",
        "clv_formula_eur",
        "clv_empirical_eur",
        "market_share",
    ):
        assert part.figures[figure] == pytest.approx(full.figures[figure], rel=1e-12), figure
    blended = full.tables["cac"]
    blended = blended[(blended["year"] == 2025) & (blended["channel"] == "all")]
    assert part.figures["new_customers"] == float(blended["new_customers"].iloc[0])
    assert np.isnan(part.figures["cac_stated_eur"])
    for name in ("revenue_monthly", "revenue_yearly", "mrr_bridge", "clv"):
        pd.testing.assert_frame_equal(part.tables[name], full.tables[name])
    subs = _raw("subscriptions")
    start = pd.to_datetime(subs["start_date"])
    end = pd.to_datetime(subs["end_date"].replace("", None))
    active = (start <= "2025-12-31") & (end.isna() | (end >= "2026-01-01"))
    assert part.figures["mrr_end_eur"] == pytest.approx(subs.loc[active, "mrr_eur"].sum())
    assert part.skipped == [
        ("lead_funnel", ("leads",)),
        ("cac", ("costs",)),
        ("segmentation", ("costs",)),
    ]
    assert not {"leads_by_month", "cac", "segments"} & set(part.tables)
    pd.testing.assert_frame_equal(part.tables["abc_summary"], full.tables["abc_summary"])


def test_deals_and_leads_give_the_funnel_of_the_full_run_beside_the_sales_view(
    region_tables: dict[str, pd.DataFrame], params: PlanParameters, full: Analysis
) -> None:
    """{deals, leads}: leads per month, stage lags and the cohort conversion equal the full
    run's; the sales view of the deals replaces the revenue history. Plain pandas: the
    leads created in 2025 are AT's rows of leads.csv whose ``created_date`` starts with
    2025. The customer base, CAC, segmentation and market share are skipped."""
    part = _subset(region_tables, params, "leads")
    for name in ("leads_by_month", "stage_lags", "funnel_conversion_channel", "funnel_cohorts"):
        pd.testing.assert_frame_equal(part.tables[name], full.tables[name])
    lbm = part.tables["leads_by_month"]
    created_2025 = int(_raw("leads")["created_date"].str.startswith("2025").sum())
    assert int(lbm.loc[lbm["month"].str.startswith("2025"), "leads"].sum()) == created_2025
    assert "bookings_monthly" in part.tables and "revenue_monthly" not in part.tables
    assert [p for p, _ in part.skipped] == ["customer_base", "cac", "segmentation", "market_share"]


def test_deals_and_costs_give_the_sales_view_of_deals_alone(
    region_tables: dict[str, pd.DataFrame], params: PlanParameters
) -> None:
    """{deals, costs}: costs alone add nothing without the customer base, so every table and
    figure equals the deals-only analysis; CAC is skipped naming only subscriptions (costs
    are there). Plain pandas: bookings 2025 = sum of ``amount_eur`` of AT's won deals
    closed in 2025."""
    part = _subset(region_tables, params, "costs")
    alone = _subset(region_tables, params)
    assert set(part.tables) == set(alone.tables)
    for name in part.tables:
        pd.testing.assert_frame_equal(part.tables[name], alone.tables[name])
    assert part.figures.keys() == alone.figures.keys()
    for k, v in part.figures.items():
        assert v == pytest.approx(alone.figures[k], nan_ok=True), k
    deals = _raw("deals")
    won25 = deals[(deals["stage"] == "won") & deals["close_date"].str.startswith("2025")]
    assert part.figures["bookings_eur"] == pytest.approx(won25["amount_eur"].sum())
    assert ("cac", ("subscriptions",)) in part.skipped


def test_all_but_leads_give_cac_and_segments_of_the_full_run(
    region_tables: dict[str, pd.DataFrame], params: PlanParameters, full: Analysis
) -> None:
    """{deals, subscriptions, costs, headcount}: CAC per channel, the segment table and the
    ABC classes equal the full run's; only the lead funnel is skipped."""
    part = _subset(region_tables, params, "subscriptions", "costs", "headcount")
    for name in ("cac", "segments", "abc_summary", "persona_links", "mrr_bridge"):
        pd.testing.assert_frame_equal(part.tables[name], full.tables[name])
    for figure in ("cac_stated_eur", "cac_fully_loaded_eur", "new_customers", "mrr_end_eur"):
        assert part.figures[figure] == pytest.approx(full.figures[figure], rel=1e-12), figure
    assert part.skipped == [("lead_funnel", ("leads",))]


def test_planning_analyse_names_each_skipped_part_on_the_console(
    tmp_path: Path, capsys: pytest.CaptureFixture, full: Analysis
) -> None:
    """``planning analyse --region AT`` on {deals, subscriptions, leads}: exit 0, one console
    line per part the missing costs skip (CAC, segmentation), none for the parts that ran;
    key_figures.csv holds the full run's MRR and new customers of 2025 (51, the CAC table's
    ``all`` row there), and no cac.csv is written."""
    data = tmp_path / "data"
    data.mkdir()
    for name in ("deals", "subscriptions", "leads"):
        shutil.copy(SAMPLE_DATA / f"{name}.csv", data / f"{name}.csv")
    out = tmp_path / "out"
    args = ["analyse", "--data", str(data), "--config", str(CONFIGS / "cloudflow.yaml")]
    capsys.readouterr()
    assert cli.main([*args, "--region", REGION, "--out", str(out)]) == 0
    skipped = [ln for ln in capsys.readouterr().out.splitlines() if "übersprungen" in ln]
    assert skipped == [
        "- CAC je Kanal übersprungen: Tabelle costs fehlt.",
        "- Segmente, Attraktivität und Persona-Bezüge übersprungen: Tabelle costs fehlt.",
    ]
    kf = pd.read_csv(out / "key_figures.csv").set_index("figure")["value"]
    assert kf["mrr_end_eur"] == pytest.approx(full.figures["mrr_end_eur"], abs=1e-4)
    assert kf["new_customers"] == 51.0 == full.figures["new_customers"]
    assert not (out / "cac.csv").exists() and (out / "leads_by_month.csv").exists()
