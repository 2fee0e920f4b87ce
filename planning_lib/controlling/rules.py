"""Adaptation rules: check KPIs on the actuals and propose actions with the evidence.

A rule (:class:`planning_lib.core.params.Rule`) names a KPI of the catalogue, a comparison
(``<``, ``<=``, ``>``, ``>=`` against ``threshold``, or ``below_plan``/``above_plan``
against ``threshold`` × plan), a window of consecutive months, a scope (rows of the
tables kept, e.g. ``{channel: partner}``) and optionally ``per`` (checked for every
region, channel, ...). It triggers when the condition holds in ``window_months``
consecutive calendar months. Funnel conversions are only judged on complete lead
cohorts (see ``KpiContext.maturity_days``): a young cohort has not converted yet; its
month appears in the evidence marked ``cohort_incomplete`` and never counts.

Rules judge execution: ``below_plan``/``above_plan`` compare a KPI with a funnel
basis (:data:`planning_lib.controlling.plan_view.FUNNEL_METRICS`: new customers, new MRR, the
funnel stages, ...) with ``plan_funnel``, what the plan's own activities deliver
(planned leads × planned conversions), not with the plan's target split: a channel
whose planned leads can only deliver 43 % of its share of the target and that wins
104 % of what they allow executes well; the rest of its shortfall is a gap of the
plan (never funded), shown in ``variance.csv``, not a reason to cut its budget. Other
KPIs (costs, CAC, churn) compare with the plan. The evidence shows both.

A rule on ``new_customers`` compared with the plan per channel proposes to move the
channel's remaining marketing budget (× its shortfall against plan_funnel) to the
channels at or above the threshold of their plan_funnel, in proportion to their
attainment; amounts come from the plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import ValidationError

from planning_lib.controlling.plan_view import FUNNEL_METRICS, PLAN_METRICS, PlanView, plan_values
from planning_lib.core.params import Rule
from planning_lib.metrics.kpis import CATALOGUE, compute_kpi
from planning_lib.metrics.measures import KpiContext, Tables, period_end

__all__ = [
    "RuleError",
    "check_rule",
    "evaluate_rule",
    "evaluate_rules",
    "rules_from_data",
    "rules_from_yaml",
]

_PLAN_COMPARISONS = ("below_plan", "above_plan")
_OPS = {
    "<": lambda v, t: v < t,
    "<=": lambda v, t: v <= t,
    ">": lambda v, t: v > t,
    ">=": lambda v, t: v >= t,
}


class RuleError(ValueError):
    """A malformed rule; names the rule and the field."""

    def __init__(self, rule: str, field: str, message: str):
        self.rule, self.field = rule, field
        super().__init__(f"rule '{rule}', field '{field}': {message}")


def _monthly_kpis() -> list[str]:
    return [c for c, k in CATALOGUE.items() if "month" in k.grains]


def check_rule(rule: Rule) -> Rule:
    """Check what the model alone cannot: metric, scope and ``per`` exist for the KPI.

    Raises:
        RuleError: naming the rule and the bad field.
    """
    known = _monthly_kpis()
    if rule.metric not in known:
        raise RuleError(
            rule.code, "metric", f"unknown metric '{rule.metric}' (known: {', '.join(known)})"
        )
    kpi = CATALOGUE[rule.metric]
    for key in rule.scope:
        if key not in ("region", "channel", "segment", "product"):
            raise RuleError(
                rule.code,
                "scope",
                f"unknown key '{key}' (known: region, channel, segment, product)",
            )
    if rule.per is not None and rule.per not in kpi.dims:
        raise RuleError(
            rule.code,
            "per",
            f"'{rule.metric}' has no dimension '{rule.per}' (known: {', '.join(kpi.dims)})",
        )
    if rule.comparison in _PLAN_COMPARISONS:
        dims = PLAN_METRICS.get(rule.metric)
        if dims is None:
            raise RuleError(
                rule.code,
                "comparison",
                f"'{rule.metric}' has no plan value to compare with "
                f"(with a plan: {', '.join(PLAN_METRICS)})",
            )
        bad = [k for k in rule.scope if k != "channel"] + (
            [rule.per] if rule.per not in (None, "channel") else []
        )
        if bad:
            raise RuleError(
                rule.code,
                "scope",
                f"the plan is not split by {', '.join(bad)}; "
                f"'{rule.comparison}' can only be scoped by channel",
            )
        if rule.threshold <= 0:
            raise RuleError(rule.code, "threshold", "a share of plan must be above 0")
    return rule


def rules_from_data(items: Sequence[Mapping[str, Any]], source: str = "<rules>") -> list[Rule]:
    """Validate rule dicts (as in YAML) into checked rules.

    Raises:
        RuleError: the first bad rule, naming its code (or position) and field.
    """
    rules = []
    for i, item in enumerate(items):
        code = str(item.get("code", f"#{i + 1}")) if isinstance(item, Mapping) else f"#{i + 1}"
        try:
            rule = Rule.model_validate(item)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or "rule"
            msg = err["msg"]
            if err["type"] == "literal_error":
                msg = f"'{err.get('input')}' is not allowed ({err['msg'].removeprefix('Input ')})"
            elif err["type"] == "extra_forbidden":
                msg = "unknown key"
            raise RuleError(code, field, f"{msg} (in {source})") from None
        rules.append(check_rule(rule))
    codes = [r.code for r in rules]
    dup = sorted({c for c in codes if codes.count(c) > 1})
    if dup:
        raise RuleError(dup[0], "code", f"used more than once in {source}")
    return rules


def rules_from_yaml(text: str, source: str = "<rules>") -> list[Rule]:
    """Rules from the text of a standalone YAML file: a list, or a mapping with ``rules``.

    Raises:
        RuleError: malformed YAML or a malformed rule (naming the rule and field).
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleError("-", "rules", f"{source} is not valid YAML: {exc}") from None
    if isinstance(data, Mapping):
        data = data.get("rules", [])
    if not isinstance(data, list):
        raise RuleError("-", "rules", f"{source} must hold a list of rules")
    return rules_from_data(data, source)


# --------------------------------------------------------------------------- evaluation


def _scoped(tables: Tables, scope: Mapping[str, str]) -> dict[str, pd.DataFrame]:
    out = {}
    for name, df in tables.items():
        for key, value in scope.items():
            if key in df.columns:
                df = df[df[key] == value]
        out[name] = df
    return out


def _complete_months(metric: str, ctx: KpiContext, months: Iterable[pd.Timestamp]) -> set:
    lag = ctx.maturity_days.get(metric, 0)
    limit = pd.Timestamp(ctx.as_of) - pd.Timedelta(days=lag)
    return {m for m in months if period_end(m, "month", ctx.as_of) <= limit}


def judged_basis(metric: str) -> str:
    """The plan basis a plan comparison of ``metric`` judges: ``funnel`` or ``plan``."""
    return "funnel" if metric in FUNNEL_METRICS else "plan"


def _runs(months: list[pd.Timestamp]) -> list[list[pd.Timestamp]]:
    """Split sorted month starts into runs of consecutive calendar months."""
    runs: list[list[pd.Timestamp]] = []
    for m in months:
        if runs and (runs[-1][-1] + pd.offsets.MonthBegin(1)) == m:
            runs[-1].append(m)
        else:
            runs.append([m])
    return runs


def _series(
    rule: Rule, tables: Tables, ctx: KpiContext, plan: PlanView | None
) -> dict[str, pd.DataFrame]:
    """Per member: month, value (actual), plan (or NaN), plan_funnel (or NaN), judged
    (the plan value the condition compares with: plan_funnel for the KPIs with a funnel
    basis, else plan), condition (bool), cohort_incomplete (bool: the month's cohort is
    too young to judge) and hit (condition on a complete month).
    """
    df = compute_kpi(_scoped(tables, rule.scope), ctx, rule.metric, "month", rule.per)
    complete = _complete_months(rule.metric, ctx, df["period"].unique())
    out = {}
    for member, g in df.groupby("member"):
        g = g.sort_values("period")
        s = pd.DataFrame({"month": g["period"], "value": g["value"].astype(float)})
        s["cohort_incomplete"] = ~s["month"].isin(complete)
        if rule.comparison in _PLAN_COMPARISONS:
            if plan is None:
                raise RuleError(rule.code, "comparison", f"'{rule.comparison}' needs a plan")
            channel = rule.scope.get("channel", member if rule.per == "channel" else "")
            pv = plan_values(plan, rule.metric, "month", channel)
            s["plan"] = s["month"].map(pv).astype(float)
            basis = judged_basis(rule.metric)
            pf = plan_values(plan, rule.metric, "month", channel, basis=basis)
            s["plan_funnel"] = s["month"].map(pf).astype(float) if basis == "funnel" else np.nan
            s["judged"] = s["month"].map(pf).astype(float)
            # a month without a judged plan (a partner channel before its partners are
            # active) is shown while the plan has a value, but never meets the condition
            s = s[(s["judged"] > 0) | (s["plan"] > 0)]
            judged = s["judged"].where(s["judged"] > 0)
            ratio = s["value"] / judged
            s["condition"] = judged.notna() & (
                ratio < rule.threshold
                if rule.comparison == "below_plan"
                else (ratio > rule.threshold)
            )
        else:
            s["plan"] = s["plan_funnel"] = s["judged"] = float("nan")
            s["condition"] = _OPS[rule.comparison](s["value"], rule.threshold)
        s["hit"] = s["condition"] & ~s["cohort_incomplete"]
        out[str(member)] = s.reset_index(drop=True)
    return out


def _evidence(s: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for r in s.itertuples():
        row = {"month": r.month.strftime("%Y-%m"), "value": round(float(r.value), 6)}
        if pd.notna(r.plan):
            row["plan"] = round(float(r.plan), 6)
            row["share_of_plan"] = round(float(r.value / r.plan), 6) if r.plan else None
        if pd.notna(r.plan_funnel):
            row["plan_funnel"] = round(float(r.plan_funnel), 6)
            share = r.value / r.plan_funnel if r.plan_funnel else None
            row["share_of_plan_funnel"] = round(float(share), 6) if share is not None else None
        row["condition_met"] = bool(r.condition)
        row["cohort_incomplete"] = bool(r.cohort_incomplete)
        rows.append(row)
    return rows


def evaluate_rule(
    rule: Rule, tables: Tables, ctx: KpiContext, plan: PlanView | None = None
) -> list[dict[str, Any]]:
    """Evaluate one rule: one result per member checked (one for a rule without ``per``).

    Returns:
        Dicts with rule, metric, comparison, threshold, window_months, scope, per,
        member (the ``per`` member, else the scope's values: ``partner`` for
        ``{channel: partner}``), severity, judged_against (``plan_funnel`` or
        ``plan`` for a plan comparison, else ``threshold``), triggered,
        trigger_months (the latest qualifying run), evidence (every month with a
        value: value, plan, share_of_plan and, with a funnel basis, plan_funnel and
        share_of_plan_funnel (what the condition judges), condition_met,
        cohort_incomplete; a month whose cohort is incomplete is shown but never
        counts; a plan comparison shows the months with a plan above 0; a month whose
        judged plan is 0 never meets the condition),
        action_de, action_en.
    """
    check_rule(rule)
    results = []
    scope_name = ", ".join(str(v) for v in rule.scope.values())
    judged = "threshold"
    if rule.comparison in _PLAN_COMPARISONS:
        judged = "plan_funnel" if judged_basis(rule.metric) == "funnel" else "plan"
    for member, s in _series(rule, tables, ctx, plan).items():
        hit_months = sorted(s.loc[s["hit"], "month"])
        runs = [r for r in _runs(hit_months) if len(r) >= rule.window_months]
        results.append(
            {
                "rule": rule.code,
                "metric": rule.metric,
                "comparison": rule.comparison,
                "threshold": rule.threshold,
                "window_months": rule.window_months,
                "scope": dict(rule.scope),
                "per": rule.per or "",
                "member": member or scope_name,
                "severity": rule.severity,
                "judged_against": judged,
                "triggered": bool(runs),
                "trigger_months": [m.strftime("%Y-%m") for m in (runs[-1] if runs else [])],
                "evidence": _evidence(s),
                "action_de": rule.action_de,
                "action_en": rule.action_en,
            }
        )
    return results


def evaluate_rules(
    rules: Iterable[Rule], tables: Tables, ctx: KpiContext, plan: PlanView | None = None
) -> list[dict[str, Any]]:
    """Evaluate every rule; a triggered channel-vs-plan rule gets a budget ``proposal``."""
    out = []
    for rule in rules:
        for res in evaluate_rule(rule, tables, ctx, plan):
            channel = rule.scope.get("channel") or (res["member"] if rule.per == "channel" else "")
            if (
                res["triggered"]
                and plan is not None
                and channel
                and rule.comparison == "below_plan"
            ):
                res["proposal"] = budget_shift(
                    rule, channel, res["trigger_months"], tables, ctx, plan
                )
            out.append(res)
    return out


def budget_shift(
    rule: Rule,
    channel: str,
    months: Sequence[str],
    tables: Tables,
    ctx: KpiContext,
    plan: PlanView,
) -> dict[str, Any]:
    """Move budget from ``channel`` to the channels doing better, with plan amounts.

    amount (EUR) = the channel's planned marketing cost for the months after as-of ×
    (1 − its attainment over ``months``, capped to 0..1); attainment = actual ÷ the
    judged plan (plan_funnel for a KPI with a funnel basis, else the plan) of the
    rule's metric summed over those months. The amount is split over the other
    channels whose attainment over the same months is at least the rule's threshold,
    in proportion to their attainment; each share also shows the entry leads it buys
    at that channel's planned cost per lead.
    """
    mstarts = [pd.Timestamp(f"{m}-01") for m in months]

    def attainment(ch: str) -> float:
        df = compute_kpi(_scoped(tables, {"channel": ch}), ctx, rule.metric, "month")
        actual = df[df["period"].isin(mstarts)]["value"].sum()
        planned = plan_values(plan, rule.metric, "month", ch, basis=judged_basis(rule.metric))
        planned = planned.reindex(mstarts).sum()
        return float(actual / planned) if planned > 0 else float("nan")

    remaining = plan.line("cost_marketing", channel)
    remaining = float(remaining[remaining.index > pd.Timestamp(ctx.as_of)].sum())
    own = attainment(channel)
    amount = remaining * min(1.0, max(0.0, 1.0 - own))
    others = {c: attainment(c) for c in plan.channels if c != channel}
    better = {c: a for c, a in others.items() if a == a and a >= rule.threshold}
    weight = sum(better.values())
    to = []
    for c, a in sorted(better.items()):
        eur = amount * a / weight if weight > 0 else 0.0
        cpl = plan.cost_per_lead_eur.get(c, 0.0)
        to.append(
            {
                "channel": c,
                "attainment": round(a, 6),
                "amount_eur": round(eur, 2),
                "extra_entry_leads": round(eur / cpl, 1) if cpl > 0 else None,
            }
        )
    return {
        "from_channel": channel,
        "attainment": round(own, 6),
        "planned_remaining_marketing_eur": round(remaining, 2),
        "amount_eur": round(amount if to else 0.0, 2),
        "to": to,
    }
