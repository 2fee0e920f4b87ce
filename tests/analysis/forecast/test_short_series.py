"""Under a year of history the forecast holds the level on the series' own scale.

A 7-month deals export whose first month held 4 % of a usual month (its deals were still
open when the export began) made the log-scale models extrapolate that ramp: 1,1 billion €
of bookings for a history of 911.360 €. With fewer than ``MIN_TREND_MONTHS`` months no
backtest can check a trend or a log scale, so neither is used.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planning_lib.analysis.forecast.api import auto_forecast
from planning_lib.analysis.forecast.prep import MIN_TREND_MONTHS, prepare_series

RAMP = [6360.0, 150000, 140000, 160000, 155000, 149000, 151000]


def _series(values, start="2025-03"):
    return pd.Series(values, index=pd.period_range(start, periods=len(values), freq="M"))


def test_a_short_ramp_is_forecast_flat_within_the_history():
    """By hand: a level model's forecast is one value for every month, and exponential
    smoothing's level is a weighted mean of the history, so it lies between the smallest
    (6.360) and the largest month (160.000); the interval of a level model widens with
    the horizon (variance grows with h)."""
    fc = auto_forecast(_series(RAMP), 12, point="mean")
    assert np.allclose(fc["mean"], fc["mean"].iloc[0])
    assert 6360 <= fc["mean"].iloc[0] <= 160000
    assert (fc["hi_80"].diff().dropna() >= -1e-6).all()
    assert fc["model"].iloc[0].startswith("ETS(A,N,N)")
    assert not prepare_series(_series(RAMP)).log


def test_a_year_of_history_keeps_the_log_scale_and_the_trend_models():
    """Second method, the rule's other side: from ``MIN_TREND_MONTHS`` months a steadily
    growing positive series (5 % a month) is modelled in logs and forecast upwards."""
    growing = [100.0 * 1.05**i for i in range(MIN_TREND_MONTHS + 12)]
    assert prepare_series(_series(growing, "2023-01")).log
    fc = auto_forecast(_series(growing, "2023-01"), 6)
    assert fc["mean"].iloc[-1] > fc["mean"].iloc[0] > growing[-1]
