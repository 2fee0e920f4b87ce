"""``planning controlling``: KPIs, plan vs actual, revenue effects, rules and landing.

Compares the actuals (``--actuals``: a folder of canonical tables) with the plan
computed from ``--config`` or, with ``--version``, with a saved plan version.
``--actuals`` may also name the data folder that holds the history and an
``actuals/`` subfolder (``data/sample``): then ``actuals/`` is the actuals and the
folder itself the history (unless ``--history`` names another). A folder without
tables of the plan year stops with one line naming the expected layout. With
``--region R`` the config is merged with ``regions/R.yaml`` and only the actuals of
region R count. Writes
into a new folder ``--out`` (refuses an existing non-empty one; files are written to
a temporary folder and renamed at the end; same inputs give byte-identical files):

* ``kpis.csv``: the KPI catalogue on the actuals (kpi, grain, period, dimension,
  member, value, base, unit), week/month/quarter/YTD, total and per dimension.
* ``variance.csv``: plan vs actual per KPI, grain, period and channel with status;
  for the new-customer KPIs and the funnel also ``plan_funnel`` (what the plan's own
  activities deliver) and the shortfall split into ``gap_planning`` (plan −
  plan_funnel: never funded) and ``gap_execution`` (plan_funnel − actual), with the
  execution status.
* ``mrr_bridge.csv``: the MRR bridge plan vs actual from plan start to as-of
  (opening, new, expansion, contraction, churn, closing; the components' variances add
  up to the closing MRR's variance).
* ``variance_effects.csv``: new MRR and new revenue variance as volume, mix and price
  effects (by channel; with ``--history`` also by segment and product).
* ``actions.json``: every rule evaluated (config rules plus ``--rules`` files),
  triggered or not, with the evidence and, for a channel below plan, the budget shift.
* ``landing.json``: run-rates, the re-run's overrides and the year-end landing
  against the plan and the targets; ``landing_monthly.csv``: the re-run's months;
  ``landing_path.csv``: per month plan, actual, forecast and landing (cumulated) of
  new customers, MRR and sales costs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from planning_lib.cli.common import (
    add_mapping_argument,
    output_taken,
    say_broken_contract,
    say_filled,
)
from planning_lib.cli.plan import clean_json, write_plan
from planning_lib.controlling import deals_controlling as deals_pva
from planning_lib.controlling.actuals_folder import (
    CONTROLLING_TABLES,
    LayoutError,
    by_region,
    check_actuals,
    resolve_layout,
)
from planning_lib.controlling.plan_view import PlanView
from planning_lib.controlling.plan_vs_actual import controlling_report
from planning_lib.controlling.rules import RuleError, rules_from_yaml
from planning_lib.controlling.versions import (
    DEFAULT_VERSIONS_DIR,
    VersionNotFoundError,
    load_version,
)
from planning_lib.core.config import load_params
from planning_lib.core.csv_safe import spreadsheet_safe
from planning_lib.core.fields import ParameterError
from planning_lib.core.outputs import OutputExistsError
from planning_lib.core.params import params_from_dict
from planning_lib.core.text_store import label as text_label
from planning_lib.data.failures import DataValidationError
from planning_lib.data.loaders import dataset_files, load_dataset
from planning_lib.data.mappings import MappingError
from planning_lib.plan.model import run_plan
from planning_lib.present.formatting import (
    DATA_UNITS,
    format_value,
)
from planning_lib.present.labels import text

__all__ = ["HELP", "NAME", "add_arguments", "frame_csv", "run"]

NAME = "controlling"
HELP = "Plan vs actual: KPIs, variance with status, price/volume/mix, rules, landing."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``planning controlling``."""
    parser.add_argument("--config", required=True, type=Path, help="plan parameters (YAML)")
    parser.add_argument(
        "--actuals",
        required=True,
        type=Path,
        help="folder of the plan year's tables, or a data folder with history and actuals/",
    )
    parser.add_argument(
        "--history", type=Path, default=None, help="folder of history tables (forecast, mix)"
    )
    add_mapping_argument(parser)
    parser.add_argument(
        "--region", default=None, help="plan of regions/<R>.yaml against that region's actuals"
    )
    parser.add_argument("--version", default=None, help="compare with this saved version")
    parser.add_argument(
        "--versions-dir", type=Path, default=DEFAULT_VERSIONS_DIR, help="versions folder"
    )
    parser.add_argument(
        "--rules", type=Path, action="append", default=[], help="further rules YAML (repeatable)"
    )
    parser.add_argument(
        "--as-of", type=dt.date.fromisoformat, default=None, help="last day of the actuals"
    )
    parser.add_argument("--lang", choices=("de", "en"), default=None, help="console language")
    parser.add_argument("--out", required=True, type=Path, help="new output folder")


def frame_csv(df: pd.DataFrame) -> str:
    """CSV text: dates as YYYY-MM-DD, floats with 6 decimals, '\\n' line ends; text a
    spreadsheet would run as a formula is neutralised (``planning_lib.core.csv_safe``)."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    return spreadsheet_safe(out).to_csv(index=False, float_format="%.6f", lineterminator="\n")


def _dump(data: Any) -> str:
    return json.dumps(clean_json(data), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _plan(args: argparse.Namespace, params: Any) -> tuple[Any, PlanView, dict[str, Any], dict]:
    if args.version is None:
        result = run_plan(params)
        view = PlanView.from_params(result.monthly, params, name="config")
        return params, view, dict(result.summary), {"source": "config", "config": str(args.config)}
    v = load_version(args.versions_dir, args.version)
    vparams = params_from_dict(v.params, source=f"version {v.meta['version_id']}")
    name = f"{v.meta['name']} ({v.meta['version_id']})"
    view = PlanView.from_params(v.monthly, vparams, name=name)
    return vparams, view, v.summary, {"source": "version", **v.meta}


def _plan_line(
    args: argparse.Namespace, params: Any, view: PlanView, plan_meta: dict, lang: str
) -> str:
    """The console's first line: the plan compared with. From ``--config``: the company
    and the parameter file's name (``Plan: CloudFlow (Planparameter cloudflow.yaml)``),
    not the source code ``config``; a saved version: its name and id."""
    if plan_meta["source"] == "config":
        return text_label("ctl.plan_config", lang).format(
            company=params.company.name, file=Path(args.config).name
        )
    return f"Plan: {view.name}"


def _console(report: Any, plan_line: str, lang: str) -> list[str]:
    de = lang == "de"
    ytd = report.variance[(report.variance["grain"] == "ytd") & (report.variance["member"] == "")]
    lines = [plan_line]
    for r in ytd[
        ytd["kpi"].isin(["new_customers", "new_mrr", "mrr", "cac", "logo_churn"])
    ].itertuples():
        label = r.label_de if de else r.label_en
        st = text_label(f"pva.status.{r.status}", lang)
        unit, places = DATA_UNITS[r.unit], 1 if r.unit == "count" else None  # YTD: 123,4
        actual = format_value(r.actual, unit, lang, places)
        plan = format_value(r.plan, unit, lang, places)
        lines.append(f"  {label}: {actual} / {plan} ({st})")
    new = ytd[ytd["kpi"] == "new_customers"]
    if len(new) and pd.notna(new["plan_funnel"].iloc[0]):
        r = new.iloc[0]
        gap = format_value(r.plan - r.actual, "count", lang, 1)
        parts = ", ".join(
            f"{text_label('pva.' + k, lang)} {format_value(r[k], 'count', lang, 1)}"
            for k in ("gap_planning", "gap_execution")
        )
        lines.append(text_label("cli.controlling.gap", lang).format(gap=gap, parts=parts))
    for r in report.mrr_bridge.itertuples():
        if r.component == "opening":
            lines.append(text_label("cli.controlling.bridge", lang))
        label = r.label_de if de else r.label_en
        lines.append(
            f"  {label}: {format_value(r.actual_eur, 'eur', lang)} / "
            f"{format_value(r.plan_eur, 'eur', lang)} ({format_value(r.variance_eur, 'eur', lang)})"
        )
    fired = [a for a in report.actions if a["triggered"]]
    lines.append(text_label("cli.controlling.rules", lang).format(n=len(fired)))
    for a in fired:
        where = f" [{a['member']}]" if a["member"] else ""
        lines.append(f"  {a['rule']}{where} {', '.join(a['trigger_months'])}: "
                     f"{a['action_de'] if de else a['action_en']}")  # fmt: skip
        if "proposal" in a:
            source = a["proposal"]["from_channel"]
            for t in a["proposal"]["to"]:
                amount = format_value(t["amount_eur"], "eur", lang)
                lines.append(f"    {source} → {t['channel']}: {amount}")
    for key, unit in (("new_customers", "count"), ("mrr_end", "eur")):
        f = report.landing["figures"][key]
        landing = format_value(f["landing"], unit, lang)
        plan = format_value(f["plan"], unit, lang)
        lines.append(
            "  " + text_label(f"ctl.landing.{key}", lang).format(landing=landing, plan=plan)
        )
    return lines


def run(args: argparse.Namespace) -> int:
    """Run the controlling; exit 0 on success, 1 on bad input, 2 when --out is not empty."""
    out: Path = args.out
    if output_taken(out):
        return 2

    try:
        params = load_params(args.config, region=args.region)
        rules = list(params.rules)
        for path in args.rules:
            rules += rules_from_yaml(path.read_text(encoding="utf-8"), str(path))
        actuals_dir, history_dir = resolve_layout(args.actuals, args.history)
        lang = args.lang or params.company.locale
        actuals = load_dataset(actuals_dir, args.mapping, lang=lang)
        say_filled(actuals, prefix="actuals/")
        partial = "deals" in actuals and any(t not in actuals for t in CONTROLLING_TABLES)
        start = params.company.plan_start
        if partial and deals_pva.closed_in_plan_year(actuals["deals"], start):
            return _run_deals(args, params, actuals, history_dir, lang)
        check_actuals(actuals, actuals_dir, params.company.plan_start)
        actuals = by_region(actuals, args.region)
        history = load_dataset(history_dir, args.mapping, lang=lang) if history_dir else None
        if history is not None:
            say_filled(history)
            history = by_region(history, args.region)
        plan_params, view, summary, plan_meta = _plan(args, params)
        report = controlling_report(
            plan_params, actuals, view, summary, rules=rules, history=history, as_of=args.as_of
        )
    except (
        ParameterError,
        RuleError,
        VersionNotFoundError,
        FileNotFoundError,
        LayoutError,
        MappingError,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except DataValidationError as exc:
        say_broken_contract(exc)
        return 1
    landing = {k: v for k, v in report.landing.items() if k not in ("rerun_monthly", "path")}
    landing["plan"] = plan_meta
    files = {
        "kpis.csv": frame_csv(report.kpis),
        "variance.csv": frame_csv(report.variance),
        "variance_effects.csv": frame_csv(report.effects),
        "mrr_bridge.csv": frame_csv(report.mrr_bridge),
        "actions.json": _dump(
            {"as_of": landing["as_of"], "plan": view.name, "rules": report.actions}
        ),
        "landing.json": _dump(landing),
        "landing_monthly.csv": frame_csv(report.landing["rerun_monthly"]),
        "landing_path.csv": frame_csv(report.landing["path"]),
    }
    try:
        write_plan(out, files)
    except OutputExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if actuals_dir != args.actuals:
        folders = text_label("cli.controlling.folders", lang)
        print(folders.format(actuals=actuals_dir, history=history_dir))
    for line in _console(report, _plan_line(args, params, view, plan_meta, lang), lang):
        print(line)
    print(text_label("cli.written", lang).format(path=out))
    return 0


def _run_deals(
    args: argparse.Namespace,
    params: Any,
    actuals: dict[str, pd.DataFrame],
    history_dir: Path | None,
    lang: str,
) -> int:
    """The controlling of actuals with deals but not all five tables: the deal figures.

    Writes ``kpis.csv`` (the catalogue's KPIs of the tables present), ``variance.csv``
    (bookings, won deals, deal size, win rate and, for a transactional plan, new vs
    repeat bookings; month and YTD) and ``landing.json`` (the landing on bookings and the
    open pipeline, whether the history was used, the skipped parts); prints one line on
    the history (used, or: without it new vs repeat and the new-business win rate are not
    known, those figures stay empty, ``--history DIR`` gives it) and one per skipped part.
    """
    start = params.company.plan_start
    company_deals = actuals["deals"]  # who is a customer: decided company-wide
    company_history = load_dataset(history_dir, args.mapping, lang=lang) if history_dir else {}
    say_filled(company_history)
    actuals = by_region(actuals, args.region)
    try:
        _params, view, _summary, plan_meta = _plan(args, params)
    except (ParameterError, VersionNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    deals = actuals["deals"]
    as_of = args.as_of or deals_pva.deals_as_of(deals)
    if as_of < start:
        print(
            f"error: the actuals' deals complete no month of the plan year (as of "
            f"{as_of.isoformat()}, plan start {start.isoformat()}); give --as-of or wait for "
            "the first month's end",
            file=sys.stderr,
        )
        return 1
    history_deals = company_history.get("deals")
    variance = deals_pva.deals_plan_vs_actual(
        deals, as_of, view, history_deals, company_deals=company_deals
    )
    history_note, history_line = _history_note(args, history_dir, history_deals, view, start, lang)
    landing = deals_pva.bookings_landing(deals, as_of, view)
    skipped = deals_pva.skipped_parts(actuals)
    files = {
        "kpis.csv": frame_csv(deals_pva.deal_kpis(actuals, as_of, start)),
        "variance.csv": frame_csv(variance),
        "landing.json": _dump(
            {
                "as_of": as_of.isoformat(),
                "plan": plan_meta,
                "figures": {"bookings": landing.drop(columns="figure").iloc[0].to_dict()},
                "history": history_note,
                "skipped": [{"table": t, "part": p} for t, p in skipped],
                "not_compared": deals_pva.unused_tables(actuals),
            }
        ),
    }
    try:
        write_plan(args.out, files)
    except OutputExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(_plan_line(args, params, view, plan_meta, lang))
    print(history_line)
    ytd = variance[variance["grain"] == "ytd"]
    for r in ytd.itertuples():
        unit, places = DATA_UNITS[r.unit], 1 if r.unit == "count" else None
        lines = (
            r.label_de if lang == "de" else r.label_en,
            text_label(f"pva.status.{r.status}", lang),
        )
        print(
            f"  {lines[0]}: {format_value(r.actual, unit, lang, places)} / "
            f"{format_value(r.plan, unit, lang, places)} ({lines[1]})"
        )
    row = landing.iloc[0]
    land, planned = (format_value(row[k], "eur", lang) for k in ("landing", "plan"))
    print(text_label("cli.controlling.landing_bookings", lang).format(landing=land, plan=planned))
    for _table, part in [*skipped, ("", "rules")]:
        print("  " + text_label(f"07.skipped.{part}", lang).replace("**", ""))
    unused = deals_pva.unused_tables(actuals)
    if unused:
        note = text_label("07.skipped.unused", lang).replace("**", "")
        print("  " + note.format(tables=", ".join(unused)))
    print(text_label("cli.written", lang).format(path=args.out))
    return 0


def _history_note(
    args: argparse.Namespace,
    history_dir: Path | None,
    history_deals: pd.DataFrame | None,
    view: PlanView,
    start: dt.date,
    lang: str,
) -> tuple[dict[str, Any], str]:
    """Whether the history decided who bought before the plan start: the entry of
    ``landing.json`` and the console's one line (in ``lang``).

    The entry: ``used`` (the history's deals were read), ``deals_before_start`` (how many
    of them count, else None), ``not_known`` (the figures left empty without them) and
    ``found_not_used`` (the folder above the actuals when it holds a deals table that
    neither ``--actuals`` nor ``--history`` gave, else None). No folder of a used
    history: the same figures from another folder give the same file.
    """
    codes = deals_pva.not_known_without_history(view)
    names = ", ".join(
        text_label(f"kf.{'win_rate_new' if c == 'win_rate' else c}", lang) for c in codes
    )
    if history_deals is not None:
        n = deals_pva.history_deals_before(history_deals, start)
        line = text("ctl.history_used", lang, folder=str(history_dir),
                    deals=format_value(n, "count", lang), figures=names)  # fmt: skip
        entry = {"used": True, "deals_before_start": n, "not_known": [], "found_not_used": None}
        return entry, line
    parent = Path(args.actuals).resolve().parent
    found = None
    if history_dir is None and "deals" in dataset_files(parent):
        found = str(parent)
    if history_dir is not None:
        key, values = "ctl.history_without_deals", {"folder": str(history_dir)}
    elif found is not None:
        key, values = "ctl.no_history_found", {"folder": found}
    else:
        key, values = "ctl.no_history", {}
    entry = {"used": False, "deals_before_start": None, "not_known": codes,
             "found_not_used": found}  # fmt: skip
    return entry, text(key, lang, figures=names, **values)
