"""CSV files meant for spreadsheets: text that a spreadsheet would run as a formula is
neutralised (OWASP "CSV Injection", ASVS 1.2.10).

Excel, LibreOffice Calc and Google Sheets read a cell starting with ``=``, ``+``, ``-``,
``@``, a tab, a carriage return (or a NUL) as a formula: a region or customer name such
as ``=HYPERLINK("http://x","a")`` from the CRM data or the config would become a live
link (or worse) in the analyst's sheet. Such a text cell gets a leading single quote
(``'=HYPERLINK(...)``), which the spreadsheet shows as text.

Only text is touched: numbers (numeric columns, and number objects in mixed columns)
are written as before, and a text cell that is a plain number (``-12.5``, ``+3``,
``-1e-05``) is not a formula and stays as it is. The rule is a pure function of the
cell, so the same inputs still give byte-identical files.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

__all__ = ["FORMULA_TRIGGERS", "neutralise", "spreadsheet_safe"]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0", "＝", "＋", "－", "＠")
"""First characters that make a spreadsheet read a cell as a formula (with the full-width
forms, which some spreadsheets normalise)."""

_NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$")


def neutralise(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula.

    >>> neutralise('=HYPERLINK("http://x","a")')
    '\\'=HYPERLINK("http://x","a")'
    >>> neutralise("-12.5"), neutralise("DE-Nord"), neutralise(-3.0)
    ('-12.5', 'DE-Nord', -3.0)
    """
    if isinstance(value, str) and value[:1] in FORMULA_TRIGGERS and not _NUMBER.match(value):
        return "'" + value
    return value


def _safe_index(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        return index.set_levels([_safe_index(level) for level in index.levels])
    if pd.api.types.is_object_dtype(index.dtype) or isinstance(
        index.dtype, pd.StringDtype | pd.CategoricalDtype
    ):
        return index.map(neutralise)
    return index


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells, column names and index labels are neutralised.

    Numeric, boolean and date columns are returned unchanged (the same dtypes), so
    ``to_csv(float_format=...)`` writes them exactly as before.
    """
    out = frame.copy()
    for pos in range(out.shape[1]):
        series = out.iloc[:, pos]
        dtype = series.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            cats = dtype.categories
            if pd.api.types.is_object_dtype(cats.dtype) or isinstance(cats.dtype, pd.StringDtype):
                out.isetitem(pos, series.astype(object).map(neutralise, na_action="ignore"))
        elif pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype):
            out.isetitem(pos, series.map(neutralise, na_action="ignore").astype(dtype))
    out.columns = _safe_index(out.columns)
    out.index = _safe_index(out.index)
    return out
