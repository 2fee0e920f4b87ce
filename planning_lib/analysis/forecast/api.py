"""Automatic monthly forecasts with prediction intervals: the public forecast API.

``auto_forecast`` forecasts one monthly series; ``forecast_many`` forecasts every
series of a long table in parallel processes. The method, in order:

1. Months are put on a complete monthly calendar; missing months are filled by
   linear interpolation (or with zero, ``fill="zero"``) and reported.
2. Intermittent series (at least 30 % zero months from the first demand on) go to
   Croston / SBA / TSB (:mod:`planning_lib.analysis.forecast.intermittent`); the rest
   continues below.
3. Positive series are modelled in logs (multiplicative seasonality, relative
   trends, forecasts that stay positive) unless Guerrero's criterion clearly
   prefers no transform (:func:`planning_lib.analysis.forecast.prep.use_logs`). Zeros and
   negative values (credit notes) keep the series unlogged.
4. Planned regressors (campaigns, price changes), if given, are estimated by
   ordinary least squares (with level and trend) and taken out of the series.
5. Seasonality (period 12) is tested (90 % autocorrelation test) only with at
   least 24 months; a seasonal series is adjusted by STL (statsmodels, a slowly
   evolving seasonal pattern). Shorter series get non-seasonal models only.
6. Outliers of the adjusted series (more than 6 robust standard deviations from
   a running median) are replaced by that median for fitting and reported.
7. Candidates (all estimators from statsmodels):
   - on the seasonally adjusted series: ETS (additive errors on the modelling
     scale, none or damped trend, best by AICc), ARIMA (KPSS differencing d <= 1,
     drift, (p, q) by AICc, Hannan-Rissanen estimates), Theta;
   - on the unadjusted series (seasonal series with three years or more):
     seasonal ETS (none or damped trend, additive season on the modelling scale =
     multiplicative in logs, best by AICc), SARIMA (p,d,q)(P,1,Q)12 with an order
     search by AICc, and seasonal naive.
   On log-modelled series additive errors are multiplicative errors of the
   original series, so the ETS forms cover A/M error x N/Ad trend x N/A/M season.
   Holt's undamped trend was tried and left out: it made M1 sMAPE worse (14.7 ->
   15.1), as the M3 literature found.
8. Rolling-origin backtest: from :data:`BACKTEST_ORIGINS` origins (the last
   ``hold = min(horizon, n / 4)`` months cut off, then ``hold / 2`` months
   earlier, ...) every candidate forecasts ``hold`` months with its parameters
   held at the whole-history estimates (states re-run to the origin, no refit:
   a filter pass instead of a fit per origin). Mean MASE over the origins scores
   each candidate. The seasonal component of the adjusted candidates is the STL
   fit on the whole history, so their backtest sees a little of the future
   season (the unadjusted candidates do not): a known, small optimism.
9. Combination: candidates within :data:`TRIM_FACTOR` times the best backtest MASE
   are averaged with equal weights.
10. Intervals: normal on the modelling scale around the combination; the variance
    per step is the ETS member's error variance plus the variance of the members'
    forecasts (their disagreement: a damped and a straight trend drift apart, so
    the interval widens with the horizon), times a factor per level from the backtest
    errors (their quantile, shrunk towards :data:`INTERVAL_SCALE`, inflated for
    short histories). Non-negative series get non-negative forecasts and bounds.

Units: the series' own unit (EUR, counts) per month.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import stats

from planning_lib.analysis.forecast import intermittent as fi
from planning_lib.analysis.forecast import models as fm
from planning_lib.analysis.forecast.prep import PreparedSeries, prepare_series, regression_effect
from planning_lib.run.lifeline import exit_with

__all__ = [
    "INTERVAL_SCALE",
    "PERIOD",
    "auto_forecast",
    "forecast_many",
    "mase",
    "smape",
]

PERIOD = 12
BACKTEST_ORIGINS = 3
"""Rolling-origin backtest: forecasts from this many origins, ``hold // 2`` months apart."""
TRIM_FACTOR = 3.0
"""Candidates whose backtest MASE is more than this many times the best one are left
out of the combination; the others are averaged with equal weights."""
INTERVAL_SCALE: dict[int, float] = {80: 1.2, 95: 1.5}
"""Prior widening of the model's interval half-widths per level (other levels are
interpolated linearly); each series' backtest errors move it (see ``_level_scale``).
Chosen on every 4th M3 monthly series (357 series): 80.2 % / 94.2 % coverage there."""
_PRIOR_N = 6.0
"""Weight of the prior widening, in backtest errors."""
_SMALL_SAMPLE_K = 12.0
"""Variance inflation ``1 + K / n`` for parameter uncertainty on an n-month history."""
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


def _z(prep: PreparedSeries, values: np.ndarray) -> np.ndarray:
    """Series values on the modelling scale (logs for log-modelled series)."""
    return np.log(np.maximum(values, 1e-300)) if prep.log else values


def _candidates(prep: PreparedSeries, horizon: int) -> dict[str, fm.Candidate]:
    """Candidates on the modelling scale (adjusted series; seasonal naive on z)."""
    sa = prep.adjusted
    n = len(sa)
    out: dict[str, fm.Candidate] = {}
    if n < 4:
        out["naive"] = fm.naive_candidate(sa, horizon)
        return out
    out["ets"] = fm.ets_candidate(sa, horizon)
    out["theta"] = fm.theta_candidate(sa, horizon)
    if n >= 12:
        out["arima"] = fm.arima_candidate(sa, horizon)
    if prep.season is not None:
        z = _z(prep, prep.values)
        ahead = prep.season_ahead(n, horizon)
        sn = fm.seasonal_naive(z, horizon, PERIOD) - ahead
        out["snaive"] = fm.Candidate("SeasonalNaive", sn, None, ("snaive",))
        for key, make in (("sarima", fm.sarima_candidate), ("sets", fm.seasonal_ets_candidate)):
            c = make(z, horizon, PERIOD)
            if c is not None:
                out[key] = replace(c, mean=c.mean - ahead)
    return out


def _origin_forecast(
    key: str, cand: fm.Candidate, prep: PreparedSeries, cut: int, h: int
) -> np.ndarray:
    """Forecast of one candidate from origin ``cut`` (adjusted modelling scale).

    Fitted models keep their parameters and only run their states up to the origin
    (:func:`planning_lib.analysis.forecast.models.fixed_forecast`); seasonal naive is
    recomputed; a fallback without parameters (naive) repeats the last value.
    """
    sa = prep.adjusted[:cut]
    raw = key in ("sets", "sarima", "snaive")
    base = _z(prep, prep.values[:cut]) if raw else sa
    if key == "snaive":
        f = fm.seasonal_naive(base, h, PERIOD)
    elif key in _FIXED_KIND and cand.params is not None:
        f = fm.fixed_forecast(_FIXED_KIND[key], cand, base, h)
    else:
        return np.repeat(float(sa[-1]), h)
    return f - prep.season_ahead(cut, h) if raw else f


def _backtest(prep: PreparedSeries, cands: dict, horizon: int) -> tuple[dict, list, int]:
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


def _combine(cands: dict, errors: dict) -> tuple[str, fm.Candidate, dict[str, float]]:
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


def _sigma(
    key: str, chosen: fm.Candidate, cands: dict, prep: PreparedSeries, horizon: int
) -> np.ndarray:
    """Per-step error sd on the modelling scale."""
    if chosen.sigma is not None:
        return np.asarray(chosen.sigma, float)
    if key == "snaive":
        z = _z(prep, prep.values)
        d = z[PERIOD:] - z[:-PERIOD]
        s = float(np.sqrt(np.mean(d**2))) if d.size else float(np.std(z))
        return s * np.sqrt(np.floor(np.arange(horizon) / PERIOD) + 1)
    if "ets" in cands and cands["ets"].sigma is not None:
        return np.asarray(cands["ets"].sigma, float)
    return fm.naive_candidate(prep.adjusted, horizon).sigma


def _hold_forecast(weights: dict[str, float], fcs: dict) -> np.ndarray | None:
    """The combination's forecast from one backtest origin (weights renormalised)."""
    keys = [k for k in weights if k in fcs]
    if not keys:
        return None
    total = sum(weights[k] for k in keys)
    return np.sum([weights[k] / total * fcs[k] for k in keys], axis=0)


def _level_scale(level: float, ratios: np.ndarray, n: int) -> float:
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


def _widening(level: float) -> float:
    """Calibration factor of :data:`INTERVAL_SCALE` for one level (percent)."""
    lv = sorted(INTERVAL_SCALE)
    return float(np.interp(level, lv, [INTERVAL_SCALE[k] for k in lv]))


def _intermittent(prep: PreparedSeries, horizon: int, levels: Sequence[int]) -> pd.DataFrame | None:
    """Croston-type forecast if the series is intermittent, else None."""
    x = prep.values  # leading zeros are already cut off
    if not prep.nonnegative or not np.any(x) or len(x) < 4 or not fi.is_intermittent(x):
        return None
    res = fi.intermittent_forecast(x, horizon, levels)
    out = pd.DataFrame(
        {"mean": np.asarray(res.mean, dtype=float)}, index=prep.future_index(horizon)
    )
    for level in levels:
        out[f"lo_{level}"] = np.asarray(res.lower[level], dtype=float)
        out[f"hi_{level}"] = np.asarray(res.upper[level], dtype=float)
    out["model"] = f"{res.name} (intermittent)"
    out.index.name = "month"
    chosen = res.backtest_mase.get(res.name, float("nan"))
    out.attrs = {
        "holdout_mase_chosen": chosen,
        "holdout_smape_chosen": float("nan"),
        "filled_months": prep.filled_months,
        "outliers": 0,
        "seasonal": False,
        "holdout_mase": dict(res.backtest_mase),
        "weights": {res.name: 1.0},
        "holdout_months": 0,
        "series_months": len(x),
        "leading_zeros": prep.leading_zeros,
        "residuals": x - float(res.mean[0]),
    }
    return out


def auto_forecast(
    y: pd.Series,
    horizon: int,
    levels: Sequence[int] = (80, 95),
    exog: pd.DataFrame | None = None,
    future_exog: pd.DataFrame | None = None,
    fill: str = "interpolate",
    point: str = "median",
) -> pd.DataFrame:
    """Forecast one monthly series with automatic model choice and intervals.

    Args:
        y: monthly values (any unit, e.g. EUR or counts) indexed by dates or
            monthly periods; gaps are allowed.
        horizon: months to forecast (>= 1).
        levels: interval coverages in percent, e.g. ``(80, 95)``.
        exog: optional regressors on the history's months (one column each,
            e.g. a campaign flag 0/1 or a price index).
        future_exog: the same columns for the ``horizon`` future months.
        fill: how to fill missing months: ``"interpolate"`` or ``"zero"``.
        point: ``"median"`` (default; what sMAPE/MASE reward) or ``"mean"``
            (expected value, which adds up across series: use it for plans and
            hierarchies). They differ only for log-modelled series, by the factor
            ``exp(sd² / 2)`` of the log-scale forecast error.

    Returns:
        DataFrame indexed by the future month starts (``month``) with columns
        ``mean``, ``lo_<L>``, ``hi_<L>`` per level and ``model``. ``attrs`` holds
        ``filled_months`` (list of ISO months filled), ``outliers`` (count),
        ``seasonal`` (bool), ``holdout_mase`` (rolling-origin backtest MASE per
        candidate), ``holdout_months`` (months forecast from each backtest origin),
        ``holdout_mase_chosen`` / ``holdout_smape_chosen`` (the final combination's
        backtest accuracy, mean over the origins), ``series_months`` (after
        ``leading_zeros`` months of zeros before the first value were cut off), ``weights``
        and ``residuals`` (one-step in-sample errors of the ETS member, series
        unit, one per history month; used by MinT reconciliation).

    Raises:
        ValueError: empty series, horizon < 1, or exog without future_exog.
    """
    if horizon < 1:
        raise ValueError(f"horizon must be >= 1, got {horizon}")
    if point not in ("median", "mean"):
        raise ValueError(f"point must be 'median' or 'mean', got {point!r}")
    prep = prepare_series(y, PERIOD, fill=fill)
    if exog is None:
        sparse = _intermittent(prep, horizon, levels)
        if sparse is not None:
            return sparse
    effect = np.zeros(horizon)
    if exog is not None:
        if future_exog is None or len(future_exog) != horizon:
            raise ValueError("future_exog must give the regressors for all horizon months")
        prep, effect = regression_effect(prep, exog, future_exog)
    unit = 1.0
    if not prep.log:  # fit in units of the mean absolute value: optimisers converge faster
        unit = float(np.mean(np.abs(prep.values))) or 1.0
        season = None if prep.season is None else prep.season / unit
        prep = replace(
            prep, values=prep.values / unit, adjusted=prep.adjusted / unit, season=season
        )
        effect = effect / unit
    n = len(prep.values)
    cands = _candidates(prep, horizon)
    errors, origins, hold = _backtest(prep, cands, horizon)
    key, chosen, weights = _combine(cands, errors)
    sigma = _sigma(key, chosen, cands, prep, horizon)
    if len(weights) > 1:  # model uncertainty: the members' disagreement adds to the variance
        means = np.array([cands[k].mean for k in weights])
        sigma = np.sqrt(sigma**2 + np.var(means, axis=0))
    ratios: list[float] = []
    scores: list[tuple[float, float]] = []
    for cut, fcs in origins:
        f_cut = _hold_forecast(weights, fcs)
        if f_cut is not None:
            actual = prep.values[cut : cut + hold]
            e = _z(prep, actual) - f_cut
            ratios += list(np.abs(e) / np.maximum(sigma[:hold], 1e-12))
            f_unit = prep.to_scale(f_cut)
            scores.append((mase(actual, f_unit, prep.values[:cut], PERIOD), smape(actual, f_unit)))
    absr = np.asarray(ratios, dtype=float)
    scale = _level_scale(80, absr, n)
    z_mean = chosen.mean + prep.season_ahead(n, horizon) + effect
    centre = prep.to_scale(z_mean)
    if point == "mean" and prep.log:  # log-normal mean: exp(mu + sd^2 / 2)
        centre = centre * np.exp(np.minimum((sigma * scale) ** 2 / 2, 2.0))
    out = pd.DataFrame({"mean": centre * unit}, index=prep.future_index(horizon))
    for level in levels:
        half = stats.norm.ppf(0.5 + level / 200) * sigma * _level_scale(level, absr, n)
        out[f"lo_{level}"] = prep.to_scale(z_mean - half) * unit
        out[f"hi_{level}"] = prep.to_scale(z_mean + half) * unit
    if prep.nonnegative:
        out = out.clip(lower=0.0)
    out["model"] = chosen.name + ("+STL" if prep.season is not None else "")
    fitted = cands["ets"].fitted if "ets" in cands else None
    if fitted is None:
        resid = np.diff(prep.values, prepend=prep.values[0]) * unit
    else:
        fitted_z = fitted + prep.season_ahead(0, n)
        resid = (prep.values - prep.to_scale(fitted_z)) * unit
    out.index.name = "month"
    hold_mase, hold_smape = np.mean(scores, axis=0) if scores else (np.nan, np.nan)
    out.attrs = {
        "holdout_mase_chosen": float(hold_mase),
        "holdout_smape_chosen": float(hold_smape),
        "filled_months": prep.filled_months,
        "outliers": prep.n_outliers,
        "seasonal": prep.season is not None,
        "holdout_mase": errors,
        "weights": weights,
        "holdout_months": hold,
        "series_months": n,
        "leading_zeros": prep.leading_zeros,
        "residuals": resid,
    }
    return out


def _one(args: tuple) -> pd.DataFrame:
    _key, series, horizon, levels, point = args
    fc = auto_forecast(series, horizon, levels, point=point)
    fc = fc.reset_index()
    fc["filled_months"] = len(fc.attrs.get("filled_months", []))
    fc["outliers"] = fc.attrs.get("outliers", 0)
    fc["holdout_months"] = fc.attrs.get("holdout_months", 0)
    fc["holdout_mase"] = fc.attrs.get("holdout_mase_chosen", np.nan)
    fc["holdout_smape"] = fc.attrs.get("holdout_smape_chosen", np.nan)
    fc.attrs = {"residuals": fc.attrs["residuals"]}
    return fc


def forecast_many(
    frame: pd.DataFrame,
    id_cols: Sequence[str],
    date_col: str,
    value_col: str,
    horizon: int,
    workers: int | None = None,
    levels: Sequence[int] = (80, 95),
    point: str = "median",
) -> pd.DataFrame:
    """Forecast every series of a long table, in parallel processes.

    Rows with the same ``id_cols`` form one series; values of the same month are
    summed. Results come back sorted by the ids, and every number is the same
    whatever the number of workers.

    Args:
        frame: long table with the id columns, a date column and a value column.
        id_cols: columns naming a series (e.g. ``["region", "product"]``).
        date_col: column with dates (any day of the month).
        value_col: column with the values (series unit).
        horizon: months to forecast.
        workers: processes; None uses every core, 1 runs in this process.
        levels: interval coverages in percent.
        point: ``"median"`` or ``"mean"`` point forecasts (see :func:`auto_forecast`).

    Returns:
        Long table: the id columns, ``month``, ``mean``, interval bounds, ``model``,
        ``filled_months`` (count), ``outliers`` (count), ``holdout_months`` and the
        chosen forecast's ``holdout_mase`` and ``holdout_smape`` (percent).
        ``attrs["residuals"]`` holds the in-sample one-step residuals per series
        (id columns, ``step`` = months before the forecast origin as 0, -1, ...,
        ``residual``), the input of MinT reconciliation.

    Raises:
        KeyError: a named column is missing.
    """
    missing = [c for c in (*id_cols, date_col, value_col) if c not in frame.columns]
    if missing:
        raise KeyError(f"columns missing from the table: {missing}")
    ids = list(id_cols)
    data = frame[[*ids, date_col, value_col]].copy()
    data["_month"] = pd.to_datetime(data[date_col]).dt.to_period("M")
    grouped = data.groupby([*ids, "_month"], sort=True, dropna=False)[value_col].sum()
    tasks, keys = [], []
    for key, part in grouped.groupby(level=list(range(len(ids))), sort=True):
        series = part.droplevel(list(range(len(ids))))
        keys.append(key if isinstance(key, tuple) else (key,))
        tasks.append((key, series, horizon, tuple(levels), point))
    if workers is None:
        workers = os.cpu_count() or 1
    if workers <= 1 or len(tasks) <= 1:
        results = [_one(t) for t in tasks]
    else:
        chunk = max(1, len(tasks) // (workers * 4))
        # the workers end with this process even when it is killed (kill -9)
        with ProcessPoolExecutor(
            max_workers=workers, initializer=exit_with, initargs=(os.getpid(),)
        ) as pool:
            results = list(pool.map(_one, tasks, chunksize=chunk))
    parts, resids = [], []
    for key, res in zip(keys, results, strict=True):
        r = np.asarray(res.attrs.get("residuals", []), dtype=float)
        res.attrs = {}
        resid = pd.DataFrame({"step": np.arange(1 - len(r), 1), "residual": r})
        for col, val in zip(ids, key, strict=True):
            res.insert(ids.index(col), col, val)
            resid.insert(ids.index(col), col, val)
        parts.append(res)
        resids.append(resid)
    if not parts:
        return pd.DataFrame(columns=[*ids, "month", "mean", "model"])
    out = pd.concat(parts, ignore_index=True)
    out.attrs["residuals"] = pd.concat(resids, ignore_index=True)
    return out
