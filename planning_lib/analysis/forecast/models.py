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
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.signal import lfilter
from statsmodels.tsa.arima.estimators.hannan_rissanen import hannan_rissanen
from statsmodels.tsa.arima_process import ArmaProcess
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.forecasting.theta import ThetaModel
from statsmodels.tsa.seasonal import STL
from statsmodels.tsa.stattools import acf, kpss

__all__ = [
    "ETS_CONFIGS",
    "Candidate",
    "arima_candidate",
    "ets_candidate",
    "is_seasonal",
    "mase_scale",
    "naive_candidate",
    "sarima_candidate",
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
        params: the estimated parameters (:class:`EtsStates`, :class:`ArmaFit`, or
            the Theta smoothing weight), for forecasts from earlier origins with the
            parameters held fixed (:func:`fixed_forecast`).
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


def _ets_from_states(fit: EtsStates, origin: int, horizon: int) -> np.ndarray:
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
_SARIMA_PQ: tuple[tuple[int, int, int, int], ...] = (
    (0, 1, 0, 1),
    (1, 0, 0, 1),
    (1, 0, 1, 0),
    (2, 0, 0, 1),
)
"""(p, q, P, Q) orders of the seasonal search: the airline model and its neighbours."""


@dataclass(frozen=True)
class ArmaFit:
    """An ARMA on the differenced series w = (1 - B)^d (1 - B^s)^D y.

    Seasonal terms are multiplicative in the order (p, q)(P, Q) but estimated as a
    subset ARMA with the cross lags free (e.g. MA lags 1, 12, 13 for (0,1)(0,1)).

    Attributes:
        order: ``(p, d, q, P, D, Q, s)``.
        ar_lags, ar: AR lags and coefficients (w_t = mean + sum ar_i (w_{t-lag_i} - mean) + ...).
        ma_lags, ma: MA lags and coefficients.
        mean: mean of w (the drift when d + D = 1; 0 when d + D >= 2).
        sigma2: innovation variance (modelling unit squared).
        aicc: corrected Akaike criterion of the conditional Gaussian likelihood.
    """

    order: tuple[int, int, int, int, int, int, int]
    ar_lags: tuple[int, ...]
    ar: np.ndarray
    ma_lags: tuple[int, ...]
    ma: np.ndarray
    mean: float
    sigma2: float
    aicc: float


def _lags(p: int, big_p: int, s: int) -> list[int]:
    """Lags of a multiplicative (p)(P)_s polynomial: 1..p, s..P*s and their cross lags."""
    lags = {i + j * s for i in range(p + 1) for j in range(big_p + 1)} - {0}
    return sorted(lags)


def _poly(lags: Sequence[int], coefs: np.ndarray, sign: float) -> np.ndarray:
    """Lag polynomial 1 + sign * sum coef_i B^lag_i as coefficients by power of B."""
    out = np.zeros((max(lags) if len(lags) else 0) + 1)
    out[0] = 1.0
    for lag, c in zip(lags, coefs, strict=True):
        out[lag] = sign * c
    return out


def _diff_poly(d: int, big_d: int, s: int) -> np.ndarray:
    """Coefficients of (1 - B)^d (1 - B^s)^D by power of B."""
    poly = np.array([1.0])
    for _ in range(d):
        poly = np.polymul(poly, [1.0, -1.0])
    seasonal = np.zeros(s + 1)
    seasonal[0], seasonal[-1] = 1.0, -1.0
    for _ in range(big_d):
        poly = np.polymul(poly, seasonal)
    return poly


def _residuals(w: np.ndarray, fit: ArmaFit) -> np.ndarray:
    """Conditional residuals of the ARMA on w (zero initial errors)."""
    ar = _poly(fit.ar_lags, fit.ar, -1.0)
    ma = _poly(fit.ma_lags, fit.ma, 1.0)
    return lfilter(ar, ma, w - fit.mean)


def _invertible(lags: Sequence[int], coefs: np.ndarray, sign: float) -> bool:
    if not len(lags):
        return True
    roots = np.roots(_poly(lags, coefs, sign)[::-1])
    return bool(np.all(np.abs(roots) > 1.0 + 1e-6))


def _arma_hr(
    w: np.ndarray,
    order: tuple[int, int, int, int, int, int, int],
    with_mean: bool,
    burn: int | None = None,
) -> ArmaFit | None:
    """Hannan-Rissanen estimate (statsmodels) of the subset ARMA of ``order`` on w.

    The likelihood (and AICc) is computed on the residuals after the first ``burn``
    values (default: the order's largest lag); a search passes one common ``burn``
    so that every order is scored on the same months.
    Returns None when the estimate is not stationary and invertible.
    """
    p, _d, q, big_p, _big_d, big_q, s = order
    ar_lags, ma_lags = _lags(p, big_p, s), _lags(q, big_q, s)
    mean = float(np.mean(w)) if with_mean else 0.0
    x = w - mean
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        params, _ = hannan_rissanen(x, ar_order=ar_lags or 0, ma_order=ma_lags or 0, demean=False)
    ar = np.asarray(params.ar_params if ar_lags else [], dtype=float)
    ma = np.asarray(params.ma_params if ma_lags else [], dtype=float)
    if not (_invertible(ar_lags, ar, -1.0) and _invertible(ma_lags, ma, 1.0)):
        return None
    fit = ArmaFit(order, tuple(ar_lags), ar, tuple(ma_lags), ma, mean, 1.0, 0.0)
    if burn is None:
        burn = max([0, *ar_lags, *ma_lags])
    e = _residuals(w, fit)[burn:]
    n_eff = len(e)
    k = len(ar) + len(ma) + int(with_mean) + 1
    if n_eff - k - 1 <= 0:
        return None
    sigma2 = float(np.mean(e**2))
    if not np.isfinite(sigma2) or sigma2 <= 0:
        return None
    llf = -0.5 * n_eff * (np.log(2 * np.pi * sigma2) + 1)
    aicc = -2 * llf + 2 * k + 2 * k * (k + 1) / (n_eff - k - 1)
    return replace(fit, sigma2=sigma2, aicc=float(aicc))


def _arma_forecast(y: np.ndarray, fit: ArmaFit, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Forecast mean and error sd of y (modelling unit) from an ARMA on its differences."""
    _p, d, _q, _bp, big_d, _bq, s = fit.order
    c = _diff_poly(d, big_d, s)
    w = np.convolve(y, c)[len(c) - 1 : len(y)] if len(c) > 1 else y.copy()
    e = _residuals(w, fit)
    wx = np.r_[w - fit.mean, np.zeros(horizon)]
    ex = np.r_[e, np.zeros(horizon)]
    n = len(w)
    for t in range(n, n + horizon):
        acc = 0.0
        for lag, a in zip(fit.ar_lags, fit.ar, strict=True):
            acc += a * wx[t - lag]
        for lag, m in zip(fit.ma_lags, fit.ma, strict=True):
            acc += m * ex[t - lag]
        wx[t] = acc
    w_fc = wx[n:] + fit.mean
    yx = np.r_[y, np.zeros(horizon)]
    m = len(y)
    for k in range(horizon):
        t = m + k
        yx[t] = w_fc[k] - np.dot(c[1:], yx[t - 1 : t - len(c) : -1]) if len(c) > 1 else w_fc[k]
    ar_full = np.polymul(_poly(fit.ar_lags, fit.ar, -1.0), c)
    psi = ArmaProcess(ar_full, _poly(fit.ma_lags, fit.ma, 1.0)).arma2ma(horizon)
    sd = np.sqrt(fit.sigma2 * np.cumsum(psi**2))
    return yx[m:], sd


def _search(
    y: np.ndarray, orders: Sequence[tuple[int, int, int, int, int, int, int]]
) -> ArmaFit | None:
    """Best order by AICc.

    All orders share d and D and are scored on the same months (the residuals after
    the largest lag of any order), so their AICc values are comparable.
    """
    best = None
    burn = max(max([0, *_lags(o[0], o[3], o[6]), *_lags(o[2], o[5], o[6])]) for o in orders)
    for order in orders:
        _p, d, _q, _bp, big_d, _bq, s = order
        c = _diff_poly(d, big_d, s)
        w = np.convolve(y, c)[len(c) - 1 : len(y)] if len(c) > 1 else y
        try:
            fit = _arma_hr(w, order, with_mean=d + big_d <= 1, burn=burn)
        except (ValueError, np.linalg.LinAlgError, IndexError):
            continue
        if fit is not None and np.isfinite(fit.aicc) and (best is None or fit.aicc < best.aicc):
            best = fit
    return best


def _arma_candidate(
    name: str, y: np.ndarray, horizon: int, orders: Sequence[tuple]
) -> Candidate | None:
    best = _search(y, orders)
    if best is None:
        return None
    mean, sigma = _arma_forecast(y, best, horizon)
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(sigma))):
        return None
    p, d, q, big_p, big_d, big_q, s = best.order
    label = f"{name}({p},{d},{q})" + (
        f"({big_p},{big_d},{big_q})[{s}]" if big_d or big_p or big_q else ""
    )
    return Candidate(label, mean, sigma, best.order, params=best)


def arima_candidate(y: np.ndarray, horizon: int) -> Candidate:
    """Non-seasonal ARIMA with an automatic order search (for a seasonally adjusted series).

    ``d`` (0 or 1) from a KPSS test; ``(p, q)`` from a small grid compared by
    AICc; a constant (d = 0) or drift (d = 1) is included. Parameters come from
    statsmodels' Hannan-Rissanen estimator on the differenced series (about ten
    times faster than exact likelihood and close to it for these orders); the
    forecast and its error sd are integrated back with the model's psi weights.
    """
    d = _diffs(y)
    orders = []
    for p, q in _ARIMA_PQ:
        k = p + q + 1 + (d <= 1)
        if len(y) - d - k - 1 > 2 * (p + q) + 4:
            orders.append((p, d, q, 0, 0, 0, 1))
    cand = _arma_candidate("ARIMA", y, horizon, orders) if orders else None
    return cand if cand is not None else naive_candidate(y, horizon)


def sarima_candidate(z: np.ndarray, horizon: int, period: int) -> Candidate | None:
    """Seasonal ARIMA (p,d,q)(P,1,Q)_s with an automatic order search, on the unadjusted series.

    One seasonal difference (the series passed the seasonality test); ``d`` (0 or
    1) from a KPSS test on the seasonally differenced series; ``(p, q)(P, Q)`` from
    :data:`_SARIMA_PQ` by AICc; drift only when d = 0. Needs three seasons.
    Returns None when no order can be estimated.
    """
    if len(z) < 3 * period:
        return None
    d = _diffs(z[period:] - z[:-period])
    orders = [(p, d, q, bp, 1, bq, period) for p, q, bp, bq in _SARIMA_PQ]
    return _arma_candidate("SARIMA", z, horizon, orders)


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


def fixed_forecast(kind: str, cand: Candidate, y: np.ndarray, horizon: int) -> np.ndarray:
    """Forecast from the end of ``y`` with the candidate's parameters held fixed.

    Used by the rolling-origin backtest: the parameters are those estimated on the
    whole series, the states are those after the origin month (ETS: read from the
    whole-series filter, which is causal; ARIMA: residuals re-run to the origin;
    Theta: smoothing re-run to the origin). No new fit per origin.

    Args:
        kind: ``"ets"``, ``"sets"`` (seasonal ETS), ``"arma"`` or ``"theta"``.
        cand: the fitted candidate (its ``config`` and ``params``).
        y: the history up to the origin, on the candidate's scale.
        horizon: steps ahead.

    Returns:
        Point forecasts (modelling unit).
    """
    if cand.params is None:
        raise ValueError(f"candidate {cand.name} has no parameters to hold fixed")
    if kind == "arma":
        return _arma_forecast(y, cand.params, horizon)[0]
    if kind == "theta":
        return theta_fixed(y, float(cand.params), horizon)
    return _ets_from_states(cand.params, len(y) - 1, horizon)
