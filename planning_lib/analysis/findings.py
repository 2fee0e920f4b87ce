"""The findings of the as-is analysis: which statements the data supports, with their numbers.

Each rule reads the tables and key figures of an :class:`~planning_lib.analysis.asis.Analysis`
and returns a :class:`~planning_lib.core.finding.Finding` (a code, a severity and the numbers
behind it), or None when the data does not support the statement (too few leads, a single
channel, no costs...). The sentences are written by
:mod:`planning_lib.present.analysis_finding_texts` from the text store's templates
``analysis_finding.<code>``; they are of the kind the seed gives: "70 % der Neukunden kamen
über Instagram, aber Facebook-Leads konvertieren 15 % besser". "x % besser" is always
relative (rate_b ÷ rate_a − 1) and both rates are given in brackets.

``numbers`` is what ``planning analyse`` writes to ``findings.json``; ``facts`` holds what
the sentence states beyond it (the analysis year, a channel's German and English names).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from planning_lib.analysis.asis import Analysis, figure_periods, window_months
from planning_lib.analysis.funnel import ALL
from planning_lib.core.finding import Finding

__all__ = [
    "CLV_TO_CAC_RULE",
    "GENERATORS",
    "MAX_P_VALUE",
    "MIN_ABC_CUSTOMERS",
    "MIN_CYCLE_GAP",
    "MIN_LEADS",
    "MIN_OBSERVATIONS",
    "MIN_RELATIVE_GAP",
    "MIN_WON_DEALS",
    "NEEDS",
    "config_findings",
    "generate_findings",
    "skipped_findings",
    "two_proportion_p_value",
]

MIN_LEADS = 30
"""Fewest leads in a cohort stage before a conversion rate is compared."""
MIN_OBSERVATIONS = 30
"""A segment or rate resting on fewer observations carries a caveat: in a finding and in
the tables readers see (:func:`planning_lib.present.tables.sample_caveats`)."""
MIN_RELATIVE_GAP = 0.05
"""Smallest relative difference (share) worth a finding."""
MAX_P_VALUE = 0.05
"""Largest p-value of a two-proportion z-test for a difference between channels."""
CLV_TO_CAC_RULE = 3
"""Rule of thumb: CLV should be at least this multiple of the (fully loaded) CAC."""
MIN_WON_DEALS = 10
"""Fewest won deals of a channel before its sales cycle is compared."""
MIN_CYCLE_GAP = 0.2
"""Smallest relative gap between the slowest and fastest median sales cycle worth a finding."""
MIN_ABC_CUSTOMERS = 10
"""Fewest customers before the ABC concentration is stated."""


def _ok(*values: float | None) -> bool:
    return all(v is not None and not (isinstance(v, float) and math.isnan(v)) for v in values)


def _channel(a: Analysis, code: str) -> tuple[str, str]:
    """(German, English) name of a channel; the code itself when it has none."""
    return a.labels.get(code, (code, code))


def two_proportion_p_value(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided p-value of the z-test that two conversion rates k1/n1 and k2/n2 are equal."""
    if min(n1, n2) == 0:
        return math.nan
    pooled = (k1 + k2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = (k1 / n1 - k2 / n2) / se
    return math.erfc(abs(z) / math.sqrt(2))


def channel_mix_vs_conversion(a: Analysis) -> Finding | None:
    """Largest source of new customers vs. a channel converting differently at one stage.

    Compares the channel that brought most new customers in the analysis year with
    every other channel on SQL→demo and demo→won (mature cohorts of the last 12 months,
    at least :data:`MIN_LEADS` leads each). The comparison with the smallest p-value
    of a two-proportion z-test is reported if p < :data:`MAX_P_VALUE` and the relative
    gap is at least :data:`MIN_RELATIVE_GAP`; the sentence says "aber" when the other
    channel converts better, "und ... zudem" when the largest channel also converts better.
    """
    share = a.tables["new_customers_by_channel"]
    share = share[share["year"] == a.year]
    conv = a.tables["funnel_conversion_channel"]
    conv = conv[conv["transition"].isin(["sql_to_demo", "demo_to_won"]) & (conv["channel"] != ALL)]
    conv = conv[conv["entered"] >= MIN_LEADS].set_index(["transition", "channel"])
    if len(share) < 2:
        return None
    top = share.sort_values(["new_customer_share", "channel"], ascending=[False, True]).iloc[0]
    tc = str(top["channel"])
    best: tuple[float, str, str, float, float, float] | None = None
    for (tr, ch), row in conv.iterrows():
        if ch == tc or (tr, tc) not in conv.index:
            continue
        t_row = conv.loc[(tr, tc)]
        p = two_proportion_p_value(
            int(row["converted"]),
            int(row["entered"]),
            int(t_row["converted"]),
            int(t_row["entered"]),
        )
        r_o, r_t = float(row["conversion_rate"]), float(t_row["conversion_rate"])
        lo, hi = sorted((r_o, r_t))
        rel = hi / lo - 1.0 if lo > 0 else math.nan
        supported = _ok(p, rel) and p < MAX_P_VALUE and rel >= MIN_RELATIVE_GAP
        if supported and (best is None or p < best[0]):
            best = (p, str(tr), str(ch), r_o, r_t, rel)
    if best is None:
        return None
    p, tr, other, r_o, r_t, rel = best
    n = {
        "year": a.year,
        "top_channel": tc,
        "top_share": float(top["new_customer_share"]),
        "other_channel": other,
        "transition": tr,
        "rate_top": r_t,
        "rate_other": r_o,
        "relative_difference": rel,
        "p_value": p,
    }
    facts = {"top_label": _channel(a, tc), "other_label": _channel(a, other)}
    return Finding("channel_mix_vs_conversion", numbers=n, facts=facts)


def new_customer_mix(a: Analysis) -> Finding | None:
    """How many new customers the last year brought and where they came from.

    ``facts["mix"]`` lists the channels, largest share first, as (code, share, names).
    """
    share = a.tables["new_customers_by_channel"]
    share = share[share["year"] == a.year].sort_values(
        ["new_customer_share", "channel"], ascending=[False, True]
    )
    if share.empty:
        return None
    total = int(share["new_customers"].sum())
    n: dict[str, float | str] = {"year": a.year, "new_customers": total}
    mix = []
    for _, r in share.iterrows():
        n[f"share_{r['channel']}"] = float(r["new_customer_share"])
        mix.append((r["channel"], r["new_customer_share"], _channel(a, r["channel"])))
    prev = a.tables["new_customers_by_channel"]
    prev_total = int(prev.loc[prev["year"] == a.year - 1, "new_customers"].sum())
    if prev_total > 0:
        n["new_customers_prev"] = prev_total
        n["growth"] = total / prev_total - 1.0
    return Finding("new_customer_mix", numbers=n, facts={"mix": mix})


def mrr_development(a: Analysis) -> Finding | None:
    """MRR and customers at the as-of month, revenue growth and CAGR."""
    f = a.figures
    if not _ok(f.get("mrr_end_eur"), f.get("customers_end")):
        return None
    n = {k: f[k] for k in ("mrr_end_eur", "customers_end", "arpa_eur", "revenue_eur")}
    facts: dict[str, object] = {"as_of": str(a.as_of), "year": a.year}
    if _ok(f.get("revenue_yoy")):
        n["revenue_yoy"] = f["revenue_yoy"]
    if _ok(f.get("revenue_cagr")):
        n["revenue_cagr"] = f["revenue_cagr"]
        facts["cagr_first_year"] = int(f["cagr_first_year"])
        facts["cagr_last_year"] = int(f["cagr_last_year"])
    return Finding("mrr_development", numbers=n, facts=facts)


def cac_vs_clv(a: Analysis) -> Finding | None:
    """CAC (stated and fully loaded) against CLV, with the rule of thumb :data:`CLV_TO_CAC_RULE`.

    A warning when CLV is below that multiple of the fully loaded CAC.
    """
    f = a.figures
    cac_s, cac_f = f.get("cac_stated_eur"), f.get("cac_fully_loaded_eur")
    clv = f.get("clv_formula_eur")
    if not _ok(cac_s, cac_f, clv) or cac_s <= 0 or cac_f <= 0:
        return None
    r_s, r_f = clv / cac_s, clv / cac_f
    n = {
        "cac_stated_eur": cac_s,
        "cac_fully_loaded_eur": cac_f,
        "clv_formula_eur": clv,
        "clv_empirical_eur": f.get("clv_empirical_eur", math.nan),
        "clv_to_cac_stated": r_s,
        "clv_to_cac_fully_loaded": r_f,
    }
    above = r_f >= CLV_TO_CAC_RULE
    facts = {
        "year": a.year,
        "above_rule": above,
        "rule": CLV_TO_CAC_RULE,
        "has_empirical": _ok(f.get("clv_empirical_eur")),
    }
    return Finding("cac_vs_clv", "info" if above else "warning", n, facts)


def churn_level(a: Analysis) -> Finding | None:
    """Monthly logo and revenue churn over the last 12 months and the implied lifetime."""
    f = a.figures
    c, r = f.get("logo_churn_rate"), f.get("gross_revenue_churn_rate")
    if not _ok(c, r) or c <= 0:
        return None
    n = {"logo_churn_rate": c, "gross_revenue_churn_rate": r, "lifetime_months": 1.0 / c}
    facts = {"window_months": int(f.get("churn_window_months", 12))}
    return Finding("churn_level", numbers=n, facts=facts)


def funnel_bottleneck(a: Analysis) -> Finding | None:
    """The funnel stage with the lowest conversion over all channels (mature cohorts of
    the last 12 months; of fewer in a shorter history: ``window_months``)."""
    conv = a.tables["funnel_conversion_channel"]
    conv = conv[
        (conv["channel"] == ALL)
        & conv["transition"].isin(["mql_to_sql", "sql_to_demo", "demo_to_won"])
        & (conv["entered"] >= MIN_LEADS)
    ]
    if len(conv) < 2:
        return None
    low = conv.sort_values("conversion_rate").iloc[0]
    n = {
        "transition": str(low["transition"]),
        "conversion_rate": float(low["conversion_rate"]),
        "entered": int(low["entered"]),
    }
    return Finding("funnel_bottleneck", numbers=n, facts={"window_months": window_months(a)})


def sales_cycle_gap(a: Analysis) -> Finding | None:
    """Longest against shortest median sales cycle per channel.

    Channels with at least :data:`MIN_WON_DEALS` won deals; stated when the slowest median
    is at least :data:`MIN_CYCLE_GAP` longer than the fastest.
    """
    dm = a.tables["deal_metrics_channel"]
    dm = dm[(dm["channel"] != ALL) & (dm["won_deals"] >= MIN_WON_DEALS)]
    dm = dm.dropna(subset=["cycle_median_days"])
    if len(dm) < 2:
        return None
    dm = dm.sort_values(["cycle_median_days", "channel"])
    fast, slow = dm.iloc[0], dm.iloc[-1]
    if fast["cycle_median_days"] <= 0:
        return None
    rel = slow["cycle_median_days"] / fast["cycle_median_days"] - 1.0
    if rel < MIN_CYCLE_GAP:
        return None
    n = {
        "slow_channel": slow["channel"],
        "slow_median_days": float(slow["cycle_median_days"]),
        "slow_p80_days": float(slow["cycle_p80_days"]),
        "fast_channel": fast["channel"],
        "fast_median_days": float(fast["cycle_median_days"]),
    }
    facts = {"slow_label": _channel(a, slow["channel"]), "fast_label": _channel(a, fast["channel"])}
    return Finding("sales_cycle_gap", numbers=n, facts=facts)


def abc_concentration(a: Analysis) -> Finding | None:
    """Share of customers in class A and their share of revenue (without subscriptions the
    ABC analysis ranks by bookings: ``by_bookings`` 1) of the last 12 months (fewer in a
    shorter history: ``window_months``)."""
    s = a.tables["abc_summary"].set_index("abc_class")
    if s["customers"].sum() < MIN_ABC_CUSTOMERS or s.at["A", "customers"] == 0:
        return None
    n = {
        "a_customers": int(s.at["A", "customers"]),
        "a_customer_share": float(s.at["A", "customer_share"]),
        "a_revenue_share": float(s.at["A", "revenue_share"]),
    }
    if "bookings_monthly" in a.tables:  # the deals' sales view: bookings per customer
        n["by_bookings"] = 1
    return Finding("abc_concentration", numbers=n, facts={"window_months": window_months(a)})


def segment_attractiveness(a: Analysis) -> Finding | None:
    """The most and least attractive segment by the weighted score.

    Revenue growth and CLV of the top segment are stated when known; a top segment with
    fewer than :data:`MIN_OBSERVATIONS` customers carries a caveat (``top_customers``).
    """
    seg = a.tables["segments"].sort_values(["attractiveness", "segment"], ascending=[False, True])
    if len(seg) < 2:
        return None
    top, low = seg.iloc[0], seg.iloc[-1]
    n: dict[str, float | str] = {
        "top_segment": top["segment"],
        "top_score": float(top["attractiveness"]),
        "low_segment": low["segment"],
        "low_score": float(low["attractiveness"]),
    }
    growth, clv = float(top["revenue_growth"]), float(top["clv_eur"])
    if _ok(growth):
        n["top_revenue_growth"] = growth
    if _ok(clv):
        n["top_clv_eur"] = clv
    customers = top.get("customers")
    if _ok(customers) and customers < MIN_OBSERVATIONS:
        n["top_customers"] = int(customers)
    return Finding(
        "segment_attractiveness", numbers=n, facts={"min_observations": MIN_OBSERVATIONS}
    )


def market_position(a: Analysis) -> Finding | None:
    """Market share and own growth against market growth."""
    m = a.tables["market"].iloc[0]
    share, size, g = m["market_share"], m["market_size_eur"], m["growth_rate_yearly"]
    if not _ok(share, size):
        return None
    n = {"market_share": float(share), "market_size_eur": float(size), "market_growth": float(g)}
    facts: dict[str, object] = {"year": a.year}
    yoy = a.figures.get("revenue_yoy")
    if _ok(yoy):
        n["revenue_yoy"] = float(yoy)
        facts["faster_than_market"] = bool(yoy > g)
    return Finding("market_position", numbers=n, facts=facts)


def immature_cohorts(a: Analysis) -> Finding | None:
    """Which recent cohorts are not yet mature (left out of the conversion rates)."""
    conv = a.tables["funnel_conversion_channel"]
    c = conv[(conv["channel"] == ALL) & (conv["transition"] == "lead_to_won")]
    lags = a.tables["stage_lags"].set_index("transition")
    if c.empty or int(c["immature_cohorts"].iloc[0]) == 0:
        return None
    n = {
        "immature_cohorts": int(c["immature_cohorts"].iloc[0]),
        "entered_immature": int(c["entered_immature"].iloc[0]),
    }
    facts = {"maturity_months": int(lags.at["lead_to_won", "maturity_months"])}
    return Finding("immature_cohorts", numbers=n, facts=facts)


def sales_summary(a: Analysis) -> Finding | None:
    """Bookings and won deals of the analysis year beside those of the last 12 months up
    to the as-of month, win rate, the deal size per new customer (the plan's basis, over
    its own months) beside the mean of all won deals, cycle of those 12 months
    and the open pipeline at the end of the as-of month (with the count of open deals
    whose amount is estimated, when there are any): the sales view when there are no
    subscriptions. The sentence names each basis (``facts``: the window, the as-of month);
    in a history shorter than 12 months the window starts at its first month."""
    f = a.figures
    if "bookings_eur" not in f:
        return None
    keys = (
        "bookings_eur",
        "won_deals",
        "bookings_eur_12m",
        "won_deals_12m",
        "win_rate",
        "avg_deal_size_eur",
        "cycle_median_days",
        "open_deals",
        "open_pipeline_eur",
        "open_pipeline_weighted_eur",
    )
    n = {"year": a.year, **{k: f[k] for k in keys}}
    if f.get("open_deals_estimated", 0) > 0:  # said only when there are estimates
        n["open_deals_estimated"] = f["open_deals_estimated"]
    months = window_months(a)
    facts = {
        "window": f"{a.as_of - (months - 1)}..{a.as_of}",
        "window_months": months,
        "as_of": str(a.as_of),
    }
    new_size = f.get("new_customer_deal_size_eur", math.nan)
    if not math.isnan(new_size):  # the plan's deal size, named before the mean of all deals
        n["new_customer_deal_size_eur"] = new_size
        facts["deal_size_window"] = figure_periods(a)["new_customer_deal_size_eur"]
        if a.region is not None:  # the region's figure, for information beside the plan's
            facts["region"] = a.region
            if not math.isnan(a.plan_deal_size_eur):
                n["plan_deal_size_eur"] = a.plan_deal_size_eur
    return Finding("sales_summary", numbers=n, facts=facts)


def top_rep(a: Analysis) -> Finding | None:
    """The owner with the highest bookings of the last 12 months (fewer in a shorter
    history: ``window_months``), with win rate and cycle."""
    reps = a.tables.get("sales_reps")
    if reps is None or reps.empty:
        return None
    top = reps.sort_values(["bookings_eur", "owner"], ascending=[False, True]).iloc[0]
    total = float(reps["bookings_eur"].sum())
    n = {
        "owner": str(top["owner"]),
        "bookings_eur": float(top["bookings_eur"]),
        "bookings_share": float(top["bookings_eur"]) / total if total else math.nan,
        "won_deals": int(top["won_deals"]),
        "win_rate": float(top["win_rate"]),
        "cycle_median_days": float(top["cycle_median_days"]),
        "reps": len(reps),
    }
    return Finding("top_rep", numbers=n, facts={"window_months": window_months(a)})


GENERATORS: tuple[Callable[[Analysis], Finding | None], ...] = (
    channel_mix_vs_conversion,
    new_customer_mix,
    mrr_development,
    cac_vs_clv,
    churn_level,
    funnel_bottleneck,
    sales_cycle_gap,
    abc_concentration,
    segment_attractiveness,
    market_position,
    immature_cohorts,
    sales_summary,
    top_rep,
)

NEEDS: dict[str, tuple[str, ...]] = {
    "channel_mix_vs_conversion": ("new_customers_by_channel", "funnel_conversion_channel"),
    "new_customer_mix": ("new_customers_by_channel",),
    "funnel_bottleneck": ("funnel_conversion_channel",),
    "abc_concentration": ("abc_summary",),
    "segment_attractiveness": ("segments",),
    "market_position": ("market",),
    "immature_cohorts": ("funnel_conversion_channel", "stage_lags"),
}
"""Rule → the analysis tables it reads; a rule whose tables a part skipped does not run."""


def skipped_findings(analysis: Analysis) -> list[Finding]:
    """One ``skipped_analysis`` finding per part the tables could not give: the part and
    the missing tables that would enable it (``tables``, comma-separated)."""
    return [
        Finding("skipped_analysis", numbers={"part": part, "tables": ", ".join(missing)})
        for part, missing in analysis.skipped
    ]


def config_findings(analysis: Analysis) -> list[Finding]:
    """One ``skipped_config`` finding per part left out for want of plan parameters
    (``planning analyse`` without ``--config``): the part and the configuration keys
    that would give it (``keys``, comma-separated)."""
    return [
        Finding("skipped_config", numbers={"part": part, "keys": keys})
        for part, keys in analysis.without_config
    ]


def generate_findings(analysis: Analysis) -> list[Finding]:
    """All findings the data supports, in the order of :data:`GENERATORS`, then one per
    skipped part (:func:`skipped_findings`) and one per part left out without plan
    parameters (:func:`config_findings`)."""
    out = []
    for gen in GENERATORS:
        if any(t not in analysis.tables for t in NEEDS.get(gen.__name__, ())):
            continue
        f = gen(analysis)
        if f is not None:
            out.append(f)
    return out + skipped_findings(analysis) + config_findings(analysis)
