"""Phase 7's split of the new-customer gap: the channel named in the text, or none."""

from __future__ import annotations

import pandas as pd

from planning_lib.present.views.controlling import (
    EXECUTION_COLUMNS,
    execution_split,
    execution_widest,
)


def _row(member: str, plan: float, funnel: float, actual: float) -> dict:
    """A year-to-date new-customer variance row (the columns execution_split reads)."""
    row = dict.fromkeys(EXECUTION_COLUMNS, 0.0)
    row.pop("channel")
    row.update(
        kpi="new_customers",
        grain="ytd",
        dimension="channel" if member else "",
        member=member,
        plan=plan,
        plan_funnel=funnel,
        actual=actual,
        gap_planning=plan - funnel,
        gap_execution=funnel - actual,
    )
    return row


def test_widest_never_funded_gap_names_its_channel():
    """By hand: inbound 78,2 planned, 58,5 funded → 19,7 never funded; outbound 40,4 vs
    35,1 → 5,2; partner 26,5 vs 18,4 → 8,1: inbound is the widest."""
    rows = [
        _row("", 145.1, 112.0, 96.0),
        _row("inbound", 78.2, 58.5, 41.0),
        _row("outbound", 40.4, 35.1, 34.0),
        _row("partner", 26.5, 18.4, 21.0),
    ]
    assert execution_widest(execution_split(pd.DataFrame(rows))) == "inbound"


def test_a_region_without_new_customers_has_nothing_to_split():
    """#13 trial: Österreich (5 customers) plans no new customers and won none, so the
    variance has no new-customer row at all (nothing planned, nothing happened) and
    phase 7 stopped with KeyError 'total'. Now there is no channel to name."""
    variance = pd.DataFrame([_row("", 0.0, 0.0, 0.0)]).iloc[0:0]
    variance = pd.concat([variance, pd.DataFrame([{**_row("", 5.0, 5.0, 4.0), "kpi": "mrr"}])])
    split = execution_split(variance)
    assert split.empty
    assert execution_widest(split) is None
