"""Price/volume/mix decomposition: hand-worked cases and the exact-sum property."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planning_lib.controlling.variance import decompose, decompose_totals


def cells(rows: list[tuple[str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["member", "volume", "value_eur"])


def test_mix_and_price_by_hand():
    # plan: small 10 deals × 100 = 1000, mid 10 × 200 = 2000 → 3000, 20 deals, avg 150
    # actual: small 15 × 90 = 1350, mid 5 × 220 = 1100 → 2450, 20 deals; variance −550
    plan = cells([("small", 10, 1000.0), ("mid", 10, 2000.0)])
    actual = cells([("small", 15, 1350.0), ("mid", 5, 1100.0)])
    eff = decompose(plan, actual).set_index("member")
    # volume: (20 − 20) × 150 = 0
    assert eff["volume_effect_eur"].tolist() == [0.0, 0.0]
    # mix: small 20 × (0.75 − 0.5) × 100 = +500; mid 20 × (0.25 − 0.5) × 200 = −1000
    assert eff.loc["small", "mix_effect_eur"] == pytest.approx(500.0)
    assert eff.loc["mid", "mix_effect_eur"] == pytest.approx(-1000.0)
    # price: small 15 × (90 − 100) = −150; mid 5 × (220 − 200) = +100
    assert eff.loc["small", "price_effect_eur"] == pytest.approx(-150.0)
    assert eff.loc["mid", "price_effect_eur"] == pytest.approx(100.0)
    tot = decompose_totals(eff.reset_index())
    assert tot["variance_eur"] == pytest.approx(-550.0)
    assert tot["mix_effect_eur"] == pytest.approx(-500.0)
    assert tot["price_effect_eur"] == pytest.approx(-50.0)


def test_pure_volume_by_hand():
    # same mix and prices, 24 deals instead of 20: volume (24 − 20) × 150 = +600
    plan = cells([("small", 10, 1000.0), ("mid", 10, 2000.0)])
    actual = cells([("small", 12, 1200.0), ("mid", 12, 2400.0)])
    tot = decompose_totals(decompose(plan, actual))
    assert tot == pytest.approx(
        {
            "plan_eur": 3000.0,
            "actual_eur": 3600.0,
            "variance_eur": 600.0,
            "volume_effect_eur": 600.0,
            "mix_effect_eur": 0.0,
            "price_effect_eur": 0.0,
        }
    )


def test_unplanned_and_missing_cells():
    # partner was not planned: its 2 × 300 = 600 is mix (its plan price := actual price)
    # outbound planned 5 × 100 = 500 but nothing came in: −500 = volume −150 + mix −350
    plan = cells([("inbound", 5, 500.0), ("outbound", 5, 500.0)])
    actual = cells([("inbound", 5, 500.0), ("partner", 2, 600.0)])
    eff = decompose(plan, actual).set_index("member")
    assert eff.loc["partner", "price_effect_eur"] == 0.0
    assert eff.loc["partner", "mix_effect_eur"] == pytest.approx(600.0)  # 7 × 2/7 × 300
    row = eff.loc["outbound"]
    # volume (7 − 10) × 0.5 × 100 = −150; mix 7 × (0 − 0.5) × 100 = −350
    assert row["volume_effect_eur"] == pytest.approx(-150.0)
    assert row["mix_effect_eur"] == pytest.approx(-350.0)
    assert math.isnan(row["actual_price_eur"])


def test_missing_column_is_named():
    with pytest.raises(KeyError, match="value_eur"):
        decompose(cells([]).drop(columns="value_eur"), cells([]))


volumes = st.integers(min_value=0, max_value=500)
prices = st.floats(min_value=0.0, max_value=50_000.0, allow_nan=False)
cell_lists = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c", "d", "e"]), volumes, prices), max_size=6
)


def _frame(rows: list[tuple[str, int, float]]) -> pd.DataFrame:
    return cells([(m, v, v * p) for m, v, p in rows])


@settings(max_examples=300, deadline=None)
@given(cell_lists, cell_lists)
def test_effects_add_up_exactly_to_the_variance(plan_rows, actual_rows):
    plan, actual = _frame(plan_rows), _frame(actual_rows)
    eff = decompose(plan, actual)
    parts = eff[["volume_effect_eur", "mix_effect_eur", "price_effect_eur"]].sum(axis=1)
    scale = max(1.0, float(plan["value_eur"].sum() + actual["value_eur"].sum()))
    # per cell and in total, up to float rounding (1e-9 of the amounts involved)
    for got, want in zip(parts, eff["variance_eur"], strict=True):
        assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9 * scale)
    tot = decompose_totals(eff)
    effects = tot["volume_effect_eur"] + tot["mix_effect_eur"] + tot["price_effect_eur"]
    assert math.isclose(effects, tot["variance_eur"], rel_tol=1e-9, abs_tol=1e-9 * scale)
    want = actual["value_eur"].sum() - plan["value_eur"].sum()
    assert math.isclose(tot["variance_eur"], want, rel_tol=1e-9, abs_tol=1e-9 * scale)
