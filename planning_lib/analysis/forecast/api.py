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
8. Rolling-origin backtest: from ``selection.BACKTEST_ORIGINS`` origins (the last
   ``hold = min(horizon, n / 4)`` months cut off, then ``hold / 2`` months
   earlier, ...) every candidate forecasts ``hold`` months with its parameters
   held at the whole-history estimates (states re-run to the origin, no refit:
   a filter pass instead of a fit per origin). Mean MASE over the origins scores
   each candidate. The seasonal component of the adjusted candidates is the STL
   fit on the whole history, so their backtest sees a little of the future
   season (the unadjusted candidates do not): a known, small optimism.
9. Combination: candidates within ``selection.TRIM_FACTOR`` times the best backtest MASE
   are averaged with equal weights.
10. Intervals: normal on the modelling scale around the combination; the variance
    per step is the ETS member's error variance plus the variance of the members'
    forecasts (their disagreement: a damped and a straight trend drift apart, so
    the interval widens with the horizon), times a factor per level from the backtest
    errors (their quantile, shrunk towards ``selection.INTERVAL_SCALE``, inflated for
    short histories). Non-negative series get non-negative forecasts and bounds.
11. Mean (``point="mean"``) of a log-modelled series: the median times Duan's smearing
    factor from the backtest's log errors (``selection.smearing_factor``).

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
from planning_lib.analysis.forecast.prep import PreparedSeries, prepare_series, regression_effect
from planning_lib.analysis.forecast.selection import (
    PERIOD,
    backtest,
    candidates,
    combine,
    error_sd,
    hold_forecast,
    level_scale,
    mase,
    modelling_scale,
    smape,
    smearing_factor,
)
from planning_lib.core.lifeline import exit_with

__all__ = ["auto_forecast", "forecast_many"]


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
            hierarchies). They differ only for log-modelled series, by Duan's
            smearing factor: the mean of ``exp`` of the backtest's log-scale errors
            (centred, scaled to each step's sd; in-sample residuals when the
            backtest has fewer than 12 errors), see
            :func:`planning_lib.analysis.forecast.selection.smearing_factor`. The
            normal-theory ``exp(sd² / 2)`` it replaces exploded on wide or
            heavy-tailed log errors (a flat deals-only company's mean 1.6 times its
            history's).

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
    cands = candidates(prep, horizon)
    errors, origins, hold = backtest(prep, cands, horizon)
    key, chosen, weights = combine(cands, errors)
    sigma = error_sd(key, chosen, cands, prep, horizon)
    if len(weights) > 1:  # model uncertainty: the members' disagreement adds to the variance
        means = np.array([cands[k].mean for k in weights])
        sigma = np.sqrt(sigma**2 + np.var(means, axis=0))
    ratios: list[float] = []
    log_errors: list[np.ndarray] = []
    scores: list[tuple[float, float]] = []
    for cut, fcs in origins:
        f_cut = hold_forecast(weights, fcs)
        if f_cut is not None:
            actual = prep.values[cut : cut + hold]
            e = modelling_scale(prep, actual) - f_cut
            ratios += list(np.abs(e) / np.maximum(sigma[:hold], 1e-12))
            log_errors.append(e)
            f_unit = prep.to_scale(f_cut)
            scores.append((mase(actual, f_unit, prep.values[:cut], PERIOD), smape(actual, f_unit)))
    absr = np.asarray(ratios, dtype=float)
    z_mean = chosen.mean + prep.season_ahead(n, horizon) + effect
    centre = prep.to_scale(z_mean)
    fitted = cands["ets"].fitted if "ets" in cands else None
    if point == "mean" and prep.log:  # empirical log-normal mean: Duan's smearing
        z = modelling_scale(prep, prep.values)
        in_sample = np.diff(z) if fitted is None else z - (fitted + prep.season_ahead(0, n))
        errs = np.concatenate(log_errors) if log_errors else np.empty(0)
        steps = np.concatenate([np.arange(len(e)) for e in log_errors]) if log_errors else errs
        centre = centre * smearing_factor(errs, steps, in_sample, sigma)
    out = pd.DataFrame({"mean": centre * unit}, index=prep.future_index(horizon))
    for level in levels:
        half = stats.norm.ppf(0.5 + level / 200) * sigma * level_scale(level, absr, n)
        out[f"lo_{level}"] = prep.to_scale(z_mean - half) * unit
        out[f"hi_{level}"] = prep.to_scale(z_mean + half) * unit
    if prep.nonnegative:
        out = out.clip(lower=0.0)
    out["model"] = chosen.name + ("+STL" if prep.season is not None else "")
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
