"""Read CSV, XLSX and Parquet files into raw frames, cells untouched (SQL: ``sql_source``).

Each reader returns a :class:`RawTable`: the cells (CSV cells as text, other formats
as their native values), the spreadsheet row number of every data row (header =
row 1 for CSV and XLSX; record number 1.. for Parquet and SQL), and how the file
was written (encoding, delimiter). Problems of the whole file (empty, header only,
undetectable delimiter, unreadable) raise :class:`SourceError` carrying one failure
row. Files are only ever opened for reading; databases are opened read-only.

The text encoding of a CSV is decided per file from evidence: valid UTF-8 is UTF-8;
bytes that are no UTF-8 and contain no UTF-8 multibyte sequence are Windows-1252 (what
Excel writes); a file with UTF-8 multibyte sequences *and* bytes that are no UTF-8
(two exports glued together) is refused, naming each row and byte, instead of being
decoded whole in the wrong encoding. Byte order marks inside the text (concatenated
exports) are removed; a data row repeating the header is reported.
"""

from __future__ import annotations

import csv
import io
import mmap
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from charset_normalizer import from_bytes

from planning_lib.data.arrow_csv import read_file_cells, read_text_cells
from planning_lib.data.failures import MESSAGES, failure
from planning_lib.data.parsing import _edge_space
from planning_lib.data.utf8 import BLOCK as _BLOCK  # noqa: F401 (tests)
from planning_lib.data.utf8 import first_non_ascii
from planning_lib.data.utf8 import has_multibyte as _has_multibyte
from planning_lib.data.utf8 import non_ascii as _non_ascii

__all__ = [
    "DELIMITERS",
    "MixedEncodingError",
    "RawTable",
    "SourceError",
    "decode",
    "detect_delimiter",
    "read_csv",
    "read_parquet",
    "read_source",
    "read_xlsx",
]

DELIMITERS: tuple[str, ...] = (";", ",", "\t")
_OTHER_DELIMITERS = ("|", ":")
_SAMPLE_LINES = 50
_BOM = "\ufeff"
_BOM_BYTES = _BOM.encode("utf-8")
_HEAD_BYTES = 1 << 16  # the head (delimiter, header) and the tail (footer) read as text
_ESCAPED = re.compile("[\udc80-\udcff]")  # bytes kept by the surrogateescape error handler
# a decoded non-ASCII character that is no kept byte: a well-formed UTF-8 multibyte sequence
_DECODED_MULTIBYTE = re.compile("[\u0080-\udc7f\udd00-\U0010ffff]")


class SourceError(ValueError):
    """A source that cannot be read as a table; ``failures`` holds its failure rows."""

    def __init__(self, *failure_rows: dict[str, Any]):
        self.failures = list(failure_rows)
        super().__init__("; ".join(f["message"] for f in self.failures[:5]))


class MixedEncodingError(ValueError):
    """UTF-8 text with bytes that are no UTF-8: two encodings in one file.

    Attributes:
        text: the file decoded as UTF-8, the foreign bytes kept as lone surrogates
            (``surrogateescape``), so their rows can be found.
        sample: one correctly encoded non-ASCII character (the evidence for UTF-8).
    """

    def __init__(self, text: str, sample: str):
        self.text = text
        self.sample = sample
        super().__init__(f"UTF-8 text (e.g. {sample!r}) with bytes that are no UTF-8")


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
        header: the column names as the file has them, in file order (position =
            index + 1, empty names included), duplicates kept; empty = ``frame.columns``.
        spreadsheet: the positions are spreadsheet columns (A, B, ...): CSV and XLSX.
        excel_epoch: ``"1900"`` or ``"1904"``, the workbook's date system (XLSX only):
            numbers in date columns are Excel date serials.
    """

    frame: pd.DataFrame
    rows: np.ndarray
    label: str
    encoding: str | None = None
    delimiter: str | None = None
    default_decimal: str = "."
    header: tuple[str, ...] = ()
    spreadsheet: bool = False
    excel_epoch: str | None = None
    skipped_rows: tuple[int, ...] = ()


def decode(data: bytes) -> tuple[str, str]:
    """Decode file bytes, deciding the encoding per file from evidence.

    UTF-16 (BOM), then UTF-8 (with or without BOM). Bytes that are no valid UTF-8 are
    Windows-1252 (what Excel on Windows writes for "CSV"; it also covers Latin-1
    umlauts) only if the file has no UTF-8 multibyte sequence and no UTF-8 BOM; a file
    with both is mixed and refused. Only if cp1252 fails too, charset-normalizer guesses.

    Returns:
        ``(text, encoding name)``.

    Raises:
        MixedEncodingError: UTF-8 evidence and bytes that are no UTF-8 in one file.
        UnicodeDecodeError: no encoding fits.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    try:
        return body.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError:
        pass
    high = _non_ascii(body)
    if bom or _has_multibyte(body, high):
        # the foreign bytes become lone surrogates; any other non-ASCII character is a
        # well-formed UTF-8 multibyte sequence (the decoder is strict: RFC 3629)
        escaped = body.decode("utf-8", "surrogateescape")
        multibyte = _DECODED_MULTIBYTE.search(escaped)
        sample = multibyte.group() if multibyte else _BOM
        raise MixedEncodingError(escaped, sample)
    if not _CP1252_OWN.intersection(np.unique(np.frombuffer(body, np.uint8)[high]).tolist()):
        # no byte 80-9F: cp1252 is Latin-1 there (each byte the code point of its
        # character), and Python's Latin-1 decoder copies instead of looking up
        return data.decode("latin-1"), "cp1252"
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        raise UnicodeDecodeError("unknown", data, 0, 1, "no text encoding fits")
    return str(best), best.encoding


_CP1252_OWN = frozenset(range(0x80, 0xA0))  # where cp1252 differs from Latin-1


def _mixed_failures(err: MixedEncodingError, label: str, table: str, lang: str) -> list[dict]:
    """One failure per row holding bytes that are no UTF-8, naming the first such byte."""
    try:
        delimiter = detect_delimiter(err.text, label, table, lang)
    except SourceError:
        delimiter = ";"
    # one record per spreadsheet row (blank lines included), quotes respected
    reader = csv.reader(io.StringIO(err.text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    out = []
    number = 1  # the line the record starts on
    for fields in reader:
        start, number = number, reader.line_num + 1
        is_header = header is None and any(f.strip() for f in fields)
        if is_header:
            header = [f.strip() for f in fields]
        at = next((i for i, f in enumerate(fields) if _ESCAPED.search(f)), None)
        if at is None:
            continue
        cell = fields[at]
        byte = ord(_ESCAPED.search(cell).group()) - 0xDC00
        as_cp1252 = bytes([byte]).decode("cp1252", "replace")
        value = cell.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        column = header[at] if header and not is_header and at < len(header) else None
        out.append(
            failure(
                "mixed_encoding",
                file=label,
                table=table,
                row=start,
                column=column,
                value=value,
                lang=lang,
                byte=f"0x{byte:02X}",
                cp1252=as_cp1252,
                sample=repr(err.sample) if err.sample != _BOM else MESSAGES[lang]["bom_word"],
            )
        )
    return out


def _fields(line: str, delimiter: str) -> int:
    return len(next(csv.reader([line], delimiter=delimiter), []))


def _head_lines(text: str, count: int) -> list[str]:
    """``text.splitlines()[:count]`` without splitting the whole text (memory, time)."""
    size = 1 << 16
    while True:
        lines = text[:size].splitlines()
        # more lines than asked: the first ``count`` end before the cut, as in the whole
        if len(lines) > count or size >= len(text):
            return lines[:count]
        size *= 4


def detect_delimiter(text: str, label: str, table: str, lang: str = "en") -> str:
    """The column delimiter (``;``, ``,`` or tab) that splits the header into most columns.

    Raises:
        SourceError: the header does not split on any supported delimiter.
    """
    lines = [ln for ln in _head_lines(text, _SAMPLE_LINES) if ln.strip()]
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

    A fast pass counts delimiters per line; only if a line differs from the header, or
    holds an odd number of quotes (a quoted cell going on in the next line, whose lines
    the count cannot tell apart from records), are the records split properly (quotes
    and line breaks in cells respected).
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    head = next(i for i, line in enumerate(lines) if line.strip())
    naive = lines[head].count(delimiter)
    if all(
        (line.count(delimiter) == naive and line.count('"') % 2 == 0) or not line.strip()
        for line in lines
    ):
        return []
    out = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    expected, start = None, first_line
    for fields in reader:
        if fields and any(f.strip() for f in fields):
            if expected is None:
                expected = len(fields)
            elif len(fields) != expected:
                out.append(
                    failure(
                        "ragged_row",
                        file=label,
                        table=table,
                        row=start,
                        lang=lang,
                        fields=len(fields),
                        expected=expected,
                    )
                )
        start = reader.line_num + first_line
    return out


def _ends_with_record(text: str, delimiter: str) -> bool:
    """True if the last line with text is a record (more than one field)."""
    end = len(text)
    while end and text[end - 1].isspace():
        end -= 1
    last = text[max(text.rfind("\n", 0, end), text.rfind("\r", 0, end)) + 1 : end]
    return _fields(last, delimiter) > 1


def _without_footer(text: str, delimiter: str) -> str:
    """The text without a report footer: single-field lines after the last blank line.

    Salesforce report exports end with a blank line, the report name, a copyright
    line and "Generated By"; such a footer is dropped, anything else is kept.
    """
    if _ends_with_record(text, delimiter):  # no footer (no copy)
        return text
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
    data = _mapped(path)
    fast = _byte_cells(data, label, table, lang)
    if fast is not None:
        frame, encoding, delimiter, header, skipped, quotes = fast
    else:
        cells = _text_cells(bytes(data), label, table, lang)
        frame, encoding, delimiter, header, skipped, quotes = cells
    del data
    raw = _raw_table(frame, label, table, lang, encoding, delimiter, header, skipped, quotes)
    return raw


def _mapped(path: Path) -> bytes | mmap.mmap:
    """The file's bytes, memory-mapped read-only where the system allows (no copy of the
    file into a new buffer: Arrow parses the pages of the file cache, and its cells are
    its own copies, so nothing refers to the mapping once the file is read), else read.
    """
    with path.open("rb") as handle:
        try:
            return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (ValueError, OSError):  # an empty file, or one that cannot be mapped
            return handle.read()


_LEADING_BREAKS = re.compile(rb"[\r\n]*")


def _byte_cells(
    data: bytes | mmap.mmap, label: str, table: str, lang: str
) -> tuple[pd.DataFrame, str, str, tuple[str, ...], int, bool] | None:
    """What :func:`_text_cells` gives, read from the file's bytes without decoding the
    whole file; None for any file this does not read exactly like the plain way.

    Reads a plain file: UTF-8 (with or without BOM) or cp1252, no BOM inside, a header
    that ends at the first line end, a last line that is a record (no footer), no blank
    or ragged lines. The encoding is decided as :func:`decode` decides it: the first
    byte 80-FF starts a UTF-8 sequence (UTF-8; Arrow checks every cell) or not (cp1252;
    :func:`~planning_lib.data.arrow_csv.read_file_cells` refuses a column holding a
    UTF-8 sequence too, which the plain way reports as mixed).
    """
    first = data[:3]
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    start = 3 if first == _BOM_BYTES else 0
    ef = data.find(_BOM_BYTES[:1], start)  # memchr for its first byte (a byte rare in text)
    if ef >= 0 and data.find(_BOM_BYTES, ef) >= 0:
        return None
    high = first_non_ascii(data, start)
    if high < 0:
        encoding = "utf-8"
    else:
        lead = data[high : high + 4]
        try:
            lead.decode("utf-8")
            utf8 = True
        except UnicodeDecodeError as err:
            # the sequence at the first byte 80-FF is well-formed (cut off by the slice)
            utf8 = err.start > 0 or (err.reason == "unexpected end of data")
        encoding = "utf-8" if utf8 else "cp1252"
    if start:  # a BOM: UTF-8, or (with bytes that are no UTF-8) a mixed file
        if encoding == "cp1252":
            return None
        encoding = "utf-8-sig"
    skipped_to = _LEADING_BREAKS.match(data, start).end()
    blank = data[start:skipped_to]
    skipped = _line_ends(blank.decode("ascii"))
    head_end = data.rfind(b"\n", skipped_to, skipped_to + _HEAD_BYTES)
    if head_end < 0:
        return None  # no line end, or a first line longer than the head
    # the last lines after the first (about the head's size), starting after a line end
    line_end = data.find(b"\n", skipped_to)
    tail_start = max(line_end, data.rfind(b"\n", line_end, len(data) - _HEAD_BYTES))
    codec = "cp1252" if encoding == "cp1252" else "utf-8"
    try:
        head = data[skipped_to : head_end + 1].decode(codec)
        tail = data[tail_start + 1 :].decode(codec)
        delimiter = detect_delimiter(head, label, table, lang)
    except (UnicodeDecodeError, SourceError):
        return None  # the plain way says what is wrong, in its order
    if not _ends_with_record(tail, delimiter):
        return None  # a footer, or no record after the header
    first_line = head[: head.find("\n") + 1]
    if "\r" in first_line.removesuffix("\n").removesuffix("\r"):
        # a CR inside the first line ends the header there (CR-only line ends, or CR CR
        # LF: a blank row after the header): the plain way counts those rows
        return None
    header = tuple(f.strip() for f in _first_record(head, delimiter))
    names = next(csv.reader([first_line], delimiter=delimiter), [])
    if [f.strip() for f in names] != list(header) or not _plain_header(names):
        return None
    line_bytes = data[skipped_to : skipped_to + len(first_line.encode(codec))]
    if codec == "cp1252" and _has_multibyte(line_bytes):
        return None  # a mixed file: the plain way names it
    quotes = data.find(b'"', skipped_to) >= 0
    frame = read_file_cells(data, skipped_to + len(line_bytes), names, delimiter, quotes, codec)
    if frame is None:
        return None
    return frame, encoding, delimiter, header, skipped, quotes


def _line_ends(blank: str) -> int:
    """Lines ended in ``blank`` (only CR and LF): LF, CR LF and a lone CR each end one."""
    return blank.count("\r") + blank.count("\n") - blank.count("\r\n")


def _plain_header(names: list[str]) -> bool:
    """Unique, non-empty header names (what :func:`read_text_cells` accepts)."""
    return all(n and n.strip() for n in names) and len(set(names)) == len(names)


def _text_cells(
    data: bytes, label: str, table: str, lang: str
) -> tuple[pd.DataFrame, str, str, tuple[str, ...], int, bool]:
    """Decode the file, then read every cell as text (the plain way).

    Returns:
        The cells, encoding, delimiter, header, blank lines above the header, and whether
        the text holds a quote (only then can a cell hold a line break).
    """
    try:
        text, encoding = decode(data)
    except MixedEncodingError as err:
        raise SourceError(*_mixed_failures(err, label, table, lang)) from None
    except UnicodeDecodeError as err:
        raise SourceError(
            failure("unreadable", file=label, table=table, detail=str(err), lang=lang)
        ) from err
    if _BOM in text:  # concatenated exports: a BOM at the start of the second part
        text = text.replace(_BOM, "")
    if not text or text.isspace():  # (strip() would copy the text)
        raise SourceError(failure("empty_file", file=label, table=table, lang=lang))
    body = text.lstrip("\r\n")  # blank lines above the header
    blank = text[: len(text) - len(body)]
    skipped = _line_ends(blank)
    text = body
    delimiter = detect_delimiter(text, label, table, lang)
    text = _without_footer(text, delimiter)
    # the names as written (pandas renames a repeated name "x" to "x.1")
    header = tuple(f.strip() for f in _first_record(text, delimiter))
    buffer = _utf8_buffer(text)
    quotes = '"' in text  # no quote: no line break inside a cell
    frame = read_text_cells(buffer.getbuffer(), delimiter, quotes)  # None: not a plain file
    if frame is None:
        ragged = _ragged_rows(text, delimiter, label, table, lang, first_line=1 + skipped)
        if ragged:
            raise SourceError(*ragged)
    del data, body, text  # the parser reads the UTF-8 copy; free the rest early (memory)
    if frame is None:
        frame = _pandas_cells(buffer, delimiter, label, table, lang)
    return frame, encoding, delimiter, header, skipped, quotes


def _raw_table(
    frame: pd.DataFrame,
    label: str,
    table: str,
    lang: str,
    encoding: str,
    delimiter: str,
    header: tuple[str, ...],
    skipped: int,
    quotes: bool = False,
) -> RawTable:
    """The cells as a :class:`RawTable`: blank rows dropped, their row numbers kept.

    A row's number is the line it starts on in a text editor (header = line 1): with
    ``quotes`` (only then can a cell hold a line break) the line breaks inside the cells
    of the rows above move it down (:func:`_lines_above`)."""
    frame.columns = [str(c).strip() for c in frame.columns]
    blank = frame.isna().all(axis=1).to_numpy()
    inner = blank.copy()  # blank lines between data rows (trailing ones are no rows)
    filled = np.flatnonzero(~blank)
    inner[filled[-1] + 1 if len(filled) else 0 :] = False
    lines = frame.index.to_numpy() + 2 + skipped
    if quotes:
        lines = lines + _lines_above(frame)
    skipped_rows = tuple(int(r) for r in lines[inner])
    frame = frame[~blank] if blank.any() else frame
    if frame.empty:
        raise SourceError(failure("header_only", file=label, table=table, lang=lang))
    rows = lines[~blank] if blank.any() else lines
    repeated = _repeated_header(frame, header)
    if len(repeated):
        raise SourceError(
            *(
                failure("repeated_header", file=label, table=table, row=int(r), lang=lang)
                for r in rows[repeated]
            )
        )
    return RawTable(
        frame.reset_index(drop=True),
        rows,
        label,
        encoding=encoding,
        delimiter=delimiter,
        default_decimal="," if delimiter in (";", "\t") else ".",
        header=header if len(header) == frame.shape[1] else (),
        spreadsheet=True,
        skipped_rows=skipped_rows,
    )


def _lines_above(frame: pd.DataFrame) -> np.ndarray | int:
    """Per row, the line breaks inside the cells of the rows above it (0 when no cell
    holds one): a CR LF or a lone LF inside a quoted cell counts as one, as a text editor
    counts the line."""
    breaks: np.ndarray | None = None
    for name in frame.columns:
        column = frame[name]
        if column.dtype.kind in "biufcMm":
            continue
        has = column.str.contains("\n", regex=False, na=False)
        if has.any():
            count = column.where(has, "").str.count("\n").to_numpy(dtype=np.int64)
            breaks = count if breaks is None else breaks + count
    if breaks is None:
        return 0
    return np.concatenate(([0], np.cumsum(breaks)[:-1]))


def _pandas_cells(
    buffer: io.BytesIO, delimiter: str, label: str, table: str, lang: str
) -> pd.DataFrame:
    """Every cell as text with pandas' parser (blank lines kept as empty rows)."""
    try:
        return pd.read_csv(
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


def _repeated_header(frame: pd.DataFrame, header: tuple[str, ...]) -> np.ndarray:
    """Positions of data rows that repeat the header (exports glued together)."""
    if len(header) != frame.shape[1] or not header[0]:
        return np.array([], dtype=int)
    column = frame.iloc[:, 0]
    # the name as it is; stripped only in a column with blanks at a cell's edge
    plain = column.dtype == "str" and not _edge_space(column)
    stripped = column if plain else column.str.strip()
    first = stripped.eq(header[0]).fillna(False).to_numpy(dtype=bool)
    out = []
    for pos in np.flatnonzero(first):
        cells = ["" if pd.isna(v) else str(v).strip() for v in frame.iloc[pos]]
        if cells == list(header):
            out.append(pos)
    return np.asarray(out, dtype=int)


def _first_record(text: str, delimiter: str) -> list[str]:
    """The first CSV record of ``text`` (a quoted field may span lines), reading line by
    line so no copy of the whole text is made (memory)."""

    def lines() -> Iterator[str]:
        # universal line ends (LF, CR LF, a lone CR), kept: what csv.reader expects of a
        # file opened with newline=""
        for line in _LINE.finditer(text):
            yield line.group()

    return next(csv.reader(lines(), delimiter=delimiter), [])


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


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
    first of the leading rows with the most filled cells. The workbook's date system
    (1900 or 1904) travels along, so numbers in date columns can be read as serials.
    """
    # openpyxl (~70 ms) only for XLSX sources, not on every import of the loaders
    from openpyxl import load_workbook
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    label = path.name
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises several types for broken files
        raise SourceError(
            failure("unreadable", file=label, table=table, detail=str(err), lang=lang)
        ) from err
    try:
        epoch = "1904" if getattr(book, "epoch", None) == CALENDAR_MAC_1904 else "1900"
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
    at_row = rows[at]  # the header's sheet row
    cells, rows = cells[at + 1 :], rows[at + 1 :]
    if not cells:
        raise SourceError(failure("header_only", file=label, table=table, lang=lang))
    width = len(header)
    cells = [tuple(c[:width]) + (None,) * (width - len(c)) for c in cells]
    keep = [i for i, name in enumerate(header) if name]
    frame = pd.DataFrame([[c[i] for i in keep] for c in cells], columns=[header[i] for i in keep])
    frame = frame.astype(object).where(frame.notna(), None)
    # empty rows between the header and the last data row are said, not dropped silently
    taken = set(rows)
    skipped = tuple(r for r in range(at_row + 1, rows[-1]) if r not in taken)
    return RawTable(
        frame,
        np.asarray(rows),
        label,
        header=tuple(header),
        spreadsheet=True,
        excel_epoch=epoch,
        skipped_rows=skipped,
    )


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
