"""Funnel history (phase 1): leads per channel, cohort conversion, win rate, deal size, cycle.

Conversion is measured on *lead cohorts*: the cohort of a transition MQL→SQL is the
month a lead became MQL; the lead counts as converted if it ever reached SQL up to the
as-of month, whenever that happened. So a lead's later stages count for its cohort,
not for the calendar month they happened in. A cohort is *mature* once the
``maturity_quantile`` (default 90 %) of the observed stage lag has passed after the
cohort month; rates over immature cohorts would be biased low, so they are flagged
and left out of :func:`funnel_conversion`.

Win rate, deal size and sales cycle come from closed deals (won or lost) dated by
``close_date``; the sales cycle is ``close_date - created_date`` of won deals in days
(quantiles interpolated linearly). Deal size and cycle leave credit notes out
(:func:`won_deals`). The KPI catalogue (:mod:`planning_lib.metrics.measures`) uses the same
definitions, the same :func:`won_deals` and the same cohort rule for the conversions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from planning_lib.metrics.common import month_of, require_columns, resolve_as_of
from planning_lib.metrics.deals import stage_cohort, won_deals

__all__ = [
    "ALL",
    "TRANSITIONS",
    "deal_metrics",
    "funnel_cohorts",
    "funnel_conversion",
    "leads_by_month",
    "open_pipeline_from_history",
    "open_pipeline_overrides",
    "stage_lags",
]

ALL = "all"
"""Label of the total row in tables split by a dimension."""

TRANSITIONS: tuple[tuple[str, str, str], ...] = (
    ("mql_to_sql", "mql_date", "sql_date"),
    ("sql_to_demo", "sql_date", "demo_date"),
    ("demo_to_won", "demo_date", "won_date"),
    ("lead_to_won", "created_date", "won_date"),
)
"""(name, date column of the cohort stage, date column of the next stage)."""

_STAGE_DATES = ("created_date", "mql_date", "sql_date", "demo_date", "won_date")
_DAYS_PER_MONTH = 365.25 / 12


def _as_of_leads(leads: pd.DataFrame, as_of: pd.Period) -> pd.DataFrame:
    """Leads created up to ``as_of`` with stage dates after ``as_of`` blanked out."""
    require_columns(leads, ["lead_id", "channel", *_STAGE_DATES], "leads")
    out = leads.copy()
    for col in _STAGE_DATES:
        out[col] = pd.to_datetime(out[col], errors="coerce")
    cutoff = as_of.end_time
    for col in _STAGE_DATES[1:]:
        out.loc[out[col] > cutoff, col] = pd.NaT
    return out[out["created_date"] <= cutoff]


def leads_by_month(
    leads: pd.DataFrame, as_of: pd.Period | str | None = None, by: str = "channel"
) -> pd.DataFrame:
    """Leads and stage entries per calendar month and ``by`` value (counts).

    Args:
        leads: canonical ``leads`` table.
        as_of: last month of history (default: latest ``created_date``).
        by: dimension column (default ``channel``).

    Returns:
        Columns ``month`` (``YYYY-MM``), ``by``, ``leads`` (created), ``mql``, ``sql``,
        ``demo``, ``won`` (leads reaching that stage in the month), sorted by month and
        ``by``.

    Raises:
        MissingColumnsError: a required column is missing.
    """
    as_of_m = resolve_as_of(as_of, leads["created_date"])
    lf = _as_of_leads(leads, as_of_m)
    parts = []
    for name, col in zip(("leads", "mql", "sql", "demo", "won"), _STAGE_DATES, strict=True):
        m = month_of(lf[col])
        counts = lf.assign(month=m)[m.notna()].groupby(["month", by]).size().rename(name)
        parts.append(counts)
    out = pd.concat(parts, axis=1).fillna(0).astype(int).reset_index()
    out = out[out["month"] <= as_of_m].sort_values(["month", by])
    out["month"] = out["month"].astype(str)
    return out.reset_index(drop=True)


def stage_lags(
    leads: pd.DataFrame, as_of: pd.Period | str | None = None, maturity_quantile: float = 0.9
) -> pd.DataFrame:
    """Observed lag of each funnel transition and the months until a cohort is mature.

    Args:
        leads: canonical ``leads`` table.
        as_of: last month of history.
        maturity_quantile: share (0..1) of conversions that must have had time to happen.

    Returns:
        Columns ``transition``, ``converted`` (count), ``lag_median_days``,
        ``lag_p80_days``, ``lag_quantile_days`` (at ``maturity_quantile``) and
        ``maturity_months`` = ceil(lag_quantile_days / 30.44) (0 without conversions).
    """
    as_of_m = resolve_as_of(as_of, leads["created_date"])
    lf = _as_of_leads(leads, as_of_m)
    rows = []
    for name, start, end in TRANSITIONS:
        lag = (lf[end] - lf[start]).dt.days.dropna()
        q = float(lag.quantile(maturity_quantile)) if len(lag) else 0.0
        rows.append(
            {
                "transition": name,
                "converted": len(lag),
                "lag_median_days": float(lag.median()) if len(lag) else np.nan,
                "lag_p80_days": float(lag.quantile(0.8)) if len(lag) else np.nan,
                "lag_quantile_days": q,
                "maturity_months": math.ceil(max(q, 0.0) / _DAYS_PER_MONTH),
            }
        )
    return pd.DataFrame(rows)


def funnel_cohorts(
    leads: pd.DataFrame,
    as_of: pd.Period | str | None = None,
    by: Sequence[str] = ("channel",),
    maturity_quantile: float = 0.9,
) -> pd.DataFrame:
    """Conversion of each stage per monthly lead cohort.

    Args:
        leads: canonical ``leads`` table.
        as_of: last month of history (default: latest ``created_date``).
        by: dimension columns to split by (e.g. ``("channel",)`` or
            ``("channel", "segment")``).
        maturity_quantile: see :func:`stage_lags`.

    Returns:
        Columns ``transition``, ``cohort`` (``YYYY-MM``), the ``by`` columns,
        ``entered`` (leads entering the cohort stage that month), ``converted`` (of
        those, leads that reached the next stage by the as-of month), ``conversion_rate``
        (share 0..1) and ``mature`` (bool). Sorted by transition order, cohort, ``by``.

    Raises:
        MissingColumnsError: a required column is missing.
    """
    by = list(by)
    require_columns(leads, by, "leads")
    as_of_m = resolve_as_of(as_of, leads["created_date"])
    lf = _as_of_leads(leads, as_of_m)
    lags = stage_lags(leads, as_of_m, maturity_quantile).set_index("transition")
    frames = []
    for order, (name, start, end) in enumerate(TRANSITIONS):
        entered = stage_cohort(lf, start, end, as_of_m.end_time)
        cohort = month_of(entered[start])
        g = entered.assign(cohort=cohort, hit=entered["converted"]).groupby(["cohort", *by])
        agg = g.agg(entered=("hit", "size"), converted=("hit", "sum")).reset_index()
        agg.insert(0, "transition", name)
        agg["_order"] = order
        # Month ordinals as plain integers: on a stage no lead reached (an empty cohort
        # table) ``Series.map`` keeps the Period dtype and ``int - PeriodArray`` fails.
        cohort_months = np.fromiter((p.ordinal for p in agg["cohort"]), np.int64, len(agg))
        months_after = as_of_m.ordinal - cohort_months
        agg["mature"] = months_after >= int(lags.loc[name, "maturity_months"])
        frames.append(agg)
    out = pd.concat(frames, ignore_index=True)
    out["converted"] = out["converted"].astype(int)
    out["conversion_rate"] = out["converted"] / out["entered"]
    out = out.sort_values(["_order", "cohort", *by]).drop(columns="_order")
    out["cohort"] = out["cohort"].astype(str)
    cols = ["transition", "cohort", *by, "entered", "converted", "conversion_rate", "mature"]
    return out[cols].reset_index(drop=True)


def funnel_conversion(
    cohorts: pd.DataFrame,
    by: Sequence[str] = ("channel",),
    start: pd.Period | str | None = None,
    with_total: bool = True,
) -> pd.DataFrame:
    """Stage conversion per ``by`` group over mature cohorts.

    Args:
        cohorts: output of :func:`funnel_cohorts` with the same ``by``.
        by: dimension columns.
        start: first cohort month to include (e.g. the first month of the last year).
        with_total: add rows with ``"all"`` in every ``by`` column.

    Returns:
        Columns ``transition``, the ``by`` columns, ``entered``, ``converted``,
        ``conversion_rate`` (share 0..1 over mature cohorts), ``mature_cohorts``,
        ``immature_cohorts`` and ``entered_immature`` (leads in immature cohorts, left out).
        With ``with_total``, a transition no lead entered (e.g. no demo date anywhere)
        still has its total row: 0 entered, 0 converted, no rate (NaN), when some
        cohort lies in the window; without any cohort since ``start`` no rows.
    """
    by = list(by)
    c = cohorts
    if start is not None:
        c = c[c["cohort"] >= str(pd.Period(start, freq="M"))]
    frames = [c]
    if with_total and by:
        frames.append(c.assign(**dict.fromkeys(by, ALL)))
    c = pd.concat(frames, ignore_index=True)
    order = {name: i for i, (name, _, _) in enumerate(TRANSITIONS)}
    rows = []
    for key, g in c.groupby(["transition", *by], sort=False):
        m, im = g[g["mature"]], g[~g["mature"]]
        entered, converted = int(m["entered"].sum()), int(m["converted"].sum())
        key = key if isinstance(key, tuple) else (key,)
        keys = dict(zip(["transition", *by], key, strict=True))
        rows.append(
            {
                **keys,
                "entered": entered,
                "converted": converted,
                "conversion_rate": converted / entered if entered else np.nan,
                "mature_cohorts": int(m["cohort"].nunique()),
                "immature_cohorts": int(im["cohort"].nunique()),
                "entered_immature": int(im["entered"].sum()),
            }
        )
    if with_total and by and rows:
        # A stage no lead entered in the window keeps its total row (0 entered, no rate),
        # so every reader finds each transition; without any cohort since ``start`` the
        # table stays empty (no funnel to read, not a funnel of zeros).
        seen = {r["transition"] for r in rows}
        rows += [
            {
                "transition": name,
                **dict.fromkeys(by, ALL),
                "entered": 0,
                "converted": 0,
                "conversion_rate": np.nan,
                "mature_cohorts": 0,
                "immature_cohorts": 0,
                "entered_immature": 0,
            }
            for name in order
            if name not in seen
        ]
    columns = ["transition", *by, "entered", "converted", "conversion_rate"]
    columns += ["mature_cohorts", "immature_cohorts", "entered_immature"]
    out = pd.DataFrame(rows, columns=columns)  # no cohort since ``start``: no rows
    out["_o"] = out["transition"].map(order)
    out["_all"] = out[by].eq(ALL).any(axis=1) if by else False
    out = out.sort_values(["_o", "_all", *by]).drop(columns=["_o", "_all"])
    return out.reset_index(drop=True)


def deal_metrics(
    deals: pd.DataFrame,
    by: Sequence[str] = ("channel",),
    start: pd.Period | str | None = None,
    end: pd.Period | str | None = None,
    with_total: bool = True,
) -> pd.DataFrame:
    """Win rate, average deal size and sales-cycle length of deals closed in a window.

    Args:
        deals: canonical ``deals`` table.
        by: dimension columns (e.g. ``("channel",)``, ``("segment",)``).
        start: first close month included (default: all).
        end: last close month included (default: all).
        with_total: add a row with ``"all"`` in every ``by`` column.

    Returns:
        Columns the ``by`` columns, ``closed_deals``, ``won_deals``, ``lost_deals``,
        ``win_rate`` (won ÷ closed, share 0..1), ``avg_deal_size_eur`` (mean
        ``amount_eur`` of won deals, first-year value, EUR), ``avg_new_mrr_eur``
        (EUR/month), ``cycle_median_days`` and ``cycle_p80_days`` (won deals,
        created → close, days).

    Raises:
        MissingColumnsError: a required column is missing.
    """
    by = list(by)
    cols = ["stage", "created_date", "close_date", "amount_eur", "mrr_eur", *by]
    require_columns(deals, cols, "deals")
    d = deals[deals["stage"].isin(["won", "lost"])].copy()
    d["month"] = month_of(d["close_date"])
    if start is not None:
        d = d[d["month"] >= pd.Period(start, freq="M")]
    if end is not None:
        d = d[d["month"] <= pd.Period(end, freq="M")]
    d["cycle_days"] = (pd.to_datetime(d["close_date"]) - pd.to_datetime(d["created_date"])).dt.days
    d["won"] = d["stage"] == "won"
    for col in by:
        d[col] = d[col].astype(str)
    frames = [d]
    if with_total and by:
        frames.append(d.assign(**dict.fromkeys(by, ALL)))
    d = pd.concat(frames, ignore_index=True)
    rows = []
    for key, g in d.groupby(by, sort=True) if by else [((), d)]:
        won = won_deals(g)
        keys = dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True))
        rows.append(
            {
                **keys,
                "closed_deals": len(g),
                "won_deals": int(g["won"].sum()),
                "lost_deals": int((~g["won"]).sum()),
                "win_rate": float(g["won"].mean()) if len(g) else np.nan,
                "avg_deal_size_eur": float(won["amount_eur"].mean()) if len(won) else np.nan,
                "avg_new_mrr_eur": float(won["mrr_eur"].mean()) if len(won) else np.nan,
                "cycle_median_days": float(won["cycle_days"].median()) if len(won) else np.nan,
                "cycle_p80_days": float(won["cycle_days"].quantile(0.8)) if len(won) else np.nan,
            }
        )
    cols = [
        "closed_deals",
        "won_deals",
        "lost_deals",
        "win_rate",
        "avg_deal_size_eur",
        "avg_new_mrr_eur",
        "cycle_median_days",
        "cycle_p80_days",
    ]
    out = pd.DataFrame(rows, columns=[*by, *cols])
    if by:
        out["_all"] = out[by].eq(ALL).any(axis=1)
        out = out.sort_values(["_all", *by]).drop(columns="_all")
    return out.reset_index(drop=True)


def open_pipeline_from_history(
    leads: pd.DataFrame,
    plan_start: pd.Period | str,
    entry_stages: dict[str, str],
    months: int = 3,
) -> dict[str, dict[str, float]]:
    """The pipeline open at plan start per channel, as the plan model reads it.

    The driver model holds the months before plan start as monthly stage volumes
    (``channels.<ch>.open_pipeline``): the MQL, SQL and demos that entered their stage
    in a month before plan start and close in the first plan months. This takes the
    mean monthly stage entries of the ``months`` months before ``plan_start`` from the
    lead history (a stage the channel skips, MQL for a channel entering at SQL, is
    left out).

    Args:
        leads: canonical ``leads`` table (the region's rows for a region plan).
        plan_start: first plan month.
        entry_stages: channel → its entry stage (``mql`` or ``sql``).
        months: months before plan start to average (count).

    Returns:
        channel → {stage: count per month}; every channel of ``entry_stages`` (0 when
        the history has none of its leads).
    """
    start = pd.Period(plan_start, freq="M")
    last = start - 1
    counts = leads_by_month(leads, last, by="channel")
    window = {str(last - i) for i in range(months)}
    recent = counts[counts["month"].isin(window)]
    out: dict[str, dict[str, float]] = {}
    for channel, entry in entry_stages.items():
        rows = recent[recent["channel"] == channel]
        stages = ("mql", "sql", "demos") if entry == "mql" else ("sql", "demos")
        column = {"mql": "mql", "sql": "sql", "demos": "demo"}
        out[channel] = {st: float(rows[column[st]].sum()) / months for st in stages}
    return out


def open_pipeline_overrides(params: Any, leads: pd.DataFrame | None) -> dict[str, Any]:
    """Plan overrides that start every channel from the pipeline the history holds.

    Channels whose ``open_pipeline`` the config sets keep it (the config wins); without
    a lead history (None or empty) nothing changes, and the model assumes the steady
    state of the first month's planned volumes.

    Returns:
        ``{"channels.<ch>.open_pipeline": {stage: count per month}}`` for
        :func:`planning_lib.plan.model.run_plan`.
    """
    stages = {n: ch.entry_stage for n, ch in params.channels.items() if ch.open_pipeline is None}
    if not stages or leads is None or leads.empty:
        return {}
    pipe = open_pipeline_from_history(leads, params.company.plan_start, stages)
    return {f"channels.{n}.open_pipeline": v for n, v in pipe.items()}
