"""The phase catalog, the phase functions the notebooks call, and ``open_phase``'s checks."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import nbformat
import pytest

from planning_lib.core.paths import NOTEBOOKS
from planning_lib.run.catalog import ARTIFACTS, CONSOLIDATION, PHASES, PhaseStep, step
from planning_lib.run.phase import open_phase
from planning_lib.run.phases.organisation import phase_05_organisation
from planning_lib.run.phases.ziele import phase_02_ziele

STEPS = (*PHASES, CONSOLIDATION)
STANDARD = dict(config_path="", data_path="", horizon=12, scenario="base", locale="de", seed=42)


def _parameters_cell(stem: str) -> list[str]:
    nb = nbformat.read(str(NOTEBOOKS / f"{stem}.ipynb"), as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    return cell.source.splitlines()


def _code_cells(stem: str) -> list[str]:
    nb = nbformat.read(str(NOTEBOOKS / f"{stem}.ipynb"), as_version=4)
    return [
        c.source
        for c in nb.cells
        if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])
    ]


def _upstream(s: PhaseStep) -> set[str]:
    """``s`` and every phase it waits for, directly or through another."""
    by_stem = {p.stem: p for p in STEPS}
    seen, todo = {s.stem}, list(s.requires)
    while todo:
        stem = todo.pop()
        if stem not in seen:
            seen.add(stem)
            todo.extend(by_stem[stem].requires)
    return seen


def test_catalog_names_every_phase_notebook_once_in_order() -> None:
    """The catalog's stems are exactly the notebooks ``0[1-8]_*.ipynb``, sorted by number."""
    on_disk = sorted(p.stem for p in NOTEBOOKS.glob("0[1-8]_*.ipynb"))
    assert [s.stem for s in STEPS] == on_disk
    assert [s.code for s in STEPS] == [f"{i:02d}" for i in range(1, 9)]
    assert step("07") is PHASES[6] and step("08") is CONSOLIDATION
    with pytest.raises(KeyError, match="no phase '09'"):
        step("09")


def test_a_phase_reads_only_what_it_or_a_phase_it_waits_for_writes() -> None:
    """Each artifact a phase reads is written by a phase upstream of it (or by itself).

    The consolidation reads the plans of the regions' own folders; within the catalog that
    is phase 02 of each region, which the batch runs before it (its ``requires`` is empty
    because it waits for whole regions, not one phase).
    """
    assert {a.written_by for a in ARTIFACTS} <= {s.stem for s in PHASES}
    for s in PHASES:
        for artifact in s.reads:
            assert artifact.written_by in _upstream(s), (s.stem, artifact.name)
    assert {a.written_by for a in CONSOLIDATION.reads} == {"02_ziele"}


def test_each_notebook_calls_its_phase_function_once() -> None:
    """After the parameters cell a notebook has one code cell: the import of
    ``phase_<stem>`` from ``planning_lib.run.phases.<stem without number>`` and its call."""
    for s in STEPS:
        module = s.stem[3:]
        (cell,) = _code_cells(s.stem)
        assert f"from planning_lib.run.phases.{module} import phase_{s.stem}\n" in cell
        assert cell.count(f"phase_{s.stem}(") == 1
        fn = getattr(
            importlib.import_module(f"planning_lib.run.phases.{module}"), f"phase_{s.stem}"
        )
        assert callable(fn)


def test_the_parameters_cells_of_the_eight_notebooks_are_identical() -> None:
    """Line for line the same cell in 01-07; 08 differs only by the consolidation's name as
    region default and the added ``region_dirs`` (the regions' folders, set by the batch)."""
    first = _parameters_cell(PHASES[0].stem)
    for s in PHASES[1:]:
        assert _parameters_cell(s.stem) == first, s.stem
    last = _parameters_cell(CONSOLIDATION.stem)
    assert last[1:-1] == first[1:]
    assert last[0].startswith('region: str = "Gesamt"')
    assert last[-1].startswith("region_dirs: dict = {}")


def test_bad_region_is_a_clear_error_and_leaves_no_folder(tmp_path: Path) -> None:
    """The region file ``regions/Nirgendwo.yaml`` does not exist: the error names it and the
    known regions, and the output folder is not created."""
    out = tmp_path / "out" / "Nirgendwo"
    with pytest.raises(FileNotFoundError, match=r"Nirgendwo\.yaml.*known regions: AT"):
        open_phase("01", region="Nirgendwo", output_dir=str(out), **STANDARD)
    assert not (tmp_path / "out").exists()


def test_bad_scenario_leaves_no_folder(tmp_path: Path) -> None:
    out = tmp_path / "AT"
    with pytest.raises(ValueError, match="unknown scenario 'mittel'"):
        open_phase("01", region="AT", output_dir=str(out), **(STANDARD | {"scenario": "mittel"}))
    assert not out.exists()


def test_phase_functions_run_without_a_notebook_and_keep_what_they_wrote(tmp_path: Path) -> None:
    """Phase 02 then 05 for AT, called directly: ``ph.tables`` holds exactly the tables each
    wrote through ``ph.table`` (the CSVs with its prefix; 02's plan_monthly is the plan it
    saves for later phases, written apart), ``ph.figures`` what its key-figures file holds."""
    params = STANDARD | {"region": "AT", "output_dir": str(tmp_path)}
    two = phase_02_ziele(**params)
    five = phase_05_organisation(**params)
    csvs = {p.stem for p in (tmp_path / "tables").glob("*.csv")}
    assert {f"02_{n}" for n in two.tables} == csvs - {"02_plan_monthly"} - {
        f"05_{n}" for n in five.tables
    }
    assert {f"05_{n}" for n in five.tables} == {c for c in csvs if c.startswith("05_")}
    written = json.loads((tmp_path / "key_figures" / "02_ziele.json").read_text())
    assert two.figures == written and "mrr_end" in written
    assert five.figures == {}
