"""Views of phase 3 (``03_zielgruppen``): the rows the narrative quotes (ABC class A, best
segment)."""

from __future__ import annotations

import pandas as pd

__all__ = ["a_class", "top_segment"]


def a_class(abc_summary: pd.DataFrame) -> pd.Series:
    """The A row of the ABC summary (customer_share, revenue_share, ...)."""
    return abc_summary[abc_summary["abc_class"] == "A"].iloc[0]


def top_segment(segments: pd.DataFrame) -> pd.Series:
    """The segment ranked first by attractiveness."""
    return segments.sort_values("rank").iloc[0]
