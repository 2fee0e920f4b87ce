"""Deal and lead figures: won deals, stage cohorts, win probability per open stage.

Used by the as-is funnel (:mod:`planning_lib.analysis.funnel`), the pipeline forecast
(:mod:`planning_lib.analysis.pipeline`) and the KPI catalogue
(:mod:`planning_lib.metrics.measures`, :mod:`planning_lib.metrics.coverage`) alike.

Win probability per stage, by channel and segment, from closed deals: ``qualified``
(every deal starts there) = won ÷ closed deals; ``demo`` = won ÷ closed among deals
whose lead has a ``demo_date``; ``proposal`` and ``negotiation`` continue the observed
step from qualified to demo (each later stage removes the same share of the remaining
loss risk). Group rates are shrunk towards the stage's overall rate with
:data:`PRIOR_DEALS` pseudo-deals (beta-binomial).
"""

from __future__ import annotations

import pandas as pd

from planning_lib.data.tables import ESTIMATE_FLAGS
from planning_lib.metrics.common import ratio

__all__ = [
    "PRIOR_DEALS",
    "stage_cohort",
    "stage_win_probabilities",
    "weighted_pipeline",
    "won_deals",
]


def won_deals(deals: pd.DataFrame) -> pd.DataFrame:
    """Won deals without credit notes: the deals of deal size, sales cycle, deals won.

    A row with ``is_credit_note`` true corrects an earlier booking; it counts in sums of
    money (bookings) and in the win rate's closed deals, not as a deal of its own here.
    """
    won = deals[deals["stage"] == "won"]
    if "is_credit_note" in won.columns:
        won = won[won["is_credit_note"].astype(str).str.lower() != "true"]
    return won


def stage_cohort(
    leads: pd.DataFrame, start_col: str, end_col: str, as_of: pd.Timestamp
) -> pd.DataFrame:
    """The leads that entered a stage up to ``as_of``, flagged if they reached the next.

    The one cohort rule of the funnel conversions (phase 1 and the KPI catalogue): the
    cohort is fixed by ``start_col``; a lead counts as converted when ``end_col`` is
    reached on or before ``as_of``, whenever that was.

    Args:
        leads: leads with the two date columns.
        start_col: date column of the cohort stage (e.g. ``mql_date``).
        end_col: date column of the next stage (e.g. ``sql_date``).
        as_of: last instant of history.

    Returns:
        The leads with ``start_col`` on or before ``as_of`` and a bool ``converted``.
    """
    start = pd.to_datetime(leads[start_col], errors="coerce")
    end = pd.to_datetime(leads[end_col], errors="coerce")
    entered = start.notna() & (start <= as_of)
    return leads[entered].assign(converted=(end[entered] <= as_of).to_numpy())


PRIOR_DEALS = 20.0
"""Pseudo-deals of the overall rate added to each channel × segment group."""


def _closed_with_demo(deals: pd.DataFrame, leads: pd.DataFrame | None) -> pd.DataFrame:
    closed = deals[deals["stage"].isin(["won", "lost"])].copy()
    closed["won"] = (closed["stage"] == "won").astype(float)
    closed["had_demo"] = False
    if leads is not None and "deal_id" in leads.columns and "demo_date" in leads.columns:
        demo_ids = set(leads.loc[leads["demo_date"].notna(), "deal_id"].dropna().astype(str))
        closed["had_demo"] = closed["deal_id"].astype(str).isin(demo_ids)
    return closed


def _shrunk_rate(won: float, n: float, prior_rate: float) -> float:
    return (won + PRIOR_DEALS * prior_rate) / (n + PRIOR_DEALS)


def stage_win_probabilities(
    deals: pd.DataFrame,
    leads: pd.DataFrame | None = None,
    by: tuple[str, ...] = ("channel", "segment"),
) -> pd.DataFrame:
    """Win probability of an open deal per stage and group, learned from closed deals.

    Args:
        deals: canonical deals (``deal_id``, ``stage``, and the ``by`` columns).
        leads: canonical leads (``deal_id``, ``demo_date``) to see which closed
            deals reached a demo; without them the demo stage uses the qualified rate.
        by: grouping columns.

    Returns:
        One row per group and open stage: the ``by`` columns, ``stage``,
        ``win_probability`` (0..1), ``closed_deals`` (count behind the estimate,
        0 for extrapolated stages) and ``source`` (``observed`` / ``extrapolated``).

    Raises:
        KeyError: a needed column is missing.
        ValueError: no closed deals.
    """
    by = tuple(by)
    missing = [c for c in ("deal_id", "stage", *by) if c not in deals.columns]
    if missing:
        raise KeyError(f"deals columns missing: {missing}")
    closed = _closed_with_demo(deals, leads)
    if closed.empty:
        raise ValueError("no closed (won/lost) deals to learn win probabilities from")
    p_all = float(closed["won"].mean())
    demo_all = closed[closed["had_demo"]]
    p_demo_all = float(demo_all["won"].mean()) if len(demo_all) else p_all
    groups = closed.groupby(list(by), sort=True) if by else [((), closed)]
    rows = []
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        p_q = _shrunk_rate(g["won"].sum(), len(g), p_all)
        gd = g[g["had_demo"]]
        p_d = max(_shrunk_rate(gd["won"].sum(), len(gd), p_demo_all), p_q)
        ratio = (1 - p_d) / (1 - p_q) if p_q < 1 else 0.0
        probs = {
            "qualified": (p_q, len(g), "observed"),
            "demo": (p_d, len(gd), "observed"),
            "proposal": (1 - (1 - p_d) * ratio, 0, "extrapolated"),
            "negotiation": (1 - (1 - p_d) * ratio**2, 0, "extrapolated"),
        }
        for stage, (p, n, src) in probs.items():
            row = dict(zip(by, key, strict=True))
            row |= {"stage": stage, "win_probability": float(p), "closed_deals": int(n)}
            row["source"] = src
            rows.append(row)
    return pd.DataFrame(rows)


def weighted_pipeline(
    deals: pd.DataFrame, probabilities: pd.DataFrame, by: tuple[str, ...] = ("channel", "segment")
) -> pd.DataFrame:
    """The open pipeline per stage: deals, amount and amount weighted by win probability.

    Each open deal (stage qualified, demo, proposal or negotiation) counts with the win
    probability of its stage and ``by`` group (:func:`stage_win_probabilities`); a
    group without a probability counts with 0 and is not hidden: ``unweighted_deals``
    says how many.

    An open deal whose amount the loader estimated from comparable won deals
    (:func:`planning_lib.data.completion.estimate_open_deals`, flag ``amount_estimated``
    "true") counts with that estimate; ``estimated_deals`` says how many.

    Args:
        deals: canonical deals (``stage``, ``amount_eur`` and the ``by`` columns;
            ``amount_estimated`` if present).
        probabilities: output of :func:`stage_win_probabilities` with the same ``by``.
        by: grouping columns of ``probabilities``.

    Returns:
        One row per open stage in funnel order: ``stage``, ``open_deals`` (count),
        ``amount_eur`` (sum, EUR), ``weighted_eur`` (sum of amount × probability, EUR),
        ``win_probability`` (weighted ÷ amount, share 0..1; missing at amount 0),
        ``unweighted_deals`` (count of deals without a probability),
        ``estimated_deals`` (count of deals with an estimated amount; 0 without the flag).
    """
    stages = ("qualified", "demo", "proposal", "negotiation")
    keys = [*by, "stage"]
    open_ = deals[deals["stage"].isin(stages)][[*keys, "amount_eur"]].copy()
    flag = ESTIMATE_FLAGS["amount_eur"]
    open_["estimated"] = (
        deals.loc[open_.index, flag].astype(str).str.lower().eq("true")
        if flag in deals.columns
        else False
    )
    for col in by:
        open_[col] = open_[col].astype(str)
    probs = probabilities[[*keys, "win_probability"]].copy()
    for col in by:
        probs[col] = probs[col].astype(str)
    merged = open_.merge(probs, on=keys, how="left")
    amount = pd.to_numeric(merged["amount_eur"], errors="coerce").fillna(0.0)
    merged["amount"] = amount
    merged["weighted"] = amount * merged["win_probability"].fillna(0.0)
    merged["unweighted"] = merged["win_probability"].isna()
    g = merged.groupby("stage")
    out = pd.DataFrame({"stage": list(stages)})
    out["open_deals"] = out["stage"].map(g.size()).fillna(0).astype(int)
    out["amount_eur"] = out["stage"].map(g["amount"].sum()).fillna(0.0)
    out["weighted_eur"] = out["stage"].map(g["weighted"].sum()).fillna(0.0)
    out["win_probability"] = ratio(out["weighted_eur"], out["amount_eur"])
    out["unweighted_deals"] = out["stage"].map(g["unweighted"].sum()).fillna(0).astype(int)
    out["estimated_deals"] = out["stage"].map(g["estimated"].sum()).fillna(0).astype(int)
    return out
