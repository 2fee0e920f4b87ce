"""``planning batch`` of a transactional company with plan-year actuals: phase 7 compares
the deals (#13 items 3, 4).

The company is :mod:`tests.transactional_company` with ``actuals/deals.csv`` of
2026-01..2026-06 (:func:`tests.transactional_company.write_with_actuals`), the plan from
``planning init --as-of 2025-12 --regions``; one region (DE-Nord), no consolidation.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from planning_lib.cli import main as cli
from planning_lib.core.config import load_params
from tests.e2e.report_checks import (
    codes_and_floats,
    config_code_pattern,
    report_folders,
    unlabelled_columns,
)
from tests.transactional_company import write_with_actuals


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("transactional_actuals")
    actuals = write_with_actuals(root / "data")
    plan_yaml = root / "plan.yaml"
    init = cli.main(["init", "--data", str(root / "data"), "--out", str(plan_yaml),
                     "--as-of", "2025-12", "--regions"])  # fmt: skip
    code = cli.main(
        ["batch", "--config", str(plan_yaml), "--data", str(root / "data"), "--regions",
         "DE-Nord", "--workers", "1", "--out", str(root / "reports"), "--no-progress"]
    )  # fmt: skip
    (run_dir,) = list((root / "reports").iterdir())
    return {"codes": (init, code), "run_dir": run_dir, "plan_yaml": plan_yaml, "actuals": actuals}


def test_notebook_07_ok_with_the_deal_figures(run: dict) -> None:
    """Every notebook ok; phase 7 wrote the deal status table with bookings, won deals,
    deal size, win rate and the new/repeat split, and per month (January..May) no MRR
    row. YTD bookings actual = Σ amount_eur of the won deals closed
    2026-01-01..2026-05-31 (pandas; June is not complete); plan = Σ of phase 2's
    ``bookings`` line over January..May."""
    assert run["codes"] == (0, 0)
    manifest = json.loads((run["run_dir"] / "manifest.json").read_text(encoding="utf-8"))
    assert {nb["status"] for nb in manifest["notebooks"]} == {"ok"}
    tables = run["run_dir"] / "DE-Nord" / "tables"
    status = pd.read_csv(tables / "07_deals_status.csv").set_index("kpi")
    want = ["bookings", "deals_won", "avg_deal_size", "win_rate", "bookings_new",
            "bookings_repeat", "repeat_purchases"]  # fmt: skip
    assert list(status.index) == want
    a = run["actuals"]
    close = pd.to_datetime(a["close_date"])
    won = a[(a["stage"] == "won") & (close >= "2026-01-01") & (close <= "2026-05-31")]
    assert status.loc["bookings", "actual"] == pytest.approx(won["amount_eur"].sum())
    monthly = pd.read_csv(tables / "02_plan_monthly.csv")
    sel = monthly[(monthly["line_item"] == "bookings") & (monthly["month"] <= "2026-05-31")]
    assert status.loc["bookings", "plan"] == pytest.approx(sel["value"].sum())
    months = pd.read_csv(tables / "07_deals_monthly.csv")
    assert not months["kpi"].str.contains("mrr").any()
    booked = months[months["kpi"] == "bookings"]
    assert list(booked["month"]) == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]
    assert booked["actual"].sum() == pytest.approx(won["amount_eur"].sum())
    assert (tables / "07_landing.csv").exists()


def test_every_shown_column_has_a_label(run: dict) -> None:
    """report_checks.unlabelled_columns on the region's tables, phase 7's included."""
    missing = unlabelled_columns(report_folders(run["run_dir"]))
    assert not missing, f"columns without a label: {sorted(missing)}"


def test_reports_show_no_code_and_no_raw_float(run: dict) -> None:
    """No code or Python float on an HTML page or Excel sheet (report_checks)."""
    params = load_params(run["plan_yaml"])
    found, floats = codes_and_floats(report_folders(run["run_dir"]), config_code_pattern(params))
    assert not found, f"codes without a label shown to readers: {found}"
    assert not floats, f"raw floats in reports: {floats}"
