"""Phases 1 and 3 of a data folder that holds only ``actuals/`` (#13).

A company starting its first plan year has this year's deals and no history tables yet.
Before, phase 1 stopped with "no canonical table file found" and the batch failed; now the
folder's history is empty, phase 1 says in one note (German first, English beside it) what
it cannot show and why, saves an empty analysis, and phase 3 says it has nothing to
segment. A folder with neither tables nor ``actuals/`` still stops with the same error.

The company is :mod:`tests.transactional_company` with plan-year actuals 2026-01..06;
``planning init`` plans it from the full history (as of 2025-12), the phases then read a
folder with a copy of ``actuals/`` alone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from planning_lib.cli import main as cli
from planning_lib.run import phase as phase_module
from planning_lib.run.phase import COMPANY, load_region_tables
from planning_lib.run.phases.ist_analyse import phase_01_ist_analyse
from planning_lib.run.phases.zielgruppen import phase_03_zielgruppen
from tests.transactional_company import write_with_actuals

START = {
    "01": {"de": "**Ohne Historie:** Der Datenordner hat keine Tabelle `deals`",
           "en": "**Without history:** the data folder has no table `deals`"},
    "03": {"de": "**Ohne Historie:** Phase 1 hatte keine Tabelle `deals`",
           "en": "**Without history:** phase 1 had no table `deals`"},
}  # fmt: skip


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("only_actuals")
    write_with_actuals(root / "data")
    plan = root / "plan.yaml"
    args = ["init", "--data", str(root / "data"), "--out", str(plan), "--as-of", "2025-12"]
    assert cli.main(args) == 0
    bare = root / "bare"
    shutil.copytree(root / "data" / "actuals", bare / "actuals")
    return {"plan": plan, "bare": bare, "root": root}


@pytest.mark.parametrize("locale", ["de", "en"])
def test_phase_1_and_3_say_why_instead_of_failing(
    company: dict, tmp_path: Path, monkeypatch, locale: str
) -> None:
    """Phase 1 runs; exactly one note of phase 1 and one of phase 3 start as written in
    the text store for the locale; the saved analysis is as of 2025-12 (the month before
    the plan start 2026-01, what ``init --as-of 2025-12`` wrote), with no table and the
    missing tables deals, subscriptions, leads, costs listed as skipped (the folder has
    none of them)."""
    shown: list[str] = []
    monkeypatch.setattr(
        phase_module, "display", lambda obj: shown.append(str(getattr(obj, "data", "")))
    )
    params = dict(region=COMPANY, config_path=str(company["plan"]), horizon=12,
                  data_path=str(company["bare"]), scenario="base", locale=locale, seed=42,
                  output_dir=str(tmp_path / "o"))  # fmt: skip
    one = phase_01_ist_analyse(**params)
    assert sum(s.startswith(START["01"][locale]) for s in shown) == 1, shown
    analysis = one.load_analysis()
    assert str(analysis.as_of) == "2025-12"
    assert analysis.tables == {}
    assert analysis.skipped == [("history", ("deals", "subscriptions", "leads", "costs"))]
    phase_03_zielgruppen(**params)
    assert sum(s.startswith(START["03"][locale]) for s in shown) == 1, shown


def test_the_folder_without_tables_or_actuals_still_stops(tmp_path: Path) -> None:
    """Only actuals/: no history ({}); an empty folder: the error names the folder."""
    (tmp_path / "bare" / "actuals").mkdir(parents=True)
    assert load_region_tables(tmp_path / "bare", COMPANY) == {}
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no canonical table file found"):
        load_region_tables(tmp_path / "empty", COMPANY)


def test_phase_3_without_history_shows_the_plans_segments_personas_positioning(
    company: dict, tmp_path: Path, monkeypatch
) -> None:
    """Segments, personas and positioning are in the plan file and need no history: phase
    3 shows them after its note. The plan of ``init`` gets one persona, a positioning and
    one competitor by hand; the tables equal those written out here from the same values
    (lists joined by "; ", the own company first with its German statement, no price),
    and the plan's one segment ``mid`` is named by its label, "Mittelstand (50–250)"."""
    plan = yaml.safe_load(company["plan"].read_text(encoding="utf-8"))
    plan["personas"] = [{
        "name": "Einkäuferin Eva", "age": 45, "role_de": "Einkauf", "role_en": "Purchasing",
        "goals": ["Kosten senken", "Termine halten"], "pains": ["Lieferzeiten"],
        "info_channels": ["Messe"], "segments": ["mid"], "channels": ["outbound"],
    }]  # fmt: skip
    plan["positioning"] = {"de": "Die robusteste Anlage", "en": "The sturdiest machine"}
    plan["market"]["competitors"] = [
        {"name": "Wettbewerb AG", "price_monthly_eur": 900.0, "positioning": "billig"}
    ]
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    shown: list[str] = []
    monkeypatch.setattr(
        phase_module, "display", lambda obj: shown.append(str(getattr(obj, "data", "")))
    )
    params = dict(region=COMPANY, config_path=str(path), horizon=12,
                  data_path=str(company["bare"]), scenario="base", locale="de", seed=42,
                  output_dir=str(tmp_path / "o"))  # fmt: skip
    phase_01_ist_analyse(**params)
    three = phase_03_zielgruppen(**params)
    assert sum(s.startswith(START["03"]["de"]) for s in shown) == 1
    personas = pd.DataFrame([{
        "persona": "Einkäuferin Eva", "age": 45, "role": "Einkauf",
        "goals": "Kosten senken; Termine halten", "pains": "Lieferzeiten",
        "info_channels": "Messe", "segments": "mid", "channels": "outbound",
    }])  # fmt: skip
    pd.testing.assert_frame_equal(three.tables["personas"], personas)
    positioning = pd.DataFrame({
        "provider": [plan["company"]["name"], "Wettbewerb AG"], "own": [True, False],
        "price_monthly_eur": [float("nan"), 900.0],
        "positioning": ["Die robusteste Anlage", "billig"],
    })  # fmt: skip
    pd.testing.assert_frame_equal(three.tables["positioning"], positioning)
    assert "Positionierung: *Die robusteste Anlage*" in shown
    assert [s for s in shown if s.startswith("Segmente laut Plan:")] == [
        "Segmente laut Plan: Mittelstand (50–250)."
    ]
