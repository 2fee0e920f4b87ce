"""The caveat column of rate tables: few observations, and none at all."""

from __future__ import annotations

import pandas as pd

from planning_lib.present.tables import sample_caveats


def test_a_row_without_observations_is_not_measurable():
    """A conversion table as phase 1 shows it after leads that never reached a demo:
    MQL→SQL of 168 leads (>= 30, no caveat), SQL→demo of 12 (fewer than 30: the
    few-observations caveat naming 12) and demo→won of 0 leads (no rate: not measurable,
    not "only 0 observations"), in German and English."""
    conv = pd.DataFrame(
        {"transition": ["mql_to_sql", "sql_to_demo", "demo_to_won"], "entered": [168, 12, 0]}
    )
    assert sample_caveats(conv, "01_conversion") == [
        "",
        "nur 12 Beobachtungen (unter 30): Hinweis, kein Beleg",
        "keine Beobachtung: nicht messbar",
    ]
    assert sample_caveats(conv, "01_conversion", "en")[2] == "no observation: not measurable"
