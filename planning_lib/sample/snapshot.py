"""Sample company, snapshots: what a CRM export shows on a given day.

The simulation knows every future date; an export on day ``S`` shows only what had
happened by then. Dates after ``S`` are blank, open deals carry a stage and an
expected close date after ``S``, subscriptions ending after ``S`` are active, and
employees leaving after ``S`` are still employed.

Two exports are cut: the history (everything up to the history end) and the actuals
of the plan year's first half (leads created in the plan year; deals created in the
plan year or still open when it started; costs and subscriptions as stated in
``data/sample/README.md``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from planning_lib.data.tables import TABLES
from planning_lib.sample.config import SampleConfig

__all__ = [
    "actuals_tables",
    "deals_as_of",
    "history_tables",
    "leads_as_of",
    "open_stage",
]

_LEAD_DATES = ("mql_date", "sql_date", "demo_date", "won_date", "lost_date")


def _canonical(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Columns in contract order (optional contract columns only when present)."""
    cols = [c.name for c in TABLES[name].columns if c.required or c.name in frame.columns]
    return frame[cols].reset_index(drop=True)


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, dt.date) and bool(pd.isna(value)))


def _blank_after(values: pd.Series, day: dt.date) -> pd.Series:
    return pd.Series(
        [None if _missing(d) or d > day else d for d in values], index=values.index, dtype=object
    )


def open_stage(demo_date: dt.date, day: dt.date) -> str:
    """Pipeline stage of a deal still open on ``day``, from its progress since the demo."""
    if demo_date > day:
        return "qualified"
    since = (day - demo_date).days
    if since < 7:
        return "demo"
    return "proposal" if since < 21 else "negotiation"


def leads_as_of(leads: pd.DataFrame, deals: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """Leads created by ``day`` with the stage dates and deal links known on ``day``."""
    out = leads[leads["created_date"] <= day].copy()
    for col in _LEAD_DATES:
        out[col] = _blank_after(out[col], day)
    opened = dict(zip(deals["deal_id"], deals["created_date"], strict=True))
    out["deal_id"] = pd.Series(
        [None if _missing(d) or opened[d] > day else d for d in out["deal_id"]],
        index=out.index,
        dtype=object,
    )
    return out


def deals_as_of(deals: pd.DataFrame, day: dt.date, rng: np.random.Generator) -> pd.DataFrame:
    """Deals created by ``day``: closed ones as won/lost, open ones with an open stage.

    An open deal's close date is the rep's expected close: the true close ± up to 10
    days, but after ``day``.
    """
    out = deals[deals["created_date"] <= day].copy()
    is_open = (out["close_date"] > day).to_numpy()
    jitter = rng.integers(-10, 11, int(is_open.sum()))
    stages, closes = [], []
    j = 0
    for row, still_open in zip(out.itertuples(index=False), is_open, strict=True):
        if still_open:
            expected = row.close_date + dt.timedelta(days=int(jitter[j]))
            j += 1
            stages.append(open_stage(row.demo_date, day))
            closes.append(max(expected, day + dt.timedelta(days=1)))
        else:
            stages.append(row.outcome)
            closes.append(row.close_date)
    out["stage"] = stages
    out["close_date"] = closes
    return out


def _subscriptions_as_of(subs: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    out = subs[subs["start_date"] <= day].copy()
    out["end_date"] = _blank_after(out["end_date"], day)
    return out.sort_values(["start_date", "customer_id"], kind="stable")


def _team_as_of(team: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    out = team[team["hire_date"] <= day].copy()
    out["exit_date"] = _blank_after(out["exit_date"], day)
    return out.sort_values("employee_id", kind="stable")


def history_tables(
    cfg: SampleConfig, truth: dict[str, Any], rng: np.random.Generator
) -> dict[str, pd.DataFrame]:
    """The CRM history export on the history end (all five canonical tables)."""
    day = cfg.history_end
    deals = deals_as_of(truth["deals"], day, rng).sort_values(
        ["created_date", "deal_id"], kind="stable"
    )
    costs = truth["costs"]
    return {
        "deals": _canonical("deals", deals),
        "leads": _canonical("leads", leads_as_of(truth["leads"], truth["deals"], day)),
        "subscriptions": _canonical(
            "subscriptions", _subscriptions_as_of(truth["subscriptions"], day)
        ),
        "costs": _canonical("costs", costs[costs["month"] <= day]),
        "headcount": _canonical("headcount", _team_as_of(truth["team"], day)),
    }


def actuals_tables(
    cfg: SampleConfig, truth: dict[str, Any], rng: np.random.Generator
) -> dict[str, pd.DataFrame]:
    """The plan-year export on the actuals end (first half of the plan year)."""
    day, start = cfg.actuals_end, cfg.plan_start
    all_deals = truth["deals"]
    touched = all_deals[(all_deals["created_date"] >= start) | (all_deals["close_date"] >= start)]
    deals = deals_as_of(touched, day, rng).sort_values(["created_date", "deal_id"], kind="stable")
    leads = truth["leads"][truth["leads"]["created_date"] >= start]
    team = _team_as_of(truth["team"], day)
    team = team[[_missing(d) or d >= start for d in team["exit_date"]]]
    costs = truth["costs"]
    return {
        "deals": _canonical("deals", deals),
        "leads": _canonical("leads", leads_as_of(leads, all_deals, day)),
        "subscriptions": _canonical(
            "subscriptions", _subscriptions_as_of(truth["subscriptions"], day)
        ),
        "costs": _canonical("costs", costs[(costs["month"] >= start) & (costs["month"] <= day)]),
        "headcount": _canonical("headcount", team),
    }
