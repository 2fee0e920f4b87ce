"""The loader's fill notes write counts with the language's thousands separator (#13).

A new user's deals export of 4,089 rows was told "in allen 4089 Zeilen"; German output
must read "4.089", English "4,089".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from planning_lib.cli.common import say_filled
from planning_lib.data.completion import Note, render_note
from planning_lib.data.loaders import load_table

# The export below, counted by hand: 2,000 won + 1,089 lost + 1,000 open = 4,089 rows;
# the 1,000 open deals have neither close date nor amount.
WON, LOST, OPEN = 2000, 1089, 1000


def _export(path: Path) -> Path:
    lines = ["deal_id,customer_id,created_date,close_date,stage,amount_eur"]
    lines += [f"W{i},C{i},2025-01-01,2025-01-31,won,1000" for i in range(WON)]
    lines += [f"L{i},,2025-01-01,2025-01-21,lost,900" for i in range(LOST)]
    lines += [f"O{i},,2025-01-10,,proposal," for i in range(OPEN)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("lang", "rows", "open_"), [("de", "4.089", "1.000"), ("en", "4,089", "1,000")]
)
def test_counts_in_the_notes_have_thousands_separators(
    tmp_path: Path, lang: str, rows: str, open_: str, capsys
) -> None:
    """Each default fills all 4,089 rows; the close date and the amount are estimated for
    the 1,000 open deals; the amount from the won deals (no product or segment to compare
    by: the last level, all won deals, names the 1,000 rows it filled). The same lines
    reach the console through ``cli/common.say_filled``."""
    frame = load_table(_export(tmp_path / "deals.csv"), "deals", lang=lang)
    notes = frame.attrs["notes"]
    assert len(frame) == WON + LOST + OPEN
    fills = [n for n in notes if n.startswith(("segment:", "channel:", "region:", "mrr_eur:"))]
    assert len(fills) == 4
    phrase = f"in allen {rows} Zeilen" if lang == "de" else f"in all {rows} rows"
    assert all(phrase in n for n in fills), fills
    close = next(n for n in notes if n.startswith("close_date:"))
    assert close.startswith(f"close_date: {open_} ")
    amount = next(n for n in notes if n.startswith("amount_eur:"))
    assert amount.startswith(f"amount_eur: {open_} ")
    assert amount.endswith(
        f": {open_}); "
        + ("markiert in amount_estimated" if lang == "de" else "flagged in amount_estimated")
    )
    say_filled({"deals": frame})
    err = capsys.readouterr().err.splitlines()
    assert err == [f"deals: {n}" for n in notes]
    assert not any("4089" in line or "1000 " in line for line in err)


def test_render_note_groups_large_counts_only() -> None:
    """``render_note``: 7 rows stay "7"; 12,345 open deals read "12.345" / "12,345"."""
    note = Note("default", "segment", 7, "small", "why_segment")
    assert render_note(note, "de").startswith("segment: Spalte fehlt, in allen 7 Zeilen")
    note = Note("estimated_close", "close_date", 12345, why="x")
    assert render_note(note, "de").startswith("close_date: 12.345 offene(r) Deal(s)")
    assert render_note(note, "en").startswith("close_date: 12,345 open deal(s)")


@pytest.mark.parametrize(
    ("lang", "zero", "big"),
    [("de", "mit 0 gefüllt", "1.234,5"), ("en", "filled with 0 ", "1,234.5")],
)
def test_filled_numbers_in_the_language_s_number_format(
    tmp_path: Path, lang: str, zero: str, big: str
) -> None:
    """A deals export without ``mrr_eur`` is filled with the default 0.0 (one-off sales):
    the note reads "0" in either language, never Python's "0.0"; a filled 1234.5 reads
    "1.234,5" in German (``.`` groups, ``,`` decimals) and "1,234.5" in English. Texts keep
    their quotes ('small'). Expected strings written out by hand from the two number
    conventions."""
    frame = load_table(_export(tmp_path / "deals.csv"), "deals", lang=lang)
    mrr = next(n for n in frame.attrs["notes"] if n.startswith("mrr_eur:"))
    assert zero in mrr, mrr
    assert "0.0" not in mrr
    note = Note("default", "price_eur", 3, 1234.5, "why_unassigned")
    assert f" {big} " in render_note(note, lang)
    note = Note("default", "segment", 3, "small", "why_segment")
    assert " 'small' " in render_note(note, lang)
