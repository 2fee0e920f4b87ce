"""Lead scoring: logistic model, hold-out check, explanations, ranking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planning_lib.analysis.leadscore import brier_score, reliability_table, score_leads


def _leads(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    """Simulated leads with known log-odds: partner +1.0, log size +0.5, -0.02 per hour."""
    rng = np.random.default_rng(seed)
    channel = rng.choice(["inbound", "inbound", "partner"], n)
    size = np.exp(rng.uniform(np.log(10), np.log(500), n))
    hours = rng.uniform(0, 48, n)
    logit = -3.0 + 1.0 * (channel == "partner") + 0.5 * np.log(size) - 0.02 * hours
    won = rng.random(n) < 1 / (1 + np.exp(-logit))
    created = pd.date_range("2023-01-01", periods=n, freq="6h")
    closed = np.arange(n) < n - 20  # the newest 20 are still open
    return pd.DataFrame(
        {
            "lead_id": [f"L{i:05d}" for i in range(n)],
            "created_date": created,
            "channel": channel,
            "segment": "small",
            "region": "AT",
            "company_size": size.round().astype(int),
            "first_response_hours": hours,
            "won_date": np.where(closed & won, "2024-01-01", None),
            "lost_date": np.where(closed & ~won, "2024-01-01", None),
        }
    )


def test_brier_and_reliability_by_hand():
    assert brier_score(np.array([1, 0]), np.array([0.8, 0.4])) == pytest.approx((0.04 + 0.16) / 2)
    table = reliability_table(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.7, 0.9]), bands=2)
    assert table["leads"].tolist() == [2, 2]
    np.testing.assert_allclose(table["predicted"], [0.15, 0.8])
    np.testing.assert_allclose(table["observed"], [0.0, 1.0])


def test_model_recovers_known_effects_and_explains_them():
    result = score_leads(_leads())
    coefs = result.coefficients.set_index("term")
    assert coefs.loc["channel=partner", "odds_ratio"] == pytest.approx(np.exp(1.0), rel=0.3)
    assert coefs.loc["log_company_size", "coef"] == pytest.approx(0.5, abs=0.15)
    assert coefs.loc["first_response_hours", "coef"] == pytest.approx(-0.02, abs=0.01)
    assert coefs.loc["channel=partner", "sentence_en"].startswith("Partner leads have")
    assert "höher" in coefs.loc["channel=partner", "sentence_de"]
    assert "doubling" in coefs.loc["log_company_size", "sentence_en"]


def test_sentences_name_the_leads_in_words():
    import pandas as pd

    from planning_lib.analysis.leadscore import explain_coefficients

    terms = ["const", "channel=outbound", "segment=large", "region=CH"]
    params = pd.Series([0.0, np.log(1.35), np.log(0.5), 0.0], index=terms)
    levels = {
        "channel": ["inbound", "outbound"],
        "segment": ["small", "large"],
        "region": ["AT", "CH"],
    }
    s = explain_coefficients(params, params * 0, levels).set_index("term")
    assert s.loc["channel=outbound", "sentence_de"] == (
        "Outbound-Leads haben um 35 % höhere Abschlusschancen als Inbound-Leads."
    )
    assert s.loc["channel=outbound", "sentence_en"] == (
        "Outbound leads have 35 % higher odds of winning than inbound leads."
    )
    assert s.loc["segment=large", "sentence_de"] == (
        "Leads im Segment Groß (>250) haben um 50 % niedrigere Abschlusschancen als "
        "Leads im Segment Klein (10–49)."
    )
    assert s.loc["region=CH", "sentence_en"] == (
        "Leads from CH have 0 % higher odds of winning than leads from AT."
    )


def test_time_ordered_holdout_and_calibration_check():
    result = score_leads(_leads())
    assert result.n_train + result.n_test == 2980
    assert result.n_test == 745  # newest 25 %
    assert result.brier < result.brier_baseline  # the attributes carry information
    rel = result.reliability
    assert rel["predicted"].is_monotonic_increasing
    assert abs(rel["predicted"].mean() - rel["observed"].mean()) < 0.05


def test_open_leads_are_ranked_best_first():
    result = score_leads(_leads())
    ranked = result.ranked_open
    assert len(ranked) == 20
    assert ranked["win_probability"].is_monotonic_decreasing
    assert ranked["won_date"].isna().all()


def test_missing_column_is_named():
    with pytest.raises(KeyError, match="company_size"):
        score_leads(_leads().drop(columns="company_size"))


def test_sentences_write_numbers_in_the_sentences_language():
    """The sentences come from the text store and write their numbers as the language
    does. By hand: a company-size coefficient of log2(1.25) multiplies the odds by
    2 ** log2(1.25) = 1.25 per doubling ("1,25" German, "1.25" English, not "1.25" in
    both); a response coefficient of ln(0.9) / 24 by exp(24 * ln(0.9) / 24) = 0.90 per
    day; an odds ratio of 12.5 is (12.5 - 1) * 100 = 1,150 % higher ("1.150 %" German)."""
    import pandas as pd

    from planning_lib.analysis.leadscore import explain_coefficients

    terms = ["const", "channel=partner", "log_company_size", "first_response_hours"]
    params = pd.Series([0.0, np.log(12.5), np.log2(1.25), np.log(0.9) / 24], index=terms)
    levels = {"channel": ["inbound", "partner"]}
    s = explain_coefficients(params, params * 0, levels).set_index("term")
    assert s.loc["log_company_size", "sentence_de"] == (
        "Jede Verdopplung der Unternehmensgröße multipliziert die Abschlusschancen (Odds) mit 1,25."
    )
    assert s.loc["log_company_size", "sentence_en"] == (
        "Each doubling of company size multiplies the odds of winning by 1.25."
    )
    assert s.loc["first_response_hours", "sentence_de"].endswith("(Odds) mit 0,90.")
    assert s.loc["first_response_hours", "sentence_en"].endswith("multiplies the odds by 0.90.")
    assert s.loc["channel=partner", "sentence_de"] == (
        "Partner-Leads haben um 1.150 % höhere Abschlusschancen als Inbound-Leads."
    )
    assert s.loc["channel=partner", "sentence_en"] == (
        "Partner leads have 1,150 % higher odds of winning than inbound leads."
    )
