"""``planning batch`` through all eight notebooks for a company that has only deals.

The company is :mod:`tests.deals_only_company` (written to a temporary folder); one
region (AT) with the CloudFlow config, no ``--phases``: every notebook must end ok, phase 1
shows the deals' sales view and names what it skipped, phase 3 and phase 7 show their
notes instead of failing.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from planning_lib.cli import main as cli
from planning_lib.core.config import load_params
from planning_lib.core.paths import CONFIGS
from tests.deals_only_company import write_deals_only
from tests.e2e.report_checks import (
    codes_and_floats,
    config_code_pattern,
    notebook_markdown,
    report_folders,
    unlabelled_columns,
)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One batch of region AT over the deals-only company."""
    data = tmp_path_factory.mktemp("deals_only")
    deals = write_deals_only(data)
    out = tmp_path_factory.mktemp("reports")
    code = cli.main(
        [
            "batch",
            "--config",
            str(CONFIGS / "cloudflow.yaml"),
            "--data",
            str(data),
            "--regions",
            "AT",
            "--workers",
            "1",
            "--out",
            str(out),
            "--no-progress",
        ]
    )
    (run_dir,) = list(out.iterdir())
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    return {"code": code, "run_dir": run_dir, "manifest": manifest, "deals": deals}


def test_all_eight_notebooks_ok(run: dict) -> None:
    """Exit 0, eight notebooks of AT, each with status ok."""
    assert run["code"] == 0
    books = run["manifest"]["notebooks"]
    assert len(books) == 8
    assert {b["status"] for b in books} == {"ok"}


def test_phase_1_sales_view_and_skipped_parts(run: dict) -> None:
    """Phase 1 notes the three missing tables; its findings list the skipped parts; the
    reps table holds AT's three owners with their won deals of 2025 (closed 2025 and won,
    counted with plain pandas)."""
    at = run["run_dir"] / "AT"
    text = notebook_markdown(at / "notebooks" / "01_ist_analyse.ipynb")
    for table in ("subscriptions", "leads", "costs"):
        assert f"Die Tabelle `{table}` fehlt" in text
    findings = pd.read_csv(at / "tables" / "01_findings.csv")
    skipped = findings[findings["code"] == "skipped_analysis"]["text"]
    assert skipped.str.contains("übersprungen").all() and len(skipped) == 5
    d = run["deals"]
    won = d[(d["region"] == "AT") & (d["stage"] == "won") & d["close_date"].str.startswith("2025")]
    reps = pd.read_csv(at / "tables" / "01_sales_reps.csv").set_index("owner")
    assert sorted(reps.index) == ["AT-1", "AT-2", "AT-3"]
    assert reps["won_deals"].to_dict() == won.groupby("owner").size().to_dict()


def test_phases_3_and_7_show_notes(run: dict) -> None:
    """Phase 3 shows the ABC classes (by bookings) and skips the segments with a note;
    phase 7 has no actuals yet."""
    nbs = run["run_dir"] / "AT" / "notebooks"
    phase_3 = notebook_markdown(nbs / "03_zielgruppen.ipynb")
    assert "Segmente, Attraktivität und Persona-Bezüge übersprungen" in phase_3
    assert "der Kunden (A-Kunden) bringen" in phase_3  # the ABC classes need no costs
    assert "Noch keine Ist-Daten" in notebook_markdown(nbs / "07_controlling.ipynb")


def test_every_shown_column_has_a_label(run: dict) -> None:
    """The same rule as the sample's batch: a column of the deals' sales view (open
    pipeline, per-rep figures …) without a German/English label fails here."""
    missing = unlabelled_columns(report_folders(run["run_dir"]))
    assert not missing, f"columns without a label: {sorted(missing)}"


def test_reports_show_no_code_and_no_raw_float(run: dict) -> None:
    """No code or Python float on an HTML page or Excel sheet of a deals-only company."""
    params = load_params(CONFIGS / "cloudflow.yaml")
    found, floats = codes_and_floats(report_folders(run["run_dir"]), config_code_pattern(params))
    assert not found, f"codes without a label shown to readers: {found}"
    assert not floats, f"raw floats in reports: {floats}"


def test_phase_1_names_the_basis_of_its_bookings(run: dict) -> None:
    """History up to 2025-12 (the config's plan starts 2026-01): the calendar year 2025
    and the 12 months 2025-01..2025-12 are the same months, so both key figures of phase
    1 equal AT's won amounts closed in 2025 (plain pandas) and their count; the notebook
    names both bases and both deal sizes, each labelled: the region's per new customer
    (the config is no transactional plan) first, beside it the mean of all won deals,
    repeats included; the purchase-basis sentence after it says once that the region's
    figure is for information."""
    at = run["run_dir"] / "AT"
    d = run["deals"]
    won = d[(d["region"] == "AT") & (d["stage"] == "won") & d["close_date"].str.startswith("2025")]
    kf = json.loads((at / "key_figures" / "01_ist_analyse.json").read_text(encoding="utf-8"))
    for basis in ("last_year", "last_12_months"):
        assert kf[f"history_bookings_{basis}"] == pytest.approx(won["amount_eur"].sum(), abs=0.01)
        assert kf[f"history_won_deals_{basis}"] == len(won)
    text = notebook_markdown(at / "notebooks" / "01_ist_analyse.ipynb")
    assert "Auftragseingang 2025 (Kalenderjahr):" in text
    assert "In den letzten 12 Monaten (2025-01..2025-12):" in text
    # AT is a region of a subscription config: its deal size per new customer is its own
    # (customers whose first won deal was in AT), before the mean; "for information" is
    # said once, by the purchase-basis sentence that follows
    assert "Dealgröße je Neukunde der Region (erster gewonnener Deal in AT, " in text
    assert text.count("zur Information") == 1
    assert (
        "(Kunden mit erstem gewonnenem Deal in AT; zur Information: ein Regionsplan von "
        "planning init rechnet mit der Dealgröße des Unternehmens)"
    ) in text
    assert (
        "daneben Ø Wert je gewonnenem Deal (alle Deals inkl. Wiederholungskäufe, 2025-01..2025-12)"
    ) in text
