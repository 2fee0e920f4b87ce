"""Phase 1 and the cockpit name the periods of their year-on-year figures (#13).

Phase 1's MRR sentence said "der Umsatz wuchs im letzten Jahr"; the cockpit's forecast
line said "Vorjahr". Now the sentence names the calendar year of the growth (the last
complete calendar year up to the as-of month) and the year it is compared with, and the
CAGR's years; the forecast line names the 12 months before the plan start. Checked on the
sample (history up to 2025-12, plan start 2026-01) and with the plan start moved to
2025-07 (history up to 2025-06: the growth is then the calendar year 2024's over 2023,
while the 12 months before the plan start are 2024-07..2025-06, no calendar year).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml

from planning_lib.analysis.asis import for_region, run_analysis
from planning_lib.analysis.forecast.baseline import monthly_new_customers
from planning_lib.app.sollist_tables import forecast_summary
from planning_lib.core.config import load_params
from planning_lib.core.paths import CONFIGS, SAMPLE_DATA
from planning_lib.data.loaders import load_dataset
from planning_lib.run import phase as phase_module
from planning_lib.run.phases.ist_analyse import phase_01_ist_analyse

REGION = "AT"
NB = "\u00a0"


def _config(folder: Path, plan_start: str | None) -> Path:
    """The sample's configs, the base file's ``company.plan_start`` moved to ``plan_start``."""
    shutil.copytree(CONFIGS, folder)
    if plan_start is not None:
        path = folder / "cloudflow.yaml"
        base = yaml.safe_load(path.read_text(encoding="utf-8"))
        base["company"]["plan_start"] = plan_start
        path.write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
    return folder / "cloudflow.yaml"


def _mrr_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plan_start: str | None):
    data = tmp_path / "d"
    data.mkdir()
    for name in ("deals", "subscriptions"):
        shutil.copy(SAMPLE_DATA / f"{name}.csv", data / f"{name}.csv")
    config = _config(tmp_path / "configs", plan_start)
    shown: list[str] = []
    monkeypatch.setattr(
        phase_module, "display", lambda obj: shown.append(str(getattr(obj, "data", "")))
    )
    phase_01_ist_analyse(
        horizon=12, scenario="base", locale="de", seed=42, region=REGION,
        config_path=str(config), data_path=str(data), output_dir=str(tmp_path / "o"),
    )  # fmt: skip
    found = [s for s in shown if s.startswith("Am Ende der Historie")]
    assert len(found) == 1
    full = run_analysis(
        for_region(load_dataset(SAMPLE_DATA), REGION), load_params(config, REGION)
    )  # the second method: the analysis of every table of the region
    return found[0], full


def _pct(x: float) -> str:
    return f"{x * 100:.1f}".replace(".", ",") + f"{NB}%"


@pytest.mark.parametrize(
    ("plan_start", "as_of", "year", "before"),
    [(None, "Dezember 2025", 2025, 2024), ("2025-07-01", "Juni 2025", 2024, 2023)],
)
def test_mrr_sentence_names_the_calendar_years(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    plan_start: str | None,
    as_of: str,
    year: int,
    before: int,
) -> None:
    """As-of 2025-12: the growth is of the calendar year 2025 over 2024; as-of 2025-06:
    2025 is not complete, so the growth is 2024's over 2023 (not the 12 months up to
    2025-06). The growth and CAGR are the full analysis' values, its CAGR years end in
    the same calendar year; "im letzten Jahr" is gone."""
    sentence, full = _mrr_sentence(tmp_path, monkeypatch, plan_start)
    assert full.year == year
    first = int(full.figures["cagr_first_year"])
    assert int(full.figures["cagr_last_year"]) == year
    assert sentence.startswith(f"Am Ende der Historie ({as_of}) stehen ")
    assert (
        f"der Umsatz wuchs {year} (Kalenderjahr) gegenüber {before} um "
        f"{_pct(full.figures['revenue_yoy'])} (CAGR {first}..{year}: "
        f"{_pct(full.figures['revenue_cagr'])} pro Jahr)"
    ) in sentence
    assert "letzten Jahr" not in sentence


@pytest.mark.parametrize(
    ("plan_start", "window"),
    [(dt.date(2026, 1, 1), "2025-01..2025-12"), (dt.date(2025, 7, 1), "2024-07..2025-06")],
)
def test_forecast_line_names_the_12_months_before_the_plan_start(
    plan_start: dt.date, window: str
) -> None:
    """The cockpit's "Vorjahr" was the sum of the 12 months before the plan start
    (``NoChangeBaseline.last_year``), a calendar year only for a plan starting in
    January. Second method: the sample's won deals closed in those 12 months, counted
    with plain pandas, equal the monthly series' last 12 months; the line names the
    months."""
    deals = pd.read_csv(SAMPLE_DATA / "deals.csv", parse_dates=["close_date"])
    first, last = (pd.Period(m, "M") for m in window.split(".."))
    month = deals["close_date"].dt.to_period("M")
    counted = int(((deals["stage"] == "won") & (month >= first) & (month <= last)).sum())
    series = monthly_new_customers(deals, pd.Timestamp(plan_start))
    assert int(series.iloc[-12:].sum()) == counted
    view = SimpleNamespace(
        baseline={"expected": 650.0, "p10": 600.0, "p90": 700.0, "p99": 740.0,
                  "last_year": counted},
        target_new_customers=600.0,
        plan_start=plan_start,
    )  # fmt: skip
    line = forecast_summary(view, "de")
    n = f"{counted:,}".replace(",", ".")
    assert line.endswith(f"Ziel 600; 12 Monate vor Planstart ({window}): {n}.")
    assert "Vorjahr" not in line
