"""Every key figure of ``planning analyse`` names its basis: calendar year, the 12 months
up to the as-of month, or the end of the as-of month; the bookings are shown on both
bases side by side, never as one unlabelled mix.

The history is built here by hand (as-of month 2025-10, so the analysis year is 2024 and
the 12 months are 2024-11..2025-10):

=========  ========  =====  ======  ===========================
close      customer  stage  amount  in 2024 / in 2024-11..2025-10
=========  ========  =====  ======  ===========================
2024-03-10 C1        won    1,000   2024
2024-06-01 C7        lost     500   2024
2024-10-15 C2        won    2,000   2024
2024-11-20 C3        won    4,000   2024 and window
2024-12-05 C1        won    3,000   2024 and window (repeat of C1)
2025-02-10 C4        won    5,000   window
2025-03-15 C6        lost   7,000   window
2025-10-20 C2        won    8,000   window (repeat of C2)
2025-11-03 C5        won    9,000   after the as-of month: in neither
=========  ========  =====  ======  ===========================
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from planning_lib.cli import main as cli

ROWS = [
    ("D1", "C1", "2024-02-10", "2024-03-10", "won", 1000.0),
    ("D2", "C7", "2024-05-01", "2024-06-01", "lost", 500.0),
    ("D3", "C2", "2024-09-15", "2024-10-15", "won", 2000.0),
    ("D4", "C3", "2024-10-21", "2024-11-20", "won", 4000.0),
    ("D5", "C1", "2024-11-05", "2024-12-05", "won", 3000.0),
    ("D6", "C4", "2025-01-11", "2025-02-10", "won", 5000.0),
    ("D7", "C6", "2025-02-13", "2025-03-15", "lost", 7000.0),
    ("D8", "C2", "2025-09-20", "2025-10-20", "won", 8000.0),
    ("D9", "C5", "2025-10-04", "2025-11-03", "won", 9000.0),
]


def _analyse(tmp_path: Path, locale: str) -> Path:
    data, out = tmp_path / "data", tmp_path / f"out_{locale}"
    data.mkdir(exist_ok=True)
    deals = pd.DataFrame(
        ROWS,
        columns=["deal_id", "customer_id", "created_date", "close_date", "stage", "amount_eur"],
    ).assign(
        mrr_eur=0.0,
        region="Nord",
        product="Maschine",
        segment="small",
        channel="inbound",
        owner="Anna",
    )
    deals.to_csv(data / "deals.csv", index=False)
    args = ["analyse", "--data", str(data), "--as-of", "2025-10", "--out", str(out)]
    assert cli.main([*args, "--locale", locale]) == 0
    return out


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    out = _analyse(tmp_path_factory.mktemp("basis"), "de")
    kf = pd.read_csv(out / "key_figures.csv", dtype={"period": str}).set_index("figure")
    return kf


def test_bookings_on_both_bases_side_by_side(figures: pd.DataFrame) -> None:
    """Calendar year 2024: 1,000 + 2,000 + 4,000 + 3,000 = 10,000 € from 4 won deals;
    2024-11..2025-10: 4,000 + 3,000 + 5,000 + 8,000 = 20,000 € from 4 won deals (the
    2025-11 deal lies after the as-of month). The old code wrote only the 2024 pair."""
    v = figures["value"]
    assert v["year"] == 2024
    assert (v["bookings_eur"], v["won_deals"]) == pytest.approx((10000.0, 4.0))
    assert (v["bookings_eur_12m"], v["won_deals_12m"]) == pytest.approx((20000.0, 4.0))
    p = figures["period"]
    assert (p["bookings_eur"], p["won_deals"]) == ("2024", "2024")
    assert (p["bookings_eur_12m"], p["won_deals_12m"]) == ("2024-11..2025-10",) * 2
    lab = figures["label"]
    assert lab["bookings_eur"] == "Auftragseingang 2024 (Kalenderjahr)"
    assert lab["bookings_eur_12m"] == "Auftragseingang der letzten 12 Monate (2024-11..2025-10)"


def test_window_figures_rest_on_the_12_months(figures: pd.DataFrame) -> None:
    """In 2024-11..2025-10: 4 won and 1 lost deal closed → win rate 4 / 5 = 0.8; the mean
    of all 4 won deals, repeats included, (4,000 + 3,000 + 5,000 + 8,000) / 4 = 5,000 €
    (the new customers C3 and C4 alone would give 4,500 €); median cycle of the four won
    deals: 30, 30, 30, 30 days → 30. The label says all won deals, repeats included."""
    v, p, lab = figures["value"], figures["period"], figures["label"]
    assert v["win_rate"] == pytest.approx(0.8)
    assert v["avg_deal_size_eur"] == pytest.approx(5000.0)
    assert v["cycle_median_days"] == pytest.approx(30.0)
    for name in ("win_rate", "avg_deal_size_eur", "cycle_median_days", "new_customers"):
        assert p[name] == "2024-11..2025-10", name
    assert lab["avg_deal_size_eur"] == (
        "Ø Wert je gewonnenem Deal (alle Deals inkl. Wiederholungskäufe, nicht die "
        "Dealgröße des Plans, 2024-11..2025-10)"
    )
    # every figure with a value names its period, every label is filled
    valued = figures[figures["value"].notna()]
    assert valued["period"].notna().all()
    assert figures["label"].notna().all()


def test_the_plans_deal_size_first_beside_all_deals(figures: pd.DataFrame, tmp_path: Path) -> None:
    """Two deal sizes, each labelled, the plan's first. New customers (first won deal):
    C1 2024-03 1,000 €, C2 2024-10 2,000 €, C3 2024-11 4,000 €, C4 2025-02 5,000 € (C5
    closes after the as-of month). Only 2 of them in 2024-11..2025-10, fewer than 30, so
    the measurement reaches back to the first month 2024-03: (1,000 + 2,000 + 4,000 +
    5,000) / 4 = 3,000 € per new customer over 4 customers and 20 months (2024-03..
    2025-10). The mean of all won deals of the window stays 5,000 € (test above). The
    key-figure rows stand next to each other, the plan's first, and only the per-new-
    customer figure is called "Dealgröße"; the summary sentence names both in that order.
    The old code called it "Auftragswert je Neukunde", six rows after the mean."""
    v, p, lab = figures["value"], figures["period"], figures["label"]
    assert v["new_customer_deal_size_eur"] == pytest.approx(3000.0)
    assert (v["deal_size_customers"], v["deal_size_months"]) == (4.0, 20.0)
    assert p["new_customer_deal_size_eur"] == "2024-03..2025-10"
    order = list(figures.index)
    at = order.index("avg_deal_size_eur")
    assert order[at - 3 : at] == [
        "new_customer_deal_size_eur",
        "deal_size_customers",
        "deal_size_months",
    ]
    assert lab["new_customer_deal_size_eur"] == (
        "Dealgröße je Neukunde (Basis des Plans: Aufträge im ersten Monat, 2024-03..2025-10)"
    )
    assert "Dealgröße des Plans" in lab["avg_deal_size_eur"]
    assert not lab["avg_deal_size_eur"].startswith("Dealgröße")
    out = _analyse(tmp_path, "de")
    sentence = (out / "findings.txt").read_text(encoding="utf-8")
    assert (
        "Gewinnquote 80,0\u00a0%, Dealgröße je Neukunde (Basis des Plans: Aufträge im ersten "
        "Monat, 2024-03..2025-10) 3.000\u00a0€, daneben Ø Wert je gewonnenem Deal (alle Deals "
        "inkl. Wiederholungskäufe, 2024-11..2025-10) 5.000\u00a0€, Verkaufszyklus"
    ) in sentence


def test_english_labels_and_sentence(tmp_path: Path) -> None:
    """The same history in English: the labels and the finding's sentence name both
    bases (2024 calendar year: 10,000 € from 4 deals; 2024-11..2025-10: 20,000 € from 4)."""
    out = _analyse(tmp_path, "en")
    kf = pd.read_csv(out / "key_figures.csv").set_index("figure")["label"]
    assert kf["avg_deal_size_eur"] == (
        "Average value per won deal (all deals incl. repeat purchases, not the plan's deal "
        "size, 2024-11..2025-10)"
    )
    assert kf["bookings_eur"] == "Bookings 2024 (calendar year)"
    sentence = (out / "findings.txt").read_text(encoding="utf-8")
    assert (
        "- Bookings 2024 (calendar year): €10,000 from 4 won deals. Last 12 months "
        "(2024-11..2025-10): bookings €20,000 from 4 won deals, win rate 80.0%, deal size "
        "per new customer (the plan's basis: first month's bookings, 2024-03..2025-10) "
        "€3,000, beside it the average value per won deal (all deals incl. repeat purchases, "
        "2024-11..2025-10) €5,000, median sales cycle 30 days. "
        "Open pipeline at the end of 2025-10: 0 deals worth €0,"
    ) in sentence
