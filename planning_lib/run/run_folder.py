"""The run folder of ``planning batch``: safe region folder names, a new folder per run,
and the provenance the manifest records (input fingerprint, package versions).

A run folder is created exclusively (``mkdir`` without ``exist_ok``) under a name made
of the UTC time and a random short id, so no run ever writes into an earlier one.

While a run works, its folder holds :data:`INCOMPLETE_MARKER` (who runs it, since
when); the marker is removed after ``manifest.json`` and the final ``index.html`` are
written. A folder that still has the marker and whose process no longer runs belongs
to a run that was killed: :func:`incomplete_runs` finds those, and the next run
names them (stderr, its manifest and index).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import socket
import unicodedata
import uuid
from collections.abc import Sequence
from pathlib import Path

import yaml

from planning_lib.core.lifeline import process_alive
from planning_lib.run.artifacts import write_json

__all__ = [
    "CONSOLIDATION_FOLDER",
    "INCOMPLETE_MARKER",
    "config_regions",
    "incomplete_runs",
    "input_fingerprint",
    "mark_complete",
    "mark_incomplete",
    "new_run_dir",
    "package_versions",
    "region_named",
    "safe_folder_names",
]

CONSOLIDATION_FOLDER = "_konsolidierung"
"""Folder of the company roll-up inside a run (no region folder starts with ``_``)."""

INCOMPLETE_MARKER = "UNVOLLSTAENDIG.json"
"""File in a run folder while the run is not finished (removed at its end)."""

_PACKAGES = (
    "vertriebsplanung",
    "papermill",
    "nbclient",
    "nbconvert",
    "nbformat",
    "ipykernel",
    "jupyter_client",
    "pandas",
    "numpy",
    "matplotlib",
    "statsmodels",
    "pydantic",
    "openpyxl",
    "dask",
    "distributed",
)


_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def _safe_name(name: str) -> str:
    s = name.translate(_TRANSLIT).replace("ß", "ss")
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")
    s = re.sub(r"[^A-Za-z0-9.-]+", "_", s)
    s = re.sub(r"\.{2,}", ".", s).strip("._-")
    return s or "region"


def config_regions(config_path: str | Path) -> list[str]:
    """The regions a config knows: its ``company.regions`` and its ``regions/*.yaml`` files.

    An unreadable config gives only the files (the command reports the config itself).
    """
    path = Path(config_path)
    try:
        base = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        base = {}
    company = base.get("company") if isinstance(base, dict) else None
    listed = [str(r) for r in ((company or {}).get("regions") or [])]
    files = sorted(p.stem for p in (path.parent / "regions").glob("*.yaml"))
    return list(dict.fromkeys([*listed, *files]))


def region_named(name: str, regions: Sequence[str]) -> str:
    """The region of ``regions`` called ``name``, or whose folder name is ``name``.

    ``DE-Sued`` (the folder ``planning batch`` writes for ``DE-Süd``) names ``DE-Süd``;
    a name that matches neither is returned unchanged (the caller reports it unknown).
    """
    if name in regions:
        return name
    for region in regions:
        if _safe_name(region) == name:
            return region
    return name


def safe_folder_names(regions: Sequence[str]) -> dict[str, str]:
    """Region name → folder name that stays inside the run folder and is unique.

    ``DE-Süd`` → ``DE-Sued``; ``../x`` → ``x``; separators, dots at the ends and
    anything outside ``[A-Za-z0-9.-]`` are removed or replaced; a name that would
    repeat gets ``-2``, ``-3`` …; nothing starts with ``_`` (reserved for the run's
    own folders).
    """
    out: dict[str, str] = {}
    taken: set[str] = {CONSOLIDATION_FOLDER.lower()}
    for region in regions:
        base = _safe_name(region)
        name, k = base, 2
        while name.lower() in taken:
            name, k = f"{base}-{k}", k + 1
        taken.add(name.lower())
        out[region] = name
    return out


def new_run_dir(out_dir: Path, now: dt.datetime | None = None) -> tuple[str, Path]:
    """Create a new, empty run folder ``<out_dir>/<timestamp>-<short id>`` (never reused)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    for _ in range(100):
        run_id = f"{stamp}-{uuid.uuid4().hex[:6]}"
        path = out_dir / run_id
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return run_id, path
    raise FileExistsError(f"could not create a new run folder in {out_dir}")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def input_fingerprint(config_path: Path, data_path: Path, regions: Sequence[str]) -> dict:
    """SHA-256 of every input file (config, region files, data folder) and of them all.

    Returns:
        ``{"sha256": <combined>, "files": {<path>: <sha256>}}``; the combined hash
        covers the sorted (path, file hash) pairs, so renaming a file changes it too.
    """
    files: list[Path] = [config_path]
    files += [p for r in regions if (p := config_path.parent / "regions" / f"{r}.yaml").exists()]
    if data_path.is_dir():
        files += sorted(p for p in data_path.rglob("*") if p.is_file() and p.name[0] != ".")
    elif data_path.exists():
        files.append(data_path)
    per_file = {str(p): _sha256(p) for p in files}
    combined = hashlib.sha256()
    for name, digest in sorted(per_file.items()):
        combined.update(f"{name}\0{digest}\n".encode())
    return {"sha256": combined.hexdigest(), "files": per_file}


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages a run depends on."""
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


# ------------------------------------------------------------------ incomplete runs


def mark_incomplete(run_dir: Path, run_id: str, started: dt.datetime) -> Path:
    """Write the marker of a run that has started but not finished (its pid and host)."""
    return write_json(
        run_dir / INCOMPLETE_MARKER,
        {
            "run_id": run_id,
            "started_utc": started.isoformat(timespec="seconds"),
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "hinweis": "Dieser Lauf ist nicht abgeschlossen: er läuft noch oder wurde "
            "abgebrochen. Ohne manifest.json sind seine Ergebnisse unvollständig.",
            "note": "This run has not finished: it is still running or was killed. "
            "Without manifest.json its results are incomplete.",
        },
    )


def mark_complete(run_dir: Path) -> None:
    """Remove the marker (after the manifest and the index are written)."""
    (run_dir / INCOMPLETE_MARKER).unlink(missing_ok=True)


def _running(pid: int, started_utc: str) -> bool:
    """True when ``pid`` runs and is not a later process that reused the pid."""
    try:
        since = dt.datetime.fromisoformat(started_utc).timestamp()
    except (TypeError, ValueError):
        since = dt.datetime.now(dt.UTC).timestamp()
    return process_alive(pid, since)


def _younger_than(folder: Path, seconds: float) -> bool:
    try:
        return dt.datetime.now(dt.UTC).timestamp() - folder.stat().st_mtime < seconds
    except OSError:
        return False


def incomplete_runs(out_dir: Path, *, skip: Path | None = None) -> list[dict]:
    """The run folders in ``out_dir`` that did not finish, oldest first.

    Returns:
        One dict per folder: ``run_id``, ``folder`` (name), ``started_utc`` and ``state``:
        ``aborted`` (its process on this host is gone, or the folder has neither
        manifest nor marker), ``running`` (its process still runs) or ``unknown``
        (started on another host).
    """
    out: list[dict] = []
    if not out_dir.is_dir():
        return out
    host = socket.gethostname()
    for folder in sorted(p for p in out_dir.iterdir() if p.is_dir() and not p.is_symlink()):
        if skip is not None and folder == skip:
            continue
        if not _RUN_ID.match(folder.name) or (folder / "manifest.json").exists():
            continue
        marker = folder / INCOMPLETE_MARKER
        info: dict = {}
        if marker.exists():
            try:
                info = json.loads(marker.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                info = {}
        pid = info.get("pid")
        if not info and _younger_than(folder, 60.0):  # just created, marker not yet written
            state = "running"
        elif info.get("host", host) != host:
            state = "unknown"
        elif isinstance(pid, int) and _running(pid, info.get("started_utc", "")):
            state = "running"
        else:
            state = "aborted"
        out.append(
            {
                "run_id": info.get("run_id", folder.name),
                "folder": folder.name,
                "started_utc": info.get("started_utc", ""),
                "state": state,
            }
        )
    return out


_RUN_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{6}$")
