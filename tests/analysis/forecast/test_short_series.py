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


def test_under_a_year_no_damped_trend():
    """Nine months 10, 20, ..., 90 (#13): a damped trend forecast 98..187 over a year with no
    backtest to check it (the backtest needs 12 months before its holdout). Under
    ``MIN_TREND_MONTHS`` only level models: the forecast is one value for every month, and
    simple exponential smoothing's level is a weighted mean of the history (weights
    alpha·(1−alpha)^k and (1−alpha)^n on the initial level, which is fitted inside the
    data's range), so it is at most the largest month, 90; the model is ETS(A,N,N)."""
    y = _series([10.0 * k for k in range(1, 10)])
    assert len(y) < MIN_TREND_MONTHS
    fc = auto_forecast(y, 12, point="mean")
    assert np.allclose(fc["mean"], fc["mean"].iloc[0])
    assert 10 <= fc["mean"].iloc[0] <= 90
    assert fc["model"].iloc[0] == "ETS(A,N,N)"


def test_a_year_may_still_choose_the_damped_trend():
    """The rule's other side, by a second method: from ``MIN_TREND_MONTHS`` months the ETS
    candidate keeps the damped trend in its choice; on a straight line 10..120 AICc prefers
    it (a level model's one-step errors are all about +10, a trend model's near zero), so
    the forecast rises above the last month."""
    from planning_lib.analysis.forecast.models import ets_candidate

    line = np.array([10.0 * k for k in range(1, MIN_TREND_MONTHS + 1)])
    cand = ets_candidate(line, 6, trend=True)
    assert cand.name == "ETS(A,Ad,N)"
    assert cand.mean[0] > line[-1]
    assert ets_candidate(line, 6, trend=False).name == "ETS(A,N,N)"
