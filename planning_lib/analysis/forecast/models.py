"""Forecast candidates for one monthly series: ETS, Theta, naive, seasonal naive
(ARIMA: :mod:`planning_lib.analysis.forecast.arima`).

All functions take plain numpy arrays (one value per month, oldest first) and
return point forecasts and, where the model provides them, the standard deviation
of the forecast error per step ahead (same unit as the series). Seasonality is
handled once, before the candidates run (:func:`stl_season`): the
candidates are fitted to the seasonally adjusted series, which keeps each fit to a
few milliseconds (a seasonal statsmodels ETS costs 50-100 ms per fit).

Estimators are statsmodels' (``ETSModel``, ``ARIMA``, ``ThetaModel``,
``STL``, ``kpss``, ``acf``); only seasonal naive and the
combination arithmetic are written here.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.signal import lfilter
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.forecasting.theta import ThetaModel
from statsmodels.tsa.seasonal import STL
from statsmodels.tsa.stattools import acf

__all__ = [
    "ETS_CONFIGS",
    "Candidate",
    "ets_candidate",
    "ets_from_states",
    "is_seasonal",
    "mase_scale",
    "naive_candidate",
    "seasonal_naive",
    "stl_season",
    "theta_candidate",
]

# (error, trend, damped) of the non-seasonal ETS forms fitted to the adjusted series
ETS_CONFIGS: tuple[tuple[str, str | None, bool], ...] = (
    ("add", None, False),
    ("add", "add", True),
)
STL_SEASONAL = 35
"""STL seasonal smoother length (odd, months): larger = steadier seasonal pattern."""
_Z90 = 1.6448536269514722


@dataclass(frozen=True)
class Candidate:
    """One fitted candidate.

    Attributes:
        name: model name, e.g. ``ETS(A,Ad,N)`` or ``ARIMA(1,1,0)``.
        mean: point forecast per step ahead (series unit).
        sigma: standard deviation of the forecast error per step ahead, or None.
        config: the model form (ETS error/trend/damping, (S)ARIMA order, ...).
        fitted: one-step in-sample fitted values (same scale as the input), or None.
        params: the estimated parameters (:class:`EtsStates`, an ARIMA's
            :class:`~planning_lib.analysis.forecast.arima.ArmaFit`, or the Theta
            smoothing weight), for forecasts from earlier origins with the parameters
            held fixed (:func:`planning_lib.analysis.forecast.selection.fixed_forecast`).
    """

    name: str
    mean: np.ndarray
    sigma: np.ndarray | None
    config: tuple = ()
    fitted: np.ndarray | None = None
    params: object = None


def mase_scale(y: np.ndarray, period: int) -> float:
    """Mean absolute (seasonal) naive in-sample error: the MASE denominator (series unit)."""
    lag = period if len(y) > period else 1
    d = np.abs(y[lag:] - y[:-lag])
    scale = float(np.mean(d)) if d.size else 0.0
    if scale <= 0:
        d1 = np.abs(np.diff(y))
        scale = float(np.mean(d1)) if d1.size else 0.0
    return scale if scale > 0 else 1.0


def is_seasonal(y: np.ndarray, period: int) -> bool:
    """90 % autocorrelation test at the seasonal lag (the M4 benchmarks' test).

    Args:
        y: the series, at least ``2 * period`` values.
        period: season length in steps (12 for monthly data).

    Returns:
        True if the lag-``period`` autocorrelation is significant at 90 %.
    """
    n = len(y)
    if n < 2 * period or np.std(y) == 0:
        return False
    r = acf(y, nlags=period, fft=False)
    limit = _Z90 * np.sqrt((1 + 2 * np.sum(r[1:period] ** 2)) / n)
    return bool(abs(r[period]) > limit)


def stl_season(z: np.ndarray, period: int) -> np.ndarray:
    """Seasonal component by STL (Loess), allowed to evolve over the years.

    Args:
        z: the series (logs for multiplicative seasonality), two seasons or more.
        period: season length in steps.

    Returns:
        The seasonal component, one value per position of ``z``.
    """
    return np.asarray(STL(z, period=period, seasonal=STL_SEASONAL).fit().seasonal, dtype=float)


def seasonal_naive(y: np.ndarray, horizon: int, period: int) -> np.ndarray:
    """The value of the same month one season earlier, repeated (series unit)."""
    if len(y) < period:
        return np.repeat(y[-1], horizon).astype(float)
    last = y[-period:]
    return np.array([last[i % period] for i in range(horizon)], dtype=float)


def naive_candidate(y: np.ndarray, horizon: int) -> Candidate:
    """Random walk: the last value; error sd grows with sqrt(h)."""
    d = np.diff(y)
    s = float(np.std(d, ddof=1)) if d.size > 1 else float(abs(y[-1])) * 0.1
    sigma = s * np.sqrt(np.arange(1, horizon + 1))
    return Candidate("Naive", np.repeat(float(y[-1]), horizon), sigma)


def _ets_name(error: str, trend: str | None, damped: bool) -> str:
    t = "N" if trend is None else ("Ad" if damped else "A")
    return f"ETS({error[0].upper()},{t},N)"


def _ets_fit(y: np.ndarray, error: str, trend: str | None, damped: bool):
    model = ETSModel(pd.Series(y), error=error, trend=trend, damped_trend=damped)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(disp=False, maxiter=200)


def _ets_out(res, n: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    pred = res.get_prediction(start=n, end=n + horizon - 1)
    frame = pred.summary_frame(alpha=0.2)
    mean = np.asarray(frame["mean"], dtype=float)
    sigma = (np.asarray(frame["pi_upper"], dtype=float) - mean) / 1.2815515655446004
    return mean, sigma


@dataclass(frozen=True)
class EtsStates:
    """What an additive ETS needs to forecast from any month of its history.

    Attributes:
        states: level, trend (if any) and seasonal state after each month, one row
            per month (statsmodels' ``ETSResults.states``).
        phi: damping factor (1 for an undamped trend).
        trend: the model has a trend.
        period: season length, or None.
    """

    states: np.ndarray
    phi: float
    trend: bool
    period: int | None


def _ets_states(res, config: tuple, period: int | None) -> EtsStates:
    _error, trend, damped = config[:3]
    names = list(res.model.param_names)
    phi = float(np.asarray(res.params)[names.index("damping_trend")]) if damped else 1.0
    return EtsStates(np.asarray(res.states, dtype=float), phi, trend is not None, period)


def ets_from_states(fit: EtsStates, origin: int, horizon: int) -> np.ndarray:
    """Forecast of an additive-error ETS made after month ``origin`` (0-based), parameters fixed.

    The filter is causal, so the states after month ``origin`` are those of a fit on
    the first ``origin + 1`` months with the same parameters: ``l + (phi + ... +
    phi^h) b + s`` with the seasonal state of the same month one season earlier.
    """
    row = fit.states[origin]
    h = np.arange(1, horizon + 1)
    mean = np.full(horizon, row[0])
    col = 1
    if fit.trend:
        mean = mean + np.cumsum(fit.phi**h) * row[1]
        col = 2
    if fit.period:
        m = fit.period
        back = origin + h - m * ((h - 1) // m + 1)
        mean = mean + fit.states[back, col]
    return mean


def ets_candidate(y: np.ndarray, horizon: int, trend: bool = True) -> Candidate:
    """Best non-seasonal additive-error ETS by AICc (simple smoothing, damped Holt).

    Trend models need at least 8 values and ``trend``; otherwise simple smoothing only
    (the caller leaves the trend out of a series too short for a backtest to check it).
    """
    best, best_cfg = None, ETS_CONFIGS[0]
    for cfg in ETS_CONFIGS:
        if cfg[1] is not None and (not trend or len(y) < 8):
            continue
        try:
            res = _ets_fit(y, *cfg)
        except (ValueError, np.linalg.LinAlgError):
            continue
        aicc = float(res.aicc)
        if np.isfinite(aicc) and (best is None or aicc < best[0]):
            best, best_cfg = (aicc, res), cfg
    if best is None:
        return naive_candidate(y, horizon)
    mean, sigma = _ets_out(best[1], len(y), horizon)
    fitted = np.asarray(best[1].fittedvalues, dtype=float)
    params = _ets_states(best[1], best_cfg, None)
    return Candidate(_ets_name(*best_cfg), mean, sigma, best_cfg, fitted, params)


def theta_candidate(y: np.ndarray, horizon: int) -> Candidate:
    """Standard Theta method (theta = 2) on an already adjusted series.

    statsmodels' ``ThetaModel`` estimates the smoothing weight; the forecast is its
    closed form (:func:`theta_fixed`), which equals ``ThetaModelResults.forecast``
    except on a constant series, where statsmodels' trend regression drops the
    constant and returns a spurious slope. The error sd is left to the caller
    (``sigma=None``), since the two-step fit has no likelihood.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ThetaModel(y, period=1, deseasonalize=False).fit()
    alpha = float(res.params["alpha"])
    # the closed form with an OLS slope (statsmodels' own b0 is wrong on a constant series)
    return Candidate("Theta", theta_fixed(y, alpha, horizon), None, ("theta",), params=alpha)


def theta_fixed(y: np.ndarray, alpha: float, horizon: int) -> np.ndarray:
    """Theta (theta = 2) forecast with the smoothing weight held fixed (series unit).

    The closed form of statsmodels' ``ThetaModelResults.forecast`` (Hyndman & Billah
    2003): simple exponential smoothing with weight ``alpha`` (started at the first
    value) plus half the least-squares slope ``b0`` times
    ``h - 1 + 1/alpha - (1 - alpha)^n / alpha``.
    """
    n = len(y)
    alpha = float(np.clip(alpha, 1e-4, 1.0))
    level = lfilter([alpha], [1.0, alpha - 1.0], y[1:], zi=[(1 - alpha) * y[0]])[0]
    last = float(level[-1]) if len(level) else float(y[0])
    b0 = float(np.polyfit(np.arange(n, dtype=float), y, 1)[0]) if n > 1 else 0.0
    h = np.arange(1, horizon + 1, dtype=float)
    return last + 0.5 * b0 * (h - 1 + 1 / alpha - (1 - alpha) ** n / alpha)


SEASONAL_ETS_CONFIGS: tuple[tuple[str, str | None, bool], ...] = (
    ("add", None, False),
    ("add", "add", True),
)
"""(error, trend, damped) of the seasonal ETS forms fitted to the unadjusted series."""


def _sets_fit(z: np.ndarray, config: tuple, period: int):
    error, trend, damped = config
    model = ETSModel(
        pd.Series(z),
        error=error,
        trend=trend,
        damped_trend=damped,
        seasonal="add",
        seasonal_periods=period,
        initialization_method="heuristic",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(disp=False, maxiter=200)


def seasonal_ets_candidate(z: np.ndarray, horizon: int, period: int) -> Candidate | None:
    """Seasonal ETS with additive seasonality on the modelling scale, best by AICc.

    On log-modelled series additive seasonality is multiplicative in the series
    unit. Initial states come from statsmodels' heuristic (a classical
    decomposition of the first years), which keeps a fit to a few milliseconds.
    Needs three seasons; returns None when no form can be fitted.
    """
    if len(z) < 3 * period:
        return None
    best = None
    for cfg in SEASONAL_ETS_CONFIGS:
        try:
            res = _sets_fit(z, cfg, period)
        except (ValueError, np.linalg.LinAlgError):
            continue
        aicc = float(res.aicc)
        if np.isfinite(aicc) and (best is None or aicc < best[0]):
            best = (aicc, cfg, res)
    if best is None:
        return None
    _aicc, cfg, res = best
    mean, sigma = _ets_out(res, len(z), horizon)
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(sigma))):
        return None
    name = _ets_name(*cfg)[:-2] + "A)"
    return Candidate(name, mean, sigma, (*cfg, period), params=_ets_states(res, cfg, period))
