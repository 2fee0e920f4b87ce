"""Views of phase 3 (``03_zielgruppen``): the rows the narrative quotes (ABC class A, best
segment)."""

from __future__ import annotations

import pandas as pd

from planning_lib.present.labels import text

__all__ = ["a_class", "abc_chart_title", "top_segment"]


def abc_chart_title(by_bookings: bool, locale: str = "de") -> str:
    """The ABC chart's title: the share of revenue per class, or, when the customers are
    ranked by their won deals' bookings (no subscriptions), the share of bookings
    ("Anteil am Auftragseingang"), so the title names what the bars measure."""
    return text("03.abc_chart_bookings" if by_bookings else "03.abc_chart", locale)


def a_class(abc_summary: pd.DataFrame) -> pd.Series:
    """The A row of the ABC summary (customer_share, revenue_share, ...)."""
    return abc_summary[abc_summary["abc_class"] == "A"].iloc[0]


def top_segment(segments: pd.DataFrame) -> pd.Series:
    """The segment ranked first by attractiveness."""
    return segments.sort_values("rank").iloc[0]
