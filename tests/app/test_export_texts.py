"""The cockpit export's names of changed parameters without a slider and of hires come
from the text store (``cockpit.export.*``), German and English (#13)."""

from __future__ import annotations

import inspect

from planning_lib.app import export


def test_override_names_and_hires_in_words() -> None:
    """By hand: a channel without a slider (``events``, labelled "Messen"/"Trade fairs" by
    the config) names its lead share; a target's value is "Ziel (Wert)"; two inside-sales
    hires in Q1 and one partner manager in month 5, in both languages."""
    labels = {"events": ("Messen", "Trade fairs")}
    assert export.override_label("channels.events.lead_share", "de", labels) == (
        "Lead-Anteil – Messen"
    )
    assert export.override_label("channels.events.lead_share", "en", labels) == (
        "Lead share – Trade fairs"
    )
    assert export.override_label("targets.new_customers.value", "de") == "Ziel (Wert)"
    hires = [{"role": "inside_sales", "count": 2, "quarter": 1},
             {"role": "partner_manager", "month": 5}]  # fmt: skip
    assert export._hires_text(hires, "de", None) == (
        "2 × Innendienst im Q1, 1 × Partnermanager im Monat 5"
    )
    assert export._hires_text(hires, "en", None) == (
        "2 × Inside sales in Q1, 1 × Partner manager in month 5"
    )
    source = inspect.getsource(export)
    assert "Lead-Anteil" not in source and '"Monat "' not in source
