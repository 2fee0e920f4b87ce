"""``planning init``'s console lines (#13): the baseline's figures are written as every
figure a manager reads, through ``present.formatting.format_value`` ("1.200", not
"1200").

The data: 8 months (2025-03..2025-10, ``--as-of 2025-10``), each with 150 deals created
on the 2nd and closed on the 9th, every third one lost: 100 won deals a month, each of a
customer of its own.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from planning_lib.cli.main import main

MONTHS = pd.period_range("2025-03", "2025-10", freq="M")


def _deals() -> pd.DataFrame:
    rows = []
    for m in MONTHS:
        for _ in range(150):
            n = len(rows)
            rows.append(
                {
                    "deal_id": f"D{n:04d}",
                    "customer_id": f"K{n:04d}",
                    "created_date": f"{m}-02",
                    "close_date": f"{m}-09",
                    "stage": "lost" if n % 3 == 2 else "won",
                    "amount_eur": 1000.0,
                    "region": "Nord",
                    "product": "Maschine",
                    "owner": "Anna",
                }
            )
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("de", "Basisprognose Neukunden: 1.200 (P10–P90 1.200–1.200)"),
        ("en", "Baseline forecast of new customers: 1,200 (P10–P90 1,200–1,200)"),
    ],
)
def test_the_baseline_line_groups_thousands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, line: str
) -> None:
    """By hand: 100 new customers in each of the 8 months before the plan start (a
    history under a year: the average month continued), so the plan year expects 12 ×
    100 = 1.200, and every year drawn from those months is 1.200 too (P10 = P90)."""
    (tmp_path / "data").mkdir()
    _deals().to_csv(tmp_path / "data" / "deals.csv", index=False)
    out = tmp_path / "plan.yaml"
    args = ["init", "--data", str(tmp_path / "data"), "--out", str(out), "--as-of", "2025-10"]
    assert main([*args, "--lang", lang]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert line in printed, printed
