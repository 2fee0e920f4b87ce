"""Pipeline forecast: open deals weighted by stage win probability, placed in close months.

Method (documented because the canonical deals table keeps only a deal's *final*
stage, so stage-to-stage history must be reconstructed):

1. **Win probability per stage**, by channel and segment, from closed deals:
   - ``qualified`` (every deal starts there): won ÷ closed deals;
   - ``demo``: won ÷ closed among deals whose lead has a ``demo_date``;
   - ``proposal`` and ``negotiation`` are never recorded for closed deals. Their
     probability continues the observed step from qualified to demo: each later
     stage removes the same share of the remaining loss risk
     (``1 - p_next = (1 - p_demo) * (1 - p_demo) / (1 - p_qualified)``).
   Channel × segment rates are shrunk towards the overall rate of the stage with
   ``PRIOR_DEALS`` pseudo-deals (beta-binomial), so small groups stay stable.
2. **Close month with slippage**: closed deals keep no history of their expected
   close dates, so slippage is read from cycle lengths: an open deal closes at
   ``created + cycle`` with ``cycle`` drawn from the won deals' cycle lengths
   (close − created) that are at least the deal's current age. The CRM's expected
   close month is used only when no historical cycle is that long. (Flooring the
   cycle at the expected close as well was tried: on the sample company's first
   half of 2026 it moved January's wins into February; the age-only rule matched
   the actual timing.)
3. **Blend with the statistical forecast**: deals created after the forecast origin
   also close in the coming months. The share of future wins that are already in
   the pipeline is ``coverage_k`` = share of historical won deals whose cycle was
   longer than ``k`` months; the blend is ``pipeline_k + (1 - coverage_k) ×
   statistical_k``.

4. **New customers only** (``new_customers_only``, for ``--metric new_customers``): a
   customer is new with its first won deal
   (:func:`~planning_lib.metrics.transactional.first_won_deals`), so an open deal of a
   customer who already has a won deal closed on or before the origin is an expected
   repeat purchase (or upsell), not a new customer, and is left out; open deals without
   a customer id are prospects and count. The cycle lengths (close months, step 2) and
   the coverage (step 3) then come from the first won deals alone (the new customers'
   cycles: a repeat purchase's shorter or longer cycle is not how long it takes to win a
   customer); win probabilities still come from all closed deals. The value pipelines
   (``new_mrr``) keep every open deal and every won deal's cycle.

Units: counts of deals and EUR (MRR or first-year value) per month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planning_lib.metrics.deals import stage_win_probabilities
from planning_lib.metrics.transactional import customer_key, first_won_deals

__all__ = [
    "blend_pipeline",
    "close_month_distribution",
    "close_month_distributions",
    "pipeline_coverage",
    "pipeline_forecast",
    "repeat_open_deals",
]

OPEN_STAGES = ("qualified", "demo", "proposal", "negotiation")
_DAYS_PER_MONTH = 30.4375


def _won_cycles_days(deals: pd.DataFrame) -> np.ndarray:
    won = deals[deals["stage"] == "won"]
    cyc = (pd.to_datetime(won["close_date"]) - pd.to_datetime(won["created_date"])).dt.days
    return np.sort(cyc.dropna().to_numpy(dtype=float))


def close_month_distribution(
    created: pd.Timestamp,
    expected_close: pd.Timestamp,
    as_of: pd.Timestamp,
    cycles_days: np.ndarray,
    months: pd.PeriodIndex,
) -> np.ndarray:
    """Probability of the deal closing in each of ``months`` (sums to <= 1).

    The close date is ``created + cycle`` with ``cycle`` drawn from the historical
    won cycles at least as long as the deal's age at ``as_of``. Without such cycles
    all mass goes to the later of the expected close month and the first forecast
    month. Closes dated before the first forecast month count for that month.

    Args:
        created: deal creation date.
        expected_close: CRM expected close date (fallback only).
        as_of: forecast origin (the history's last day).
        cycles_days: sorted historical won cycle lengths in days.
        months: the forecast months.

    Returns:
        One probability per month; mass beyond the last month is dropped.
    """
    floor = max((as_of - created).days, 0)
    later = cycles_days[cycles_days >= floor]
    out = np.zeros(len(months))
    if later.size == 0:
        month = max(expected_close.to_period("M"), months[0])
        if month in months:
            out[months.get_loc(month)] = 1.0
        return out
    closes = (created + pd.to_timedelta(later, unit="D")).to_period("M")
    counts = pd.Series(closes).value_counts()
    for month, c in counts.items():
        m = max(month, months[0])
        if m in months:
            out[months.get_loc(m)] += c / later.size
    return out


def close_month_distributions(
    created: pd.Series | np.ndarray,
    expected_close: pd.Series | np.ndarray,
    as_of: pd.Timestamp,
    cycles_days: np.ndarray,
    months: pd.PeriodIndex,
) -> np.ndarray:
    """:func:`close_month_distribution` for many deals at once, in O(deals x months x log cycles).

    The rule per deal is the same; instead of building every candidate close date,
    the sorted cycles are cut at the deal's age and at the forecast month
    boundaries (``searchsorted``), so a month's probability is the number of
    cycles falling into it divided by the number of cycles at least as long as the
    deal's age. The first month's share adds the closes dated before it to its own
    (``before / n + own / n``, as the per-deal function adds them), so the figures
    equal it bit for bit when dates have no time of day (canonical tables); with
    a time of day, closes before the first month can fall into two months and the
    sum may differ in the last bit.

    Args:
        created: creation dates, one per deal.
        expected_close: CRM expected close dates (fallback only), one per deal.
        as_of: forecast origin (the history's last day).
        cycles_days: sorted historical won cycle lengths in days.
        months: the forecast months.

    Returns:
        Array ``(deals, months)``; row ``i`` is the distribution of deal ``i``.
    """
    created_ns = pd.to_datetime(pd.Series(created)).to_numpy("datetime64[ns]").astype(np.int64)
    close_m = pd.DatetimeIndex(pd.to_datetime(pd.Series(expected_close))).to_period("M")
    n_months = len(months)
    out = np.zeros((len(created_ns), n_months))
    if not len(created_ns):
        return out
    day = np.int64(86_400 * 10**9)
    as_of_ns = np.int64(pd.Timestamp(as_of).as_unit("ns").value)
    # age in whole days, floored like Timedelta.days, at least 0
    floor_ns = np.maximum(np.floor_divide(as_of_ns - created_ns, day), 0) * day
    cycles_ns = np.round(np.asarray(cycles_days, dtype=float) * day).astype(np.int64)
    edges = pd.period_range(months[0], periods=n_months + 1, freq="M").to_timestamp()
    edges_ns = edges.as_unit("ns").asi8
    first = np.searchsorted(cycles_ns, floor_ns, side="left")
    later = len(cycles_ns) - first
    # cycles ending before each month boundary, never counting the ones shorter than the age
    bound = np.maximum(edges_ns[None, :] - created_ns[:, None], floor_ns[:, None])
    below = np.searchsorted(cycles_ns, bound.ravel(), side="left").reshape(bound.shape)
    counts = np.diff(below, axis=1)
    before = below[:, 0] - first
    has = later > 0
    n = later[has].astype(float)[:, None]
    dist = counts[has] / n
    dist[:, 0] = before[has] / n[:, 0] + counts[has, 0] / n[:, 0]
    out[has] = dist
    # no historical cycle that long: the later of the expected close month and the first month
    fallback = np.flatnonzero(~has)
    if fallback.size:
        pos = (close_m[fallback] - months[0]).map(lambda off: off.n).to_numpy()
        pos = np.maximum(pos, 0)
        inside = pos < n_months
        out[fallback[inside], pos[inside]] = 1.0
    return out


def repeat_open_deals(deals: pd.DataFrame, as_of: str | pd.Timestamp) -> pd.Series:
    """Which deals are open deals of a customer who already has a won deal.

    The customer (``customer_id``, stripped) has a first won deal
    (:func:`~planning_lib.metrics.transactional.first_won_deals`, credit notes aside)
    closed on or before ``as_of``: its open deal is an expected repeat purchase (or
    upsell), no new customer. An open deal without a customer id is a prospect (False).

    Returns:
        Boolean Series on ``deals.index``; False for closed deals.
    """
    is_open = deals["stage"].isin(OPEN_STAGES)
    if "customer_id" not in deals.columns:
        return pd.Series(False, index=deals.index)
    first = first_won_deals(deals)
    close = pd.to_datetime(first["close_date"], errors="coerce")
    won_by = set(customer_key(first[close <= pd.Timestamp(as_of)]))
    cid = deals["customer_id"].fillna("").astype(str).str.strip()
    return is_open & (cid != "") & cid.isin(won_by)


def _one_per_customer(open_deals: pd.DataFrame, weighted: np.ndarray) -> np.ndarray:
    """The weighted wins per deal and month, with a customer's several open deals
    counted as one expected new customer: it becomes new in the month of its first win.

    With the deals winning independently (deal ``i`` wins in month ``m`` with
    ``w_i[m]``), the customer has not won by the end of month ``m`` with
    ``S[m] = prod_i (1 - sum_{k<=m} w_i[k])``, and becomes new in month ``m`` with
    ``S[m-1] - S[m]`` (``S[0-1] = 1``), put on its first open deal's row (the others
    zero). Deals without a customer id and customers with one open deal keep their row.
    """
    if "customer_id" not in open_deals.columns or not len(open_deals):
        return weighted
    cid = open_deals["customer_id"].fillna("").astype(str).str.strip().to_numpy()
    named = cid != ""
    several = named & pd.Series(cid).duplicated(keep=False).to_numpy()
    if not several.any():
        return weighted
    out = weighted.copy()
    idx = np.flatnonzero(several)
    for rows in pd.Series(idx).groupby(cid[idx], sort=True).indices.values():
        pos = idx[rows]
        survive = np.prod(1.0 - np.cumsum(weighted[pos], axis=1), axis=0)
        out[pos] = 0.0
        out[pos[0]] = -np.diff(np.concatenate([[1.0], survive]))
    return out


def pipeline_forecast(
    deals: pd.DataFrame,
    leads: pd.DataFrame | None,
    as_of: str | pd.Timestamp,
    horizon: int = 6,
    value_col: str = "mrr_eur",
    new_customers_only: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Expected wins per month from the open pipeline.

    Args:
        deals: canonical deals, open and closed.
        leads: canonical leads (for the demo stage), or None.
        as_of: forecast origin; the forecast starts with the following month.
        horizon: months to forecast.
        value_col: deal value column (``mrr_eur`` or ``amount_eur``).
        new_customers_only: count only the open deals that would make a new customer
            (leave out :func:`repeat_open_deals`), and a customer's several open
            deals as one expected new customer (``expected_deals`` is then expected
            new customers; ``expected_value_eur`` stays the counted deals' value), their
            close months drawn from the cycles of the first won deals.

    Returns:
        ``(monthly, per_deal)``: ``monthly`` has ``month``, ``expected_deals``
        (count), ``expected_value_eur`` and ``open_deals`` (count of the open deals
        counted, all months); ``monthly.attrs["repeat_open_deals"]`` is the count
        left out as repeat purchases (0 unless ``new_customers_only``);
        ``per_deal`` lists each counted open deal with ``win_probability`` and
        ``expected_value_eur``.
    """
    as_of = pd.Timestamp(as_of)
    months = pd.period_range(as_of.to_period("M") + 1, periods=horizon, freq="M")
    probs = stage_win_probabilities(deals, leads)
    keep = deals["stage"].isin(OPEN_STAGES)
    left_out = 0
    if new_customers_only:
        repeat = repeat_open_deals(deals, as_of)
        left_out = int(repeat.sum())
        keep &= ~repeat
    open_deals = deals[keep].copy()
    open_deals = open_deals.merge(
        probs[["channel", "segment", "stage", "win_probability"]],
        on=["channel", "segment", "stage"],
        how="left",
    )
    overall = probs.groupby("stage")["win_probability"].mean()
    open_deals["win_probability"] = open_deals["win_probability"].fillna(
        open_deals["stage"].map(overall)
    )
    cycles = _won_cycles_days(first_won_deals(deals) if new_customers_only else deals)
    dist = close_month_distributions(
        open_deals["created_date"], open_deals["close_date"], as_of, cycles, months
    )
    weighted = open_deals["win_probability"].to_numpy(dtype=float)[:, None] * dist
    deal_value = open_deals[value_col].to_numpy(dtype=float)[:, None]
    counted = _one_per_customer(open_deals, weighted) if new_customers_only else weighted
    # cumulative sums add deal after deal, in table order, like a loop would
    n_deals, value = np.zeros(horizon), np.zeros(horizon)
    if len(open_deals):
        n_deals = np.cumsum(np.vstack([n_deals, counted]), axis=0)[-1]
        value = np.cumsum(np.vstack([value, weighted * deal_value]), axis=0)[-1]
    monthly = pd.DataFrame(
        {
            "month": months.to_timestamp(),
            "expected_deals": n_deals,
            "expected_value_eur": value,
            "open_deals": len(open_deals),
        }
    )
    monthly.attrs["repeat_open_deals"] = left_out
    per_deal = open_deals[
        ["deal_id", "stage", "channel", "segment", "close_date", value_col, "win_probability"]
    ].copy()
    per_deal["expected_value_eur"] = per_deal[value_col] * per_deal["win_probability"]
    return monthly, per_deal.sort_values("expected_value_eur", ascending=False, kind="stable")


def pipeline_coverage(
    deals: pd.DataFrame, horizon: int, new_customers_only: bool = False
) -> np.ndarray:
    """Share of future wins in month k (1..horizon) already open at the origin.

    A deal won in forecast month ``k`` was open at the origin if its cycle was
    longer than about ``k - 0.5`` months; the share is read from won deals' cycles
    (``new_customers_only``: the first won deals',
    :func:`~planning_lib.metrics.transactional.first_won_deals`, as the new-customer
    pipeline's close months).
    """
    won = first_won_deals(deals) if new_customers_only else deals
    cycles_m = _won_cycles_days(won) / _DAYS_PER_MONTH
    if cycles_m.size == 0:
        return np.zeros(horizon)
    return np.array([float(np.mean(cycles_m > k - 0.5)) for k in range(1, horizon + 1)])


def blend_pipeline(
    statistical: np.ndarray, pipeline: np.ndarray, coverage: np.ndarray
) -> np.ndarray:
    """Near-month blend: pipeline wins plus the statistical share not yet in the pipeline.

    Args:
        statistical: statistical forecast per month (same unit as ``pipeline``).
        pipeline: expected wins from the open pipeline per month.
        coverage: share of each month's wins already in the pipeline (0..1).

    Returns:
        ``pipeline + (1 - coverage) * statistical`` per month.
    """
    s, p, c = (np.asarray(a, dtype=float) for a in (statistical, pipeline, coverage))
    return p + (1 - np.clip(c, 0, 1)) * s
