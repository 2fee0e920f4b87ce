"""Views of the consolidation (``08_konsolidierung``): the regions' plans summed to the company."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ADDITIVE_UNITS",
    "consolidate_monthly",
    "consolidated_key_figures",
    "missing_regions",
    "region_summary_table",
]


ADDITIVE_UNITS: tuple[str, ...] = ("EUR", "count")
"""Units of line items that add up over regions (shares and ratios do not)."""


def missing_regions(regions: Sequence[str], present: Mapping[str, Any]) -> list[str]:
    """The configured regions that are not in ``present`` (their plan is missing)."""
    return [r for r in regions if r not in present]


def consolidate_monthly(region_monthly: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The company's monthly plan: additive line items (EUR, counts) summed over regions.

    Shares and ratios are not summed; they are left out.
    """
    frames = [f[f["unit"].isin(ADDITIVE_UNITS)].assign(region=r) for r, f in region_monthly.items()]
    if not frames:
        return pd.DataFrame(columns=["month", "line_item", "channel", "value", "unit"])
    both = pd.concat(frames, ignore_index=True)
    both["channel"] = both["channel"].fillna("")
    out = both.groupby(["month", "line_item", "channel", "unit"], as_index=False)["value"].sum()
    return out[["month", "line_item", "channel", "value", "unit"]]


_MRR = ("mrr_start", "mrr_end", "arr_end")
_BOOKINGS = (
    "bookings_total",
    "bookings_new_total",
    "bookings_repeat_total",
    "repeat_purchases_total",
)


def _mrr_or_bookings(summaries: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The revenue figures of the regions' plans: MRR, or for transactional plans their
    bookings, with the MRR only when some region has a recurring share (not 0)."""
    if not summaries or not all("bookings_total" in s for s in summaries.values()):
        return list(_MRR)
    recurring = any(float(s.get(k, 0.0) or 0.0) for s in summaries.values() for k in _MRR)
    return [*_BOOKINGS, *(_MRR if recurring else ())]


def region_summary_table(summaries: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """One row per region with its plan's key figures, and a company row (sums).

    Ratios are recomputed from the company's sums, not added: the fully loaded CAC is
    its total cost ÷ its new customers, LTV:CAC its new customers' lifetime value ÷ its
    total cost (per region ``clv ÷ cac_fully_loaded`` is the same quotient).
    """
    additive = ["new_customers", "customers_end", *_mrr_or_bookings(summaries)]
    additive += ["budget_total", "cost_total", "churned_customers"]
    additive += ["lifetime_value_new_customers", "cash_start"]
    rows = []
    for region, s in summaries.items():
        row: dict[str, Any] = {"region": region}
        row.update({k: float(s[k]) for k in additive if k in s})
        row["cac_fully_loaded_eur"] = float(s.get("cac_fully_loaded", np.nan))
        row["ltv_to_cac"] = float(s.get("ltv_to_cac", np.nan))
        rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    total: dict[str, Any] = {"region": "Gesamt"}
    total.update({k: float(table[k].sum()) for k in additive if k in table})
    cost = total.get("cost_total", np.nan)
    if total.get("new_customers"):
        total["cac_fully_loaded_eur"] = cost / total["new_customers"]
    if "lifetime_value_new_customers" in total and cost:
        total["ltv_to_cac"] = total["lifetime_value_new_customers"] / cost
    euros = ("mrr_start", "mrr_end", "arr_end", *_BOOKINGS[:3], "budget_total", "cost_total")
    euros += ("lifetime_value_new_customers", "cash_start")
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True).rename(
        columns={k: f"{k}_eur" for k in euros}
    )


def consolidated_key_figures(table: pd.DataFrame, consolidated: pd.DataFrame) -> dict[str, float]:
    """Key figures of the company: sums of the regions, cash low point of the summed cash.

    Transactional plans (the table has ``bookings_total_eur``) give their bookings, repeat
    purchases and mean new deal (new-deal bookings ÷ new customers) instead of the MRR,
    which they give only when the table has it (a recurring share).
    """
    total = table[table["region"] == "Gesamt"].iloc[0]
    out = {
        "regions": float(len(table) - 1),
        "new_customers": float(total["new_customers"]),
        "customers_end": float(total["customers_end"]),
    }
    if "bookings_total_eur" in total:
        out["bookings_total"] = float(total["bookings_total_eur"])
        out["bookings_new_total"] = float(total["bookings_new_total_eur"])
        out["bookings_repeat_total"] = float(total["bookings_repeat_total_eur"])
        out["repeat_purchases_total"] = float(total["repeat_purchases_total"])
        new = out["new_customers"]
        out["deal_size_avg"] = out["bookings_new_total"] / new if new else float("nan")
    for k in _MRR:
        if f"{k}_eur" in total:
            out[k] = float(total[f"{k}_eur"])
    out["budget_total"] = float(total["budget_total_eur"])
    out["cac_fully_loaded"] = float(total["cac_fully_loaded_eur"])
    if "ltv_to_cac" in total:
        out["ltv_to_cac"] = float(total["ltv_to_cac"])
    cash = consolidated[consolidated["line_item"] == "cash_balance"]
    if len(cash):
        low = float(cash.groupby("month")["value"].sum().min())
        opening = float(total["cash_start_eur"]) if "cash_start_eur" in total else low
        out["cash_low_point"] = min(low, opening)  # the low point includes the opening
    return out
