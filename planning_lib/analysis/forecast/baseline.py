"""The "no change" baseline: new customers of the plan year if nothing changes.

The seed's "Ohne Änderungen würden wir im nächsten Jahr ca. 350 Neukunden
erwarten": the monthly new-customer counts of the history are forecast with
:func:`planning_lib.analysis.forecast.api.auto_forecast` for the plan year, and the annual sum's
spread comes from simulated paths of an ETS model of the seasonally adjusted
counts (statsmodels ``ETSModel.simulate``): their correlation over the months is
kept, each month's spread is set to that of the forecast's 80 % interval, and the
sum is centred on the forecast's sum (the ``point="mean"`` forecast: for a
log-modelled series the median times Duan's smearing factor, so the draws' mean is
that corrected mean; only the clip of negative sums at zero can lift it). The
plan engine reads P90 and P99: a target beyond P90 is ambitious, beyond P99
unrealistic.

Units: customers (counts) per month and per plan year.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from planning_lib.analysis.forecast.api import auto_forecast
from planning_lib.analysis.forecast.prep import prepare_series
from planning_lib.metrics.transactional import first_won_deals
from planning_lib.metrics.window import (
    ExportStart,
    PartialMonth,
    WarmUp,
    drop_partial_first_month,
    export_start,
    warm_up,
)

__all__ = [
    "NoChangeBaseline",
    "monthly_bookings",
    "monthly_new_customers",
    "no_change_bookings",
    "no_change_new_customers",
]

_Z90 = 1.2815515655446004


@dataclass(frozen=True)
class NoChangeBaseline:
    """Annual new customers without changes, with its spread.

    Attributes:
        expected: sum of the monthly forecasts (customers per plan year).
        p10, p50, p90, p99: percentiles of the simulated annual sum (customers).
        last_year: new customers in the 12 months before ``plan_start`` (count).
        monthly: the monthly forecast (``auto_forecast`` output).
        source: ``"deals"`` (won deals by close month) or ``"subscriptions"``
            (first start per customer); ``"bookings"`` for :func:`no_change_bookings`
            (then every figure is EUR, ``last_year`` rounded to whole euros).
        partial: the history's first month, left out as partial in the export
            (:func:`planning_lib.metrics.window.partial_first_month`), or None.
        warm_up: the export's first months, left out of new customers as partly
            customers from before it (:func:`planning_lib.metrics.window.warm_up`), or None.
    """

    expected: float
    p10: float
    p50: float
    p90: float
    p99: float
    last_year: int
    monthly: pd.DataFrame
    source: str
    partial: PartialMonth | None = None
    warm_up: WarmUp | None = None

    def as_dict(self) -> dict[str, float]:
        """The figures as a flat dict (for tables and JSON)."""
        keys = ("expected", "p10", "p50", "p90", "p99", "last_year")
        return {k: float(getattr(self, k)) for k in keys}


def monthly_new_customers(
    table: pd.DataFrame, plan_start: str | pd.Timestamp, whole: pd.DataFrame | None = None
) -> pd.Series:
    """New customers per month before ``plan_start``.

    Args:
        table: canonical deals (each customer's first won deal, by ``close_date``;
            see :func:`~planning_lib.metrics.transactional.first_won_deals`) or
            canonical subscriptions (each customer's first ``start_date``).
        plan_start: first day of the plan; later months are ignored.
        whole: the whole deals export ``table`` comes from (default: ``table``; pass it
            when ``table`` is a part of it): where it begins and its repeat purchases.
            Not used for subscriptions, which hold every contract.

    Returns:
        Counts per month (PeriodIndex), zero-filled between the first and last month,
        without a first month that is partial in the export and without the export's
        warm-up (:func:`~planning_lib.metrics.window.warm_up`: months whose "new"
        customers are partly customers from before the export), each named in
        ``attrs`` (``"partial_first_month"``, a
        :class:`~planning_lib.metrics.window.PartialMonth`, and ``"warm_up"``, a
        :class:`~planning_lib.metrics.window.WarmUp`, or None).

    Raises:
        KeyError: neither a deals nor a subscriptions table.
    """
    end = pd.Timestamp(plan_start).to_period("M") - 1
    by_close = "stage" in table.columns and "close_date" in table.columns
    if by_close:
        # a customer is new with its first won deal; its later ones are repeat purchases
        dates = pd.to_datetime(first_won_deals(table)["close_date"])
    elif {"customer_id", "start_date"} <= set(table.columns):
        dates = pd.to_datetime(table.groupby("customer_id")["start_date"].min())
    else:
        raise KeyError("need deals (stage, close_date) or subscriptions (customer_id, start_date)")
    months = dates.dt.to_period("M")
    counts = months[months <= end].value_counts().sort_index()
    if counts.empty:
        raise ValueError("no new customers before plan_start")
    full = pd.period_range(counts.index[0], end, freq="M")
    y = counts.reindex(full, fill_value=0).astype(float)
    if not by_close:  # subscriptions hold every contract: their first months are not cut
        return _without_partial(y, None)
    whole = table if whole is None else whole
    y = _without_partial(y, export_start(whole))
    warm = warm_up(whole, y)
    if warm is not None:
        partial = y.attrs["partial_first_month"]
        y = y[y.index > warm.last].copy()
        y.attrs["partial_first_month"] = partial
    y.attrs["warm_up"] = warm
    return y


def _without_partial(y: pd.Series, start: ExportStart | None) -> pd.Series:
    """``y`` without a first month partial in the export, named in ``attrs``."""
    kept, part = drop_partial_first_month(y, start)
    kept = kept.copy()
    kept.attrs["partial_first_month"] = part
    return kept


def _paths(y: pd.Series, months: int, draws: int, seed: int) -> np.ndarray:
    """Simulated future paths (months x draws) of an ETS model of the adjusted counts."""
    prep = prepare_series(y, 12, fill="zero")
    sa = prep.to_scale(prep.adjusted)
    unit = float(np.mean(np.abs(sa))) or 1.0
    best = None
    for trend, damped in ((None, False), ("add", True)):
        if trend and len(sa) < 8:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = ETSModel(pd.Series(sa / unit), error="add", trend=trend, damped_trend=damped).fit(
                disp=False
            )
        if best is None or res.aicc < best.aicc:
            best = res
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sims = best.simulate(
            months, repetitions=draws, anchor="end", rng=np.random.default_rng(seed)
        )
    return np.asarray(sims, dtype=float).reshape(months, draws) * unit


def no_change_new_customers(
    table: pd.DataFrame,
    plan_start: str | pd.Timestamp,
    months: int = 12,
    draws: int = 4000,
    seed: int = 42,
    whole: pd.DataFrame | None = None,
) -> NoChangeBaseline:
    """New customers of the plan year if the history simply continues.

    Args:
        table: canonical deals or subscriptions (see :func:`monthly_new_customers`).
        plan_start: first day of the plan year.
        months: plan months summed (12 for a year).
        draws: simulated paths for the percentiles.
        seed: random seed of the simulation (same seed, same numbers).
        whole: the whole deals export (see :func:`monthly_new_customers`).

    Returns:
        The :class:`NoChangeBaseline`.
    """
    y = monthly_new_customers(table, plan_start, whole)
    source = "deals" if "stage" in table.columns else "subscriptions"
    return _no_change(y, months, draws, seed, source)


# Under a year of history no forecasting model is fitted for the no-change baseline:
# nothing could check it (no backtest), and how the export began weighs too much. A
# 7-month deals export whose first month held 4 % of a usual month's bookings (deals
# created from then on had not closed yet) gave a log-scale model a 45-fold rise and a
# "no change" revenue of 1,6 billion € against 1,1 million € of history.
MIN_MODEL_MONTHS = 12


def _no_change(y: pd.Series, months: int, draws: int, seed: int, source: str) -> NoChangeBaseline:
    """The no-change forecast of the monthly series ``y`` summed over ``months``."""
    left_out = {"partial": y.attrs.get("partial_first_month"), "warm_up": y.attrs.get("warm_up")}
    if len(y) < MIN_MODEL_MONTHS:
        return replace(_run_rate(y, months, draws, seed, source), **left_out)
    fc = auto_forecast(y, months, fill="zero", point="mean")
    expected = float(fc["mean"].sum())
    paths = _paths(y, months, draws, seed)
    # keep the simulated paths' correlation over the months, but give each month the
    # spread of the published monthly interval (the 80 % band as a normal sd)
    sd_target = (fc["hi_80"] - fc["lo_80"]).to_numpy() / (2 * _Z90)
    dev = paths - paths.mean(axis=1, keepdims=True)
    sd_sim = dev.std(axis=1, keepdims=True)
    dev = dev * np.where(sd_sim > 0, sd_target[:, None] / np.maximum(sd_sim, 1e-12), 0.0)
    sums = np.maximum(expected + dev.sum(axis=0), 0.0)
    p10, p50, p90, p99 = np.percentile(sums, [10, 50, 90, 99])
    return NoChangeBaseline(
        expected=expected,
        p10=float(p10),
        p50=float(p50),
        p90=float(p90),
        p99=float(p99),
        last_year=round(float(y.iloc[-12:].sum())),
        monthly=fc,
        source=source,
        **left_out,
    )


def _run_rate(y: pd.Series, months: int, draws: int, seed: int, source: str) -> NoChangeBaseline:
    """The no-change baseline of a history shorter than :data:`MIN_MODEL_MONTHS`: its
    average month continued (``expected`` = mean × ``months``), the spread from the
    history's own months drawn at random (``draws`` sums of ``months`` months drawn with
    replacement, floored at zero: the percentiles); ``monthly`` holds the average month
    with the 10-90 % and 2,5-97,5 % range of single months as its bands."""
    values = y.to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    # a year is not below zero, as the model's simulated years are not (credit notes)
    sums = np.maximum(values[rng.integers(0, len(values), size=(draws, months))].sum(axis=1), 0.0)
    p10, p50, p90, p99 = np.percentile(sums, [10, 50, 90, 99])
    mean = float(values.mean())
    start = y.index[-1] + 1
    index = pd.period_range(start, periods=months, freq="M").to_timestamp()
    lo80, hi80, lo95, hi95 = np.percentile(values, [10, 90, 2.5, 97.5])
    monthly = pd.DataFrame(
        {"mean": mean, "lo_80": lo80, "hi_80": hi80, "lo_95": lo95, "hi_95": hi95},
        index=pd.Index(index, name="month"),
    )
    monthly["model"] = "RunRate"
    return NoChangeBaseline(
        expected=mean * months,
        p10=float(p10),
        p50=float(p50),
        p90=float(p90),
        p99=float(p99),
        last_year=round(float(values[-12:].sum())),
        monthly=monthly,
        source=source,
    )


def monthly_bookings(deals: pd.DataFrame, plan_start: str | pd.Timestamp) -> pd.Series:
    """Bookings (EUR) per close month before ``plan_start``: the won deals' ``amount_eur``
    summed by close month (credit notes with their negative amounts), the series
    ``planning forecast --metric bookings`` forecasts for the company total.

    Returns:
        EUR per month (PeriodIndex), zero-filled between the first and last month,
        without a first month partial in the export (as :func:`monthly_new_customers`).

    Raises:
        ValueError: no won deal before ``plan_start``.
    """
    end = pd.Timestamp(plan_start).to_period("M") - 1
    won = deals[deals["stage"] == "won"]
    months = pd.to_datetime(won["close_date"]).dt.to_period("M")
    amounts = won["amount_eur"].astype(float)
    keep = months <= end
    sums = amounts[keep].groupby(months[keep]).sum().sort_index()
    if sums.empty:
        raise ValueError("no won deals before plan_start")
    full = pd.period_range(sums.index[0], end, freq="M")
    return _without_partial(sums.reindex(full, fill_value=0.0).astype(float), export_start(deals))


def no_change_bookings(
    deals: pd.DataFrame,
    plan_start: str | pd.Timestamp,
    months: int = 12,
    draws: int = 4000,
    seed: int = 42,
) -> NoChangeBaseline:
    """Bookings (EUR) of the plan year if the history simply continues: the forecast of
    :func:`monthly_bookings` summed over ``months``, spread as for new customers (source
    ``"bookings"``; the arguments as in :func:`no_change_new_customers`)."""
    return _no_change(monthly_bookings(deals, plan_start), months, draws, seed, "bookings")
