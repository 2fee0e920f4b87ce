"""Load exports (CSV, XLSX, Parquet, SQL) into validated canonical tables.

The way of every source: read (``readers``) -> map columns and values (``mappings``,
optional) -> parse cells (``parsing``) -> check the contract (``schemas``). All
problems of a source are collected; :func:`load_table` and :func:`load_dataset`
raise one :class:`DataValidationError` with the whole failure table, while
:func:`check_table` and :func:`check_dataset` return it (for ``planning validate``).
Input files are only read, never written.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from planning_lib.data.completion import Note, estimate_open_deals, fill_defaults, render_note
from planning_lib.data.failures import MESSAGES, DataValidationError, failure, failure_frame
from planning_lib.data.mappings import (
    ColumnMapping,
    MappingError,
    apply_computed,
    apply_mapping,
    find_column,
    load_mapping,
    missing_sources,
)
from planning_lib.data.parsing import coerce_columns
from planning_lib.data.readers import RawTable, SourceError, read_source
from planning_lib.data.schemas import check_frame
from planning_lib.data.sql_source import read_sql
from planning_lib.data.tables import OPTIONAL_DEFAULTS, TABLES

__all__ = [
    "FILE_SUFFIXES",
    "check_dataset",
    "check_table",
    "cross_table_warnings",
    "dataset_files",
    "load_dataset",
    "load_table",
    "mappings_by_table",
]

FILE_SUFFIXES: tuple[str, ...] = (".csv", ".xlsx", ".parquet")

MappingRef = str | Path | ColumnMapping | None
# called with (table, canonical frame) before the contract checks (see check_table)
Prepare = Callable[[str, pd.DataFrame], object]
MappingRefs = MappingRef | Sequence[str | Path | ColumnMapping]

WARNING_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "customer_not_in_subscriptions": (
            "warning: deals.customer_id: {n} of {total} won deal(s) name a customer that is "
            "not in subscriptions (e.g. {examples})"
        ),
        "deal_not_in_deals": (
            "warning: {table}.deal_id: {n} of {total} row(s) name a deal that is not in deals "
            "(e.g. {examples})"
        ),
        "stages_not_learned": (
            "note: deal_stages ({n} rows) is checked and loaded; win probabilities and stage "
            "ages from it are not used by the analysis yet"
        ),
    },
    "de": {
        "customer_not_in_subscriptions": (
            "Warnung: deals.customer_id: {n} von {total} gewonnenen Deals nennen einen Kunden, "
            "der nicht in subscriptions steht (z. B. {examples})"
        ),
        "deal_not_in_deals": (
            "Warnung: {table}.deal_id: {n} von {total} Zeilen nennen einen Deal, der nicht in "
            "deals steht (z. B. {examples})"
        ),
        "stages_not_learned": (
            "Hinweis: deal_stages ({n} Zeilen) ist geprüft und geladen; Gewinnwahrscheinlichkeiten "
            "und Phasenalter daraus nutzt die Analyse noch nicht"
        ),
    },
}


def _mapping(ref: MappingRef) -> ColumnMapping | None:
    if ref is None or isinstance(ref, ColumnMapping):
        return ref
    return load_mapping(ref)


def mappings_by_table(refs: MappingRefs) -> dict[str, ColumnMapping]:
    """``{table: mapping}`` of one or several mappings (one per table).

    Raises:
        MappingError: two mappings for the same table (neither may win silently).
    """
    if refs is None:
        return {}
    items = [refs] if isinstance(refs, (str, Path, ColumnMapping)) else list(refs)
    out: dict[str, ColumnMapping] = {}
    for ref in items:
        mapping = _mapping(ref)
        if mapping is None:
            continue
        if mapping.table in out:
            raise MappingError(
                f"mappings {out[mapping.table].name!r} and {mapping.name!r} are both for table "
                f"{mapping.table!r}; give one mapping per table"
            )
        out[mapping.table] = mapping
    return out


def cross_table_warnings(frames: dict[str, pd.DataFrame], lang: str = "en") -> list[str]:
    """Warnings (with counts) for ids that point outside the tables; the data stays valid.

    Checks: won deals' customer_id in subscriptions; leads.deal_id and deal_stages.deal_id
    in deals. A note says that deal_stages is loaded but not yet learned from.
    """
    text = WARNING_TEXT[lang]
    out = []

    def examples(values: pd.Series) -> str:
        return ", ".join(str(v) for v in pd.unique(values)[:3])

    deals, subs = frames.get("deals"), frames.get("subscriptions")
    if deals is not None and subs is not None and "customer_id" in deals:
        won = deals.loc[deals["stage"].eq("won") & deals["customer_id"].notna(), "customer_id"]
        missing = won[~won.isin(subs["customer_id"])]
        if len(missing):
            out.append(
                text["customer_not_in_subscriptions"].format(
                    n=len(missing), total=len(won), examples=examples(missing)
                )
            )
    if deals is not None:
        for table in ("leads", "deal_stages"):
            other = frames.get(table)
            if other is None or "deal_id" not in other:
                continue
            ids = other["deal_id"].dropna()
            missing = ids[~ids.isin(deals["deal_id"])]
            if len(missing):
                out.append(
                    text["deal_not_in_deals"].format(
                        table=table, n=len(missing), total=len(ids), examples=examples(missing)
                    )
                )
    if "deal_stages" in frames:
        out.append(text["stages_not_learned"].format(n=len(frames["deal_stages"])))
    return out


def _is_url(source: str | Path) -> bool:
    return isinstance(source, str) and "://" in source


def check_table(
    source: str | Path,
    table: str,
    mapping: MappingRef = None,
    *,
    sql_table: str | None = None,
    query: str | None = None,
    decimal: str | None = None,
    lang: str = "en",
    prepare: Prepare | None = None,
) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """Read, map, parse and check one source; collect every problem.

    Args:
        source: file path (``.csv``, ``.xlsx``, ``.parquet``) or SQLAlchemy URL.
        table: canonical table name.
        mapping: ``hubspot``, ``salesforce``, a mapping YAML path or a loaded mapping.
        sql_table: database table to read (SQL sources).
        query: SELECT statement to read (SQL sources, instead of ``sql_table``).
        decimal: force ``","`` or ``"."`` as decimal separator.
        lang: message language, ``en`` or ``de``.
        prepare: called as ``prepare(table, frame)`` with the canonical frame before
            the contract checks run (the frame returned if it is valid), so a caller
            can start work on it meanwhile (``validate --write-canonical`` formats its
            cells); it must not change the frame.

    Returns:
        ``(canonical frame or None when invalid, failure table)``.

    Raises:
        KeyError: unknown canonical table.
        FileNotFoundError: no such file.
        MappingError: the mapping file is invalid.
    """
    if table not in TABLES:
        raise KeyError(f"unknown table {table!r}; known: {', '.join(TABLES)}")
    contract = TABLES[table]
    mapped_by = _mapping(mapping)
    if mapped_by is not None and mapped_by.table != table:
        raise ValueError(
            f"mapping {mapped_by.name!r} is for table {mapped_by.table!r}, not {table!r}"
        )
    try:
        if _is_url(source):
            raw = read_sql(str(source), table, sql_table=sql_table, query=query, lang=lang)
        else:
            raw = read_source(Path(source), table, lang)
    except SourceError as err:
        return None, failure_frame(err.failures)
    return _check_raw(raw, contract.name, mapped_by, decimal, lang, prepare)


def _missing_source_failures(
    present: list[str], mapping: ColumnMapping, file: str, table: str, lang: str
) -> list[dict]:
    """Missing-column failures naming the export columns the mapping looked for."""
    out = []
    optional = OPTIONAL_DEFAULTS.get(table, {})
    required = set(TABLES[table].required)
    for canonical, names in missing_sources(present, mapping).items():
        if canonical in optional:
            continue  # filled with its documented default (a note says so)
        if canonical not in required:
            continue  # optional in the contract (is_credit_note): absent is allowed
        close: list[str] = []
        for name in names:
            close += difflib.get_close_matches(name, present, n=3, cutoff=0.5)
        close = list(dict.fromkeys(close))[:3]
        key = "suggest_close" if close else "suggest_all"
        listed = ", ".join(f'"{c}"' for c in (close or present))
        looked = ", ".join(f'"{n}"' for n in names)
        suggestion = (
            MESSAGES[lang]["mapping_looked_for"].format(mapping=mapping.name, names=looked)
            + " "
            + MESSAGES[lang][key].format(names=listed)
        )
        out.append(
            failure(
                "missing_column",
                file=file,
                table=table,
                column=canonical,
                lang=lang,
                suggestion=suggestion,
            )
        )
    return out


def _canonical_names(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Columns named like a canonical column but for case and blanks get its name."""
    known = {c.name.casefold(): c.name for c in TABLES[table].columns}
    present = {str(c) for c in frame.columns}
    renames = {}
    for col in frame.columns:
        name = known.get(str(col).strip().casefold().replace(" ", "_"))
        if name and name != col and name not in present:
            renames[col] = name
    return frame.rename(columns=renames) if renames else frame


def _column_letters(position: int) -> str:
    """Spreadsheet letters of a 1-based column position: 1 -> A, 27 -> AA."""
    letters = ""
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _duplicate_columns(
    raw: RawTable, table: str, mapping: ColumnMapping | None, lang: str
) -> list[dict]:
    """Failures for columns that would fill the same canonical column.

    Names count as the same ignoring case, surrounding blanks and blank vs ``_`` (the
    way the loader matches them). Only names the load uses (canonical names and the
    mapping's export names) are checked; repeated unrelated columns are not read.
    """

    def key(name: str) -> str:
        return name.strip().casefold().replace(" ", "_")

    target = {key(c.name): c.name for c in TABLES[table].columns}
    if mapping is not None:
        for canonical, names in mapping.columns.items():
            target.update({key(n): canonical for n in names})
    header = list(raw.header) or [str(c) for c in raw.frame.columns]
    groups: dict[str, list[tuple[int, str]]] = {}
    for position, name in enumerate(header, start=1):
        if name.strip() and key(name) in target:
            groups.setdefault(key(name), []).append((position, name))
    word = MESSAGES[lang]["column_word"]
    out = []
    for name_key, columns in groups.items():
        if len(columns) < 2:
            continue
        places = [
            f'"{name}" ({word} {pos}, {_column_letters(pos)})'
            if raw.spreadsheet
            else f'"{name}" ({word} {pos})'
            for pos, name in columns
        ]
        out.append(
            failure(
                "duplicate_column",
                file=raw.label,
                table=table,
                column=target[name_key],
                value=", ".join(name for _, name in columns),
                detail=", ".join(places),
                lang=lang,
            )
        )
    return out


def _check_raw(
    raw: RawTable,
    table: str,
    mapping: ColumnMapping | None,
    decimal: str | None,
    lang: str,
    prepare: Prepare | None = None,
) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    contract = TABLES[table]
    duplicates = _duplicate_columns(raw, table, mapping, lang)
    if duplicates:  # which of them to read is the user's decision
        return None, failure_frame(duplicates)
    frame = _canonical_names(raw.frame, table)  # "Region" is region, with a mapping too
    found: list[dict] = []
    date_format = None
    present = [str(c) for c in frame.columns]
    if mapping is not None:
        found += _missing_source_failures(present, mapping, raw.label, table, lang)
        frame = apply_mapping(frame, mapping)
        decimal = decimal or mapping.decimal
        date_format = mapping.date_format
    allowed_shown: set[str] = set()
    typed, problems = coerce_columns(
        frame,
        contract,
        decimal=decimal,
        default_decimal=raw.default_decimal,
        date_format=date_format,
        excel_epoch=raw.excel_epoch,
        allowed_shown=allowed_shown,
    )
    notes: list[Note] = []
    if raw.skipped_rows:
        listed = ", ".join(str(r) for r in raw.skipped_rows[:10])
        listed += ", …" if len(raw.skipped_rows) > 10 else ""
        notes.append(Note("blank_rows", "", len(raw.skipped_rows), why=listed))
    if table == "deals":
        typed, estimated = estimate_open_deals(typed, lang)
        notes += estimated
    if mapping is not None:
        for canonical in mapping.defaults:
            names = mapping.columns.get(canonical, [])
            if canonical not in present and find_column(present, names) is None:
                value = mapping.defaults[canonical]
                notes.append(Note("mapping_default", canonical, len(typed), value, mapping.name))
        for canonical, comp in mapping.computed.items():
            if canonical not in typed.columns and comp.source in typed.columns:
                how = f"{comp.source} / {comp.divide_by:g}"
                notes.append(Note("computed", canonical, len(typed), why=how))
        typed = apply_computed(typed, mapping)
    typed, filled = fill_defaults(typed, table)
    notes += filled
    typed = typed[[c.name for c in contract.columns if c.name in typed.columns]]
    if prepare is not None:
        prepare(table, typed)
    # a column a later step filled or computed is checked again by the schema
    allowed_shown -= {n.column for n in notes}
    failures = check_frame(
        typed,
        contract,
        rows=raw.rows,
        file=raw.label,
        raw=frame,
        problems=problems,
        lang=lang,
        allowed_shown=frozenset(allowed_shown),
    )
    if found:
        mapped = {f["column"] for f in found}
        failures = failures[
            ~((failures["rule"] == "missing_column") & failures["column"].isin(mapped))
        ]
        failures = failure_frame([*found, *failures.to_dict("records")])
    typed.attrs["notes"] = [render_note(n, lang) for n in notes]
    return (None if len(failures) else typed), failures


def load_table(
    source: str | Path,
    table: str,
    mapping: MappingRef = None,
    sql_table: str | None = None,
    query: str | None = None,
    *,
    decimal: str | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """Load one source into canonical table ``table``.

    Args:
        source: file path (``.csv``, ``.xlsx``, ``.parquet``) or SQLAlchemy URL
            (``sqlite:///crm.db``, ``duckdb:///crm.duckdb``, ``postgresql+psycopg://...``).
        table: canonical table name (``deals``, ``leads``, ``subscriptions``, ``costs``,
            ``headcount``).
        mapping: ``hubspot``, ``salesforce``, a mapping YAML path or a loaded mapping.
        sql_table: database table to read (SQL sources).
        query: SELECT statement to read (SQL sources, instead of ``sql_table``).
        decimal: force ``","`` or ``"."`` as decimal separator.
        lang: message language, ``en`` or ``de``.

    Returns:
        The canonical frame: contract columns in contract order; dates as
        ``datetime64[ns]``, money in EUR as float, ids and codes as text.

    Raises:
        DataValidationError: anything breaks the contract (``.failures`` lists all).
        FileNotFoundError, KeyError, MappingError: no such file, unknown table, bad mapping.
    """
    frame, failures = check_table(
        source, table, mapping, sql_table=sql_table, query=query, decimal=decimal, lang=lang
    )
    if frame is None:
        raise DataValidationError(failures)
    return frame


def dataset_files(folder: str | Path) -> dict[str, list[Path]]:
    """Files named after a canonical table (``deals.csv``, ``costs.xlsx``...) in ``folder``."""
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder")
    found: dict[str, list[Path]] = {}
    for path in sorted(root.iterdir()):
        name, suffix = path.stem.lower(), path.suffix.lower()
        if path.is_file() and name in TABLES and suffix in FILE_SUFFIXES:
            found.setdefault(name, []).append(path)
    return found


def check_dataset(
    folder: str | Path,
    mapping: MappingRefs = None,
    *,
    tables: Sequence[str] | None = None,
    lang: str = "en",
    prepare: Prepare | None = None,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Check every canonical table file in ``folder`` (the mapping applies to its table).

    Args:
        folder: the folder (subfolders are not read).
        mapping: applied to the files of the mapping's table; several mappings (a list,
            one per table) each to their table.
        tables: check only these canonical tables (default: all present).
        lang: message language, ``en`` or ``de``.
        prepare: passed to :func:`check_table` for each table.

    Returns:
        ``({table: canonical frame} for the valid tables, failure table of all files)``.

    Raises:
        FileNotFoundError: no folder, or no canonical table file in it.
    """
    files = {t: p for t, p in dataset_files(folder).items() if tables is None or t in tables}
    if not files:
        names = ", ".join(f"{t}.csv" for t in TABLES)
        raise FileNotFoundError(f"{folder}: no canonical table file found (expected {names})")
    mapped_by = mappings_by_table(mapping)
    frames: dict[str, pd.DataFrame] = {}
    found: list[dict] = []
    for table, paths in files.items():
        if len(paths) > 1:
            detail = ", ".join(p.name for p in paths)
            found.append(
                failure(
                    "duplicate_file",
                    file=paths[0].parent.name or str(folder),
                    table=table,
                    detail=detail,
                    lang=lang,
                )
            )
            continue
        use = mapped_by.get(table)
        frame, failures = check_table(paths[0], table, use, lang=lang, prepare=prepare)
        found += failures.to_dict("records")
        if frame is not None:
            frames[table] = frame
    return frames, failure_frame(found)


def load_dataset(
    folder: str | Path, mapping: MappingRefs = None, *, lang: str = "en"
) -> dict[str, pd.DataFrame]:
    """Load every canonical table file (``<table>.csv|.xlsx|.parquet``) in ``folder``.

    Args:
        folder: the folder; subfolders (such as ``actuals/``) are not read.
        mapping: applied to the files of the mapping's table (usually ``deals``).
        lang: language of the messages and of the notes in ``frame.attrs["notes"]``
            (what was filled or estimated), ``en`` or ``de``.

    Returns:
        ``{table name: canonical frame}`` for the tables present.

    Raises:
        DataValidationError: any file breaks the contract (failures of all files).
        FileNotFoundError: no folder, or no canonical table file in it.
    """
    frames, failures = check_dataset(folder, mapping, lang=lang)
    if len(failures):
        raise DataValidationError(failures)
    return frames
