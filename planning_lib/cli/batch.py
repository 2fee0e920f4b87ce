"""``planning batch``: run the phase notebooks for every region and write the reports."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from planning_lib.core.paths import CONFIGS, REPORTS, SAMPLE_DATA
from planning_lib.core.text_store import label
from planning_lib.run.batch import run_batch
from planning_lib.run.batch_jobs import BatchError, BatchSettings
from planning_lib.run.notebook_params import parse_assignments

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "batch"
HELP = (
    "Run the phase notebooks (papermill) per region in parallel, then the consolidation; "
    "write executed notebooks, HTML, Excel, charts, manifest.json and index.html into a new "
    "run folder."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``planning batch``."""
    parser.add_argument("--config", type=Path, default=CONFIGS / "cloudflow.yaml")
    parser.add_argument("--data", type=Path, default=SAMPLE_DATA, help="canonical tables")
    parser.add_argument(
        "--regions", default="all", help="'all' or a comma-separated list (DE-Nord,AT)"
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="local worker processes (default: cores)"
    )
    parser.add_argument(
        "--dask-scheduler",
        default=None,
        metavar="tcp://HOST:PORT",
        help="run the notebooks as tasks on this Dask cluster instead of local processes",
    )
    parser.add_argument("--out", type=Path, default=REPORTS, help="parent of the run folders")
    parser.add_argument("--horizon", type=int, default=12, help="plan horizon in months")
    parser.add_argument("--scenario", default="base", help="base, best, worst, ...")
    parser.add_argument("--locale", default="de", choices=["de", "en"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--phases", default=None, help="only these phases, e.g. 01,02 (prerequisites added)"
    )
    parser.add_argument(
        "--no-consolidation", action="store_true", help="skip the consolidation notebook"
    )
    parser.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="[NOTEBOOK:]NAME=VALUE",
        help="extra notebook parameter (checked against the notebooks' parameters cells)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """Run the batch; print the index path and any failure. Exit 1 on failure, 2 on bad input."""
    try:
        extra = parse_assignments(args.param)
        settings = BatchSettings(
            config_path=args.config,
            data_path=args.data,
            out_dir=args.out,
            regions=[r for r in args.regions.split(",") if r.strip()],
            workers=args.workers,
            dask_scheduler=args.dask_scheduler,
            horizon=args.horizon,
            scenario=args.scenario,
            locale=args.locale,
            seed=args.seed,
            extra_parameters=extra,
            phases=args.phases.split(",") if args.phases else None,
            consolidate=not args.no_consolidation,
            progress=False if args.no_progress else None,
        )
        result = run_batch(settings)
    except (BatchError, ValueError) as exc:
        print(f"planning batch: {exc}", file=sys.stderr)
        return 2
    for r in result.manifest.get("incomplete_runs", []):
        if r["state"] == "running":  # another run working in the same folder
            continue
        state = "aborted" if r["state"] == "aborted" else "unknown"
        note = label("batch.incomplete_run", args.locale).format(
            folder=args.out / r["folder"],
            state=label(f"batch.incomplete_run.{state}", args.locale),
            started=r["started_utc"] or "?",
        )
        print(note, file=sys.stderr)
    done = sum(o.status == "ok" for o in result.outcomes)
    print(f"{done}/{len(result.outcomes)} notebooks ok · run {result.manifest['run_id']}")
    for o in result.outcomes:
        if o.status == "failed":
            err = o.error or {}
            where = (
                f"cell In [{err['execution_count']}] ({err.get('cell_source_first_line', '')})"
                if err.get("execution_count") is not None
                else err.get("kind", "")
            )
            print(
                f"FAILED {o.region} / {o.notebook}: {where}: "
                f"{err.get('ename', '')}: {err.get('evalue', '')}",
                file=sys.stderr,
            )
            if o.output_notebook:
                print(f"       executed notebook: {o.output_notebook}", file=sys.stderr)
    print(result.index_html)
    return 0 if result.ok else 1
