"""Reproducible original methods of the M1 competition, for monthly series.

Makridakis, Andersen, Carbone, Fildes, Hibon, Lewandowski, Newton, Parzen & Winkler (1982),
"The accuracy of extrapolation (time series) methods: results of a forecasting competition",
Journal of Forecasting 1(2), 111-153.  The 1982 paper scored the submissions by MAPE (and
other measures), not by the sMAPE used in later competitions; no sMAPE table of the original
submissions ships offline.  So ``bench/forecast.py`` re-runs here, on exactly the same series
and with the same sMAPE/MASE functions as ``auto_forecast``, the M1 methods that are fully
specified by the paper, and names the best of them.

Reproduced (monthly data, point forecasts only):

* ``naive1``   - Naive 1: the last observed value.
* ``naive2``   - Naive 2: the last value of the seasonally adjusted series, reseasonalised.
* ``dmovavg``  - D Mov. Avrg: moving average of the adjusted series; its length (1..24, capped
  at half the series) is the one with the smallest in-sample one-step squared error.
* ``dses``     - D Sing EXP: single exponential smoothing (statsmodels ``SimpleExpSmoothing``).
* ``dholt``    - D Holt EXP: Holt's linear trend (statsmodels ``Holt``).
* ``dbrown``   - D Brown EXP: Brown's one-parameter linear (double) exponential smoothing,
  written in its equivalent Holt error-correction form (level gain ``2a - a^2``, trend gain
  ``a^2``); ``a`` minimises the in-sample one-step squared error on a grid (statsmodels has
  no Brown estimator).  Level and trend start from a line through the first 12 values.
* ``dregr``    - D Regression: OLS straight line over time (``numpy.polyfit``), extrapolated.
* ``winters``  - Winters: Holt-Winters with additive trend and multiplicative seasonality
  (statsmodels ``ExponentialSmoothing``), fitted on the unadjusted series; for a series that
  is not strictly positive it falls back to Holt on the unadjusted series.

Seasonal adjustment ("D" methods and Naive 2): classical multiplicative decomposition with a
centred 2x12 moving average (statsmodels ``seasonal_decompose(model="multiplicative",
period=12)``, i.e. ratio-to-moving-average indices normalised to average 1); the adjusted
series is divided by the indices, and the forecasts are multiplied by the index of the month
they fall in.  It is applied only when the series is strictly positive and seasonal by the
90 % autocorrelation test at lag 12 (``planning_lib.analysis.forecast.models.is_seasonal``),
else the series is used as is. Caveat: that test is the convention of Makridakis & Hibon's
later benchmarks (M3/M4); whether the 1982 study applied any test before deseasonalising we
do not know for sure, so the "D" figures here may differ from a strict 1982 replication.

Not an M1 method, printed for orientation and labelled as such:

* ``comb_shd`` - "Comb S-H-D" (Makridakis & Hibon 2000, the M3 benchmark): the simple
  average of DSES, DHolt and damped DHolt.  M1's own "Combining A" (simple average) and
  "Combining B" (weighted by the covariance of in-sample errors) averaged a set of the
  competition's methods whose exact membership we cannot state with confidence from memory,
  so they are not reproduced under those names.

Not reproducible, hence absent:

* Box-Jenkins: ARIMA models identified by hand by an expert (Andersen) in 1982 on the 111-
  series subsample; the identification decisions are not recorded, and an automatic ARIMA is
  a different method.
* Lewandowski's FORSYS: a proprietary system; its adaptive decomposition and smoothing rules
  were never published in full.
* Parzen's ARARMA: the long-memory filter plus ARMA was chosen per series with analyst
  judgement; the specific choices are not available.
* Bayesian forecasting (Harrison-Stevens style, run by Fildes): the priors and intervention
  settings of the 1982 runs are not published.
* Automatic AEP (Carbone's adaptive estimation procedure): its implementation details and
  settings are not specified well enough to re-implement.
* The other exponential smoothing variants (ARR EXP, Quad. EXP) and the non-deseasonalised
  variants are specified, but are left out to keep the table short.

On what the 1982 tables said (no figures are quoted here, on purpose): the paper's headline
was that simple methods, deseasonalised single exponential smoothing in particular, were about
as accurate as the sophisticated ones overall, and that Lewandowski and Parzen did well,
especially at the longer horizons, on the 111-series subsample.  How exactly they ranked on
the monthly series alone, by MAPE, we do not remember reliably, and we cite no number.

Forecasts are not clipped at zero (M1 did not clip; the M4 benchmark code does).
"""

from __future__ import annotations

import warnings

import numpy as np
from statsmodels.tsa.holtwinters import ExponentialSmoothing, Holt, SimpleExpSmoothing
from statsmodels.tsa.seasonal import seasonal_decompose

from planning_lib.analysis.forecast.models import is_seasonal

PERIOD = 12
_BROWN_GRID = np.linspace(0.01, 0.99, 99)

# short labels for the bench table, in print order
LABELS = {
    "naive1": "Naive 1",
    "naive2": "Naive 2",
    "dmovavg": "D Mov. Avrg",
    "dses": "D Sing EXP",
    "dholt": "D Holt EXP",
    "dbrown": "D Brown EXP",
    "dregr": "D Regression",
    "winters": "Winters",
    "comb_shd": "Comb S-H-D (M3 benchmark, not M1)",
}
M1_METHODS = tuple(k for k in LABELS if k != "comb_shd")


def seasonal_indices(y: np.ndarray, period: int = PERIOD) -> np.ndarray | None:
    """One multiplicative index per position of ``y`` (classical decomposition), or None.

    None when the series is too short, not strictly positive, or not seasonal by the 90 %
    autocorrelation test at the seasonal lag.
    """
    y = np.asarray(y, float)
    if len(y) < 2 * period or np.any(y <= 0) or not is_seasonal(y, period):
        return None
    dec = seasonal_decompose(y, model="multiplicative", period=period)
    return np.asarray(dec.seasonal, float)


def _future_indices(season: np.ndarray | None, horizon: int, period: int = PERIOD) -> np.ndarray:
    """Indices of the ``horizon`` months after the series (ones when not adjusted)."""
    if season is None:
        return np.ones(horizon)
    last = season[-period:]  # the indices are periodic: position n + i equals n + i - period
    return np.array([last[i % period] for i in range(horizon)])


def deseasonalise(y: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """The seasonally adjusted series and the indices to reseasonalise ``horizon`` forecasts."""
    y = np.asarray(y, float)
    season = seasonal_indices(y)
    adjusted = y if season is None else y / season
    return adjusted, _future_indices(season, horizon)


# --- methods on a (possibly adjusted) series -------------------------------------------------


def naive_level(y: np.ndarray, horizon: int) -> np.ndarray:
    """The last value, repeated."""
    return np.repeat(float(y[-1]), horizon)


def moving_average(y: np.ndarray, horizon: int, max_len: int = 24) -> np.ndarray:
    """Mean of the last N values; N minimises the in-sample one-step squared error."""
    y = np.asarray(y, float)
    n = len(y)
    top = max(1, min(max_len, n // 2))
    csum = np.concatenate([[0.0], np.cumsum(y)])
    best_len, best_sse = 1, np.inf
    start = top  # score every length on the same target points y[top:]
    for k in range(1, top + 1):
        means = (csum[start:n] - csum[start - k : n - k]) / k  # mean of y[t-k:t], t = start..n-1
        sse = float(np.sum((y[start:] - means) ** 2))
        if sse < best_sse:
            best_len, best_sse = k, sse
    return np.repeat(float(np.mean(y[-best_len:])), horizon)


def ses(y: np.ndarray, horizon: int) -> np.ndarray:
    """Single exponential smoothing, parameters by statsmodels' maximum likelihood."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = SimpleExpSmoothing(np.asarray(y, float), initialization_method="estimated").fit()
    return np.asarray(fit.forecast(horizon), float)


def holt(y: np.ndarray, horizon: int, damped: bool = False) -> np.ndarray:
    """Holt's linear trend (optionally damped), fitted by statsmodels."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = Holt(np.asarray(y, float), damped_trend=damped, initialization_method="estimated")
        fit = model.fit()
    return np.asarray(fit.forecast(horizon), float)


def brown(y: np.ndarray, horizon: int) -> np.ndarray:
    """Brown's linear (double) exponential smoothing, one parameter chosen on a grid."""
    y = np.asarray(y, float)
    m = min(len(y), PERIOD)
    slope, intercept = np.polyfit(np.arange(m), y[:m], 1) if m >= 2 else (0.0, y[0])
    a = _BROWN_GRID
    gain_level, gain_trend = 2 * a - a * a, a * a
    level = np.full(a.shape, intercept - slope)  # the line's value one step before y[0]
    trend = np.full(a.shape, slope)
    sse = np.zeros(a.shape)
    for value in y:
        err = value - (level + trend)
        sse += err * err
        level = level + trend + gain_level * err
        trend = trend + gain_trend * err
    i = int(np.argmin(sse))
    return level[i] + trend[i] * np.arange(1, horizon + 1)


def linear_trend(y: np.ndarray, horizon: int) -> np.ndarray:
    """OLS straight line over time, extrapolated."""
    y = np.asarray(y, float)
    n = len(y)
    slope, intercept = np.polyfit(np.arange(n), y, 1)
    return intercept + slope * np.arange(n, n + horizon)


# --- the M1 methods on the raw monthly series ------------------------------------------------


def naive1(y: np.ndarray, horizon: int) -> np.ndarray:
    """Naive 1: the last observed value."""
    return naive_level(np.asarray(y, float), horizon)


def naive2(y: np.ndarray, horizon: int) -> np.ndarray:
    """Naive 2: last value of the seasonally adjusted series, reseasonalised."""
    sa, idx = deseasonalise(y, horizon)
    return naive_level(sa, horizon) * idx


def dmovavg(y: np.ndarray, horizon: int) -> np.ndarray:
    """D Mov. Avrg: moving average of the adjusted series, reseasonalised."""
    sa, idx = deseasonalise(y, horizon)
    return moving_average(sa, horizon) * idx


def dses(y: np.ndarray, horizon: int) -> np.ndarray:
    """D Sing EXP: single exponential smoothing of the adjusted series."""
    sa, idx = deseasonalise(y, horizon)
    return ses(sa, horizon) * idx


def dholt(y: np.ndarray, horizon: int) -> np.ndarray:
    """D Holt EXP: Holt's linear trend on the adjusted series."""
    sa, idx = deseasonalise(y, horizon)
    return holt(sa, horizon) * idx


def dbrown(y: np.ndarray, horizon: int) -> np.ndarray:
    """D Brown EXP: Brown's linear exponential smoothing on the adjusted series."""
    sa, idx = deseasonalise(y, horizon)
    return brown(sa, horizon) * idx


def dregr(y: np.ndarray, horizon: int) -> np.ndarray:
    """D Regression: linear trend regression on the adjusted series."""
    sa, idx = deseasonalise(y, horizon)
    return linear_trend(sa, horizon) * idx


def winters(y: np.ndarray, horizon: int) -> np.ndarray:
    """Winters: Holt-Winters, additive trend, multiplicative seasonality (statsmodels)."""
    y = np.asarray(y, float)
    if len(y) < 2 * PERIOD + 2 or np.any(y <= 0):
        return holt(y, horizon)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ExponentialSmoothing(
            y,
            trend="add",
            seasonal="mul",
            seasonal_periods=PERIOD,
            initialization_method="estimated",
        )
        fit = model.fit()
    return np.asarray(fit.forecast(horizon), float)


def comb_shd(y: np.ndarray, horizon: int) -> np.ndarray:
    """Comb S-H-D (M3 benchmark, not an M1 method): mean of DSES, DHolt, damped DHolt."""
    sa, idx = deseasonalise(y, horizon)
    mean = (ses(sa, horizon) + holt(sa, horizon) + holt(sa, horizon, damped=True)) / 3
    return mean * idx


def all_methods(y: np.ndarray, horizon: int) -> dict[str, np.ndarray]:
    """Point forecasts of every method in ``LABELS``; the adjustment is computed once.

    Same results as calling the single-method functions one by one.
    """
    y = np.asarray(y, float)
    sa, idx = deseasonalise(y, horizon)
    f_ses, f_holt = ses(sa, horizon), holt(sa, horizon)
    return {
        "naive1": naive_level(y, horizon),
        "naive2": naive_level(sa, horizon) * idx,
        "dmovavg": moving_average(sa, horizon) * idx,
        "dses": f_ses * idx,
        "dholt": f_holt * idx,
        "dbrown": brown(sa, horizon) * idx,
        "dregr": linear_trend(sa, horizon) * idx,
        "winters": winters(y, horizon),
        "comb_shd": (f_ses + f_holt + holt(sa, horizon, damped=True)) / 3 * idx,
    }
