"""`planning analyse` on a deals history of six months: every sentence and label of the
"last 12 months" names the months the history holds (#13)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from planning_lib.cli.main import main
from tests.deals_only_company import deals_only_frame


def test_six_month_deals_history_names_six_months(tmp_path, capsys):
    """The hand-made deals-only company (``tests/deals_only_company``) cut to the deals
    created from 2025-07 on, analysed as of 2025-12: the history starts in 2025-07, so
    the window is 2025-07..2025-12, 6 months (12 - 7 + 1). Plain pandas on the frame:
    bookings of that window = the won amounts closed 2025-07..2025-12; the key figure's
    period and label, the sales summary and the top rep say 6 months, in German and
    English; nothing says 12."""
    frame = deals_only_frame()
    frame = frame[frame["created_date"] >= "2025-07-01"]
    data = tmp_path / "data"
    data.mkdir()
    frame.to_csv(data / "deals.csv", index=False)
    out = tmp_path / "out"
    assert main(["analyse", "--data", str(data), "--as-of", "2025-12", "--out", str(out)]) == 0
    said = capsys.readouterr().out

    close = pd.to_datetime(frame["close_date"]).dt.to_period("M")
    won = frame[(frame["stage"] == "won") & (close >= "2025-07") & (close <= "2025-12")]
    kf = pd.read_csv(out / "key_figures.csv").set_index("figure")
    row = kf.loc["bookings_eur_12m"]
    assert row["value"] == pytest.approx(won["amount_eur"].sum(), abs=0.005)
    assert row["period"] == "2025-07..2025-12"
    assert row["label"] == "Auftragseingang der letzten 6 Monate (2025-07..2025-12)"
    assert kf.loc["won_deals_12m", "value"] == len(won)
    assert (
        kf.loc["won_deals_12m", "label"]
        == "Gewonnene Deals der letzten 6 Monate (2025-07..2025-12)"
    )

    records = {r["code"]: r for r in json.loads((out / "findings.json").read_text("utf-8"))}
    summary = records["sales_summary"]
    assert "Letzte 6 Monate (2025-07..2025-12): Auftragseingang" in summary["text_de"]
    assert "Last 6 months (2025-07..2025-12): bookings" in summary["text_en"]
    assert records["top_rep"]["text_de"].startswith("Höchster Auftragseingang der letzten 6 Monate")
    assert records["top_rep"]["text_en"].startswith("Highest bookings of the last 6 months")
    assert "letzten 12 Monate" not in said and "Letzte 12 Monate" not in said
