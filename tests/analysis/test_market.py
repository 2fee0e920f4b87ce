"""Market, competitor and SWOT tables from the parameters."""

from __future__ import annotations

import math

import pytest

from planning_lib.analysis.market import competitor_table, market_table, swot_table
from planning_lib.core.params import Competitor, Market


def _market(size: float | None = 420e6) -> Market:
    return Market(
        size_eur_yearly=size,
        growth_rate_yearly=0.18,
        competitors=[
            Competitor(name="Global-Suite", price_monthly_eur=240, strengths=["Marke", "Umfang"]),
            Competitor(name="Kanban-Light", weaknesses=["Kein Reporting"]),
        ],
        swot={"threats": ["Preisdruck"], "strengths": ["Bedienung", "Support"]},
    )


def test_market_share_and_next_year_size():
    row = market_table(_market(), 1_050_000.0, 2025).iloc[0]
    # 1,050,000 / 420,000,000 = 0.0025; next year 420 M x 1.18 = 495.6 M
    assert row["market_share"] == pytest.approx(0.0025)
    assert row["market_size_next_year_eur"] == pytest.approx(495.6e6)
    assert row["year"] == 2025


def test_market_share_needs_both_figures():
    assert math.isnan(market_table(_market(None), 1e6, 2025)["market_share"].iloc[0])
    assert math.isnan(market_table(_market(), None, None)["market_share"].iloc[0])


def test_competitors_and_swot():
    c = competitor_table(_market())
    assert list(c["competitor"]) == ["Global-Suite", "Kanban-Light"]
    assert c.loc[0, "strengths"] == "Marke; Umfang"
    assert math.isnan(c.loc[1, "price_monthly_eur"])
    s = swot_table(_market())
    # fixed quadrant order S, W, O, T whatever the config order
    assert list(s["quadrant"]) == ["strengths", "strengths", "threats"]
    assert list(s["label_de"]) == ["Stärken", "Stärken", "Risiken"]
    assert list(s["internal"]) == [True, True, False]
