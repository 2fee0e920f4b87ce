"""Open deals without amount in the open pipeline: estimated at load, flagged, counted.

A hand-made deals table (canonical names, no channel, region, owner or MRR column):

======  =======  =======  =========  ==========  ==========  =======
deal    product  segment  stage      created     closed      amount
======  =======  =======  =========  ==========  ==========  =======
W1      A        small    won        2025-01-05  2025-02-10    1,000
W2      A        small    won        2025-01-06  2025-02-20    2,000
W3      A        small    won        2025-02-01  2025-03-05    4,000
W4      B        small    won        2025-01-10  2025-02-01    3,000
L1      B        small    lost       2025-01-12  2025-02-15      900
O1      A        small    demo       2025-03-01  (empty)      (empty)
O2      B        small    proposal   2025-03-02  2025-04-01   (empty)
O3      A        small    negotiation 2025-03-03 2025-04-10      500
======  =======  =======  =========  ==========  ==========  =======

The estimate (``data/completion.estimate_open_deals``): the median of the won deals of
the same product and segment when there are at least 3, else of the same segment, ...

* O1 (A, small): won A/small = 1,000, 2,000, 4,000 (3 deals) → median **2,000**.
* O2 (B, small): won B/small = 3,000 only (1 < 3) → same segment: small = 1,000, 2,000,
  3,000, 4,000 → median (2,000 + 3,000) / 2 = **2,500**.
* O3 keeps its 500.

Open pipeline as of 2025-03: demo 1 deal 2,000 € (1 estimated), proposal 1 deal
2,500 € (1 estimated), negotiation 1 deal 500 € (0 estimated), qualified none; in all
3 open deals over 5,000 €, 2 of them estimated.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pandas as pd
import pytest

from planning_lib.analysis.asis import run_analysis
from planning_lib.cli.main import main
from planning_lib.data.loaders import load_dataset

DEALS = """\
deal_id,customer_id,created_date,close_date,stage,amount_eur,product,segment
W1,C1,2025-01-05,2025-02-10,won,1000,A,small
W2,C2,2025-01-06,2025-02-20,won,2000,A,small
W3,C3,2025-02-01,2025-03-05,won,4000,A,small
W4,C4,2025-01-10,2025-02-01,won,3000,B,small
L1,,2025-01-12,2025-02-15,lost,900,B,small
O1,,2025-03-01,,demo,,A,small
O2,,2025-03-02,2025-04-01,proposal,,B,small
O3,,2025-03-03,2025-04-10,negotiation,500,A,small
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "deals.csv").write_text(DEALS, encoding="utf-8")
    return data


def test_open_deals_without_amount_get_the_estimate_and_are_counted(folder: Path) -> None:
    """See the module docstring for the values."""
    tables = load_dataset(folder)
    deals = tables["deals"].set_index("deal_id")
    assert deals.loc[["O1", "O2", "O3"], "amount_eur"].tolist() == [2000.0, 2500.0, 500.0]
    assert deals.loc[["O1", "O2", "O3"], "amount_estimated"].tolist() == ["true", "true", "false"]
    a = run_analysis(tables, None, "2025-03")
    pipe = a.tables["open_pipeline"].set_index("stage")
    assert pipe["open_deals"].to_dict() == {
        "qualified": 0, "demo": 1, "proposal": 1, "negotiation": 1
    }  # fmt: skip
    assert pipe["amount_eur"].to_dict() == {
        "qualified": 0.0, "demo": 2000.0, "proposal": 2500.0, "negotiation": 500.0
    }  # fmt: skip
    assert pipe["estimated_deals"].to_dict() == {
        "qualified": 0, "demo": 1, "proposal": 1, "negotiation": 0
    }  # fmt: skip
    assert a.figures["open_pipeline_eur"] == 5000.0
    assert a.figures["open_deals_estimated"] == 2.0


def test_analyse_says_how_many_amounts_are_estimated(folder: Path, tmp_path: Path) -> None:
    """One console line (the sales summary) names the 2 estimated open deals; the CSV
    of the open pipeline carries the count per stage."""
    out = tmp_path / "out"
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        code = main(["analyse", "--data", str(folder), "--as-of", "2025-03", "--out", str(out)])
    assert code == 0
    lines = [line for line in said.getvalue().splitlines() if "geschätztem Betrag" in line]
    assert len(lines) == 1
    assert lines[0].endswith(
        "Davon 2 mit geschätztem Betrag (Median vergleichbarer gewonnener Deals; die Tabelle "
        "der offenen Pipeline zählt sie je Stufe)."
    )
    assert "Offene Pipeline Ende 2025-03: 3 Deals über 5.000\u00a0€" in lines[0]
    pipe = pd.read_csv(out / "open_pipeline.csv")
    assert pipe["estimated_deals"].tolist() == [0, 1, 1, 0]
