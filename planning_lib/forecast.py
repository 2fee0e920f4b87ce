"""Automatic monthly forecasts with prediction intervals: the public forecast API.

``auto_forecast`` forecasts one monthly series; ``forecast_many`` forecasts every
series of a long table in parallel processes. The method, in order:

1. Months are put on a complete monthly calendar; missing months are filled by
   linear interpolation (or with zero, ``fill="zero"``) and reported.
2. Series with only positive values are modelled in logs (multiplicative
   seasonality, relative trends, forecasts that stay positive).
3. Planned regressors (campaigns, price changes), if given, are estimated by
   ordinary least squares (with level and trend) and taken out of the series.
4. Seasonality (period 12) is tested (90 % autocorrelation test) only with at
   least 24 months; a seasonal series is adjusted by STL (statsmodels, a slowly
   evolving seasonal pattern). Shorter series get non-seasonal models only.
5. Outliers of the adjusted series (more than 6 robust standard deviations from
   a running median) are replaced by that median for fitting and reported.
6. Candidates on the adjusted series: ETS (simple or damped trend, additive
   errors, best by AICc), ARIMA (KPSS differencing d <= 1 with drift, p, q by
   AICc), Theta; seasonal naive on the series itself. Seasonal ETS forms are not
   fitted (seasonality is handled in step 4): that keeps a series at roughly the
   cost of one statsforecast AutoETS.
7. One holdout at the end of the history (refitting the chosen configurations,
   not searching again) measures each candidate's MASE; the forecast is the
   candidates' mean weighted by 1 / holdout MASE (single-holdout selection of one
   model was tried and was less accurate on M3, M1 and Tourism).
8. Intervals: normal on the modelling scale, with ETS's per-step error sd, scaled
   per series by the holdout errors (shrunk towards 1) and by ``INTERVAL_SCALE``
   (calibrated on M3 monthly data, not on the benchmark sets). Non-negative
   series get non-negative forecasts and bounds.

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

from planning_lib import forecast_models as fm
from planning_lib.forecast_prep import PreparedSeries, prepare_series, regression_effect

__all__ = [
    "INTERVAL_SCALE",
    "PERIOD",
    "auto_forecast",
    "forecast_many",
    "mase",
    "smape",
]

PERIOD = 12
INTERVAL_SCALE: dict[int, float] = {80: 1.2, 95: 1.35}
"""Widening of interval half-widths per level, calibrated on every 4th M3 monthly series
(357 series, not M1 or Tourism): the 80th / 95th percentile of |error| / half-width was
1.21 / 1.35 with unscaled model intervals. Other levels are interpolated linearly."""
_HOLDOUT_PRIOR = 6.0
_COMB = ("ets", "arima", "theta", "snaive")


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
        sn = fm.seasonal_naive(z, horizon, PERIOD) - prep.season_ahead(n, horizon)
        out["snaive"] = fm.Candidate("SeasonalNaive", sn, None, ("snaive",))
    return out


def _refit(key: str, cand: fm.Candidate, prep: PreparedSeries, cut: int, h: int) -> np.ndarray:
    """Forecast of one candidate from origin ``cut`` (adjusted modelling scale)."""
    sa = prep.adjusted[:cut]
    if key == "ets":
        return fm.ets_refit(sa, cand.config, h)
    if key == "arima":
        return fm.arima_refit(sa, cand.config, h)
    if key == "theta":
        return fm.theta_candidate(sa, h).mean
    if key == "snaive":
        z = _z(prep, prep.values[:cut])
        return fm.seasonal_naive(z, h, PERIOD) - prep.season_ahead(cut, h)
    return np.repeat(float(sa[-1]), h)


def _holdout(prep: PreparedSeries, cands: dict, horizon: int) -> tuple[dict, dict, int]:
    """Holdout MASE per candidate (series unit) and the holdout forecasts (modelling scale).

    The last ``hold`` months are cut off, each chosen configuration is refitted
    on the rest (no new search) and forecasts the cut-off months.
    """
    n = len(prep.adjusted)
    hold = min(horizon, max(3, n // 4))
    if n - hold < 12 or len(cands) < 2:
        return {}, {}, 0
    actual, x_tr = prep.values[-hold:], prep.values[:-hold]
    season = prep.season_ahead(n - hold, hold)
    fcs: dict[str, np.ndarray] = {}
    for key, cand in cands.items():
        try:
            f = _refit(key, cand, prep, n - hold, hold) + season
        except (ValueError, np.linalg.LinAlgError):
            continue
        if np.all(np.isfinite(f)):
            fcs[key] = f
    errors = {k: mase(actual, prep.to_scale(f), x_tr, PERIOD) for k, f in fcs.items()}
    return errors, fcs, hold


def _combine(cands: dict, errors: dict) -> tuple[str, fm.Candidate, dict[str, float]]:
    """Weighted mean of the candidates, weights proportional to 1 / holdout MASE.

    Without a holdout (short series) the weights are equal.

    Returns:
        ``(key, candidate, weights)``; key ``"comb"`` for a combination, else the
        single candidate's key.
    """
    members = [k for k in _COMB if k in cands]
    if len(members) <= 1:
        key = members[0] if members else next(iter(cands))
        return key, cands[key], {key: 1.0}
    w = np.array([1.0 / max(errors[k], 1e-3) if k in errors else np.nan for k in members])
    if not np.all(np.isfinite(w)):
        w = np.ones(len(members))
    w = w / w.sum()
    mean = np.sum([wk * cands[k].mean for wk, k in zip(w, members, strict=True)], axis=0)
    sigma = cands["ets"].sigma if "ets" in cands else cands[members[0]].sigma
    names = "+".join(cands[k].name for k in members)
    weights = {k: float(wk) for k, wk in zip(members, w, strict=True)}
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


def _hold_forecast(weights: dict[str, float], hold_fcs: dict) -> np.ndarray | None:
    """The final forecast on the holdout (weights renormalised over refitted members)."""
    keys = [k for k in weights if k in hold_fcs]
    if not keys:
        return None
    total = sum(weights[k] for k in keys)
    return np.sum([weights[k] / total * hold_fcs[k] for k in keys], axis=0)


def _widening(level: float) -> float:
    """Calibration factor of :data:`INTERVAL_SCALE` for one level (percent)."""
    lv = sorted(INTERVAL_SCALE)
    return float(np.interp(level, lv, [INTERVAL_SCALE[k] for k in lv]))


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
        ``seasonal`` (bool), ``holdout_mase`` (dict per candidate),
        ``holdout_months``, ``holdout_mase_chosen`` / ``holdout_smape_chosen`` (the
        final forecast's accuracy on the holdout), ``series_months``, ``weights``
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
    errors, hold_fcs, hold = _holdout(prep, cands, horizon)
    key, chosen, weights = _combine(cands, errors)
    sigma = _sigma(key, chosen, cands, prep, horizon)
    ratio2: list[float] = []
    f_hold = _hold_forecast(weights, hold_fcs) if hold else None
    if f_hold is not None:
        e = _z(prep, prep.values[-hold:]) - f_hold
        ratio2 = list((e / np.maximum(sigma[:hold], 1e-12)) ** 2)
    # widen (or narrow) by the holdout errors against the model's sd, shrunk towards 1
    scale = np.sqrt((_HOLDOUT_PRIOR + np.sum(ratio2)) / (_HOLDOUT_PRIOR + len(ratio2)))
    scale = float(np.clip(scale, 0.5, 3.0))
    z_mean = chosen.mean + prep.season_ahead(n, horizon) + effect
    centre = prep.to_scale(z_mean)
    if point == "mean" and prep.log:  # log-normal mean: exp(mu + sd^2 / 2)
        centre = centre * np.exp(np.minimum((sigma * scale * _widening(80)) ** 2 / 2, 2.0))
    out = pd.DataFrame({"mean": centre * unit}, index=prep.future_index(horizon))
    for level in levels:
        half = stats.norm.ppf(0.5 + level / 200) * sigma * scale * _widening(level)
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
    hold_mase = hold_smape = float("nan")
    if f_hold is not None:
        f_hold = prep.to_scale(f_hold)
        hold_mase = mase(prep.values[-hold:], f_hold, prep.values[:-hold], PERIOD)
        hold_smape = smape(prep.values[-hold:], f_hold)
    out.attrs = {
        "holdout_mase_chosen": hold_mase,
        "holdout_smape_chosen": hold_smape,
        "filled_months": prep.filled_months,
        "outliers": prep.n_outliers,
        "seasonal": prep.season is not None,
        "holdout_mase": errors,
        "weights": weights,
        "holdout_months": hold,
        "series_months": n,
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
        with ProcessPoolExecutor(max_workers=workers) as pool:
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
