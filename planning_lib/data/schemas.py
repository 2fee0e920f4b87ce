"""pandera schemas of the canonical tables, built from the contract in ``tables``.

Each canonical column becomes a pandera column with its type, nullability, allowed
values, uniqueness and minimum; the row rules between columns (``close_date`` on or
after ``created_date``, funnel dates in order, negative money only on rows flagged as
credit notes) are DataFrame checks that point at single rows. Validation is lazy: all
failures are collected, then turned into the failure table of ``failures`` with a
plain-language message per problem.

:func:`validate` is the one entry point for data already in memory: it parses raw
cells (see ``parsing``), checks the schema and returns the canonical frame or raises
:class:`~planning_lib.data.failures.DataValidationError`.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pyarrow
import pyarrow.compute as pc
from pandera.errors import SchemaErrors

from planning_lib.data.failures import (
    MESSAGES,
    DataValidationError,
    collapse_repeats,
    failure,
    failure_frame,
)
from planning_lib.data.parsing import DATE_DTYPE, ParseProblem, coerce_columns
from planning_lib.data.tables import OPEN_STAGES, TABLES, Table

__all__ = [
    "CREDIT_NOTE_COLUMN",
    "check_frame",
    "missing_column_failures",
    "table_schema",
    "validate",
]

CREDIT_NOTE_COLUMN = "is_credit_note"
_DTYPES = {"str": "str", "date": DATE_DTYPE, "float": "float64", "int": "Int64"}


def _credit_notes_allowed(table: Table, column: str) -> bool:
    names = {c.name for c in table.columns}
    return CREDIT_NOTE_COLUMN in names and column.endswith("_eur")


def _date_order_check(earlier: str, later: str) -> pa.Check:
    def ordered(df: pd.DataFrame) -> pd.Series:
        if earlier not in df.columns or later not in df.columns:
            return pd.Series(True, index=df.index)
        return ~(df[later] < df[earlier])

    return pa.Check(ordered, name=f"date_order:{earlier}:{later}")


def _credit_note_check(column: str) -> pa.Check:
    def flagged(df: pd.DataFrame) -> pd.Series:
        if column not in df.columns:
            return pd.Series(True, index=df.index)
        credit = (
            df[CREDIT_NOTE_COLUMN].eq("true").fillna(False).astype(bool)
            if CREDIT_NOTE_COLUMN in df.columns
            else False
        )
        return ~(df[column] < 0) | credit

    return pa.Check(flagged, name=f"negative_without_credit_note:{column}")


def _won_customer_check() -> pa.Check:
    """Won deals need a customer id; open and lost deals (prospects) may lack one."""

    def filled(df: pd.DataFrame) -> pd.Series:
        if "customer_id" not in df.columns or "stage" not in df.columns:
            return pd.Series(True, index=df.index)
        return ~(df["stage"].eq("won").fillna(False) & df["customer_id"].isna())

    return pa.Check(filled, name="won_without_customer:customer_id")


@cache
def table_schema(
    name: str,
    unique_shown: frozenset[str] = frozenset(),
    allowed_shown: frozenset[str] = frozenset(),
) -> pa.DataFrameSchema:
    """The pandera schema of canonical table ``name``.

    Columns are not marked required here: missing columns are reported beforehand
    by :func:`missing_column_failures`, which can suggest close names.

    Args:
        name: the canonical table.
        unique_shown: unique columns whose uniqueness the caller has shown already
            (:func:`in_strict_order`); pandera does not hash them again.
        allowed_shown: columns with allowed values whose every cell the caller has
            found among them already (``coerce_columns(allowed_shown=...)``).
    """
    table = TABLES[name]
    columns: dict[str, pa.Column] = {}
    frame_checks: list[pa.Check] = []
    for col in table.columns:
        checks: list[pa.Check] = []
        if col.allowed and col.name not in allowed_shown:
            checks.append(pa.Check.isin(list(col.allowed), name="not_allowed", error="not_allowed"))
        if col.min_value is not None:
            if _credit_notes_allowed(table, col.name) and col.min_value == 0:
                frame_checks.append(_credit_note_check(col.name))
            else:
                checks.append(pa.Check.ge(col.min_value, name="below_min", error="below_min"))
        columns[col.name] = pa.Column(
            _DTYPES[col.dtype],
            checks=checks,
            nullable=col.nullable,
            unique=col.unique and col.name not in unique_shown,
            required=False,
        )
    frame_checks += [_date_order_check(a, b) for a, b in table.date_order]
    if name == "deals":
        frame_checks.append(_won_customer_check())
    return pa.DataFrameSchema(columns, checks=frame_checks, name=name)


def in_strict_order(values: pd.Series) -> bool:
    """True if every cell is filled and each is greater than the one before (byte order).

    Such a column is unique, shown by comparing neighbours instead of hashing every
    value: exports often list their records by id. Only for Arrow text (False
    otherwise: the caller then checks uniqueness the usual way).
    """
    if values.dtype != "str" or len(values) < 2:
        return False
    try:
        cells = pyarrow.chunked_array(pyarrow.array(values))
    except (pyarrow.ArrowInvalid, pyarrow.ArrowTypeError, TypeError):
        return False
    if cells.null_count or not pyarrow.types.is_large_string(cells.type):
        return False
    ascending = pc.greater(cells[1:], cells[:-1])
    return ascending.null_count == 0 and bool(pc.all(ascending).as_py())


def missing_column_failures(
    present: Sequence[str], table: Table, file: str, lang: str = "en"
) -> list[dict[str, Any]]:
    """Failures for required columns not in ``present``, each naming the closest columns."""
    rows = []
    for name in table.required:
        if name in present:
            continue
        close = difflib.get_close_matches(name, list(present), n=3, cutoff=0.5)
        names = ", ".join(f'"{c}"' for c in (close or present))
        key = "suggest_close" if close else "suggest_all"
        suggestion = MESSAGES[lang][key].format(names=names)
        rows.append(
            failure(
                "missing_column",
                file=file,
                table=table.name,
                column=name,
                lang=lang,
                suggestion=suggestion,
            )
        )
    return rows


def _fmt(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _schema_failures(
    frame: pd.DataFrame,
    table: Table,
    rows: np.ndarray,
    file: str,
    lang: str,
    allowed_shown: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    shown = frozenset(
        c.name
        for c in table.columns
        if c.unique and c.name in frame and in_strict_order(frame[c.name])
    )
    try:
        table_schema(table.name, shown, allowed_shown).validate(
            frame, lazy=True, inplace=True
        )  # no copy
        return []
    except SchemaErrors as err:
        cases = err.failure_cases
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, int]] = set()
    base = {"file": file, "table": table.name, "lang": lang}
    for check, group in cases.groupby("check", sort=False, dropna=False):
        check = str(check)
        if check.startswith(
            ("date_order:", "negative_without_credit_note:", "won_without_customer:")
        ):
            rule, *cols = check.split(":")
            column = cols[-1]
            for pos in pd.unique(group["index"].dropna().astype(int)):
                if (column, pos) in seen:
                    continue
                seen.add((column, pos))
                value = _fmt(frame[column].iloc[pos])
                detail = f"{cols[0]} {_fmt(frame[cols[0]].iloc[pos])}" if len(cols) == 2 else ""
                out.append(
                    failure(
                        rule, row=int(rows[pos]), column=column, value=value, detail=detail, **base
                    )
                )
            continue
        for column, col_cases in group.groupby("column", sort=False):
            col = table.column(str(column))
            if check == "field_uniqueness":
                positions = col_cases["index"].astype(int).to_numpy()
                values = frame[col.name].iloc[positions]
                by_value = pd.Series(rows[positions]).groupby(values.to_numpy(), sort=False)
                for value, spreadsheet_rows in by_value:
                    listed = ", ".join(str(r) for r in spreadsheet_rows.tolist())
                    for r in spreadsheet_rows.tolist():
                        out.append(
                            failure(
                                "duplicate",
                                row=int(r),
                                column=col.name,
                                value=_fmt(value),
                                detail=listed,
                                **base,
                            )
                        )
                continue
            if col_cases["index"].isna().all():  # a column-level check such as the dtype
                out.append(failure("wrong_type", column=col.name, detail=check, **base))
                continue
            rule = {"not_nullable": "required"}.get(check, check)
            detail = _fmt(col.min_value)
            if rule not in MESSAGES[lang]:  # a pandera check without a sentence of ours
                rule, detail = "schema", check
            allowed = ", ".join(col.allowed or ())
            for pos, value in zip(
                col_cases["index"].astype(int), col_cases["failure_case"], strict=True
            ):
                out.append(
                    failure(
                        rule,
                        row=int(rows[pos]),
                        column=col.name,
                        value=_fmt(value),
                        allowed=allowed,
                        detail=detail,
                        **base,
                    )
                )
    return out


def check_frame(
    frame: pd.DataFrame,
    table: Table,
    *,
    rows: np.ndarray,
    file: str,
    raw: pd.DataFrame | None = None,
    problems: Sequence[ParseProblem] = (),
    lang: str = "en",
    allowed_shown: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """All failures of a parsed frame against the contract.

    Args:
        frame: the frame after :func:`~planning_lib.data.parsing.coerce_columns`.
        table: the canonical table.
        rows: spreadsheet row number of each frame position.
        file: file label for the messages.
        raw: the frame before parsing, for the original text of bad cells.
        problems: parse problems ``(position, column, rule)`` from ``coerce_columns``.
        lang: ``en`` or ``de``.
        allowed_shown: columns whose cells are known to be allowed values (from
            ``coerce_columns(allowed_shown=...)``, the frame's column unchanged since).

    Returns:
        The failure table (empty when the frame is valid).
    """
    base = {"file": file, "table": table.name, "lang": lang}
    extra = list(raw.columns) if raw is not None else []
    present = [str(c) for c in dict.fromkeys([*frame.columns, *extra])]
    found = missing_column_failures(present, table, file, lang)
    allowed = {c.name: ", ".join(c.allowed or ()) for c in table.columns}
    taken: set[tuple[int, str]] = set()
    for pos, column, rule in problems:
        value = raw[column].iloc[pos] if raw is not None else frame[column].iloc[pos]
        taken.add((int(rows[pos]), column))
        found.append(
            failure(
                rule,
                row=int(rows[pos]),
                column=column,
                value=value,
                allowed=allowed[column],
                **base,
            )
        )
    for item in _schema_failures(frame, table, rows, file, lang, allowed_shown):
        if (item["row"], item["column"]) not in taken:
            found.append(item)
    found = _close_needs_created(found, frame, rows, base)
    return failure_frame(collapse_repeats(found, lang))


def _close_needs_created(
    found: list[dict[str, Any]], frame: pd.DataFrame, rows: np.ndarray, base: dict[str, Any]
) -> list[dict[str, Any]]:
    """An open deal's empty close date is estimated from its created date
    (:mod:`planning_lib.data.completion`); where the created date is empty too, the
    close date's failure says that the missing created date prevents the estimate."""
    if base["table"] != "deals" or not {"stage", "created_date"} <= set(frame.columns):
        return found
    if not any(f["rule"] == "required" and f["column"] == "close_date" for f in found):
        return found  # no empty close date to explain
    blocked = frame["stage"].isin(OPEN_STAGES) & frame["created_date"].isna()
    if not blocked.any():
        return found
    blocked_rows = {int(r) for r in rows[blocked.to_numpy()]}
    return [
        failure("close_needs_created", row=item["row"], column="close_date", **base)
        if item["rule"] == "required"
        and item["column"] == "close_date"
        and item["row"] in blocked_rows
        else item
        for item in found
    ]


def validate(
    frame: pd.DataFrame,
    table: str,
    *,
    file: str = "<DataFrame>",
    first_row: int = 2,
    decimal: str | None = None,
    default_decimal: str = ".",
    date_format: str | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """Parse and check a frame against canonical table ``table``.

    Args:
        frame: raw or typed data with canonical column names.
        table: canonical table name (``deals``, ``leads``, ``subscriptions``, ``costs``,
            ``headcount``).
        file: label used in messages.
        first_row: spreadsheet row of the first data row (2 below a header row).
        decimal: force ``","`` or ``"."`` as decimal separator for text numbers.
        default_decimal: decimal separator when a column does not show it.
        date_format: ``strftime`` format overriding the automatic date formats.
        lang: message language, ``en`` or ``de``.

    Returns:
        The canonical frame: contract columns in contract order, typed (dates as
        ``datetime64[ns]``, money in EUR as float, codes as text).

    Raises:
        DataValidationError: with the failure table, when anything breaks the contract.
        KeyError: for an unknown table name.
    """
    if table not in TABLES:
        raise KeyError(f"unknown table {table!r}; known: {', '.join(TABLES)}")
    contract = TABLES[table]
    raw = frame.reset_index(drop=True)
    typed, problems = coerce_columns(
        raw, contract, decimal=decimal, default_decimal=default_decimal, date_format=date_format
    )
    rows = np.arange(first_row, first_row + len(raw))
    failures = check_frame(
        typed, contract, rows=rows, file=file, raw=raw, problems=problems, lang=lang
    )
    if len(failures):
        raise DataValidationError(failures)
    return typed
