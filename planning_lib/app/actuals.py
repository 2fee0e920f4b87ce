"""Soll/Ist view of the Szenario-Cockpit: plan vs actual as plain tables and figures.

The widgets (``planning_lib.app.actuals_app``) only show what this module
returns; everything here is a function a test can call without a browser:

- :func:`plan_choices` lists the plan versions of a versions folder (and the
  config's own plan) for the version selector.
- :func:`compute` runs the controlling
  (:func:`planning_lib.controlling.plan_vs_actual.controlling_report`, the same as
  ``planning controlling``) for one plan (a saved version or the config's plan), one actuals
  folder (a data folder with history and ``actuals/`` or the actuals themselves, see
  :func:`planning_lib.cli.controlling.resolve_layout`)
  and one region; adds the no-change forecast of new customers
  (:func:`planning_lib.analysis.forecast.baseline.no_change_new_customers`, monthly bands
  from :func:`planning_lib.analysis.forecast.api.auto_forecast`) and every region's new customers
  plan vs actual. The result (:class:`SollIst`) holds numbers only.
- :func:`kpi_month_table`, :func:`kpi_channel_table`, :func:`gap_table`,
  :func:`actions_list`, :func:`landing_table`, :func:`forecast_summary` turn it into
  display tables: German (or English) labels, numbers formatted with Babel
  (``planning_lib.present.formatting``), a status key per cell for the colour.
- :func:`gap_chart`, :func:`forecast_chart`, :func:`region_multiples` draw it.

Units: counts (customers, leads), EUR (MRR, costs), shares 0..1 (conversions, churn).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from planning_lib.app import cockpit as ck
from planning_lib.core import text_store
from planning_lib.present import formatting as fmt
from planning_lib.present.charts import format_axis

__all__ = [
    "CONFIG_PLAN",
    "MONTH_KPIS",
    "STATUS_COLOURS",
    "SollIst",
    "actions_list",
    "by_region",
    "compute",
    "forecast_chart",
    "forecast_summary",
    "format_kpi",
    "gap_chart",
    "gap_table",
    "kpi_channel_table",
    "kpi_month_table",
    "label",
    "landing_table",
    "plan_choices",
    "region_multiples",
]

CONFIG_PLAN = ""
"""Value of the version selector for the config's own plan (no saved version)."""

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

STATUS_COLOURS: dict[str, str] = {
    "on_track": "#2e7d32",
    "watch": "#f9a825",
    "off_track": "#c62828",
    "incomplete": "#9aa5b1",
    "no_plan": "#9aa5b1",
}

_LANDING_UNITS = {
    "mrr_end": "EUR",
    "new_customers": "count",
    "cac": "EUR",
    "cac_fully_loaded": "EUR",
    "churn_rate_monthly": "share",
    "customers_end": "count",
    "cost_total": "EUR",
}


def label(key: str, locale: str = "de", **values: Any) -> str:
    """The label ``key`` (``planning_lib.app.cockpit.LABELS``), values filled in."""
    text = ck.label(key, "en" if locale == "en" else "de")
    return text.format(**values) if values else text


def _kpi_label(code: str, locale: str) -> str:
    from planning_lib.metrics.kpis import CATALOGUE

    if code in ck.LABELS:
        return label(code, locale)
    if code in CATALOGUE:
        return CATALOGUE[code].label(locale)
    return label(code, locale)  # the cockpit's labels; KeyError for an unlabelled code


def _member(member: Any, locale: str) -> str:
    """A channel in words (``Inbound``), a region as named, '' as the total."""
    m = member if isinstance(member, str) else ""
    if not m:
        return label("total", locale)
    return label(m, locale) if m in ("inbound", "outbound", "partner") else m


def format_kpi(value: float | None, unit: str, locale: str = "de") -> str:
    """A KPI value as the view shows it: counts whole (``1.234``), EUR whole
    (``25.258 €``), shares with one decimal (``4,5 %``), others with one decimal."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return fmt.MISSING
    if unit == "count":
        return fmt.format_number(value, locale, 0)
    if unit == "EUR":
        return fmt.format_eur(value, locale, 0)
    if unit == "share":
        return fmt.format_percent(value, locale, 1)
    return fmt.format_number(value, locale, 1)


# --------------------------------------------------------------------------- computing


@dataclass(frozen=True)
class SollIst:
    """Everything the Soll/Ist tab shows, as numbers (no formatting).

    Attributes:
        plan_name: the plan's name (version name and id, or the config's company name).
        as_of: last day of the actuals.
        plan_start: first month of the plan.
        variance: ``variance.csv`` of ``planning controlling``.
        actions: the rules as evaluated (``actions.json``'s ``rules``).
        landing: ``landing.json`` without the monthly frames.
        baseline: the no-change baseline's figures (expected, p10, p50, p90, p99,
            last_year) or None without history.
        forecast: the monthly no-change forecast (month index; mean, lo_80, hi_80,
            lo_95, hi_95) or None.
        regions: new customers per region and month: region, month, plan, actual.
        target_new_customers: the plan's new-customer target for the year (or None).
        plan_new_customers: the plan's new customers per month (whole plan year).
    """

    plan_name: str
    as_of: dt.date
    plan_start: dt.date
    variance: pd.DataFrame
    actions: list[dict[str, Any]]
    landing: dict[str, Any]
    baseline: dict[str, float] | None
    forecast: pd.DataFrame | None
    regions: pd.DataFrame
    target_new_customers: float | None
    plan_new_customers: pd.Series


def plan_choices(versions_dir: str | Path, locale: str = "de") -> list[tuple[str, str]]:
    """(label, value) pairs of the version selector: the config's plan first
    (value :data:`CONFIG_PLAN`), then every saved version, newest first, as
    ``name (id)``."""
    from planning_lib.controlling.versions import list_versions

    listed = list_versions(versions_dir)
    out = [(label("config_plan", locale), CONFIG_PLAN)]
    for r in listed.iloc[::-1].itertuples():
        out.append((f"{r.name} ({r.version_id})", str(r.version_id)))
    return out


def _plan(config: Path, region: str | None, version: str, versions_dir: Path) -> tuple:
    from planning_lib.controlling.plan_view import PlanView
    from planning_lib.controlling.versions import load_version
    from planning_lib.core.config import load_params
    from planning_lib.core.params import params_from_dict
    from planning_lib.plan.model import run_plan

    params = load_params(config, region=region)
    if version == CONFIG_PLAN:
        result = run_plan(params)
        name = region or params.company.name
        return (
            params,
            params,
            PlanView.from_params(result.monthly, params, name=name),
            dict(result.summary),
            name,
        )
    v = load_version(versions_dir, version)
    vparams = params_from_dict(v.params, source=f"version {v.meta['version_id']}")
    name = f"{v.meta['name']} ({v.meta['version_id']})"
    return params, vparams, PlanView.from_params(v.monthly, vparams, name=name), v.summary, name


def _new_customers_line(monthly: pd.DataFrame) -> pd.Series:
    """The plan's new customers per month (all channels)."""
    rows = monthly[monthly["line_item"] == "customers_new"]
    if "channel" in rows.columns and (rows["channel"].fillna("") == "").any():
        rows = rows[rows["channel"].fillna("") == ""]
    out = rows.groupby(pd.to_datetime(rows["month"]))["value"].sum()
    out.index.name = "month"
    return out


def _region_table(
    config: Path, regions: list[str], actuals: dict[str, pd.DataFrame], ctx: Any
) -> pd.DataFrame:
    """New customers per region and month: each region's plan (its config) and actual."""
    from planning_lib.core.config import load_params
    from planning_lib.metrics.kpis import compute_kpi
    from planning_lib.plan.model import run_plan

    act = compute_kpi(actuals, ctx, "new_customers", "month", "region")
    rows = []
    for r in regions:
        plan = _new_customers_line(run_plan(load_params(config, region=r)).monthly)
        mine = act[act["member"] == r].set_index("period")["value"]
        for month, value in plan.items():
            a = mine.get(month, np.nan) if month <= pd.Timestamp(ctx.as_of) else np.nan
            rows.append({"region": r, "month": month, "plan": float(value), "actual": a})
    return pd.DataFrame(rows, columns=["region", "month", "plan", "actual"])


def by_region(tables: dict[str, pd.DataFrame], region: str | None) -> dict[str, pd.DataFrame]:
    """The rows of ``region`` in every table with a region column (all rows for None),
    as ``planning controlling --region`` keeps them."""
    if region is None:
        return tables
    return {k: v[v["region"] == region] if "region" in v.columns else v for k, v in tables.items()}


def compute(
    config: str | Path,
    actuals_dir: str | Path,
    region: str | None = None,
    version: str = CONFIG_PLAN,
    versions_dir: str | Path | None = None,
) -> SollIst:
    """Plan vs actual of one plan version, actuals folder and region (see module doc).

    Raises:
        planning_lib.cli.controlling.LayoutError: the actuals folder has no
            tables of the plan year (the message names the expected layout).
        planning_lib.controlling.versions.VersionNotFoundError: unknown version.
        FileNotFoundError, planning_lib.core.params.ParameterError,
        planning_lib.data.failures.DataValidationError: bad inputs.
    """
    from planning_lib.analysis.forecast.baseline import no_change_new_customers
    from planning_lib.cli.controlling import check_actuals, resolve_layout
    from planning_lib.controlling.plan_vs_actual import context_for, controlling_report
    from planning_lib.controlling.versions import DEFAULT_VERSIONS_DIR
    from planning_lib.data.loaders import load_dataset

    config = Path(config)
    vdir = Path(versions_dir) if versions_dir is not None else DEFAULT_VERSIONS_DIR
    params, plan_params, view, summary, name = _plan(config, region, version, vdir)
    act_dir, hist_dir = resolve_layout(Path(actuals_dir), None)
    all_actuals = load_dataset(act_dir)
    check_actuals(all_actuals, act_dir, params.company.plan_start)
    actuals = by_region(all_actuals, region)
    history = by_region(load_dataset(hist_dir), region) if hist_dir else None
    report = controlling_report(
        plan_params, actuals, view, summary, rules=list(params.rules), history=history
    )
    landing = {k: v for k, v in report.landing.items() if k not in ("rerun_monthly", "path")}
    as_of = dt.date.fromisoformat(str(landing["as_of"])[:10])
    baseline = forecast = None
    if history is not None and "deals" in history and len(history["deals"]):
        try:
            base = no_change_new_customers(history["deals"], params.company.plan_start)
        except ValueError:  # no won deal before the plan: no baseline
            base = None
        if base is not None:
            baseline, forecast = base.as_dict(), base.monthly
    target = plan_params.target("new_customers")
    regions = sorted(p.stem for p in (config.parent / "regions").glob("*.yaml"))
    ctx = context_for(params, all_actuals, as_of)
    return SollIst(
        plan_name=name,
        as_of=as_of,
        plan_start=params.company.plan_start,
        variance=report.variance,
        actions=list(report.actions),
        landing=landing,
        baseline=baseline,
        forecast=forecast,
        regions=_region_table(config, regions, all_actuals, ctx),
        target_new_customers=float(target.value) if target else None,
        plan_new_customers=view.line(view.new_customers_item("plan")),
    )


# --------------------------------------------------------------------------- tables


def _month_rows(variance: pd.DataFrame) -> pd.DataFrame:
    return variance[(variance["grain"] == "month") & (variance["member"].fillna("") == "")]


def kpi_month_table(variance: pd.DataFrame, locale: str = "de") -> pd.DataFrame:
    """KPIs by month: one row per KPI (:data:`MONTH_KPIS` the plan has), one column
    per month, each cell ``(text, status)`` with text ``actual / plan``.

    The first column (``Kennzahl``/``KPI``) holds the KPI's label.
    """
    rows = _month_rows(variance)
    months = sorted(rows["period"].unique())
    heads = [fmt.format_month(pd.Timestamp(m), locale) for m in months]
    out = []
    for code in MONTH_KPIS:
        mine = rows[rows["kpi"] == code].set_index("period")
        if mine.empty:
            continue
        line: dict[str, Any] = {label("kpi", locale): _kpi_label(code, locale)}
        for m, h in zip(months, heads, strict=True):
            if m not in mine.index:
                line[h] = (fmt.MISSING, "no_plan")
                continue
            r = mine.loc[m]
            text = f"{format_kpi(r['actual'], r['unit'], locale)} / "
            text += format_kpi(r["plan"], r["unit"], locale)
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
                    label("kpi", locale): _kpi_label(code, locale),
                    label("channel", locale): _member(r.member, locale),
                    label("plan", locale): format_kpi(r.plan, r.unit, locale),
                    label("actual", locale): format_kpi(r.actual, r.unit, locale),
                    label("attainment", locale): format_kpi(r.attainment, "share", locale),
                    label("status", locale): text_store.label(f"pva.status.{r.status}", locale),
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
        n = lambda x: fmt.format_number(x, locale, 1)  # noqa: E731
        out.append(
            {
                label("channel", locale): _member(r.member, locale),
                label("plan_target", locale): n(r.plan),
                label("plan_funnel", locale): n(r.plan_funnel),
                label("actual", locale): n(r.actual),
                label("gap_total", locale): n(r.plan - r.actual),
                text_store.label("pva.gap_planning", locale): n(r.gap_planning),
                text_store.label("pva.gap_execution", locale): n(r.gap_execution),
            }
        )
    return pd.DataFrame(out)


def _rule_text(a: dict[str, Any], locale: str) -> str:
    unit = "share" if a.get("threshold") is not None and abs(a["threshold"]) <= 1 else "count"
    what = _kpi_label(str(a["metric"]), locale)
    if a.get("judged_against") == "threshold" and a.get("threshold") is not None:
        what += f" {a.get('comparison', '')} {format_kpi(a['threshold'], unit, locale)}"
    elif a.get("threshold") is not None:  # against the plan: threshold is a share of plan
        what += f" {a.get('comparison', '')} {format_kpi(a['threshold'], 'share', locale)} "
        what += label("plan", locale)
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
            text = f"{month}: {format_kpi(e['value'], unit, locale)}"
            if e.get("cohort_incomplete"):
                text += f" ({label('cohort_incomplete', locale)})"
            evidence.append(text)
        proposal = ""
        if "proposal" in a:
            p = a["proposal"]
            src = _member(p["from_channel"], locale)
            parts = [
                f"{src} → {_member(t['channel'], locale)}"
                f": {fmt.format_eur(t['amount_eur'], locale, 0)}"
                for t in p["to"]
            ]
            proposal = f"{label('budget_shift', locale)}: " + "; ".join(parts)
        member = _member(a["member"], locale) if a.get("member") else ""
        sev = str(a.get("severity", "warning"))
        sev_key = f"severity_{sev}" if f"severity_{sev}" in ck.LABELS else "severity_warning"
        out.append(
            {
                "severity": sev,
                "title": f"{label(sev_key, locale)}"
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
                label("kpi", locale): _kpi_label(metric, locale),
                label("target", locale): format_kpi(t["target"], unit, locale),
                label("landing_value", locale): format_kpi(t["landing"], unit, locale),
                label("gap_to_target", locale): format_kpi(t["gap"], unit, locale),
                label("status", locale): label("met" if t["met"] else "not_met", locale),
                "met_key": "on_track" if t["met"] else "off_track",
            }
        )
    return pd.DataFrame(out)


def forecast_summary(view: SollIst, locale: str = "de") -> str:
    """One sentence: the no-change forecast of the plan year with its 80 % band,
    beside the target and last year's new customers ('' without a baseline)."""
    b = view.baseline
    if b is None:
        return ""
    n = lambda x: fmt.format_number(x, locale, 0)  # noqa: E731
    target = fmt.MISSING if view.target_new_customers is None else n(view.target_new_customers)
    return label(
        "forecast_line",
        locale,
        expected=n(b["expected"]),
        p10=n(b["p10"]),
        p90=n(b["p90"]),
        p99=n(b["p99"]),
        target=target,
        last_year=n(b["last_year"]),
    )


# --------------------------------------------------------------------------- charts

_SIZE = (5.6, 3.0)


def _figure(title: str, size: tuple[float, float] = _SIZE) -> tuple[Figure, Any]:
    fig = Figure(figsize=size, dpi=80)
    ax = fig.add_subplot()
    ax.set_title(title, fontsize=10, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _month_ticks(ax: Any, months: list[pd.Timestamp], locale: str) -> None:
    x = np.arange(len(months))
    ax.set_xticks(x, [fmt.format_month(m, locale) for m in months], rotation=45, fontsize=7)


def gap_chart(variance: pd.DataFrame, locale: str = "de") -> Figure:
    """Horizontal stacked bar of new customers year to date: actual, then the
    execution gap, then the part never funded, adding up to the plan (target)."""
    fig, ax = _figure(label("gap_chart", locale), (5.6, 1.9))
    r = variance[
        (variance["grain"] == "ytd")
        & (variance["kpi"] == "new_customers")
        & (variance["member"].fillna("") == "")
    ]
    if r.empty:
        return fig
    r = r.iloc[0]
    parts = [
        (label("actual", locale), float(r["actual"]), "#1f4e79"),
        (text_store.label("pva.gap_execution", locale), float(r["gap_execution"]), "#c62828"),
        (text_store.label("pva.gap_planning", locale), float(r["gap_planning"]), "#f9a825"),
    ]
    left = 0.0
    for name, value, colour in parts:
        ax.barh([0], [value], left=left, color=colour, label=name, height=0.5)
        left += value
    ax.axvline(float(r["plan"]), color="#333", lw=1, ls="--")
    ax.set_yticks([])
    ax.legend(fontsize=7, frameon=False, loc="upper center", ncols=3, bbox_to_anchor=(0.5, -0.25))
    format_axis(ax.xaxis, "count", locale)
    return fig


def forecast_chart(view: SollIst, locale: str = "de") -> Figure:
    """New customers per month: the no-change forecast with its 80 % and 95 % bands,
    the actuals so far and the plan's monthly target pace."""
    fig, ax = _figure(label("forecast", locale))
    fc = view.forecast
    rows = _month_rows(view.variance)
    new = rows[rows["kpi"] == "new_customers"].set_index("period").sort_index()
    months = (
        [pd.Timestamp(m) for m in fc.index]
        if fc is not None
        else [pd.Timestamp(m) for m in new.index]
    )
    x = np.arange(len(months))
    if fc is not None:
        ax.fill_between(x, fc["lo_95"], fc["hi_95"], color="#deebf7", label=label("band95", locale))
        ax.fill_between(x, fc["lo_80"], fc["hi_80"], color="#9ecae1", label=label("band80", locale))
        ax.plot(x, fc["mean"], color="#1f4e79", lw=1.5, label=label("no_change", locale))
    pos = {m: i for i, m in enumerate(months)}
    pace = [(pos[pd.Timestamp(m)], float(v)) for m, v in view.plan_new_customers.items()
            if pd.Timestamp(m) in pos]  # fmt: skip
    if pace:
        ax.plot(*zip(*pace, strict=True), color="#333", ls="--", lw=1,
                label=label("target_pace", locale))  # fmt: skip
    if len(new):
        xs = [pos[pd.Timestamp(m)] for m in new.index if pd.Timestamp(m) in pos]
        actual = [float(new.loc[m, "actual"]) for m in new.index if pd.Timestamp(m) in pos]
        ax.scatter(xs, actual, color="#c62828", zorder=3, s=14, label=label("actual", locale))
    _month_ticks(ax, months, locale)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.3)  # room for the legend
    ax.legend(fontsize=7, frameon=False, loc="upper left", ncols=3)
    format_axis(ax.yaxis, "count", locale)
    return fig


def region_multiples(regions: pd.DataFrame, locale: str = "de") -> Figure:
    """Small multiples, one panel per region on a shared scale: the region's planned
    new customers per month (line) and its actuals (bars)."""
    names = list(dict.fromkeys(regions["region"]))
    cols = min(4, max(1, len(names)))
    nrows = max(1, -(-len(names) // cols))
    fig = Figure(figsize=(2.9 * cols, 2.2 * nrows + 0.4), dpi=80)
    fig.suptitle(label("regions", locale), fontsize=10, x=0.01, ha="left")
    top = float(np.nanmax(regions[["plan", "actual"]].to_numpy(dtype=float))) if len(regions) else 1
    axes = fig.subplots(nrows, cols, squeeze=False, sharey=True)
    for i, ax in enumerate(axes.flat):
        if i >= len(names):
            ax.set_visible(False)
            continue
        r = regions[regions["region"] == names[i]].sort_values("month")
        months = [pd.Timestamp(m) for m in r["month"]]
        x = np.arange(len(months))
        ax.bar(x, r["actual"].fillna(0.0), color="#1f4e79", label=label("actual", locale))
        ax.plot(x, r["plan"], color="#c62828", lw=1.2, label=label("plan", locale))
        ax.set_title(names[i], fontsize=9)
        ax.set_xticks(x[::3], [fmt.format_month(m, locale) for m in months][::3], fontsize=6)
        ax.set_ylim(0, max(top, 1.0) * 1.1)
        ax.spines[["top", "right"]].set_visible(False)
        format_axis(ax.yaxis, "count", locale)
        if i == 0:
            ax.legend(fontsize=6, frameon=False, loc="upper left")
    return fig
