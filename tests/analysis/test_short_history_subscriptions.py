"""A subscription company with 6 months of history (issue #13): leads per month and new
customers per year over the months the data covers, not over a 12-month window.

Hand-made tables, history 2025-04..2025-09 (as-of 2025-09, the last lead created on
2025-09-30, a month's last day):

* leads: 10 a month (created on the 1st, each an MQL the same day; the first two of each
  month become SQL after 5 days, the first of them holds a demo after 10 days and is won
  after 15), channel inbound: 60 MQL in 6 months, so
  leads_per_month = 60 ÷ 6 = 10 (before: 60 ÷ 12 = 5);
* subscriptions: 2 new customers a month (started on the 5th, 100 € MRR, none ended):
  12 new customers in 6 months, so new_customers_last_year = 12 × 12 ÷ 6 = 24 (before:
  the 6 months' 12, read as a year's); the YAML says "12 Neukunden (erste Abos) aus 6
  Monaten 2025-04..2025-09, auf 12 Monate hochgerechnet". The customer matrix begins with
  the CRM history (the first lead, 2025-04), so every customer here is new.

The monthly rates stay ratios of the months observed (churn 0: no subscription ended) and
their comments name those months: the MRR bridge starts with the second month
(2025-05..2025-09).
"""

from __future__ import annotations

import pandas as pd
import pytest

from planning_lib.analysis.calibration import calibrate
from planning_lib.data.loaders import load_dataset
from planning_lib.present.plan_yaml import comment_text

MONTHS = pd.period_range("2025-04", "2025-09", freq="M")


def _write(folder) -> None:
    leads, subs = [], []
    for m in MONTHS:
        day = m.start_time
        for i in range(10):
            sql = (day + pd.Timedelta(days=5)).date().isoformat() if i < 2 else ""
            demo = (day + pd.Timedelta(days=10)).date().isoformat() if i < 1 else ""
            won = (day + pd.Timedelta(days=15)).date().isoformat() if i < 1 else ""
            leads.append(
                {
                    "lead_id": f"L{m}-{i}",
                    "created_date": day.date().isoformat(),
                    "channel": "inbound",
                    "region": "Nord",
                    "segment": "small",
                    "company_size": 20,
                    "first_response_hours": 2.0,
                    "mql_date": day.date().isoformat(),
                    "sql_date": sql,
                    "demo_date": demo,
                    "won_date": won,
                    "lost_date": "",
                    "deal_id": "",
                }
            )
        for i in range(2):
            subs.append(
                {
                    "customer_id": f"C{m}-{i}",
                    "region": "Nord",
                    "product": "Pro",
                    "segment": "small",
                    "channel": "inbound",
                    "start_date": (day + pd.Timedelta(days=4)).date().isoformat(),
                    "end_date": "",
                    "mrr_eur": 100.0,
                }
            )
    leads[-1]["created_date"] = leads[-1]["mql_date"] = "2025-09-30"  # September complete
    pd.DataFrame(leads).to_csv(folder / "leads.csv", index=False)
    pd.DataFrame(subs).to_csv(folder / "subscriptions.csv", index=False)


@pytest.fixture(scope="module")
def cal(tmp_path_factory):
    folder = tmp_path_factory.mktemp("six_months")
    _write(folder)
    return calibrate(load_dataset(folder))


def test_leads_per_month_over_the_months_of_data(cal) -> None:
    """60 MQL ÷ 6 months = 10 (module docstring); the comment divides by 6."""
    assert str(cal.as_of) == "2025-09"
    assert cal.values["channels"]["inbound"]["leads_per_month"] == pytest.approx(10.0)
    said = comment_text(cal.sources["channels.inbound.leads_per_month"], "de")
    assert said == "60 MQL 2025-04..2025-09 ÷ 6"


def test_new_customers_per_year_are_scaled_up(cal) -> None:
    """12 new customers in 6 months × 12 ÷ 6 = 24; the comment says how."""
    assert cal.values["history"]["new_customers_last_year"] == 24
    said = comment_text(cal.sources["history.new_customers_last_year"], "de")
    assert said == (
        "12 Neukunden (erste Abos) aus 6 Monaten 2025-04..2025-09, auf 12 Monate hochgerechnet"
    )
    assert cal.values["targets"][0]["baseline"] == 24


def test_rates_name_the_months_observed(cal) -> None:
    """No subscription ended: churn 0 over the bridge's months 2025-05..2025-09, 6 × 2 × 100
    € MRR of the new customers: ARPA 100 €."""
    assert cal.values["drivers"]["churn_rate_monthly"]["start"] == 0.0
    assert cal.values["drivers"]["arpa_monthly_eur"] == pytest.approx(100.0)
    churn = comment_text(cal.sources["drivers.churn_rate_monthly.start"], "de")
    assert churn.endswith("2025-05..2025-09")


def _write_deals(folder) -> None:
    """7 months 2025-03..2025-09, two new customers a month (created on the 1st, won on the
    20th, 1.000 € each); the last one created on 2025-09-30 (September complete)."""
    rows = []
    for m in pd.period_range("2025-03", "2025-09", freq="M"):
        for i in range(2):
            rows.append(
                {
                    "deal_id": f"D{m}-{i}",
                    "customer_id": f"K{m}-{i}",
                    "created_date": m.start_time.date().isoformat(),
                    "close_date": (m.start_time + pd.Timedelta(days=19)).date().isoformat(),
                    "stage": "won",
                    "amount_eur": 1000.0,
                    "channel": "inbound",
                    "owner": "Anna",
                }
            )
    rows[-1]["created_date"] = "2025-09-30"
    rows[-1]["close_date"] = "2025-09-30"
    pd.DataFrame(rows).to_csv(folder / "deals.csv", index=False)


def test_transactional_new_customers_and_bookings_per_year(tmp_path) -> None:
    """Deals only, 7 months; March is partial in the export (below), so it leaves the new
    customers with its month: April..September's 12 new customers × 12 ÷ 6 = 24 a year
    (before the partial-month rule 14 × 12 ÷ 7, the same 24; before the own-months
    window 14, 7 months read as a year); the comment says so.

    The revenue target's baseline: the export begins on 01.03. and every deal takes 19
    days, so a close in March before the 20th would come from a deal created in February,
    outside the export: March is partial (metrics.window.partial_first_month) and leaves
    the bookings with its months. The 12 deals of April..September, 12 × 1.000 € = 12.000 €
    over 6 months, × 12 ÷ 6 = 24.000 € (before the partial-month rule: 14.000 € × 12 ÷ 7,
    the same 24.000 €); its comment names the 6 months 2025-04..2025-09."""
    _write_deals(tmp_path)
    cal = calibrate(load_dataset(tmp_path), business_model="transactional")
    assert str(cal.as_of) == "2025-09"
    assert cal.values["history"]["new_customers_last_year"] == 24
    revenue = next(t for t in cal.values["targets"] if t["metric"] == "revenue")
    assert revenue["baseline"] == 24_000
    said = comment_text(cal.sources["history.new_customers_last_year"], "de")
    booked = "aus 6 Monaten 2025-04..2025-09, auf 12 Monate hochgerechnet"
    assert said == f"12 Neukunden (erster gewonnener Deal) {booked}"
    assert comment_text(cal.sources["targets.1.baseline"], "de").endswith(booked)


def test_region_files_name_the_months_of_data(tmp_path) -> None:
    """The 6-month company with its customers and leads alternately in Nord and Süd (the
    first of each month's pairs in Nord): each region holds half of the 24 new customers
    a year (12) and of the 10 leads a month (5), and its comments name the months the
    shares were measured on, 2025-04..2025-09, not a 12-month window the data does not
    cover (2024-10..2025-09)."""
    _write(tmp_path)
    for name in ("leads", "subscriptions"):
        frame = pd.read_csv(tmp_path / f"{name}.csv", keep_default_na=False)
        frame["region"] = ["Nord" if i % 2 == 0 else "Süd" for i in range(len(frame))]
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    cal = calibrate(load_dataset(tmp_path), with_regions=True)
    assert sorted(cal.regions) == ["Nord", "Süd"]
    nord = cal.regions["Nord"]
    assert nord["history"]["new_customers_last_year"] == 12
    assert nord["channels"]["inbound"]["leads_per_month"] == pytest.approx(5.0)
    for key in ("history.new_customers_last_year", "channels.inbound.leads_per_month"):
        said = comment_text(cal.region_sources["Nord"][key], "de")
        assert said.startswith("50 %") and said.endswith("2025-04..2025-09"), said


def test_transactional_region_files_name_the_months_of_data(tmp_path) -> None:
    """The 7-month deals company with each month's two customers in Nord and Süd: each
    region 12 of the 24 new customers a year, its comment on 2025-03..2025-09."""
    _write_deals(tmp_path)
    frame = pd.read_csv(tmp_path / "deals.csv", keep_default_na=False)
    frame["region"] = ["Nord" if i % 2 == 0 else "Süd" for i in range(len(frame))]
    frame.to_csv(tmp_path / "deals.csv", index=False)
    cal = calibrate(load_dataset(tmp_path), business_model="transactional", with_regions=True)
    assert cal.regions["Süd"]["history"]["new_customers_last_year"] == 12
    said = comment_text(cal.region_sources["Süd"]["history.new_customers_last_year"], "de")
    assert said == "50 % der Neukunden 2025-03..2025-09"
