"""``planning versions``: save, list, show and compare immutable plan versions.

* ``save --config CONFIG --name NAME [--data DIR]``: compute the config's plan and save
  it as a new version (never overwrites; prints the version id).
* ``list``: every saved version, oldest first.
* ``show REF``: a version's metadata, key figures and findings (REF = id, unique id
  prefix, or name: the latest version of that name).
* ``compare A B [--out FILE.csv] [--all]``: line-item differences over the plan year
  (flows summed, levels at the last month) and summary-KPI differences of B against A.

All take ``--versions-dir`` (default ``data/versions``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from planning_lib.cli.common import history_overrides
from planning_lib.controlling.versions import (
    DEFAULT_VERSIONS_DIR,
    VersionNotFoundError,
    compare_versions,
    list_versions,
    load_version,
    save_version,
)
from planning_lib.core.config import load_params
from planning_lib.core.csv_safe import spreadsheet_safe
from planning_lib.core.fields import ParameterError
from planning_lib.core.outputs import rename_noreplace, report_stale_temp_folders, temp_name
from planning_lib.plan.model import run_plan
from planning_lib.present.formatting import format_value
from planning_lib.present.plan_finding_texts import plan_finding_record

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "versions"
HELP = "Save, list, show and compare immutable plan versions (Parquet + JSON, DuckDB)."

KEY_FIGURES = ("mrr_end", "new_customers", "customers_end", "cost_total", "cac", "cac_fully_loaded")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``planning versions``."""
    parser.add_argument(
        "--versions-dir", type=Path, default=DEFAULT_VERSIONS_DIR, help="versions folder"
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    save = sub.add_parser("save", help="save the config's plan as a new version")
    save.add_argument("--config", required=True, type=Path, help="plan parameters (YAML)")
    save.add_argument("--region", default=None, help="region file to merge")
    save.add_argument("--name", required=True, help='version name, e.g. "Budget 2027"')
    save.add_argument(
        "--data",
        type=Path,
        default=None,
        help="input data folder (fingerprint; the pipeline open at plan start from its leads)",
    )
    sub.add_parser("list", help="list the saved versions")
    show = sub.add_parser("show", help="metadata, key figures and findings of a version")
    show.add_argument("ref", help="version id, id prefix or name")
    cmp_ = sub.add_parser("compare", help="differences of version B against version A")
    cmp_.add_argument("a", help="version A (id, id prefix or name)")
    cmp_.add_argument("b", help="version B")
    cmp_.add_argument("--out", type=Path, default=None, help="write the line differences (CSV)")
    cmp_.add_argument("--all", action="store_true", help="also show unchanged lines")


def _save(args: argparse.Namespace) -> int:
    params = load_params(args.config, region=args.region)
    plan = run_plan(params, history_overrides(params, args.data, params.region) or None)
    vid = save_version(
        plan,
        args.name,
        args.versions_dir,
        data_dir=args.data,
        config=args.config,
        findings=[plan_finding_record(f) for f in plan.findings],
    )
    print(f"saved {args.name!r} as {vid} in {args.versions_dir}")
    return 0


def _list(args: argparse.Namespace) -> int:
    df = list_versions(args.versions_dir)
    if df.empty:
        print(f"no versions in {args.versions_dir}")
        return 0
    for r in df.itertuples():
        fp = r.data_fingerprint[:12] if r.data_fingerprint else "-"
        print(f"{r.version_id}  {r.created_at}  {r.plan_start}  data {fp}  {r.name}")
    return 0


def _show(args: argparse.Namespace) -> int:
    v = load_version(args.versions_dir, args.ref)
    for key in ("version_id", "name", "created_at", "package_version", "config", "plan_start"):
        print(f"{key}: {v.meta.get(key, '')}")
    print(f"data_fingerprint: {v.meta.get('data_fingerprint') or '-'}")
    for key in KEY_FIGURES:
        if key in v.summary:
            print(f"  {key}: {format_value(v.summary[key], 'decimal', 'en')}")
    print(f"findings: {len(v.findings)}")
    for f in v.findings:
        print(f"  [{f.get('severity', '')}] {f.get('message_en', f.get('code', ''))}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    lines, kpis = compare_versions(args.versions_dir, args.a, args.b)
    if args.out is not None:
        if args.out.exists() or args.out.is_symlink():
            print(f"error: {args.out} exists; choose a new file", file=sys.stderr)
            return 2
        args.out.parent.mkdir(parents=True, exist_ok=True)
        report_stale_temp_folders(args.out.parent)
        tmp = args.out.with_name(temp_name(args.out.name))
        try:
            spreadsheet_safe(lines).to_csv(
                tmp, index=False, float_format="%.6f", lineterminator="\n"
            )
            rename_noreplace(tmp, args.out)  # never over a file created meanwhile
        except FileExistsError:
            print(f"error: {args.out} was created meanwhile; choose a new file", file=sys.stderr)
            return 2
        finally:
            tmp.unlink(missing_ok=True)
    changed = lines if args.all else lines[lines["diff"].fillna(1.0).abs() > 1e-9]
    print(f"line items (B − A), plan year: {len(changed)} of {len(lines)} differ")
    for r in changed.itertuples():
        ch = f"/{r.channel}" if r.channel else ""
        pct = "" if pd.isna(r.diff_pct) else f" ({100 * r.diff_pct:+.1f} %)"
        a, b, diff = (format_value(x, "decimal", "en") for x in (r.value_a, r.value_b, r.diff))
        print(f"  {r.line_item}{ch}: {a} → {b}: {diff}{pct}")
    k = kpis[kpis["key"].isin(KEY_FIGURES)]
    print("key figures (B − A):")
    for r in k.itertuples():
        a, b, diff = (format_value(x, "decimal", "en") for x in (r.value_a, r.value_b, r.diff))
        print(f"  {r.key}: {a} → {b}: {diff}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run one action; exit 0 on success, 1 on bad input, 2 when a file would be overwritten."""
    actions = {"save": _save, "list": _list, "show": _show, "compare": _compare}
    try:
        return actions[args.action](args)
    except (VersionNotFoundError, ParameterError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
