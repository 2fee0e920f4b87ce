"""``planning init`` and ``planning forecast`` take the same as-of month by the same rule
(#13, ``planning_lib.metrics.window.last_complete_month``), so init's no-change baseline
is forecast's ``no_change_baseline.csv``.

A hand-made deals-only company (plain pandas below): the export begins with a lost deal
created 2024-12-02; from 2025-01 to 2025-10 each month has won deals of new customers,
``COUNTS`` of them, created on the 5th and closed on the 15th. The latest created date is
2025-10-20 (a lost deal), closed 2025-10-31: the export was made on 31.10.2025 or later,
so 2025-10 is complete. Before, init read the created dates only (latest 20.10.: as-of
2025-09) and forecast the closed deals' close dates only (31.10.: 2025-10).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from planning_lib.analysis.calibration import calibrate
from planning_lib.cli.main import main
from planning_lib.data.loaders import load_dataset
from planning_lib.metrics.window import last_complete_month

COUNTS = [1, 2, 3, 1, 2, 3, 1, 2, 3, 4]  # new customers 2025-01..2025-10


def _deals() -> pd.DataFrame:
    rows = [("D000", "K000", "2024-12-02", "2024-12-20", "lost")]
    for i, m in enumerate(pd.period_range("2025-01", "2025-10", freq="M")):
        for _ in range(COUNTS[i]):
            n = len(rows)
            rows.append((f"D{n:03d}", f"K{n:03d}", f"{m}-05", f"{m}-15", "won"))
    rows.append((f"D{len(rows):03d}", "K999", "2025-10-20", "2025-10-31", "lost"))
    frame = pd.DataFrame(
        rows, columns=["deal_id", "customer_id", "created_date", "close_date", "stage"]
    )
    frame["amount_eur"] = 1000.0
    return frame


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("asof") / "data"
    root.mkdir()
    _deals().to_csv(root / "deals.csv", index=False)
    return root


def test_both_ends_of_the_export_by_one_rule(data: Path) -> None:
    """Latest event 31.10.2025 (a closed deal's close date, after the latest created date
    20.10.): the month's last day, so 2025-10 is the last complete month."""
    assert last_complete_month(load_dataset(data)) == pd.Period("2025-10", freq="M")


def test_init_baseline_is_forecast_baseline(data: Path, tmp_path: Path) -> None:
    """Ten months 2025-01..2025-10 (under 12: the run rate): mean (1+2+3+1+2+3+1+2+3+4) ÷ 10
    = 2,2 new customers a month, × 12 = 26,4 for the plan year, in init's calibration and in
    forecast's no_change_baseline.csv alike (with as-of 2025-09 init gave 18 ÷ 9 × 12 = 24)."""
    cal = calibrate(load_dataset(data), business_model="transactional")
    assert cal.as_of == pd.Period("2025-10", freq="M")
    assert cal.baseline.expected == pytest.approx(26.4)
    out = tmp_path / "fc"
    assert main(["forecast", "--data", str(data), "--out", str(out), "--workers", "1"]) == 0
    fc = pd.read_csv(out / "no_change_baseline.csv").iloc[0]
    assert fc["expected"] == pytest.approx(cal.baseline.expected, abs=1e-4)
    assert fc["p10"] == pytest.approx(cal.baseline.p10, abs=1e-4)
    assert fc["p90"] == pytest.approx(cal.baseline.p90, abs=1e-4)
