"""What a phase notebook writes into its output folder, and how later steps read it.

A region's output folder holds ``tables/`` (CSV, one file per table, with a JSON
sidecar carrying the table's title and phase), ``charts/`` (PNG) and
``key_figures/`` (one flat JSON per notebook: the figures the run index shows).
Every file is written atomically (temporary file, then rename), so a reader never
sees half a table and an interrupted run leaves no truncated file behind.

Table and chart names are ``<phase>_<name>`` (``06_budget_monthly``): the phase
prefix sorts them and decides the Excel sheet they go on.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from planning_lib.core.outputs import file_mode

__all__ = [
    "TableInfo",
    "atomic_write_bytes",
    "atomic_write_text",
    "iter_tables",
    "read_json",
    "read_key_figures",
    "read_table",
    "write_chart",
    "write_json",
    "write_key_figures",
    "write_table",
]

_NAME = re.compile(r"^(?P<phase>\d{2})_[a-z0-9_]+$")


@dataclass(frozen=True)
class TableInfo:
    """A table written by a notebook: file, phase and title in both languages."""

    path: Path
    name: str
    phase: str
    title_de: str
    title_en: str
    value_labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Labels of codes in the table that come from the config (channels): code → (de, en)."""
    position: int = 0
    """Order in which the notebook showed the table within its phase (0 = unknown)."""

    def title(self, locale: str) -> str:
        """The title in ``locale`` ('de' or 'en')."""
        return self.title_en if locale == "en" else self.title_de


def _check_name(name: str) -> str:
    m = _NAME.match(name)
    if not m:
        raise ValueError(
            f"artifact name {name!r} must look like '06_budget_monthly' "
            "(two-digit phase, underscore, lower-case letters/digits/underscores)"
        )
    return m["phase"]


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename.

    The file gets the mode ``open`` would give it under the current umask (0644 under 022).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, file_mode())  # mkstemp makes 0600; a file gets the umask's mode
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path: str | Path, data: Any) -> Path:
    """Write ``data`` as indented UTF-8 JSON atomically (dates and numpy values as text/numbers)."""
    return atomic_write_text(
        path, json.dumps(data, indent=2, ensure_ascii=False, default=_jsonable)
    )


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def read_json(path: str | Path) -> Any:
    """Read a JSON file written by :func:`write_json`."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_table(
    frame: pd.DataFrame,
    output_dir: str | Path,
    name: str,
    *,
    title_de: str,
    title_en: str,
    value_labels: Mapping[str, tuple[str, str]] | None = None,
    position: int = 0,
) -> Path:
    """Write ``frame`` to ``<output_dir>/tables/<name>.csv`` with a title sidecar.

    Args:
        frame: the table; its index is written only when it is named.
        output_dir: the region's (or company's) output folder.
        name: ``<phase>_<name>``, e.g. ``06_budget_monthly``.
        title_de: German title (report and Excel).
        title_en: English title.
        value_labels: labels of codes in the table from the config (channels),
            code → (de, en); kept in the sidecar for the Excel workbook.
        position: the table's place in its notebook (the workbook's sheet order).

    Returns:
        The CSV path.

    Raises:
        ValueError: the name does not follow the ``<phase>_<name>`` pattern.
    """
    phase = _check_name(name)
    folder = Path(output_dir) / "tables"
    keep_index = any(n is not None for n in frame.index.names)
    csv = frame.to_csv(index=keep_index, lineterminator="\n")
    path = atomic_write_text(folder / f"{name}.csv", csv)
    write_json(
        folder / f"{name}.json",
        {
            "name": name,
            "phase": phase,
            "title_de": title_de,
            "title_en": title_en,
            "value_labels": {k: list(v) for k, v in (value_labels or {}).items()},
            "position": position,
        },
    )
    return path


def read_table(output_dir: str | Path, name: str, **read_csv_kwargs: Any) -> pd.DataFrame:
    """Read the table ``name`` written by :func:`write_table` into ``output_dir``.

    Raises:
        FileNotFoundError: the table was not written (its phase did not run or failed).
    """
    path = Path(output_dir) / "tables" / f"{name}.csv"
    if not path.exists():
        raise FileNotFoundError(
            f"table {name!r} not found in {path.parent} (did phase {name[:2]} run for this region?)"
        )
    return pd.read_csv(path, **read_csv_kwargs)


def iter_tables(output_dir: str | Path) -> Iterator[TableInfo]:
    """The tables in ``output_dir`` in name order (phase first)."""
    folder = Path(output_dir) / "tables"
    for csv in sorted(folder.glob("*.csv")):
        meta_path = csv.with_suffix(".json")
        meta = read_json(meta_path) if meta_path.exists() else {}
        yield TableInfo(
            path=csv,
            name=csv.stem,
            phase=meta.get("phase", csv.stem[:2]),
            title_de=meta.get("title_de", csv.stem),
            title_en=meta.get("title_en", csv.stem),
            value_labels={k: tuple(v) for k, v in meta.get("value_labels", {}).items()},
            position=int(meta.get("position", 0)),
        )


def write_chart(fig: Figure, output_dir: str | Path, name: str, *, dpi: int = 110) -> Path:
    """Save ``fig`` as ``<output_dir>/charts/<name>.png`` atomically.

    Raises:
        ValueError: the name does not follow the ``<phase>_<name>`` pattern.
    """
    _check_name(name)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return atomic_write_bytes(Path(output_dir) / "charts" / f"{name}.png", buf.getvalue())


def write_key_figures(output_dir: str | Path, notebook: str, figures: Mapping[str, Any]) -> Path:
    """Write the key figures of one notebook (label key → number) for the run index."""
    return write_json(Path(output_dir) / "key_figures" / f"{notebook}.json", dict(figures))


def read_key_figures(output_dir: str | Path) -> dict[str, Any]:
    """All key figures written into ``output_dir``, merged in notebook order."""
    merged: dict[str, Any] = {}
    for path in sorted((Path(output_dir) / "key_figures").glob("*.json")):
        merged.update(read_json(path))
    return merged
