"""Turn raw export cells into canonical types: money, numbers, dates, codes.

Raw cells come as text (CSV) or as native values (XLSX, Parquet, SQL). Text is read
the way real exports write it:

- numbers with decimal comma or point, thousands ``.``/``,``/blank/``'``, a currency
  sign (``€``/``EUR``) and blanks: ``1.234,56``, ``1,234.56``, ``1 234,50 €``,
  ``1'234.50``. The decimal separator is decided per column from the values that
  show it unambiguously (``12,5`` or ``1.234,56``), else from the file's delimiter
  (``;`` or tab: decimal comma; ``,``: decimal point). A value that does not fit the
  column's convention is reported, never silently misread.
- numbers must be finite and within ±10^12 (:data:`MAX_ABS_NUMBER`, a thousand
  billion EUR): ``1e309`` (infinity) or ``1e300`` is a typo or a unit error, never
  a sales figure. The bound keeps every sum over any realistic number of rows far
  from float overflow (10^7 rows x 10^12 = 10^19, overflow at 1.8 x 10^308) and each
  value exact to the cent (10^14 cents < 2^53).
- dates ISO (``2025-03-31``, a time of day is dropped), ``dd.mm.yyyy`` or with slashes
  (``03/31/2025`` US month first, ``31/03/2025`` day first when a day above 12 shows it;
  a column that shows neither is read month first); a mapping
  may name another format (e.g. ``%m/%d/%Y``). Numbers in a date column are Excel
  date serials only when they come from an XLSX workbook (1900 date system with
  Excel's fictitious 29.02.1900 = serial 60, which is refused; or the workbook's
  1904 system); from any other source a number is not a date.
- codes with an allowed set are matched ignoring case (``Inbound`` -> ``inbound``).

Every function returns the parsed column and a boolean mask of cells that are filled
but cannot be parsed; the caller turns the mask into failure rows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from planning_lib.core.threads import map_columns
from planning_lib.data.tables import VALUE_LABELS, Column, Table, segment_of_size

__all__ = [
    "DATE_DTYPE",
    "MAX_ABS_NUMBER",
    "ParseProblem",
    "coerce_columns",
    "excel_serial_dates",
    "limit_numbers",
    "parse_codes",
    "parse_dates",
    "parse_flags",
    "parse_integers",
    "parse_numbers",
    "parse_text",
]

DATE_DTYPE = "datetime64[ns]"
_ALL = 2**31 - 1  # "to the end" for Arrow's slices
MAX_ABS_NUMBER = 1e12  # largest magnitude of any number cell (see module docstring)

# (position in the frame, column, rule); the caller looks up the value and row
ParseProblem = tuple[int, str, str]

# currency signs and blanks (also no-break and thin spaces, Swiss apostrophes) in numbers
_SPACES = "\t\n\v\f\r \x1c\x1d\x1e\x1f\x85\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
"""Every character Python's ``\\s`` matches, written out: RE2 (pyarrow, which pandas'
``str.replace`` uses on Arrow strings) reads ``\\s`` as ASCII white space only, so the
two engines would clean a thin space (``1\u2009234,50``) differently."""
_NOISE = f"(?i)€|\\bEUR\\b|[{_SPACES}'’]"  # same meaning in RE2 (pyarrow) and re
_NOISE_RE = re.compile(_NOISE)
_VOTE_SAMPLE = 5_000
_ISO = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T].*)?$")
_GERMAN = re.compile(r"^(\d{1,2}\.\d{1,2}\.\d{4})(?:\s.*)?$")
_SLASH = re.compile(r"^(\d{1,2}/\d{1,2}/\d{4})(?:\s.*)?$")


def _slash_format(slashed: pd.Series) -> str:
    """``%m/%d/%Y`` or ``%d/%m/%Y`` for a column's slash dates.

    A first part above 12 shows day first (UK), a second part above 12 month first (US);
    a column that shows neither is read month first (US, what CRMs in English write).
    """
    parts = slashed.dropna().str.split("/", expand=True)
    if parts.empty:
        return "%m/%d/%Y"
    first, second = parts[0].astype(int), parts[1].astype(int)
    return "%d/%m/%Y" if (first > 12).any() and not (second > 12).any() else "%m/%d/%Y"


_TRUE = {"true", "1", "yes", "ja", "y", "j", "x", "wahr"}
_FALSE = {"false", "0", "no", "nein", "n", "falsch"}
_EXCEL_LAST_SERIAL = 2_958_465  # 9999-12-31 in the 1900 date system
_EXCEL_1904_OFFSET = 1_462  # days from 1900-system serials to 1904-system serials
_LATEST_NS = np.datetime64(pd.Timestamp.max.date().isoformat(), "D")  # 2262-04-11


def _split(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``(stripped text cells, empty text as NaN; native non-text cells, the rest NaN)``."""
    if values.dtype == "str":  # all text: strip (if needed) without copying the column
        # no native cell: all missing (float NaN: made without going through the text)
        return _stripped(values), pd.Series(np.nan, index=values.index, dtype="float64")
    is_text = values.map(lambda v: isinstance(v, str)).astype(bool)
    text = values.where(is_text).astype("str").str.strip()
    native = values.where(~is_text & values.notna())
    return text.where(text != ""), native


def _number_pattern(decimal: str) -> str:
    thousands = re.escape("." if decimal == "," else ",")
    dec = re.escape(decimal)
    return (
        rf"^[+-]?(?:\d{{1,3}}(?:{thousands}\d{{3}})+|\d+)(?:{dec}\d*)?(?:[eE][+-]?\d+)?$"
        rf"|^[+-]?{dec}\d+$"
    )


def _decimal_vote(value: str) -> str | None:
    """``","`` or ``"."`` if the value shows its decimal separator unambiguously."""
    comma, dot = value.rfind(","), value.rfind(".")
    if comma >= 0 and dot >= 0:
        return "," if comma > dot else "."
    for sep, other in ((",", "."), (".", ",")):
        count = value.count(sep)
        if count > 1:  # repeated: a thousands separator
            return other
        if count == 1 and len(value) - value.rfind(sep) - 1 != 3:
            return sep
    return None


def _decimal_of(text: pd.Series, default: str) -> str:
    """The decimal separator most unambiguous values of a column show."""
    filled = text.dropna()
    # the first distinct values in file order; a head holding enough of them gives the same
    size = 4 * _VOTE_SAMPLE
    while size < len(filled) and len(pd.unique(filled.iloc[:size])) < _VOTE_SAMPLE:
        size *= 4
    sample = pd.unique(filled.iloc[:size])[:_VOTE_SAMPLE]
    counted = _plain_votes(sample)
    if counted is None:
        votes = [_decimal_vote(_NOISE_RE.sub("", v)) for v in sample]
        counted = votes.count(","), votes.count(".")
    comma, point = counted
    return "," if comma > point else "." if point > comma else default


_PLAIN_NUMBER = r"^[0-9.,+\-eE]*$"  # no noise to remove, one byte per character


def _plain_votes(sample: object) -> tuple[int, int] | None:
    """``(votes for ",", votes for ".")`` of :func:`_decimal_vote` over the sample, at
    once (Arrow, numpy) when every value holds only digits, separators, signs and
    exponents (nothing for ``_NOISE`` to remove, a byte per character); else None."""
    try:
        cells = pa.array(sample, type=pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return None
    if cells.null_count or not pc.all(pc.match_substring_regex(cells, _PLAIN_NUMBER)).as_py():
        return None
    if not len(cells):
        return 0, 0
    flipped = pc.utf8_reverse(cells)
    # characters after the last separator (-1: none), and how often each occurs
    after_comma = pc.find_substring(flipped, ",").to_numpy()
    after_dot = pc.find_substring(flipped, ".").to_numpy()
    commas = pc.count_substring(cells, ",").to_numpy()
    dots = pc.count_substring(cells, ".").to_numpy()
    both = (commas > 0) & (dots > 0)
    only_comma = (commas > 0) & (dots == 0)
    only_dot = (dots > 0) & (commas == 0)
    comma_votes = (
        (both & (after_comma < after_dot))  # the comma is the last separator
        | (only_comma & (commas == 1) & (after_comma != 3))
        | (only_dot & (dots > 1))  # repeated dots: thousands
    )
    dot_votes = (
        (both & (after_dot < after_comma))
        | (only_dot & (dots == 1) & (after_dot != 3))
        | (only_comma & (commas > 1))
    )
    return int(comma_votes.sum()), int(dot_votes.sum())


def _full(text: pd.Series, pattern: str) -> pd.Series:
    """``text.str.fullmatch(pattern)`` with missing cells False; ``pattern`` is anchored
    (``^…$`` in each alternative).

    Arrow text is matched by Arrow's RE2 at once (what pandas' ``fullmatch`` calls for
    it), without pandas' round trip through a nullable boolean column.
    """
    if text.dtype == "str" and pattern.startswith("^") and pattern.endswith("$"):
        hits = pc.match_substring_regex(pa.array(text), pattern).fill_null(False)
        return pd.Series(hits.to_numpy(zero_copy_only=False), index=text.index, dtype=bool)
    return text.str.fullmatch(pattern).fillna(False).astype(bool)


def _without_separators(text: pd.Series, thousands: str, decimal: str) -> pd.Series:
    """``text.str.replace(thousands, "").str.replace(decimal, ".")``.

    Both are one ASCII byte, which never occurs inside a UTF-8 multibyte character, so
    the bytes of all cells of an Arrow chunk are edited at once (numpy) instead of cell
    by cell; a column Arrow does not hold, or a sliced chunk, goes to pandas.
    """
    if text.dtype == "str" and len(text):
        chunks = pa.array(text)
        chunks = chunks.chunks if isinstance(chunks, pa.ChunkedArray) else [chunks]
        edited = [_edit_bytes(chunk, ord(thousands), ord(decimal)) for chunk in chunks]
        if all(chunk is not None for chunk in edited):
            cells = pa.chunked_array(edited, type=chunks[0].type)
            return pd.Series(pd.array(cells, dtype=text.dtype), index=text.index)
    return text.str.replace(thousands, "", regex=False).str.replace(decimal, ".", regex=False)


def _edit_bytes(cells: pa.Array, drop: int, point: int) -> pa.Array | None:
    """The cells with every byte ``drop`` removed and every byte ``point`` turned into
    ``.``; None for an array this does not read (sliced, or not Arrow text)."""
    offset_type = {pa.large_string(): np.int64, pa.string(): np.int32}.get(cells.type)
    if offset_type is None or cells.offset or cells.buffers()[2] is None:
        return None
    validity, offsets_buffer, data_buffer = cells.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=offset_type)[: len(cells) + 1]
    start = int(offsets[0])
    offsets = offsets.astype(np.int64) - start  # from the chunk's first byte
    data = np.frombuffer(data_buffer, dtype=np.uint8)[start : start + int(offsets[-1])]
    dropped = data == drop
    if not dropped.any():  # nothing to drop (no thousands separator): offsets stay
        if point == ord("."):
            return cells
        kept = data.copy()
        kept[kept == point] = ord(".")
        new_offsets = offsets.astype(offset_type)
    else:
        # the bytes dropped before each cell's start and end move its offsets down
        before = np.concatenate(([0], np.cumsum(dropped, dtype=np.int64)))[offsets]
        kept = data[~dropped]  # a copy: edited below
        kept[kept == point] = ord(".")
        new_offsets = (offsets - before).astype(offset_type)
    return pa.Array.from_buffers(
        cells.type,
        len(cells),
        [validity, pa.py_buffer(new_offsets), pa.py_buffer(kept)],
        null_count=cells.null_count,
    )


def _to_float(clean: pd.Series) -> pd.Series:
    """``pd.to_numeric(clean, errors="coerce")`` as float64 for cells in number form.

    Arrow parses the text column at once and, like pandas, rounds each decimal
    correctly. pandas reads a column of whole numbers without gaps as integers, where
    ``-0`` is 0, not -0.0 as any float parser gives: a column with a negative zero goes
    to pandas, as does anything Arrow refuses.
    """
    if clean.dtype == "str":
        try:
            numbers = pc.cast(pa.array(clean), pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError):
            numbers = None
        if numbers is not None:
            out = numbers.to_numpy(zero_copy_only=False)
            if not ((out == 0) & np.signbit(out)).any():
                return pd.Series(out, index=clean.index, dtype="float64")
    return pd.to_numeric(clean, errors="coerce").astype("float64")


def parse_numbers(
    values: pd.Series, decimal: str | None = None, default_decimal: str = "."
) -> tuple[pd.Series, pd.Series]:
    """Parse numbers (money in EUR or plain) from export cells.

    Args:
        values: raw cells (text or numbers).
        decimal: ``","`` or ``"."`` to force the decimal separator; ``None`` decides
            per column (see module docstring).
        default_decimal: separator used when the values do not show it.

    Returns:
        ``(float64 series, mask of filled cells that are not numbers)``.
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        values = values.astype(object)
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.astype("float64"), pd.Series(False, index=values.index)
    text, native_cells = _split(values)
    if native_cells.notna().any():
        native = pd.to_numeric(native_cells, errors="coerce").astype("float64")
    else:  # all text (CSV): nothing native to convert
        native = pd.Series(np.nan, index=values.index, dtype="float64")
    decimal = decimal or _decimal_of(text, default_decimal)
    pattern = _number_pattern(decimal)
    ok = _full(text, pattern)
    rest = text.notna() & ~ok
    if rest.any():  # currency signs, blanks, unicode minus: cleaned only where present
        cleaned = text[rest].str.replace(_NOISE, "", regex=True).str.replace("−", "-")
        text = text.copy()
        text[rest] = cleaned.where(cleaned != "")
        ok = ok | (rest & _full(text, pattern))
    thousands = "." if decimal == "," else ","
    clean = _without_separators(text if ok.all() else text.where(ok), thousands, decimal)
    parsed = _to_float(clean).fillna(native)
    bad = (text.notna() | native_cells.notna()) & parsed.isna()
    return parsed, bad


def limit_numbers(parsed: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Drop numbers that are not finite or beyond ±:data:`MAX_ABS_NUMBER`.

    Returns:
        ``(series with those cells missing, mask of infinite cells, mask of cells
        beyond the bound)``.
    """
    values = parsed.to_numpy(dtype="float64", na_value=np.nan)
    infinite = pd.Series(np.isinf(values), index=parsed.index)
    with np.errstate(invalid="ignore"):
        huge = pd.Series(np.abs(values) > MAX_ABS_NUMBER, index=parsed.index) & ~infinite
    if not (infinite.any() or huge.any()):
        return parsed, infinite, huge
    return parsed.mask(infinite | huge), infinite, huge


def _whole(parsed: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``(Int64 series, mask of numbers with a fraction)`` of finite numbers."""
    fraction = parsed.notna() & (parsed != np.floor(parsed.fillna(0)))
    return parsed.where(~fraction).round().astype("Int64"), fraction


def parse_integers(
    values: pd.Series, decimal: str | None = None, default_decimal: str = "."
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse whole numbers (counts).

    Returns:
        ``(Int64 series, mask of non-numbers (infinite or beyond ±10^12 included),
        mask of numbers with a fraction)``.
    """
    parsed, bad = parse_numbers(values, decimal, default_decimal)
    parsed, infinite, huge = limit_numbers(parsed)
    whole, fraction = _whole(parsed)
    return whole, bad | infinite | huge, fraction


def excel_serial_dates(serials: pd.Series, epoch: str = "1900") -> pd.Series:
    """Calendar dates of Excel date serial numbers; a fraction (time of day) is dropped.

    1900 system (Excel for Windows): serial 1 is 1900-01-01; Excel counts a 29.02.1900
    that never existed as serial 60, so serials above 60 are one day later than a
    plain count from 1899-12-31 (61 is 1900-03-01). 1904 system (old Mac Excel,
    ``workbookPr date1904``): serial 0 is 1904-01-01.

    Returns:
        ``datetime64[ns]`` series; NaT for serial 60 (1900 system), numbers before
        the first day or after 9999-12-31, and dates beyond pandas' range (2262).
    """
    days = np.floor(serials.to_numpy(dtype="float64", na_value=np.nan))
    finite = np.isfinite(days)
    whole = np.where(finite, days, 0).astype("int64")
    if epoch == "1904":
        ok = finite & (days >= 0) & (days <= _EXCEL_LAST_SERIAL - _EXCEL_1904_OFFSET)
        dates = np.datetime64("1904-01-01", "D") + np.where(ok, whole, 0)
    elif epoch == "1900":
        ok = finite & (days >= 1) & (days != 60) & (days <= _EXCEL_LAST_SERIAL)
        since = np.where(whole < 60, whole - 1, whole - 2)  # days after 1900-01-01
        dates = np.datetime64("1900-01-01", "D") + np.where(ok, since, 0)
    else:
        raise ValueError(f"unknown Excel date system {epoch!r}; use '1900' or '1904'")
    ok &= dates <= _LATEST_NS
    out = np.where(ok, dates, np.datetime64("NaT", "D")).astype(DATE_DTYPE)
    return pd.Series(out, index=serials.index)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, Decimal, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


_EARLIEST_DAY = pd.Timestamp(pd.Timestamp.min.date()) + pd.Timedelta(days=1)  # 1677-09-22
_LATEST_DAY = pd.Timestamp(pd.Timestamp.max.date())  # 2262-04-11


def _in_range(dates: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``(dates as datetime64[ns], mask of dates beyond its range, now NaT)``: the days
    1677-09-22 to 2262-04-11 (pandas' nanosecond dates; a later date, such as a
    mistyped 2300, cannot be held and is named instead of stopping the check)."""
    beyond = dates.notna() & ((dates < _EARLIEST_DAY) | (dates > _LATEST_DAY))
    if beyond.any():
        dates = dates.mask(beyond)
    return dates.astype(DATE_DTYPE), beyond.astype(bool)


def _parse_dates(
    values: pd.Series, date_format: str | None, excel_epoch: str | None
) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series, pd.Series]:
    """:func:`parse_dates` plus the masks of numbers among the cells and of dates beyond
    the range :func:`_in_range` holds (neither no date nor impossible)."""
    false = pd.Series(False, index=values.index)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        out = values.dt.tz_localize(None) if values.dt.tz is not None else values
        out, beyond = _in_range(out)
        return out.dt.normalize(), false, false, false, beyond
    if values.dtype == "str":  # all text (CSV): each distinct cell is stripped once
        codes, distinct, text_filled = _distinct_stripped(values)
        native_cells = pd.Series(np.nan, index=values.index, dtype="float64")
        return _dates_of_distinct(
            values, codes, distinct, text_filled, native_cells, None, false, date_format, None
        )
    text, native_cells = _split(values)
    numeric = false
    if native_cells.notna().any():
        numeric = native_cells.map(_is_number).astype(bool) & native_cells.notna()
    if numeric.any():  # never nanoseconds since 1970: Excel serials, or no date
        native = pd.Series(np.datetime64("NaT", "ns"), index=values.index, dtype=DATE_DTYPE)
        if excel_epoch is not None:
            native[numeric] = excel_serial_dates(
                native_cells[numeric].astype("float64"), excel_epoch
            )
        others, native_beyond = _in_range(
            pd.to_datetime(native_cells.where(~numeric), errors="coerce")
        )
        native = native.fillna(others)
    elif native_cells.notna().any():
        native, native_beyond = _in_range(pd.to_datetime(native_cells, errors="coerce", utc=False))
    else:
        native = None
    # exports repeat dates a lot: parse each distinct text once
    codes, uniques = pd.factorize(text)
    distinct = pd.Series(uniques, dtype="str")
    return _dates_of_distinct(
        values,
        codes,
        distinct,
        text.notna().to_numpy(),
        native_cells,
        native,
        numeric,
        date_format,
        excel_epoch,
        native_beyond if native is not None else None,
    )


# every distinct cell in one of these shapes (ASCII digits): each is its own _GERMAN or
# _ISO match and no other pattern's, so the format is parsed at once
_PLAIN_DATES = (
    (r"^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}$", "%d.%m.%Y"),
    (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "%Y-%m-%d"),
)


def _plain_date_format(distinct: pd.Series) -> str | None:
    """The format of distinct date cells that are all plain German or all plain ISO dates
    (missing cells aside), else None (each cell then goes through the date patterns)."""
    filled = distinct.dropna()
    if not len(filled):
        return None
    try:
        cells = pa.array(filled.to_numpy(dtype=object), type=pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    for pattern, fmt in _PLAIN_DATES:
        if pc.all(pc.match_substring_regex(cells, pattern)).as_py():
            return fmt
    return None


def _distinct_stripped(values: pd.Series) -> tuple[np.ndarray, pd.Series, np.ndarray]:
    """``(codes, distinct cells, mask of filled cells)`` of a text column as
    :func:`pandas.factorize` gives them for the stripped column (blank cells missing),
    with each distinct cell stripped instead of every cell."""
    codes, uniques = pd.factorize(values)
    stripped = pd.Series(uniques, dtype="str").str.strip()
    # cells equal once stripped become one (first seen first, as factorize orders them)
    inner, distinct = pd.factorize(stripped.where(stripped != ""))
    codes = np.append(inner, -1)[codes]
    return codes, pd.Series(distinct, dtype="str"), codes >= 0


def _dates_of_distinct(
    values: pd.Series,
    codes: np.ndarray,
    distinct: pd.Series,
    text_filled: np.ndarray,
    native_cells: pd.Series,
    native: pd.Series | None,
    numeric: pd.Series,
    date_format: str | None,
    excel_epoch: str | None,
    native_beyond: pd.Series | None = None,
) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series, pd.Series]:
    """The end of :func:`_parse_dates`: each distinct text parsed once, then per cell."""
    plain = _plain_date_format(distinct) if date_format is None else date_format
    if plain is not None:
        parsed_u = pd.to_datetime(distinct, format=plain, errors="coerce")
        shaped_u = distinct.notna()
    else:
        iso = distinct.str.extract(_ISO, expand=False)
        german = distinct.str.extract(_GERMAN, expand=False)
        parsed_u = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")
        parsed_u = parsed_u.fillna(pd.to_datetime(german, format="%d.%m.%Y", errors="coerce"))
        shaped_u = iso.notna() | german.notna()
        slashed = distinct.str.extract(_SLASH, expand=False)
        if slashed.notna().any():
            fmt = _slash_format(slashed)
            parsed_u = parsed_u.fillna(pd.to_datetime(slashed, format=fmt, errors="coerce"))
            shaped_u = shaped_u | slashed.notna()
    parsed_u, beyond_u = _in_range(parsed_u)
    parsed_u = parsed_u.dt.normalize()
    at = np.append(parsed_u.to_numpy(), np.datetime64("NaT", "ns"))[codes]
    beyond = pd.Series(np.append(beyond_u.to_numpy(), False)[codes], index=values.index)
    if native_beyond is not None:
        beyond |= native_beyond
    parsed = pd.Series(at, index=values.index)
    if native is not None:  # (the distinct dates are at midnight already)
        parsed = parsed.fillna(native).dt.normalize()
    shaped = pd.Series(np.append(shaped_u.to_numpy(), False)[codes], index=values.index)
    if excel_epoch is not None:
        shaped |= numeric  # a serial outside the calendar is an impossible date
    filled = pd.Series(text_filled, index=values.index) | native_cells.notna()
    impossible = filled & parsed.isna() & shaped & ~beyond
    bad = filled & parsed.isna() & ~shaped & ~beyond
    return parsed, bad, impossible, numeric, beyond


def parse_dates(
    values: pd.Series, date_format: str | None = None, excel_epoch: str | None = None
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse calendar dates; a time of day is dropped.

    Args:
        values: raw cells (text, dates or timestamps; numbers only from XLSX).
        date_format: a ``strftime`` format that overrides the automatic formats.
        excel_epoch: ``"1900"`` or ``"1904"``: numbers are Excel date serials of that
            date system (XLSX); ``None``: numbers are no dates.

    Returns:
        ``(datetime64 series at midnight, mask of cells that are no date,
        mask of cells in a date format but impossible such as 31.02.2025, or beyond
        the days 1677-09-22 to 2262-04-11 that can be held)``.
    """
    parsed, bad, impossible, _, beyond = _parse_dates(values, date_format, excel_epoch)
    return parsed, bad, impossible | beyond


def parse_text(values: pd.Series) -> pd.Series:
    """Cells as stripped text (ids, names); whole floats lose their ``.0`` (1001.0 -> 1001)."""

    def one(v: object) -> object:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return np.nan
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v).strip() or np.nan

    if values.dtype == "str":
        return _stripped(values)
    return values.map(one).astype("str")


def _stripped(values: pd.Series) -> pd.Series:
    """Text cells stripped, blank ones missing; ``values`` itself (no copy) if already so.

    Most id and code columns need no change: returning the input keeps one copy of
    the column in memory instead of two (the raw frame stays alive until checked).
    """
    if not _edge_space(values) and not (values == "").any():
        return values
    text = values.str.strip()
    return text.where(text != "")


def _edge_space(values: pd.Series) -> bool:
    """True if a cell starts or ends with white space (what ``str.strip`` removes).

    Looks at the first and the last character only, instead of stripping every cell;
    Arrow's ``utf8_is_space`` is the same set of characters as its
    ``utf8_trim_whitespace``, which pandas' ``str.strip`` calls.
    """
    cells = pa.array(values)
    chunks = cells.chunks if isinstance(cells, pa.ChunkedArray) else [cells]
    found, start = [], 0
    for chunk in chunks:
        odd = _odd_edges(chunk)
        if odd is None:
            break
        found.append(odd + start)
        start += len(chunk)
    else:  # every chunk read: only its suspect cells are checked below
        suspects = np.concatenate(found) if found else np.array([], dtype=np.int64)
        if not len(suspects):
            return False
        cells = cells.take(pa.array(suspects))
    first = pc.utf8_is_space(pc.utf8_slice_codeunits(cells, 0, 1))
    last = pc.utf8_is_space(pc.utf8_slice_codeunits(cells, -1, _ALL))
    return bool(pc.any(pc.or_(first, last)).as_py())


def _odd_edges(cells: pa.Array) -> np.ndarray | None:
    """Positions of the filled cells whose first or last byte is not printable ASCII
    other than the blank (0x21-0x7E: never white space, never part of a multibyte
    character); None for an array this does not read (the caller checks every cell)."""
    offset_type = {pa.large_string(): np.int64, pa.string(): np.int32}.get(cells.type)
    if offset_type is None or cells.buffers()[2] is None:
        return None
    offsets = np.frombuffer(cells.buffers()[1], dtype=offset_type)
    offsets = offsets[cells.offset : cells.offset + len(cells) + 1]
    data = np.frombuffer(cells.buffers()[2], dtype=np.uint8)
    filled = offsets[1:] > offsets[:-1]
    if cells.null_count:
        filled &= cells.is_valid().to_numpy(zero_copy_only=False)
    at = np.flatnonzero(filled)
    first, last = data[offsets[at]], data[offsets[at + 1] - 1]
    # 0x21 <= byte <= 0x7E as one comparison (bytes below 0x21 wrap around to 0xDF and up)
    odd = (np.subtract(first, 0x21, dtype=np.uint8) > 0x5D) | (
        np.subtract(last, 0x21, dtype=np.uint8) > 0x5D
    )
    return at[odd]


def _label_key(value: str) -> str:
    """A value compared ignoring case, blanks and punctuation (umlauts kept)."""
    return re.sub(r"[^0-9a-zäöüß]", "", value.casefold())


_WHOLE = re.compile(r"^\d{1,3}(?:[.,' ]\d{3})+$|^\d+$")


def parse_codes(
    values: pd.Series,
    allowed: Sequence[str],
    labels: dict[str, str] | None = None,
    sizes: bool = False,
) -> pd.Series:
    """Text cells; a match in ``allowed`` or ``labels`` gets the allowed spelling.

    Args:
        values: raw cells.
        allowed: the canonical values; matched ignoring case, blanks and punctuation.
        labels: further labels (German) of the canonical values, e.g. ``{"klein": "small"}``,
            keys as :func:`_label_key` gives them.
        sizes: whole numbers are company sizes (employees) and map to the segment bins
            (:func:`~planning_lib.data.tables.segment_of_size`).
    """
    return _codes(values, allowed, labels, sizes)[0]


def _codes(
    values: pd.Series,
    allowed: Sequence[str],
    labels: dict[str, str] | None = None,
    sizes: bool = False,
) -> tuple[pd.Series, bool]:
    """:func:`parse_codes`, and whether every filled cell of the result is in ``allowed``."""
    if values.dtype == "str" and _all_in(values, allowed):
        # an allowed value has no blank at its edges and is not empty: stripping
        # (parse_text) would give the same cells
        return values, True
    text = parse_text(values)
    if text.dropna().isin(list(allowed)).all():
        return text, True
    lookup = {_label_key(a): a for a in allowed}
    lookup.update({_label_key(k): v for k, v in (labels or {}).items()})
    codes, distinct = pd.factorize(text)  # each distinct value once
    mapped = []
    for value in distinct:
        hit = lookup.get(_label_key(value))
        if hit is None and sizes and _WHOLE.match(value):
            hit = segment_of_size(float(re.sub(r"\D", "", value)))
        mapped.append(hit if hit is not None else value)
    out = np.append(np.asarray(mapped, dtype=object), np.nan)[codes]
    return pd.Series(out, index=text.index).astype("str"), set(mapped) <= set(allowed)


def _all_in(values: pd.Series, allowed: Sequence[str]) -> bool:
    """True if every filled cell of Arrow text ``values`` is one of ``allowed`` as it is."""
    try:
        cells = pa.array(values)
        known = pa.array([*allowed, None], type=cells.type)
        return pc.all(pc.is_in(cells, value_set=known)).as_py() is not False
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError):
        return False


def parse_flags(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Yes/no cells (true/false, 1/0, yes/no, ja/nein, x) as ``"true"``/``"false"`` text.

    Returns:
        ``(text series, mask of filled cells that are no flag)``.
    """
    text = parse_text(values).str.casefold()
    out = pd.Series(np.nan, index=values.index, dtype="str")
    out = out.mask(text.isin(_TRUE), "true").mask(text.isin(_FALSE), "false")
    bad = text.notna() & out.isna()
    return out, bad


def coerce_columns(
    raw: pd.DataFrame,
    table: Table,
    *,
    decimal: str | None = None,
    default_decimal: str = ".",
    date_format: str | None = None,
    excel_epoch: str | None = None,
    allowed_shown: set[str] | None = None,
) -> tuple[pd.DataFrame, list[ParseProblem]]:
    """Parse the canonical columns present in ``raw`` into their contract types.

    Columns not in the contract are dropped; missing ones are left missing (the
    schema reports them). Cells that cannot be parsed become missing and are
    returned as problems.

    Args:
        raw: the export with canonical column names (after mapping).
        table: the canonical table contract.
        decimal: force ``","`` or ``"."`` as decimal separator.
        default_decimal: separator when a column does not show it.
        date_format: ``strftime`` format overriding the automatic date formats.
        excel_epoch: ``"1900"``/``"1904"`` when the cells come from an XLSX workbook
            (numbers in date columns are Excel date serials), else ``None``.
        allowed_shown: if given, gets the names of the columns with allowed values
            whose every parsed cell is one of them (the schema need not look again).

    Returns:
        ``(typed frame in contract column order, [(position, column, rule), ...])``.
    """
    work = [
        (col, raw[col.name].reset_index(drop=True))
        for col in table.columns
        if col.name in raw.columns
    ]

    def one(item: tuple[Column, pd.Series]) -> tuple[pd.Series, list[ParseProblem], bool]:
        return _coerce_column(*item, decimal, default_decimal, date_format, excel_epoch)

    done = map_columns(one, work, len(raw))
    out = {col.name: series for (col, _), (series, _, _) in zip(work, done, strict=True)}
    problems = [p for _, found, _ in done for p in found]
    if allowed_shown is not None:
        allowed_shown.update(col.name for (col, _), (*_, ok) in zip(work, done, strict=True) if ok)
    return pd.DataFrame(out, index=pd.RangeIndex(len(raw))), problems


def _coerce_column(
    col: Column,
    values: pd.Series,
    decimal: str | None,
    default_decimal: str,
    date_format: str | None,
    excel_epoch: str | None,
) -> tuple[pd.Series, list[ParseProblem], bool]:
    """One column of :func:`coerce_columns`: the parsed cells, their problems, and True
    for a column with allowed values whose every cell is one of them."""
    problems: list[ParseProblem] = []

    def note(mask: pd.Series, column: str, rule: str) -> None:
        problems.extend((int(i), column, rule) for i in np.flatnonzero(mask.to_numpy()))

    if col.dtype in ("float", "int"):
        parsed, bad = parse_numbers(values, decimal, default_decimal)
        parsed, infinite, huge = limit_numbers(parsed)
        note(bad, col.name, "not_a_number")
        note(infinite, col.name, "not_finite")
        note(huge, col.name, "too_large")
        if col.dtype == "int":
            parsed, fraction = _whole(parsed)
            note(fraction, col.name, "not_an_integer")
        return parsed, problems, False
    if col.dtype == "date":
        parsed, bad, impossible, numeric, beyond = _parse_dates(values, date_format, excel_epoch)
        leap = pd.Series(False, index=values.index)
        if excel_epoch == "1900" and numeric.any():
            serials = pd.to_numeric(values.where(numeric), errors="coerce")
            leap = numeric & (np.floor(serials) == 60)
        note(bad & ~numeric, col.name, "not_a_date")
        note(bad & numeric, col.name, "number_as_date")
        note(impossible & ~leap, col.name, "impossible_date")
        note(leap, col.name, "excel_leap_day")
        note(beyond, col.name, "date_out_of_range")
        return parsed, problems, False
    if col.allowed == ("true", "false"):
        parsed, bad = parse_flags(values)
        note(bad, col.name, "not_allowed")
        return parsed, problems, False
    if col.allowed:
        labels = VALUE_LABELS.get(col.name)
        codes, shown = _codes(values, col.allowed, labels, sizes=col.name == "segment")
        return codes, problems, shown
    return parse_text(values), problems, False
