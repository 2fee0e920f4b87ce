"""The calibrated plan of a transactional business (``planning init --business-model
transactional``): everything from the deals table.

Called by :func:`planning_lib.analysis.calibration.calibrate`. Over the 12 months up to
``as_of`` (the window):

* customer base, new customers, their bookings and the repeat purchases:
  :func:`planning_lib.metrics.transactional.purchase_history` (a customer is who won a
  deal; won deals in a later month than its first are repeat purchases);
* the base the repeat rate is measured on, and its lapse
  (:func:`planning_lib.metrics.transactional.repeat_base`): the
  plan buys ``rate × base`` a month and moves the base as ``base × (1 − churn) + new``,
  so rate and churn must be measured on the same base, or a decline of the buyers is
  counted twice (a rate per *all* customers already contains the dormant ones; a churn
  on top would remove them again). The base is the *active* base: customers with a won
  deal in the last K months, K = the months of history before the window, at most
  :data:`ACTIVE_MONTHS_MAX` (the span must be observable for every window month, or
  the window's early months could show no lapse). ``current.customers`` = the active
  base at plan start, ``churn_rate_monthly`` = net lapse of the window ÷ its
  month-start active base (:func:`planning_lib.metrics.transactional.active_base`:
  customers dropping out of the span minus those coming back; 0 when more came back).
  With fewer than :data:`ACTIVE_MONTHS_MIN` months before the window the lapse cannot
  be observed: the base is every customer, churn 0 (an assumption saying why);
* ``deal_size_eur`` = bookings of the new customers in their first month ÷ new
  customers; ``repeat_purchase_rate_monthly`` = repeat purchases ÷ month-start base
  summed over the window; ``repeat_deal_size_eur`` = repeat bookings ÷ repeat
  purchases (:mod:`planning_lib.metrics.transactional`). A deal size needs
  :data:`DEAL_SIZE_MIN_COUNT` customers (purchases): with fewer in the window its
  months reach back from the window's start until they hold that many or the history
  begins (:func:`planning_lib.metrics.transactional.sized_months`), and the YAML names
  the months used. ``planning analyse`` reports the same three figures from the same
  function (:func:`planning_lib.metrics.transactional.purchase_basis`);
* per channel: the new-business deals (deals of prospects: not created by a customer
  after its first won deal) created per month enter as SQL; ``demo_to_won`` = their win
  rate (won ÷ closed in the window, the rate of all channels below
  ``DEFAULTS['min_entered']`` closed deals), ``sql_to_demo`` = 1 (deals have no demo
  stage), ``lag_demo_to_won_months`` = the median cycle (created → close) of the won
  ones;
* the no-change target and the seasonality: the forecast baseline of the first won
  deal per customer (:func:`planning_lib.analysis.forecast.baseline.
  no_change_new_customers` on those deals);
* the revenue (bookings) target proposal: the no-change forecast of the monthly bookings
  (:func:`planning_lib.analysis.forecast.baseline.no_change_bookings`, the series of
  ``planning forecast --metric bookings``) summed over the plan year, P10–P90 in the
  comment; its baseline the bookings of the window;
* ``current.bookings_before_start_eur``: the won amounts of the
  :data:`BOOKINGS_BEFORE_START_MONTHS` close months up to ``as_of`` (oldest first); the
  plan receives them in its first months when ``drivers.payment_delay_months`` > 0;
* a recurring share is not in deals: 0, marked as an assumption.

A deals history shorter than a year: ``history.new_customers_last_year`` and the revenue
target's baseline are its months' figures scaled up to 12 months (from the first deal
created), per-month figures are ÷ its months, and the comments say so.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from planning_lib.analysis.calibration_common import (
    CalibrationError,
    Source,
    annualised,
    covered_span,
    covered_window,
    euros,
    no_change_target,
    seasonal_weights,
    split_exactly,
    window_label,
)
from planning_lib.analysis.calibration_team import team_and_costs
from planning_lib.analysis.forecast.baseline import (
    NoChangeBaseline,
    monthly_new_customers,
    no_change_bookings,
    no_change_new_customers,
)
from planning_lib.core.text_store import label_pair
from planning_lib.core.vocabulary import CHANNELS, SEGMENTS
from planning_lib.metrics.common import ratio
from planning_lib.metrics.deals import won_deals
from planning_lib.metrics.transactional import (
    ACTIVE_MONTHS_MAX,
    ACTIVE_MONTHS_MIN,
    DEAL_SIZE_MIN_COUNT,
    RepeatBase,
    clv_transactional,
    purchase_basis,
    purchase_history,
    repeat_base,
    sized_months,
)
from planning_lib.metrics.window import export_start, partial_first_month

__all__ = [
    "ACTIVE_MONTHS_MAX",
    "ACTIVE_MONTHS_MIN",
    "BOOKINGS_BEFORE_START_MONTHS",
    "DEAL_SIZE_MIN_COUNT",
    "RepeatBase",
    "bookings_before_start",
    "deal_channels",
    "deal_dimensions",
    "new_business_deals",
    "repeat_base",
    "sized_months",
    "transactional_plan",
    "transactional_values",
]

_DAYS_PER_MONTH = 365.25 / 12
BOOKINGS_BEFORE_START_MONTHS = 3
"""Months of bookings before plan start ``planning init`` writes (payment delays up to 3)."""


def bookings_before_start(
    deals: pd.DataFrame, as_of: pd.Period, months: int = BOOKINGS_BEFORE_START_MONTHS
) -> list[float]:
    """Won amounts (EUR) per close month of the ``months`` months up to ``as_of``, oldest
    first (new and repeat purchases: :func:`purchase_history`; a month without won deals
    is 0)."""
    hist = purchase_history(deals, as_of)
    span = pd.period_range(as_of - (months - 1), as_of, freq="M")
    if hist.empty:
        return [0.0] * len(span)
    booked = hist.set_index("month")[["new_bookings_eur", "repeat_bookings_eur"]].sum(axis=1)
    return [round(float(booked.get(m, 0.0)), 2) for m in span]


_CLOSED = ("won", "lost")


def _customer_key(deals: pd.DataFrame) -> pd.Series:
    cid = deals["customer_id"] if "customer_id" in deals.columns else pd.Series("", deals.index)
    return cid.fillna("").astype(str).str.strip()


def new_business_deals(deals: pd.DataFrame) -> pd.DataFrame:
    """The deals of prospects: every deal except those a customer created after the close
    of its first won deal (repeat purchases), with ``created``/``close`` as Timestamps and
    ``first_won`` (the deal is its customer's first won deal)."""
    d = deals.assign(
        created=pd.to_datetime(deals["created_date"], errors="coerce"),
        close=pd.to_datetime(deals["close_date"], errors="coerce"),
        key=_customer_key(deals),
    )
    won = won_deals(d)
    won = won[won["key"] != ""].sort_values(["close", "deal_id"])
    first_close = won.groupby("key")["close"].min()
    first_id = won.groupby("key")["deal_id"].first()
    known = d["key"].map(first_close)
    repeat = known.notna() & (d["created"] > known)
    d = d[~repeat].copy()
    d["first_won"] = (d["stage"] == "won") & (
        (d["key"] == "") | d["deal_id"].isin(set(first_id.astype(str)))
    )
    return d


def _order(names: list[str], known: tuple[str, ...]) -> list[str]:
    return [c for c in known if c in names] + sorted(n for n in names if n not in known)


def deal_channels(
    new_deals: pd.DataFrame, as_of: pd.Period, min_closed: int, src: dict[str, Source]
) -> tuple[dict[str, dict[str, Any]], dict[str, float]]:
    """Each channel's funnel from the new-business deals (:func:`new_business_deals`; the
    module docstring: deals created per month enter as SQL, the win rate is
    ``demo_to_won``, the cycle its lag) and its deals created in the window (count)."""
    win = window_label(as_of)
    # deals created per month over the months the data covers (a shorter history: ÷ its
    # months, not ÷ 12, which would understate the volume)
    first = new_deals["created"].min()
    # a first month the export covers only after its first days is no month of volume
    part = (
        partial_first_month(first.to_period("M"), export_start(new_deals), by_close=False)
        if pd.notna(first) and as_of - 11 <= first.to_period("M") < as_of
        else None
    )
    if part is not None:
        first = (part.month + 1).start_time
    created_win, months = covered_window(as_of, first)
    lo, hi = (as_of - 11).start_time, as_of.end_time
    created_lo = max(lo, first) if part is not None else lo
    created_w = new_deals[(new_deals["created"] >= created_lo) & (new_deals["created"] <= hi)]
    closed_w = new_deals[
        new_deals["stage"].isin(_CLOSED) & (new_deals["close"] >= lo) & (new_deals["close"] <= hi)
    ]
    channel = new_deals["channel"].fillna("").astype(str)
    names = _order(sorted(set(channel[channel != ""])), CHANNELS)
    all_won = int((closed_w["stage"] == "won").sum())
    all_rate = float(ratio(all_won, len(closed_w))) if len(closed_w) else 0.0
    out: dict[str, dict[str, Any]] = {}
    volumes: dict[str, float] = {}
    for ch in names:
        p = f"channels.{ch}"
        created = int((created_w["channel"].astype(str) == ch).sum())
        closed = closed_w[closed_w["channel"].astype(str) == ch]
        won = closed[closed["stage"] == "won"]
        volumes[ch] = float(created)
        if len(closed) >= min_closed:
            rate = float(ratio(len(won), len(closed)))
            src[f"{p}.demo_to_won"] = Source(
                "init.win_rate", {"won": len(won), "closed": len(closed), "window": win}
            )
        else:
            rate = all_rate
            src[f"{p}.demo_to_won"] = Source(
                "init.win_rate_all",
                {"closed": len(closed), "all": len(closed_w), "window": win},
                assumption=True,
            )
        days = (won["close"] - won["created"]).dt.days.median() if len(won) else np.nan
        de, en = label_pair(f"init.channel.{ch}", ch)
        out[ch] = {
            "label_de": de,
            "label_en": en,
            "lead_share": 0.0,
            "entry_stage": "sql",
            "leads_per_month": round(created / months, 2),
            "sql_to_demo": 1.0,
            "demo_to_won": round(rate, 4),
            "lag_sql_to_demo_months": 0,
            "lag_demo_to_won_months": round(float(days) / _DAYS_PER_MONTH) if pd.notna(days) else 0,
            "leads_seasonality": "flat",
        }
        src[f"{p}.entry_stage"] = Source("init.entry_deals", {})
        vol = {"count": created, "window": created_win, "months": months}
        if part is not None:
            vol.update(month=str(part.month), day=part.start.date())
        src[f"{p}.leads_per_month"] = Source(
            "init.new_deals_partial" if part is not None else "init.new_deals", vol
        )
        src[f"{p}.sql_to_demo"] = Source("init.no_demo_stage", {})
        src[f"{p}.lag_demo_to_won_months"] = Source(
            "init.cycle", {"days": 0 if pd.isna(days) else float(days), "count": len(won)}
        )
        src[f"{p}.leads_seasonality"] = Source("init.season_deals", {}, assumption=True)
    shares = split_exactly(1.0, volumes, 4)
    for ch, item in out.items():
        item["lead_share"] = float(shares[ch])
        src[f"channels.{ch}.lead_share"] = Source("init.lead_share", {"window": win})
    return out, volumes


def _new_share(new_deals: pd.DataFrame, as_of: pd.Period) -> tuple[dict[str, float], int]:
    """Share of the window's new customers (first won deals) per channel."""
    first = new_deals[new_deals["first_won"]]
    m = first["close"].dt.to_period("M")
    first = first[(m >= as_of - 11) & (m <= as_of)]
    counts = first["channel"].fillna("").astype(str).value_counts()
    counts = counts[counts.index != ""]
    return split_exactly(1.0, {str(k): float(v) for k, v in counts.items()}, 4), len(first)


def _sized_source(key: str, sized: pd.DataFrame, as_of: pd.Period, args: dict) -> Source:
    """The source of a deal size measured on ``sized``'s months (``key`` + ``_extended``
    when they reach back before the window)."""
    first = sized["month"].min()
    label = f"{first}..{as_of}"
    if first < as_of - 11:
        extra = {"period": window_label(as_of), "min": DEAL_SIZE_MIN_COUNT}
        return Source(f"{key}_extended", {**args, "window": label, **extra})
    return Source(key, {**args, "window": label})


def transactional_values(
    deals: pd.DataFrame, as_of: pd.Period, defaults: dict[str, Any], src: dict[str, Source]
) -> tuple[dict[str, Any], NoChangeBaseline, pd.DataFrame, dict[str, float]]:
    """The company-independent sections (current, history, drivers, channels, targets,
    no-change forecast) of a transactional plan calibrated from the deals.

    Args:
        deals: canonical deals.
        as_of: last month of history.
        defaults: the calibration's ``DEFAULTS`` (gross margin, thresholds).
        src: dotted parameter path → source, filled here.

    Returns:
        The parameter sections, the no-change baseline of new customers, the window's
        new customers as :func:`planning_lib.analysis.calibration_team.team_and_costs`
        reads them (one row each, ``first_mrr_eur`` = their first month's bookings ÷
        12 ÷ count: 12 × the sum is the new customers' first-year revenue, the
        commission base) and the new-business deals created per channel in the window.

    Raises:
        CalibrationError: no new customers in the window.
    """
    win = window_label(as_of)
    plan_start = (as_of + 1).start_time
    pb = purchase_basis(deals, as_of)
    n_new = pb.new_customers
    if n_new == 0:
        raise CalibrationError(f"no won deals of new customers in {win}: nothing to calibrate")
    new_bookings = pb.new_bookings_eur
    rb = pb.repeat
    repeats, base, rate = rb.repeats, rb.base, rb.rate
    sized, n_sized, sized_bookings = pb.sized, pb.sized_customers, pb.sized_bookings_eur
    size = pb.deal_size_eur
    sized_r, n_rep_sized = pb.sized_repeats, pb.sized_repeat_purchases
    if n_rep_sized:
        repeat_size = pb.repeat_deal_size_eur
        src["drivers.transactional.repeat_deal_size_eur"] = _sized_source(
            "init.repeat_size", sized_r, as_of, {"repeats": n_rep_sized, "in_window": repeats}
        )
    else:
        repeat_size = size
        src["drivers.transactional.repeat_deal_size_eur"] = Source(
            "init.repeat_size_none", {"window": win}, assumption=True
        )
    customers = rb.customers
    end_date = as_of.end_time.date().isoformat()
    if rb.active_months:
        src["current.customers"] = Source(
            "init.customers_active", {"date": end_date, "months": rb.active_months}
        )
    else:
        src["current.customers"] = Source("init.customers_deals", {"date": end_date})
    src["current.mrr_eur"] = Source("init.no_mrr", {}, assumption=True)
    src["current.cash_eur"] = Source("init.cash", {}, assumption=True)
    before = bookings_before_start(deals, as_of)
    src["current.bookings_before_start_eur"] = Source(
        "init.bookings_before_start",
        {"first": str(as_of - (len(before) - 1)), "last": str(as_of), "months": len(before)},
    )
    src["drivers.transactional.deal_size_eur"] = _sized_source(
        "init.deal_size",
        sized,
        as_of,
        {"customers": n_sized, "bookings": round(sized_bookings), "in_window": n_new},
    )
    if rb.active_months:
        src["drivers.transactional.repeat_purchase_rate_monthly"] = Source(
            "init.repeat_rate_active",
            {"repeats": repeats, "base": base, "window": win, "months": rb.active_months},
        )
        src["drivers.churn_rate_monthly.start"] = Source(
            "init.lapse" if rb.lapsed >= 0 else "init.lapse_negative",
            {"lapsed": abs(rb.lapsed), "base": base, "window": win, "months": rb.active_months},
        )
    else:
        src["drivers.transactional.repeat_purchase_rate_monthly"] = Source(
            "init.repeat_rate", {"repeats": repeats, "base": base, "window": win}
        )
        src["drivers.churn_rate_monthly.start"] = Source(
            "init.churn_deals",
            {"months": rb.history_months, "min": ACTIVE_MONTHS_MIN},
            assumption=True,
        )
    src["drivers.arpa_monthly_eur"] = Source("init.arpa_recurring", {}, assumption=True)
    for key in ("gross_margin", "annual_prepay_share", "payment_delay_months"):
        src[f"drivers.{key}"] = Source(f"init.{key}", {}, assumption=True)
    gm = defaults["gross_margin"]
    cap = 60.0
    churn = round(rb.churn, 4)
    # the plan's constant-churn reading (summary clv_start_churn: lifetime 1 ÷ churn,
    # uncapped, as the subscription plan's formula CLV), so a new plan's stated CLV is
    # its own; without churn the lifetime is infinite: the cap
    life = 1.0 / churn if churn > 0 else cap
    clv = float(clv_transactional(size, rate, repeat_size, gm, life))
    src["history.clv_eur"] = Source(
        "init.clv_transactional", {"margin": round(100 * gm), "months": round(life)}
    )
    new_deals = new_business_deals(deals)
    shares, _ = _new_share(new_deals, as_of)
    src["history.new_customer_share_by_source"] = Source(
        "init.new_share", {"window": win, "count": n_new}
    )
    first = new_deals[new_deals["first_won"]]
    # the first wins are a part of the deals: the export (its start, its repeat
    # purchases) is the whole table
    baseline = no_change_new_customers(first, plan_start, whole=deals)
    history_m = monthly_new_customers(first, plan_start, whole=deals)
    # a count per plan year: a history shorter than a year is scaled up to 12 months; a
    # first month partial in the export leaves the count with its month, as it leaves the
    # baseline, the bookings and the deals per rep
    span = covered_span(as_of, pd.to_datetime(deals["created_date"], errors="coerce").min())
    counted = n_new
    part = history_m.attrs.get("partial_first_month")
    if part is not None and part.month >= as_of - (span.months - 1):
        counted -= int((first["close"].dt.to_period("M") == part.month).sum())
        span = covered_span(as_of, (part.month + 1).start_time)
    n_year = round(annualised(counted, span.months))
    src["history.new_customers_last_year"] = Source(
        "init.new_customers_deals", {"window": span, "count": counted}
    )
    season = seasonal_weights(history_m, defaults["min_season_months"])
    src["drivers.seasonality"] = (
        Source("init.season_first_deals", {"months": len(history_m)})
        if season is not None
        else Source("init.season_flat", {"months": len(history_m)}, assumption=True)
    )
    fsrc = {
        "expected": round(baseline.expected),
        "p10": round(baseline.p10),
        "p90": round(baseline.p90),
        "months": len(history_m),
    }
    src["forecast_no_change_new_customers"] = Source("init.baseline_first_deals", fsrc)
    channels, volumes = deal_channels(new_deals, as_of, defaults["min_entered"], src)
    values: dict[str, Any] = {
        "current": {
            "customers": customers,
            "mrr_eur": 0.0,
            "reps": {},
            "cash_eur": 0.0,
            "bookings_before_start_eur": before,
        },
        "history": {
            "new_customers_last_year": n_year,
            "cac_eur": 0.0,
            "clv_eur": round(clv, 2),
            "new_customer_share_by_source": {c: shares[c] for c in channels if c in shares},
        },
        "drivers": {
            "churn_rate_monthly": {"start": churn, "path": "constant"},
            "arpa_monthly_eur": 0.0,
            "gross_margin": gm,
            "annual_prepay_share": defaults["annual_prepay_share"],
            "payment_delay_months": defaults["payment_delay_months"],
            "new_customers_basis": "target",
            "seasonality": season,
            "transactional": {
                "deal_size_eur": round(size, 2),
                "repeat_purchase_rate_monthly": round(rate, 4),
                "repeat_deal_size_eur": round(repeat_size, 2),
            },
        },
        "channels": channels,
    }
    new_w = pd.DataFrame({"first_mrr_eur": np.full(n_new, new_bookings / 12 / n_new)})
    return values, baseline, new_w, volumes


def transactional_plan(
    tables: dict[str, pd.DataFrame],
    as_of: pd.Period,
    company_name: str,
    defaults: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Source], NoChangeBaseline]:
    """The complete parameter dict of a transactional no-change plan and its sources."""
    deals = tables["deals"]
    src: dict[str, Source] = {}
    sections, baseline, new_w, volumes = transactional_values(deals, as_of, defaults, src)
    plan_start = (as_of + 1).start_time.date()
    deadline = (as_of + 12).end_time.date()
    _, products, segments = deal_dimensions(deals)
    values: dict[str, Any] = {
        "company": {
            "name": company_name or "Meine Firma",
            "currency": "EUR",
            "locale": "de",
            "plan_start": plan_start,
            "horizon_months": 12,
            "regions": [],
            "products": products,
            "segments": segments,
            "business_model": "transactional",
        },
        **{k: sections[k] for k in ("current", "history", "drivers")},
    }
    src["company.name"] = Source("init.name", {}, assumption=not company_name)
    src["company.plan_start"] = Source("init.plan_start", {"as_of": str(as_of)})
    src["company.business_model"] = Source("init.business_model", {})
    values["market"] = {"growth_rate_yearly": defaults["market_growth_rate_yearly"]}
    src["market"] = Source("init.market", {}, assumption=True)
    expected = round(baseline.expected)
    values["forecast_no_change_new_customers"] = expected
    fsrc = dict(src["forecast_no_change_new_customers"].args)
    values["targets"] = [
        no_change_target(expected, deadline, values["history"]["new_customers_last_year"])
    ]
    src["targets.0.value"] = Source("init.target_new", fsrc, assumption=True)
    booked = no_change_bookings(deals, plan_start)
    span = covered_span(as_of, pd.to_datetime(deals["created_date"], errors="coerce").min())
    if booked.partial is not None and booked.partial.month >= as_of - (span.months - 1):
        # the first month, partial in the export, left the bookings: so it leaves their
        # months (the year is scaled from the months the bookings hold)
        span = covered_span(as_of, (booked.partial.month + 1).start_time)
    revenue = round(booked.expected)
    rsrc = {"expected": revenue, "p10": round(booked.p10), "p90": round(booked.p90)}
    rde, ren = label_pair("init.target_revenue_description")
    values["targets"].append(
        {
            "code": "revenue",
            "metric": "revenue",
            "value": revenue,
            "unit": "EUR",
            "deadline": deadline,
            "baseline": round(annualised(booked.last_year, span.months)),
            "direction": "at_least",
            "description_de": rde.format(value=euros(revenue, "de")),
            "description_en": ren.format(value=euros(revenue, "en")),
        }
    )
    src["targets.1.value"] = Source("init.target_revenue", rsrc, assumption=True)
    src["targets.1.baseline"] = Source("init.target_revenue_baseline", {"window": span})
    src["drivers.new_customers_basis"] = Source("init.basis", {})
    values["channels"] = sections["channels"]
    team = team_and_costs(tables, as_of, new_w, volumes, src)
    values["current"]["reps"] = team.reps
    values["history"]["cac_eur"] = team.cac_eur
    values["organisation"] = team.organisation
    values["compensation"] = team.compensation
    values["budget"] = team.budget
    for ch, cpl in team.cost_per_lead.items():
        if ch in values["channels"]:
            values["channels"][ch]["cost_per_lead_eur"] = cpl
    values["personas"] = []
    src["personas"] = Source("init.personas", {}, assumption=True)
    return values, src, baseline


def deal_dimensions(deals: pd.DataFrame) -> tuple[list[str], list[str], list[str]]:
    """Regions, products and segments named in the deals (segments in glossary order)."""

    def names(col: str) -> list[str]:
        if col not in deals.columns:
            return []
        return sorted(set(deals[col].dropna().astype(str)) - {""})

    segs = names("segment")
    return names("region"), names("product"), _order(segs, SEGMENTS)
