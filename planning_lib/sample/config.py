"""What the simulated company looks like: volumes, conversions, prices, churn, costs
and team of the sample company (defaults reproduce the CloudFlow example).

Units: money in EUR (monthly recurring revenue in EUR/month), rates as shares 0..1,
lags in days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["ChannelRates", "SampleConfig"]


@dataclass(frozen=True)
class ChannelRates:
    """Funnel conversions of one channel (shares 0..1)."""

    mql_to_sql: float
    sql_to_demo: float
    demo_to_won: float


@dataclass(frozen=True)
class SampleConfig:
    """What the simulated company looks like; defaults reproduce the CloudFlow example.

    Volumes are leads per month for the whole company at the channel's entry stage
    (inbound: MQL, outbound and partner: SQL); the region shares split them.
    """

    history_start: dt.date = dt.date(2022, 1, 1)
    history_end: dt.date = dt.date(2025, 12, 31)
    actuals_end: dt.date = dt.date(2026, 6, 30)
    regions: tuple[tuple[str, float], ...] = (
        ("DE-Nord", 0.35),
        ("DE-Süd", 0.30),
        ("AT", 0.15),
        ("CH", 0.20),
    )
    # list prices (EUR/month)
    products: tuple[tuple[str, float], ...] = (
        ("Starter", 79.0),
        ("Business", 179.0),
        ("Enterprise", 449.0),
    )
    # product mix per segment (Starter, Business, Enterprise)
    product_mix: tuple[tuple[str, tuple[float, float, float]], ...] = (
        ("small", (0.62, 0.34, 0.04)),
        ("mid", (0.27, 0.57, 0.16)),
        ("large", (0.12, 0.48, 0.40)),
    )
    # segment mix per channel (small, mid, large)
    segment_mix: tuple[tuple[str, tuple[float, float, float]], ...] = (
        ("inbound", (0.64, 0.29, 0.07)),
        ("outbound", (0.48, 0.38, 0.14)),
        ("partner", (0.30, 0.50, 0.20)),
    )
    # discounts off list price and their probabilities
    discounts: tuple[tuple[float, float], ...] = ((0.0, 0.55), (0.10, 0.30), (0.20, 0.15))
    # history volumes: company per month in 2025 (entry stage), yearly growth before
    inbound_mql_2025: float = 500.0
    outbound_sql_2025: float = 150.0
    partner_leads_history: float = 0.4
    yearly_growth: float = 1.15
    seasonality: tuple[float, ...] = (
        1.1,
        1.1,
        1.1,
        1.05,
        1.0,
        0.95,
        0.85,
        0.8,
        1.05,
        1.1,
        1.1,
        0.8,
    )
    volume_noise_sd: float = 0.06
    history_rates: tuple[tuple[str, ChannelRates], ...] = (
        ("inbound", ChannelRates(0.36, 0.32, 0.26)),
        ("outbound", ChannelRates(1.0, 0.31, 0.22)),
        ("partner", ChannelRates(1.0, 0.50, 0.30)),
    )
    # plan year (actuals 2026): volumes and conversions of the plan (cloudflow.yaml)
    inbound_mql_plan: float = 500.0
    outbound_sql_plan: float = 250.0
    plan_rates: tuple[tuple[str, ChannelRates], ...] = (
        ("inbound", ChannelRates(0.35, 0.30, 0.25)),
        ("outbound", ChannelRates(1.0, 0.30, 0.22)),
        ("partner", ChannelRates(1.0, 0.50, 0.30)),
    )
    # injected deviations in the actuals (see data/sample/README.md)
    dip_region: str = "AT"
    dip_months: tuple[str, ...] = ("2026-02", "2026-03")
    dip_sql_to_demo: float = 0.08
    partner_leads_actual: float = 1.5
    partner_rates_actual: ChannelRates = ChannelRates(1.0, 0.35, 0.0)
    # first response (hours): lognormal median per channel and spread; win factors
    response_median_hours: tuple[tuple[str, float], ...] = (
        ("inbound", 5.0),
        ("outbound", 2.0),
        ("partner", 8.0),
    )
    response_sigma: float = 1.2
    # demo->won multiplier for first response < 2 h, 2..24 h, > 24 h (normalised to mean 1)
    response_win_factor: tuple[float, float, float] = (1.35, 1.0, 0.5)
    # customers and churn
    opening_customers: int = 320
    opening_since: dt.date = dt.date(2019, 1, 1)
    churn_by_year: tuple[tuple[int, float], ...] = (
        (2022, 0.028),
        (2023, 0.032),
        (2024, 0.037),
        (2025, 0.047),
    )
    churn_plan_start: float = 0.05
    churn_plan_end: float = 0.03
    churn_segment_factor: tuple[tuple[str, float], ...] = (
        ("small", 1.2),
        ("mid", 0.85),
        ("large", 0.6),
    )
    # costs (EUR)
    salaries_yearly: tuple[tuple[str, float], ...] = (
        ("inside_sales", 42_000.0),
        ("partner_manager", 54_000.0),
    )
    cost_per_lead_history: tuple[tuple[str, float], ...] = (
        ("inbound", 11.0),
        ("outbound", 3.0),
        ("partner", 50.0),
    )
    cost_per_lead_plan: tuple[tuple[str, float], ...] = (
        ("inbound", 13.0),
        ("outbound", 3.0),
        ("partner", 50.0),
    )
    partner_programme_monthly: float = 1_000.0
    tools_monthly_by_year: tuple[tuple[int, float], ...] = (
        (2022, 1_200.0),
        (2023, 1_500.0),
        (2024, 1_800.0),
        (2025, 2_000.0),
        (2026, 2_500.0),
    )
    training_monthly_by_year: tuple[tuple[int, float], ...] = (
        (2022, 600.0),
        (2023, 800.0),
        (2024, 1_000.0),
        (2025, 1_200.0),
        (2026, 1_650.0),
    )
    commission_rate: float = 0.10
    partner_commission_rate: float = 0.20
    cost_noise_sd: float = 0.08
    # sales team: (employee_id, role, region, hire, exit, regions covered for deals)
    team: tuple[tuple[str, str, str, dt.date, dt.date | None, tuple[str, ...]], ...] = (
        ("E001", "inside_sales", "DE-Nord", dt.date(2020, 3, 1), None, ("DE-Nord",)),
        ("E002", "inside_sales", "DE-Süd", dt.date(2021, 1, 1), None, ("DE-Süd", "AT")),
        ("E003", "inside_sales", "CH", dt.date(2022, 4, 1), dt.date(2023, 9, 30), ("CH",)),
        ("E004", "inside_sales", "CH", dt.date(2023, 11, 1), None, ("CH",)),
        ("E005", "inside_sales", "DE-Nord", dt.date(2026, 1, 1), None, ("DE-Nord",)),
        ("E006", "inside_sales", "AT", dt.date(2026, 2, 1), None, ("AT",)),
        ("E007", "partner_manager", "DE-Süd", dt.date(2026, 4, 1), None, ()),
    )
    # who takes a region's deals while it has no rep of its own
    fallback_owner: tuple[tuple[str, str], ...] = (
        ("DE-Nord", "E001"),
        ("DE-Süd", "E002"),
        ("AT", "E002"),
        ("CH", "E002"),
    )

    @property
    def plan_start(self) -> dt.date:
        """First day after the history: the first plan month."""
        return self.history_end + dt.timedelta(days=1)
