"""A region's deal size per new customer is measured on the region's customers (first won
deal in the region), as ``planning init`` splits the customers and new customers over the
region files, and is labelled as the region's, for information beside the plan's basis
(the company's deal size, which ``planning init`` leaves to the base file so that the
regions' plans add up to the company's; docs/architecture.md).

Hand-made history (as of 2025-12; every deal won):

=====  ========  ==========  ======  =====================================
deal   customer  close       region  amount
=====  ========  ==========  ======  =====================================
D1     A         2025-03-10  N        1,000  A's first deal: A is N's customer
D2     B         2025-04-10  S        2,000  B's first deal: B is S's customer
D3     B         2025-04-20  N          500  B's first month, in N
D4     C         2025-05-10  N        3,000  C's first deal: C is N's customer
D5     A         2025-06-10  S        5,000  a repeat purchase of A, in S
=====  ========  ==========  ======  =====================================

Company: 3 new customers, first-month bookings 1,000 + (2,000 + 500) + 3,000 = 6,500 →
2,166.67 €. N (A, C): (1,000 + 3,000) / 2 = 2,000 €. S (B): 2,500 / 1 = 2,500 €. On the
region's rows alone N would count B as new (D3) and give (1,000 + 500 + 3,000) / 3 =
1,500 €, S would count A as new (D5) and give (2,000 + 5,000) / 2 = 3,500 €.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from planning_lib.cli import main as cli
from planning_lib.metrics.transactional import purchase_basis, region_customer_deals
from planning_lib.present.analysis_finding_texts import deal_sizes_text

AS_OF = pd.Period("2025-12", "M")
NB = "\u00a0"
ROWS = [
    ("D1", "A", "2025-02-10", "2025-03-10", "N", 1000.0),
    ("D2", "B", "2025-03-10", "2025-04-10", "S", 2000.0),
    ("D3", "B", "2025-03-20", "2025-04-20", "N", 500.0),
    ("D4", "C", "2025-04-10", "2025-05-10", "N", 3000.0),
    ("D5", "A", "2025-05-10", "2025-06-10", "S", 5000.0),
]


def _deals() -> pd.DataFrame:
    frame = pd.DataFrame(
        ROWS,
        columns=["deal_id", "customer_id", "created_date", "close_date", "region", "amount_eur"],
    )
    return frame.assign(
        stage="won", mrr_eur=0.0, product="Maschine", segment="small", channel="inbound",
        owner="Anna",
    )  # fmt: skip


def test_region_customers_are_those_of_their_first_won_deal() -> None:
    """N holds A's and C's deals (D1, D5, D4; D5 closed in S), S holds B's (D2, D3)."""
    deals = _deals()
    assert sorted(region_customer_deals(deals, "N")["deal_id"]) == ["D1", "D4", "D5"]
    assert sorted(region_customer_deals(deals, "S")["deal_id"]) == ["D2", "D3"]
    assert region_customer_deals(deals.drop(columns="region"), "N").empty


@pytest.mark.parametrize(
    ("region", "size", "customers", "rows_alone"),
    [(None, 6500.0 / 3, 3, None), ("N", 2000.0, 2, 1500.0), ("S", 2500.0, 1, 3500.0)],
)
def test_region_deal_size_by_hand(
    region: str | None, size: float, customers: int, rows_alone: float | None
) -> None:
    """The company's, N's and S's deal sizes per new customer of the module table; the
    region's rows alone give the figure the old phase 1 showed."""
    deals = _deals()
    measured = deals if region is None else region_customer_deals(deals, region)
    pb = purchase_basis(measured, AS_OF)
    assert pb.deal_size_eur == pytest.approx(size)
    assert pb.sized_customers == customers
    if rows_alone is not None:
        alone = purchase_basis(deals[deals["region"] == region], AS_OF)
        assert alone.deal_size_eur == pytest.approx(rows_alone)


def test_analyse_region_labels_the_regions_figure(tmp_path: Path) -> None:
    """``planning analyse --region N``: 2 new customers and 2,000 € per new customer
    (not 3 and 1,500 €), labelled as N's, for information; the summary names it so."""
    data = tmp_path / "data"
    data.mkdir()
    _deals().to_csv(data / "deals.csv", index=False)
    out = tmp_path / "out"
    args = ["analyse", "--data", str(data), "--as-of", "2025-12", "--region", "N"]
    assert cli.main([*args, "--out", str(out)]) == 0
    kf = pd.read_csv(out / "key_figures.csv").set_index("figure")
    assert kf.at["new_customer_deal_size_eur", "value"] == pytest.approx(2000.0)
    assert kf.at["new_customers", "value"] == 2
    label = kf.at["new_customer_deal_size_eur", "label"]
    assert label.startswith("Dealgröße je Neukunde der Region N (Kunden mit erstem gewonnenem")
    assert "zur Information: ein Regionsplan von planning init rechnet mit der des " in label
    findings = (out / "findings.txt").read_text(encoding="utf-8")
    assert (
        f"Dealgröße je Neukunde der Region (erster gewonnener Deal in N, 2025-03..2025-12; zur "
        f"Information: ein Regionsplan von planning init rechnet mit der des Unternehmens) "
        f"2.000{NB}€, daneben Ø Wert je gewonnenem Deal"
    ) in findings


def test_region_sentence_names_the_plans_deal_size_first() -> None:
    """With a plan (its deal size 2,166.67 €, the company's) the region's sentence names
    the plan's first, then N's 2,000 € for information and the mean of N's won deals
    of 2025 (D1, D3, D4: 4,500 / 3 = 1,500 €); without a region the plan's basis alone."""
    text = deal_sizes_text(2000.0, "2025-03..2025-12", 1500.0, "2025-01..2025-12", "de",
                           region="N", plan_eur=6500.0 / 3)  # fmt: skip
    assert text.startswith(
        f"Dealgröße je Neukunde laut Plan (Basis des Plans; planning init schreibt die des "
        f"Unternehmens) 2.167{NB}€, daneben zur Information die gemessene Dealgröße je "
        f"Neukunde der Region (erster gewonnener Deal in N, 2025-03..2025-12) 2.000{NB}€ "
    )
    assert text.endswith(f"(alle Deals inkl. Wiederholungskäufe, 2025-01..2025-12) 1.500{NB}€")
    company = deal_sizes_text(6500.0 / 3, "2025-03..2025-12", 1500.0, "2025-01..2025-12", "de")
    assert company.startswith("Dealgröße je Neukunde (Basis des Plans: ")
