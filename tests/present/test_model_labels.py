"""The forecast engine's model codes in words on a manager's page.

Phase 1 read "Ohne Änderungen erwartet die Prognose (Comb(ETS(A,N,N)+ARIMA(0,1,1)+Theta))
…": raw codes. The sentences now name the models in words (de/en); the CSVs keep the
codes. Expected strings worked out from the text store's entries by hand.
"""

from __future__ import annotations

import pytest

from planning_lib.present.labels import forecast_model_label


@pytest.mark.parametrize(
    ("code", "de", "en"),
    [
        (
            "Comb(ETS(A,N,N)+ARIMA(0,1,1)+Theta)",
            "Mittel der Modelle exponentielle Glättung, ARIMA, Theta-Methode",
            "average of the models exponential smoothing, ARIMA, Theta method",
        ),
        (
            "ETS(A,Ad,N)",
            "Modell: exponentielle Glättung mit gedämpftem Trend",
            "model: exponential smoothing with damped trend",
        ),
        (
            "Comb(ETS(A,A,N)+SARIMA(1,0,0)(0,1,1)[12])+STL",
            "Mittel der Modelle exponentielle Glättung mit Trend, saisonales ARIMA, "
            "saisonbereinigt",
            "average of the models exponential smoothing with trend, seasonal ARIMA, "
            "seasonally adjusted",
        ),
        (
            "ETS(A,N,A)",
            "Modell: saisonale exponentielle Glättung",
            "model: seasonal exponential smoothing",
        ),
        ("SeasonalNaive", "Modell: Vorjahresmonat", "model: same month last year"),
        (
            "SBA",
            "Modell: Verfahren für unregelmäßigen Bedarf (SBA)",
            "model: method for intermittent demand (SBA)",
        ),
        # two members with the same words are named once
        (
            "Comb(ARIMA(0,1,1)+ARIMA(1,1,0))",
            "Mittel der Modelle ARIMA",
            "average of the models ARIMA",
        ),
    ],
)
def test_model_codes_in_words(code, de, en):
    assert forecast_model_label(code, "de") == de
    assert forecast_model_label(code, "en") == en


def test_no_code_is_left_in_the_words():
    """Every code the engine writes (names from analysis/forecast) leaves no bracket."""
    codes = [
        "ETS(A,N,N)",
        "ETS(A,A,N)",
        "ETS(A,Ad,N)",
        "ETS(A,Ad,A)",
        "ARIMA(2,1,2)",
        "SARIMA(0,1,1)(0,1,1)[12]",
        "Theta",
        "Naive",
        "Croston",
        "TSB",
        "Comb(ETS(A,N,N)+Theta)+STL",
    ]
    for code in codes:
        words = forecast_model_label(code, "de")
        assert "(" not in words.replace("(SBA)", "").replace("(Croston)", "").replace(
            "(TSB)", ""
        ), (code, words)


def test_the_workbook_shows_the_model_column_in_words():
    """The phase-1 forecast table's ``model`` column goes to the workbook through
    ``value_label``: words there too (the CSV keeps the code)."""
    from planning_lib.present.value_labels import value_label

    assert value_label("model", "ETS(A,N,N)", "de") == "Modell: exponentielle Glättung"
    assert value_label("model", "Theta", "en") == "model: Theta method"
