"""``planning plan``: the driver-based plan of one config (and region, scenario) to files.

Writes into a new folder ``--out`` (refuses an existing non-empty one):

* ``plan.csv``: monthly line items, tidy (month, line_item, channel, value, unit),
  sorted by line_item, channel, month; values with 6 decimals.
* ``gap.csv``: top-down (needed for the target) next to bottom-up (planned) per
  channel and funnel stage.
* ``findings.json``: feasibility and consistency findings (code, severity,
  message_de, message_en, numbers).
* ``summary.json``: the summary KPIs (sorted keys), ``basis`` and ``bases`` (the
  plan on the funnel and the target basis side by side); with ``--draws`` also ``p_hit``
  per target and ``monte_carlo`` (draws, seed, drivers, P10/P50/P90 of each KPI).
* ``mc_percentiles.csv`` (with ``--draws``): P10/P50/P90 per month and line item.

Files are written to a temporary folder beside ``--out`` and renamed at the end,
so ``--out`` either holds every file or does not exist. The same inputs and seed
give byte-identical files. Text a spreadsheet would run as a formula (a channel or
region name starting with ``=``, ``+``, ``-``, ``@``) gets a leading ``'``
(``planning_lib.core.csv_safe``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from planning_lib.cli.common import history_overrides, output_taken, say_broken_contract
from planning_lib.core.config import load_params
from planning_lib.core.csv_safe import spreadsheet_safe
from planning_lib.core.fields import ParameterError
from planning_lib.core.outputs import OutputExistsError, new_folder
from planning_lib.core.overrides import apply_overrides
from planning_lib.core.text_store import label as text_label
from planning_lib.data.failures import DataValidationError
from planning_lib.plan.scenarios import monte_carlo, plan_bases, run_scenario
from planning_lib.plan.targets import gap_table
from planning_lib.present.formatting import format_plain
from planning_lib.present.plan_finding_texts import plan_finding_record, plan_finding_text

__all__ = ["HELP", "NAME", "add_arguments", "clean_json", "run", "write_plan"]

NAME = "plan"
HELP = "Compute the driver-based plan (scenario, Monte Carlo) and write plan.csv, findings, summary"


def _int_at_least(low: int, what: str):
    """An argparse type: a whole number >= ``low`` (else a usage error naming ``what``)."""

    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{what} must be at least {low}, not {value}")
        return value

    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``planning plan``."""
    parser.add_argument("--config", required=True, type=Path, help="plan parameters (YAML)")
    parser.add_argument("--region", default=None, help="region file (regions/<R>.yaml) to merge")
    parser.add_argument(
        "--scenario", default="base", help="base, best, worst or a name from the config"
    )
    parser.add_argument(
        "--draws",
        type=_int_at_least(1, "the number of draws"),
        default=None,
        help="Monte Carlo draws, 1 or more (optional)",
    )
    parser.add_argument(
        "--seed", type=_int_at_least(0, "the seed"), default=None, help="Monte Carlo seed (>= 0)"
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="history folder (canonical tables): the pipeline open at plan start is read "
        "from its leads (the region's rows); without it the first month's planned volumes",
    )
    parser.add_argument("--out", required=True, type=Path, help="new output folder")


def clean_json(value: Any) -> Any:
    """JSON-ready copy: floats rounded to 6 decimals, NaN/inf as None, dicts/lists recursed."""
    if isinstance(value, dict):
        return {str(k): clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(v) for v in value]
    if isinstance(value, float):
        return round(value, 6) if math.isfinite(value) else None
    return value


def _dump(data: Any) -> str:
    return json.dumps(clean_json(data), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _csv(df, path: Path) -> None:
    out = df.copy()
    out["month"] = out["month"].dt.strftime("%Y-%m-%d")
    spreadsheet_safe(out).to_csv(path, index=False, float_format="%.6f", lineterminator="\n")


def write_plan(out: Path, files: dict[str, Any]) -> None:
    """Write ``files`` (name → text or DataFrame) into the new folder ``out`` atomically.

    Raises:
        OutputExistsError: ``out`` exists and is not an empty folder.
    """
    with new_folder(out) as tmp:
        for name, content in sorted(files.items()):
            if isinstance(content, str):
                (tmp / name).write_text(content, encoding="utf-8")
            else:
                _csv(content, tmp / name)


def _lines(
    summary: dict[str, Any],
    findings: list,
    p_hit: dict[str, float] | None,
    de: bool,
    targets: list | None = None,
):
    """The console summary; ``targets`` (the config's) name the targets of ``p_hit``."""
    lang = "de" if de else "en"

    def f(x: float, decimals: int = 0) -> str:
        return format_plain(x, lang, decimals)

    def t(key: str, **values: str) -> str:
        return text_label(f"cli.plan.{key}", lang).format(**values)

    s = summary
    out = [
        t("mrr", start=f(s["mrr_start"]), end=f(s["mrr_end"])),
        t("new_customers", n=f(s["new_customers"])),
        t("cost_total", eur=f(s["cost_total"])),
        t("cac_fully_loaded", eur=f(s["cac_fully_loaded"], 2)),
        t("cash_low_point", eur=f(s["cash_low_point"])),
        t("company_cash_low_point", eur=f(s["company_cash_low_point"])),
    ]
    if "bookings_total" in s:  # transactional: bookings first, MRR only with a recurring share
        booked = t(
            "bookings",
            total=f(s["bookings_total"]),
            new=f(s["bookings_new_total"]),
            repeat=f(s["bookings_repeat_total"]),
        )
        out = [booked, *out[1 if not s["mrr_start"] and not s["mrr_end"] else 0 :]]
    b = summary.get("bases")
    if b:
        key = "mrr_end"
        if "bookings_total" in b["funnel"] and not (b["funnel"][key] or b["target"][key]):
            key = "bookings_total"  # no recurring share
        out.append(
            t(
                f"bases.{key}",
                funnel_n=f(b["funnel"]["new_customers"]),
                target_n=f(b["target"]["new_customers"]),
                funnel_worth=f(b["funnel"][key]),
                target_worth=f(b["target"][key]),
                funnel_cost=f(b["funnel"]["cost_total"]),
                target_cost=f(b["target"]["cost_total"]),
            )
        )
    if p_hit:
        names = {
            target.code: (target.description_de if de else target.description_en) or target.code
            for target in targets or []
        }
        hits = "; ".join(f"{names.get(k, k)}: {f(100 * v, 1)} %" for k, v in sorted(p_hit.items()))
        out.append(t("p_hit", hits=hits))
    out.append(t("findings", n=str(len(findings))))
    for x in findings:
        severity = text_label(f"severity.{x.severity}", lang)
        out.append(f"  [{severity}] {plan_finding_text(x, lang)}")
    return out


def run(args: argparse.Namespace) -> int:
    """Run the plan; exit 0 on success, 1 on bad input, 2 when --out is not empty."""
    out: Path = args.out
    if output_taken(out):
        return 2
    try:
        params = load_params(args.config, region=args.region)
        history = history_overrides(params, args.data, params.region)
        if history:
            params = apply_overrides(params, history)
        result = run_scenario(params, args.scenario)
        mc = None
        draws = seed = None
        if args.draws is not None or args.seed is not None:
            mc = monte_carlo(result.params, draws=args.draws, seed=args.seed)
            draws, seed = mc.draws, mc.seed
        bases = plan_bases(result.params, draws=draws, seed=seed)
    except DataValidationError as exc:
        say_broken_contract(exc)
        return 1
    except (ParameterError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    summary = dict(result.summary)
    for key in [k for k in summary if k.endswith("_month_index")]:
        summary.pop(key)
    summary["scenario"] = args.scenario
    summary["region"] = args.region or ""
    summary["basis"] = result.inputs.basis
    summary["bases"] = bases
    gap = gap_table(result.lines, [c.name for c in result.inputs.channels])
    files: dict[str, Any] = {
        "plan.csv": result.monthly,
        "findings.json": _dump([plan_finding_record(f) for f in result.findings]),
    }
    if mc is not None:
        summary["p_hit"] = mc.p_hit
        summary["monte_carlo"] = {
            "draws": mc.draws,
            "seed": mc.seed,
            "drivers": mc.drivers,
            "kpis": mc.summary,
        }
        files["mc_percentiles.csv"] = mc.percentiles
    files["summary.json"] = _dump(summary)
    gap_text = spreadsheet_safe(gap).to_csv(index=False, float_format="%.6f", lineterminator="\n")
    files["gap.csv"] = gap_text
    try:
        write_plan(out, files)
    except OutputExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    de = result.params.company.locale == "de"
    targets = list(result.params.targets)
    for line in _lines(summary, result.findings, mc.p_hit if mc else None, de, targets):
        print(line)
    print(text_label("cli.written", "de" if de else "en").format(path=out))
    return 0
