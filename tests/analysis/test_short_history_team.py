"""Team and costs on a history shorter than a year (issue #13): every figure over the
months the data covers, yearly figures scaled up to 12 months, and the YAML says so.

A hand-made company, as-of 2025-09, whose costs and deals begin in 2025-04 (6 months,
2025-04..2025-09). Headcount: E1 and E2 hired 2020-01-01 (employed on every month end),
E3 hired 2025-07-15 (employed on the month ends of July, August, September), no exits.

Head-months over the 6 months: E1 6 + E2 6 + E3 3 = 15 (over the 12-month window
2024-10..2025-09, as before: 12 + 12 + 3 = 27, which counted E1 and E2 for six months the
costs do not cover).

Costs per month: personnel 30.000 €, tools 600 €, marketing (inbound) 1.000 €, so over
the 6 months 180.000 / 3.600 / 6.000 €.

* salary = 180.000 ÷ 15 × 12 = 144.000 € (before: 180.000 ÷ 27 × 12 = 80.000 €);
* tools per head and month = 3.600 ÷ 15 = 240 € (before 133,33 €);
* budget per year = the 6 months × 12 ÷ 6: personnel 360.000, tools 7.200, marketing
  12.000, total 379.200 € (before the 6 months' 189.600 €);
* deals per rep: 9 won deals (one a month from April, plus three in September, all
  inbound), each created on the 1st and won on the 20th. The export begins on 01.04., so
  a close in April before the 20th would come from a deal created in March, outside the
  export: April is partial (metrics.window.partial_first_month) and leaves the deals per
  rep with its deal and its heads (E1, E2 employed on 30.04.): 8 won deals ÷ (15 − 2 =
  13) head-months = 0,615, rounded 0,62 (before the partial-month rule 9 ÷ 15 = 0,6;
  before the own-months window 9 ÷ 27 = 0,33).
"""

from __future__ import annotations

import pandas as pd
import pytest

from planning_lib.analysis.calibration_team import team_and_costs
from planning_lib.present.plan_yaml import comment_text

AS_OF = pd.Period("2025-09", freq="M")
MONTHS = [f"2025-{m:02d}-01" for m in range(4, 10)]


def _costs() -> pd.DataFrame:
    rows = []
    for m in MONTHS:
        rows += [
            (m, "personnel", "", 30_000.0),
            (m, "tools", "", 600.0),
            (m, "marketing", "inbound", 1_000.0),
        ]
    frame = pd.DataFrame(rows, columns=["month", "category", "channel", "amount_eur"])
    return frame.assign(region="Nord")


def _headcount() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "employee_id": ["E1", "E2", "E3"],
            "role": ["inside_sales"] * 3,
            "region": ["Nord"] * 3,
            "hire_date": ["2020-01-01", "2020-01-01", "2025-07-15"],
            "exit_date": [None, None, None],
        }
    )


def _deals() -> pd.DataFrame:
    closes = [f"2025-{m:02d}-20" for m in range(4, 10)] + ["2025-09-21"] * 3
    n = len(closes)
    return pd.DataFrame(
        {
            "deal_id": [f"D{i}" for i in range(n)],
            "customer_id": [f"C{i}" for i in range(n)],
            "created_date": [c[:8] + "01" for c in closes],
            "close_date": closes,
            "stage": ["won"] * n,
            "channel": ["inbound"] * n,
            "owner": ["E1"] * n,
            "amount_eur": 1000.0,
            "mrr_eur": 0.0,
        }
    )


def _team(src: dict):
    tables = {"costs": _costs(), "headcount": _headcount(), "deals": _deals()}
    new_w = pd.DataFrame({"first_mrr_eur": [100.0] * 9})
    return team_and_costs(tables, AS_OF, new_w, {"inbound": 60.0}, src)


def test_head_months_of_the_covered_months() -> None:
    """Head-months as a second method with plain pandas: employed on each month end of
    2025-04..2025-09 (hire on or before it, no exit) = 15; salary, tools per head and
    deals per rep from them (module docstring)."""
    hc = _headcount()
    hire = pd.to_datetime(hc["hire_date"])
    ends = pd.period_range("2025-04", "2025-09", freq="M").to_timestamp(how="end").normalize()
    by_hand = sum(int((hire <= d).sum()) for d in ends)
    assert by_hand == 15
    src: dict = {}
    team = _team(src)
    role = team.organisation["roles"]["inside_sales"]
    assert team.head_months == 15.0
    assert role["salary_yearly_eur"] == pytest.approx(180_000 / 15 * 12)  # 144.000
    assert role["deals_per_month"] == pytest.approx(round(8 / 13, 2))  # 0,62
    assert team.budget["cost_drivers"]["tools"]["per_head_monthly_eur"] == pytest.approx(240.0)


def test_budget_is_scaled_up_to_a_year() -> None:
    """The 6 months' costs × 12 ÷ 6 per category (module docstring); the total their sum."""
    team = _team({})
    assert team.budget["by_category"] == {
        "personnel": 360_000.0,
        "marketing": 12_000.0,
        "tools": 7_200.0,
    }
    assert team.budget["total_eur"] == pytest.approx(379_200.0)


def test_comments_name_the_months_and_the_scaling() -> None:
    """The budget's and the salary's comments say they come from 6 months and were
    scaled up to 12; deals per rep (a monthly rate) names its months only."""
    src: dict = {}
    _team(src)
    budget = comment_text(src["budget.total_eur"], "de")
    assert budget == "Summe der Kosten aus 6 Monaten 2025-04..2025-09, auf 12 Monate hochgerechnet"
    assert comment_text(src["budget.by_category.personnel"], "en") == (
        "the category's costs from 6 months 2025-04..2025-09, scaled up to 12 months"
    )
    salary = comment_text(src["organisation.roles.inside_sales.salary_yearly_eur"], "de")
    assert "15 Kopf-Monate" in salary and "aus 6 Monaten 2025-04..2025-09" in salary
    per_rep = comment_text(src["organisation.roles.inside_sales.deals_per_month"], "de")
    assert per_rep.endswith(
        "8 gewonnene Deals (Neu- und Wiederholungskäufe) ÷ 13 Kopf-Monate, 2025-04..2025-09"
        " ohne 2025-04 (nur teilweise im Export)"
    )
    assert "hochgerechnet" not in per_rep


def test_a_full_year_is_not_scaled() -> None:
    """Costs from 2024-10 (the whole window): the budget is the 12 months' sum as it is and
    the comment names the window alone. Personnel 1.000 € a month → 12.000 €."""
    months = pd.period_range("2024-10", "2025-09", freq="M").astype(str) + "-01"
    costs = pd.DataFrame(
        {"month": months, "category": "personnel", "channel": "", "amount_eur": 1000.0}
    ).assign(region="Nord")
    src: dict = {}
    team = team_and_costs({"costs": costs}, AS_OF, pd.DataFrame({"first_mrr_eur": []}), {}, src)
    assert team.budget["total_eur"] == 12_000.0
    assert comment_text(src["budget.total_eur"], "de") == "Summe der Kosten 2024-10..2025-09"
