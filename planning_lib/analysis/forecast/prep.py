"""Preparing a monthly series for forecasting: calendar, gaps, seasonality, outliers, regressors.

Pure functions: a pandas Series in, a :class:`PreparedSeries` out. Units are the
series' own (EUR or counts per month).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import statsmodels.api as sm

from planning_lib.analysis.forecast import models as fm

__all__ = [
    "LEVEL_MARGIN",
    "MIN_SEASONAL_MONTHS",
    "PreparedSeries",
    "prepare_series",
    "regression_effect",
    "use_logs",
]

MIN_SEASONAL_MONTHS = 24
"""Series shorter than this (two years) get non-seasonal models only."""
MIN_TREND_MONTHS = 12
"""Series shorter than this (a year; no backtest can check a log scale or a slope) are
modelled on their own scale, by level models only: ETS without trend, no Theta (which
always extrapolates the history's slope) (:func:`prepare_series`, ``selection.candidates``).
A damped trend on 9 months of 10..90 forecast 98..187 over a year; the M1, M3 and Tourism
monthly series the selection is tuned on are all 48 months or longer."""
LEVEL_MARGIN = 0.25
"""Guerrero choice: no transform only if its CV is below this share of the log CV."""
_OUTLIER_Z = 6.0


@dataclass(frozen=True)
class PreparedSeries:
    """A series ready for the candidates.

    Attributes:
        values: the values on a complete monthly calendar, gaps filled (series unit).
        adjusted: seasonally adjusted values with outliers replaced (fitting input),
            on the log scale if ``log``.
        months: the monthly periods of ``values``.
        season: STL seasonal component per history month (log scale if ``log``),
            or None if not seasonal.
        log: the series is modelled in logs (all values positive and chosen by
            :func:`use_logs`): seasonality is multiplicative, trends are relative and
            forecasts stay positive.
        filled_months: ISO months (``YYYY-MM``) that were missing and filled.
        n_outliers: count of values replaced as outliers for fitting.
        nonnegative: no value of the history is negative (forecasts are floored at 0).
        leading_zeros: months of zeros before the first non-zero value, cut off (a
            product or channel launched later; the zeros would read as a trend).
    """

    values: np.ndarray
    adjusted: np.ndarray
    months: pd.PeriodIndex
    season: np.ndarray | None
    log: bool
    filled_months: list[str]
    n_outliers: int
    nonnegative: bool
    leading_zeros: int = 0

    def season_ahead(self, start: int, length: int, period: int = 12) -> np.ndarray:
        """Seasonal component for positions ``start..start+length-1`` (0 if none).

        Positions inside the history take the fitted component; later positions
        repeat the last full season.
        """
        if self.season is None:
            return np.zeros(length)
        n = len(self.season)
        pos = start + np.arange(length)
        last = self.season[n - period :]
        inside = np.minimum(pos, n - 1)
        return np.where(pos < n, self.season[inside], last[(pos - n) % period])

    def to_scale(self, z: np.ndarray) -> np.ndarray:
        """Back from the modelling scale (logs if ``log``) to the series unit."""
        return np.exp(np.clip(z, -700, 700)) if self.log else z

    def future_index(self, horizon: int) -> pd.DatetimeIndex:
        """Month starts of the ``horizon`` months after the history."""
        start = self.months[-1] + 1
        return pd.period_range(start, periods=horizon, freq="M").to_timestamp(how="start")


def _monthly(y: pd.Series) -> pd.Series:
    if not isinstance(y, pd.Series):
        y = pd.Series(np.asarray(y, dtype=float))
    idx = y.index
    if isinstance(idx, pd.PeriodIndex):
        months = idx.asfreq("M")
    elif isinstance(idx, pd.DatetimeIndex):
        months = idx.to_period("M")
    elif len(idx) and isinstance(idx[0], pd.Period | pd.Timestamp | str):
        months = pd.PeriodIndex(pd.to_datetime(idx.astype(str)), freq="M")
    else:  # plain positions: consecutive months from 2000-01
        months = pd.period_range("2000-01", periods=len(y), freq="M")
    s = pd.Series(np.asarray(y, dtype=float), index=months)
    return s.groupby(level=0).sum(min_count=1).sort_index()


def _replace_outliers(x: np.ndarray) -> tuple[np.ndarray, int]:
    """Values more than 6 robust sd from a centred 7-month running median, last value kept."""
    if len(x) < 12:
        return x, 0
    med = pd.Series(x).rolling(7, center=True, min_periods=1).median().to_numpy()
    resid = x - med
    scale = 1.4826 * np.median(np.abs(resid - np.median(resid)))
    if scale <= 0:
        return x, 0
    flag = np.abs(resid) > _OUTLIER_Z * scale
    flag[-1] = False
    out = x.copy()
    out[flag] = med[flag]
    return out, int(flag.sum())


def use_logs(x: np.ndarray, period: int = 12) -> bool:
    """Model in logs? Guerrero's method restricted to the log (lambda 0) or no transform (1).

    The series is cut into consecutive blocks of ``period`` months (two for series
    shorter than two seasons); the transform whose ``sd / mean ** (1 - lambda)``
    is most constant over the blocks (coefficient of variation) decides: logs when
    the spread grows with the level (multiplicative seasonality, relative trends),
    none when it clearly does not (a straight line stays straight). Logs are kept
    unless no transform is steadier by the factor :data:`LEVEL_MARGIN` (on M1 and M3
    an even choice lost accuracy on short trending series). Only strictly positive
    series can be logged.
    """
    if np.min(x) <= 0:
        return False
    block = period if len(x) >= 2 * period else 2
    m = len(x) // block
    if m < 2:
        return True
    blocks = x[len(x) - m * block :].reshape(m, block)
    mean, sd = blocks.mean(axis=1), blocks.std(axis=1, ddof=1)

    def cv(lam: float) -> float:
        r = sd / mean ** (1 - lam)
        mu = float(np.mean(r))
        return float(np.std(r, ddof=1) / mu) if mu > 0 else np.inf

    return not cv(1.0) < LEVEL_MARGIN * cv(0.0)


def prepare_series(y: pd.Series, period: int = 12, fill: str = "interpolate") -> PreparedSeries:
    """Complete calendar, filled gaps, seasonal adjustment and outlier replacement.

    Args:
        y: monthly values indexed by dates or monthly periods (gaps allowed).
        period: season length in months.
        fill: ``"interpolate"`` (linear, ends by the nearest value) or ``"zero"``.

    Returns:
        The prepared series; see :class:`PreparedSeries`.

    Raises:
        ValueError: no non-missing value, or an unknown ``fill``.
    """
    if fill not in ("interpolate", "zero"):
        raise ValueError(f"fill must be 'interpolate' or 'zero', got {fill!r}")
    s = _monthly(y)
    if s.notna().sum() == 0:
        raise ValueError("the series has no values")
    s = s.loc[s.first_valid_index() : s.last_valid_index()]
    full = pd.period_range(s.index[0], s.index[-1], freq="M")
    s = s.reindex(full)
    missing = s.isna().to_numpy()
    filled = [str(p) for p in full[missing]]
    s = s.fillna(0.0) if fill == "zero" else s.interpolate(method="linear", limit_direction="both")
    x = s.to_numpy(dtype=float)
    demand = np.flatnonzero(x)
    lead = int(demand[0]) if demand.size else 0
    if lead:  # months before the first non-zero value (before a launch) are not history
        x, full = x[lead:], full[lead:]
        filled = [m for m in filled if pd.Period(m, "M") >= full[0]]
    # under a year no log model: its relative trend and log-normal mean blow up the first
    # months' ramp of a short export (a near-empty first month made a 7-month deals
    # history's bookings forecast 1,1 billion €)
    log = len(x) >= MIN_TREND_MONTHS and use_logs(x, period)
    z = np.log(x) if log else x
    season, sa = None, z
    if len(x) >= MIN_SEASONAL_MONTHS and fm.is_seasonal(x, period):
        season = fm.stl_season(z, period)
        sa = z - season
    sa, n_out = _replace_outliers(sa)
    return PreparedSeries(
        values=x,
        adjusted=sa,
        months=full,
        season=season,
        log=log,
        filled_months=filled,
        n_outliers=n_out,
        nonnegative=bool(np.min(x) >= 0),
        leading_zeros=lead,
    )


def regression_effect(
    prep: PreparedSeries, exog: pd.DataFrame, future_exog: pd.DataFrame
) -> tuple[PreparedSeries, np.ndarray]:
    """Estimate regressor effects by OLS and take them out of the series.

    The regression has a constant, a linear trend, and the regressors. Their
    estimated effect is removed from the history (the candidates then see the
    series as if no campaign or price change had happened) and returned for the
    future months, to be added back to the forecast.

    Args:
        prep: the prepared series.
        exog: regressors on the history's months (rows in the history's order or
            indexed by dates/months).
        future_exog: the same columns for the future months.

    Returns:
        ``(prepared series without the regressor effect, effect per future month)``;
        the effect is on the modelling scale (logs for a log-modelled series,
        i.e. a relative effect; else the series unit).

    Raises:
        ValueError: the regressors do not cover the history.
    """
    ex = pd.DataFrame(exog).copy()
    if isinstance(ex.index, pd.DatetimeIndex | pd.PeriodIndex):
        months = ex.index.to_period("M") if isinstance(ex.index, pd.DatetimeIndex) else ex.index
        ex.index = months
        ex = ex.reindex(prep.months).fillna(0.0)
    elif len(ex) != len(prep.values):
        raise ValueError("exog must have one row per history month")
    xmat = ex.to_numpy(dtype=float)
    fut = pd.DataFrame(future_exog)[list(ex.columns)].to_numpy(dtype=float)
    t = np.arange(len(prep.values), dtype=float)
    design = np.column_stack([np.ones_like(t), t, xmat])
    z = np.log(prep.values) if prep.log else prep.values
    target = z if prep.season is None else z - prep.season
    beta = sm.OLS(target, design).fit().params[2:]
    effect_hist = xmat @ beta
    effect_future = fut @ beta
    z_clean = z - effect_hist
    values = np.exp(z_clean) if prep.log else z_clean
    adjusted, n_out = _replace_outliers(target - effect_hist)
    prepared = replace(prep, values=values, adjusted=adjusted, n_outliers=n_out)
    return prepared, effect_future
