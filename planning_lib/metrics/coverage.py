"""Pipeline coverage, a measure of the KPI catalogue: open pipeline ÷ remaining target.

Same signature and output as the measures of :mod:`planning_lib.metrics.measures`; the
win probabilities of the weighted coverage are those of the pipeline forecast
(:func:`planning_lib.metrics.deals.stage_win_probabilities`).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from planning_lib.metrics.deals import stage_win_probabilities
from planning_lib.metrics.measures import (
    OUT_COLUMNS,
    KpiContext,
    Tables,
    _member,
    period_end,
    periods,
)

__all__ = ["pipeline_coverage"]


def _true_end(start: pd.Timestamp, grain: str) -> pd.Timestamp:
    """Last day of the period starting on ``start`` (not capped at as-of)."""
    return period_end(start, grain, dt.date.max)


def _stage_probabilities(t: Tables) -> pd.Series | None:
    """Win probability per (channel, segment, stage), with the overall stage rates under
    the key ("", "", stage); None without closed deals."""
    deals, leads = t["deals"], t.get("leads")
    try:
        grouped = stage_win_probabilities(deals, leads)
        overall = stage_win_probabilities(deals, leads, by=())
    except (ValueError, KeyError):
        return None
    grouped = grouped.set_index(["channel", "segment", "stage"])["win_probability"]
    overall = overall.assign(channel="", segment="")
    return pd.concat(
        [grouped, overall.set_index(["channel", "segment", "stage"])["win_probability"]]
    )


def _win_probability(deals: pd.DataFrame, stage: pd.Series, probs: pd.Series) -> np.ndarray:
    """Each deal's win probability at its ``stage`` (its group's, else the overall rate)."""
    keys = list(zip(deals["channel"].astype(str), deals["segment"].astype(str), stage, strict=True))
    overall = [("", "", st) for st in stage]
    own = probs.reindex(keys).to_numpy(float)
    fallback = probs.reindex(overall).to_numpy(float)
    return np.where(np.isnan(own), fallback, own)


def pipeline_coverage(
    t: Tables, ctx: KpiContext, grain: str, dim: str | None, weighted: bool = False
) -> pd.DataFrame:
    """Open pipeline ÷ the remaining target of the period (ratio; 3.0 = three times).

    The target is the plan's new first-year value (``ctx.target_eur``; total, or per
    channel for ``dim='channel'``; other dimensions have no target and no value). A
    period is looked at from the last point it was still open: a period that has ended
    by ``ctx.as_of`` from its eve (the day before it starts: the pipeline it started
    with against its whole target), the running period from ``ctx.as_of``, against
    the target still to win (target of the period − first-year value won in it so far).
    A deal is open on day d when it was created on or before d and is in an open stage
    or closed after d; the pipeline is its ``amount_eur`` (first-year value). With
    ``weighted`` each deal counts with its win probability at its stage
    (:func:`planning_lib.metrics.deals.stage_win_probabilities` by channel and segment,
    learned from the closed deals of the tables); a deal closed later was at ``demo``
    on d when its lead's demo date is on or before d, else at ``qualified``. No value
    when the remaining target is 0 or less (the target is reached). base = the
    remaining target (EUR).
    """
    targets = ctx.target_eur
    members = [""] if dim is None else ([m for m in targets if m] if dim == "channel" else [])
    if not targets or not members:
        return pd.DataFrame(columns=OUT_COLUMNS)
    deals = t["deals"]
    created = pd.to_datetime(deals["created_date"])
    closed = pd.to_datetime(deals["close_date"])
    is_open_stage = ~deals["stage"].isin(["won", "lost"])
    amount = pd.to_numeric(deals["amount_eur"], errors="coerce").fillna(0.0)
    member = _member(deals, dim)
    won = deals["stage"] == "won"
    probs = _stage_probabilities(t) if weighted else None
    if weighted and probs is None:
        return pd.DataFrame(columns=OUT_COLUMNS)
    demo_date = pd.Series(pd.NaT, index=deals.index)
    leads = t.get("leads")
    if weighted and leads is not None and {"deal_id", "demo_date"} <= set(leads.columns):
        first_demo = (
            leads.dropna(subset=["deal_id"])
            .assign(demo_date=lambda x: pd.to_datetime(x["demo_date"]))
            .groupby(leads["deal_id"].dropna().astype(str))["demo_date"]
            .min()
        )
        demo_date = deals["deal_id"].astype(str).map(first_demo)
    as_of = pd.Timestamp(ctx.as_of)
    rows = []
    for p in periods(ctx, grain):
        end = _true_end(p, grain)
        running = end > as_of
        snap = as_of if running else pd.Timestamp(p) - pd.Timedelta(days=1)
        open_ = (created <= snap) & (is_open_stage | (closed > snap))
        value = amount.where(open_, 0.0)
        if weighted:
            later = ~is_open_stage  # closed after snap: its stage on snap is inferred
            inferred = np.where(demo_date.notna() & (demo_date <= snap), "demo", "qualified")
            stage = deals["stage"].where(~later, pd.Series(inferred, index=deals.index))
            value = value * _win_probability(deals, stage.astype(str), probs)
        won_so_far = amount.where(won & (closed >= pd.Timestamp(p)) & (closed <= snap), 0.0)
        for m in members:
            months = targets.get(m, {})
            target = sum(v for k, v in months.items() if pd.Timestamp(p) <= k <= end)
            sel = member == m
            remaining = target - float(won_so_far[sel].sum())
            if remaining > 0:
                rows.append(
                    {"period": p, "member": m, "value": float(value[sel].sum()) / remaining,
                     "base": remaining}
                )  # fmt: skip
    return pd.DataFrame(rows, columns=OUT_COLUMNS).astype({"value": float, "base": float})
