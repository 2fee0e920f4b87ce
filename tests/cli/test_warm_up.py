"""The export's warm-up (#13, ``planning_lib.metrics.window.warm_up``): a company with
repeat purchases whose export begins mid-stream counts its old customers as new at their
first purchase inside the export; those months are left out of the new customers.

A hand-made deals export (plain pandas below), beginning with a lost deal created
01.01.2024 (closed 05.01.):
- twelve customers who bought before the export, O01..O12: four buy on 10.01.2024, four
  on 10.02., four on 10.03., each again two months later on the 10th (10.03., 10.04.,
  10.05.: gaps of 60, 60 and 61 days in the leap year 2024; median 60 days);
- new customers N01..N18: two a month from 2024-04 to 2024-12, one deal each on the 15th;
- a lost deal created and closed 31.12.2024 (as-of 2024-12).
Every won deal closes the day it is created (cycle 0: no partial first month).

New customers per month by their first won deal: 4, 4, 4 (Jan-Mar), then 2 each
(Apr-Dec). The warm-up ends in the month of 01.01.2024 + 60 days = 01.03.2024: 2024-03.
Its 12 new customers against 2 a month after it: a Poisson count at 2 × 3 = 6 reaches 12
or more with probability 1 − P(X ≤ 11) ≈ 2,0 % < 5 %: far above, cut.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import poisson

from planning_lib.analysis.forecast.baseline import monthly_new_customers
from planning_lib.cli.main import main
from planning_lib.metrics.window import repeat_gaps, warm_up


def _deals() -> pd.DataFrame:
    rows = [("L0", "", "2024-01-01", "2024-01-05", "lost")]
    for i in range(12):
        first = pd.Timestamp(f"2024-{1 + i // 4:02d}-10")
        again = first + pd.DateOffset(months=2)
        for day in (first, again):
            rows.append((f"D{len(rows):03d}", f"O{i + 1:02d}", day, day, "won"))
    for i, m in enumerate(np.repeat(pd.period_range("2024-04", "2024-12", freq="M"), 2)):
        day = pd.Timestamp(f"{m}-15")
        rows.append((f"D{len(rows):03d}", f"N{i + 1:02d}", day, day, "won"))
    rows.append(("L9", "", "2024-12-31", "2024-12-31", "lost"))
    frame = pd.DataFrame(
        rows, columns=["deal_id", "customer_id", "created_date", "close_date", "stage"]
    )
    for col in ("created_date", "close_date"):
        frame[col] = pd.to_datetime(frame[col]).dt.strftime("%Y-%m-%d")
    frame["amount_eur"] = 1000.0
    return frame


def test_repeat_gaps_and_the_warm_up_by_hand() -> None:
    """Gaps 8 × 60 and 4 × 61 days (median 60); the warm-up 2024-01..2024-03 at 4,0 new
    customers a month against 2,0 after it. The same deals with 2 new customers in every
    month (a company that began with the export): 6 in the warm-up, P(X ≥ 6 | 6) ≈ 55 %:
    not cut."""
    deals = _deals()
    assert sorted(repeat_gaps(deals).tolist()) == [60.0] * 8 + [61.0] * 4
    y = monthly_new_customers(deals, "2025-01-01")
    assert y.tolist() == [2.0] * 9
    assert str(y.index[0]) == "2024-04"
    warm = y.attrs["warm_up"]
    assert (str(warm.first), str(warm.last)) == ("2024-01", "2024-03")
    assert warm.median_gap_days == 60.0 and warm.repeats == 12
    assert (warm.warm_mean, warm.later_mean) == (4.0, 2.0)
    assert poisson.sf(11, 6) == pytest.approx(0.0201, abs=1e-4)
    flat = pd.Series([2.0] * 12, index=pd.period_range("2024-01", "2024-12", freq="M"))
    assert poisson.sf(5, 6) > 0.05
    assert warm_up(deals, flat) is None
    assert len(deals) == 44  # no row left the table (1 + 24 + 18 + 1)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("warm") / "data"
    root.mkdir()
    _deals().to_csv(root / "deals.csv", index=False)
    return root


def test_forecast_and_init_leave_out_the_warm_up(data: Path, capsys) -> None:
    """Nine months of 2 new customers after the warm-up (under 12: the run rate), 2 × 12
    = 24 for the plan year in forecast's no_change_baseline.csv and init's target, both
    saying so in one line (measured before the change: 12 months with the warm-up, a
    model extrapolating its fall from 4 to 2 a month, 21,1)."""
    out = data.parent / "fc"
    assert main(["forecast", "--data", str(data), "--out", str(out), "--workers", "1"]) == 0
    said = capsys.readouterr().out
    assert "Neukunden 2024-01..2024-03 nicht mitgezählt (Anlaufzeit des Exports)" in said
    assert "(4,0 je Monat gegen 2,0 danach)" in said
    assert pd.read_csv(out / "no_change_baseline.csv").iloc[0]["expected"] == pytest.approx(24)
    plan = data.parent / "plan" / "my.yaml"
    assert main(["init", "--data", str(data), "--out", str(plan), "--lang", "en"]) == 0
    said = capsys.readouterr().out
    assert "New customers 2024-01..2024-03 not counted (the export's warm-up)" in said
    text = plan.read_text(encoding="utf-8")
    assert "forecast_no_change_new_customers: 24 " in text
    assert "Anlaufzeit des Exports" in " ".join(text.splitlines()[:8])
