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

__all__ = ["join_csv", "read_text_cells"]

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


def join_csv(names: list[str], columns: list[pa.Array]) -> bytes | None:
    """Header and rows joined with ``,`` and LF, or None when a cell needs quoting.

    ``columns`` are string arrays (missing = empty cell). Gives what ``csv.writer`` writes
    when no cell holds a comma, a quote or a line break: Arrow's writer without quoting
    writes the cells as they are and refuses exactly those cells (RFC 4180's structural
    characters), which sends the table the plain way.
    """
    if not columns or len(columns[0]) == 0:
        return None
    table = pa.table(columns, names=[f"c{i}" for i in range(len(columns))])
    sink = io.BytesIO()
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
    # the sign on the whole part; a negative number above -1 needs "-0", set one by one
    signed = pc.cast(pa.array(np.where(negative, -whole, whole)), pa.large_string())
    minus_zero = negative & (whole == 0)
    if minus_zero.any():
        zeros = pa.array(["-0"] * int(minus_zero.sum()), pa.large_string())
        signed = pc.replace_with_mask(signed, pa.array(minus_zero), zeros)
    # the decimals: one of the 10**d texts "00" ... "99", taken by the remainder
    digits = pa.array([f"{i:0{decimals}d}" for i in range(scale)], pa.large_string())
    part = pc.take(digits, pa.array(units % scale))
    cells = pc.binary_join_element_wise(signed, part, pa.scalar(".", pa.large_string()))
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
