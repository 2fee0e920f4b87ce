"""The Soll/Ist tab's tables: a :class:`~planning_lib.app.sollist.SollIst` for a manager.

:func:`kpi_month_table`, :func:`kpi_channel_table`, :func:`gap_table`,
:func:`actions_list`, :func:`landing_table` and :func:`forecast_summary` turn the numbers
into display tables: German (or English) labels, every number through
:func:`planning_lib.present.formatting.format_value` (the variance table's units by
``DATA_UNITS``), a status key per cell for the colour.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from planning_lib.app import cockpit as ck
from planning_lib.app.sollist import SollIst, month_rows
from planning_lib.core import text_store
from planning_lib.metrics.kpis import CATALOGUE
from planning_lib.present import formatting as fmt
from planning_lib.present.formatting import DATA_UNITS, Unit, format_value

__all__ = [
    "MONTH_KPIS",
    "actions_list",
    "forecast_summary",
    "gap_table",
    "kpi_channel_table",
    "kpi_month_table",
    "landing_table",
]

MONTH_KPIS: tuple[str, ...] = (
    "leads",
    "sql",
    "demos",
    "new_customers",
    "new_mrr",
    "mrr",
    "logo_churn",
    "cac",
    "sales_costs",
)
"""The KPIs of the month table, in this order (those the plan has)."""

_LANDING_UNITS: dict[str, Unit] = {
    "mrr_end": "eur",
    "new_customers": "count",
    "cac": "eur",
    "cac_fully_loaded": "eur",
    "churn_rate_monthly": "share",
    "customers_end": "count",
    "cost_total": "eur",
}


def _kpi_label(code: str, locale: str) -> str:
    if code in ck.LABELS:
        return ck.label(code, locale)
    if code in CATALOGUE:
        return CATALOGUE[code].label(locale)
    return ck.label(code, locale)  # the cockpit's labels; KeyError for an unlabelled code


def _member(member: Any, locale: str) -> str:
    """A channel in words (``Inbound``), a region as named, '' as the total."""
    m = member if isinstance(member, str) else ""
    if not m:
        return ck.label("total", locale)
    return ck.label(m, locale) if m in ("inbound", "outbound", "partner") else m


def kpi_month_table(variance: pd.DataFrame, locale: str = "de") -> pd.DataFrame:
    """KPIs by month: one row per KPI (:data:`MONTH_KPIS` the plan has), one column
    per month, each cell ``(text, status)`` with text ``actual / plan``.

    The first column (``Kennzahl``/``KPI``) holds the KPI's label.
    """
    rows = month_rows(variance)
    months = sorted(rows["period"].unique())
    heads = [fmt.format_month(pd.Timestamp(m), locale) for m in months]
    out = []
    for code in MONTH_KPIS:
        mine = rows[rows["kpi"] == code].set_index("period")
        if mine.empty:
            continue
        line: dict[str, Any] = {ck.label("kpi", locale): _kpi_label(code, locale)}
        for m, h in zip(months, heads, strict=True):
            if m not in mine.index:
                line[h] = (fmt.MISSING, "no_plan")
                continue
            r = mine.loc[m]
            unit = DATA_UNITS[r["unit"]]
            text = f"{format_value(r['actual'], unit, locale)} / "
            text += format_value(r["plan"], unit, locale)
            line[h] = (text, str(r["status"]))
        out.append(line)
    return pd.DataFrame(out)


def kpi_channel_table(variance: pd.DataFrame, locale: str = "de") -> pd.DataFrame:
    """KPIs year to date, total and per channel: label, channel, plan, actual,
    attainment (texts) and the status key (column ``status_key``) for the colour;
    the status in words in the status column."""
    ytd = variance[variance["grain"] == "ytd"]
    ytd = ytd[(ytd["dimension"].fillna("") == "channel") | (ytd["member"].fillna("") == "")]
    out = []
    for code in MONTH_KPIS:
        for r in ytd[ytd["kpi"] == code].itertuples():
            out.append(
                {
                    ck.label("kpi", locale): _kpi_label(code, locale),
                    ck.label("channel", locale): _member(r.member, locale),
                    ck.label("plan", locale): format_value(r.plan, DATA_UNITS[r.unit], locale),
                    ck.label("actual", locale): format_value(r.actual, DATA_UNITS[r.unit], locale),
                    ck.label("attainment", locale): format_value(r.attainment, "share", locale),
                    ck.label("status", locale): text_store.label(f"pva.status.{r.status}", locale),
                    "status_key": r.status,
                }
            )
    return pd.DataFrame(out)


def gap_table(variance: pd.DataFrame, locale: str = "de") -> pd.DataFrame:
    """The new-customer shortfall year to date, total and per channel, split into
    "Plan nie finanziert" (plan − plan from the planned leads) and "Umsetzung"
    (plan from the planned leads − actual); the two add up to the total gap.

    Columns (labels): Kanal, Plan (Ziel), Plan laut geplanten Leads, Ist,
    Lücke gesamt, Plan nie finanziert, Umsetzung; numbers with one decimal.
    """
    ytd = variance[(variance["grain"] == "ytd") & (variance["kpi"] == "new_customers")]
    ytd = ytd[(ytd["dimension"].fillna("") == "channel") | (ytd["member"].fillna("") == "")]
    out = []
    for r in ytd.itertuples():
        n = lambda x: format_value(x, "count", locale, decimals=1)  # noqa: E731
        out.append(
            {
                ck.label("channel", locale): _member(r.member, locale),
                ck.label("plan_target", locale): n(r.plan),
                ck.label("plan_funnel", locale): n(r.plan_funnel),
                ck.label("actual", locale): n(r.actual),
                ck.label("gap_total", locale): n(r.plan - r.actual),
                text_store.label("pva.gap_planning", locale): n(r.gap_planning),
                text_store.label("pva.gap_execution", locale): n(r.gap_execution),
            }
        )
    return pd.DataFrame(out)


def _rule_text(a: dict[str, Any], locale: str) -> str:
    unit = "share" if a.get("threshold") is not None and abs(a["threshold"]) <= 1 else "count"
    what = _kpi_label(str(a["metric"]), locale)
    if a.get("judged_against") == "threshold" and a.get("threshold") is not None:
        what += f" {a.get('comparison', '')} {format_value(a['threshold'], unit, locale)}"
    elif a.get("threshold") is not None:  # against the plan: threshold is a share of plan
        what += f" {a.get('comparison', '')} {format_value(a['threshold'], 'share', locale)} "
        what += ck.label("plan", locale)
    return what


def actions_list(actions: list[dict[str, Any]], locale: str = "de") -> list[dict[str, Any]]:
    """The triggered rules for a manager: severity, where, the rule in words, the action,
    the evidence (every month the condition held, with its value) and a budget shift.

    Returns:
        Dicts with ``severity`` (key), ``title``, ``action``, ``evidence`` (texts) and
        ``proposal`` (text or '').
    """
    loc = "en" if locale == "en" else "de"
    out = []
    for a in actions:
        if not a.get("triggered"):
            continue
        unit = "share" if a.get("threshold") is not None and abs(a["threshold"]) <= 1 else "count"
        evidence = []
        for e in a.get("evidence", []):
            if not e.get("condition_met"):
                continue
            month = fmt.format_month(pd.Timestamp(str(e["month"]) + "-01"), locale)
            text = f"{month}: {format_value(e['value'], unit, locale)}"
            if e.get("cohort_incomplete"):
                text += f" ({ck.label('cohort_incomplete', locale)})"
            evidence.append(text)
        proposal = ""
        if "proposal" in a:
            p = a["proposal"]
            src = _member(p["from_channel"], locale)
            parts = [
                f"{src} → {_member(t['channel'], locale)}"
                f": {format_value(t['amount_eur'], 'eur', locale)}"
                for t in p["to"]
            ]
            proposal = f"{ck.label('budget_shift', locale)}: " + "; ".join(parts)
        member = _member(a["member"], locale) if a.get("member") else ""
        sev = str(a.get("severity", "warning"))
        sev_key = f"severity_{sev}" if f"severity_{sev}" in ck.LABELS else "severity_warning"
        out.append(
            {
                "severity": sev,
                "title": f"{ck.label(sev_key, locale)}"
                + (f" [{member}]" if member else "")
                + f": {_rule_text(a, locale)}",
                "action": str(a.get(f"action_{loc}") or ""),
                "evidence": evidence,
                "proposal": proposal,
            }
        )
    return out


def landing_table(landing: dict[str, Any], locale: str = "de") -> pd.DataFrame:
    """The year-end landing against each target: KPI, target, landing, gap, met
    (texts), and ``met_key`` ('on_track' or 'off_track') for the colour."""
    out = []
    for t in landing.get("targets", []):
        metric = str(t["metric"])
        unit = _LANDING_UNITS.get(metric, "count")
        out.append(
            {
                ck.label("kpi", locale): _kpi_label(metric, locale),
                ck.label("target", locale): format_value(t["target"], unit, locale),
                ck.label("landing_value", locale): format_value(t["landing"], unit, locale),
                ck.label("gap_to_target", locale): format_value(t["gap"], unit, locale),
                ck.label("status", locale): ck.label("met" if t["met"] else "not_met", locale),
                "met_key": "on_track" if t["met"] else "off_track",
            }
        )
    return pd.DataFrame(out)


def forecast_summary(view: SollIst, locale: str = "de") -> str:
    """One sentence: the no-change forecast of the plan year with its 80 % band,
    beside the target and the new customers of the 12 months before the plan start,
    named by their months (``2025-01..2025-12`` for a plan starting 2026-01; not the
    calendar year when the plan starts mid-year) ('' without a baseline)."""
    b = view.baseline
    if b is None:
        return ""
    n = lambda x: format_value(x, "count", locale)  # noqa: E731
    start = pd.Period(view.plan_start, freq="M")
    return ck.label(
        "forecast_line",
        locale,
        expected=n(b["expected"]),
        p10=n(b["p10"]),
        p90=n(b["p90"]),
        p99=n(b["p99"]),
        target=n(view.target_new_customers),
        last_year=n(b["last_year"]),
        window=f"{start - 12}..{start - 1}",
    )
