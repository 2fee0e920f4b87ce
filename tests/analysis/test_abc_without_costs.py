"""The ABC analysis without costs (issue #13 item 4): it needs no more than its revenue.

The segments need subscriptions and costs (CAC per segment); the ABC classes need only
the customers' revenue: the subscriptions' MRR of the last 12 months, or for a company
with deals alone the won deals' bookings per customer. The sample's region AT with some
of its tables; second methods: the full run (every table) and plain pandas on the CSV.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planning_lib.analysis.asis import Analysis, for_region, run_analysis
from planning_lib.analysis.findings import abc_concentration
from planning_lib.core.config import load_params
from planning_lib.core.params import PlanParameters
from planning_lib.core.paths import CONFIGS, SAMPLE_DATA
from planning_lib.data.loaders import load_dataset
from planning_lib.present.analysis_finding_texts import analysis_finding_text
from planning_lib.present.formatting import format_value

REGION = "AT"


@pytest.fixture(scope="module")
def region_tables() -> dict[str, pd.DataFrame]:
    return for_region(load_dataset(SAMPLE_DATA), REGION)


@pytest.fixture(scope="module")
def params() -> PlanParameters:
    return load_params(CONFIGS / "cloudflow.yaml", REGION)


@pytest.fixture(scope="module")
def full(region_tables: dict[str, pd.DataFrame], params: PlanParameters) -> Analysis:
    return run_analysis(region_tables, params)


def test_deals_and_subscriptions_give_the_abc_classes_of_the_full_run(
    region_tables: dict[str, pd.DataFrame], params: PlanParameters, full: Analysis
) -> None:
    """{deals, subscriptions}: every customer's ABC class, revenue and shares, and the
    summary per class, are the full run's (there computed beside the segments); the
    segments are skipped naming costs only."""
    part = run_analysis({n: region_tables[n] for n in ("deals", "subscriptions")}, params)
    pd.testing.assert_frame_equal(part.tables["abc_customers"], full.tables["abc_customers"])
    pd.testing.assert_frame_equal(part.tables["abc_summary"], full.tables["abc_summary"])
    assert "segments" not in part.tables and "segments" in full.tables
    assert ("segmentation", ("costs",)) in part.skipped
    assert set(part.tables["abc_customers"]["abc_class"]) == {"A", "B", "C"}


def test_deals_alone_rank_customers_by_their_bookings(
    region_tables: dict[str, pd.DataFrame], params: PlanParameters
) -> None:
    """{deals}: the ABC classes by the bookings of the last 12 months (as-of 2025-12, the
    month before the plan start 2026-01). Plain pandas on deals.csv: AT's rows with stage
    won and close_date in 2025, amount_eur summed per customer_id, positive sums kept,
    sorted by amount (largest first, ties by id); the cumulative share before a customer
    below 80 % gives A, below 95 % B, else C (the config's thresholds)."""
    assert (params.segmentation.abc_a_share, params.segmentation.abc_b_share) == (0.8, 0.95)
    part = run_analysis({"deals": region_tables["deals"]}, params)
    assert ("segmentation", ("subscriptions", "costs")) in part.skipped
    deals = pd.read_csv(SAMPLE_DATA / "deals.csv", keep_default_na=False)
    won = deals[
        (deals["region"] == REGION)
        & (deals["stage"] == "won")
        & deals["close_date"].str.startswith("2025")
    ]
    per = won.groupby("customer_id")["amount_eur"].sum()
    per = per[per > 0].reset_index()
    per = per.sort_values(["amount_eur", "customer_id"], ascending=[False, True])
    share = per["amount_eur"] / per["amount_eur"].sum()
    before = share.cumsum() - share
    per["cls"] = np.select([before < 0.8 - 1e-12, before < 0.95 - 1e-12], ["A", "B"], "C")
    got = part.tables["abc_customers"]
    assert list(got["customer_id"]) == list(per["customer_id"])
    assert (
        got.set_index("customer_id")["abc_class"].to_dict()
        == per.set_index("customer_id")["cls"].to_dict()
    )
    np.testing.assert_allclose(got["revenue_eur"], per["amount_eur"], rtol=1e-12)
    summary = part.tables["abc_summary"].set_index("abc_class")
    counts = per["cls"].value_counts()
    for cls in ("A", "B", "C"):
        assert summary.at[cls, "customers"] == counts.get(cls, 0), cls
    assert summary.at["A", "revenue_share"] == pytest.approx(
        per.loc[per["cls"] == "A", "amount_eur"].sum() / per["amount_eur"].sum(), rel=1e-12
    )


def test_abc_finding_says_bookings_when_the_classes_are_by_bookings(
    region_tables: dict[str, pd.DataFrame], params: PlanParameters, full: Analysis
) -> None:
    """The A-class finding of the deals-only run speaks of bookings (its classes rank the
    bookings per customer), the full run's of revenue; both quote their own summary's A
    row (customer share formatted German, e.g. '14,3 %')."""
    part = run_analysis({"deals": region_tables["deals"]}, params)
    for analysis, word in ((part, "des Auftragseingangs"), (full, "des Umsatzes")):
        f = abc_concentration(analysis)
        assert f is not None
        a_row = analysis.tables["abc_summary"].set_index("abc_class").loc["A"]
        assert f.numbers["a_customer_share"] == a_row["customer_share"]
        text = analysis_finding_text(f, "de")
        assert word in text, text
        assert text.startswith(format_value(a_row["customer_share"], "share", "de"))
    assert abc_concentration(part).numbers["by_bookings"] == 1
    assert "by_bookings" not in abc_concentration(full).numbers
