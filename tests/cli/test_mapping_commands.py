"""``--mapping`` for ``planning analyse``, ``init`` and ``forecast`` (#13).

A German HubSpot "Alle Deals" export works end to end without a canonical copy. The
company is :mod:`tests.transactional_company` (history 2024-01..2025-12). Its deals are
written a second time as the German HubSpot interface exports them (as in
``tests/cli/test_controlling_mapping.py``): ``;``-separated, German column labels, dates
``31.01.2025``, amounts ``6.123,45``, stage labels ``Abgeschlossen und gewonnen`` /
``Verloren`` / ``Entscheidungsträger eingebracht``, no MRR column; the user mapping
``extends: hubspot`` adds ``Erstelldatum``, the one label the preset does not know.

The second method is the canonical file: each command run on the export with
``--mapping hubspot_de.yaml`` (one mapping per table; the user mapping extends the
``hubspot`` preset) must write the same bytes as on the canonical folder, and say on stderr
that it filled ``mrr_eur`` in every row.
"""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest

from planning_lib.cli import main as cli
from tests.cli.test_controlling_mapping import _german_export
from tests.transactional_company import write_transactional


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("mapping_commands")
    history = write_transactional(root / "canon")
    export = root / "export"
    export.mkdir()
    _german_export(history).to_csv(export / "deals.csv", sep=";", index=False)
    mapping = root / "hubspot_de.yaml"
    mapping.write_text(
        "extends: hubspot\ntable: deals\ncolumns:\n  created_date: [Erstelldatum]\n",
        encoding="utf-8",
    )
    return {"root": root, "history": history, "export": export, "mapping": mapping}


def _same_files(a: Path, b: Path) -> None:
    names = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert names
    for name in names:
        assert filecmp.cmp(a / name, b / name, shallow=False), name


def _fill_line(company: dict, err: str) -> None:
    n = len(company["history"])  # rows written, counted by pandas
    assert n < 1000  # no thousands separator below
    assert f"deals: mrr_eur: Spalte fehlt, in allen {n} Zeilen mit 0 gefüllt" in err, err


def _run(args: list[str]) -> int:
    return cli.main(args)


@pytest.mark.parametrize("command", ["analyse", "forecast"])
def test_analyse_and_forecast_read_the_german_export(company: dict, command: str, capsys) -> None:
    """Exit 0 on both folders; every output file byte-identical; the fill said once."""
    root = company["root"]
    canon = [command, "--data", str(root / "canon"), "--out", str(root / f"{command}_canon")]
    mapped = [command, "--data", str(company["export"]), "--mapping", str(company["mapping"]),
              "--out", str(root / f"{command}_mapped")]  # fmt: skip
    if command == "forecast":
        canon += ["--metric", "bookings", "--horizon", "6"]
        mapped += ["--metric", "bookings", "--horizon", "6"]
    assert _run(canon) == 0
    capsys.readouterr()
    assert _run(mapped) == 0
    _fill_line(company, capsys.readouterr().err)
    _same_files(root / f"{command}_canon", root / f"{command}_mapped")


def test_init_reads_the_german_export(company: dict, capsys) -> None:
    """The plan YAML written from the export equals the one from the canonical folder."""
    root = company["root"]
    canon = ["init", "--data", str(root / "canon"), "--out", str(root / "canon.yaml"),
             "--as-of", "2025-12"]  # fmt: skip
    mapped = ["init", "--data", str(company["export"]), "--mapping", str(company["mapping"]),
              "--out", str(root / "mapped.yaml"), "--as-of", "2025-12"]  # fmt: skip
    assert _run(canon) == 0
    capsys.readouterr()
    assert _run(mapped) == 0
    _fill_line(company, capsys.readouterr().err)
    assert (root / "mapped.yaml").read_bytes() == (root / "canon.yaml").read_bytes()


def test_the_preset_without_the_user_mapping_names_the_missing_create_date(
    company: dict, capsys
) -> None:
    """``--mapping hubspot`` alone does not know ``Erstelldatum``: the export has no
    created date then; analyse stops with exit 1 and names the column (no traceback)."""
    root = company["root"]
    args = ["analyse", "--data", str(company["export"]), "--mapping", "hubspot",
            "--out", str(root / "analyse_preset")]  # fmt: skip
    assert _run(args) == 1
    err = capsys.readouterr().err
    assert "created_date" in err and "Traceback" not in err, err


def test_without_mapping_the_export_is_refused(company: dict, capsys) -> None:
    """Without ``--mapping`` the German labels are no canonical columns: exit 1."""
    root = company["root"]
    args = ["init", "--data", str(company["export"]), "--out", str(root / "no_mapping.yaml")]
    assert _run(args) == 1
    assert "error:" in capsys.readouterr().err
    assert not (root / "no_mapping.yaml").exists()
