"""``planning init``: a plan YAML (and region files) calibrated from a company's history.

Reads the canonical tables of ``--data`` (as ``planning validate`` checks them), derives
every plan parameter the history can give as of ``--as-of`` (default: the last complete
month of the data; :mod:`planning_lib.analysis.calibration`) and writes ``--out``: a
complete plan YAML with a comment after every value naming its source, or ``ANNAHME:``
for a default the user should fill in. With ``--regions`` also one file per region of the
data under ``regions/`` beside ``--out``, each holding the region's share of the additive
figures (they add up to the base; ``load_params`` checks it).

Nothing is overwritten: an existing ``--out`` (or, with regions, an existing
``regions/`` folder beside it) is refused. The files are written into a temporary folder
beside ``--out``, loaded with ``load_params`` there, and moved into place at the end. The
same data and ``--as-of`` give byte-identical files.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import pandas as pd

from planning_lib.analysis.calibration import Calibration, CalibrationError, calibrate
from planning_lib.cli.common import add_mapping_argument, say_broken_contract, say_filled
from planning_lib.core.config import load_params
from planning_lib.core.fields import ParameterError
from planning_lib.core.outputs import private_temp_dir, rename_noreplace
from planning_lib.core.text_store import label
from planning_lib.data.failures import DataValidationError
from planning_lib.data.loaders import load_dataset
from planning_lib.present.formatting import format_value
from planning_lib.present.labels import partial_month_line, text, warm_up_line
from planning_lib.present.plan_yaml import render_plan_yaml

__all__ = ["HELP", "NAME", "add_arguments", "business_model", "plan_files", "run"]

NAME = "init"
HELP = "Write a plan YAML (and region files) calibrated from the history in --data"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``planning init``."""
    parser.add_argument(
        "--data", required=True, type=Path, help="history folder (tables or exports)"
    )
    add_mapping_argument(parser)
    parser.add_argument("--out", required=True, type=Path, help="new plan YAML file")
    parser.add_argument(
        "--as-of",
        dest="as_of",
        default=None,
        help="last month of history, YYYY-MM (default: the last complete month of the data)",
    )
    parser.add_argument(
        "--business-model",
        dest="business_model",
        choices=("subscription", "transactional"),
        default=None,
        help="subscription (recurring MRR) or transactional (one-off deals and repeat "
        "purchases); default: subscription, transactional when the data has deals but no "
        "subscriptions",
    )
    parser.add_argument("--name", default="", help="company name (default: an assumption)")
    parser.add_argument(
        "--regions",
        action="store_true",
        help="also write one region file per region of the data under regions/ beside --out",
    )
    parser.add_argument(
        "--lang",
        choices=("de", "en"),
        default="de",
        help="language of the console lines and the loader's notes (the plan YAML's "
        "comments stay German, as its company.locale)",
    )


def business_model(given: str | None, tables: dict[str, pd.DataFrame]) -> str:
    """The business model to calibrate: the one given, else ``transactional`` when the
    data holds deals but no subscriptions, else ``subscription``."""
    if given is not None:
        return given
    deals_only = "deals" in tables and "subscriptions" not in tables
    return "transactional" if deals_only else "subscription"


def _tables_text(tables: dict[str, pd.DataFrame]) -> str:
    return ", ".join(f"{name} {len(frame)}" for name, frame in sorted(tables.items()))


def plan_files(cal: Calibration, tables: dict[str, pd.DataFrame], out_name: str) -> dict[str, str]:
    """File name (``regions/<R>.yaml`` for a region) → YAML text of a calibration."""
    header = label("init.header").format(as_of=cal.as_of, tables=_tables_text(tables))
    if cal.baseline.partial is not None:  # the first month, partial in the export
        header += " " + partial_month_line(cal.baseline.partial)
    if cal.baseline.warm_up is not None:  # "new" customers from before the export
        header += " " + warm_up_line(cal.baseline.warm_up)
    files = {out_name: render_plan_yaml(cal.values, cal.sources, header)}
    single = len(cal.regions) == 1
    for region, values in cal.regions.items():
        sources = cal.region_sources[region]
        if single:  # it holds the whole company: one header instead of "100 %" on each line
            head = label("init.region_header_single").format(region=region, base=out_name)
            sources = {k: src for k, src in sources.items() if "share" not in src.args}
        else:
            head = label("init.region_header").format(region=region, base=out_name)
        files[f"regions/{region}.yaml"] = render_plan_yaml(values, sources, head)
    return files


def _refuse(out: Path, regions: bool) -> str | None:
    if out.exists():
        return f"{out} exists; planning init never overwrites a file (choose a new --out)"
    folder = out.parent / "regions"
    if folder.exists() and any(folder.glob("*.yaml")):
        return (
            f"{folder} holds region files: they would be read with the new plan "
            "(choose an --out in another folder)"
        )
    if regions and folder.exists():
        return f"{folder} exists; planning init never overwrites it (choose another folder)"
    return None


def _write(out: Path, files: dict[str, str]) -> None:
    """Write ``files`` beside ``out`` atomically: into a temporary folder, loaded there
    with ``load_params``, then moved into place without replacing anything."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = private_temp_dir(out)
    try:
        for name, text in files.items():
            path = tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        load_params(tmp / out.name)
        moved = None
        if (tmp / "regions").exists():
            rename_noreplace(tmp / "regions", out.parent / "regions")
            moved = out.parent / "regions"
        try:
            rename_noreplace(tmp / out.name, out)
        except BaseException:
            if moved is not None:
                shutil.rmtree(moved, ignore_errors=True)
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(args: argparse.Namespace) -> int:
    """Calibrate and write; exit 0 on success, 1 on bad input, 2 when --out exists."""
    out: Path = args.out
    problem = _refuse(out, args.regions)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        tables = load_dataset(args.data, args.mapping, lang=args.lang)
        say_filled(tables)
        model = business_model(args.business_model, tables)
        as_of = pd.Period(args.as_of, freq="M") if args.as_of else None
        cal = calibrate(tables, as_of, model, args.name, args.regions)
        files = plan_files(cal, tables, out.name)
        _write(out, files)
    except FileExistsError as exc:
        print(
            f"error: {exc.filename or exc}: exists; planning init never overwrites", file=sys.stderr
        )
        return 2
    except DataValidationError as exc:
        say_broken_contract(exc)
        return 1
    except (CalibrationError, FileNotFoundError, ParameterError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # a bad --as-of
        print(f"error: {exc}", file=sys.stderr)
        return 1
    b = cal.baseline
    lang = args.lang
    if model == "transactional" and args.business_model is None:
        print(label("init.auto_transactional", lang))
    start = cal.values["company"]["plan_start"]
    print(text("init.console.as_of", lang, as_of=cal.as_of, start=start))
    if b.partial is not None:
        print(partial_month_line(b.partial, lang))
    if b.warm_up is not None:
        print(warm_up_line(b.warm_up, lang))
    # the figures as a manager reads them everywhere ("1.200", not "1200")
    values = {
        k: format_value(round(getattr(b, k)), "count", lang) for k in ("expected", "p10", "p90")
    }
    print(text("init.console.baseline", lang, **values))
    for name in files:
        print(text("init.console.written", lang, path=out.parent / name))
    return 0
