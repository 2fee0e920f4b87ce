"""``planning controlling`` names the folder of each fill note (#13).

The company is :mod:`tests.transactional_company` (history 2024-01..2025-12 in
``deals.csv``, actuals 2026-01..2026-06 in ``actuals/deals.csv``, plan from ``planning
init --as-of 2025-12``). Both files are written a second time without the ``mrr_eur``
column, so the loader fills it (0, one-off sales) in every row of both and says so: the
actuals' line reads ``actuals/deals: ...`` as ``planning validate`` names the file, the
history's ``deals: ...``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from planning_lib.cli import main as cli
from tests.transactional_company import write_with_actuals


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("ctl_notes")
    actuals = write_with_actuals(root / "canon")
    plan_yaml = root / "plan.yaml"
    args = ["init", "--data", str(root / "canon"), "--out", str(plan_yaml), "--as-of", "2025-12"]
    assert cli.main(args) == 0
    history = pd.read_csv(root / "canon" / "deals.csv")
    return {"root": root, "plan": plan_yaml, "actuals": actuals, "history": history}


def _without_mrr(company: dict, name: str) -> Path:
    folder = company["root"] / name
    (folder / "actuals").mkdir(parents=True)
    company["history"].drop(columns="mrr_eur").to_csv(folder / "deals.csv", index=False)
    company["actuals"].drop(columns="mrr_eur").to_csv(folder / "actuals" / "deals.csv", index=False)
    return folder


def test_the_actuals_notes_name_the_actuals_folder(company: dict, capsys) -> None:
    """Row counts from the frames written (pandas ``len``); the plan's locale is German.
    Exactly one line starts with ``actuals/deals: mrr_eur:`` and names all actuals rows,
    one with ``deals: mrr_eur:`` all history rows; no actuals line goes without its folder."""
    data = _without_mrr(company, "data")
    out = company["root"] / "out"
    args = ["controlling", "--config", str(company["plan"]), "--actuals", str(data),
            "--out", str(out)]  # fmt: skip
    assert cli.main(args) == 0
    err = capsys.readouterr().err.splitlines()
    n_act, n_hist = len(company["actuals"]), len(company["history"])
    assert n_act < 1000 and n_hist < 1000  # no thousands separator in the counts below
    act = [line for line in err if line.startswith("actuals/deals: mrr_eur:")]
    assert act == [f"actuals/deals: mrr_eur: Spalte fehlt, in allen {n_act} Zeilen mit 0 "
                   "gefüllt (kein wiederkehrender Umsatz bekannt: Einmalverkäufe; sind die "
                   "Deals Abonnements und amount_eur ihr Jahreswert, in einer eigenen Zuordnung "
                   "abbilden: computed: {mrr_eur: {from: amount_eur, divide_by: 12}})"]  # fmt: skip
    hist = [line for line in err if line.startswith("deals: mrr_eur:")]
    assert len(hist) == 1 and f"in allen {n_hist} Zeilen" in hist[0], hist


BAD_LINE = (
    "error: deals.csv, Zeile 4, Spalte \"created_date\": '31.02.2025' ist kein gültiges "
    "Kalenderdatum"
)
"""The one line: the file, the file line of the 3rd data row (header + 3), the column and
the rule (no such day), in German as the loader writes it for a German plan."""


def _bad_history(company: dict) -> Path:
    data = company["root"] / "bad_history"
    if not data.exists():
        (data / "actuals").mkdir(parents=True)
        history = company["history"].astype({"created_date": "str"})
        history.loc[2, "created_date"] = "31.02.2025"
        history.to_csv(data / "deals.csv", index=False)
        company["actuals"].to_csv(data / "actuals" / "deals.csv", index=False)
    return data


def test_a_bad_history_date_stops_controlling_with_one_line(company: dict, capsys) -> None:
    """The deals-only path (actuals: deals alone, closed in the plan year) reads the history
    too: a history ``deals.csv`` whose 3rd data row has the created date ``31.02.2025``
    (no such day) stops the command with exit 1 and exactly :data:`BAD_LINE` on stderr (no
    traceback, no heading line), and writes nothing."""
    data = _bad_history(company)
    out = company["root"] / "out_bad"
    args = ["controlling", "--config", str(company["plan"]), "--actuals", str(data),
            "--out", str(out)]  # fmt: skip
    assert cli.main(args) == 1
    assert capsys.readouterr().err.splitlines() == [BAD_LINE]
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("command", ["analyse", "init", "forecast"])
def test_a_bad_history_date_stops_every_command_with_the_same_line(
    company: dict, command: str, capsys
) -> None:
    """analyse, init and forecast read the same history: the same one line, exit 1, German
    as the plan's locale (``--locale de`` where the command has no config)."""
    data = _bad_history(company)
    out = company["root"] / f"{command}_bad"
    args = [command, "--data", str(data), "--out", str(out if command != "init" else
            company["root"] / "init_bad.yaml")]  # fmt: skip
    if command == "analyse":
        args += ["--locale", "de"]
    assert cli.main(args) == 1
    assert capsys.readouterr().err.splitlines() == [BAD_LINE]
