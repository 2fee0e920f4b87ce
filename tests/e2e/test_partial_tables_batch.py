"""``planning batch`` through all eight notebooks on partial table sets of the sample.

Issue 13 (item 3): two data folders hold only some of the sample's canonical tables,
{deals, subscriptions} and {deals, subscriptions, leads}, no ``actuals/`` (a planning
year not yet started). One region (AT), no ``--phases``: every notebook must end ok,
phase 1 names the missing tables, and the figures it shows equal the full sample's (the
analysis with every table) and, for the MRR, a count with plain pandas.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from planning_lib.analysis.asis import for_region, run_analysis
from planning_lib.cli import main as cli
from planning_lib.core.config import load_params
from planning_lib.core.paths import CONFIGS, SAMPLE_DATA
from planning_lib.data.loaders import load_dataset
from planning_lib.present.views.ist_analyse import funnel_last_12_months
from tests.e2e.report_checks import (
    codes_and_floats,
    config_code_pattern,
    notebook_markdown,
    report_folders,
    unlabelled_columns,
)

REGION = "AT"
SUBSETS = {"subs": ("subscriptions",), "subs_leads": ("subscriptions", "leads")}


@pytest.fixture(scope="module", params=sorted(SUBSETS))
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One batch of AT over a folder with deals and the subset's tables."""
    data = tmp_path_factory.mktemp(f"data_{request.param}")
    for name in ("deals", *SUBSETS[request.param]):
        shutil.copy(SAMPLE_DATA / f"{name}.csv", data / f"{name}.csv")
    out = tmp_path_factory.mktemp(f"reports_{request.param}")
    code = cli.main(
        [
            "batch",
            "--config",
            str(CONFIGS / "cloudflow.yaml"),
            "--data",
            str(data),
            "--regions",
            REGION,
            "--workers",
            "1",
            "--out",
            str(out),
            "--no-progress",
        ]
    )
    (run_dir,) = list(out.iterdir())
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    return {"subset": request.param, "code": code, "run_dir": run_dir, "manifest": manifest}


@pytest.fixture(scope="module")
def full():
    """AT's analysis with every table of the sample (the second method)."""
    tables = for_region(load_dataset(SAMPLE_DATA), REGION)
    return run_analysis(tables, load_params(CONFIGS / "cloudflow.yaml", REGION))


def _key_figures(run_dir: Path) -> dict[str, float]:
    path = run_dir / REGION / "key_figures" / "01_ist_analyse.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_all_eight_notebooks_ok(run: dict) -> None:
    """Exit 0, eight notebooks (seven of AT and the roll-up), each with status ok."""
    assert run["code"] == 0
    books = run["manifest"]["notebooks"]
    assert len(books) == 8
    assert {b["status"] for b in books} == {"ok"}


def test_phase_1_names_the_missing_tables(run: dict) -> None:
    """Phase 1 notes costs (both subsets) and leads (only where it is missing), never
    subscriptions; phase 3 skips the segmentation (costs missing), phase 7 has no actuals."""
    nbs = run["run_dir"] / REGION / "notebooks"
    text = notebook_markdown(nbs / "01_ist_analyse.ipynb")
    assert "**CAC übersprungen:** Die Tabelle `costs` fehlt" in text
    assert ("Die Tabelle `leads` fehlt" in text) == (run["subset"] == "subs")
    assert "Die Tabelle `subscriptions` fehlt" not in text
    phase_3 = notebook_markdown(nbs / "03_zielgruppen.ipynb")
    assert "Segmente, Attraktivität und Persona-Bezüge übersprungen" in phase_3
    assert "der Kunden (A-Kunden) bringen" in phase_3  # the ABC classes need no costs
    assert "Noch keine Ist-Daten" in notebook_markdown(nbs / "07_controlling.ipynb")


def test_phase_1_figures_equal_the_full_sample(run: dict, full) -> None:
    """MRR and customers at 2025-12 and the new customers of 2025 equal the full run's
    (new customers there: the CAC table's ``all`` row). Plain pandas: the MRR is the sum of
    ``mrr_eur`` of AT's subscriptions started by 2025-12-31 and not ended before 2026-01.
    With leads, the funnel table equals the one the full run's leads per month give."""
    kf = _key_figures(run["run_dir"])
    assert kf["history_mrr"] == pytest.approx(full.figures["mrr_end_eur"], rel=1e-9)
    assert kf["history_customers"] == full.figures["customers_end"]
    cac = full.tables["cac"]
    blended = cac[(cac["year"] == 2025) & (cac["channel"] == "all")]
    assert kf["history_new_customers_last_year"] == float(blended["new_customers"].iloc[0])
    subs = pd.read_csv(SAMPLE_DATA / "subscriptions.csv", keep_default_na=False)
    subs = subs[subs["region"] == REGION]
    end = pd.to_datetime(subs["end_date"].replace("", None))
    active = (pd.to_datetime(subs["start_date"]) <= "2025-12-31") & (
        end.isna() | (end >= "2026-01-01")
    )
    assert kf["history_mrr"] == pytest.approx(subs.loc[active, "mrr_eur"].sum(), rel=1e-9)
    tables = run["run_dir"] / REGION / "tables"
    if run["subset"] == "subs_leads":
        funnel = pd.read_csv(tables / "01_funnel_12m.csv")
        expected = funnel_last_12_months(full.tables["leads_by_month"])
        assert funnel["leads"].tolist() == expected["leads"].tolist()
        assert funnel["won"].tolist() == expected["won"].tolist()
    else:
        assert not (tables / "01_funnel_12m.csv").exists()


def test_every_shown_column_has_a_label(run: dict) -> None:
    """The same rule as the sample's batch, for each partial table set."""
    folders = report_folders(run["run_dir"])
    missing = unlabelled_columns(folders)
    assert not missing, f"columns without a label: {sorted(missing)}"


def test_reports_show_no_code_and_no_raw_float(run: dict) -> None:
    """No code or Python float on an HTML page or Excel sheet of a partial table set."""
    folders = report_folders(run["run_dir"])
    pattern = config_code_pattern(load_params(CONFIGS / "cloudflow.yaml"))
    found, floats = codes_and_floats(folders, pattern)
    assert not found, f"codes without a label shown to readers: {found}"
    assert not floats, f"raw floats in reports: {floats}"
