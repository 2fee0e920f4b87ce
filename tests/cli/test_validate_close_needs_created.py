"""``planning validate``: an open deal without close date whose created date is missing
too cannot be estimated, and the close date's line says so (#13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from planning_lib.cli.main import main

# rows 2-4: three won deals (enough for the cycle estimate); row 5: an open deal with
# neither created nor close date; row 6: an open deal with a created date only (its close
# date is estimated, so no line for it); row 7: a lost deal without close date (not open:
# the plain "required" line stays)
CSV = (
    "deal_id,customer_id,created_date,close_date,stage,amount_eur\n"
    "D1,C1,2025-01-02,2025-01-20,won,100\n"
    "D2,C2,2025-01-02,2025-01-30,won,100\n"
    "D3,C3,2025-01-05,2025-02-20,won,100\n"
    "D4,,,,proposal,50\n"
    "D5,,2025-02-01,,demo,50\n"
    "D6,,2025-02-03,,lost,50\n"
)
WANT = {
    "de": (
        'Zeile 5, Spalte "close_date": der offene Deal hat kein Abschlussdatum, und es lässt '
        "sich nicht schätzen, weil auch das Erstelldatum fehlt",
        'Zeile 7, Spalte "close_date": die Zelle ist leer, diese Spalte muss aber gefüllt sein',
    ),
    "en": (
        'row 5, column "close_date": the open deal has no close date, and it cannot be '
        "estimated because the created date is missing too",
        'row 7, column "close_date": the cell is empty, but this column must be filled',
    ),
}


@pytest.mark.parametrize("lang", ["de", "en"])
def test_missing_created_date_is_named_as_what_prevents_the_estimate(
    tmp_path: Path, capsys, lang: str
) -> None:
    """Exit 1; row 5's close-date line names the missing created date as the reason (and
    what to fill); row 6 has no close-date line (estimated); row 7 (lost) keeps the plain
    "required" line; row 5's own created-date line stays."""
    path = tmp_path / "deals.csv"
    path.write_text(CSV, encoding="utf-8")
    assert main(["validate", str(path), "--lang", lang]) == 1
    out = capsys.readouterr().out
    blocked, lost = WANT[lang]
    lines = [ln.strip().removeprefix("- ") for ln in out.splitlines()]
    assert any(ln.startswith(blocked) and "created_date" in ln for ln in lines), out
    assert lost in lines, out
    close_lines = [ln for ln in lines if '"close_date"' in ln]
    assert len(close_lines) == 2, out  # rows 5 and 7, none for row 6
    row5 = "Zeile 5" if lang == "de" else "row 5"
    assert any(ln.startswith(row5) and '"created_date"' in ln for ln in lines), out
