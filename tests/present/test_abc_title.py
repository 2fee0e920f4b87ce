"""The ABC chart's title names what its bars measure (#13): revenue, or for a company
whose customers are ranked by won-deal bookings (no subscriptions) the bookings
("Auftragseingang", the word the reports use for bookings: kf.bookings_total ...)."""

from __future__ import annotations

from pathlib import Path

import pytest

from planning_lib.present.views.zielgruppen import abc_chart_title
from planning_lib.run.phases import zielgruppen
from tests.run.test_zielgruppen_partial import _run


@pytest.mark.parametrize(
    ("by_bookings", "locale", "want"),
    [(True, "de", "Anteil am Auftragseingang je ABC-Klasse"),
     (True, "en", "Share of bookings per ABC class"),
     (False, "de", "Umsatzanteil je ABC-Klasse"),
     (False, "en", "Revenue share per ABC class")],
)  # fmt: skip
def test_abc_chart_title(by_bookings: bool, locale: str, want: str) -> None:
    assert abc_chart_title(by_bookings, locale) == want


@pytest.mark.parametrize(
    ("tables", "want"),
    [((), "Anteil am Auftragseingang je ABC-Klasse"),
     (("subscriptions",), "Umsatzanteil je ABC-Klasse")],
)  # fmt: skip
def test_phase_3_titles_the_chart_by_what_it_ranks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tables: tuple[str, ...], want: str
) -> None:
    """Phase 3 on the sample's region AT: deals alone rank by bookings, deals with
    subscriptions by revenue; the bar chart gets the matching title."""
    titles: list[str] = []
    real = zielgruppen.charts.bar_chart

    def spy(*args, **kwargs):
        titles.append(kwargs.get("title"))
        return real(*args, **kwargs)

    monkeypatch.setattr(zielgruppen.charts, "bar_chart", spy)
    _run(tmp_path, tables, monkeypatch)
    assert titles[0] == want
