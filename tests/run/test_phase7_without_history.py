"""Phase 7 of a transactional company whose data folder holds no deals history (#13).

Without the deals before the plan start nobody can tell a new customer from a repeat
buyer: the new/repeat figures and the new-business win rate have no actual and the status
``no_history``. The report says so in one sentence from the text store (German and
English) instead of the sentence that defines a repeat purchase "from history and actuals
together", which would claim a history that is not there.

The company is :mod:`tests.transactional_company` with plan-year actuals 2026-01..06;
phase 2 plans region DE-Nord from the full history, phase 7 then reads a data folder with
the same ``actuals/`` and only a ``headcount.csv`` (no ``deals.csv``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from planning_lib.cli import main as cli
from planning_lib.run import phase as phase_module
from planning_lib.run.phases.controlling import phase_07_controlling
from planning_lib.run.phases.ziele import phase_02_ziele
from tests.transactional_company import write_with_actuals

REGION = "DE-Nord"
UNKNOWN = ["win_rate", "bookings_new", "bookings_repeat", "repeat_purchases"]
NAMES = {
    "de": "Gewinnquote (Neugeschäft), Auftragseingang neuer Kunden, Auftragseingang aus "
    "Wiederholungskäufen, Wiederholungskäufe",
    "en": "Win rate (new business), Bookings of new customers, Bookings of repeat "
    "purchases, Repeat purchases",
}


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("phase7_no_history")
    actuals = write_with_actuals(root / "data")
    plan = root / "plan.yaml"
    args = ["init", "--data", str(root / "data"), "--out", str(plan), "--as-of", "2025-12"]
    assert cli.main([*args, "--regions"]) == 0
    bare = root / "bare"
    shutil.copytree(root / "data" / "actuals", bare / "actuals")
    (bare / "headcount.csv").write_text(
        f"employee_id,role,region,hire_date,exit_date\nE1,inside_sales,{REGION},2024-01-01,\n",
        encoding="utf-8",
    )
    return {"root": root, "plan": plan, "bare": bare, "actuals": actuals}


def _run(company: dict, data: Path, locale: str, out: Path, monkeypatch) -> tuple:
    params = dict(region=REGION, config_path=str(company["plan"]), horizon=12,
                  scenario="base", locale=locale, seed=42, output_dir=str(out))  # fmt: skip
    phase_02_ziele(**params, data_path=str(company["root"] / "data"))
    shown: list[str] = []
    monkeypatch.setattr(
        phase_module, "display", lambda obj: shown.append(str(getattr(obj, "data", "")))
    )
    seven = phase_07_controlling(**params, data_path=str(data))
    return seven, shown


@pytest.mark.parametrize(
    ("locale", "start"),
    [("de", "**Ohne Historie unbekannt:**"), ("en", "**Unknown without history:**")],
)
def test_the_report_says_why_new_and_repeat_are_unknown(
    company: dict, tmp_path: Path, monkeypatch, locale: str, start: str
) -> None:
    """Without deals history: the four figures have status ``no_history`` and no actual;
    one sentence (in the report's language) names exactly them, the repeat-purchase
    definition "(history and actuals together)" is not said. Bookings still compare:
    YTD actual = Σ amount_eur of DE-Nord's won deals closed 2026-01-01..2026-05-31
    (plain pandas; June is not complete)."""
    seven, shown = _run(company, company["bare"], locale, tmp_path / "o", monkeypatch)
    status = seven.tables["deals_status"].set_index("kpi")
    assert list(status.index[status["status"] == "no_history"]) == UNKNOWN
    assert status.loc[UNKNOWN, "actual"].isna().all()
    said = [s for s in shown if s.startswith(start)]
    assert len(said) == 1 and NAMES[locale] + " " in said[0], said
    assert not any("Historie und Ist-Daten zusammen" in s or "history and actuals" in s
                   for s in shown)  # fmt: skip
    a = company["actuals"]
    a = a[a["region"] == REGION]
    close = pd.to_datetime(a["close_date"])
    won = a[(a["stage"] == "won") & (close >= "2026-01-01") & (close <= "2026-05-31")]
    assert status.loc["bookings", "actual"] == pytest.approx(won["amount_eur"].sum())


def test_with_the_history_no_such_sentence(company: dict, tmp_path: Path, monkeypatch) -> None:
    """The full data folder (history deals.csv beside actuals/): no figure ``no_history``,
    no such sentence, the repeat-purchase definition once."""
    seven, shown = _run(company, company["root"] / "data", "de", tmp_path / "o", monkeypatch)
    assert not (seven.tables["deals_status"]["status"] == "no_history").any()
    assert not any(s.startswith("**Ohne Historie unbekannt:**") for s in shown)
    assert sum("Historie und Ist-Daten zusammen" in s for s in shown) == 1
