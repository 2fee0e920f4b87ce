"""The sample company: a deterministic CRM extract of a CloudFlow-like SaaS business.

``generate_sample(seed)`` simulates the business month by month (leads flow through
the funnel, won deals become subscriptions, customers churn, the sales team is paid)
and returns the canonical tables twice: the CRM history as of the history end
(2025-12-31) and the later export of the plan year's first half (actuals as of
2026-06-30). ``sample_files`` renders them to CSV bytes, ``write_sample`` writes them
atomically. Everything random comes from one ``numpy.random.Generator(seed)``.

Units: money in EUR (monthly recurring revenue in EUR/month), rates as shares 0..1,
lags in days.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from planning_lib.core.outputs import private_temp_dir, rename_noreplace, report_stale_temp_folders
from planning_lib.sample.config import SampleConfig
from planning_lib.sample.customers import simulate_subscriptions
from planning_lib.sample.funnel import simulate_funnel
from planning_lib.sample.render import render_csv, render_readme
from planning_lib.sample.snapshot import actuals_tables, history_tables
from planning_lib.sample.team import simulate_costs, simulate_headcount

__all__ = [
    "TABLE_NAMES",
    "SampleData",
    "SampleExistsError",
    "SampleForeignFilesError",
    "foreign_entries",
    "generate_sample",
    "sample_files",
    "write_sample",
]

TABLE_NAMES: tuple[str, ...] = ("deals", "leads", "subscriptions", "costs", "headcount")


@dataclass(frozen=True)
class SampleData:
    """The generated sample: canonical tables of the history and of the actuals."""

    history: dict[str, pd.DataFrame] = field(default_factory=dict)
    actuals: dict[str, pd.DataFrame] = field(default_factory=dict)
    config: SampleConfig = field(default_factory=SampleConfig)
    seed: int = 42


class SampleExistsError(FileExistsError):
    """The output folder holds files and overwriting was not allowed."""


class SampleForeignFilesError(SampleExistsError):
    """``--force`` was given, but the folder holds files the sample does not consist of.

    Attributes:
        out: the folder.
        foreign: the foreign entries, relative paths (a folder ends in ``/``).
    """

    def __init__(self, out: Path, foreign: list[str]):
        shown = ", ".join(foreign[:10]) + (f" (+{len(foreign) - 10})" if len(foreign) > 10 else "")
        super().__init__(
            f"{out} holds files that are not sample data: {shown}; --force replaces only "
            "the sample's own files (move these away or choose another folder)"
        )
        self.out = out
        self.foreign = foreign


def generate_sample(seed: int = 42, config: SampleConfig | None = None) -> SampleData:
    """Simulate the sample company and return its history and actuals tables.

    Args:
        seed: seed of the one random generator everything is drawn from.
        config: the company to simulate; the CloudFlow defaults when None.

    Returns:
        SampleData with the canonical tables (columns in contract order, rows sorted).
    """
    cfg = config or SampleConfig()
    rng = np.random.default_rng(seed)
    team = simulate_headcount(cfg)
    leads, deals = simulate_funnel(cfg, rng)
    subs = simulate_subscriptions(cfg, deals, rng)
    costs = simulate_costs(cfg, leads, deals, team, rng)
    truth = {"leads": leads, "deals": deals, "subscriptions": subs, "team": team, "costs": costs}
    return SampleData(
        history=history_tables(cfg, truth, rng),
        actuals=actuals_tables(cfg, truth, rng),
        config=cfg,
        seed=seed,
    )


def sample_files(data: SampleData) -> dict[str, bytes]:
    """The files of the sample folder: relative path -> exact bytes (UTF-8, LF)."""
    files: dict[str, bytes] = {}
    for name in TABLE_NAMES:
        files[f"{name}.csv"] = render_csv(name, data.history[name])
    for name in TABLE_NAMES:
        files[f"actuals/{name}.csv"] = render_csv(name, data.actuals[name])
    files["README.md"] = render_readme(data.history, data.actuals, data.config, data.seed)
    return files


def _is_nonempty_dir(path: Path) -> bool:
    return path.is_dir() and any(path.iterdir())


def foreign_entries(folder: Path, files: Iterable[str]) -> list[str]:
    """Entries of ``folder`` that are none of ``files`` (relative paths) nor their folders.

    Hidden files count (they are not the sample's either). A folder that holds only
    foreign entries is named once (``notes/``); a symlink is foreign even when its name
    is one of the sample's.
    """
    own = set(files)
    own_dirs = {parent.as_posix() for rel in own for parent in Path(rel).parents} - {"."}
    foreign: list[str] = []

    def walk(d: Path, prefix: str) -> None:
        for p in sorted(d.iterdir()):
            rel = f"{prefix}{p.name}"
            if p.is_symlink() or not (p.is_dir() or p.is_file()):
                foreign.append(rel)
            elif p.is_dir():
                if rel in own_dirs:
                    walk(p, rel + "/")
                else:
                    foreign.append(rel + "/")
            elif rel not in own:
                foreign.append(rel)

    walk(folder, "")
    return foreign


def write_files(files: dict[str, bytes], out: str | Path, force: bool = False) -> Path:
    """Write ``files`` into folder ``out`` atomically (temp folder beside it, then rename).

    Args:
        files: relative path -> bytes.
        out: target folder.
        force: replace a non-empty ``out`` that holds only files of ``files``' names
            (an earlier sample); otherwise refuse.

    Returns:
        The written folder.

    Raises:
        SampleForeignFilesError: ``force`` and ``out`` holds anything else (named).
        SampleExistsError: ``out`` exists, is not empty and ``force`` is False.
    """
    out = Path(out)
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise SampleExistsError(f"{out} exists and is not a folder")
    if _is_nonempty_dir(out):
        if not force:
            raise SampleExistsError(
                f"{out} is not empty; use --force to replace it (or --check to compare)"
            )
        foreign = foreign_entries(out, files)
        if foreign:
            raise SampleForeignFilesError(out, foreign)
    out.parent.mkdir(parents=True, exist_ok=True)
    report_stale_temp_folders(out.parent)
    tmp = private_temp_dir(out)
    try:
        for rel, content in files.items():
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.replace(out, old / out.name)
            foreign = foreign_entries(old / out.name, files)
            if foreign:  # written meanwhile: put the folder back untouched
                os.replace(old / out.name, out)
                old.rmdir()
                raise SampleForeignFilesError(out, foreign)
            try:
                rename_noreplace(tmp, out)
            except FileExistsError:
                raise SampleExistsError(
                    f"{out} was created meanwhile by another run; the previous sample "
                    f"is kept in {old / out.name}"
                ) from None
            shutil.rmtree(old)
        else:
            try:
                rename_noreplace(tmp, out)
            except FileExistsError:
                raise SampleExistsError(f"{out} was created meanwhile by another run") from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return out


def write_sample(data: SampleData, out: str | Path, force: bool = False) -> Path:
    """Write the sample's CSV files and README into ``out`` atomically (see write_files)."""
    return write_files(sample_files(data), out, force=force)
