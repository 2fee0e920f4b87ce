"""Adjustment rules in words: the wording comes from the text store, numbers from Babel."""

from __future__ import annotations

import pandas as pd

from planning_lib.present.value_labels import _rule_label


def test_cloudflow_rules_in_german_and_english(params) -> None:
    """CloudFlow's two rules (data/configs/cloudflow.yaml): SQL→Demo conversion below 0.20
    reads "< 20,0 %" (one decimal, comma, no-break space before %); new customers below
    0.80 of plan over 3 months reads "unter 80,0 % des Plans (3 Monate)"."""
    by_metric = {r.metric: r for r in params.rules}
    conv, new = by_metric["sql_to_demo"], by_metric["new_customers"]
    assert _rule_label(conv, "de") == "Konversion SQL→Demo < 20,0\xa0%"
    assert _rule_label(new, "de") == "Neukunden unter 80,0\xa0% des Plans (3 Monate)"
    assert _rule_label(new, "en") == "New customers below 80.0% of plan (3 months)"
    above = new.model_copy(update={"comparison": "above_plan", "window_months": 1})
    assert _rule_label(above, "de") == "Neukunden über 80,0\xa0% des Plans"


def test_total_rows_read_per_dimension_and_stages_are_labelled() -> None:
    """The total row ``all`` of a region, product or owner table reads "Alle Regionen",
    "Alle Produkte", "Alle Verantwortlichen" (a deals-only company's page showed "all"
    and "Alle Kanäle" under regions); the channel total stays "Alle Kanäle". The
    canonical deal stages read in German (by hand: qualified → Qualifiziert, proposal →
    Angebot, negotiation → Verhandlung, lost → Verloren; demo stays Demo)."""
    from planning_lib.present.tables import display_table

    frame = pd.DataFrame(
        {
            "region": ["Nord", "all"],
            "product": ["Maschine", "all"],
            "owner": ["Anna Petersen", "all"],
            "channel": ["inbound", "all"],
        }
    )
    de = display_table(frame, "de")
    assert de.iloc[1].tolist() == [
        "Alle Regionen",
        "Alle Produkte",
        "Alle Verantwortlichen",
        "Alle Kanäle",
    ]
    assert de.iloc[0].tolist()[:3] == ["Nord", "Maschine", "Anna Petersen"]
    en = display_table(frame, "en")
    assert en.iloc[1].tolist() == ["All regions", "All products", "All owners", "All channels"]
    stages = ["qualified", "demo", "proposal", "negotiation", "won", "lost"]
    shown = display_table(pd.DataFrame({"stage": stages}), "de")["stage"].tolist()
    assert shown == ["Qualifiziert", "Demo", "Angebot", "Verhandlung", "Abschluss", "Verloren"]


def test_tools_row_of_the_structure_table_reads_in_words():
    """#13 trial: phase 5's table "Teams und Werkzeuge" showed its tools row as the code
    ``tools`` (views.organisation.structure_table writes that code; a plan from
    ``planning init`` has no teams, so it was the table's only row). By hand: Werkzeuge /
    Tools, as the cost category of the same name."""
    from planning_lib.present.tables import display_table
    from planning_lib.present.value_labels import value_label

    assert value_label("team", "tools", "de") == "Werkzeuge"
    assert value_label("team", "tools", "en") == "Tools"
    shown = display_table(pd.DataFrame({"team": ["tools"], "owns": [""]}), "de")
    assert shown.iloc[0, 0] == "Werkzeuge"


def test_mrr_bridge_shows_its_steps_by_name_not_code():
    """#13 trial: phase 7's MRR bridge showed a column "Baustein" with the codes opening,
    new, expansion, contraction, churn, closing beside the German names. The label
    column names each step (read from the table itself); the code column is left out
    of the display, in both languages (the CSV keeps it)."""
    from planning_lib.present.tables import display_table

    bridge = pd.DataFrame(
        {
            "component": ["opening", "new", "churn"],
            "label_de": ["MRR zu Planbeginn", "Neu-MRR", "Abwanderung (Churn)"],
            "label_en": ["MRR at plan start", "New MRR", "Churn"],
            "plan_eur": [100.0, 10.0, -5.0],
        }
    )
    de = display_table(bridge, "de")
    assert list(de.columns) == ["label", "plan_eur"]
    assert de["label"].tolist() == ["MRR zu Planbeginn", "Neu-MRR", "Abwanderung (Churn)"]
    assert list(display_table(bridge, "en").columns) == ["label", "plan_eur"]
