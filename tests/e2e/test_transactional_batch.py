"""``planning batch`` of a transactional plan shows bookings, not MRR rows of zeros (#13 item 4).

The company is :mod:`tests.transactional_company` (deals only, one-off sales and repeat
purchases, region DE-Nord), calibrated with ``planning init --regions`` (the business
model follows from the data: transactional, no MRR) and run through all notebooks with
the consolidation. Each figure is checked against the plan's own monthly table
(``02_plan_monthly.csv``) summed with plain pandas.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from planning_lib.cli import main as cli
from planning_lib.core.config import load_params
from tests.e2e.report_checks import (
    codes_and_floats,
    config_code_pattern,
    report_folders,
    unlabelled_columns,
)
from tests.transactional_company import write_transactional

MRR_WORDS = ("MRR", "ARR", "NRR")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("transactional")
    write_transactional(root / "data")
    plan_yaml = root / "plan.yaml"
    init = cli.main(["init", "--data", str(root / "data"), "--out", str(plan_yaml), "--regions"])
    code = cli.main(
        [
            "batch",
            "--config",
            str(plan_yaml),
            "--data",
            str(root / "data"),
            "--regions",
            "all",
            "--workers",
            "1",
            "--out",
            str(root / "reports"),
            "--no-progress",
        ]
    )
    (run_dir,) = list((root / "reports").iterdir())
    return {"codes": (init, code), "run_dir": run_dir, "plan_yaml": plan_yaml}


def _rows(path: Path) -> dict[str, list[str]]:
    """Sheet → the first cell of each row (the row labels)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    return {
        ws.title: [str(r[0]) for r in ws.iter_rows(values_only=True) if r and r[0] is not None]
        for ws in wb.worksheets
    }


def _bookings(run_dir: Path) -> float:
    monthly = pd.read_csv(run_dir / "DE-Nord" / "tables" / "02_plan_monthly.csv")
    return float(monthly.loc[monthly["line_item"] == "bookings", "value"].sum())


def test_every_notebook_ok(run: dict) -> None:
    assert run["codes"] == (0, 0)
    manifest = json.loads((run["run_dir"] / "manifest.json").read_text(encoding="utf-8"))
    assert {nb["status"] for nb in manifest["notebooks"]} == {"ok"}


@pytest.mark.parametrize("book", ["DE-Nord/plan_DE-Nord.xlsx", "_konsolidierung/plan_Gesamt.xlsx"])
def test_no_mrr_row_in_the_plan_sheets(run: dict, book: str) -> None:
    """The monthly plan, the cover and the consolidation list no MRR/ARR/NRR row; the
    monthly plan has the bookings rows instead."""
    rows = _rows(run["run_dir"] / book)
    for sheet in ("Monatsplan", "Übersicht", "Konsolidierung"):
        assert not [r for r in rows.get(sheet, []) if any(w in r for w in MRR_WORDS)], sheet
    assert "Aufträge (Einmalumsatz)" in rows["Monatsplan"]
    assert "Aufträge (Einmalumsatz)" in rows["Übersicht"]


def test_key_figures_are_the_plans_bookings(run: dict) -> None:
    """Phase 2's and the consolidation's key figures: bookings = Σ of the monthly
    ``bookings`` line (pandas), new + repeat = total, no MRR figure."""
    want = _bookings(run["run_dir"])
    for path in (
        "DE-Nord/key_figures/02_ziele.json",
        "_konsolidierung/key_figures/08_konsolidierung.json",
    ):
        kf = json.loads((run["run_dir"] / path).read_text(encoding="utf-8"))
        assert not {"mrr_start", "mrr_end", "arr_end"} & set(kf), path
        assert kf["bookings_total"] == pytest.approx(want)
        assert kf["bookings_new_total"] + kf["bookings_repeat_total"] == pytest.approx(want)


def test_phase_2_shows_bookings_not_mrr(run: dict) -> None:
    """Phase 2 draws the bookings (no MRR chart) and its bases table has bookings and no
    MRR column; the consolidation draws the summed bookings."""
    region = run["run_dir"] / "DE-Nord"
    assert (region / "charts" / "02_bookings_plan.png").exists()
    assert not (region / "charts" / "02_mrr_plan.png").exists()
    bases = pd.read_csv(region / "tables" / "02_bases.csv")
    assert "mrr_end_eur" not in bases
    target = bases.set_index("basis").loc["target", "bookings_total_eur"]
    assert target == pytest.approx(_bookings(run["run_dir"]))  # the plan is on the target
    company = run["run_dir"] / "_konsolidierung" / "charts"
    assert (company / "08_bookings.png").exists() and not (company / "08_mrr.png").exists()


def test_every_shown_column_has_a_label(run: dict) -> None:
    """The same rule as the sample's batch: a column of a transactional table without a
    German/English label fails here (report_checks.unlabelled_columns)."""
    missing = unlabelled_columns(report_folders(run["run_dir"]))
    assert not missing, f"columns without a label: {sorted(missing)}"


def test_reports_show_no_code_and_no_raw_float(run: dict) -> None:
    """No code (``bookings_new_total``) or Python float on an HTML page or Excel sheet
    of a transactional company (report_checks.codes_and_floats)."""
    params = load_params(run["plan_yaml"])
    found, floats = codes_and_floats(report_folders(run["run_dir"]), config_code_pattern(params))
    assert not found, f"codes without a label shown to readers: {found}"
    assert not floats, f"raw floats in reports: {floats}"
