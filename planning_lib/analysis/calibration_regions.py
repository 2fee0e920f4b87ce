"""Region files calibrated from the history: each region's share of the additive figures.

Part of :mod:`planning_lib.analysis.calibration`. Every additive figure of the base plan
(the figures :mod:`planning_lib.core.region_sums` checks) is split over the regions of
the data in proportion to the region's own history, rounded to the figure's unit, so that
the regions add up to the base exactly (:func:`split_exactly`):

* customers, MRR and cash: the region's active customers and MRR on the as-of month's
  last day (the region of a customer's first subscription); the cash, an assumption in
  the base (0 €, not in the data), stays one in each region file;
* reps: the region's employees of the role on that day (without a headcount table, reps
  counted from the deal owners: the owners whose window deals are mostly in the region,
  ties to the first region by name);
* new customers last year, the no-change forecast and the new-customer target: the
  region's new customers in the window;
* leads per month of a channel: the region's entry-stage leads of the channel in the
  window (without a leads table: the region's deals of prospects created in the window
  in the channel, as the channels were calibrated from them);
* budget per category: the region's costs of the category in the window.

Rates (conversions, churn, ARPA, lags, cost per lead) are the company's: a region file
names only what differs. A transactional plan's region files
(:func:`transactional_region_files`) split the same figures by the deals: customers by
the region of their first won deal, new-deal volume per channel by the region's deals
of prospects.
"""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd

from planning_lib.analysis.calibration_common import (
    Source,
    covered_window,
    euros,
    split_exactly,
)
from planning_lib.analysis.calibration_team import employed, rep_owner_deals
from planning_lib.analysis.calibration_transactional import (
    BOOKINGS_BEFORE_START_MONTHS,
    bookings_before_start,
    new_business_deals,
)
from planning_lib.analysis.funnel import leads_by_month
from planning_lib.core.text_store import label_pair
from planning_lib.metrics.common import month_of
from planning_lib.metrics.customers import CustomerMatrix, mrr_bridge_observed
from planning_lib.metrics.deals import won_deals
from planning_lib.metrics.transactional import customer_key, repeat_base

__all__ = ["region_files", "transactional_region_files"]


def _weights(series: pd.Series, regions: list[str]) -> dict[str, float]:
    return {r: float(series.get(r, 0.0)) for r in regions}


def _share(part: float, total: float) -> float:
    return round(100 * part / total, 1) if total else 0.0


class _Files:
    """The region files under construction: ``put`` writes a split figure and its source."""

    def __init__(self, regions: list[str], win: str) -> None:
        self.regions = regions
        self.win = win
        self.files: dict[str, dict[str, Any]] = {r: {"region": r} for r in regions}
        self.srcs: dict[str, dict[str, Source]] = {r: {} for r in regions}

    def put(self, path: str, parts: dict[str, Any], key: str, weights: dict[str, float]) -> None:
        total = sum(weights.values())
        for r in self.regions:
            node = self.files[r]
            *head, leaf = path.split(".")
            for part in head:
                node = node.setdefault(part, {})
            node[leaf] = parts[r]
            self.srcs[r][path] = Source(
                key, {"share": _share(weights[r], total), "window": self.win}
            )

    def split(self, path: str, value: float, decimals: int, key: str, w: dict[str, float]) -> None:
        self.put(path, split_exactly(value, w, decimals), key, w)

    def cash(self, value: float, w: dict[str, float]) -> None:
        """The cash at plan start: the base's is an assumption (not in the data), so each
        region's share of it is one too, and its comment says so (not the weights')."""
        self.split("current.cash_eur", value, 2, "init.region_cash", w)
        for r in self.regions:
            self.srcs[r]["current.cash_eur"] = Source("init.region_cash", {}, assumption=True)

    def reps(self, tables: dict[str, pd.DataFrame], reps: dict[str, int], as_of: pd.Period) -> None:
        hc = tables.get("headcount")
        for role, n in reps.items():
            w = dict.fromkeys(self.regions, 0.0)
            key = "init.region_reps"
            if hc is not None and "region" in hc.columns and len(hc):
                day = as_of.end_time.normalize()
                mine = hc[(hc["role"].astype(str) == role) & employed(hc, day)]
                w = _weights(mine["region"].astype(str).value_counts(), self.regions)
            elif (hc is None or not len(hc)) and "region" in tables.get("deals", {}):
                worked = rep_owner_deals(tables["deals"], as_of)
                counts = worked.groupby(["owner", worked["region"].astype(str)]).size()
                ranked = counts.reset_index(name="n").sort_values(
                    ["owner", "n", "region"], ascending=[True, False, True]
                )
                home = ranked.drop_duplicates("owner")["region"]
                w = _weights(home.value_counts(), self.regions)
                key = "init.region_reps_owners"
            self.split(f"current.reps.{role}", n, 0, key, w)

    def new_customers(self, base: dict[str, Any], w_new: dict[str, float]) -> None:
        """New customers last year, the no-change forecast and the new-customer target."""
        hist = base["history"]["new_customers_last_year"]
        self.split("history.new_customers_last_year", hist, 0, "init.region_new", w_new)
        fc_parts = split_exactly(base["forecast_no_change_new_customers"], w_new, 0)
        self.put("forecast_no_change_new_customers", fc_parts, "init.region_new", w_new)
        hist_parts = split_exactly(hist, w_new, 0)
        for r in self.regions:
            targets = copy.deepcopy(base["targets"])
            for t in targets:
                if t["metric"] == "new_customers":
                    t["value"] = fc_parts[r]
                    t["baseline"] = hist_parts[r]
                    t["description_de"] = f"{fc_parts[r]} Neukunden ohne Änderungen ({r})"
                    t["description_en"] = f"{fc_parts[r]} new customers without changes ({r})"
            self.files[r]["targets"] = targets
            self.srcs[r]["targets.0.value"] = Source(
                "init.region_new",
                {"share": _share(w_new[r], sum(w_new.values())), "window": self.win},
            )

    def budget(
        self, tables: dict[str, pd.DataFrame], base: dict[str, Any], as_of: pd.Period
    ) -> None:
        """Budget per category by the region's costs of the category in the window."""
        by_cat = base["budget"]["by_category"]
        if not by_cat:
            return
        costs = tables["costs"]
        m = month_of(costs["month"])
        recent = costs[(m >= as_of - 11) & (m <= as_of)]
        for cat, value in by_cat.items():
            rows = recent[recent["category"].astype(str) == cat]
            w = _weights(rows.groupby(rows["region"].astype(str))["amount_eur"].sum(), self.regions)
            self.split(f"budget.by_category.{cat}", value, 2, "init.region_costs", w)
        for r in self.regions:
            total = round(sum(self.files[r]["budget"]["by_category"].values()), 2)
            self.files[r]["budget"] = {"total_eur": total, **self.files[r]["budget"]}
            self.srcs[r]["budget.total_eur"] = Source("init.region_budget", {})


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
    bridge = mrr_bridge_observed(cm, "region")
    last = bridge[bridge["month"] == str(as_of)].set_index("region")
    regions = sorted(set(cm.customers["region"].astype(str)))
    w_customers = _weights(last["customers_end"], regions)
    w_mrr = _weights(last["mrr_end_eur"], regions)
    w_new = _weights(new_w["region"].astype(str).value_counts(), regions)
    # the shares' months: the window, or a shorter history's own (as the base's comments)
    out = _Files(regions, covered_window(as_of, cm.months[0].start_time)[0])
    cur = base["current"]
    out.split("current.customers", cur["customers"], 0, "init.region_customers", w_customers)
    out.split("current.mrr_eur", cur["mrr_eur"], 2, "init.region_mrr", w_mrr)
    out.cash(cur["cash_eur"], w_mrr)
    out.reps(tables, cur["reps"], as_of)
    out.new_customers(base, w_new)
    if "leads" not in tables:  # channels calibrated from the deals: split by them
        _deal_volumes(out, tables["deals"], base, as_of)
        out.budget(tables, base, as_of)
        return out.files, out.srcs
    leads = tables["leads"]
    for ch, item in base["channels"].items():
        mine = leads[leads["channel"].astype(str) == ch]
        counts = leads_by_month(mine, as_of, "region") if len(mine) else pd.DataFrame()
        w = dict.fromkeys(regions, 0.0)
        if len(counts):
            recent = counts[counts["month"] >= str(as_of - 11)]
            w = _weights(recent.groupby("region")[item["entry_stage"]].sum(), regions)
        out.split(
            f"channels.{ch}.leads_per_month", item["leads_per_month"], 2, "init.region_leads", w
        )
    out.budget(tables, base, as_of)
    return out.files, out.srcs


def _first_won(deals: pd.DataFrame, as_of: pd.Period) -> pd.DataFrame:
    """Each customer's first won deal up to ``as_of`` (a won deal without customer is a
    customer of its own, as in :func:`planning_lib.metrics.transactional.purchase_history`):
    ``month`` (its close month), ``region`` and ``last`` (the close month of its last won
    deal up to ``as_of``)."""
    won = won_deals(deals)
    month = pd.to_datetime(won["close_date"], errors="coerce").dt.to_period("M")
    won = won.assign(month=month)
    won = won[won["month"].notna() & (won["month"] <= as_of)]
    region = won["region"] if "region" in won.columns else pd.Series("", index=won.index)
    won = won.assign(
        who=customer_key(won),
        region=region.fillna("").astype(str),
        close=pd.to_datetime(won["close_date"], errors="coerce"),
    )
    won = won.sort_values(["close", "deal_id"], kind="mergesort")
    first = won.groupby("who", sort=True)[["month", "region"]].first()
    return first.assign(last=won.groupby("who", sort=True)["month"].max())


def transactional_region_files(
    tables: dict[str, pd.DataFrame], base: dict[str, Any], as_of: pd.Period
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Source]]]:
    """One region file per region of the deals of a transactional plan (module docstring
    of :mod:`planning_lib.analysis.calibration_transactional` for the base figures):

    * customers, MRR and cash: the region's customers (who won a deal up to ``as_of``;
      the region of their first won deal; of the active base when the base plan's is:
      a won deal in its last K months, :func:`repeat_base`);
    * bookings before plan start: the region's own won deals per close month (not a
      split of the base's; deals without a region are in the base only);
    * reps: the region's employees of the role on the as-of month's last day;
    * new customers last year, the no-change forecast and the target: the region's
      customers whose first won deal closed in the window;
    * the revenue (bookings) target and its baseline: the region's won amounts closed in
      the window;
    * new-deal volume per channel (``leads_per_month``): the region's deals of
      prospects created in the window in the channel;
    * budget per category: the region's costs of the category in the window.

    Every figure is split with :func:`split_exactly`, so the regions add up to the base.
    """
    deals = tables["deals"]
    region_col = deals["region"] if "region" in deals.columns else pd.Series(dtype=str)
    regions = sorted(set(region_col.dropna().astype(str)) - {""})
    first = _first_won(deals, as_of)
    new = first[first["month"] >= as_of - 11]
    k = repeat_base(deals, as_of).active_months
    active = first[first["last"] > as_of - k] if k else first
    w_customers = _weights(active["region"].value_counts(), regions)
    w_new = _weights(new["region"].value_counts(), regions)
    # the shares' months: the window, or a shorter history's own (as the base's comments)
    first_created = pd.to_datetime(deals["created_date"], errors="coerce").min()
    out = _Files(regions, covered_window(as_of, first_created)[0])
    cur = base["current"]
    key = "init.region_customers_active" if k else "init.region_customers_deals"
    out.split("current.customers", cur["customers"], 0, key, w_customers)
    out.split("current.mrr_eur", cur["mrr_eur"], 2, key, w_customers)
    out.cash(cur["cash_eur"], w_customers)
    if "bookings_before_start_eur" in cur:  # the region's own won deals per month
        span = {"first": str(as_of - (BOOKINGS_BEFORE_START_MONTHS - 1)), "last": str(as_of)}
        for r in regions:
            mine = bookings_before_start(deals[region_col.astype(str) == r], as_of)
            out.files[r].setdefault("current", {})["bookings_before_start_eur"] = mine
            out.srcs[r]["current.bookings_before_start_eur"] = Source(
                "init.region_bookings_before_start", span
            )
    out.reps(tables, cur["reps"], as_of)
    out.new_customers(base, w_new)
    _revenue_target(out, deals, base, as_of)
    _deal_volumes(out, deals, base, as_of)
    out.budget(tables, base, as_of)
    return out.files, out.srcs


def _revenue_target(
    out: _Files, deals: pd.DataFrame, base: dict[str, Any], as_of: pd.Period
) -> None:
    """The revenue target (value and baseline, whole euros) split by the region's won
    amounts closed in the window; nothing without a revenue target in the base."""
    at = [i for i, t in enumerate(base.get("targets", [])) if t["metric"] == "revenue"]
    if not at:
        return
    i = at[0]
    won = won_deals(deals)
    month = pd.to_datetime(won["close_date"], errors="coerce").dt.to_period("M")
    won = won[month.notna() & (month >= as_of - 11) & (month <= as_of)]
    region = won["region"] if "region" in won.columns else pd.Series("", index=won.index)
    booked = won["amount_eur"].astype(float).groupby(region.fillna("").astype(str)).sum()
    w = _weights(booked, out.regions)
    t = base["targets"][i]
    values = split_exactly(float(t["value"]), w, 0)
    baselines = split_exactly(float(t["baseline"]), w, 0)
    de, en = label_pair("init.target_revenue_description")
    for r in out.regions:
        mine = out.files[r]["targets"][i]
        mine["value"], mine["baseline"] = values[r], baselines[r]
        mine["description_de"] = f"{de.format(value=euros(values[r], 'de'))} ({r})"
        mine["description_en"] = f"{en.format(value=euros(values[r], 'en'))} ({r})"
        out.srcs[r][f"targets.{i}.value"] = Source(
            "init.region_revenue", {"share": _share(w[r], sum(w.values())), "window": out.win}
        )


def _deal_volumes(out: _Files, deals: pd.DataFrame, base: dict[str, Any], as_of: pd.Period) -> None:
    """``leads_per_month`` of each channel split by the region's deals of prospects
    created in the window in the channel (deals naming no channel at all: the base's one
    channel holds them all)."""
    nb = new_business_deals(deals)
    lo, hi = (as_of - 11).start_time, as_of.end_time
    nb = nb[(nb["created"] >= lo) & (nb["created"] <= hi)]
    channel = nb["channel"] if "channel" in nb.columns else pd.Series("", index=nb.index)
    channel = channel.fillna("").astype(str).str.strip()
    region = nb["region"] if "region" in nb.columns else pd.Series("", index=nb.index)
    one = len(base["channels"]) == 1 and not (channel != "").any()
    for ch, item in base["channels"].items():
        mine = region[(channel == ch) | one]
        w = _weights(mine.fillna("").astype(str).value_counts(), out.regions)
        path = f"channels.{ch}.leads_per_month"
        out.split(path, item["leads_per_month"], 2, "init.region_new_deals", w)
