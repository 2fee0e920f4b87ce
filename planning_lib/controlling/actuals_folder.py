"""The actuals folder: where the actuals are, whether they cover the plan year, a region's rows.

``planning controlling --actuals DIR`` and the cockpit's Soll/Ist tab accept either the
folder of the plan year's tables or a data folder holding the history and an
``actuals/`` subfolder (``data/sample``). :func:`resolve_layout` tells the two apart,
:func:`check_actuals` stops with one line naming the expected layout when the tables
are missing or nothing falls into the plan year, and :func:`by_region` keeps one
region's rows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

__all__ = ["CONTROLLING_TABLES", "LayoutError", "by_region", "check_actuals", "resolve_layout"]

CONTROLLING_TABLES = ("leads", "deals", "subscriptions", "costs", "headcount")
"""The canonical tables the controlling reads from the actuals."""


class LayoutError(ValueError):
    """The ``--actuals`` folder does not have the layout the controlling expects."""


def _layout_hint(plan_start: dt.date) -> str:
    return (
        f"expected --actuals DIR with the plan year's tables from {plan_start.isoformat()} "
        f"({', '.join(t + '.csv' for t in CONTROLLING_TABLES)}), or a data folder holding "
        "the history and an actuals/ subfolder with them"
    )


def resolve_layout(actuals: Path, history: Path | None) -> tuple[Path, Path | None]:
    """The actuals and history folders: ``DIR/actuals`` and ``DIR`` for a data folder.

    A folder with an ``actuals/`` subfolder is a data folder (history + actuals); any
    other folder is the actuals themselves. ``history`` given explicitly stays.
    """
    sub = actuals / "actuals"
    if sub.is_dir():
        return sub, history if history is not None else actuals
    return actuals, history


def check_actuals(tables: dict[str, pd.DataFrame], folder: Path, plan_start: dt.date) -> None:
    """Stop with one line when tables are missing or nothing falls into the plan year.

    Raises:
        LayoutError: naming the folder, what is wrong and the expected layout.
    """
    missing = [t for t in CONTROLLING_TABLES if t not in tables]
    if missing:
        raise LayoutError(
            f"{folder}: table(s) {', '.join(missing)} missing; {_layout_hint(plan_start)}"
        )
    start = pd.Timestamp(plan_start)
    latest = [
        pd.to_datetime(tables["leads"]["created_date"], errors="coerce").max(),
        pd.to_datetime(tables["deals"]["close_date"], errors="coerce")
        .where(tables["deals"]["stage"].isin(["won", "lost"]))
        .max(),
        pd.to_datetime(tables["costs"]["month"], errors="coerce").max(),
    ]
    latest = [d for d in latest if pd.notna(d)]
    if not latest or max(latest) < start:
        last = f"latest date {max(latest):%Y-%m-%d}" if latest else "no dates"
        raise LayoutError(
            f"{folder}: no actuals of the plan year ({last}); {_layout_hint(plan_start)}"
        )


def by_region(tables: dict[str, pd.DataFrame], region: str | None) -> dict[str, pd.DataFrame]:
    """The rows of ``region`` in every table with a region column (all rows for None);
    tables without a region column (``headcount``) stay whole."""
    if region is None:
        return tables
    return {k: v[v["region"] == region] if "region" in v.columns else v for k, v in tables.items()}
