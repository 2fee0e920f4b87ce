"""Region files calibrated from the history: each region's share of the additive figures.

Part of :mod:`planning_lib.analysis.calibration`. Every additive figure of the base plan
(the figures :mod:`planning_lib.core.region_sums` checks) is split over the regions of
the data in proportion to the region's own history, rounded to the figure's unit, so that
the regions add up to the base exactly (:func:`split_exactly`):

* customers, MRR and cash: the region's active customers and MRR on the as-of month's
  last day (the region of a customer's first subscription);
* reps: the region's employees of the role on that day;
* new customers last year, the no-change forecast and the new-customer target: the
  region's new customers in the window;
* leads per month of a channel: the region's entry-stage leads of the channel in the
  window;
* budget per category: the region's costs of the category in the window.

Rates (conversions, churn, ARPA, lags, cost per lead) are the company's: a region file
names only what differs.
"""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd

from planning_lib.analysis.calibration_common import Source, split_exactly, window_label
from planning_lib.analysis.calibration_team import employed
from planning_lib.analysis.funnel import leads_by_month
from planning_lib.metrics.common import month_of
from planning_lib.metrics.customers import CustomerMatrix, mrr_bridge_observed

__all__ = ["region_files"]


def _weights(series: pd.Series, regions: list[str]) -> dict[str, float]:
    return {r: float(series.get(r, 0.0)) for r in regions}


def _share(part: float, total: float) -> float:
    return round(100 * part / total, 1) if total else 0.0


def region_files(
    tables: dict[str, pd.DataFrame],
    base: dict[str, Any],
    cm: CustomerMatrix,
    new_w: pd.DataFrame,
    as_of: pd.Period,
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Source]]]:
    """One region file per region of the subscriptions (module docstring).

    Args:
        tables: canonical tables.
        base: the calibrated base parameters.
        cm: the customer matrix of the calibration.
        new_w: customers won in the window.
        as_of: last month of history.

    Returns:
        (region → its file's dict, region → dotted path → source).
    """
    win = window_label(as_of)
    bridge = mrr_bridge_observed(cm, "region")
    last = bridge[bridge["month"] == str(as_of)].set_index("region")
    regions = sorted(set(cm.customers["region"].astype(str)))
    w_customers = _weights(last["customers_end"], regions)
    w_mrr = _weights(last["mrr_end_eur"], regions)
    w_new = _weights(new_w["region"].astype(str).value_counts(), regions)
    files: dict[str, dict[str, Any]] = {r: {"region": r} for r in regions}
    srcs: dict[str, dict[str, Source]] = {r: {} for r in regions}

    def put(path: str, parts: dict[str, Any], key: str, weights: dict[str, float]) -> None:
        total = sum(weights.values())
        for r in regions:
            node = files[r]
            *head, leaf = path.split(".")
            for part in head:
                node = node.setdefault(part, {})
            node[leaf] = parts[r]
            srcs[r][path] = Source(key, {"share": _share(weights[r], total), "window": win})

    cur = base["current"]
    put(
        "current.customers",
        split_exactly(cur["customers"], w_customers, 0),
        "init.region_customers",
        w_customers,
    )
    put("current.mrr_eur", split_exactly(cur["mrr_eur"], w_mrr, 2), "init.region_mrr", w_mrr)
    put("current.cash_eur", split_exactly(cur["cash_eur"], w_mrr, 2), "init.region_mrr", w_mrr)
    hc = tables.get("headcount")
    for role, n in cur["reps"].items():
        w = dict.fromkeys(regions, 0.0)
        if hc is not None and "region" in hc.columns and len(hc):
            mine = hc[(hc["role"].astype(str) == role) & employed(hc, as_of.end_time.normalize())]
            w = _weights(mine["region"].astype(str).value_counts(), regions)
        put(f"current.reps.{role}", split_exactly(n, w, 0), "init.region_reps", w)
    hist = base["history"]["new_customers_last_year"]
    put("history.new_customers_last_year", split_exactly(hist, w_new, 0), "init.region_new", w_new)
    fc = base["forecast_no_change_new_customers"]
    fc_parts = split_exactly(fc, w_new, 0)
    put("forecast_no_change_new_customers", fc_parts, "init.region_new", w_new)
    hist_parts = split_exactly(hist, w_new, 0)
    for r in regions:
        targets = copy.deepcopy(base["targets"])
        for t in targets:
            if t["metric"] == "new_customers":
                t["value"] = fc_parts[r]
                t["baseline"] = hist_parts[r]
                t["description_de"] = f"{fc_parts[r]} Neukunden ohne Änderungen ({r})"
                t["description_en"] = f"{fc_parts[r]} new customers without changes ({r})"
        files[r]["targets"] = targets
        srcs[r]["targets.0.value"] = Source(
            "init.region_new", {"share": _share(w_new[r], sum(w_new.values())), "window": win}
        )
    leads = tables["leads"]
    for ch, item in base["channels"].items():
        mine = leads[leads["channel"].astype(str) == ch]
        counts = leads_by_month(mine, as_of, "region") if len(mine) else pd.DataFrame()
        w = dict.fromkeys(regions, 0.0)
        if len(counts):
            recent = counts[counts["month"] >= str(as_of - 11)]
            w = _weights(recent.groupby("region")[item["entry_stage"]].sum(), regions)
        put(
            f"channels.{ch}.leads_per_month",
            split_exactly(item["leads_per_month"], w, 2),
            "init.region_leads",
            w,
        )
    costs = tables.get("costs")
    by_cat = base["budget"]["by_category"]
    if by_cat:
        m = month_of(costs["month"])
        recent = costs[(m >= as_of - 11) & (m <= as_of)]
        for cat, value in by_cat.items():
            rows = recent[recent["category"].astype(str) == cat]
            w = _weights(rows.groupby(rows["region"].astype(str))["amount_eur"].sum(), regions)
            put(f"budget.by_category.{cat}", split_exactly(value, w, 2), "init.region_costs", w)
        for r in regions:
            total = round(sum(files[r]["budget"]["by_category"].values()), 2)
            files[r]["budget"] = {"total_eur": total, **files[r]["budget"]}
            srcs[r]["budget.total_eur"] = Source("init.region_budget", {})
    return files, srcs
