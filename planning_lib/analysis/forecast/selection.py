"""Model selection of the automatic forecast: candidates, rolling-origin backtest,
combination, and the error sd and interval factors of the combined forecast.

The method is described step by step in :mod:`planning_lib.analysis.forecast.api`
(steps 7 to 10). Values are on the modelling scale (logs for log-modelled series)
unless a name says otherwise; accuracy measures are unitless (MASE) or percent (sMAPE).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy import stats

from planning_lib.analysis.forecast import models as fm
from planning_lib.analysis.forecast.arima import arima_candidate, arma_forecast, sarima_candidate
from planning_lib.analysis.forecast.prep import MIN_TREND_MONTHS, PreparedSeries

__all__ = [
    "BACKTEST_ORIGINS",
    "INTERVAL_SCALE",
    "PERIOD",
    "TRIM_FACTOR",
    "backtest",
    "candidates",
    "combine",
    "error_sd",
    "fixed_forecast",
    "hold_forecast",
    "level_scale",
    "mase",
    "modelling_scale",
    "smape",
    "smearing_factor",
]

PERIOD = 12
BACKTEST_ORIGINS = 3
"""Rolling-origin backtest: forecasts from this many origins, ``hold // 2`` months apart."""
TRIM_FACTOR = 3.0
"""Candidates whose backtest MASE is more than this many times the best one are left
out of the combination; the others are averaged with equal weights."""
INTERVAL_SCALE: dict[int, float] = {80: 1.2, 95: 1.5}
"""Prior widening of the model's interval half-widths per level (other levels are
interpolated linearly); each series' backtest errors move it (see ``level_scale``).
Chosen on every 4th M3 monthly series (357 series): 80.2 % / 94.2 % coverage there."""
_PRIOR_N = 6.0
"""Weight of the prior widening, in backtest errors."""
_SMALL_SAMPLE_K = 12.0
"""Variance inflation ``1 + K / n`` for parameter uncertainty on an n-month history."""
MIN_SMEARING_ERRORS = 12
"""Backtest errors needed for the smearing factor; with fewer the in-sample residuals
are used."""
_COMB = ("ets", "arima", "theta", "snaive", "sarima", "sets")
_FIXED_KIND = {"ets": "ets", "sets": "sets", "arima": "arma", "sarima": "arma", "theta": "theta"}


def smape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Symmetric MAPE in percent (0..200), the M-competition definition."""
    a, f = np.asarray(actual, float), np.asarray(forecast, float)
    den = np.abs(a) + np.abs(f)
    ratio = np.where(den > 0, 2 * np.abs(a - f) / np.where(den > 0, den, 1), 0.0)
    return float(100 * np.mean(ratio))


def mase(actual: np.ndarray, forecast: np.ndarray, history: np.ndarray, period: int = 12) -> float:
    """Mean absolute error scaled by the in-sample seasonal naive error (no unit)."""
    a, f = np.asarray(actual, float), np.asarray(forecast, float)
    return float(np.mean(np.abs(a - f)) / fm.mase_scale(np.asarray(history, float), period))


def modelling_scale(prep: PreparedSeries, values: np.ndarray) -> np.ndarray:
    """Series values on the modelling scale (logs for log-modelled series)."""
    return np.log(np.maximum(values, 1e-300)) if prep.log else values


def candidates(prep: PreparedSeries, horizon: int) -> dict[str, fm.Candidate]:
    """Candidates on the modelling scale (adjusted series; seasonal naive on z)."""
    sa = prep.adjusted
    n = len(sa)
    out: dict[str, fm.Candidate] = {}
    if n < 4:
        out["naive"] = fm.naive_candidate(sa, horizon)
        return out
    # under a year no backtest checks a slope: ETS holds the level (no damped trend), and
    # Theta, which always extrapolates the history's slope, is left out
    out["ets"] = fm.ets_candidate(sa, horizon, trend=n >= MIN_TREND_MONTHS)
    if n >= MIN_TREND_MONTHS:
        out["theta"] = fm.theta_candidate(sa, horizon)
    if n >= 12:
        out["arima"] = arima_candidate(sa, horizon)
    if prep.season is not None:
        z = modelling_scale(prep, prep.values)
        ahead = prep.season_ahead(n, horizon)
        sn = fm.seasonal_naive(z, horizon, PERIOD) - ahead
        out["snaive"] = fm.Candidate("SeasonalNaive", sn, None, ("snaive",))
        for key, make in (("sarima", sarima_candidate), ("sets", fm.seasonal_ets_candidate)):
            c = make(z, horizon, PERIOD)
            if c is not None:
                out[key] = replace(c, mean=c.mean - ahead)
    return out


def _origin_forecast(
    key: str, cand: fm.Candidate, prep: PreparedSeries, cut: int, h: int
) -> np.ndarray:
    """Forecast of one candidate from origin ``cut`` (adjusted modelling scale).

    Fitted models keep their parameters and only run their states up to the origin
    (:func:`fixed_forecast`); seasonal naive is
    recomputed; a fallback without parameters (naive) repeats the last value.
    """
    sa = prep.adjusted[:cut]
    raw = key in ("sets", "sarima", "snaive")
    base = modelling_scale(prep, prep.values[:cut]) if raw else sa
    if key == "snaive":
        f = fm.seasonal_naive(base, h, PERIOD)
    elif key in _FIXED_KIND and cand.params is not None:
        f = fixed_forecast(_FIXED_KIND[key], cand, base, h)
    else:
        return np.repeat(float(sa[-1]), h)
    return f - prep.season_ahead(cut, h) if raw else f


def backtest(prep: PreparedSeries, cands: dict, horizon: int) -> tuple[dict, list, int]:
    """Rolling-origin backtest: MASE per candidate and the backtest forecasts.

    From each origin (the last ``hold`` months cut off, then ``step`` months
    earlier, ...) each candidate forecasts the next ``hold`` months with its
    parameters held fixed (no new fit, no new search).

    Returns:
        ``(mean MASE per candidate, [(cut, forecasts per candidate on the modelling
        scale), ...] per origin, hold)``.
    """
    n = len(prep.adjusted)
    hold = min(horizon, max(3, n // 4))
    if n - hold < 12 or len(cands) < 2:
        return {}, [], 0
    step = max(1, hold // 2)
    cuts = [n - hold - j * step for j in range(BACKTEST_ORIGINS)]
    cuts = [c for c in cuts if c >= max(12, n // 2)] or [n - hold]
    scores: dict[str, list[float]] = {k: [] for k in cands}
    origins = []
    for cut in cuts:
        actual, x_tr = prep.values[cut : cut + hold], prep.values[:cut]
        season = prep.season_ahead(cut, hold)
        fcs: dict[str, np.ndarray] = {}
        for key, cand in cands.items():
            try:
                f = _origin_forecast(key, cand, prep, cut, hold) + season
            except (ValueError, np.linalg.LinAlgError):
                continue
            if np.all(np.isfinite(f)):
                fcs[key] = f
                scores[key].append(mase(actual, prep.to_scale(f), x_tr, PERIOD))
        origins.append((cut, fcs))
    errors = {k: float(np.mean(v)) for k, v in scores.items() if len(v) == len(cuts)}
    return errors, origins, hold


def combine(cands: dict, errors: dict) -> tuple[str, fm.Candidate, dict[str, float]]:
    """Equal-weight mean of the candidates that pass the backtest.

    A candidate whose rolling-origin MASE is more than :data:`TRIM_FACTOR` times the
    best one's is left out. Equal weights among the rest beat weights proportional
    to 1 / MASE on M1, Tourism and M3 (the "forecast combination puzzle"); the trim
    guards against the odd candidate that goes off the scale. Without a backtest
    (short series) every candidate is kept.

    Returns:
        ``(key, candidate, weights)``; key ``"comb"`` for a combination, else the
        single candidate's key.
    """
    members = [k for k in _COMB if k in cands]
    if len(members) <= 1:
        key = members[0] if members else next(iter(cands))
        return key, cands[key], {key: 1.0}
    score = np.array([errors.get(k, np.nan) for k in members])
    if np.all(np.isfinite(score)):
        keep = score <= TRIM_FACTOR * max(float(score.min()), 1e-9)
        members = [k for k, ok in zip(members, keep, strict=True) if ok]
    if len(members) == 1:
        return members[0], cands[members[0]], {members[0]: 1.0}
    w = 1.0 / len(members)
    mean = np.sum([w * cands[k].mean for k in members], axis=0)
    sigma = cands["ets"].sigma if "ets" in cands else cands[members[0]].sigma
    names = "+".join(cands[k].name for k in members)
    weights = dict.fromkeys(members, w)
    return "comb", fm.Candidate(f"Comb({names})", mean, sigma, ("comb",)), weights


def error_sd(
    key: str, chosen: fm.Candidate, cands: dict, prep: PreparedSeries, horizon: int
) -> np.ndarray:
    """Per-step error sd on the modelling scale."""
    if chosen.sigma is not None:
        return np.asarray(chosen.sigma, float)
    if key == "snaive":
        z = modelling_scale(prep, prep.values)
        d = z[PERIOD:] - z[:-PERIOD]
        s = float(np.sqrt(np.mean(d**2))) if d.size else float(np.std(z))
        return s * np.sqrt(np.floor(np.arange(horizon) / PERIOD) + 1)
    if "ets" in cands and cands["ets"].sigma is not None:
        return np.asarray(cands["ets"].sigma, float)
    return fm.naive_candidate(prep.adjusted, horizon).sigma


def hold_forecast(weights: dict[str, float], fcs: dict) -> np.ndarray | None:
    """The combination's forecast from one backtest origin (weights renormalised)."""
    keys = [k for k in weights if k in fcs]
    if not keys:
        return None
    total = sum(weights[k] for k in keys)
    return np.sum([weights[k] / total * fcs[k] for k in keys], axis=0)


def level_scale(level: float, ratios: np.ndarray, n: int) -> float:
    """Factor on the model's error sd for one interval level (percent).

    The backtest's scaled errors |e| / sd give an empirical factor, the
    ``level``-quantile of ``ratios`` over the normal quantile; it is shrunk
    towards the prior :data:`INTERVAL_SCALE` (weight :data:`_PRIOR_N` errors) and
    inflated by ``1 + K / n`` for parameter uncertainty (the backtest keeps the
    parameters estimated on the whole history, so its errors are a little too small).
    """
    prior = _widening(level)
    if ratios.size:
        emp = float(np.quantile(ratios, level / 100)) / stats.norm.ppf(0.5 + level / 200)
        sc2 = (_PRIOR_N * prior**2 + ratios.size * emp**2) / (_PRIOR_N + ratios.size)
    else:
        sc2 = prior**2
    return float(np.clip(np.sqrt(sc2 * (1 + _SMALL_SAMPLE_K / n)), 0.5, 4.0))


def smearing_factor(
    errors: np.ndarray, steps: np.ndarray, residuals: np.ndarray, sigma: np.ndarray
) -> np.ndarray:
    """Factor per step from the median to the mean of a log-modelled forecast.

    Duan's smearing estimator (N. Duan, "Smearing estimate: a nonparametric
    retransformation method", JASA 78 (1983) 605-610): the mean of ``exp`` of the
    log-scale errors, instead of the normal-theory ``exp(sd² / 2)``. That factor
    explodes when the log errors are wide or heavy-tailed (one month of a tenth of
    the usual bookings is a log error of -2.3 and doubles the variance), and the
    interval's sd (widened by the members' disagreement and the level factor) is not
    the error's sd. Here the errors are the backtest's log errors ``errors`` (actual
    minus the combination's forecast from each origin, ``steps`` months ahead,
    0-based); with fewer than :data:`MIN_SMEARING_ERRORS` of them the in-sample
    one-step log ``residuals`` (step 0). Each error is divided by the model's sd of
    its step (``sigma``), the standardised errors are centred on their mean (the
    backtest's level bias belongs to the point forecast, not to the
    retransformation; Duan's regression residuals have mean zero too) and scaled
    back with each step's sd, so the factor grows with the horizon as the
    uncertainty does (heteroscedastic smearing, W. Manning, "The logged dependent
    variable, heteroscedasticity, and the retransformation problem", J. Health
    Econ. 17 (1998) 283-295). The factor is at least 1 (Jensen) and never more
    than ``exp`` of the largest standardised error observed times the step's sd:
    the mean goes no further than errors the data have shown.

    Returns:
        One factor per step of ``sigma`` (1.0 when there are no errors at all).
    """
    sd = np.maximum(np.asarray(sigma, float), 1e-12)
    e, k = np.asarray(errors, float), np.asarray(steps, int)
    if e.size >= MIN_SMEARING_ERRORS:
        r = e / sd[np.minimum(k, sd.size - 1)]
    else:
        r = np.asarray(residuals, float) / sd[0]
    r = r[np.isfinite(r)]
    if r.size == 0:
        return np.ones(sd.size)
    r = r - r.mean()
    return np.mean(np.exp(np.clip(np.outer(sd, r), -700, 700)), axis=1)


def _widening(level: float) -> float:
    """Calibration factor of :data:`INTERVAL_SCALE` for one level (percent)."""
    lv = sorted(INTERVAL_SCALE)
    return float(np.interp(level, lv, [INTERVAL_SCALE[k] for k in lv]))


def fixed_forecast(kind: str, cand: fm.Candidate, y: np.ndarray, horizon: int) -> np.ndarray:
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
        return arma_forecast(y, cand.params, horizon)[0]
    if kind == "theta":
        return fm.theta_fixed(y, float(cand.params), horizon)
    return fm.ets_from_states(cand.params, len(y) - 1, horizon)
