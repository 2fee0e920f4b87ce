"""``validate --write-canonical`` makes the canonical CSV while the contract checks run.

The bytes the background thread made are the ones written (not made a second time),
and they are what :func:`canonical_csv` gives without the thread (second method: the
writer on the loaded frame).
"""

from __future__ import annotations

import shutil

import planning_lib.cli.validate as validate
from planning_lib.cli.main import main
from planning_lib.cli.validate import canonical_csv
from planning_lib.core.paths import SAMPLE_DATA as SAMPLE_DIR
from planning_lib.data.loaders import load_table


def test_written_csv_comes_from_the_checks_thread(tmp_path, monkeypatch):
    folder = tmp_path / "export"
    folder.mkdir()
    shutil.copy(SAMPLE_DIR / "deals.csv", folder / "deals.csv")
    used = []
    real = validate.Prepared.write

    def spy(self, frame, stream):
        made = real(self, frame, stream)
        used.append(made)
        return made

    monkeypatch.setattr(validate.Prepared, "write", spy)
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
