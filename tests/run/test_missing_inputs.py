"""Phases whose inputs are missing: a note or one clear error, never a KeyError.

Issue 13 (item 3): before the plan year there is no ``actuals/`` folder, and the batch
must still get through every phase; a region of the config without rows in the data is
named with the regions the data has.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from planning_lib.core.paths import CONFIGS, SAMPLE_DATA
from planning_lib.run import phase as phase_module
from planning_lib.run.phase import RegionNotInDataError, check_region_has_rows, load_region_tables
from planning_lib.run.phases.controlling import phase_07_controlling
from planning_lib.run.phases.ziele import phase_02_ziele

STANDARD = dict(horizon=12, scenario="base", locale="de", seed=42, region="AT")


def _copy_history(target: Path) -> Path:
    """The sample's history tables (no ``actuals/`` folder) in ``target``."""
    target.mkdir()
    for f in SAMPLE_DATA.glob("*.csv"):
        shutil.copy(f, target / f.name)
    return target


def _said(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Collect the Markdown a phase shows (``ph.say``) instead of displaying it."""
    shown: list[str] = []
    monkeypatch.setattr(phase_module, "display", lambda obj: shown.append(getattr(obj, "data", "")))
    return shown


def test_a_region_without_rows_in_the_data_is_named_with_the_regions_there(tmp_path: Path) -> None:
    """The sample without AT's rows: phase 1's check names AT, the data folder and the three
    regions left (CH, DE-Nord, DE-Süd, sorted), instead of a KeyError in the analysis; the
    other phases plan from the config and do not need the region's rows."""
    data = _copy_history(tmp_path / "data")
    for f in data.glob("*.csv"):
        frame = pd.read_csv(f)
        if "region" in frame.columns:
            frame[frame["region"] != "AT"].to_csv(f, index=False)
    at = load_region_tables(data, "AT")
    assert all(len(f) == 0 for f in at.values() if "region" in f.columns)
    with pytest.raises(RegionNotInDataError) as err:
        check_region_has_rows(at, "AT", data)
    msg = str(err.value)
    assert "region 'AT' has no rows in the data" in msg
    assert str(data) in msg
    assert "regions in the data: CH, DE-Nord, DE-Süd" in msg
    check_region_has_rows(load_region_tables(data, "CH"), "CH", data)  # CH has rows: passes


def test_phase_7_before_the_plan_year_shows_a_note_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No ``actuals/`` folder (a planning year that has not started): phase 2 plans, phase 7
    shows the German note naming the five tables the controlling reads and returns without
    tables or key figures (it used to stop with ``KeyError: 'leads'``)."""
    data = _copy_history(tmp_path / "data")
    params = STANDARD | {
        "config_path": str(CONFIGS / "cloudflow.yaml"),
        "data_path": str(data),
        "output_dir": str(tmp_path / "out"),
    }
    phase_02_ziele(**params)
    shown = _said(monkeypatch)
    seven = phase_07_controlling(**params)
    assert seven.tables == {} and seven.figures == {}
    assert len(shown) == 1
    assert shown[0].startswith("## Controlling: AT\n\nNoch keine Ist-Daten für diese Region")
    assert "fehlen leads, deals, subscriptions, costs, headcount." in shown[0]
    assert not list((tmp_path / "out" / "tables").glob("07_*.csv"))


def test_phase_7_with_actuals_only_before_the_plan_year_shows_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ``actuals/`` folder holding only the history (every date before the plan start,
    January 2026 in CloudFlow's config): the note says the plan year has no actuals yet,
    from "Januar 2026" on."""
    data = _copy_history(tmp_path / "data")
    shutil.copytree(data, tmp_path / "actuals")
    shutil.move(tmp_path / "actuals", data / "actuals")
    params = STANDARD | {
        "config_path": str(CONFIGS / "cloudflow.yaml"),
        "data_path": str(data),
        "output_dir": str(tmp_path / "out"),
    }
    phase_02_ziele(**params)
    shown = _said(monkeypatch)
    seven = phase_07_controlling(**params)
    assert seven.tables == {}
    assert len(shown) == 1
    assert "enthalten für diese Region noch nichts aus dem Planjahr (ab Januar 2026)" in shown[0]
