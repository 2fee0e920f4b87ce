"""Complete exports as they come: defaults of absent optional columns, estimates for open deals.

Real CRM exports lack columns the contract needs for every row and leave the close
date and amount of open deals empty. Instead of refusing them, the loader fills

- **absent optional columns** of ``deals`` with the defaults of
  :data:`~planning_lib.data.tables.OPTIONAL_DEFAULTS` (``mrr_eur`` 0, ``segment``
  small, ``channel`` inbound, ``region``/``product``/``owner`` "unassigned");
- **the close date of an open deal** (stage qualified, demo, proposal, negotiation)
  from the historical cycle length of won deals (created -> close, in days) of its
  segment (all won deals when its segment has fewer than :data:`MIN_COMPARABLE`):
  created + median cycle, rounded up to whole days. A deal already older than that
  median (its age counted to the as-of date, the latest date in the table) gets the
  median of the won deals that took longer than its age; when none took longer, the
  as-of date;
- **the amount of an open deal** (and its ``mrr_eur`` when the column exists but is
  empty) as the median of comparable won deals: same product and segment, else same
  segment, else same product, else all won deals (first group with at least
  :data:`MIN_COMPARABLE` deals).

Estimated rows are flagged ``"true"`` in ``close_date_estimated`` / ``amount_estimated``
(:data:`~planning_lib.data.tables.ESTIMATE_FLAGS`); these columns travel into the
canonical tables ``validate --write-canonical`` writes. Every fill is returned as a
:class:`Note`, which ``planning validate`` prints as one line per column: nothing is
filled silently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from babel.numbers import format_decimal

from planning_lib.core.text_store import BABEL_LOCALES
from planning_lib.data.tables import ESTIMATE_FLAGS, OPEN_STAGES, OPTIONAL_DEFAULTS, segment_of_size

__all__ = [
    "MIN_COMPARABLE",
    "Note",
    "count_text",
    "estimate_open_deals",
    "fill_defaults",
    "render_note",
    "value_text",
]

MIN_COMPARABLE = 3


def count_text(n: int, lang: str = "en") -> str:
    """A count in a note with the language's thousands separator (Babel)."""
    return format_decimal(int(n), "#,##0", locale=BABEL_LOCALES[lang])


NOTE_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "default": "{column}: column missing, filled with {value} in all {n} rows ({why})",
        "mapping_default": (
            "{column}: column missing, filled with {value} in all {n} rows "
            "(default of mapping {why!r})"
        ),
        "computed": "{column}: column missing, computed as {why} in all {n} rows",
        "estimated_close": (
            "close_date: {n} open deal(s) without close date, estimated from the cycle "
            "length of won deals ({why}); flagged in close_date_estimated"
        ),
        "estimated_amount": (
            "{column}: {n} open deal(s) without value, estimated as the median of comparable "
            "won deals ({why}); flagged in amount_estimated"
        ),
        "blank_rows": "{n} empty row(s) skipped (rows {why})",
        "from_size": (
            "segment: column missing, derived from company_size in {n} rows (small 10-49, "
            "mid 50-250, large > 250 employees; below 10: small)"
        ),
        "why_mrr": (
            "no recurring revenue known: one-off sales; if the deals are subscriptions and "
            "amount_eur is their annual value, map it in a mapping of your own: computed: "
            "{mrr_eur: {from: amount_eur, divide_by: 12}}"
        ),
        "why_segment": "the smallest segment, 10-49 employees",
        "why_channel": "source unknown",
        "why_unassigned": "not in the export",
        "why_close": "median {days} days in {groups}",
        "why_amount": "{groups}",
    },
    "de": {
        "default": ("{column}: Spalte fehlt, in allen {n} Zeilen mit {value} gefüllt ({why})"),
        "mapping_default": (
            "{column}: Spalte fehlt, in allen {n} Zeilen mit {value} gefüllt "
            "(Vorgabe der Zuordnung {why!r})"
        ),
        "computed": "{column}: Spalte fehlt, in allen {n} Zeilen berechnet als {why}",
        "estimated_close": (
            "close_date: {n} offene(r) Deal(s) ohne Abschlussdatum, geschätzt aus der "
            "Zykluslänge gewonnener Deals ({why}); markiert in close_date_estimated"
        ),
        "estimated_amount": (
            "{column}: {n} offene(r) Deal(s) ohne Wert, geschätzt als Median vergleichbarer "
            "gewonnener Deals ({why}); markiert in amount_estimated"
        ),
        "blank_rows": "{n} leere Zeile(n) übersprungen (Zeilen {why})",
        "from_size": (
            "segment: Spalte fehlt, in {n} Zeilen aus company_size abgeleitet (small 10-49, "
            "mid 50-250, large > 250 Mitarbeitende; unter 10: small)"
        ),
        "why_mrr": (
            "kein wiederkehrender Umsatz bekannt: Einmalverkäufe; sind die Deals Abonnements "
            "und amount_eur ihr Jahreswert, in einer eigenen Zuordnung abbilden: computed: "
            "{mrr_eur: {from: amount_eur, divide_by: 12}}"
        ),
        "why_segment": "das kleinste Segment, 10-49 Mitarbeitende",
        "why_channel": "Quelle unbekannt",
        "why_unassigned": "nicht im Export",
        "why_close": "Median {days} Tage in {groups}",
        "why_amount": "{groups}",
    },
}


WORDS: dict[str, dict[str, str]] = {
    "en": {
        "segment": "segment",
        "median": "median",
        "days": "days",
        "as_of": "as of",
        "all": "all won deals",
        "same": "same",
        "and": "and",
        "product": "product",
    },
    "de": {
        "segment": "Segment",
        "median": "Median",
        "days": "Tage",
        "as_of": "Stand",
        "all": "alle gewonnenen Deals",
        "same": "gleiches",
        "and": "und",
        "product": "Produkt",
    },
}


@dataclass(frozen=True)
class Note:
    """One fill the loader made: ``kind`` (a key of :data:`NOTE_TEXT`), column, rows, why."""

    kind: str
    column: str
    n: int
    value: object = None
    why: str = ""


def value_text(value: object, lang: str = "en") -> str:
    """A filled value in a note: a number in the language's number format (Babel: 0.0 ->
    "0", 1234.5 -> "1.234,5" (de), "1,234.5" (en)), a text quoted as before ('small')."""
    if isinstance(value, int | float | np.number) and not isinstance(value, bool | np.bool_):
        return format_decimal(value, "#,##0.###", locale=BABEL_LOCALES[lang])
    return repr(value)


def render_note(note: Note, lang: str = "en") -> str:
    """The note as one line for the analyst."""
    text = NOTE_TEXT[lang]
    why = text.get(note.why, note.why) if note.why.startswith("why_") else note.why
    n = count_text(note.n, lang)
    value = value_text(note.value, lang)
    return text[note.kind].format(column=note.column, n=n, value=value, why=why)


def fill_defaults(frame: pd.DataFrame, table: str) -> tuple[pd.DataFrame, list[Note]]:
    """Absent optional columns of ``table`` filled with their documented defaults."""
    defaults = OPTIONAL_DEFAULTS.get(table, {})
    notes = []
    out = frame
    if "segment" not in frame.columns and "company_size" in frame.columns:
        sizes = frame["company_size"]
        known = sizes.notna()
        segment = pd.Series(np.nan, index=frame.index, dtype="str")
        segment[known] = [segment_of_size(float(v)) for v in sizes[known].tolist()]
        out = frame.copy()
        out["segment"] = segment
        notes.append(Note("from_size", "segment", int(known.sum())))
    for column, value in defaults.items():
        if column in frame.columns:
            continue
        if out is frame:
            out = frame.copy()
        if isinstance(value, float):
            out[column] = pd.Series(value, index=frame.index, dtype="float64")
        else:
            out[column] = pd.Series(value, index=frame.index, dtype="str")
        why = {
            "mrr_eur": "why_mrr",
            "segment": "why_segment",
            "channel": "why_channel",
        }.get(column, "why_unassigned")
        notes.append(Note("default", column, len(frame), value, why))
    return out, notes


def _as_of(frame: pd.DataFrame) -> pd.Timestamp:
    """The as-of date of a deals table: its latest created date or closed deal's close date."""
    closed = ~frame["stage"].isin(OPEN_STAGES)
    dates = [frame["created_date"].max(), frame["close_date"].where(closed).max()]
    return max(d for d in dates if pd.notna(d))


def _cycle_close(created: pd.Series, cycles: np.ndarray, as_of: pd.Timestamp) -> pd.Series:
    """Expected close dates of open deals created on ``created`` (see module docstring)."""
    median = float(np.median(cycles))
    age = (as_of - created).dt.days
    days = pd.Series(math.ceil(median), index=created.index, dtype="float64")
    out = created + pd.to_timedelta(days, unit="D")
    for value in pd.unique(age[age > median]):
        longer = cycles[cycles > value]
        at = age.eq(value)
        if len(longer):
            out[at] = created[at] + pd.Timedelta(days=math.ceil(float(np.median(longer))))
        else:
            out[at] = as_of
    return out


def _groups(frame: pd.DataFrame, keys: tuple[str, ...]) -> pd.Series:
    """A group label per row from the ``keys`` columns (one group when no keys)."""
    if not keys:
        return pd.Series("", index=frame.index, dtype="str")
    label = frame[keys[0]].astype("str")
    for key in keys[1:]:
        label = label + "\x1f" + frame[key].astype("str")
    return label


def _fill_from_won(
    target: pd.Series,
    won_values: pd.DataFrame,
    rows: pd.DataFrame,
    levels: list[tuple[str, ...]],
    words: dict[str, str],
) -> tuple[pd.Series, dict[str, int]]:
    """Medians of won deals per comparable group for the rows; the first level with
    at least MIN_COMPARABLE values (the last level: any value) wins.

    Returns:
        ``(medians indexed like rows, NaN where no won deal gives one; {level label: count})``.
    """
    result = pd.Series(np.nan, index=rows.index, dtype="float64")
    used: dict[str, int] = {}
    for i, keys in enumerate(levels):
        todo = result.isna()
        if not todo.any():
            break
        stats = won_values.groupby(_groups(won_values, keys))[target.name].agg(["median", "size"])
        least = 1 if i == len(levels) - 1 else MIN_COMPARABLE
        stats = stats[stats["size"] >= least]
        hit = _groups(rows[todo], keys).map(stats["median"])
        hit = hit[hit.notna()]
        if len(hit):
            result[hit.index] = hit
            named = f" {words['and']} ".join(words[k] for k in keys)
            label = f"{words['same']} {named}" if keys else words["all"]
            used[label] = len(hit)
    return result, used


def estimate_open_deals(frame: pd.DataFrame, lang: str = "en") -> tuple[pd.DataFrame, list[Note]]:
    """Close date and amount of open deals estimated from won deals (see module docstring).

    Args:
        frame: the parsed deals (canonical column names and types).
        lang: language of the notes' details, ``en`` or ``de``.

    Returns:
        ``(frame with estimates and flag columns, notes)``; the frame unchanged when no
        open deal lacks a close date or amount.
    """
    needed = {"stage", "created_date", "close_date", "amount_eur"}
    if not needed <= set(frame.columns) or frame.empty:
        return frame, []
    is_open = frame["stage"].isin(OPEN_STAGES)
    mrr = "mrr_eur" in frame.columns
    value_columns = ["amount_eur", *(["mrr_eur"] if mrr else [])]
    need_close = is_open & frame["close_date"].isna() & frame["created_date"].notna()
    need_value = {c: is_open & frame[c].isna() for c in value_columns}
    if not (need_close.any() or any(m.any() for m in need_value.values())):
        return frame, []
    out = frame.copy()
    notes: list[Note] = []
    words = WORDS[lang]
    won = frame[frame["stage"].eq("won")]
    dims = tuple(c for c in ("product", "segment") if c in frame.columns)
    if need_close.any():
        cycle = (won["close_date"] - won["created_date"]).dt.days.astype("float64")
        won_cycles = won.assign(cycle=cycle)[cycle.notna()]
        as_of = _as_of(frame)
        keys = ("segment",) if "segment" in dims else ()
        # each group's cycles (iterated: pandas' get_group misses a one-row group of
        # text keys)
        by_group = {
            label: part.to_numpy()
            for label, part in won_cycles.groupby(_groups(won_cycles, keys))["cycle"]
        }
        rows = frame[need_close]
        labels = _groups(rows, keys)
        parts = []
        for label, index in rows.groupby(labels).groups.items():
            cycles = by_group.get(label)
            scope = f"{words['segment']} {label}" if keys else words["all"]
            if cycles is None or len(cycles) < MIN_COMPARABLE:
                cycles, scope = won_cycles["cycle"].to_numpy(), words["all"]
            if not len(cycles):
                continue
            created = rows.loc[index, "created_date"]
            out.loc[index, "close_date"] = _cycle_close(created, cycles, as_of)
            days = math.ceil(float(np.median(cycles)))
            parts.append(f"{scope}: {words['median']} {count_text(days, lang)} {words['days']}")
        done = need_close & out["close_date"].notna()
        if done.any():
            why = "; ".join(dict.fromkeys(parts)) + f"; {words['as_of']} {as_of.date().isoformat()}"
            notes.append(Note("estimated_close", "close_date", int(done.sum()), why=why))
            out[ESTIMATE_FLAGS["close_date"]] = pd.Series(
                np.where(done, "true", "false"), index=out.index, dtype="str"
            )
    levels = [dims, *[(d,) for d in reversed(dims)], ()]
    levels = list(dict.fromkeys(levels))
    flagged = pd.Series(False, index=frame.index)
    for column, missing in need_value.items():
        if not missing.any():
            continue
        won_values = won[won[column].notna()]
        medians, used = _fill_from_won(
            won_values[column], won_values, frame[missing], levels, words
        )
        medians = medians.dropna()
        if not len(medians):
            continue
        out.loc[medians.index, column] = medians
        flagged[medians.index] = True
        why = ", ".join(f"{k}: {count_text(v, lang)}" for k, v in used.items())
        notes.append(Note("estimated_amount", column, len(medians), why=why))
    if flagged.any():
        out[ESTIMATE_FLAGS["amount_eur"]] = pd.Series(
            np.where(flagged, "true", "false"), index=out.index, dtype="str"
        )
    return out, notes
