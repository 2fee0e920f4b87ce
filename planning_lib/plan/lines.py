"""The driver model's core: plan parameters (drivers may be arrays of draws) → line items.

One function, :func:`plan_lines`, computes every line item on numpy arrays of shape
``(n, T)`` (n draws × T months). The deterministic plan
(:func:`planning_lib.plan.model.run_plan`),
scenarios, sensitivity and Monte Carlo (``planning_lib.plan.scenarios``) all call it.

Semantics (the formula sheet):

* **New customers.** Top-down: the new-customer target (``params.target("new_customers")``,
  count per plan year) spread over the months by ``drivers.seasonality`` (mean 1,
  flat when None) and split over channels by the history's new-customer share by
  source when it names every channel, else by the channels' ``lead_share``
  (normalised to 1). The reverse funnel turns it into the demos, SQL and MQL needed
  per channel and month. Bottom-up: planned entry leads (plus partner leads from
  active partners) × conversions, with the stage lags. ``new_customers_basis``
  'target' makes the top-down numbers the plan, 'funnel' the bottom-up ones; both
  are always computed (``customers_new_target``, ``customers_new_funnel``) for the
  gap table. Without a new-customer target the plan follows the funnel.
* **Customers and MRR, within a month:** churn acts on the month-start figures
  (churned customers = churn × customers at month start; churned MRR = churn × MRR
  at month start: logo churn applied to MRR), expansion and contraction likewise on
  the month-start MRR, then the month's new customers are added (they do not churn
  in their first month): ``MRR_end = MRR_start + new + expansion - contraction -
  churn``. With constant churn c and new MRR N this gives
  ``MRR_t = MRR_0 (1-c)^t + N (1-(1-c)^t) / c``. Recognised revenue of a month is
  its end MRR; ARR = 12 × end MRR.
* **Transactional business** (``company.business_model: transactional``): revenue =
  bookings of the month (new deals × deal size + repeat purchases × repeat deal size,
  repeat purchases = rate × customer base at month start; see
  :mod:`planning_lib.plan.transactional`) + the MRR of the optional recurring share
  (``current.mrr_eur``, ``arpa_monthly_eur``; 0 unless given). A new deal's
  first-year revenue (commissions) = deal size + 12 × ARPA; repeat purchases earn the
  reps ``compensation.commission_rate_repeat_purchase`` × their bookings when it is set
  (none when it is empty). Capacity compares all won deals with all won deals: the
  required rep deals are the new deals of the non-partner channels plus every repeat
  purchase, as deals per rep (``planning init``) counts all won deals. Cash: with
  ``payment_delay_months`` d the first d plan months receive the bookings won before plan start
  (``current.bookings_before_start_eur``; nothing but the starting MRR when not given).
* **Contribution margin** (Deckungsbeitrag) = revenue × gross margin - all sales &
  marketing cost; per product/segment (``drivers.product_mix``/``segment_mix``)
  = revenue × share × that part's gross margin - cost × share (cost allocated by
  revenue share), line items ``contribution_margin.product.<name>``.
* **Drivers that move** (``drivers.paths``): the driver's value (possibly drawn)
  is its month-1 value; month t uses value × ``multiplier_t`` (1 → end ÷ start,
  linear or a step). Such a driver is ``(n, T)`` instead of ``(n, 1)`` and every
  formula takes the month's value: new MRR = new customers × ARPA of the month,
  expansion/contraction of the month in the MRR recursion, marketing cost = leads
  × cost per lead of the month, commissions on the month's new first-year revenue;
  a funnel cohort converts at the rate of the month it entered the stage. KPIs of
  the summary that use ARPA or another driver directly (CLV, payback) take its
  start value.
* **Reps** see ``planning_lib.plan.organisation`` (no backfill of leavers); **costs,
  commissions, cash** see ``planning_lib.plan.budget``. Commissions: reps get
  ``commission_rate_first_year`` × 12 × new MRR of every non-partner deal,
  partners ``partner_commission_rate`` × 12 × new MRR of their deals.

Units: money in EUR, counts as counts, shares 0..1, months as months.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from planning_lib.core.params import COST_CATEGORIES
from planning_lib.metrics.mrr import mrr_bridge_projected
from planning_lib.plan import budget as bud
from planning_lib.plan import channels as fun
from planning_lib.plan import drivers
from planning_lib.plan import organisation as cap
from planning_lib.plan.inputs import ChannelShape, ModelInputs, stack_values
from planning_lib.plan.transactional import transactional_lines

__all__ = ["Lines", "plan_lines"]

Lines = dict[tuple[str, str], np.ndarray]
"""Line items: (line_item, channel or '') → array (n, T)."""


def _target_months(inp: ModelInputs, months: int) -> np.ndarray:
    """New-customer seasonality weight of the plan months and the months after the plan."""
    weights = inp.calendar_seasonality if inp.calendar_seasonality is not None else np.ones(12)
    start = inp.plan_start.month - 1
    return weights[(start + np.arange(months)) % 12]


def _open_pipeline(ch: ChannelShape, v: dict[str, np.ndarray]) -> dict[str, np.ndarray] | None:
    """The channel's open pipeline at plan start (monthly volume per stage), or None."""
    if not ch.open_pipeline:
        return None
    p = f"channels.{ch.name}.open_pipeline."
    return {s: v[p + s] for s in ("mql", "sql", "demos") if p + s in v}


def _channel_lines(inp: ModelInputs, v: dict[str, np.ndarray], zero: np.ndarray) -> Lines:
    """Partners, bottom-up funnel and reverse funnel per channel.

    On the 'target' basis a channel's plan is the target's share of new customers
    and the leads that share requires (reverse funnel): marketing cost is those
    leads × cost per lead. On the 'funnel' basis it is the planned leads and what
    they deliver. ``leads_basis`` is the entry-stage volume the plan pays for.
    """
    t_len = inp.months
    lines: Lines = {}
    annual_key = inp.new_customer_target_key
    max_lag = max((sum(_lags(ch)) for ch in inp.channels), default=0)
    target_ext = (
        fun.new_customers_target(v[annual_key], _target_months(inp, t_len + max_lag))
        if annual_key
        else None
    )
    names = tuple(ch.name for ch in inp.channels)
    if inp.customer_share_source == "history":
        raw = {n: v[f"history.new_customer_share_by_source.{n}"] for n in names}
    else:
        raw = {n: v[f"channels.{n}.lead_share"] for n in names}
    shares = fun.customer_shares(raw, names)
    basis_target = inp.basis == "target" and target_ext is not None
    for ch in inp.channels:
        p = f"channels.{ch.name}."
        lags = _lags(ch)
        rates = (v[p + "mql_to_sql"], v[p + "sql_to_demo"], v[p + "demo_to_won"])
        active = fun.partners_active(
            v[p + "partners_start"],
            v[p + "new_partners_per_quarter"],
            ch.partner_ramp_months,
            t_len,
        )
        planned = v[p + "leads_per_month"]
        if ch.leads_weights is not None:
            planned = planned * ch.leads_weights
        entry = fun.entry_leads(planned, active, v[p + "leads_per_partner_monthly"])
        entry = entry + zero
        stages = fun.funnel_stages(
            entry, ch.entry_stage, *rates, lags, open_pipeline=_open_pipeline(ch, v)
        )
        if ch.is_partner:
            lines[("partners_signed", ch.name)] = (
                fun.partners_signed(v[p + "new_partners_per_quarter"], t_len) + zero
            )
            lines[("partners_active", ch.name)] = active + zero
        lines[("leads_entry", ch.name)] = entry
        for stage in ("mql", "sql", "demos", "won"):
            lines[(stage, ch.name)] = stages[stage]
        lines[("customers_new_funnel", ch.name)] = stages["won"]
        if target_ext is not None:
            won_ext = target_ext * shares[ch.name]
            req = fun.required_over(won_ext, t_len, ch.entry_stage, *rates, lags)
        else:
            req = fun.required_stages(stages["won"], ch.entry_stage, *rates, lags)
        won_target = req["won"]
        for stage in ("entry", "mql", "sql", "demos", "won"):
            lines[(f"required_{stage}", ch.name)] = req[stage] + zero
        lines[("customers_new_target", ch.name)] = won_target + zero
        lines[("customers_new", ch.name)] = (won_target if basis_target else stages["won"]) + zero
        paid = req["entry"] + zero if basis_target else entry
        lines[("leads_basis", ch.name)] = paid
        lines[("cost_marketing", ch.name)] = bud.marketing_cost(paid, v[p + "cost_per_lead_eur"])
        lines[("marketing_planned", ch.name)] = bud.marketing_cost(
            entry, v[p + "cost_per_lead_eur"]
        )
    return lines


def _lags(ch: ChannelShape) -> tuple[int, int, int]:
    """The channel's stage lags (months): MQL→SQL, SQL→demo, demo→won."""
    return (ch.lag_mql_to_sql, ch.lag_sql_to_demo, ch.lag_demo_to_won)


def _rep_lines(inp: ModelInputs, v: dict[str, np.ndarray], zero: np.ndarray) -> Lines:
    """Heads, hires, leavers, ramping and productive reps, capacity and personnel cost per role."""
    t_len = inp.months
    lines: Lines = {}
    month_idx = np.arange(t_len)
    for role in inp.roles:
        p = f"organisation.roles.{role.name}."
        leave = cap.leaving_share_monthly(v[p + "attrition_yearly"])
        existing = v.get(f"current.reps.{role.name}", zero[:, :1])
        heads = cap.cohort_heads(existing, 0, leave, t_len) + zero
        productive = heads.copy()
        hired = zero.copy()
        ramping = zero.copy()
        for h in inp.hires:
            if h.role != role.name:
                continue
            count = v[f"organisation.hires.{h.index}.count"]
            ch_heads = cap.cohort_heads(count, h.start, leave, t_len)
            prod = cap.ramp_productivity(h.start, role.ramp_months, t_len)
            heads = heads + ch_heads
            productive = productive + ch_heads * prod
            ramping = ramping + ch_heads * ((prod > 0) & (prod < 1))
            hired = hired + count * (month_idx == h.start)
        r = role.name
        lines[(f"reps_heads.{r}", "")] = heads
        lines[(f"reps_hired.{r}", "")] = hired
        lines[(f"reps_leaving.{r}", "")] = heads * leave
        lines[(f"reps_ramping.{r}", "")] = ramping
        lines[(f"reps_productive.{r}", "")] = productive
        deals = v[p + "deals_per_month"] if role.carries_quota else zero[:, :1]
        lines[(f"capacity_deals.{r}", "")] = cap.capacity_deals(productive, deals)
        lines[(f"cost_personnel.{r}", "")] = bud.personnel_cost(heads, v[p + "salary_yearly_eur"])
    return lines


def _groups(lines: Lines) -> dict[str, list[tuple[str, np.ndarray]]]:
    """Per-channel and per-role line items grouped by their base line item."""
    out: dict[str, list[tuple[str, np.ndarray]]] = {}
    for (name, ch), arr in lines.items():
        if ch or "." in name:
            out.setdefault(name.split(".", 1)[0], []).append((ch, arr))
    return out


def _total(
    groups: dict[str, list[tuple[str, np.ndarray]]],
    item: str,
    zero: np.ndarray,
    channels: list[str] | None = None,
) -> np.ndarray:
    """Sum of ``item`` over its channels (or roles), optionally only ``channels``."""
    parts = [a for ch, a in groups.get(item, []) if channels is None or ch in channels]
    return sum(parts, zero)


def _reps_needed(
    inp: ModelInputs, v: dict[str, np.ndarray], lines: Lines, required: np.ndarray
) -> np.ndarray:
    """Productive quota reps (FTE) needed for the required deals, per month.

    Deals per productive rep: the quota roles' deals per month weighted by their
    productive reps (their plain mean in months without productive reps).
    """
    quota = [r.name for r in inp.roles if r.carries_quota]
    if not quota:
        return np.full_like(required, np.nan)
    deals = [v[f"organisation.roles.{r}.deals_per_month"] for r in quota]
    productive = [lines[(f"reps_productive.{r}", "")] for r in quota]
    fte = sum(productive)
    weighted = sum(d * p for d, p in zip(deals, productive, strict=True))
    mean_deals = sum(deals) / len(deals)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_rep = np.where(fte > 0, weighted / np.where(fte > 0, fte, 1.0), mean_deals)
        return np.where(required > 0, required / per_rep, 0.0)


def _moved(inp: ModelInputs, v: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Drivers with a path (``drivers.paths``) per month: value (n, 1) × multiplier → (n, T)."""
    out: dict[str, np.ndarray] = {}
    for key, multiplier, is_share in inp.paths:
        moved = v[key] * multiplier
        out[key] = np.clip(moved, 0.0, 1.0) if is_share else moved
    return out


def plan_lines(inp: ModelInputs, values: Mapping[str, Any]) -> tuple[Lines, int]:
    """Every line item of the plan for n draws at once.

    Args:
        inp: the plan's structure (``model_inputs(params)``).
        values: ``driver_values(params)``, any entry may be an array of shape (n,).
            A driver with a path (``inp.paths``) is its start value; it becomes
            (n, T) here (value × the path's multiplier per month).

    Returns:
        The line items ((line_item, channel) → array (n, T), or (1, T) when the
        line does not depend on a drawn value) and n.
    """
    v, n = stack_values(values)
    v.update(_moved(inp, v))
    t_len = inp.months
    zero = np.zeros((1, t_len))  # lines that do not vary over draws stay (1, T)
    lines = _channel_lines(inp, v, zero)
    lines.update(_rep_lines(inp, v, zero))
    groups = _groups(lines)
    rep_channels = [c.name for c in inp.channels if not c.is_partner]
    partner_channels = [c.name for c in inp.channels if c.is_partner]

    churn = (
        drivers.churn_path(
            v["drivers.churn_rate_monthly.start"],
            v["drivers.churn_rate_monthly.end"],
            inp.churn_path,
            t_len,
            inp.churn_ramp_months,
            inp.churn_step_month,
        )
        + zero
    )
    arpa = v["drivers.arpa_monthly_eur"]
    new = _total(groups, "customers_new", zero)
    for item in ("customers_new", "customers_new_target", "customers_new_funnel"):
        lines[(item, "")] = _total(groups, item, zero)
    lines[("churn_rate", "")] = churn
    mrr_new = new * arpa
    lines[("mrr_new", "")] = mrr_new
    expansion = v["drivers.expansion_rate_monthly"]
    contraction = v["drivers.contraction_rate_monthly"]
    bridge = mrr_bridge_projected(
        v["current.customers"], v["current.mrr_eur"], churn, expansion, contraction, new, mrr_new
    )
    for key, arr in bridge.items():
        lines[(key, "")] = arr
    # the same plan with churn staying at the worse of its start and end value (the
    # MRR-target check: a falling path is judged at its start, a rising one at its end)
    churn_flat = (
        np.maximum(v["drivers.churn_rate_monthly.start"], v["drivers.churn_rate_monthly.end"])
        + zero
    )
    flat = mrr_bridge_projected(
        v["current.customers"],
        v["current.mrr_eur"],
        churn_flat,
        expansion,
        contraction,
        new,
        mrr_new,
    )
    lines[("mrr_end_churn_constant", "")] = flat["mrr_end"]
    revenue = bridge["mrr_end"]
    lines[("arr_end", "")] = 12.0 * revenue
    transactional = inp.business_model == "transactional"
    if transactional:
        booked = transactional_lines(v, new, bridge["customers_start"])
        for key, arr in booked.items():
            lines[(key, "")] = arr
        revenue = revenue + booked["bookings"]
    lines[("revenue", "")] = revenue
    gross_profit = revenue * v["drivers.gross_margin"]
    lines[("gross_profit", "")] = gross_profit

    # capacity vs required deals (all non-partner deals are closed by reps). Deals per rep
    # (``planning init``: all won deals ÷ head-months) count every won deal, so the
    # required deals of a transactional plan count the repeat purchases too (phase 5: the
    # reps needed for the volume of deals, repeat business included): like with like
    rep_new = _total(groups, "customers_new", zero, rep_channels)
    required = rep_new + lines[("repeat_purchases", "")] if transactional else rep_new
    capacity = _total(groups, "capacity_deals", zero)
    lines[("capacity_deals", "")] = capacity
    lines[("required_rep_deals", "")] = required
    lines[("capacity_gap", "")] = capacity - required
    lines[("reps_needed", "")] = _reps_needed(inp, v, lines, required)
    for item in ("reps_heads", "reps_hired", "reps_leaving", "reps_ramping", "reps_productive"):
        lines[(item, "")] = _total(groups, item, zero)

    # costs
    lines[("cost_personnel", "")] = _total(groups, "cost_personnel", zero)
    lines[("cost_marketing", "")] = _total(groups, "cost_marketing", zero)
    lines[("marketing_planned", "")] = _total(groups, "marketing_planned", zero)
    heads_total = lines[("reps_heads", "")]
    for cat in ("tools", "training_travel"):
        fixed = f"budget.cost_drivers.{cat}.fixed_monthly_eur"
        if fixed in v:
            per_head = v[f"budget.cost_drivers.{cat}.per_head_monthly_eur"]
            lines[(f"cost_{cat}", "")] = bud.driven_cost(v[fixed], per_head, heads_total) + zero
        else:  # no driver: the budget category spread evenly (a finding says so)
            yearly = v.get(f"budget.by_category.{cat}", zero[:, :1])
            lines[(f"cost_{cat}", "")] = bud.monthly_from_yearly(yearly, t_len) + zero
    lines[("cost_other", "")] = v["budget.other_monthly_eur"] + zero
    rep_fyr = bud.first_year_revenue(rep_new, arpa)  # repeat purchases: their own rate
    lines[("first_year_revenue_new", "")] = bud.first_year_revenue(new, arpa)
    if transactional:  # the one-off deal is first-year revenue too
        size = v["drivers.transactional.deal_size_eur"]
        rep_fyr = rep_fyr + rep_new * size
        lines[("first_year_revenue_new", "")] = lines[("first_year_revenue_new", "")] + new * size
    comm_partner = zero
    for ch in partner_channels:
        fyr = bud.first_year_revenue(lines[("customers_new", ch)], arpa)
        if transactional:
            fyr = fyr + lines[("customers_new", ch)] * v["drivers.transactional.deal_size_eur"]
        comm = bud.commissions(fyr, v[f"channels.{ch}.partner_commission_rate"])
        lines[("cost_commissions", ch)] = comm
        comm_partner = comm_partner + comm
    comm_reps = bud.commissions(rep_fyr, v["compensation.commission_rate_first_year"])
    if transactional and "compensation.commission_rate_repeat_purchase" in v:
        repeat_rate = v["compensation.commission_rate_repeat_purchase"]
        comm_reps = comm_reps + bud.commissions(lines[("bookings_repeat", "")], repeat_rate)
    lines[("cost_commissions", "reps")] = comm_reps
    lines[("cost_commissions", "")] = comm_reps + comm_partner
    cost_total = sum((lines[(f"cost_{c}", "")] for c in COST_CATEGORIES), zero)
    lines[("cost_total", "")] = cost_total
    lines[("contribution_margin", "")] = gross_profit - cost_total
    for kind, names in inp.mixes:
        for name in names:
            share = v[f"drivers.{kind}_mix.revenue_share.{name}"]
            gm = v.get(f"drivers.{kind}_mix.gross_margin.{name}", v["drivers.gross_margin"])
            part = revenue * share
            lines[(f"revenue.{kind}.{name}", "")] = part
            lines[(f"contribution_margin.{kind}.{name}", "")] = part * gm - cost_total * share

    # sales cash and company cash
    retention = 1.0 - churn + expansion - contraction
    prepay = v["drivers.annual_prepay_share"]
    renew = inp.renewal_billing == "annual"
    prepaid = bud.prepaid_mrr(mrr_new, retention, prepay, renew_annually=renew)
    renewals = bud.renewal_prepayments(mrr_new, retention, prepay) if renew else 0.0
    cash_in = bud.cash_in(
        revenue,
        prepaid,
        mrr_new,
        prepay,
        v["current.mrr_eur"],
        inp.payment_delay_months,
        renewals,
        None if inp.bookings_before_start is None else np.asarray(inp.bookings_before_start),
    )
    lines[("cash_in", "")] = cash_in
    lines[("cash_out", "")] = cost_total
    lines[("cash_balance", "")] = bud.cash_balance(v["current.cash_eur"], cash_in, cost_total)
    cost_of_revenue = bud.cost_of_revenue(revenue, v["drivers.gross_margin"])
    other_operating = v["budget.other_operating_monthly_eur"] + zero
    company_out = cost_of_revenue + cost_total + other_operating
    lines[("cost_of_revenue", "")] = cost_of_revenue
    lines[("cost_other_operating", "")] = other_operating
    lines[("company_cash_out", "")] = company_out
    lines[("company_cash_balance", "")] = bud.cash_balance(
        _company_opening(v), cash_in, company_out
    )
    return lines, n


def _company_opening(v: dict[str, np.ndarray]) -> np.ndarray:
    """The company's cash at plan start (EUR): ``current.company_cash_eur`` or the sales cash."""
    return v.get("current.company_cash_eur", v["current.cash_eur"])
