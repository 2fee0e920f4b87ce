"""The German and English sentences of the as-is analysis findings.

An analysis finding (:class:`planning_lib.core.finding.Finding`, from
:mod:`planning_lib.analysis.findings`) carries a code and numbers; its sentence is the
text store's template ``analysis_finding.<code>`` (or a variant ``analysis_finding.<code>.
<variant>``) filled in with those numbers, formatted per language: shares with one
decimal, EUR without cents, months in words. Parts a finding states only when the figure
is known (last year's comparison, the CAGR...) are templates of their own, filled in and
inserted (``analysis_finding.<code>.<part>``), or left out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from planning_lib.core.finding import Finding
from planning_lib.core.text_store import label, label_pair
from planning_lib.metrics.transactional import DEAL_SIZE_MIN_COUNT
from planning_lib.present.formatting import (
    format_count,
    format_eur,
    format_month,
    format_number,
    format_percent,
    format_value,
)
from planning_lib.present.labels import text

__all__ = [
    "analysis_finding_record",
    "analysis_finding_text",
    "deal_sizes_text",
    "findings_frame",
    "purchase_basis_values",
]

_KEY = "analysis_finding"


def _pct(x: float, loc: str) -> str:
    return format_percent(x, loc, decimals=1)


def _signed(x: float, loc: str) -> str:
    return ("+" if x >= 0 else "") + _pct(x, loc)


def _eur(x: float, loc: str) -> str:
    return format_eur(x, loc, decimals=0)


def _name(names: tuple[str, str], loc: str) -> str:
    """The English or German of a (German, English) pair."""
    return names[1] if loc == "en" else names[0]


def _t(key: str, loc: str, **values: Any) -> str:
    return text(f"{_KEY}.{key}", loc, **values)


def _channel_mix_vs_conversion(f: Finding, loc: str) -> str:
    n = f.numbers
    variant = "other_better" if n["rate_other"] > n["rate_top"] else "top_better"
    return _t(
        f"channel_mix_vs_conversion.{variant}",
        loc,
        share=_pct(n["top_share"], loc),
        year=n["year"],
        top=_name(f.facts["top_label"], loc),
        other=_name(f.facts["other_label"], loc),
        relative=_pct(n["relative_difference"], loc),
        transition=_name(label_pair(f"sentence.transition.{n['transition']}"), loc),
        rate_top=_pct(n["rate_top"], loc),
        rate_other=_pct(n["rate_other"], loc),
    )


def _new_customer_mix(f: Finding, loc: str) -> str:
    n = f.numbers
    mix = ", ".join(
        _t("new_customer_mix.channel", loc, share=_pct(share, loc), channel=_name(names, loc))
        for _, share, names in f.facts["mix"]
    )
    previous = ""
    if "growth" in n:
        previous = _t(
            "new_customer_mix.previous",
            loc,
            growth=_signed(n["growth"], loc),
            year=n["year"] - 1,
            new_customers=format_count(n["new_customers_prev"], loc),
        )
    return _t(
        "new_customer_mix",
        loc,
        year=n["year"],
        new_customers=format_count(n["new_customers"], loc),
        previous=previous,
        mix=mix,
    )


def _mrr_development(f: Finding, loc: str) -> str:
    n, x = f.numbers, f.facts
    revenue = cagr = ""
    if "revenue_yoy" in n:
        revenue = _t(
            "mrr_development.revenue",
            loc,
            year=x["year"],
            prev_year=x["year"] - 1,
            revenue=_eur(n["revenue_eur"], loc),
            growth=_signed(n["revenue_yoy"], loc),
        )
    if "revenue_cagr" in n:
        cagr = _t(
            "mrr_development.cagr",
            loc,
            first=x["cagr_first_year"],
            last=x["cagr_last_year"],
            cagr=_pct(n["revenue_cagr"], loc),
        )
    return _t(
        "mrr_development",
        loc,
        month=format_month(x["as_of"], loc),
        mrr=_eur(n["mrr_end_eur"], loc),
        customers=format_count(n["customers_end"], loc),
        arpa=_eur(n["arpa_eur"], loc),
        revenue=revenue,
        cagr=cagr,
    )


def _cac_vs_clv(f: Finding, loc: str) -> str:
    n, x = f.numbers, f.facts
    empirical = ""
    if x["has_empirical"]:
        empirical = _t("cac_vs_clv.empirical", loc, clv=_eur(n["clv_empirical_eur"], loc))
    return _t(
        "cac_vs_clv",
        loc,
        year=x["year"],
        cac_stated=_eur(n["cac_stated_eur"], loc),
        cac_fully_loaded=_eur(n["cac_fully_loaded_eur"], loc),
        clv=_eur(n["clv_formula_eur"], loc),
        empirical=empirical,
        ratio_stated=format_number(n["clv_to_cac_stated"], loc, 1),
        ratio_fully_loaded=format_number(n["clv_to_cac_fully_loaded"], loc, 1),
        side=_t("cac_vs_clv.above" if x["above_rule"] else "cac_vs_clv.below", loc),
        rule=x["rule"],
    )


def _churn_level(f: Finding, loc: str) -> str:
    n = f.numbers
    return _t(
        "churn_level",
        loc,
        months=f.facts["window_months"],
        churn=_pct(n["logo_churn_rate"], loc),
        revenue_churn=_pct(n["gross_revenue_churn_rate"], loc),
        lifetime=format_number(n["lifetime_months"], loc, 1),
    )


def _funnel_bottleneck(f: Finding, loc: str) -> str:
    n = f.numbers
    return _t(
        "funnel_bottleneck",
        loc,
        rate=_pct(n["conversion_rate"], loc),
        transition=label(f"sentence.transition.{n['transition']}", loc),
        months=f.facts["window_months"],
    )


def _sales_cycle_gap(f: Finding, loc: str) -> str:
    n = f.numbers
    return _t(
        "sales_cycle_gap",
        loc,
        slow=_name(f.facts["slow_label"], loc),
        slow_median=format_number(n["slow_median_days"], loc, 0),
        slow_p80=format_number(n["slow_p80_days"], loc, 0),
        fast=_name(f.facts["fast_label"], loc),
        fast_median=format_number(n["fast_median_days"], loc, 0),
    )


def _abc_concentration(f: Finding, loc: str) -> str:
    n = f.numbers
    return _t(
        "abc_concentration.bookings" if n.get("by_bookings") else "abc_concentration",
        loc,
        customer_share=_pct(n["a_customer_share"], loc),
        revenue_share=_pct(n["a_revenue_share"], loc),
        months=f.facts["window_months"],
    )


def _segment(code: str, loc: str) -> str:
    return _name(label_pair(f"sentence.segment.{code}", default=code), loc)


def _segment_attractiveness(f: Finding, loc: str) -> str:
    n = f.numbers
    figures = [_t("segment_attractiveness.score", loc, score=format_number(n["top_score"], loc, 2))]
    if "top_revenue_growth" in n:
        growth = _signed(n["top_revenue_growth"], loc)
        figures.append(_t("segment_attractiveness.growth", loc, growth=growth))
    if "top_clv_eur" in n:
        figures.append(_t("segment_attractiveness.clv", loc, clv=_eur(n["top_clv_eur"], loc)))
    caveat = ""
    if "top_customers" in n:
        caveat = _t(
            "segment_attractiveness.caveat",
            loc,
            customers=n["top_customers"],
            minimum=f.facts["min_observations"],
        )
    return _t(
        "segment_attractiveness",
        loc,
        top=_segment(n["top_segment"], loc),
        figures=", ".join(figures),
        low=_segment(n["low_segment"], loc),
        low_score=format_number(n["low_score"], loc, 2),
        caveat=caveat,
    )


def _market_position(f: Finding, loc: str) -> str:
    n, x = f.numbers, f.facts
    own = ""
    if "revenue_yoy" in n:
        pace = "faster" if x["faster_than_market"] else "slower"
        own = _t(
            "market_position.own",
            loc,
            growth=_signed(n["revenue_yoy"], loc),
            year=x["year"],
            prev_year=x["year"] - 1,
            pace=_t(f"market_position.{pace}", loc),
        )
    return _t(
        "market_position",
        loc,
        year=x["year"],
        share=format_percent(n["market_share"], loc, 2),
        size=_eur(n["market_size_eur"], loc),
        growth=_pct(n["market_growth"], loc),
        own=own,
    )


def _immature_cohorts(f: Finding, loc: str) -> str:
    return _t(
        "immature_cohorts",
        loc,
        months=f.numbers["immature_cohorts"],
        maturity=f.facts["maturity_months"],
    )


def _sales_summary(f: Finding, loc: str) -> str:
    n = f.numbers
    estimated = n.get("open_deals_estimated", 0)
    tail = (
        " " + _t("sales_summary.estimated", loc, n=format_count(estimated, loc))
        if estimated
        else ""
    )
    return (
        _t(
            "sales_summary",
            loc,
            year=n["year"],
            bookings=_eur(n["bookings_eur"], loc),
            won=format_count(n["won_deals"], loc),
            window=f.facts["window"],
            months=f.facts["window_months"],
            bookings_12m=_eur(n["bookings_eur_12m"], loc),
            won_12m=format_count(n["won_deals_12m"], loc),
            as_of=f.facts["as_of"],
            win_rate=_pct(n["win_rate"], loc),
            deal_sizes=deal_sizes_text(
                n.get("new_customer_deal_size_eur", math.nan),
                f.facts.get("deal_size_window", ""),
                n["avg_deal_size_eur"],
                f.facts["window"],
                loc,
                region=f.facts.get("region"),
                plan_eur=n.get("plan_deal_size_eur", math.nan),
            ),
            cycle=format_number(n["cycle_median_days"], loc, 0),
            open=format_count(n["open_deals"], loc),
            pipeline=_eur(n["open_pipeline_eur"], loc),
            weighted=_eur(n["open_pipeline_weighted_eur"], loc),
        )
        + tail
    )


def deal_sizes_text(
    new_customer_eur: float,
    new_window: str,
    all_deals_eur: float,
    window: str,
    loc: str,
    region: str | None = None,
    plan_eur: float = math.nan,
    basis_follows: bool = False,
) -> str:
    """The two deal sizes of a deals history side by side, each labelled with its basis,
    the plan's first: the deal size per new customer (first month's bookings ÷ new
    customers over ``new_window``, the figure ``planning init`` writes as
    ``drivers.transactional.deal_size_eur``) and the mean of all won deals, repeat
    purchases included, over ``window``; only the latter when no new customer could be
    measured (``new_customer_eur`` NaN).

    For a ``region`` (its customers: first won deal in it) the per-new-customer figure is
    the region's, shown for information: a region plan of ``planning init`` uses the
    company's deal size (``plan_eur``, named first when known), so the regions' plans
    add up to the company's. ``basis_follows``: the purchase-basis sentence
    (:func:`purchase_basis_values`) comes next and says "for information" itself (for a
    small region also why its plan uses the company's deal size), so a region's sentence
    leaves its own "for information" out: said once (phase 1)."""
    if pd.isna(new_customer_eur):
        return _t("deal_sizes.all_deals", loc, deal_size=_eur(all_deals_eur, loc), window=window)
    values = {
        "new_deal_size": _eur(new_customer_eur, loc),
        "new_window": new_window,
        "deal_size": _eur(all_deals_eur, loc),
        "window": window,
    }
    if region is None:
        return _t("deal_sizes.both", loc, **values)
    follows = ".basis_follows" if basis_follows else ""
    if pd.isna(plan_eur):
        return _t(f"deal_sizes.region{follows}", loc, region=region, **values)
    return _t(
        f"deal_sizes.region_plan{follows}",
        loc,
        region=region,
        plan_deal_size=_eur(plan_eur, loc),
        **values,
    )


def _top_rep(f: Finding, loc: str) -> str:
    n = f.numbers
    return _t(
        "top_rep",
        loc,
        owner=n["owner"],
        bookings=_eur(n["bookings_eur"], loc),
        share=_pct(n["bookings_share"], loc),
        reps=format_count(n["reps"], loc),
        won=format_count(n["won_deals"], loc),
        win_rate=_pct(n["win_rate"], loc),
        cycle=format_number(n["cycle_median_days"], loc, 0),
        months=f.facts["window_months"],
    )


def _skipped_analysis(f: Finding, loc: str) -> str:
    n = f.numbers
    variant = "skipped_analysis.many" if "," in n["tables"] else "skipped_analysis"
    part = _t(f"skipped_analysis.part.{n['part']}", loc)
    return _t(variant, loc, part=part, tables=n["tables"])


def _skipped_config(f: Finding, loc: str) -> str:
    n = f.numbers
    part = _t(f"skipped_config.part.{n['part']}", loc)
    return _t("skipped_config", loc, part=part, keys=n["keys"])


_SENTENCES: Mapping[str, Callable[[Finding, str], str]] = {
    "channel_mix_vs_conversion": _channel_mix_vs_conversion,
    "new_customer_mix": _new_customer_mix,
    "mrr_development": _mrr_development,
    "cac_vs_clv": _cac_vs_clv,
    "churn_level": _churn_level,
    "funnel_bottleneck": _funnel_bottleneck,
    "sales_cycle_gap": _sales_cycle_gap,
    "abc_concentration": _abc_concentration,
    "segment_attractiveness": _segment_attractiveness,
    "market_position": _market_position,
    "immature_cohorts": _immature_cohorts,
    "sales_summary": _sales_summary,
    "top_rep": _top_rep,
    "skipped_analysis": _skipped_analysis,
    "skipped_config": _skipped_config,
}
"""Per finding code: its sentence from the templates ``analysis_finding.<code>...``."""


def analysis_finding_text(finding: Finding, locale: str = "de") -> str:
    """The sentence of an as-is analysis finding in ``locale`` (``de`` default, ``en``).

    Raises:
        KeyError: no sentence is defined for the finding's code.
    """
    return _SENTENCES[finding.code](finding, "en" if locale == "en" else "de")


def _plain(value: object) -> object:
    """A number as JSON can hold it: NaN as None, a numpy scalar as its Python value."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())  # type: ignore[union-attr]
    return value


def analysis_finding_record(finding: Finding) -> dict[str, Any]:
    """The finding as written to ``findings.json``: code, numbers, both sentences."""
    return {
        "code": finding.code,
        "numbers": {k: _plain(v) for k, v in finding.numbers.items()},
        "text_de": analysis_finding_text(finding, "de"),
        "text_en": analysis_finding_text(finding, "en"),
    }


def findings_frame(findings: list[Finding], locale: str = "de") -> pd.DataFrame:
    """Findings as a table: ``code``, ``text`` (in ``locale``)."""
    return pd.DataFrame(
        [{"code": f.code, "text": analysis_finding_text(f, locale)} for f in findings],
        columns=["code", "text"],
    )


def purchase_basis_values(
    figures: Mapping[str, float], as_of: pd.Period, locale: str, region: str | None = None
) -> tuple[str, dict[str, str]]:
    """The text key and formatted values of the sentence naming the basis of a deals-only
    history's deal size and repeat rate (the figures of
    :func:`planning_lib.analysis.sales.purchase_figures`, measured as ``planning init``
    measures them): for ``planning analyse``'s output and phase 1. For a ``region`` (its
    customers: first won deal in it) the deal size is named as the region's, for
    information (its plan uses the company's); with fewer than
    :data:`DEAL_SIZE_MIN_COUNT` new customers in its whole history the sentence says that
    this is why its plan uses the company's (``few_region``), for the company that all its
    new customers are taken (``few``)."""
    active = int(figures["repeat_base_active_months"])
    basis = "enough"
    if figures["deal_size_customers"] < DEAL_SIZE_MIN_COUNT:  # the whole history is fewer
        basis = "few" if region is None else "few_region"
    # a small region's basis says why its plan uses the company's: not said twice
    regional = "region_few" if basis == "few_region" else "region"
    what = (
        text("analyse.purchase_basis.what.plan", locale)
        if region is None
        else text(f"analyse.purchase_basis.what.{regional}", locale, region=region)
    )
    return f"analyse.purchase_basis.{'active' if active else 'all'}", {
        "what": what,
        "deal_size": format_value(figures["new_customer_deal_size_eur"], "eur", locale),
        "customers": format_value(figures["deal_size_customers"], "count", locale),
        "months": format_value(figures["deal_size_months"], "count", locale),
        "as_of": str(as_of),
        "basis": text(
            f"analyse.purchase_basis.{basis}",
            locale,
            min=format_value(DEAL_SIZE_MIN_COUNT, "count", locale),
        ),
        "rate": format_value(figures["repeat_purchase_rate"], "share", locale, decimals=2),
        "repeats": format_value(figures["repeat_purchases"], "count", locale),
        "base": format_value(figures["repeat_base_customer_months"], "count", locale),
        "active": format_value(active, "count", locale),
        "window": f"{as_of - 11}..{as_of}",
    }
