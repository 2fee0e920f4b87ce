"""``planning init`` on a deals history shorter than a year (#13): the per-month figures
are taken over the months the data covers, not ÷ 12 over a window it does not reach.

A hand-made deals-only company (plain pandas below): deals created 2025-03-03 to
2025-10-27, four a month (days 3, 10, 17, 27), each closed 14 days after creation, the
ones of days 3 and 17 won (close on the 17th and 31st of the same month), the others
lost, each deal a customer of its own, owners ``Anna`` (won) and ``Ben`` (lost), no
channel column. ``--as-of 2025-10``: the data cover 2025-03..2025-10, 8 of the window's
12 months.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from planning_lib.cli.main import main
from planning_lib.core.config import load_params

MONTHS = pd.period_range("2025-03", "2025-10", freq="M")


def _deals() -> pd.DataFrame:
    rows = []
    for m in MONTHS:
        for day in (3, 10, 17, 27):
            created = pd.Timestamp(year=m.year, month=m.month, day=day)
            n = len(rows)
            rows.append(
                {
                    "deal_id": f"D{n:03d}",
                    "customer_id": f"K{n:03d}",
                    "created_date": created.date().isoformat(),
                    "close_date": (created + pd.Timedelta(days=14)).date().isoformat(),
                    "stage": "won" if n % 2 == 0 else "lost",
                    "amount_eur": 1000.0 + 10 * n,
                    "region": "Nord",
                    "product": "Maschine",
                    "owner": "Anna" if n % 2 == 0 else "Ben",
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Path]:
    root = tmp_path_factory.mktemp("short")
    (root / "data").mkdir()
    deals = _deals()
    deals.to_csv(root / "data" / "deals.csv", index=False)
    out = root / "plan.yaml"
    args = ["init", "--data", str(root / "data"), "--out", str(out), "--as-of", "2025-10"]
    assert main(args) == 0
    return deals, out


def _comment(out: Path, key: str) -> str:
    return next(
        ln for ln in out.read_text(encoding="utf-8").splitlines() if ln.strip().startswith(key)
    )


def test_deals_created_per_month_over_the_months_of_data(plan) -> None:
    """32 deals created 2025-03..2025-10 (4 × 8 months) ÷ 8 = 4.0 per month (÷ 12 gave
    2.67, a third too few); the comment names the 8 months."""
    deals, out = plan
    created = pd.to_datetime(deals["created_date"]).dt.to_period("M")
    assert created.isin(MONTHS).sum() == 32
    p = load_params(out)
    assert p.channels["inbound"].leads_per_month == pytest.approx(32 / 8)
    line = _comment(out, "leads_per_month:")
    assert "32 Deals von Interessenten angelegt 2025-03..2025-10 ÷ 8" in line, line


def test_deals_per_rep_over_the_months_of_data(plan) -> None:
    """Won deals closed 2025-03..2025-10: 2 a month × 8 = 16 (the last, created
    2025-10-17, closes 2025-10-31), all in the table. The export begins on 03.03.2025 and
    every cycle is 14 days, so by the cycles only March's closes from the 17th can be in
    it (15 of 31 days, 48 %): March is the export's partial first month (#13,
    metrics/window.py) and leaves the rate: 2 a month × 7 = 14 won deals ÷ 2 owners × 7
    months = 14 head-months = 1.0 per rep and month (with March 16 ÷ 16, the same 1.0;
    ÷ 24 head-months gave 0.67)."""
    deals, out = plan
    close = pd.to_datetime(deals["close_date"]).dt.to_period("M")
    won = deals[(deals["stage"] == "won") & close.isin(MONTHS)]
    assert len(won) == 16
    role = load_params(out).organisation.roles["inside_sales"]
    assert role.deals_per_month == pytest.approx(14 / 14)
    line = _comment(out, "deals_per_month:")
    assert "14 gewonnene Deals" in line and "÷ 14 Kopf-Monate, 2025-03..2025-10" in line, line
    assert "ohne 2025-03 (nur teilweise im Export)" in line, line
    assert "2025-03..2025-10" in _comment(out, "inside_sales: 2")
