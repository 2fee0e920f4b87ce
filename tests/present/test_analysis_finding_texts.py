"""The sentences and the written record of the as-is analysis findings."""

from __future__ import annotations

import json
import math

import numpy as np

from planning_lib.analysis.findings import GENERATORS
from planning_lib.core.finding import Finding
from planning_lib.core.text_store import LABELS
from planning_lib.present.analysis_finding_texts import (
    analysis_finding_record,
    analysis_finding_text,
    findings_frame,
)

NB = "\xa0"


def _abc() -> Finding:
    return Finding(
        "abc_concentration",
        numbers={"a_customers": np.int64(20), "a_customer_share": 0.2, "a_revenue_share": 0.8},
        facts={"window_months": 12},
    )


def test_every_rule_has_its_sentence_template():
    """Each rule's code (its function name) has a German and English template."""
    for gen in GENERATORS:
        assert f"analysis_finding.{gen.__name__}" in LABELS or any(
            k.startswith(f"analysis_finding.{gen.__name__}.") for k in LABELS
        ), gen.__name__


def test_record_keeps_the_findings_json_shape():
    """``findings.json`` of ``planning analyse``: code, numbers (numpy scalars as plain
    numbers, NaN as null), text_de, text_en, in that order."""
    f = Finding(
        "churn_level",
        numbers={
            "logo_churn_rate": np.float64(0.05),
            "gross_revenue_churn_rate": math.nan,
            "lifetime_months": 20.0,
        },
        facts={"window_months": 12},
    )
    record = analysis_finding_record(f)
    assert list(record) == ["code", "numbers", "text_de", "text_en"]
    assert json.dumps(record["numbers"]) == (
        '{"logo_churn_rate": 0.05, "gross_revenue_churn_rate": null, "lifetime_months": 20.0}'
    )
    assert record["text_de"] == analysis_finding_text(f, "de")
    assert record["text_en"].startswith("Over the last 12 months 5.0% of customers")


def test_findings_frame_in_either_language():
    """One row per finding with its code and the sentence in the locale asked for."""
    de = findings_frame([_abc()])
    en = findings_frame([_abc()], "en")
    assert list(de.columns) == ["code", "text"] and list(de["code"]) == ["abc_concentration"]
    assert de["text"].iloc[0] == (
        f"20,0{NB}% der Kunden (A-Kunden) erzielen 80,0{NB}% des Umsatzes der letzten 12 Monate."
    )
    assert en["text"].iloc[0].startswith("20.0% of customers (A customers) bring 80.0%")
    assert findings_frame([]).empty and list(findings_frame([]).columns) == ["code", "text"]
