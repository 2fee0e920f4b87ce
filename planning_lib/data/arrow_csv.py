"""Fast paths with pyarrow for the CSV reader and the canonical CSV writer.

Both are used only where they give exactly what the plain path gives; anything else
(blank or ragged lines, repeated or empty header names, cells that need quoting) goes
the plain way, so the results and the messages do not depend on which path ran.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from planning_lib.core.threads import map_columns
from planning_lib.data.utf8 import has_multibyte

__all__ = ["join_csv", "read_file_cells", "read_text_cells"]

_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default "str" dtype
_HEAD_BYTES = 1 << 16  # a header longer than this goes the plain way


def read_text_cells(
    data: bytes | memoryview, delimiter: str, quotes: bool = True
) -> pd.DataFrame | None:
    """Every cell of a UTF-8 CSV as text (empty cells missing), or None to go the plain way.

    Gives what ``pandas.read_csv(dtype="str", keep_default_na=False, na_values=[""])``
    gives for a file with no blank line, every record as wide as the header and unique,
    non-empty header names; for any other file (pyarrow refuses a record of another width,
    a blank line is one) it returns None. ``quotes=False`` says the data holds no ``"``:
    no cell can hold a line break then, and Arrow splits the file at line ends, which
    is faster.
    """
    parse = pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=quotes)
    parse.ignore_empty_lines = False
    head = bytes(data[:_HEAD_BYTES])
    if b"\n" not in head:
        return None
    try:
        names = pa_csv.read_csv(
            io.BytesIO(head[: head.find(b"\n") + 1]),
            parse_options=parse,
            read_options=pa_csv.ReadOptions(autogenerate_column_names=True, skip_rows=0),
            convert_options=pa_csv.ConvertOptions(column_types={}),
        )
    except pa.ArrowInvalid:
        return None
    header = [names.column(i)[0].as_py() for i in range(names.num_columns)]
    if any(not h or not h.strip() for h in header) or len(set(header)) != len(header):
        return None
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(pa.py_buffer(data)),
            parse_options=parse,
            convert_options=pa_csv.ConvertOptions(
                # large_string: what pandas' "str" holds, so to_pandas copies no text
                column_types={h: pa.large_string() for h in header},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except pa.ArrowInvalid:
        return None
    return table.to_pandas(types_mapper={pa.large_string(): _TEXT}.get)


# Arrow parses the file in blocks (its default is 1 MiB); each block becomes one chunk of
# every column, and the steps after the read go chunk by chunk: fewer chunks cost less
# (1M rows: 1,59 -> 1,48 CPU-seconds for validate --write-canonical with 8 MiB), larger
# blocks cost peak memory on mid-sized files: a sixteenth of the file, 1 to 8 MiB
_BLOCK_BYTES = 8 << 20
_MIN_BLOCK_BYTES = 1 << 20


def _block_size(size: int) -> int:
    """Arrow's block size for a file of ``size`` bytes (see :data:`_BLOCK_BYTES`)."""
    return max(_MIN_BLOCK_BYTES, min(_BLOCK_BYTES, size // 16))


def read_file_cells(
    data: bytes, start: int, names: list[str], delimiter: str, quotes: bool, encoding: str
) -> pd.DataFrame | None:
    """Every cell of the records after the header line (from byte ``start`` of the file's
    own bytes) as text, or None to go the plain way.

    The same cells as :func:`read_text_cells` of the decoded file, without decoding and
    re-encoding the whole text: the delimiter, quotes and line ends are ASCII in UTF-8
    and in cp1252 alike, so Arrow splits the original bytes. UTF-8 cells are checked by
    Arrow (invalid bytes: None); ``encoding="cp1252"`` cells are read as bytes and each
    column holding bytes 80-FF is decoded with Python's cp1252 codec, as the plain way
    decodes the file (None where that fails, or where the column holds a UTF-8
    multibyte sequence: a mixed file, which the plain way names).
    """
    parse = pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=quotes)
    parse.ignore_empty_lines = False
    single = encoding == "cp1252"
    keys = [f"f{i}" for i in range(len(names))]
    kind = pa.large_binary() if single else pa.large_string()
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(pa.py_buffer(data)[start:]),
            parse_options=parse,
            read_options=pa_csv.ReadOptions(column_names=keys, block_size=_block_size(len(data))),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(keys, kind),
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except pa.ArrowInvalid:
        return None
    if single:
        # numpy and the codec per column; two columns at a time on large files
        decoded = map_columns(_cp1252_column, table.columns, table.num_rows)
        if any(column is None for column in decoded):
            return None
        table = pa.table(decoded, names=keys)
    frame = table.to_pandas(types_mapper={pa.large_string(): _TEXT}.get)
    frame.columns = names
    return frame


def _cp1252_column(column: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """:func:`_cp1252_text` of each chunk; None if one of them is."""
    chunks = [_cp1252_text(chunk) for chunk in column.chunks]
    if any(chunk is None for chunk in chunks):
        return None
    return pa.chunked_array(chunks, type=pa.large_string())


def _cp1252_text(cells: pa.Array) -> pa.Array | None:
    """Byte cells decoded as cp1252 into UTF-8 text cells; None for bytes cp1252 does
    not define or a UTF-8 multibyte sequence among them."""
    if cells.offset or cells.type != pa.large_binary():
        return None
    validity, offsets_buffer, data_buffer = cells.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[: len(cells) + 1]
    first = int(offsets[0]) if len(offsets) else 0
    offsets = offsets - first
    raw = (
        np.frombuffer(data_buffer, dtype=np.uint8)[first : first + int(offsets[-1])]
        if data_buffer is not None and len(offsets)
        else np.zeros(0, dtype=np.uint8)
    )
    if len(raw) and raw.max() >= 0x80:
        high = np.flatnonzero(raw >= 0x80)
        block = raw.tobytes()
        if has_multibyte(block, high):
            return None
        try:
            text = block.decode("cp1252").encode("utf-8")
        except UnicodeDecodeError:
            return None
        # each byte 80-FF becomes 2 or 3 bytes: the cells after it move by the difference
        grown = _CP1252_GROWTH[raw[high]]
        cell = np.searchsorted(offsets, high, side="right") - 1
        extra = np.bincount(cell, weights=grown, minlength=len(cells)).astype(np.int64)
        offsets = offsets + np.concatenate(([0], np.cumsum(extra)))
        data = pa.py_buffer(text)
    else:
        data = pa.py_buffer(raw)
    return pa.Array.from_buffers(
        pa.large_string(),
        len(cells),
        [validity, pa.py_buffer(offsets), data],
        null_count=cells.null_count,
    )


# the bytes a cp1252 byte gains as UTF-8 (0 for ASCII; undefined bytes never get here)
_CP1252_GROWTH = np.array(
    [len(bytes([b]).decode("cp1252", "replace").encode("utf-8")) - 1 for b in range(256)],
    dtype=np.uint8,
)


def join_csv(
    names: list[str], columns: list[pa.Array], rows: slice = slice(None), header: bool = True
) -> pa.Buffer | None:
    """Header and rows joined with ``,`` and LF (UTF-8 bytes in an Arrow buffer, which a
    file's ``write`` takes as it is), or None when a cell needs quoting.

    ``columns`` are string arrays (missing = empty cell). Gives what ``csv.writer`` writes
    when no cell holds a comma, a quote or a line break: Arrow's writer without quoting
    writes the cells as they are and refuses exactly those cells (RFC 4180's structural
    characters), which sends the table the plain way.

    ``rows`` (a slice without step) and ``header=False`` give one part of the file:
    the parts of consecutive row ranges, the first with the header, joined end to end
    are the whole file (each row is written on its own).
    """
    if not columns or len(columns[0]) == 0:
        return None
    start, stop, _ = rows.indices(len(columns[0]))
    table = pa.table(columns, names=[f"c{i}" for i in range(len(columns))])
    table = table.slice(start, max(stop - start, 0))
    # Arrow's own growing buffer: no Python call per batch, no copy at the end
    sink = pa.BufferOutputStream()
    if header:
        sink.write((",".join(names) + "\n").encode("utf-8"))
    options = pa_csv.WriteOptions(
        include_header=False, delimiter=",", quoting_style="none", eol="\n"
    )
    try:
        pa_csv.write_csv(table, sink, options)
    except pa.ArrowInvalid:  # a comma, a quote or a line break in a cell
        return None
    return sink.getvalue()


_EXACT_BELOW = 1e9  # larger magnitudes are formatted by Python (float error near ties)
_TIE_MARGIN = 1e-3  # scaled values this close to .5 are formatted by Python


def _fixed(numbers: np.ndarray, missing: np.ndarray, decimals: int) -> pa.Array:
    """``format(x, f".{decimals}f")`` of each number, or its ``repr`` where that loses the
    value (missing cells: null).

    Away from ties, ``rint(x * 10**d)`` rounds like ``format`` (the product's float
    error is far below the margin); ties, huge numbers and the cells whose fixed form
    does not read back to the same float are done by Python, one by one.
    """
    scale = 10**decimals
    safe = np.where(missing, 0.0, numbers)
    scaled = np.abs(safe) * scale
    python = ~missing & (
        (np.abs(scaled - np.floor(scaled) - 0.5) < _TIE_MARGIN) | (np.abs(safe) >= _EXACT_BELOW)
    )
    units = np.rint(np.where(python, 0.0, scaled)).astype("int64")
    negative = np.signbit(safe)
    whole = units // scale
    # from 1 up: the signed units with "." before their last d digits (cast and slice,
    # byte-wise: digits are ASCII)
    text = pc.cast(pa.array(np.where(negative, -units, units)), pa.large_string())
    cells = pc.binary_replace_slice(text, -decimals, -decimals, ".")
    below_one = whole == 0
    if below_one.any():  # "0.05", "-0.05", "-0.00": the sign, "0.", then the d digits
        at = np.flatnonzero(below_one)
        signs = pa.array(np.where(negative[at], "-0", "0").tolist(), pa.large_string())
        digits = pa.array([f"{i:0{decimals}d}" for i in range(scale)], pa.large_string())
        part = pc.take(digits, pa.array(units[at] % scale))
        small = pc.binary_join_element_wise(signs, part, pa.scalar(".", pa.large_string()))
        cells = pc.replace_with_mask(cells, pa.array(below_one), small)
    spec = f".{decimals}f"
    # what the cell reads back as: units / 10**d is the correctly rounded value of the
    # decimal the cell writes (both exact in float64 below 2**53), as a parser gives it
    back = np.where(negative, -1.0, 1.0) * (units / scale)
    if python.any():
        at = np.flatnonzero(python)
        texts = [format(x, spec) for x in safe[at].tolist()]
        back[at] = [float(t) for t in texts]
        done = pa.array(texts, pa.large_string())
        cells = pc.replace_with_mask(cells, pa.array(python), done)
    lost = ~missing & (back != safe)
    if lost.any():
        done = pa.array([repr(x) for x in safe[lost].tolist()], pa.large_string())
        cells = pc.replace_with_mask(cells, pa.array(lost), done)
    if not missing.any():
        return cells
    return pc.if_else(pa.array(missing), pa.scalar(None, pa.large_string()), cells)


def canonical_cells(values: pd.Series, dtype: str, decimals: int) -> pa.Array | None:
    """A canonical column's cells as text the way ``data/sample/`` writes them, or None
    for a text column that is not all text (the plain path writes it).

    Dates ISO; floats with ``decimals`` decimals or, where that would change the value,
    exact (shortest repr); whole numbers without decimals; missing cells null.
    """
    missing = values.isna().to_numpy()
    if dtype == "date":
        days = values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
        # each distinct day written once (ISO yyyy-mm-dd), then taken for every row
        encoded = pc.dictionary_encode(pa.array(days, mask=missing))
        return pc.take(pc.cast(encoded.dictionary, pa.large_string()), encoded.indices)
    if dtype == "float":
        return _fixed(values.to_numpy(dtype="float64", na_value=np.nan), missing, decimals)
    if dtype == "int":
        return pc.cast(pa.array(values.astype("Int64")), pa.large_string())
    if values.dtype != "str":
        return None
    return pa.array(values).cast(pa.large_string())
