"""What a batch runs: the phase notebooks and their order, the settings, the regions,
one notebook job per region and phase, and the checks made before anything starts.

Per region the phase notebooks run in dependency order (01 first; 02 and 03 need
01; 04-07 need 02's plan); the consolidation notebook runs last. A region, phase,
notebook or parameter that is wrong stops the batch with :class:`BatchError`
before a kernel starts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from planning_lib.core.paths import NOTEBOOKS
from planning_lib.run.catalog import CONSOLIDATION, PHASES, PhaseStep
from planning_lib.run.notebook import NotebookJob
from planning_lib.run.notebook_params import check_parameters
from planning_lib.run.run_folder import region_named

__all__ = [
    "BatchError",
    "BatchSettings",
    "absolute_settings",
    "base_parameters",
    "check_before_start",
    "notebook_job",
    "select_phases",
    "select_regions",
]


class BatchError(ValueError):
    """The batch cannot start: a region, notebook or parameter is wrong. Nothing ran."""


@dataclass
class BatchSettings:
    """Everything a batch run needs; paths are made absolute before use.

    Attributes:
        config_path: base plan parameters (YAML); region files in ``regions/`` beside it.
        data_path: folder of the canonical tables (and ``actuals/``).
        out_dir: parent folder of the run folders.
        regions: region names, or None / ``["all"]`` for every region of the config.
        workers: local worker processes (default: number of cores).
        dask_scheduler: address of a Dask scheduler (``tcp://host:8786``) instead of
            local processes; the workers must see the same paths.
        horizon: plan horizon in months.
        scenario: scenario name (``base`` or one of the config's scenarios).
        locale: report language, ``de`` or ``en``.
        seed: random seed for anything drawn.
        extra_parameters: further notebook parameters: ``name`` for every notebook,
            ``<stem>:name`` for one notebook.
        phases: phase stems (or their two-digit prefixes) to run; their
            prerequisites are added. None = all.
        consolidate: run the consolidation notebook after the regions.
        notebooks_dir: where the notebooks live.
        kernel_name: Jupyter kernel to run them on.
        progress: show a progress bar (None: when stderr is a terminal).
    """

    config_path: Path
    data_path: Path
    out_dir: Path
    regions: Sequence[str] | None = None
    workers: int | None = None
    dask_scheduler: str | None = None
    horizon: int = 12
    scenario: str = "base"
    locale: str = "de"
    seed: int = 42
    extra_parameters: Mapping[str, Any] = field(default_factory=dict)
    phases: Sequence[str] | None = None
    consolidate: bool = True
    notebooks_dir: Path = NOTEBOOKS
    kernel_name: str = "python3"
    progress: bool | None = None

    def __post_init__(self) -> None:
        if self.workers is not None and self.workers < 1:
            raise BatchError(f"workers must be 1 or more, got {self.workers}")
        if self.seed < 0:
            raise BatchError(f"seed must be 0 or more (a numpy seed), got {self.seed}")
        if not 12 <= self.horizon <= 36:
            raise BatchError(f"horizon must be 12 to 36 months, got {self.horizon}")


def select_regions(config_path: Path, spec: Sequence[str] | None) -> list[str]:
    """The regions to run: all of the config's ``company.regions``, or the named ones.

    A named region must be in the config's list or have a file ``regions/<name>.yaml``;
    its folder name (``DE-Sued`` for ``DE-Süd``) names it too.

    Raises:
        BatchError: the config cannot be read or a region is unknown.
    """
    try:
        base = yaml.safe_load(Path(config_path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise BatchError(f"cannot read the plan config {config_path}: {exc}") from None
    known = list((base.get("company") or {}).get("regions") or [])
    files = sorted(p.stem for p in (Path(config_path).parent / "regions").glob("*.yaml"))
    if spec is None or [s.strip().lower() for s in spec] == ["all"]:
        if not known:
            raise BatchError(f"{config_path} lists no company.regions; name them with --regions")
        return known
    chosen = [region_named(s.strip(), known + files) for s in spec if s.strip()]
    unknown = [r for r in chosen if r not in known and r not in files]
    if unknown:
        raise BatchError(
            f"unknown region(s) {', '.join(unknown)}; known: {', '.join(sorted({*known, *files}))}"
        )
    if len(set(chosen)) != len(chosen):
        raise BatchError(f"a region is named twice: {', '.join(chosen)}")
    return chosen


def select_phases(phases: Sequence[str] | None) -> list[PhaseStep]:
    """The phases to run in their order: the named ones (stem or two-digit prefix) and
    what they need; all when ``phases`` is None.

    Raises:
        BatchError: a phase is unknown.
    """
    if phases is None:
        return list(PHASES)
    by_key = {p.stem: p for p in PHASES} | {p.stem[:2]: p for p in PHASES}
    wanted: set[str] = set()
    todo = list(phases)
    while todo:
        key = todo.pop().strip()
        if key not in by_key:
            raise BatchError(f"unknown phase {key!r}; known: {', '.join(p.stem for p in PHASES)}")
        phase = by_key[key]
        if phase.stem not in wanted:
            wanted.add(phase.stem)
            todo.extend(phase.requires)
    return [p for p in PHASES if p.stem in wanted]


def _extra_for(stem: str, extra: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in extra.items():
        target, sep, name = key.rpartition(":")
        if not sep:
            out[key] = value
        elif target == stem:
            out[name] = value
    return out


def base_parameters(s: BatchSettings, region: str, output_dir: Path) -> dict[str, Any]:
    """The notebook parameters every phase notebook of ``region`` gets."""
    return {
        "region": region,
        "config_path": str(s.config_path),
        "data_path": str(s.data_path),
        "horizon": s.horizon,
        "scenario": s.scenario,
        "locale": s.locale,
        "seed": s.seed,
        "output_dir": str(output_dir),
    }


def notebook_job(
    s: BatchSettings, stem: str, region: str, folder: Path, params: dict
) -> NotebookJob:
    """The job running phase notebook ``stem`` of ``region`` into ``folder``."""
    return NotebookJob(
        key=f"{region}/{stem}",
        region=region,
        notebook=str(s.notebooks_dir / f"{stem}.ipynb"),
        output_notebook=str(folder / "notebooks" / f"{stem}.ipynb"),
        output_html=str(folder / "html" / f"{stem}.html"),
        parameters=params | _extra_for(stem, s.extra_parameters),
        kernel_name=s.kernel_name,
    )


def check_before_start(s: BatchSettings, stems: Sequence[str], regions: Sequence[str]) -> None:
    """Validate notebooks and parameters before anything runs."""
    unknown_targets = {k.rpartition(":")[0] for k in s.extra_parameters if ":" in k} - set(stems)
    if unknown_targets:
        raise BatchError(
            f"--param names notebook(s) not in this run: {', '.join(sorted(unknown_targets))}"
        )
    for stem in stems:
        path = s.notebooks_dir / f"{stem}.ipynb"
        if not path.exists():
            raise BatchError(f"notebook {path} not found")
        region = regions[0] if regions else ""
        params = base_parameters(s, region, s.out_dir) | _extra_for(stem, s.extra_parameters)
        if stem == CONSOLIDATION.stem:
            params["region_dirs"] = {}
        try:
            check_parameters(path, params)
        except ValueError as exc:
            raise BatchError(str(exc)) from exc


def absolute_settings(s: BatchSettings) -> BatchSettings:
    """``s`` with absolute paths, once config, data folder and locale are checked.

    Raises:
        BatchError: the config or the data folder is missing, or the locale unknown.
    """
    s.config_path = Path(s.config_path).resolve()
    s.data_path = Path(s.data_path).resolve()
    s.out_dir = Path(s.out_dir).resolve()
    s.notebooks_dir = Path(s.notebooks_dir).resolve()
    if not s.config_path.exists():
        raise BatchError(f"plan config {s.config_path} not found")
    if not s.data_path.exists():
        raise BatchError(f"data folder {s.data_path} not found")
    if s.locale not in ("de", "en"):
        raise BatchError(f"locale must be 'de' or 'en', not {s.locale!r}")
    return s
