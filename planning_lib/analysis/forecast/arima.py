"""ARIMA and seasonal ARIMA candidates with an automatic order search.

The differencing order comes from a KPSS test, the ARMA orders from a small grid
compared by AICc; parameters are statsmodels' Hannan-Rissanen estimates on the
differenced series, the forecast and its error sd are integrated back with the
model's psi weights. Plain numpy arrays in, a candidate out, as in
:mod:`planning_lib.analysis.forecast.models`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy.signal import lfilter
from statsmodels.tsa.arima.estimators.hannan_rissanen import hannan_rissanen
from statsmodels.tsa.arima_process import ArmaProcess
from statsmodels.tsa.stattools import kpss

from planning_lib.analysis.forecast.models import Candidate, naive_candidate

__all__ = ["ArmaFit", "arima_candidate", "arma_forecast", "sarima_candidate"]


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


def arma_forecast(y: np.ndarray, fit: ArmaFit, horizon: int) -> tuple[np.ndarray, np.ndarray]:
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
    mean, sigma = arma_forecast(y, best, horizon)
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
