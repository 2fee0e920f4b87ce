"""Validation failures as data: one row per problem, rendered in plain words.

Every check (file reading, cell parsing, pandera schema) reports its problems as
rows of a *failure table* with the columns :data:`FAILURE_COLUMNS`:

- ``file``: the file (or ``<DataFrame>``/SQL source) the row came from
- ``table``: the canonical table being checked
- ``row``: the row as the user's tool shows it, empty for problems of the whole file or
  a whole column: in a CSV the line number in a text editor (header = line 1, first data
  row = 2; a cell with a line break makes the following rows start lines further down),
  in an XLSX sheet Excel's row number (a title above the header counted), in a Parquet
  file or an SQL source, which number no rows themselves, the 1-based data row, named
  "data row"/"Datenzeile" (see :func:`names_data_rows`)
- ``column``: the column in question (canonical name, or the export's name if the
  mapping could not find it)
- ``value``: the offending cell as text
- ``rule``: short machine id of the broken rule (see :data:`MESSAGES`)
- ``message``: the full sentence for analysts

All sentence templates live in :data:`MESSAGES` (``en`` and ``de``), so a language
is one dictionary.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

__all__ = [
    "FAILURE_COLUMNS",
    "LANGUAGES",
    "MESSAGES",
    "REPEATABLE_RULES",
    "SPREADSHEET_SUFFIXES",
    "DataValidationError",
    "collapse_repeats",
    "failure",
    "failure_frame",
    "location",
    "names_data_rows",
]

FAILURE_COLUMNS: list[str] = ["file", "table", "row", "column", "value", "rule", "message"]
LANGUAGES: tuple[str, ...] = ("en", "de")

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "empty_file": "the file is empty (no header, no rows)",
        "header_only": "the file has a header but no data rows",
        "unreadable": "the file could not be read: {detail}",
        "delimiter": (
            "could not split the header into columns ({detail}); "
            "use ',' or ';' or a tab as delimiter"
        ),
        "ragged_row": (
            "the row has {fields} field(s), the header has {expected}; "
            "check the delimiter and quotes in this row"
        ),
        "mixed_encoding": (
            "the file is UTF-8 (it holds e.g. {sample}), but byte {byte} in this row is "
            "no UTF-8 (in Windows-1252 it would be {cp1252!r}): two encodings in one file; "
            "save the whole file again as UTF-8"
        ),
        "repeated_header": (
            "the row repeats the header (two exports glued together?); delete the row"
        ),
        "duplicate_column": (
            "{detail} are the same column; the first would be used silently. "
            "Rename or delete all but one"
        ),
        "no_database": (
            "the database file {detail} does not exist (inputs are only read, "
            "nothing was created); check the path in the URL"
        ),
        "unknown_table": "unknown table {value!r}; known tables: {allowed}",
        "duplicate_file": "more than one file for table {table!r}: {detail}",
        "missing_column": "required column is missing. {suggestion}",
        "suggest_close": "Closest existing columns: {names}",
        "mapping_looked_for": "Mapping {mapping!r} looks for {names}.",
        "suggest_all": "Existing columns: {names}",
        "not_a_number": (
            "{value!r} is not a number in EUR (expected e.g. 1234.56, 1.234,56 or 1 234,56 €)"
        ),
        "not_a_date": "{value!r} is not a date (expected YYYY-MM-DD or DD.MM.YYYY)",
        "impossible_date": "{value!r} is not a real calendar date",
        "date_out_of_range": (
            "{value!r} lies outside the dates that can be read (1677-09-22 to 2262-04-11); "
            "check the year"
        ),
        "not_an_integer": "{value!r} is not a whole number",
        "not_finite": "{value!r} is not a finite number (infinite or undefined)",
        "too_large": (
            "{value!r} is beyond ±1,000,000,000,000 (10^12), the largest value accepted; "
            "check the unit and the decimal separator"
        ),
        "excel_leap_day": (
            "{value!r} is Excel's date serial for 29.02.1900, a day that never existed "
            "(Excel's 1900 leap-year bug); enter the real date"
        ),
        "number_as_date": (
            "{value!r} is a number, not a date; store the column as dates or as text "
            "YYYY-MM-DD (only XLSX numbers are read as Excel date serials)"
        ),
        "required": "the cell is empty, but this column must be filled",
        "close_needs_created": (
            "the open deal has no close date, and it cannot be estimated because the created "
            "date is missing too (the estimate is created date + median cycle of won deals); "
            "fill created_date or close_date"
        ),
        "not_allowed": "{value!r} is not an allowed value; allowed: {allowed}",
        "duplicate": (
            "{value!r} occurs more than once ({rows_word} {detail}); values must be unique"
        ),
        "below_min": "{value} is below the minimum of {detail}",
        "negative_without_credit_note": (
            "{value} is negative; negative amounts are allowed only on rows marked "
            "as credit notes (is_credit_note = true)"
        ),
        "date_order": "{value} is before {detail}; it must be on or after it",
        "won_without_customer": (
            "the deal is won but has no customer id; only open or lost deals "
            "(prospects) may lack one"
        ),
        "repeated": "{sentence} ({n} {rows_word}: {rows})",
        "wrong_type": "the column has the wrong type ({detail})",
        "parameter": "{detail}",
        "schema": "{value!r} fails the check {detail}",
        "row_word": "row",
        "rows_word": "rows",
        "data_row_word": "data row",
        "data_rows_word": "data rows",
        "bom_word": "a byte order mark (BOM)",
        "column_word": "column",
    },
    "de": {
        "empty_file": "die Datei ist leer (keine Kopfzeile, keine Zeilen)",
        "header_only": "die Datei hat eine Kopfzeile, aber keine Datenzeilen",
        "unreadable": "die Datei kann nicht gelesen werden: {detail}",
        "delimiter": (
            "die Kopfzeile lässt sich nicht in Spalten trennen ({detail}); "
            "bitte ',' oder ';' oder Tabulator als Trennzeichen verwenden"
        ),
        "ragged_row": (
            "die Zeile hat {fields} Feld(er), die Kopfzeile {expected}; "
            "bitte Trennzeichen und Anführungszeichen in der Zeile prüfen"
        ),
        "mixed_encoding": (
            "die Datei ist UTF-8 (sie enthält z. B. {sample}), aber Byte {byte} in dieser "
            "Zeile ist kein UTF-8 (in Windows-1252 wäre es {cp1252!r}): zwei Zeichenkodierungen "
            "in einer Datei; bitte die ganze Datei erneut als UTF-8 speichern"
        ),
        "repeated_header": (
            "die Zeile wiederholt die Kopfzeile (zwei Exporte aneinandergehängt?); "
            "bitte die Zeile löschen"
        ),
        "duplicate_column": (
            "{detail} sind dieselbe Spalte; die erste würde stillschweigend verwendet. "
            "Bitte alle bis auf eine umbenennen oder löschen"
        ),
        "no_database": (
            "die Datenbankdatei {detail} existiert nicht (Eingaben werden nur gelesen, "
            "es wurde nichts angelegt); bitte den Pfad in der URL prüfen"
        ),
        "unknown_table": "unbekannte Tabelle {value!r}; bekannt sind: {allowed}",
        "duplicate_file": "mehr als eine Datei für Tabelle {table!r}: {detail}",
        "missing_column": "Pflichtspalte fehlt. {suggestion}",
        "suggest_close": "Ähnlichste vorhandene Spalten: {names}",
        "mapping_looked_for": "Zuordnung {mapping!r} sucht {names}.",
        "suggest_all": "Vorhandene Spalten: {names}",
        "not_a_number": (
            "{value!r} ist keine Zahl in EUR (erwartet z. B. 1234.56, 1.234,56 oder 1 234,56 €)"
        ),
        "not_a_date": "{value!r} ist kein Datum (erwartet JJJJ-MM-TT oder TT.MM.JJJJ)",
        "impossible_date": "{value!r} ist kein gültiges Kalenderdatum",
        "date_out_of_range": (
            "{value!r} liegt außerhalb der lesbaren Daten (22.09.1677 bis 11.04.2262); Jahr prüfen"
        ),
        "not_an_integer": "{value!r} ist keine ganze Zahl",
        "not_finite": "{value!r} ist keine endliche Zahl (unendlich oder undefiniert)",
        "too_large": (
            "{value!r} liegt außerhalb von ±1.000.000.000.000 (10^12), dem größten "
            "zulässigen Wert; bitte Einheit und Dezimaltrennzeichen prüfen"
        ),
        "excel_leap_day": (
            "{value!r} ist Excels Datumszahl für den 29.02.1900, einen Tag, den es nie gab "
            "(Excels Schaltjahr-Fehler von 1900); bitte das richtige Datum eintragen"
        ),
        "number_as_date": (
            "{value!r} ist eine Zahl, kein Datum; bitte die Spalte als Datum oder als Text "
            "JJJJ-MM-TT speichern (nur Zahlen aus XLSX werden als Excel-Datumszahlen gelesen)"
        ),
        "required": "die Zelle ist leer, diese Spalte muss aber gefüllt sein",
        "close_needs_created": (
            "der offene Deal hat kein Abschlussdatum, und es lässt sich nicht schätzen, weil "
            "auch das Erstelldatum fehlt (die Schätzung ist Erstelldatum + Median der "
            "Zykluslänge gewonnener Deals); bitte created_date oder close_date füllen"
        ),
        "not_allowed": "{value!r} ist kein zulässiger Wert; zulässig: {allowed}",
        "duplicate": (
            "{value!r} kommt mehrfach vor ({rows_word} {detail}); Werte müssen eindeutig sein"
        ),
        "below_min": "{value} liegt unter dem Minimum {detail}",
        "negative_without_credit_note": (
            "{value} ist negativ; negative Beträge sind nur in Zeilen erlaubt, "
            "die als Gutschrift markiert sind (is_credit_note = true)"
        ),
        "date_order": "{value} liegt vor {detail}; es darf nicht davor liegen",
        "won_without_customer": (
            "der Deal ist gewonnen, hat aber keine Kunden-ID; nur offene oder verlorene "
            "Deals (Interessenten) dürfen ohne sein"
        ),
        "repeated": "{sentence} ({n} {rows_word}: {rows})",
        "wrong_type": "die Spalte hat den falschen Typ ({detail})",
        "parameter": "{detail}",
        "schema": "{value!r} besteht die Prüfung {detail} nicht",
        "row_word": "Zeile",
        "rows_word": "Zeilen",
        "data_row_word": "Datenzeile",
        "data_rows_word": "Datenzeilen",
        "bom_word": "eine Byte-Order-Markierung (BOM)",
        "column_word": "Spalte",
    },
}


def _template(rule: str, lang: str) -> str:
    if lang not in MESSAGES:
        raise ValueError(f"unknown language {lang!r}; known: {', '.join(LANGUAGES)}")
    return MESSAGES[lang][rule]


SPREADSHEET_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")
"""Files whose rows the user's tool numbers: a text editor's lines, Excel's rows."""


def names_data_rows(file: str) -> bool:
    """True when ``file`` (a source label) numbers no rows itself (a Parquet file, an SQL
    source): its rows are named as 1-based data rows ("data row 4", "Datenzeile 4"), not
    as the spreadsheet rows of a CSV or XLSX file (``deals.xlsx [Sheet1]``: the file
    before the sheet); ``<DataFrame>`` keeps the spreadsheet's count (header = row 1)."""
    name = file.split(" [", 1)[0].strip().lower()
    return file != "<DataFrame>" and not name.endswith(SPREADSHEET_SUFFIXES)


def _rows_word(file: str, lang: str, plural: bool = False) -> str:
    word = "data_row" if names_data_rows(file) else "row"
    return _template(f"{word}s_word" if plural else f"{word}_word", lang)


def location(file: str, row: int | None, column: str | None, lang: str = "en") -> str:
    """The place of a problem as text: ``deals.csv, row 5, column "amount_eur"``
    (``deals.parquet, data row 4, ...``: see :func:`names_data_rows`)."""
    parts = [file]
    if row is not None:
        parts.append(f"{_rows_word(file, lang)} {row}")
    if column:
        parts.append(f'{_template("column_word", lang)} "{column}"')
    return ", ".join(parts)


def failure(
    rule: str,
    *,
    file: str,
    table: str,
    row: int | None = None,
    column: str | None = None,
    value: Any = None,
    lang: str = "en",
    **fields: Any,
) -> dict[str, Any]:
    """One failure row with its message.

    Args:
        rule: key of :data:`MESSAGES` naming the broken rule.
        file: file name (or source label) shown to the user.
        table: canonical table name.
        row: the row as the user's tool shows it (see the module), or ``None`` for
            file/column problems.
        column: column name, or ``None`` for file problems.
        value: the offending cell value.
        lang: ``en`` or ``de``.
        **fields: extra template fields (``detail``, ``allowed``, ``suggestion``...).

    Returns:
        A dict with the keys of :data:`FAILURE_COLUMNS`.
    """
    text_value = "" if value is None or (isinstance(value, float) and pd.isna(value)) else value
    if isinstance(text_value, pd.Timestamp):
        text_value = text_value.date().isoformat()
    text_value = str(text_value)
    fields.setdefault("rows_word", _rows_word(file, lang, plural=True))
    sentence = _template(rule, lang).format(value=text_value, table=table, **fields)
    return {
        "file": file,
        "table": table,
        "row": row,
        "column": column,
        "value": text_value,
        "rule": rule,
        "message": f"{location(file, row, column, lang)}: {sentence}",
    }


# rules whose failures name a cell value: the same value in many rows is one problem
REPEATABLE_RULES: frozenset[str] = frozenset(
    {
        "not_allowed",
        "not_a_number",
        "not_a_date",
        "impossible_date",
        "date_out_of_range",
        "required",
        "below_min",
        "close_needs_created",
    }
)
_FIRST_ROWS = 5


def collapse_repeats(rows: list[dict[str, Any]], lang: str = "en") -> list[dict[str, Any]]:
    """Failures of the same rule, column and value in several rows as one failure.

    The failure keeps the first row (for sorting); its message names no single row but
    the number of rows and the first :data:`_FIRST_ROWS` of them, so 1,289 rows with
    ``Gewonnen`` give one line instead of 1,289.
    """
    groups: dict[tuple, list[dict[str, Any]]] = {}
    out: list[dict[str, Any]] = []
    for item in rows:
        if item.get("rule") in REPEATABLE_RULES and item.get("row") is not None:
            key = (item["file"], item["table"], item["column"], item["rule"], item["value"])
            if key not in groups:
                groups[key] = []
                out.append(item)  # placeholder keeps the order
            groups[key].append(item)
        else:
            out.append(item)
    result = []
    for item in out:
        key = (item["file"], item["table"], item["column"], item["rule"], item["value"])
        group = groups.get(key) if item.get("rule") in REPEATABLE_RULES else None
        if not group or len(group) < 2:
            result.append(item)
            continue
        numbers = sorted(int(g["row"]) for g in group)
        listed = ", ".join(str(r) for r in numbers[:_FIRST_ROWS])
        if len(numbers) > _FIRST_ROWS:
            listed += ", …"
        prefix = location(item["file"], item["row"], item["column"], lang) + ": "
        sentence = item["message"].removeprefix(prefix)
        n = f"{len(numbers):,}".replace(",", "." if lang == "de" else ",")
        text = _template("repeated", lang).format(
            sentence=sentence, n=n, rows=listed, rows_word=_rows_word(item["file"], lang, True)
        )
        where = location(item["file"], None, item["column"], lang)
        result.append({**item, "row": numbers[0], "message": f"{where}: {text}"})
    return result


def failure_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Failure rows as a DataFrame with :data:`FAILURE_COLUMNS`, sorted by file and row."""
    frame = pd.DataFrame(list(rows), columns=FAILURE_COLUMNS)
    frame["row"] = frame["row"].astype("Int64")
    frame = frame.sort_values(["file", "row", "column"], na_position="first", kind="stable")
    return frame.reset_index(drop=True)


class DataValidationError(ValueError):
    """Input data that breaks the canonical-table contract.

    Attributes:
        failures: the failure table (columns :data:`FAILURE_COLUMNS`), one row per problem.
    """

    def __init__(self, failures: pd.DataFrame):
        self.failures = failures
        n = len(failures)
        head = "\n".join(f"  - {m}" for m in failures["message"].head(20))
        more = f"\n  ... and {n - 20} more" if n > 20 else ""
        super().__init__(f"{n} problem(s) in the input data:\n{head}{more}")
