"""Hierarchical reconciliation: bottom-up and MinT add up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planning_lib.analysis.forecast.reconcile import (
    bottom_up,
    hierarchy,
    mint_shrink,
    reconcile_long,
    shrunk_covariance,
)


@pytest.fixture
def hier():
    keys = pd.DataFrame({"region": ["AT", "AT", "DE", "DE"], "product": ["B", "A", "A", "B"]})
    return hierarchy(keys, ["region", "product"])


def test_summing_matrix_by_hand(hier):
    assert hier.labels == [
        "total",
        "region=AT",
        "region=DE",
        "region=AT/product=A",
        "region=AT/product=B",
        "region=DE/product=A",
        "region=DE/product=B",
    ]
    expected = np.array(
        [
            [1, 1, 1, 1],
            [1, 1, 0, 0],
            [0, 0, 1, 1],
            [1, 0, 0, 0],
            [0, 1, 0, 0],
            [0, 0, 1, 0],
            [0, 0, 0, 1],
        ]
    )
    np.testing.assert_array_equal(hier.S, expected)


def test_bottom_up_adds_up(hier):
    bottom = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]])
    rec = bottom_up(bottom, hier.S)
    np.testing.assert_allclose(rec[0], [16.0, 20.0])
    np.testing.assert_allclose(rec[1], [4.0, 6.0])
    np.testing.assert_allclose(rec[2], [12.0, 14.0])


def _coherence_error(rec: np.ndarray, S: np.ndarray) -> float:
    bottom = rec[-S.shape[1] :]
    return float(np.max(np.abs(S @ bottom - rec)))


def test_mint_makes_incoherent_forecasts_add_up(hier):
    rng = np.random.default_rng(0)
    base = rng.normal(10, 3, size=(7, 5))
    residuals = rng.normal(0, 1, size=(40, 7))
    rec = mint_shrink(base, residuals, hier.S)
    assert _coherence_error(rec, hier.S) < 1e-9
    assert _coherence_error(base, hier.S) > 1  # the input was not coherent


def test_mint_leaves_coherent_forecasts_unchanged(hier):
    rng = np.random.default_rng(1)
    bottom = rng.normal(50, 10, size=(4, 6))
    base = hier.S @ bottom
    residuals = rng.normal(0, 1, size=(30, 7)) @ rng.normal(0, 1, size=(7, 7))
    np.testing.assert_allclose(mint_shrink(base, residuals, hier.S), base, atol=1e-8)


def test_mint_with_uncorrelated_equal_errors_is_ols_by_hand():
    # total = a + b; base total 10, a 3, b 5; W = sigma^2 I gives the OLS solution
    keys = pd.DataFrame({"region": ["a", "b"]})
    h = hierarchy(keys, ["region"])
    base = np.array([[10.0], [3.0], [5.0]])
    residuals = np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=float)
    W, lam = shrunk_covariance(residuals)
    assert lam == pytest.approx(1.0)
    np.testing.assert_allclose(W, np.eye(3))
    rec = mint_shrink(base, residuals, h.S)
    np.testing.assert_allclose(rec[:, 0], [28 / 3, 11 / 3, 17 / 3])


def test_reconcile_long_shifts_intervals_with_the_mean(hier):
    months = pd.to_datetime(["2026-01-01", "2026-02-01"])
    rows = []
    for i, node in enumerate(hier.labels):
        for m in months:
            rows.append(
                {"node": node, "month": m, "mean": 10.0 + i, "lo_80": 8.0 + i, "hi_80": 12.0 + i}
            )
    fc = pd.DataFrame(rows)
    out = reconcile_long(fc, None, hier, method="bottom_up")
    jan = out[out.month == months[0]].set_index("node")
    assert jan.loc["total", "mean"] == pytest.approx(13 + 14 + 15 + 16)
    assert jan.loc["region=AT", "mean"] == pytest.approx(13 + 14)
    assert jan.loc["total", "hi_80"] - jan.loc["total", "mean"] == pytest.approx(2.0)
    with pytest.raises(ValueError, match="residuals"):
        reconcile_long(fc, None, hier, method="mint")


def test_missing_hierarchy_column_is_named():
    with pytest.raises(KeyError, match="product"):
        hierarchy(pd.DataFrame({"region": ["AT"]}), ["region", "product"])
