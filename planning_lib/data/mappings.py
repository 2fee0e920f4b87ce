"""Column mappings: CRM export columns and values onto a canonical table.

A mapping is a small YAML file (the presets ``hubspot`` and ``salesforce`` live in
``planning_lib/data/mappings/``; users write their own)::

    table: deals                      # canonical table the export fills
    extends: hubspot                  # optional: start from a preset, override by key
    columns:                          # canonical column: export column(s), first found wins
      deal_id: [Record ID, Deal ID]
      amount_eur: Amount
    values:                           # canonical column: {export value: canonical value}
      stage: {Closed Won: won, closedwon: won}
    defaults:                         # constant for a canonical column the export lacks
      region: DE-Nord
    computed:                         # derived when the export lacks the column
      mrr_eur: {from: amount_eur, divide_by: 12}
    date_format: "%m/%d/%Y"           # optional; default: ISO or dd.mm.yyyy
    decimal: ","                      # optional; default: detected per column

Export column names are matched ignoring case and surrounding blanks. Values are
matched ignoring case, blanks and punctuation (``Closed Won`` = ``closedwon`` =
``CLOSED_WON``); values without an entry pass unchanged, so the schema reports them.
Columns already named canonically pass through. Unknown keys, unknown canonical
columns and misspelt presets are errors that name the closest valid names.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from planning_lib.core.config import deep_merge
from planning_lib.data.tables import TABLES

__all__ = [
    "PRESETS",
    "PRESET_DIR",
    "ColumnMapping",
    "Computed",
    "MappingError",
    "apply_computed",
    "apply_mapping",
    "find_column",
    "load_mapping",
    "missing_sources",
]

PRESET_DIR: Path = Path(__file__).resolve().parent / "mappings"
PRESETS: tuple[str, ...] = ("hubspot", "salesforce")


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file and the key."""


class Computed(BaseModel):
    """A canonical column derived from another one: ``from`` divided by ``divide_by``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    source: str = Field(alias="from", description="canonical column to derive from")
    divide_by: float = Field(gt=0, description="divisor, e.g. 12 for monthly from yearly")


class ColumnMapping(BaseModel):
    """A mapping of export columns and values onto one canonical table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(default="custom", description="label shown in messages")
    table: str = Field(default="deals", description="canonical table filled")
    description: str = ""
    extends: str | None = Field(default=None, description="preset or file to start from")
    columns: dict[str, list[str]] = Field(default_factory=dict)
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    defaults: dict[str, str | float | int] = Field(default_factory=dict)
    computed: dict[str, Computed] = Field(default_factory=dict)
    date_format: str | None = None
    decimal: Literal[",", "."] | None = None

    @field_validator("columns", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: [v] if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("values", mode="before")
    @classmethod
    def _stringify(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: {str(a): str(b) for a, b in (v or {}).items()} if isinstance(v, dict) else v
                for k, v in value.items()
            }
        return value


def _closest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else f"known: {', '.join(known)}"
    return f"{name!r} is unknown; {hint}"


def _check_names(mapping: ColumnMapping, source: str) -> None:
    if mapping.table not in TABLES:
        raise MappingError(f"{source}: table {_closest(mapping.table, list(TABLES))}")
    known = [c.name for c in TABLES[mapping.table].columns]
    for section in ("columns", "values", "defaults", "computed"):
        for key in getattr(mapping, section):
            if key not in known:
                raise MappingError(f"{source}: {section}: column {_closest(key, known)}")
    for key, comp in mapping.computed.items():
        if comp.source not in known:
            raise MappingError(f"{source}: computed: {key}: from {_closest(comp.source, known)}")


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise MappingError(f"{path}: not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise MappingError(f"{path}: expected a mapping of keys (table, columns, values, ...)")
    return data


def _resolve(ref: str | Path, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    key = str(ref)
    if key in seen:
        raise MappingError(f"mapping {key!r} extends itself (via {' -> '.join(seen)})")
    path = Path(ref)
    if key in PRESETS:
        path = PRESET_DIR / f"{key}.yaml"
    elif not path.suffix and not path.exists():
        raise MappingError(
            f"mapping {key!r}: no such file, and preset {_closest(key, list(PRESETS))}"
        )
    if not path.is_file():
        raise MappingError(f"mapping file {path} does not exist")
    data = _read_yaml(path)
    data.setdefault("name", key if key in PRESETS else path.stem)
    parent = data.get("extends")
    if parent:
        is_file = Path(parent).suffix.lower() in (".yaml", ".yml")
        base = _resolve(path.parent / parent if is_file else parent, (*seen, key))
        base.pop("name", None)
        data = deep_merge(base, data)
    return data


def load_mapping(ref: str | Path) -> ColumnMapping:
    """Load a preset (``hubspot``, ``salesforce``) or a user mapping file (YAML).

    Args:
        ref: preset name or path of a YAML file; ``extends`` in a file starts from
            a preset or another file (relative to the file).

    Returns:
        The validated mapping.

    Raises:
        MappingError: unknown key, unknown canonical column, bad value or missing file.
    """
    data = _resolve(ref)
    try:
        mapping = ColumnMapping.model_validate(data)
    except ValidationError as err:
        problems = []
        for e in err.errors():
            where = ".".join(str(p) for p in e["loc"])
            if e["type"] == "extra_forbidden":
                fields = [f for f in ColumnMapping.model_fields if f != "extends"] + ["extends"]
                problems.append(f"{_closest(str(e['loc'][-1]), fields)}")
            else:
                problems.append(f"{where}: {e['msg']}")
        raise MappingError(f"mapping {ref}: " + "; ".join(problems)) from err
    _check_names(mapping, str(ref))
    return mapping


def _norm_value(value: str) -> str:
    return re.sub(r"[^0-9a-zäöüß]", "", value.casefold())


def _find(raw_columns: list[str], names: list[str]) -> str | None:
    by_norm = {str(c).strip().casefold(): c for c in raw_columns}
    for name in names:
        hit = by_norm.get(name.strip().casefold())
        if hit is not None:
            return hit
    return None


def find_column(raw_columns: list[str], names: list[str]) -> str | None:
    """The first export column matching one of ``names`` (ignoring case and blanks)."""
    return _find(raw_columns, names)


def missing_sources(raw_columns: list[str], mapping: ColumnMapping) -> dict[str, list[str]]:
    """Canonical columns whose export columns are absent and that have no fallback.

    Returns:
        ``{canonical column: export names the mapping looked for}``.
    """
    out = {}
    for canonical, names in mapping.columns.items():
        if canonical in raw_columns or _find(raw_columns, names) is not None:
            continue
        if canonical in mapping.defaults or canonical in mapping.computed:
            continue
        out[canonical] = names
    return out


def apply_mapping(raw: pd.DataFrame, mapping: ColumnMapping) -> pd.DataFrame:
    """Rename export columns, translate values and add defaults (a new frame).

    Args:
        raw: the export as read (cells as text or native values).
        mapping: the mapping.

    Returns:
        A frame with canonical column names for every column the mapping found;
        canonically named export columns pass through, other columns are dropped.
    """
    cols = [str(c) for c in raw.columns]
    known = {c.name for c in TABLES[mapping.table].columns}
    out: dict[str, pd.Series] = {c: raw[c] for c in cols if c in known}
    for canonical, names in mapping.columns.items():
        hit = _find(cols, names)
        if hit is not None:
            out[canonical] = raw[hit]
    for canonical, table in mapping.values.items():
        if canonical in out:
            lookup = {_norm_value(k): v for k, v in table.items()}
            series = out[canonical]
            codes, distinct = pd.factorize(series)  # map each distinct value once
            mapped = [lookup.get(_norm_value(v), v) if isinstance(v, str) else v for v in distinct]
            values = pd.Series([*mapped, None], dtype=object).to_numpy()[codes]
            out[canonical] = pd.Series(values, index=series.index, dtype=object)
    for canonical, value in mapping.defaults.items():
        if canonical not in out:
            out[canonical] = pd.Series(value, index=raw.index, dtype=object)
    return pd.DataFrame(out, index=raw.index)


def apply_computed(frame: pd.DataFrame, mapping: ColumnMapping) -> pd.DataFrame:
    """Add the mapping's computed columns the frame lacks (after parsing, so numbers are typed)."""
    out = frame.copy()
    for canonical, comp in mapping.computed.items():
        if canonical not in out.columns and comp.source in out.columns:
            out[canonical] = out[comp.source] / comp.divide_by
    order = [c.name for c in TABLES[mapping.table].columns if c.name in out.columns]
    return out[order]
