"""``planning batch``'s note on an earlier run that did not finish is the text store's
(``batch.incomplete_run*``), in the run's language (``--locale``; German by default).
The batch itself is replaced by a stand-in that reports one aborted and one unknown
earlier run and no notebook, so the test runs no notebook (#13)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

import planning_lib.cli.batch as batch_cli
from planning_lib.cli.main import main


@pytest.mark.parametrize(
    ("locale", "aborted", "unknown"),
    [
        ("de", "Hinweis: früherer Lauf {f} ist nicht abgeschlossen (abgebrochen, gestartet "
         "2026-01-02T03:04:05)", "(unbekannt, anderer Rechner, gestartet ?)"),
        ("en", "note: earlier run {f} has not finished (aborted, started 2026-01-02T03:04:05)",
         "(unknown, another host, started ?)"),
    ],
)  # fmt: skip
def test_the_note_on_an_unfinished_run_speaks_the_runs_language(
    tmp_path: Path, monkeypatch, capsys, locale: str, aborted: str, unknown: str
) -> None:
    runs = [
        {"folder": "old", "state": "aborted", "started_utc": "2026-01-02T03:04:05"},
        {"folder": "other", "state": "foreign", "started_utc": None},
        {"folder": "busy", "state": "running", "started_utc": None},  # not named
    ]
    result = SimpleNamespace(
        manifest={"incomplete_runs": runs, "run_id": "R1"}, outcomes=[], index_html="i.html",
        ok=True,
    )  # fmt: skip
    monkeypatch.setattr(batch_cli, "run_batch", lambda settings: result)
    out = tmp_path / "runs"
    assert main(["batch", "--out", str(out), "--locale", locale, "--no-progress"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "planning batch: " + aborted.format(f=out / "old"),
        next(line for line in err if line.endswith(unknown)),
    ]
    assert str(out / "other") in err[1]
