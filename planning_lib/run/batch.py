"""``planning batch``: the phase notebooks for every region, in parallel, into a new run folder.

Per region the phase notebooks run in dependency order (01 first; 02 and 03 need
01; 04-07 need 02's plan), regions and independent phases in parallel on local
worker processes or on a Dask cluster; the consolidation notebook runs last over
the regions that completed. Each run gets a new folder
``<out>/<YYYYmmddTHHMMSSZ>-<6 hex>/`` (created exclusively, never reused)::

    manifest.json            parameters, input fingerprint, versions, per-notebook status
    index.html               key figures per region, links to everything, failures
    UNVOLLSTAENDIG.json      only while the run works (or after it was killed)
    <region>/notebooks/      executed notebooks (also the failed ones, with the error)
    <region>/html/           HTML exports without code cells
    <region>/tables/ charts/ key_figures/   what the notebooks wrote
    <region>/plan_<region>.xlsx   printable: cover, monthly plan, one sheet per phase
    _konsolidierung/...      the same for the company roll-up

Everything that can be checked before a kernel starts is checked first (regions,
notebooks, parameters): a parameter a notebook does not declare stops the batch
with the names it does declare. A notebook that fails does not stop other
regions; its dependents are marked skipped, and the result says which cell failed.

A run that is killed (``kill -9``) takes its forkserver, workers and kernels with it
(``planning_lib.core.lifeline``); its folder keeps the marker ``UNVOLLSTAENDIG.json`` and the
provisional ``index.html`` written at the start, both saying the run is incomplete, and
the next run into the same ``--out`` lists it (stderr, manifest, index).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import multiprocessing
import os
import platform
import sys
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from tqdm.auto import tqdm

from planning_lib.core.lifeline import PARENT_ENV, worker_initializer
from planning_lib.core.text_store import label as text_label
from planning_lib.present.value_labels import scenario_label
from planning_lib.present.views.plan import KEY_FIGURE_NAMES, TRANSACTIONAL_KEY_FIGURE_NAMES
from planning_lib.present.workbook import WorkbookMeta
from planning_lib.run.artifacts import read_key_figures, write_json
from planning_lib.run.batch_jobs import (
    BatchError,
    BatchSettings,
    absolute_settings,
    base_parameters,
    check_before_start,
    notebook_job,
    select_phases,
    select_regions,
)
from planning_lib.run.catalog import CONSOLIDATION
from planning_lib.run.excel import build_workbook
from planning_lib.run.html import render_index
from planning_lib.run.notebook import NotebookJob, NotebookOutcome, execute_job
from planning_lib.run.run_folder import (
    CONSOLIDATION_FOLDER,
    incomplete_runs,
    input_fingerprint,
    mark_complete,
    mark_incomplete,
    new_run_dir,
    package_versions,
    safe_folder_names,
)

__all__ = ["KEY_FIGURES", "BatchResult", "run_batch"]


KEY_FIGURES: tuple[str, ...] = tuple(k for k in KEY_FIGURE_NAMES if k != "mrr_start")
"""Key figures shown per region in ``index.html`` (those the notebooks wrote)."""
TRANSACTIONAL_KEY_FIGURES: tuple[str, ...] = tuple(
    k for k in TRANSACTIONAL_KEY_FIGURE_NAMES if k != "mrr_start"
)
"""The same for a transactional plan (it writes ``bookings_total``)."""


@dataclass
class BatchResult:
    """A finished run: its folder, index, manifest and the outcome of every notebook."""

    run_dir: Path
    index_html: Path
    manifest_path: Path
    manifest: dict[str, Any]
    outcomes: list[NotebookOutcome]

    @property
    def ok(self) -> bool:
        """True when every notebook succeeded."""
        return all(o.status == "ok" for o in self.outcomes)

    @property
    def failures(self) -> list[NotebookOutcome]:
        """The notebooks that failed (not those skipped because of them)."""
        return [o for o in self.outcomes if o.status == "failed"]


@contextlib.contextmanager
def _executor(s: BatchSettings) -> Iterator[Executor]:
    if s.dask_scheduler:
        # dask.distributed (~400 ms) only for a --dask-scheduler run
        from distributed import Client

        with Client(s.dask_scheduler, timeout="30s") as client:
            yield client.get_executor(pure=False)
        return
    # the forkserver and the workers end with this process, even when it is killed
    # (planning_lib.core.lifeline); the variable must be set before the forkserver starts
    os.environ[PARENT_ENV] = str(os.getpid())
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["planning_lib.core.lifeline", "planning_lib.run.notebook"])
    workers = max(1, s.workers or os.cpu_count() or 1)
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=ctx,
        initializer=worker_initializer,
        initargs=(os.getpid(),),
    ) as pool:
        yield pool


def run_batch(settings: BatchSettings) -> BatchResult:
    """Run the batch described by ``settings`` and write manifest and index.

    Returns:
        The result; ``result.ok`` is False when any notebook failed.

    Raises:
        BatchError: before anything runs, for an unknown region, phase, notebook or
            parameter.
    """
    s = absolute_settings(settings)
    regions = select_regions(s.config_path, s.regions)
    phases = select_phases(s.phases)
    stems = [p.stem for p in phases] + ([CONSOLIDATION.stem] if s.consolidate else [])
    check_before_start(s, stems, regions)

    started = dt.datetime.now(dt.UTC)
    run_id, run_dir = new_run_dir(s.out_dir, started)
    # marked unfinished until manifest and index are written: a killed run says so
    mark_incomplete(run_dir, run_id, started)
    earlier = incomplete_runs(s.out_dir, skip=run_dir)
    folders = {r: run_dir / f for r, f in safe_folder_names(regions).items()}
    for region, folder in folders.items():
        if folder.resolve().parent != run_dir.resolve():
            raise BatchError(f"region {region!r} would leave the run folder")
    render_index(
        run_dir,
        {
            "run_id": run_id,
            "created_utc": started.isoformat(timespec="seconds"),
            "status": "incomplete",
            "regions": {r: {"status": "incomplete", "key_figures": {}} for r in regions},
            "notebooks": [],
            "incomplete_runs": earlier,
        },
        locale=s.locale,
    )
    fingerprint = input_fingerprint(s.config_path, s.data_path, regions)

    jobs: dict[str, NotebookJob] = {}
    requires: dict[str, list[str]] = {}
    for region in regions:
        for phase in phases:
            params = base_parameters(s, region, folders[region])
            job = notebook_job(s, phase.stem, region, folders[region], params)
            jobs[job.key] = job
            requires[job.key] = [f"{region}/{r}" for r in phase.requires]
    total = len(jobs) + (1 if s.consolidate else 0)

    outcomes: dict[str, NotebookOutcome] = {}
    show = s.progress if s.progress is not None else sys.stderr.isatty()
    bar = tqdm(total=total, unit="notebook", desc="planning batch", disable=not show)

    def record(outcome: NotebookOutcome) -> None:
        outcomes[outcome.key] = outcome
        bar.update(1)
        if outcome.status != "ok":
            for key, reqs in requires.items():
                if outcome.key in reqs and key not in outcomes:
                    job = jobs[key]
                    record(
                        NotebookOutcome(
                            key,
                            job.region,
                            Path(job.notebook).stem,
                            status="skipped",
                            error={"kind": "skipped", "evalue": outcome.notebook},
                        )
                    )

    with _executor(s) as pool:
        pending: dict[Future, NotebookJob] = {}
        submitted: set[str] = set()
        consolidation_done = not s.consolidate
        while True:
            for key, job in jobs.items():
                if key in submitted or key in outcomes:
                    continue
                if all(outcomes.get(r) and outcomes[r].status == "ok" for r in requires[key]):
                    pending[pool.submit(execute_job, job)] = job
                    submitted.add(key)
            if not pending and len(outcomes) == len(jobs) and not consolidation_done:
                consolidation_done = True
                complete = [r for r in regions if _region_status(r, outcomes) == "ok"]
                folder = run_dir / CONSOLIDATION_FOLDER
                params = base_parameters(s, "Gesamt", folder)
                params["region_dirs"] = {r: str(folders[r]) for r in complete}
                job = notebook_job(s, CONSOLIDATION.stem, "Gesamt", folder, params)
                jobs[job.key], requires[job.key] = job, []
                if complete:
                    pending[pool.submit(execute_job, job)] = job
                    submitted.add(job.key)
                else:
                    record(
                        NotebookOutcome(
                            job.key,
                            "Gesamt",
                            CONSOLIDATION.stem,
                            "skipped",
                            error={"kind": "skipped", "evalue": "all regions"},
                        )
                    )
            if not pending:
                break
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for fut in done:
                job = pending.pop(fut)
                try:
                    record(fut.result())
                except Exception as exc:  # the worker itself died
                    record(
                        NotebookOutcome(
                            job.key,
                            job.region,
                            Path(job.notebook).stem,
                            "failed",
                            error={
                                "kind": "worker",
                                "ename": type(exc).__name__,
                                "evalue": str(exc),
                            },
                        )
                    )
    bar.close()

    ordered = [outcomes[k] for k in jobs if k in outcomes]
    meta = _workbook_meta(s, run_id, started)
    region_info = _region_info(regions, folders, ordered, meta)
    if s.consolidate and (run_dir / CONSOLIDATION_FOLDER).exists():
        region_info["Gesamt"] = _folder_info(
            run_dir / CONSOLIDATION_FOLDER, "Gesamt", ordered, meta, "plan_Gesamt.xlsx"
        )
    finished = dt.datetime.now(dt.UTC)
    manifest = {
        "run_id": run_id,
        "status": "ok" if all(o.status == "ok" for o in ordered) else "failed",
        "created_utc": started.isoformat(timespec="seconds"),
        "finished_utc": finished.isoformat(timespec="seconds"),
        "duration_s": round((finished - started).total_seconds(), 3),
        "command": sys.argv,
        "parameters": {
            "config_path": str(s.config_path),
            "data_path": str(s.data_path),
            "out_dir": str(s.out_dir),
            "regions": regions,
            "phases": [p.stem for p in phases],
            "consolidate": s.consolidate,
            "workers": None if s.dask_scheduler else (s.workers or os.cpu_count()),
            "dask_scheduler": s.dask_scheduler,
            "horizon": s.horizon,
            "scenario": s.scenario,
            "locale": s.locale,
            "seed": s.seed,
            "extra_parameters": dict(s.extra_parameters),
            "kernel_name": s.kernel_name,
        },
        "input_fingerprint": fingerprint,
        "package_versions": package_versions(),
        "platform": platform.platform(),
        "regions": region_info,
        "notebooks": [_rel_outcome(o, run_dir) for o in ordered],
        "incomplete_runs": earlier,
    }
    manifest_path = write_json(run_dir / "manifest.json", manifest)
    index = render_index(
        run_dir, manifest, locale=s.locale, key_figure_order=_kf_order(region_info)
    )
    mark_complete(run_dir)
    return BatchResult(run_dir, index, manifest_path, manifest, ordered)


# ------------------------------------------------------------------ summaries


def _region_status(region: str, outcomes: Mapping[str, NotebookOutcome]) -> str:
    mine = [o for o in outcomes.values() if o.region == region]
    return "ok" if mine and all(o.status == "ok" for o in mine) else "failed"


def _workbook_meta(s: BatchSettings, run_id: str, started: dt.datetime) -> WorkbookMeta:
    """Company (the config's ``company.name``), plan version (scenario and run) and date."""
    try:
        config = yaml.safe_load(Path(s.config_path).read_text(encoding="utf-8")) or {}
        company = str((config.get("company") or {}).get("name") or "")
    except (OSError, yaml.YAMLError):
        company = ""
    lang = "en" if s.locale == "en" else "de"
    version = text_label("batch.plan_version", lang).format(
        scenario=scenario_label(s.scenario, lang), run=run_id
    )
    return WorkbookMeta(company, "", version, started.date(), s.locale)


def _folder_info(
    folder: Path, name: str, outcomes: Sequence[NotebookOutcome], meta: WorkbookMeta, xlsx: str
) -> dict[str, Any]:
    mine = [o for o in outcomes if o.region == name]
    info: dict[str, Any] = {
        "folder": folder.name,
        "status": "ok" if mine and all(o.status == "ok" for o in mine) else "failed",
        "key_figures": read_key_figures(folder) if folder.exists() else {},
        "charts": [str(p) for p in sorted((folder / "charts").glob("*.png"))],
        "excel": None,
    }
    if (folder / "tables").exists():
        with contextlib.suppress(FileNotFoundError):
            region_meta = dataclasses.replace(meta, region=name)
            info["excel"] = str(
                build_workbook(folder, folder / xlsx, locale=meta.locale, meta=region_meta)
            )
    return info


def _region_info(
    regions: Sequence[str],
    folders: Mapping[str, Path],
    outcomes: Sequence[NotebookOutcome],
    meta: WorkbookMeta,
) -> dict[str, Any]:
    return {
        r: _folder_info(folders[r], r, outcomes, meta, f"plan_{folders[r].name}.xlsx")
        for r in regions
    }


def _kf_order(region_info: Mapping[str, Any]) -> list[str]:
    present = {k for info in region_info.values() for k in info.get("key_figures", {})}
    order = TRANSACTIONAL_KEY_FIGURES if "bookings_total" in present else KEY_FIGURES
    return [k for k in order if k in present] or sorted(present)


def _rel_outcome(o: NotebookOutcome, run_dir: Path) -> dict[str, Any]:
    d = o.to_dict()
    d["duration_s"] = round(d["duration_s"], 3)
    d["cells_s"] = round(d["cells_s"], 3)
    for k in ("output_notebook", "output_html"):
        if d.get(k):
            d[k] = str(Path(d[k]).relative_to(run_dir))
    return d
