"""Forecasts for intermittent monthly demand (many months with 0): Croston, SBA and TSB.

Method:

1. Three candidates, each a plain numpy recursion. Croston smooths the non-zero sizes
   and the intervals between them (rate = size / interval); SBA is Croston times
   (1 - alpha/2), which removes Croston's upward bias; TSB smooths the demand
   probability every month and the size in demand months (rate = probability * size).
2. Smoothing constants per method from a small grid (alpha in ``ALPHAS``, TSB beta in
   ``BETAS``), chosen by the smallest in-sample one-step mean squared error.
3. The method is chosen by a rolling-origin backtest (up to three origins, at least
   ``MIN_TRAIN`` months before each), scored by MASE; ties or too short a history give SBA.
4. Intervals for one month's demand, without random numbers: zero with probability
   1 - p, otherwise a size from the empirical distribution of the last ``MAX_SIZES``
   non-zero sizes; the level-L interval is that mixture's central quantile pair, or
   ``[0, quantile L]`` when the lower central quantile is already 0.

Units: forecasts, bounds and sizes are in the series' own unit (counts, EUR) per month;
probabilities and shares are 0..1; levels are in percent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "ALPHAS",
    "BETAS",
    "IntermittentForecast",
    "croston",
    "intermittent_forecast",
    "is_intermittent",
    "mixture_quantile",
    "sba",
    "tsb",
]

ALPHAS: tuple[float, ...] = (0.05, 0.1, 0.2, 0.3)
"""Grid of smoothing constants for sizes and intervals (Croston, SBA) or sizes (TSB)."""
BETAS: tuple[float, ...] = (0.02, 0.05, 0.1, 0.2)
"""Grid of smoothing constants for the TSB demand probability."""
METHODS: tuple[str, ...] = ("SBA", "Croston", "TSB")
"""Candidates; on equal backtest MASE the earlier one wins (SBA first)."""
MIN_TRAIN = 12
"""Months of history required before each backtest origin."""
N_ORIGINS = 3
"""Backtest origins (the last ones, spaced max(horizon // 2, 3) months apart)."""
MAX_SIZES = 24
"""Number of most recent non-zero sizes forming the empirical size distribution."""
ZERO_SHARE_MIN = 0.3
"""Share of zero months (0..1) from which a series can be intermittent."""
ADI_MIN = 1.32
"""Average inter-demand interval (months) from which a series is intermittent (SBC)."""
_DEFAULT_ALPHA, _DEFAULT_BETA = 0.1, 0.1


@dataclass(frozen=True)
class IntermittentForecast:
    """Forecast of an intermittent series (all values in the series unit per month).

    ``mean`` is the expected demand per month of the horizon, ``lower`` / ``upper`` the
    interval bounds per level (percent) for a single month's demand (not for a sum),
    ``backtest_mase`` each candidate's mean backtest MASE (NaN without a backtest) and
    ``params`` the chosen method's smoothing constants and demand probability ``p`` (0..1).
    """

    name: str
    mean: np.ndarray
    lower: dict[float, np.ndarray]
    upper: dict[float, np.ndarray]
    backtest_mase: dict[str, float]
    params: dict[str, float] = field(default_factory=dict)


def _validate(y: np.ndarray, horizon: int) -> np.ndarray:
    """The series as a float array; ValueError for unusable input."""
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1 month, got {horizon}")
    arr = np.asarray(y, dtype=float).ravel()
    if arr.size < 4:
        raise ValueError(f"intermittent forecast needs at least 4 months, got {arr.size}")
    if np.isnan(arr).any():
        raise ValueError("series contains NaN; fill or drop missing months first")
    if not np.isfinite(arr).all():
        raise ValueError("series contains infinite values")
    if (arr < 0).any():
        raise ValueError("intermittent demand must be non-negative; series has negative values")
    return arr


def _intervals(y: np.ndarray) -> np.ndarray:
    """Months between successive non-zero months; the first counts from the series start."""
    idx = np.flatnonzero(y > 0)
    return np.diff(idx + 1, prepend=0).astype(float)


def is_intermittent(y: np.ndarray) -> bool:
    """True when the series is intermittent: non-negative, at least 30 % of months zero
    and the average inter-demand interval ADI >= 1.32 (Syntetos-Boylan-Croston classification).

    ADI is the mean interval (months) between successive non-zero months, the first
    counted from the start of the series, i.e. the intervals Croston smooths; a series
    without any demand has an infinite ADI. NaN, infinite or negative values give False.
    """
    arr = np.asarray(y, dtype=float).ravel()
    if arr.size == 0 or not np.isfinite(arr).all() or (arr < 0).any():
        return False
    if np.mean(arr == 0) < ZERO_SHARE_MIN:
        return False
    gaps = _intervals(arr)
    adi = float(gaps.mean()) if gaps.size else np.inf
    return adi >= ADI_MIN


def _croston_states(y: np.ndarray, alpha: float) -> np.ndarray:
    """Croston states (size z, interval q) before each month and after the last.

    Row t holds the state using months 0..t-1 (row n: all months); NaN before the first
    demand. Initialisation: first non-zero size and its interval from the series start;
    then z += alpha (size - z) and q += alpha (interval - q) in each demand month.
    """
    states = np.full((y.size + 1, 2), np.nan)
    z = q = np.nan
    last = -1
    for t, v in enumerate(y):
        if v > 0:
            gap = t - last
            z, q = (v, gap) if np.isnan(z) else (z + alpha * (v - z), q + alpha * (gap - q))
            last = t
        states[t + 1] = z, q
    return states


def _tsb_states(y: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """TSB states (demand probability p, size z) before each month and after the last.

    Row t uses months 0..t-1. Initialisation: p = share of non-zero months, z = first
    non-zero size. Each month p += beta (1{demand} - p); in demand months z += alpha (size - z).
    """
    states = np.empty((y.size + 1, 2))
    nonzero = y[y > 0]
    p, z = float(np.mean(y > 0)), float(nonzero[0]) if nonzero.size else 0.0
    states[0] = p, z
    for t, v in enumerate(y):
        p += beta * (float(v > 0) - p)
        if v > 0:
            z += alpha * (v - z)
        states[t + 1] = p, z
    return states


def _sba_factor(alpha: float) -> float:
    return 1.0 - alpha / 2.0


def _rates(name: str, y: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """Rate forecasts (series unit per month) for months 0..n made with data up to t-1."""
    if name == "TSB":
        st = _tsb_states(y, alpha, beta)
        return st[:, 0] * st[:, 1]
    st = _croston_states(y, alpha)
    factor = _sba_factor(alpha) if name == "SBA" else 1.0
    return factor * st[:, 0] / st[:, 1]


def croston(y: np.ndarray, alpha: float) -> float:
    """Classic Croston rate (series unit per month) after the whole series; 0 without demand."""
    arr = np.asarray(y, dtype=float)
    z, q = _croston_states(arr, alpha)[-1]
    return 0.0 if np.isnan(z) else float(z / q)


def sba(y: np.ndarray, alpha: float) -> float:
    """Syntetos-Boylan approximation: Croston rate times (1 - alpha/2), series unit per month."""
    return _sba_factor(alpha) * croston(y, alpha)


def tsb(y: np.ndarray, alpha: float, beta: float) -> float:
    """Teunter-Syntetos-Babai rate (probability times size), series unit per month."""
    p, z = _tsb_states(np.asarray(y, dtype=float), alpha, beta)[-1]
    return float(p * z)


def _one_step_mse(name: str, y: np.ndarray, alpha: float, beta: float) -> float:
    """In-sample one-step MSE over the months after the first demand (NaN if none)."""
    first = np.flatnonzero(y > 0)
    if first.size == 0 or first[0] + 1 >= y.size:
        return np.nan
    start = first[0] + 1
    err = y[start:] - _rates(name, y, alpha, beta)[start:-1]
    return float(np.mean(err**2))


def _grid(name: str) -> list[tuple[float, float]]:
    betas = BETAS if name == "TSB" else (_DEFAULT_BETA,)
    return [(a, b) for a in ALPHAS for b in betas]


def _choose_params(name: str, y: np.ndarray) -> tuple[float, float]:
    """(alpha, beta) of the grid with the smallest one-step MSE; defaults if unscorable."""
    best, best_mse = (_DEFAULT_ALPHA, _DEFAULT_BETA), np.inf
    for alpha, beta in _grid(name):
        mse = _one_step_mse(name, y, alpha, beta)
        if mse < best_mse:
            best, best_mse = (alpha, beta), mse
    return best


def _fit(name: str, y: np.ndarray) -> tuple[float, float, dict[str, float]]:
    """Rate (series unit per month), demand probability p (0..1) and parameters."""
    alpha, beta = _choose_params(name, y)
    rate = float(_rates(name, y, alpha, beta)[-1])
    if name == "TSB":
        p = float(_tsb_states(y, alpha, beta)[-1, 0])
        params = {"alpha": alpha, "beta": beta}
    else:
        q = _croston_states(y, alpha)[-1, 1]
        p = 0.0 if np.isnan(q) else float(np.clip(1.0 / q, 0.0, 1.0))
        params = {"alpha": alpha}
    if np.isnan(rate):
        rate = 0.0
    return rate, p, params


def _mase_scale(train: np.ndarray) -> float:
    scale = float(np.mean(np.abs(np.diff(train)))) if train.size > 1 else 0.0
    return scale if scale > 0 else 1.0


def _origins(n: int, horizon: int) -> list[int]:
    """Backtest origins (months of training data), oldest first."""
    step = max(horizon // 2, 3)
    candidates = (n - k * step for k in range(N_ORIGINS, 0, -1))
    return [o for o in candidates if o >= MIN_TRAIN]


def _backtest(y: np.ndarray, horizon: int) -> dict[str, float]:
    """Mean MASE per method over the rolling origins; NaN when there is no origin."""
    origins = _origins(y.size, horizon)
    scores: dict[str, float] = {}
    for name in METHODS:
        errs = []
        for o in origins:
            train, test = y[:o], y[o : o + horizon]
            rate = _fit(name, train)[0]
            errs.append(float(np.mean(np.abs(test - rate))) / _mase_scale(train))
        scores[name] = float(np.mean(errs)) if errs else np.nan
    return scores


def _select(scores: dict[str, float]) -> str:
    """Lowest backtest MASE; SBA on ties or without a backtest."""
    best = "SBA"
    for name in METHODS:
        if scores[name] < scores[best]:
            best = name
    return best


def mixture_quantile(q: float, p: float, sizes: np.ndarray) -> float:
    """Quantile q (0..1) of one month's demand: 0 with probability 1 - p, else a size.

    Sizes follow their empirical distribution; its quantile at (q - (1 - p)) / p is the
    Weibull plotting-position quantile (numpy ``method="weibull"``, order statistic
    u (n + 1), clipped to the sample range), which is unbiased in coverage for a new draw.
    """
    sizes = np.asarray(sizes, dtype=float)
    if p <= 0 or sizes.size == 0 or q <= 1.0 - p:
        return 0.0
    u = min((q - (1.0 - p)) / p, 1.0)
    return max(float(np.quantile(sizes, u, method="weibull")), 0.0)


def _bounds(
    p: float, sizes: np.ndarray, levels: Sequence[float], horizon: int
) -> tuple[dict[float, np.ndarray], dict[float, np.ndarray]]:
    """Central mixture quantiles; one-sided ``[0, quantile L]`` when the lower one is 0.

    With a mass of zeros at least as large as the lower tail, the central interval
    would start at 0 anyway and cover more than L (the upper tail alone is left
    out); the one-sided interval from 0 covers L. When zeros alone cover L (the
    L-quantile is 0) the central upper quantile is kept, so that the interval is
    not [0, 0] and still contains the mean rate.
    """
    lower, upper = {}, {}
    for level in levels:
        tail = (1.0 - level / 100.0) / 2.0
        lo = mixture_quantile(tail, p, sizes)
        hi = mixture_quantile(1.0 - tail, p, sizes)
        if lo == 0:
            one_sided = mixture_quantile(level / 100.0, p, sizes)
            hi = one_sided if one_sided > 0 else hi
        lower[level] = _frozen(np.full(horizon, lo))
        upper[level] = _frozen(np.full(horizon, hi))
    return lower, upper


def _frozen(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def intermittent_forecast(
    y: np.ndarray, horizon: int, levels: Sequence[float] = (80, 95)
) -> IntermittentForecast:
    """Forecast ``horizon`` months of an intermittent series (series unit per month).

    ``y`` holds the monthly values, oldest first (non-negative, no NaN, at least 4).
    ``levels`` are interval levels in percent (0 < L < 100). The mean is flat over the
    horizon (these methods forecast a constant rate); so are the per-month bounds.
    """
    arr = _validate(y, horizon)
    for level in levels:
        if not 0 < level < 100:
            raise ValueError(f"interval levels must be between 0 and 100 percent, got {level}")
    scores = _backtest(arr, horizon)
    name = _select(scores)
    rate, p, params = _fit(name, arr)
    sizes = arr[arr > 0][-MAX_SIZES:]
    lower, upper = _bounds(p, sizes, levels, horizon)
    return IntermittentForecast(
        name=name,
        mean=_frozen(np.full(horizon, rate)),
        lower=lower,
        upper=upper,
        backtest_mase=scores,
        params={**params, "p": p},
    )
