"""``planning analyse``: the as-is analysis and segmentation as CSV tables plus findings.

Reads the canonical tables in ``--data`` (validated by the loaders) and the plan
parameters in ``--config``, analyses the history up to the month before the plan
starts (or ``--as-of``) and writes one CSV per table into ``--out`` (UTF-8, rows in a
stable order, floats with a fixed number of decimals, text that a spreadsheet would run
as a formula prefixed with ``'``) plus ``findings.json``,
``findings.txt`` (in ``--locale``) and ``key_figures.csv`` (value, period and label of
each figure). A non-empty ``--out`` is
never overwritten.

Without ``--config`` (a first run on an own export, before ``planning init``) the whole
history of ``--data`` is analysed up to its last complete month
(:func:`planning_lib.analysis.calibration.last_complete_month`; a plan would start the
month after), ``--region`` selects the rows of that region, the findings are German
unless ``--locale en``, and the parts that need plan parameters (CLV, segment values,
market, personas) are left out with one line each in the findings
(:data:`planning_lib.analysis.asis.CONFIG_PARTS`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from planning_lib.analysis.asis import figure_periods, for_region, run_analysis
from planning_lib.analysis.calibration import last_complete_month
from planning_lib.analysis.findings import generate_findings
from planning_lib.cli.common import (
    add_mapping_argument,
    output_taken,
    say_broken_contract,
    say_filled,
)
from planning_lib.core.config import load_params
from planning_lib.core.csv_safe import spreadsheet_safe
from planning_lib.core.fields import ParameterError
from planning_lib.core.finding import Finding
from planning_lib.core.outputs import OutputExistsError, new_folder
from planning_lib.data.failures import DataValidationError
from planning_lib.data.loaders import load_dataset
from planning_lib.metrics.transactional import region_customer_deals
from planning_lib.present.analysis_finding_texts import (
    analysis_finding_record,
    analysis_finding_text,
    purchase_basis_values,
)
from planning_lib.present.labels import text

__all__ = ["FLOAT_FORMAT", "HELP", "NAME", "add_arguments", "run", "write_analysis"]

NAME = "analyse"
HELP = "As-is analysis (phase 1) and segmentation (phase 3): tables as CSV plus findings."
FLOAT_FORMAT = "%.4f"
"""Fixed float formatting of every CSV (4 decimals: shares to 0.01 %, EUR to cents)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``planning analyse``."""
    parser.add_argument(
        "--data", type=Path, required=True, help="folder of canonical tables or exports"
    )
    add_mapping_argument(parser)
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="plan parameters (YAML); without it: the whole history of --data up to its last "
        "complete month, leaving out what needs the plan (CLV, segment values, market, personas)",
    )
    parser.add_argument(
        "--region",
        help="region (override file of the config; without --config: the region's rows); "
        "analyses only its rows",
    )
    parser.add_argument(
        "--locale",
        "--lang",
        dest="locale",
        choices=("de", "en"),
        default=None,
        help="language of the findings and of the loader's notes (default: the plan's "
        "company.locale, German without --config)",
    )
    parser.add_argument(
        "--as-of",
        dest="as_of",
        help="last month of history, YYYY-MM (default: before plan start; without --config: "
        "the last complete month of the data)",
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder (new or empty)")


def _window_months(period: str) -> int:
    """Months of a window ``YYYY-MM..YYYY-MM`` (or one month ``YYYY-MM``); 12, the
    window's length, for a figure without a value (period ``–``)."""
    first, _, last = period.partition("..")
    try:
        start, end = pd.Period(first, freq="M"), pd.Period(last or first, freq="M")
    except ValueError:
        return 12
    return int(end.ordinal - start.ordinal + 1)


def _figure_label(name: str, locale: str, period: str, region: str | None) -> str:
    """The label of key figure ``name``; a region's deal size per new customer (its
    customers: first won deal in it) is labelled as the region's, for information. The
    figures of the last 12 months name the months of their window (fewer in a shorter
    history)."""
    if region is not None and name == "new_customer_deal_size_eur":
        return text(f"analyse.figure.{name}.region", locale, period=period, region=region)
    if name.endswith("_12m"):
        months = _window_months(period)
        return text(f"analyse.figure.{name}", locale, period=period, months=months)
    return text(f"analyse.figure.{name}", locale, period=period)


def write_analysis(
    tables: dict[str, pd.DataFrame],
    figures: dict[str, float],
    findings: list[Finding],
    out: Path,
    locale: str,
    periods: dict[str, str],
    region: str | None = None,
) -> list[Path]:
    """Write the tables, key figures and findings into the folder ``out``; return the files.

    ``key_figures.csv`` holds per figure its ``value``, the ``period`` it covers
    (:func:`planning_lib.analysis.asis.figure_periods`: calendar year, the 12 months up to
    the as-of month, the end of the as-of month) and its ``label`` in ``locale`` with that
    period, so no figure of one basis reads as one of another."""
    written = []
    for name in sorted(tables):
        path = out / f"{name}.csv"
        spreadsheet_safe(tables[name]).to_csv(
            path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n"
        )
        written.append(path)
    kf = pd.DataFrame(
        {
            "figure": list(figures),
            "value": list(figures.values()),
            "period": [periods.get(k, "") for k in figures],
            "label": [_figure_label(k, locale, periods.get(k) or "–", region) for k in figures],
        }
    )
    spreadsheet_safe(kf).to_csv(
        out / "key_figures.csv", index=False, float_format=FLOAT_FORMAT, lineterminator="\n"
    )
    written.append(out / "key_figures.csv")
    payload = [analysis_finding_record(f) for f in findings]
    (out / "findings.json").write_text(
        json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (out / "findings.txt").write_text(
        "".join(f"- {analysis_finding_text(f, locale)}\n" for f in findings), encoding="utf-8"
    )
    written += [out / "findings.json", out / "findings.txt"]
    return written


def _load(
    folder: Path, mapping: list[str] | None = None, locale: str = "de"
) -> dict[str, pd.DataFrame]:
    tables = load_dataset(folder, mapping, lang=locale)
    say_filled(tables)
    return tables


def run(args: argparse.Namespace) -> int:
    """Run the analysis; exit code 0 on success, 1 on bad input, 2 on a non-empty out dir."""
    out: Path = args.out
    if output_taken(out):
        return 2
    as_of, derived = args.as_of, None
    try:
        params = load_params(args.config, args.region) if args.config is not None else None
        locale = args.locale or (params.company.locale if params is not None else "de")
        tables = _load(args.data, args.mapping, locale)
        if params is None:
            # the data's own defaults: its last complete month (of all regions' rows)
            derived = "as_of" if as_of is not None else "derived"
            as_of = as_of if as_of is not None else str(last_complete_month(tables))
            region = args.region
        else:
            region = params.region
        purchase = None
        if region is not None:
            # the region's customers (first won deal in it) with their deals everywhere:
            # its deal size per new customer as planning init measures it
            purchase = region_customer_deals(tables["deals"], region) if "deals" in tables else None
            tables = for_region(tables, region)
        analysis = run_analysis(
            tables, params, as_of, locale, purchase_deals=purchase, region=region
        )
    except DataValidationError as exc:
        say_broken_contract(exc)
        return 1
    except (ParameterError, FileNotFoundError, KeyError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    findings = generate_findings(analysis)
    try:
        with new_folder(out) as tmp:
            files = write_analysis(
                analysis.tables,
                analysis.figures,
                findings,
                tmp,
                locale,
                figure_periods(analysis),
                analysis.region,
            )
    except OutputExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{len(files)} files written to {out} (as of {analysis.as_of})")
    if derived is not None:
        print(
            text(
                f"analyse.without_config.{derived}",
                locale,
                as_of=str(analysis.as_of),
                plan_start=str(analysis.as_of + 1),
            )
        )
    if "new_customer_deal_size_eur" in analysis.figures:
        key, values = purchase_basis_values(
            analysis.figures, analysis.as_of, locale, analysis.region
        )
        print(text(key, locale, **values))
    for f in findings:
        print(f"- {analysis_finding_text(f, locale)}")
    return 0
