"""Forecast candidates for one monthly series: ETS, ARIMA, Theta, seasonal naive.

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
from statsmodels.tsa.arima.model import ARIMA
from statsmodels.tsa.arima_process import ArmaProcess
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.forecasting.theta import ThetaModel
from statsmodels.tsa.seasonal import STL
from statsmodels.tsa.stattools import acf, kpss

__all__ = [
    "ETS_CONFIGS",
    "Candidate",
    "arima_candidate",
    "arima_refit",
    "ets_candidate",
    "ets_refit",
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
        config: what :func:`ets_refit` / :func:`arima_refit` need to refit it.
        fitted: one-step in-sample fitted values (same scale as the input), or None.
    """

    name: str
    mean: np.ndarray
    sigma: np.ndarray | None
    config: tuple = ()
    fitted: np.ndarray | None = None


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


def ets_candidate(y: np.ndarray, horizon: int) -> Candidate:
    """Best non-seasonal additive-error ETS by AICc (simple, Holt, damped Holt).

    Trend models need at least 8 values; shorter series get simple smoothing.
    """
    best, best_cfg = None, ETS_CONFIGS[0]
    for cfg in ETS_CONFIGS:
        if cfg[1] is not None and len(y) < 8:
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
    return Candidate(_ets_name(*best_cfg), mean, sigma, best_cfg, fitted)


def ets_refit(y: np.ndarray, config: tuple, horizon: int) -> np.ndarray:
    """Refit one ETS configuration (from :func:`ets_candidate`) and forecast (series unit)."""
    if not config:
        return np.repeat(float(y[-1]), horizon)
    res = _ets_fit(y, *config)
    return np.asarray(res.forecast(horizon), dtype=float)


def theta_candidate(y: np.ndarray, horizon: int) -> Candidate:
    """Standard Theta method (theta = 2) on an already adjusted series.

    statsmodels' ``ThetaModel`` gives the point forecast; its error sd is left to
    the caller (``sigma=None``), since the two-step fit has no likelihood.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ThetaModel(y, period=1, deseasonalize=False).fit()
        mean = np.asarray(res.forecast(horizon), dtype=float)
    return Candidate("Theta", mean, None, ("theta",))


def _diffs(y: np.ndarray) -> int:
    """Number of differences (0 or 1) by a KPSS test at 5 %.

    Second differences are not used: over 12-24 months they extrapolate the last
    change of slope, which on sales series does more harm than good.
    """
    if len(y) <= 10 or np.std(y) == 0:
        return 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _stat, pval, *_ = kpss(y, regression="c", nlags="auto")
    return int(pval < 0.05)


_ARIMA_PQ: tuple[tuple[int, int], ...] = ((0, 1), (1, 0), (1, 1), (2, 0))


def _arima_fit(y: np.ndarray, order: tuple[int, int, int]):
    """Hannan-Rissanen estimate of an ARMA(p, q) with a constant on ``y`` differenced d times.

    With d = 1 the constant is the drift (average monthly change).
    """
    p, d, q = order
    z = np.diff(y, n=d) if d else y
    trend = "c"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ARIMA(z, order=(p, 0, q), trend=trend).fit(method="hannan_rissanen")


def _integrate(y: np.ndarray, res, d: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Forecast mean and error sd of y from an ARMA fitted to its d-th differences."""
    fc = res.get_forecast(horizon)
    mean_z = np.asarray(fc.predicted_mean, dtype=float)
    if d == 0:
        return mean_z, np.sqrt(np.asarray(fc.var_pred_mean, dtype=float))
    psi = np.r_[
        1.0, ArmaProcess(np.r_[1, -res.arparams], np.r_[1, res.maparams]).arma2ma(horizon)[1:]
    ]
    mean = mean_z
    for k in range(d):
        last = y[-1] if k == d - 1 else np.diff(y, n=d - 1 - k)[-1]
        mean = last + np.cumsum(mean)
        psi = np.cumsum(psi)
    sigma2 = float(res.params[-1])
    sd = np.sqrt(sigma2 * np.cumsum(psi[:horizon] ** 2))
    return mean, sd


def arima_candidate(y: np.ndarray, horizon: int) -> Candidate:
    """ARIMA with an automatic order search.

    ``d`` (0 or 1) from a KPSS test; ``(p, q)`` from a small grid compared by
    AICc; a constant (d = 0) or drift (d = 1) is included. Parameters come from
    statsmodels' Hannan-Rissanen estimator on the differenced series (about ten
    times faster than exact likelihood and close to it for these orders); the
    forecast and its error sd are integrated back with the model's psi weights.
    """
    d = _diffs(y)
    n_eff = len(y) - d
    best = None
    for p, q in _ARIMA_PQ:
        k = p + q + 1 + (d <= 1)
        if n_eff - k - 1 <= 2 * (p + q) + 4:
            continue
        try:
            res = _arima_fit(y, (p, d, q))
            llf = float(res.llf)
        except (ValueError, np.linalg.LinAlgError, IndexError):
            continue
        aicc = -2 * llf + 2 * k + 2 * k * (k + 1) / (n_eff - k - 1)
        if np.isfinite(aicc) and (best is None or aicc < best[0]):
            best = (aicc, (p, d, q), res)
    if best is None:
        return naive_candidate(y, horizon)
    mean, sigma = _integrate(y, best[2], d, horizon)
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(sigma))):
        return naive_candidate(y, horizon)
    return Candidate(f"ARIMA{best[1]}".replace(" ", ""), mean, sigma, best[1])


def arima_refit(y: np.ndarray, order: tuple, horizon: int) -> np.ndarray:
    """Refit one ARIMA order (from :func:`arima_candidate`) and forecast (series unit)."""
    if not order:
        return np.repeat(float(y[-1]), horizon)
    res = _arima_fit(y, tuple(order))
    return _integrate(y, res, int(order[1]), horizon)[0]
