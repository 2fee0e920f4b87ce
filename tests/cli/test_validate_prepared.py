"""``validate --write-canonical`` formats the cells while the contract checks run.

The cells the background thread made are the ones written (not formatted a second
time), and the file is byte for byte what :func:`canonical_csv` writes without them
(second method: the writer on the loaded frame, no thread).
"""

from __future__ import annotations

import shutil

import planning_lib.cli.validate as validate
from planning_lib.cli.main import main
from planning_lib.cli.validate import canonical_csv
from planning_lib.core.paths import SAMPLE_DATA as SAMPLE_DIR
from planning_lib.data.loaders import load_table


def test_written_cells_come_from_the_checks_thread(tmp_path, monkeypatch):
    folder = tmp_path / "export"
    folder.mkdir()
    shutil.copy(SAMPLE_DIR / "deals.csv", folder / "deals.csv")
    used = []
    real = validate.Prepared.cells

    def spy(self, frame):
        cells = real(self, frame)
        used.append(cells is not None)
        return cells

    monkeypatch.setattr(validate.Prepared, "cells", spy)
    out = tmp_path / "out"
    assert main(["validate", str(folder), "--write-canonical", str(out)]) == 0
    assert used == [True]
    frame = load_table(folder / "deals.csv", "deals")
    assert (out / "deals.csv").read_bytes() == canonical_csv("deals", frame)


def test_nothing_is_prepared_without_write_canonical(tmp_path, monkeypatch):
    made = []
    monkeypatch.setattr(validate.Prepared, "__call__", lambda self, t, f: made.append(t))
    assert main(["validate", str(SAMPLE_DIR / "deals.csv")]) == 0
    assert made == []
