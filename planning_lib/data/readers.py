"""Read CSV, XLSX, Parquet and SQL sources into raw frames, cells untouched.

Each reader returns a :class:`RawTable`: the cells (CSV cells as text, other formats
as their native values), the spreadsheet row number of every data row (header =
row 1 for CSV and XLSX; record number 1.. for Parquet and SQL), and how the file
was written (encoding, delimiter). Problems of the whole file (empty, header only,
undetectable delimiter, unreadable) raise :class:`SourceError` carrying one failure
row. Files are only ever opened for reading.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planning_lib.data.failures import failure

__all__ = [
    "DELIMITERS",
    "RawTable",
    "SourceError",
    "decode",
    "detect_delimiter",
    "read_csv",
    "read_parquet",
    "read_source",
    "read_sql",
    "read_xlsx",
    "source_label",
]

DELIMITERS: tuple[str, ...] = (";", ",", "\t")
_OTHER_DELIMITERS = ("|", ":")
_SAMPLE_LINES = 50


class SourceError(ValueError):
    """A source that cannot be read as a table; ``failures`` holds its failure rows."""

    def __init__(self, *failure_rows: dict[str, Any]):
        self.failures = list(failure_rows)
        super().__init__("; ".join(f["message"] for f in self.failures[:5]))


@dataclass(frozen=True)
class RawTable:
    """Cells as read, with their spreadsheet row numbers.

    Attributes:
        frame: the cells; CSV cells as text (empty cells missing).
        rows: spreadsheet row (or record number) of each frame row.
        label: file name or SQL source shown in messages.
        encoding: text encoding detected (CSV only).
        delimiter: column delimiter detected (CSV only).
        default_decimal: decimal separator to assume when numbers do not show it.
    """

    frame: pd.DataFrame
    rows: np.ndarray
    label: str
    encoding: str | None = None
    delimiter: str | None = None
    default_decimal: str = "."


def decode(data: bytes) -> tuple[str, str]:
    """Decode file bytes; try UTF-16 (BOM), UTF-8 (with or without BOM), then cp1252.

    cp1252 is what Excel on Windows writes for "CSV"; it also covers Latin-1 umlauts.
    Only if all strict attempts fail, charset-normalizer guesses.

    Returns:
        ``(text, encoding name)``.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise UnicodeDecodeError("unknown", data, 0, 1, "no text encoding fits")
    return str(best), best.encoding


def _fields(line: str, delimiter: str) -> int:
    return len(next(csv.reader([line], delimiter=delimiter), []))


def detect_delimiter(text: str, label: str, table: str, lang: str = "en") -> str:
    """The column delimiter (``;``, ``,`` or tab) that splits the header into most columns.

    Raises:
        SourceError: the header does not split on any supported delimiter.
    """
    lines = [ln for ln in text.splitlines()[:_SAMPLE_LINES] if ln.strip()]
    header = lines[0]
    counts = {d: _fields(header, d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], -DELIMITERS.index(d)))
    if counts[best] > 1:
        return best
    other = [d for d in _OTHER_DELIMITERS if _fields(header, d) > 1]
    seen = f"the file seems to use {other[0]!r}" if other else "found a single column"
    detail = f"{seen}: {header[:80]!r}"
    raise SourceError(
        failure("delimiter", file=label, table=table, row=1, detail=detail, lang=lang)
    )


def _ragged_rows(
    text: str, delimiter: str, label: str, table: str, lang: str, first_line: int = 1
) -> list[dict]:
    """Failure rows for records whose field count differs from the header's.

    A fast pass counts delimiters per line; only if a line differs from the header
    are the records split properly (quotes and line breaks in cells respected).
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    head = next(i for i, line in enumerate(lines) if line.strip())
    naive = lines[head].count(delimiter)
    if all(line.count(delimiter) == naive or not line.strip() for line in lines):
        return []
    out = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    expected, start = None, first_line
    for fields in reader:
        if fields and any(f.strip() for f in fields):
            if expected is None:
                expected = len(fields)
            elif len(fields) != expected:
                detail = f"the row has {len(fields)} field(s), the header has {expected}"
                out.append(
                    failure(
                        "ragged_row", file=label, table=table, row=start, detail=detail, lang=lang
                    )
                )
        start = reader.line_num + first_line
    return out


def _without_footer(text: str, delimiter: str) -> str:
    """The text without a report footer: single-field lines after the last blank line.

    Salesforce report exports end with a blank line, the report name, a copyright
    line and "Generated By"; such a footer is dropped, anything else is kept.
    """
    body = text.rstrip()
    cut = max(body.rfind("\n\n"), body.rfind("\r\n\r\n"))
    if cut < 0:
        return text
    tail = [ln for ln in re.split(r"\r\n|\r|\n", body[cut:]) if ln.strip()]
    if tail and all(_fields(ln, delimiter) == 1 for ln in tail):
        return body[:cut] + "\n"
    return text


def read_csv(path: Path, table: str, lang: str = "en") -> RawTable:
    """Read a CSV export: encoding and delimiter detected, every cell kept as text.

    Raises:
        SourceError: empty file, header only, no usable delimiter, undecodable bytes,
            rows with another number of fields than the header (one failure each).
    """
    label = path.name
    data = path.read_bytes()
    try:
        text, encoding = decode(data)
    except UnicodeDecodeError as err:
        raise SourceError(
            failure("unreadable", file=label, table=table, detail=str(err), lang=lang)
        ) from err
    if not text.strip():
        raise SourceError(failure("empty_file", file=label, table=table, lang=lang))
    body = text.lstrip("\r\n")  # blank lines above the header
    blank = text[: len(text) - len(body)]
    skipped = blank.count("\n") or blank.count("\r")
    text = body
    delimiter = detect_delimiter(text, label, table, lang)
    text = _without_footer(text, delimiter)
    ragged = _ragged_rows(text, delimiter, label, table, lang, first_line=1 + skipped)
    if ragged:
        raise SourceError(*ragged)
    buffer = _utf8_buffer(text)
    del data, body, text  # the parser reads the UTF-8 copy; free the rest early (memory)
    try:
        frame = pd.read_csv(
            buffer,
            sep=delimiter,
            encoding="utf-8",
            dtype="str",
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.ParserError as err:
        raise SourceError(
            failure("unreadable", file=label, table=table, detail=str(err).strip(), lang=lang)
        ) from err
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.dropna(how="all")
    if frame.empty:
        raise SourceError(failure("header_only", file=label, table=table, lang=lang))
    rows = frame.index.to_numpy() + 2 + skipped
    return RawTable(
        frame.reset_index(drop=True),
        rows,
        label,
        encoding=encoding,
        delimiter=delimiter,
        default_decimal="," if delimiter in (";", "\t") else ".",
    )


def _utf8_buffer(text: str) -> io.BytesIO:
    """The text as UTF-8 bytes for the CSV parser.

    ``io.StringIO`` keeps 4 bytes per character (and the parser encodes it to UTF-8
    again); UTF-8 bytes take about one byte per character of a typical export.
    """
    return io.BytesIO(text.encode("utf-8"))


def read_xlsx(path: Path, table: str, lang: str = "en") -> RawTable:
    """Read the sheet named like the table (else the first sheet) of an XLSX workbook.

    Row numbers are the sheet's row numbers; fully empty rows are skipped. Title
    rows above the header (formatted report exports) are skipped: the header is the
    first of the leading rows with the most filled cells.
    """
    from openpyxl import load_workbook

    label = path.name
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises several types for broken files
        raise SourceError(
            failure("unreadable", file=label, table=table, detail=str(err), lang=lang)
        ) from err
    try:
        sheet = book[table] if table in book.sheetnames else book.worksheets[0]
        label = f"{path.name} [{sheet.title}]"
        cells: list[tuple[Any, ...]] = []
        rows: list[int] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            cells.append(values)
            rows.append(number)
    finally:
        book.close()
    if not cells:
        raise SourceError(failure("empty_file", file=label, table=table, lang=lang))
    # Formatted reports (Salesforce) put a title and filters above the header: the
    # header is the first of the leading rows with the most filled cells.
    lead = cells[:_SAMPLE_LINES]
    widths = [sum(v is not None and str(v).strip() != "" for v in c) for c in lead]
    at = widths.index(max(widths))
    header = [str(v).strip() if v is not None else "" for v in cells[at]]
    cells, rows = cells[at + 1 :], rows[at + 1 :]
    if not cells:
        raise SourceError(failure("header_only", file=label, table=table, lang=lang))
    width = len(header)
    cells = [tuple(c[:width]) + (None,) * (width - len(c)) for c in cells]
    keep = [i for i, name in enumerate(header) if name]
    frame = pd.DataFrame([[c[i] for i in keep] for c in cells], columns=[header[i] for i in keep])
    frame = frame.astype(object).where(frame.notna(), None)
    return RawTable(frame, np.asarray(rows), label)


def read_parquet(path: Path, table: str, lang: str = "en") -> RawTable:
    """Read a Parquet file; rows are numbered 1.. in file order."""
    try:
        frame = pd.read_parquet(path)
    except Exception as err:  # pyarrow raises several types for broken files
        raise SourceError(
            failure("unreadable", file=path.name, table=table, detail=str(err), lang=lang)
        ) from err
    if frame.empty:
        raise SourceError(failure("header_only", file=path.name, table=table, lang=lang))
    return RawTable(frame.reset_index(drop=True), np.arange(1, len(frame) + 1), path.name)


def source_label(url: str, sql_table: str | None, query: str | None) -> str:
    """A readable SQL source name without the password."""
    from sqlalchemy.engine import make_url

    safe = make_url(url).render_as_string(hide_password=True)
    what = sql_table if sql_table else "query " + re.sub(r"\s+", " ", query or "")[:60]
    return f"{safe} ({what})"


def read_sql(
    url: str,
    table: str,
    *,
    sql_table: str | None = None,
    query: str | None = None,
    lang: str = "en",
) -> RawTable:
    """Read a database table or query result through SQLAlchemy; rows numbered 1..

    Args:
        url: SQLAlchemy URL, e.g. ``sqlite:///crm.db``, ``duckdb:///crm.duckdb``,
            ``postgresql+psycopg://user@host/db``.
        table: canonical table (for messages).
        sql_table: database table to read (``schema.table`` allowed) ...
        query: ... or a SELECT statement.
        lang: message language.
    """
    from sqlalchemy import create_engine, literal_column, select, text
    from sqlalchemy import table as sa_table

    if (sql_table is None) == (query is None):
        raise ValueError("give exactly one of sql_table or query")
    label = source_label(url, sql_table, query)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if sql_table is not None:  # a plain SELECT: no reflection, which some dialects lack
                schema, _, name = sql_table.rpartition(".")
                statement = select(literal_column("*")).select_from(
                    sa_table(name, schema=schema or None)
                )
                frame = pd.read_sql_query(statement, conn)
            else:
                frame = pd.read_sql_query(text(query), conn)
    except Exception as err:  # driver errors differ per engine
        raise SourceError(
            failure(
                "unreadable", file=label, table=table, detail=str(err).splitlines()[0], lang=lang
            )
        ) from err
    finally:
        engine.dispose()
    if frame.empty:
        raise SourceError(failure("header_only", file=label, table=table, lang=lang))
    return RawTable(frame, np.arange(1, len(frame) + 1), label)


def read_source(path: Path, table: str, lang: str = "en") -> RawTable:
    """Read a file by its extension (.csv/.tsv/.txt, .xlsx/.xlsm, .parquet)."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    if suffix in (".csv", ".tsv", ".txt"):
        return read_csv(path, table, lang)
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path, table, lang)
    if suffix in (".parquet", ".pq"):
        return read_parquet(path, table, lang)
    raise ValueError(f"{path}: unsupported file type {suffix!r}; use .csv, .xlsx or .parquet")
