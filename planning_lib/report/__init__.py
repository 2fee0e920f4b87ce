"""Reports: labels, formatting, charts, Excel and HTML for notebooks, batch and dashboard.

The locale formatting helpers (Babel; ``de`` default, ``en``) are re-exported here.
"""

from planning_lib.report.formatting import (
    format_count,
    format_eur,
    format_month,
    format_number,
    format_percent,
)

__all__ = ["format_count", "format_eur", "format_month", "format_number", "format_percent"]
