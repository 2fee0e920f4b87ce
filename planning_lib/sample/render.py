"""Sample company, rendering: canonical tables to CSV bytes and the folder's README.

CSV as the contract asks: columns in contract order, ISO dates, ``.`` as decimal
separator, money with two decimals, UTF-8, LF line ends, empty cells for missing
values. The output is byte-identical for identical tables.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pandas as pd

from planning_lib.data.tables import TABLES
from planning_lib.sample.config import SampleConfig
from planning_lib.sample.summary import (
    active_customers,
    employed,
    marketing_cost,
    mrr,
    new_customer_shares,
    new_customers,
    partner_new_customers,
    sql_to_demo_by_region_month,
    stated_cac,
    table_overview,
)

__all__ = ["format_cell", "render_csv", "render_readme"]

_ONE_DECIMAL = {"first_response_hours"}


def format_cell(value: Any, dtype: str, column: str = "") -> str:
    """One CSV cell: '' for missing, ISO for dates, 2 decimals for money (1 for hours)."""
    if value is None or (not isinstance(value, dt.date) and bool(pd.isna(value))):
        return ""
    if dtype == "date":
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if dtype == "float":
        return f"{float(value):.1f}" if column in _ONE_DECIMAL else f"{float(value):.2f}"
    if dtype == "int":
        return str(int(value))
    return str(value)


def _column_cells(values: list[Any], dtype: str, column: str) -> list[str]:
    """All cells of one column, formatted as ``format_cell`` does."""
    if dtype == "str":
        return [
            "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v) for v in values
        ]
    return [format_cell(v, dtype, column) for v in values]


def render_csv(name: str, frame: pd.DataFrame) -> bytes:
    """The table ``name`` as CSV bytes (header + rows, UTF-8, LF)."""
    table = TABLES[name]
    cols = [c for c in table.columns if c.name in frame.columns]
    cells = [_column_cells(frame[c.name].tolist(), c.dtype, c.name) for c in cols]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([c.name for c in cols])
    writer.writerows(zip(*cells, strict=True))
    return buf.getvalue().encode("utf-8")


def _eur(x: float) -> str:
    return f"{x:,.0f} €".replace(",", " ")


def _rates_text(rates: tuple[tuple[str, Any], ...]) -> str:
    parts = []
    for channel, r in rates:
        mql = f"MQL→SQL {r.mql_to_sql:.0%}, " if channel == "inbound" else ""
        parts.append(f"{channel} {mql}SQL→demo {r.sql_to_demo:.0%}, demo→won {r.demo_to_won:.0%}")
    return "; ".join(parts)


def _simulation_notes(cfg: SampleConfig) -> list[str]:
    """How the data were simulated, from the configuration's values."""
    regions = ", ".join(f"{r} {s:.0%}" for r, s in cfg.regions)
    prices = ", ".join(f"{p} {v:g} €" for p, v in cfg.products)
    churn = ", ".join(f"{y} {c:.1%}" for y, c in cfg.churn_by_year)
    lo, mid, hi = cfg.response_win_factor
    return [
        "## How the data were simulated",
        "",
        f"- Regions (share of leads): {regions}. Products (list price per month): {prices};",
        "  product mix by segment, discounts of 0-20%. Segments by company size: small "
        "10-49, mid 50-250, large > 250 employees.",
        f"- Lead volume per month (company, split by region): {cfg.inbound_mql_2025:g} "
        f"inbound MQL and {cfg.outbound_sql_2025:g} outbound SQL in {cfg.history_end.year},",
        f"  growing {cfg.yearly_growth - 1:.0%} a year before, times the seasonality "
        "(Jan..Dec "
        + ", ".join(f"{x:g}" for x in cfg.seasonality)
        + ") and noise. Partner leads are rare before the plan year.",
        f"- Funnel in the history: {_rates_text(cfg.history_rates)}.",
        f"  Plan year: {_rates_text(cfg.plan_rates[:2])}. Lags: MQL→SQL 2-20 days, SQL→demo "
        "7-40 days, demo→won or lost 14-75 days.",
        "  Conversions are drawn by systematic sampling, so counts follow the rates closely.",
        "- A deal (opportunity) opens when the demo is booked; amount_eur = 12 × mrr_eur; its "
        "customer_id is the account's id",
        "  (prospects that are lost keep theirs). A won deal starts the subscription on its "
        "close date.",
        f"- First response matters: demo→won × {lo:g} (< 2 h), × {mid:g} (2-24 h), × {hi:g} "
        "(> 24 h), normalised per channel.",
        f"- Churn per month (share of customers): {churn}; plan year from "
        f"{cfg.churn_plan_start:.0%} towards {cfg.churn_plan_end:.0%}. Small customers churn "
        "more, large ones less.",
        f"  {cfg.opening_customers} customers won before {cfg.history_start.isoformat()} open "
        "the history.",
        "- Costs: personnel from salaries (pro rata), marketing per lead and channel, tools, "
        f"training/travel, commissions {cfg.commission_rate:.0%} of first-year value (partner "
        f"deals + {cfg.partner_commission_rate:.0%} for the partner).",
        "",
    ]


def render_readme(
    history: dict[str, pd.DataFrame],
    actuals: dict[str, pd.DataFrame],
    cfg: SampleConfig,
    seed: int,
) -> bytes:
    """The sample folder's README: files, key figures and the injected deviations."""
    end = cfg.history_end
    year = end.year
    subs, costs = history["subscriptions"], history["costs"]
    shares = new_customer_shares(subs, year)
    lines = [
        "# Sample company (CloudFlow-like SaaS), generated",
        "",
        f"Generated by `planning sample-data --out data/sample --seed {seed}`; do not edit by",
        "hand: `planning sample-data --check --out data/sample --seed "
        f"{seed}` compares these files",
        "byte for byte with a fresh generation. Columns follow the canonical tables",
        "(`planning_lib/data/tables.py`); ISO dates, `.` decimals, UTF-8, LF.",
        "",
        "## Files",
        "",
        "| file | rows | first date | last date | content |",
        "|---|---:|---|---|---|",
    ]
    about = {
        "deals": "opportunities (opened when a demo is booked); open deals carry an "
        "expected close date",
        "leads": "one row per lead; inbound enters as MQL, outbound and partner as SQL",
        "subscriptions": "one row per customer; empty end_date = active",
        "costs": "sales and marketing cost per month, region, category (and channel)",
        "headcount": "sales team with hire and exit dates",
    }
    for prefix, tables in (("", history), ("actuals/", actuals)):
        for name, rows, first, last in table_overview(tables):
            lines.append(f"| `{prefix}{name}.csv` | {rows} | {first} | {last} | {about[name]} |")
    lines += [
        "",
        f"History: CRM export as of {end.isoformat()} ({cfg.history_start.isoformat()} onwards; "
        "the subscriptions also hold the customers",
        f"won before {cfg.history_start.isoformat()} that were still active then). "
        f"Actuals: export as of {cfg.actuals_end.isoformat()} for the",
        "plan year's first half: leads created in the plan year, deals created in it or still "
        "open when it",
        "began (state as of the export), costs of its months, everyone employed in it, and "
        "the full",
        "subscriptions table.",
        "",
        f"## Situation on {end.isoformat()} (history end)",
        "",
        f"- active customers: {active_customers(subs, end)}",
        f"- MRR: {_eur(mrr(subs, end))}",
        f"- inside-sales reps: {employed(history['headcount'], end)}",
        f"- new customers {year}: {new_customers(subs, year)} ("
        + ", ".join(f"{k} {v:.0%}" for k, v in shares.items())
        + ")",
        f"- marketing cost {year}: {_eur(marketing_cost(costs, year))}; stated CAC "
        f"(marketing ÷ new customers): {_eur(stated_cac(costs, subs, year))}",
        "",
        *_simulation_notes(cfg),
        "## Deviations injected into the actuals (for controlling)",
        "",
    ]
    rates = sql_to_demo_by_region_month(actuals["leads"])
    dip = rates[(rates["region"] == cfg.dip_region) & rates["month"].isin(cfg.dip_months)]
    dip_text = ", ".join(
        f"{r.month}: {r.demos}/{r.sqls} = {r.sql_to_demo:.0%}" for r in dip.itertuples()
    )
    q2_first = dt.date(cfg.plan_start.year, 4, 1)
    q2_last = dt.date(cfg.plan_start.year, 6, 30)
    q2_partner = partner_new_customers(actuals["deals"], q2_first, q2_last)
    n_partner_leads = int((actuals["leads"]["channel"] == "partner").sum())
    lines += [
        f"1. **SQL→demo dip in {cfg.dip_region}**: SQLs of "
        + " and ".join(cfg.dip_months)
        + f" reach a demo at {cfg.dip_sql_to_demo:.0%} instead of the plan's 30% "
        "(rule `sql_to_demo_low`, threshold 20%).",
        f"   Measured per SQL month (demos ÷ SQLs of that month): {dip_text}. All other",
        "   regions and months follow the plan's conversion (SQL→demo 30%). Demos follow "
        "the SQL within 7-40 days,",
        "   so SQL months from mid-May on are not complete in this export (their share looks "
        "low everywhere);",
        "   compare complete SQL months, or demos held in a month with the SQLs of that month.",
        "2. **Partner channel below plan**: the programme starts in the plan year but brings "
        f"only about {cfg.partner_leads_actual:g} leads a month",
        "   (plan: 3 new partners per quarter, each bringing 2 leads a month after 2 months) "
        "and none of its demos closes",
        f"   (demo→won {cfg.partner_rates_actual.demo_to_won:.0%}): {n_partner_leads} partner "
        f"leads in the half year, {q2_partner} partner customers won in Q2",
        "   against a plan above zero. Judged on execution (what its planned partners "
        "deliver: nothing before May,",
        "   0.9 a month from May), the rule `channel_below_plan` (below 80% of plan for a "
        "quarter) has only two",
        "   months to judge by June and stays quiet; the shortfall shows in `variance.csv` "
        "as `gap_execution`.",
        "3. **On track**: inbound MQL volume (500/month × seasonality) and conversions, "
        "outbound SQL volume (250/month × seasonality)",
        "   and conversions, monthly churn on the plan's path (5% → 3%), and the hires "
        "(2 inside-sales reps in Q1: DE-Nord in January,",
        "   AT in February; a partner manager in DE-Süd in April).",
        "",
    ]
    return "\n".join(lines).encode("utf-8")
