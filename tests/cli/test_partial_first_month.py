"""A history's first month, partial in the export, is left out of the monthly series
(#13, ``planning_lib.metrics.window.partial_first_month``): forecast, no-change baseline
and ``planning init``.

A hand-made deals-only export (plain pandas below) beginning on 01.03.2025, as the
7-month trial export did: in March one deal created on the 1st is won on the 20th for
100 € (the deals created before the export that closed in March are missing; by the won
deals' cycles the export holds 64 % of March's closes, below the 88 % a month needs); from April
to September each month one new customer wins a deal of 1.000 € (created on the 2nd,
closed on the 12th); a lost deal created 2025-09-30 closes the export's last month
(as-of 2025-09). Eight rows in all, every deal owned by Anna.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from planning_lib.analysis.forecast.baseline import monthly_bookings, no_change_bookings
from planning_lib.cli.forecast import metric_frame
from planning_lib.cli.main import main
from planning_lib.data.loaders import load_dataset

FULL = pd.period_range("2025-04", "2025-09", freq="M")


def _deals() -> pd.DataFrame:
    rows = [("D00", "K00", "2025-03-01", "2025-03-20", "won", 100.0)]
    for i, m in enumerate(FULL, start=1):
        rows.append((f"D{i:02d}", f"K{i:02d}", f"{m}-02", f"{m}-12", "won", 1000.0))
    rows.append(("D99", "K99", "2025-09-30", "2025-09-30", "lost", 500.0))
    cols = ["deal_id", "customer_id", "created_date", "close_date", "stage", "amount_eur"]
    return pd.DataFrame(rows, columns=cols).assign(owner="Anna")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("partial") / "data"
    root.mkdir()
    _deals().to_csv(root / "deals.csv", index=False)
    return root


def test_bookings_baseline_without_the_partial_month() -> None:
    """Bookings per close month: March (100 €) left out, April..September 1.000 € each;
    under 12 months the baseline is the run rate: 1.000 € × 12 = 12.000 € (with March it
    was (100 + 6 × 1.000) ÷ 7 × 12 = 10.457 €)."""
    deals = _deals()
    y = monthly_bookings(deals, "2025-10-01")
    assert list(y.index.astype(str)) == [str(m) for m in FULL]
    assert y.tolist() == [1000.0] * 6
    assert str(y.attrs["partial_first_month"].month) == "2025-03"
    base = no_change_bookings(deals, "2025-10-01")
    assert base.expected == pytest.approx(12000.0)
    assert str(base.partial.month) == "2025-03"
    # won cycles: 19 days (March) and 6 × 10 days; day t of March is t − 1 days after the
    # export's start: none fits before day 11, 6 of 7 on days 11-19, all on days 20-31
    assert base.partial.coverage == pytest.approx((9 * 6 / 7 + 12) / 31)  # 64 %
    assert len(deals) == 8  # no row left the table


def test_forecast_series_and_line(data: Path, capsys: pytest.CaptureFixture) -> None:
    """``metric_frame`` of the bookings begins in April (six months of 1.000 €); the
    command says so in one line naming the month and the export's first day, and its
    no-change new customers are one a month (six months of one first win, × 12 = 12)."""
    tables = load_dataset(data)
    frame = metric_frame(tables, "bookings", ["region"], pd.Period("2025-09", freq="M"))
    assert frame["month"].dt.to_period("M").astype(str).tolist() == [str(m) for m in FULL]
    assert frame["value"].tolist() == [1000.0] * 6
    out = data.parent / "fc"
    assert main(["forecast", "--data", str(data), "--out", str(out), "--workers", "1"]) == 0
    said = capsys.readouterr().out
    assert "Erster Monat 2025-03 nur teilweise im Export (ab 01.03.2025" in said
    assert "etwa 64\u00a0% seiner Abschlüsse erfasst" in said  # Babel: no-break space
    base = pd.read_csv(out / "no_change_baseline.csv").iloc[0]
    assert base["expected"] == pytest.approx(12.0)


def test_init_says_it_and_proposes_without_the_month(data: Path, capsys) -> None:
    """``planning init``: the line on the console and in the YAML's header, the revenue
    target 12.000 € (1.000 € × 12), the new-customer target 12 (one a month × 12) and the
    deals per rep without March."""
    out = data.parent / "plan" / "my.yaml"
    assert main(["init", "--data", str(data), "--out", str(out), "--lang", "en"]) == 0
    said = capsys.readouterr().out
    assert "First month 2025-03 only partly in the export (from 1 Mar 2025" in said
    text = out.read_text(encoding="utf-8")
    head = " ".join(ln.lstrip("# ") for ln in text.splitlines()[:6] if ln.startswith("#"))
    assert "Erster Monat 2025-03 nur teilweise im Export (ab 01.03.2025" in head
    assert "forecast_no_change_new_customers: 12 " in text
    assert "value: 12000 " in text
    # deals per rep: one owner (Anna), 2025-03..2025-09 without March:
    # 6 won deals ÷ 6 head-months (with March 7 ÷ 7)
    line = next(ln for ln in text.splitlines() if "deals_per_month:" in ln)
    assert "deals_per_month: 1.0  # 6 gewonnene Deals" in line, line
    assert "÷ 6 Kopf-Monate, 2025-03..2025-09 ohne 2025-03 (nur teilweise im Export)" in line


def test_init_deals_created_per_month_without_a_partial_first_month(tmp_path: Path) -> None:
    """An export beginning on 18.03.2025 (by creation 14 of March's 31 days, 45 %, under
    the 88 % a month needs): two deals created in March (18th, 25th), four a month from
    April to September (days 3, 10, 17, 27), each closed 14 days later, every second one
    won. Deals of prospects created per month: 24 ÷ 6 = 4,0 over 2025-04..2025-09 (with
    March 26 ÷ 7 = 3,71); March's rows stay in the table."""
    rows = []
    days = [pd.Timestamp("2025-03-18"), pd.Timestamp("2025-03-25")]
    for m in pd.period_range("2025-04", "2025-09", freq="M"):
        days += [pd.Timestamp(f"{m}-{d:02d}") for d in (3, 10, 17, 27)]
    for n, created in enumerate(days):
        rows.append(
            {
                "deal_id": f"D{n:03d}",
                "customer_id": f"K{n:03d}",
                "created_date": created.date().isoformat(),
                "close_date": (created + pd.Timedelta(days=14)).date().isoformat(),
                "stage": "won" if n % 2 == 0 else "lost",
                "amount_eur": 1000.0,
                "owner": "Anna",
            }
        )
    data = tmp_path / "data"
    data.mkdir()
    pd.DataFrame(rows).to_csv(data / "deals.csv", index=False)
    out = tmp_path / "plan.yaml"
    assert main(["init", "--data", str(data), "--out", str(out), "--as-of", "2025-09"]) == 0
    line = next(
        ln for ln in out.read_text(encoding="utf-8").splitlines() if "leads_per_month:" in ln
    )
    assert (
        "leads_per_month: 4.0  # 24 Deals von Interessenten angelegt 2025-04..2025-09 ÷ 6" in line
    )
    assert "2025-03 nur teilweise im Export (ab 18.03.2025), nicht mitgezählt" in line
    assert len(rows) == 26
