"""The run folder of ``planning batch``: safe region folder names, a new folder per run,
and the provenance the manifest records (input fingerprint, package versions).

A run folder is created exclusively (``mkdir`` without ``exist_ok``) under a name made
of the UTC time and a random short id, so no run ever writes into an earlier one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import platform
import re
import unicodedata
import uuid
from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "CONSOLIDATION_FOLDER",
    "config_regions",
    "input_fingerprint",
    "new_run_dir",
    "package_versions",
    "region_named",
    "safe_folder_names",
]

CONSOLIDATION_FOLDER = "_konsolidierung"
"""Folder of the company roll-up inside a run (no region folder starts with ``_``)."""

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
    import yaml

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
