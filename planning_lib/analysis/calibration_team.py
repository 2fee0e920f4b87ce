"""Team, salaries, budget, cost per lead and commissions calibrated from the history.

Part of :mod:`planning_lib.analysis.calibration`: reads the ``headcount`` and ``costs``
tables over the 12 months up to the as-of month (the *window*). Without a table the
values are documented defaults marked as assumptions (:data:`TEAM_DEFAULTS`).

* Reps per role: employees employed on the as-of month's last day (hired on or before
  it, no exit or an exit after it). Without a headcount table but with deal owners
  (the deals' ``owner`` column, not the filled default ``unassigned``): one
  ``inside_sales`` rep per owner who won or worked a deal in the window (a deal created
  or closed in it, :func:`deal_owners`), not counting an owner of partner deals only
  (partners close those; the YAML comment counts them apart); without either: 0, an
  assumption.
* Head-months: employees employed on each month's last day, summed; from deal owners:
  owners × the months. Each ratio counts them over the months both its parts cover
  (:func:`planning_lib.analysis.calibration_common.covered_span`): the window, or from
  the table's first month when the data begins inside it (the costs' months for salary
  and costs per head, the deals' months for deals per rep), so a history shorter than a
  year is not divided by head-months it has no costs or deals for. Attrition needs exit
  dates: without a headcount table it is 0, an assumption.
* Salary per role (incl. employer costs): personnel costs of the window ÷ head-months
  × 12 (one figure for every role: the costs table does not split personnel by role).
* Deals per rep and month: won deals closed in the window ÷ head-months, without the new
  business of the partner channel (a customer's won deals in the month of its first won
  deal, :func:`planning_lib.metrics.transactional.customer_key`, on a deal of channel
  ``partner``): partners, not reps, close those, and the plan's required rep deals leave
  them out too (:mod:`planning_lib.plan.lines`: new deals of the non-partner channels
  plus every repeat purchase), so capacity and requirement count the same deals
  (:func:`rep_won_deals`). Without a headcount table also without the won deals of
  owners of partner deals only (:func:`partner_owner_deals`: their repeat purchases):
  those owners are no reps and have no head-months.
* Attrition per year: exits in the 12-month window ÷ (its head-months ÷ 12).
* Budget per category (per plan year): the window's costs of the category, scaled to 12
  months when the costs cover fewer (× 12 ÷ their months, the YAML says so); tools and
  training/travel as cost drivers per head (the category's costs ÷ head-months).
* Cost per lead of a channel: marketing costs booked on the channel ÷ its entry leads.
* Commission rate: commissions of the window ÷ (12 × first-month MRR of the customers
  won in it), the plan's definition (share of the first-year recurring revenue).
* CAC (stated): :func:`planning_lib.metrics.acquisition.cac` of the window's marketing
  costs and new customers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from planning_lib.analysis.calibration_common import (
    Source,
    Span,
    annualised,
    covered_span,
    covered_window,
    month_ends,
    window_label,
)
from planning_lib.core.text_store import label_pair
from planning_lib.core.vocabulary import COST_CATEGORIES
from planning_lib.metrics.acquisition import STATED_CAC_CATEGORIES, cac
from planning_lib.metrics.common import month_of, ratio
from planning_lib.metrics.deals import won_deals
from planning_lib.metrics.transactional import customer_key
from planning_lib.metrics.window import PartialMonth, export_start, partial_first_month

__all__ = [
    "PARTNER_CHANNEL",
    "TEAM_DEFAULTS",
    "Team",
    "deal_owners",
    "employed",
    "owner_deals",
    "partner_owner_deals",
    "partner_owners",
    "rep_owner_deals",
    "rep_won_deals",
    "team_and_costs",
]

PARTNER_CHANNEL = "partner"
"""The channel partners sell in (the plan treats a channel of this name as a partner
channel, :mod:`planning_lib.plan.inputs`): its new business is not the reps' work."""

_NO_OWNER = {"", "unassigned"}
"""Owner values that name nobody (empty, or the default filled for a missing column)."""

TEAM_DEFAULTS: dict[str, Any] = {
    "role": "inside_sales",
    "salary_yearly_eur": 50_000.0,
    "deals_per_month": 10.0,
    "ramp_months": 3,
    "commission_rate_first_year": 0.1,
}
"""Defaults (assumptions to fill in) when the headcount or costs table is missing."""


@dataclass
class Team:
    """The calibrated parameters of team and costs (dicts as in the plan YAML)."""

    reps: dict[str, int]
    cac_eur: float
    organisation: dict[str, Any]
    compensation: dict[str, Any]
    budget: dict[str, Any]
    cost_per_lead: dict[str, float]
    head_months: float


def employed(headcount: pd.DataFrame, day: pd.Timestamp) -> pd.Series:
    """True for each employee employed on ``day`` (hired on or before it, no exit or
    an exit after it)."""
    hire = pd.to_datetime(headcount["hire_date"], errors="coerce")
    exit_ = pd.to_datetime(headcount["exit_date"], errors="coerce")
    return (hire <= day) & (exit_.isna() | (exit_ > day))


def _window_costs(costs: pd.DataFrame | None, as_of: pd.Period) -> pd.DataFrame | None:
    if costs is None:
        return None
    months = month_of(costs["month"])
    return costs[(months >= as_of - 11) & (months <= as_of)]


def owner_deals(deals: pd.DataFrame | None, as_of: pd.Period) -> pd.DataFrame:
    """The deals created or closed (won or lost) in the 12 months up to ``as_of`` that
    name an owner (empty owners and the filled default ``unassigned`` name nobody), with
    ``owner`` stripped."""
    if deals is None or deals.empty or "owner" not in deals.columns:
        return pd.DataFrame(columns=["owner"])
    lo, hi = as_of - 11, as_of
    created = month_of(deals["created_date"])
    closed = month_of(deals["close_date"]).where(deals["stage"].isin(["won", "lost"]))
    worked = ((created >= lo) & (created <= hi)) | ((closed >= lo) & (closed <= hi))
    out = deals[worked].assign(owner=deals.loc[worked, "owner"].fillna("").astype(str).str.strip())
    return out[~out["owner"].isin(_NO_OWNER)]


def partner_owners(deals: pd.DataFrame | None, as_of: pd.Period) -> list[str]:
    """The owners (sorted) whose every deal in the window (:func:`owner_deals`) is of the
    channel ``partner``: partners close those deals, so such an owner is no rep."""
    worked = owner_deals(deals, as_of)
    if worked.empty or "channel" not in worked.columns:
        return []
    partner = worked["channel"].fillna("").astype(str).str.strip() == PARTNER_CHANNEL
    only = partner.groupby(worked["owner"]).all()
    return sorted(only.index[only])


def rep_owner_deals(deals: pd.DataFrame | None, as_of: pd.Period) -> pd.DataFrame:
    """:func:`owner_deals` without the owners of partner deals only (:func:`partner_owners`)."""
    worked = owner_deals(deals, as_of)
    return worked[~worked["owner"].isin(partner_owners(deals, as_of))]


def deal_owners(deals: pd.DataFrame | None, as_of: pd.Period) -> list[str]:
    """The owners (sorted) who won or worked a deal in the window, without those of partner
    deals only (:func:`rep_owner_deals`): one rep each when there is no headcount table."""
    return sorted(set(rep_owner_deals(deals, as_of)["owner"]))


def rep_won_deals(
    deals: pd.DataFrame | None, as_of: pd.Period, skip: pd.Period | None = None
) -> tuple[int, int]:
    """(won deals the reps closed, new-business deals of the partner channel left out),
    both closed in the 12 months up to ``as_of`` (credit notes are no deals), without
    those closed in the month ``skip`` (a first month partial in the export).

    New business is as in the plan's purchase history: a customer's won deals in the
    month of its first won deal (a deal without ``customer_id`` is a customer of its own);
    a later purchase is a repeat purchase, which the plan's required rep deals count
    whatever the channel."""
    if deals is None or deals.empty:
        return 0, 0
    won = won_deals(deals)
    month = month_of(won["close_date"])
    first = month.groupby(customer_key(won)).transform("min")
    channel = (
        won["channel"].fillna("").astype(str).str.strip()
        if "channel" in won.columns
        else pd.Series("", index=won.index)
    )
    partner_new = (channel == PARTNER_CHANNEL) & (month == first)
    window = (month >= as_of - 11) & (month <= as_of)
    if skip is not None:
        window &= month != skip
    return int((window & ~partner_new).sum()), int((window & partner_new).sum())


def partner_owner_deals(
    deals: pd.DataFrame | None, as_of: pd.Period, skip: pd.Period | None = None
) -> int:
    """Won deals closed in the 12 months up to ``as_of`` that :func:`rep_won_deals` counts
    (not the partner channel's new business) but whose owner owns partner deals only
    (:func:`partner_owners`): a repeat purchase such an owner closed. Without a headcount
    table that owner is no rep and has no head-months, so its deals are no rep's deals
    either (credit notes are no deals); without those closed in the month ``skip``, as
    :func:`rep_won_deals`."""
    owners = partner_owners(deals, as_of)
    if deals is None or deals.empty or not owners or "owner" not in deals.columns:
        return 0
    won = won_deals(deals)
    month = month_of(won["close_date"])
    first = month.groupby(customer_key(won)).transform("min")
    channel = won["channel"].fillna("").astype(str).str.strip()
    partner_new = (channel == PARTNER_CHANNEL) & (month == first)
    window = (month >= as_of - 11) & (month <= as_of)
    if skip is not None:
        window &= month != skip
    owner = won["owner"].fillna("").astype(str).str.strip()
    return int((window & ~partner_new & owner.isin(owners)).sum())


def partial_close_month(deals: pd.DataFrame | None, as_of: pd.Period) -> PartialMonth | None:
    """The first month of the won deals' close months when the export covers it only
    partly (:func:`planning_lib.metrics.window.partial_first_month`) and it lies in the 12
    months up to ``as_of``: the deals per rep leave it out (its closes of deals created
    before the export are missing), its rows stay."""
    if deals is None or deals.empty:
        return None
    months = month_of(won_deals(deals)["close_date"]).dropna()
    if months.empty or months.min() < as_of - 11 or months.min() >= as_of:
        return None
    return partial_first_month(months.min(), export_start(deals))


def _heads_in(hc: pd.DataFrame | None, owners: int, month: pd.Period) -> float:
    """Heads of a month: employed at its end (headcount), else the deal owners."""
    if hc is None or hc.empty:
        return float(owners)
    return float(employed(hc, month.end_time.normalize()).sum())


def _first_date(deals: pd.DataFrame) -> pd.Timestamp:
    """The deals' earliest creation date (NaT when there is none)."""
    return pd.to_datetime(deals["created_date"], errors="coerce").min()


def _head_months(
    hc: pd.DataFrame | None, owners: int, role: str, as_of: pd.Period, span: Span
) -> dict[str, float]:
    """Head-months per role over the span's months (the window, or a shorter history's own
    months): employees employed on each month's last day, summed; without a headcount
    table ``owners`` × the span's months for ``role``."""
    if hc is None or hc.empty:
        return {role: float(span.months * owners)}
    roles = hc["role"].astype(str)
    hm: dict[str, float] = {r: 0.0 for r in sorted(set(roles))}
    for day in month_ends(as_of, as_of - (span.months - 1)):
        for r, n in roles[employed(hc, day)].value_counts().items():
            hm[r] += float(n)
    return hm


def _roles(
    hc: pd.DataFrame | None, deals: pd.DataFrame | None, as_of: pd.Period, src: dict
) -> tuple[dict, dict, dict, int]:
    """reps at the as-of month's end, head-months and exits per role in the 12-month
    window (attrition), the deal owners counted as reps when there is no headcount table
    (else 0)."""
    if hc is None or hc.empty:
        role = TEAM_DEFAULTS["role"]
        src[f"organisation.roles.{role}.attrition_yearly"] = Source(
            "init.attrition_no_headcount", {}, assumption=True
        )
        owners = deal_owners(deals, as_of)
        if not owners:
            # every owner owns partner deals only: say so, not just "no headcount table"
            only = partner_owners(deals, as_of)
            key = {0: "init.no_headcount", 1: "init.reps_partner_only_one"}.get(
                len(only), "init.reps_partners_only"
            )
            src[f"current.reps.{role}"] = Source(key, {"partners": len(only)}, assumption=True)
            return {role: 0}, {role: 0.0}, {role: 0}, 0
        # each owner counts for the months the deals cover (a history shorter than a
        # year: its months, so deals per rep are not understated by ÷ 12)
        win, _ = covered_window(as_of, _first_date(deals))
        partners = partner_owners(deals, as_of)
        src[f"current.reps.{role}"] = Source(
            "init.reps_owners_partners" if partners else "init.reps_owners",
            {"owners": len(owners), "window": win, "partners": len(partners)},
        )
        full = Span(window_label(as_of), 12)
        hm = _head_months(None, len(owners), role, as_of, full)
        return {role: len(owners)}, hm, {role: 0}, len(owners)
    end = as_of.end_time.normalize()
    roles = hc["role"].astype(str)
    reps = roles[employed(hc, end)].value_counts().to_dict()
    hm = _head_months(hc, 0, "", as_of, Span(window_label(as_of), 12))
    exit_ = pd.to_datetime(hc["exit_date"], errors="coerce")
    left = roles[(exit_ > (as_of - 12).end_time) & (exit_ <= end)].value_counts().to_dict()
    names = sorted(set(reps) | {r for r, v in hm.items() if v})
    for role in names:
        src[f"current.reps.{role}"] = Source("init.reps", {"date": end.date().isoformat()})
    return (
        {r: int(reps.get(r, 0)) for r in names},
        {r: hm.get(r, 0.0) for r in names},
        {r: int(left.get(r, 0)) for r in names},
        0,
    )


def team_and_costs(
    tables: dict[str, pd.DataFrame],
    as_of: pd.Period,
    new_w: pd.DataFrame,
    entry_leads: dict[str, float],
    src: dict[str, Source],
) -> Team:
    """Team and cost parameters (module docstring); ``src`` gets each value's source.

    Args:
        tables: canonical tables (``headcount``, ``costs``, ``deals`` used when present).
        as_of: last month of history.
        new_w: the customers won in the window
            (:func:`planning_lib.analysis.unit_economics.new_customers` rows).
        entry_leads: channel → its entry-stage leads in the window (count).
        src: dotted parameter path → source, filled here.
    """
    win = window_label(as_of)
    hc, deals_table = tables.get("headcount"), tables.get("deals")
    reps, hm12, left, owners = _roles(hc, deals_table, as_of, src)
    role0 = TEAM_DEFAULTS["role"]
    # each ratio over the months both its parts cover: a history shorter than a year
    # gives its figures over its own months (covered_span), not over 12
    has_deals = deals_table is not None and not deals_table.empty
    deal_span = covered_span(as_of, _first_date(deals_table) if has_deals else None)
    all_costs = tables.get("costs")
    has_costs = all_costs is not None and not all_costs.empty
    first_cost = pd.to_datetime(all_costs["month"], errors="coerce").min() if has_costs else None
    cost_span = covered_span(as_of, first_cost)
    hm_deals = _head_months(hc, owners, role0, as_of, deal_span)
    hm_costs = _head_months(hc, owners, role0, as_of, cost_span)
    heads_deals, heads_costs = sum(hm_deals.values()), sum(hm_costs.values())
    costs = _window_costs(all_costs, as_of)
    measured: dict[str, float] = {}
    if costs is not None and len(costs):
        sums = costs.groupby(costs["category"].astype(str))["amount_eur"].sum()
        measured = {c: float(sums[c]) for c in COST_CATEGORIES if c in sums.index}
    # the plan year's budget: the costs of the months the table covers, scaled to 12
    by_cat = {c: round(annualised(v, cost_span.months), 2) for c, v in measured.items()}
    personnel = measured.get("personnel", 0.0)
    # a first month the export covers only partly leaves the deals per rep, with its heads
    part = partial_close_month(deals_table, as_of)
    skip = part.month if part is not None else None
    won, partner = rep_won_deals(deals_table, as_of, skip)
    # without a headcount table the reps are the owners: the deals of owners of partner
    # deals only (no reps, no head-months) are left out, so both sides count the same people
    non_rep = partner_owner_deals(deals_table, as_of, skip) if owners else 0
    won -= non_rep
    heads_won = heads_deals
    if part is not None:
        heads_won = heads_deals - _heads_in(hc, owners, part.month)
    roles: dict[str, Any] = {}
    for role in hm12:
        de, en = label_pair(f"role.{role}", role)
        p = f"organisation.roles.{role}"
        if heads_costs and personnel:
            salary = round(personnel / heads_costs * 12, 2)
            src[f"{p}.salary_yearly_eur"] = Source(
                "init.salary", {"window": cost_span, "head_months": heads_costs}
            )
        else:
            salary = TEAM_DEFAULTS["salary_yearly_eur"]
            src[f"{p}.salary_yearly_eur"] = Source("init.default_salary", {}, assumption=True)
        if heads_won > 0 and won:
            per_rep = round(won / heads_won, 2)
            key = "init.deals_per_rep_partner" if partner else "init.deals_per_rep"
            if non_rep:
                key = "init.deals_per_rep_partner_owners"
            args: dict[str, Any] = {
                "won": won,
                "partner": partner,
                "head_months": heads_won,
                "window": deal_span.label,
                "owner_deals": non_rep,
                "owners": len(partner_owners(deals_table, as_of)),
            }
            if part is not None:
                key, args["month"] = key + "_partial", str(part.month)
            src[f"{p}.deals_per_month"] = Source(key, args)
        else:
            per_rep = TEAM_DEFAULTS["deals_per_month"]
            src[f"{p}.deals_per_month"] = Source("init.default_deals", {}, assumption=True)
        attrition = min(1.0, round(left[role] / (hm12[role] / 12), 4)) if hm12[role] else 0.0
        src.setdefault(
            f"{p}.attrition_yearly", Source("init.attrition", {"left": left[role], "window": win})
        )
        src[f"{p}.ramp_months"] = Source("init.ramp", {}, assumption=True)
        roles[role] = {
            "label_de": de,
            "label_en": en,
            "salary_yearly_eur": salary,
            "deals_per_month": per_rep,
            "ramp_months": TEAM_DEFAULTS["ramp_months"],
            "attrition_yearly": attrition,
        }
    src["organisation.hires"] = Source("init.hires", {}, assumption=True)
    organisation = {"roles": roles, "hires": [], "training_monthly": True}
    first_year = 12 * float(new_w["first_mrr_eur"].sum())
    if "commissions" in measured and first_year:
        rate = round(measured["commissions"] / first_year, 4)
        src["compensation.commission_rate_first_year"] = Source(
            "init.commission", {"window": cost_span.label, "customers": len(new_w)}
        )
    else:
        rate = TEAM_DEFAULTS["commission_rate_first_year"]
        src["compensation.commission_rate_first_year"] = Source(
            "init.default_commission", {}, assumption=True
        )
    budget: dict[str, Any] = {"total_eur": round(sum(by_cat.values()), 2), "by_category": by_cat}
    if by_cat:
        src["budget.total_eur"] = Source("init.budget", {"window": cost_span})
        for cat in by_cat:
            src[f"budget.by_category.{cat}"] = Source("init.budget_category", {"window": cost_span})
    else:
        src["budget.total_eur"] = Source("init.no_costs", {}, assumption=True)
    drivers = {}
    for cat in ("tools", "training_travel"):
        if cat in measured and heads_costs:
            drivers[cat] = {"per_head_monthly_eur": round(measured[cat] / heads_costs, 2)}
            src[f"budget.cost_drivers.{cat}.per_head_monthly_eur"] = Source(
                "init.per_head", {"window": cost_span.label, "head_months": heads_costs}
            )
    if drivers:
        budget["cost_drivers"] = drivers
    cpl: dict[str, float] = {}
    stated = 0.0
    if costs is not None and len(costs):
        mkt = costs[costs["category"].astype(str).isin(STATED_CAC_CATEGORIES)]
        stated = float(mkt["amount_eur"].sum())
        chan = mkt["channel"].astype(str) if "channel" in mkt.columns else None
        for ch, n in entry_leads.items():
            booked = float(mkt.loc[chan == ch, "amount_eur"].sum()) if chan is not None else 0.0
            value = ratio(booked, float(n))
            cpl[ch] = round(float(value), 2) if pd.notna(value) else 0.0
            src[f"channels.{ch}.cost_per_lead_eur"] = Source(
                "init.cost_per_lead", {"window": cost_span.label, "leads": int(n)}
            )
    value = cac(stated, len(new_w)) if len(new_w) else 0.0
    if costs is None or not len(costs):  # 0 € is no measurement here: nothing was booked
        src["history.cac_eur"] = Source("init.cac_no_costs", {}, assumption=True)
    else:
        src["history.cac_eur"] = Source(
            "init.cac", {"window": cost_span.label, "customers": len(new_w)}
        )
    return Team(
        reps=reps,
        cac_eur=round(float(value), 2),
        organisation=organisation,
        compensation={"commission_rate_first_year": rate},
        budget=budget,
        cost_per_lead=cpl,
        head_months=heads_deals,
    )
