"""The open pipeline weighted by stage win probabilities (metrics.deals.weighted_pipeline)."""

from __future__ import annotations

import math

import pandas as pd

from planning_lib.metrics.deals import weighted_pipeline


def test_weighted_pipeline_by_hand() -> None:
    """Three open deals with a probability, one without, one won deal left out.

    qualified: inbound 100 € × 0.2 = 20 € and partner 200 € × 0.5 = 100 € → 2 deals,
    300 €, weighted 120 €, probability 120 / 300 = 0.4. demo: inbound 50 € × 0.4 = 20 €.
    proposal: outbound 80 € has no probability → counts with 0, ``unweighted_deals`` 1.
    negotiation: no deal → zeros and no probability (amount 0). The won deal is not open.
    """
    deals = pd.DataFrame(
        {
            "stage": ["qualified", "qualified", "demo", "proposal", "won"],
            "channel": ["inbound", "partner", "inbound", "outbound", "inbound"],
            "amount_eur": [100.0, 200.0, 50.0, 80.0, 999.0],
        }
    )
    probs = pd.DataFrame(
        {
            "channel": ["inbound", "partner", "inbound"],
            "stage": ["qualified", "qualified", "demo"],
            "win_probability": [0.2, 0.5, 0.4],
        }
    )
    out = weighted_pipeline(deals, probs, ("channel",)).set_index("stage")
    assert list(out.index) == ["qualified", "demo", "proposal", "negotiation"]
    assert out.loc["qualified", "open_deals"] == 2
    assert math.isclose(out.loc["qualified", "amount_eur"], 300.0)
    assert math.isclose(out.loc["qualified", "weighted_eur"], 120.0)
    assert math.isclose(out.loc["qualified", "win_probability"], 0.4)
    assert math.isclose(out.loc["demo", "weighted_eur"], 20.0)
    assert out.loc["proposal", "unweighted_deals"] == 1
    assert math.isclose(out.loc["proposal", "amount_eur"], 80.0)
    assert out.loc["proposal", "weighted_eur"] == 0.0
    assert out.loc["negotiation", "open_deals"] == 0
    assert math.isnan(out.loc["negotiation", "win_probability"])


def test_estimated_amounts_are_counted_per_stage() -> None:
    """``estimated_deals`` counts the open deals flagged ``amount_estimated`` "true"
    (written so by the loader or by ``validate --write-canonical``): qualified 1 of 2,
    demo 1 of 1, proposal 0 (flag "false"); the won deal's flag does not count. Without
    the flag column every count is 0."""
    deals = pd.DataFrame(
        {
            "stage": ["qualified", "qualified", "demo", "proposal", "won"],
            "channel": ["inbound"] * 5,
            "amount_eur": [100.0, 200.0, 50.0, 80.0, 999.0],
            "amount_estimated": ["true", "false", "true", "false", "true"],
        }
    )
    probs = pd.DataFrame({"channel": [], "stage": [], "win_probability": []})
    out = weighted_pipeline(deals, probs, ("channel",)).set_index("stage")
    assert out["estimated_deals"].tolist() == [1, 1, 0, 0]
    plain = weighted_pipeline(deals.drop(columns="amount_estimated"), probs, ("channel",))
    assert plain["estimated_deals"].tolist() == [0, 0, 0, 0]
