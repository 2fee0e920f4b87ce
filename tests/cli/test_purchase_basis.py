"""``planning analyse`` and ``planning init`` give one deal size and one repeat rate for
one transactional history (issue #13: every figure of one run rests on one basis).

The company, as of 2025-12 (window 2025-01..2025-12; 12 months of history before it, so
the repeat base is the active base of K = 12 months):

* A1..A10 win a first deal of 1,000 € in 2024-01 and never buy again;
* B1..B25 win a first deal of 2,000 € in 2024-12; B1..B6 buy again in 2025-06 (600 €);
* C1..C5 win a first deal of 4,000 € in 2025-04;
* one lost deal a month (no customer) so that win rates are defined.

By hand:

* deal size: the window holds 5 new customers (< 30), so its months reach back until
  they hold 30: 2024-12..2025-12 (25 + 5 = 30; 2024-01's ten are not needed):
  (25 × 2,000 + 5 × 4,000) ÷ 30 = 70,000 ÷ 30 = 2,333.33 € (the window alone, the old
  analyse figure: 4,000 €);
* repeat rate: 6 repeats ÷ the active base summed over the window's month starts. A
  customer is active at the start of month m when it won a deal in m − 12 … m − 1: the
  A's only at the start of 2025-01 (10), the B's at every start 2025-01..2025-12 (25 ×
  12 = 300), the C's at 2025-05..2025-12 (5 × 8 = 40): 350 customer-months, rate
  6 ÷ 350 = 1.714 % (every customer ever, the old analyse base: 35 × 12 + 40 = 460,
  6 ÷ 460 = 1.304 %);
* repeat deal size: 6 repeats (< 30) reach back to the history's start, none earlier:
  3,600 ÷ 6 = 600 €.

The test also recomputes the deal size and the active base with plain pandas (first
won month per customer; a customer-month loop over the window) as a second method.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from planning_lib.cli.main import main

AS_OF = "2025-12"


def _deals() -> pd.DataFrame:
    rows: list[tuple[str, str, str, float]] = []

    def won(customer: str, day: str, amount: float) -> None:
        rows.append((customer, day, "won", amount))

    for i in range(1, 11):
        won(f"A{i}", "2024-01-15", 1000.0)
    for i in range(1, 26):
        won(f"B{i}", "2024-12-10", 2000.0)
    for i in range(1, 7):
        won(f"B{i}", "2025-06-12", 600.0)
    for i in range(1, 6):
        won(f"C{i}", "2025-04-08", 4000.0)
    for month in pd.period_range("2024-01", AS_OF, freq="M"):
        rows.append(("", f"{month}-20", "lost", 1500.0))
    frame = pd.DataFrame(rows, columns=["customer_id", "close_date", "stage", "amount_eur"])
    frame.insert(0, "deal_id", [f"D{i:04d}" for i in range(1, len(frame) + 1)])
    frame["created_date"] = frame["close_date"]
    return frame.assign(
        mrr_eur=0.0, region="DE", product="X", segment="mid", channel="inbound", owner="O1"
    )


def _by_hand(deals: pd.DataFrame) -> tuple[float, float]:
    """Deal size and active-base repeat rate with plain pandas (module docstring)."""
    won = deals[deals["stage"] == "won"].copy()
    won["month"] = pd.to_datetime(won["close_date"]).dt.to_period("M")
    first = won.groupby("customer_id")["month"].min()
    firsts = won[won["month"] == won["customer_id"].map(first)]
    new_per_month = firsts.groupby("month")["customer_id"].nunique()
    start = pd.Period("2024-12", freq="M")  # from 2025-12 back: 5 + 25 = 30 customers
    assert new_per_month[new_per_month.index >= start].sum() == 30
    assert new_per_month[new_per_month.index > start].sum() < 30
    sized = firsts[firsts["month"] >= start]
    size = sized["amount_eur"].sum() / sized["customer_id"].nunique()
    window = pd.period_range("2025-01", AS_OF, freq="M")
    repeats = (won["month"].isin(window) & (won["month"] != won["customer_id"].map(first))).sum()
    base = sum(
        ((won["month"] >= m - 12) & (won["month"] <= m - 1)).groupby(won["customer_id"]).any().sum()
        for m in window
    )
    return size, repeats / base


def test_analyse_and_init_show_one_deal_size_and_repeat_rate(tmp_path, capsys) -> None:
    deals = _deals()
    data = tmp_path / "data"
    data.mkdir()
    deals.to_csv(data / "deals.csv", index=False)
    size, rate = _by_hand(deals)
    assert (size, rate) == pytest.approx((70_000 / 30, 6 / 350))

    out = tmp_path / "analysis"
    assert main(["analyse", "--data", str(data), "--as-of", AS_OF, "--out", str(out)]) == 0
    printed = capsys.readouterr().out.replace("\u00a0", " ")  # Babel's space before € and %
    kf = pd.read_csv(out / "key_figures.csv").set_index("figure")["value"]
    plan = tmp_path / "plan.yaml"
    assert main(["init", "--data", str(data), "--as-of", AS_OF, "--out", str(plan)]) == 0
    tr = yaml.safe_load(plan.read_text(encoding="utf-8"))["drivers"]["transactional"]

    # init's YAML holds 2 decimals (EUR) and 4 (rate), key_figures.csv 4 decimals
    assert tr["deal_size_eur"] == round(size, 2) == 2333.33
    assert kf["new_customer_deal_size_eur"] == pytest.approx(size, abs=5e-5)
    assert round(kf["new_customer_deal_size_eur"], 2) == tr["deal_size_eur"]
    assert tr["repeat_purchase_rate_monthly"] == round(rate, 4) == 0.0171
    assert kf["repeat_purchase_rate"] == round(rate, 4)
    assert tr["repeat_deal_size_eur"] == kf["repeat_deal_size_eur"] == 600.0
    # the basis, as figures and in the printed line
    assert (kf["deal_size_customers"], kf["deal_size_months"]) == (30, 13)
    assert (kf["repeat_base_customer_months"], kf["repeat_base_active_months"]) == (350, 12)
    assert kf["new_customers"] == 5 and kf["repeat_purchases"] == 6
    assert (
        "Dealgröße je Neukunde (Basis des Plans) 2.333 €: aus 30 Neukunden der 13 Monate "
        "bis 2025-12 (mindestens 30); Wiederholungsquote 1,71 % je Monat: "
        "6 Wiederholungskäufe ÷ 350 Kunden-Monate des aktiven Bestands (gewonnener Deal in "
        "den 12 Monaten davor), 2025-01..2025-12; planning init misst sie ebenso."
    ) in printed
