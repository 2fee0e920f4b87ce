"""Generated findings: short German/English sentences with the numbers behind them.

Each generator reads the tables of an :class:`~planning_lib.analysis.asis.Analysis` and
returns a :class:`Finding`, or None when the data does not support the statement
(too few leads, a single channel, no costs...). The sentences are of the kind the
seed gives: "70 % der Neukunden kamen über Instagram, aber Facebook-Leads konvertieren
15 % besser". "x % besser" is always relative (rate_b ÷ rate_a − 1) and both rates are
given in brackets. Numbers are formatted per language with
:mod:`planning_lib.present.formatting`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import pandas as pd

from planning_lib.analysis.asis import Analysis
from planning_lib.analysis.funnel import ALL
from planning_lib.core.text_store import label, label_pair
from planning_lib.present.formatting import (
    format_count,
    format_eur,
    format_month,
    format_number,
    format_percent,
)

__all__ = [
    "GENERATORS",
    "Finding",
    "findings_frame",
    "generate_findings",
    "two_proportion_p_value",
]

MIN_LEADS = 30
MIN_OBSERVATIONS = 30
"""A finding about a segment or rate resting on fewer observations carries a caveat."""
"""Fewest leads in a cohort stage before a conversion rate is compared."""
MIN_RELATIVE_GAP = 0.05
"""Smallest relative difference (share) worth a finding."""
MAX_P_VALUE = 0.05
"""Largest p-value of a two-proportion z-test for a difference between channels."""


@dataclass(frozen=True)
class Finding:
    """One generated finding.

    Attributes:
        code: stable identifier (e.g. ``channel_mix_vs_conversion``).
        numbers: the figures the sentence states, unformatted (shares 0..1, EUR).
        text_de: the sentence in German.
        text_en: the sentence in English.
    """

    code: str
    numbers: dict[str, float | str] = field(default_factory=dict)
    text_de: str = ""
    text_en: str = ""

    def text(self, locale: str = "de") -> str:
        """The sentence in ``locale`` (``de`` or ``en``)."""
        return self.text_en if locale == "en" else self.text_de

    def as_dict(self) -> dict[str, object]:
        """Plain dict for JSON."""
        return asdict(self)


def _pct(x: float, loc: str) -> str:
    return format_percent(x, loc, decimals=1)


def _eur(x: float, loc: str) -> str:
    return format_eur(x, loc, decimals=0)


def _ok(*values: float) -> bool:
    return all(v is not None and not (isinstance(v, float) and math.isnan(v)) for v in values)


def _channel(a: Analysis, code: str, loc: str) -> str:
    de, en = a.labels.get(code, (code, code))
    return en if loc == "en" else de


def _segment(code: str, loc: str) -> str:
    de, en = label_pair(f"sentence.segment.{code}", default=code)
    return en if loc == "en" else de


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
    gap is at least :data:`MIN_RELATIVE_GAP`; "aber" when the other channel converts
    better, "und ... zudem" when the largest channel also converts better.
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
    s = float(top["new_customer_share"])
    n = {
        "year": a.year,
        "top_channel": tc,
        "top_share": s,
        "other_channel": other,
        "transition": tr,
        "rate_top": r_t,
        "rate_other": r_o,
        "relative_difference": rel,
        "p_value": p,
    }
    tde, ten = label_pair(f"sentence.transition.{tr}")
    top_de, top_en = _channel(a, tc, "de"), _channel(a, tc, "en")
    oth_de, oth_en = _channel(a, other, "de"), _channel(a, other, "en")
    head_de = f"{_pct(s, 'de')} der Neukunden {a.year} kamen über {top_de}"
    head_en = f"{_pct(s, 'en')} of new customers in {a.year} came via {top_en}"
    if r_o > r_t:
        de = (
            f"{head_de}, aber Leads aus {oth_de} konvertieren {_pct(rel, 'de')} besser {tde} "
            f"({_pct(r_o, 'de')} gegenüber {_pct(r_t, 'de')})."
        )
        en = (
            f"{head_en}, but {oth_en} leads convert {_pct(rel, 'en')} better {ten} "
            f"({_pct(r_o, 'en')} vs. {_pct(r_t, 'en')})."
        )
    else:
        de = (
            f"{head_de}, und diese Leads konvertieren zudem {_pct(rel, 'de')} besser {tde} "
            f"als Leads aus {oth_de} ({_pct(r_t, 'de')} gegenüber {_pct(r_o, 'de')})."
        )
        en = (
            f"{head_en}, and these leads also convert {_pct(rel, 'en')} better {ten} than "
            f"{oth_en} leads ({_pct(r_t, 'en')} vs. {_pct(r_o, 'en')})."
        )
    return Finding("channel_mix_vs_conversion", n, de, en)


def new_customer_mix(a: Analysis) -> Finding | None:
    """How many new customers the last year brought and where they came from."""
    share = a.tables["new_customers_by_channel"]
    share = share[share["year"] == a.year].sort_values(
        ["new_customer_share", "channel"], ascending=[False, True]
    )
    if share.empty:
        return None
    total = int(share["new_customers"].sum())
    n: dict[str, float | str] = {"year": a.year, "new_customers": total}
    de_parts, en_parts = [], []
    for _, r in share.iterrows():
        n[f"share_{r['channel']}"] = float(r["new_customer_share"])
        de_parts.append(f"{_pct(r['new_customer_share'], 'de')} {_channel(a, r['channel'], 'de')}")
        en_parts.append(f"{_pct(r['new_customer_share'], 'en')} {_channel(a, r['channel'], 'en')}")
    prev = a.tables["new_customers_by_channel"]
    prev_total = int(prev.loc[prev["year"] == a.year - 1, "new_customers"].sum())
    de_prev = en_prev = ""
    if prev_total > 0:
        g = total / prev_total - 1.0
        n["new_customers_prev"] = prev_total
        n["growth"] = g
        de_prev = f" ({_signed(g, 'de')} ggü. {a.year - 1}: {format_count(prev_total, 'de')})"
        en_prev = f" ({_signed(g, 'en')} vs. {a.year - 1}: {format_count(prev_total, 'en')})"
    return Finding(
        "new_customer_mix",
        n,
        f"{a.year} gewann das Unternehmen {format_count(total, 'de')} Neukunden{de_prev}: "
        + ", ".join(de_parts)
        + ".",
        f"{a.year} brought {format_count(total, 'en')} new customers{en_prev}: "
        + ", ".join(en_parts)
        + ".",
    )


def _signed(x: float, loc: str) -> str:
    return ("+" if x >= 0 else "") + _pct(x, loc)


def mrr_development(a: Analysis) -> Finding | None:
    """MRR and customers at the as-of month, revenue growth and CAGR."""
    f = a.figures
    if not _ok(f.get("mrr_end_eur"), f.get("customers_end")):
        return None
    n = {k: f[k] for k in ("mrr_end_eur", "customers_end", "arpa_eur", "revenue_eur")}
    de = (
        f"MRR {format_month(str(a.as_of), 'de')}: {_eur(f['mrr_end_eur'], 'de')} bei "
        f"{format_count(f['customers_end'], 'de')} Kunden (ARPA {_eur(f['arpa_eur'], 'de')})"
    )
    en = (
        f"MRR {format_month(str(a.as_of), 'en')}: {_eur(f['mrr_end_eur'], 'en')} from "
        f"{format_count(f['customers_end'], 'en')} customers (ARPA {_eur(f['arpa_eur'], 'en')})"
    )
    if _ok(f.get("revenue_yoy")):
        n["revenue_yoy"] = f["revenue_yoy"]
        de += (
            f"; Umsatz {a.year} {_eur(f['revenue_eur'], 'de')} ({_signed(f['revenue_yoy'], 'de')})"
        )
        en += (
            f"; revenue {a.year} {_eur(f['revenue_eur'], 'en')} ({_signed(f['revenue_yoy'], 'en')})"
        )
    if _ok(f.get("revenue_cagr")):
        n["revenue_cagr"] = f["revenue_cagr"]
        y0, y1 = int(f["cagr_first_year"]), int(f["cagr_last_year"])
        de += f", CAGR {y0}–{y1} {_pct(f['revenue_cagr'], 'de')} pro Jahr"
        en += f", CAGR {y0}–{y1} {_pct(f['revenue_cagr'], 'en')} a year"
    return Finding("mrr_development", n, de + ".", en + ".")


def cac_vs_clv(a: Analysis) -> Finding | None:
    """CAC (stated and fully loaded) against CLV, with the 3:1 rule of thumb."""
    f = a.figures
    cac_s, cac_f, clv = f.get("cac_stated_eur"), f.get("cac_fully_loaded_eur"), None
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
    ok_de = "über" if r_f >= 3 else "unter"
    ok_en = "above" if r_f >= 3 else "below"
    emp_de = emp_en = ""
    if _ok(f.get("clv_empirical_eur")):
        emp_de = f", aus Kohorten {_eur(f['clv_empirical_eur'], 'de')}"
        emp_en = f", from cohorts {_eur(f['clv_empirical_eur'], 'en')}"
    return Finding(
        "cac_vs_clv",
        n,
        f"CAC {a.year}: {_eur(cac_s, 'de')} (nur Marketing) bzw. {_eur(cac_f, 'de')} "
        f"(voll belastet); CLV {_eur(clv, 'de')}{emp_de}. CLV/CAC = "
        f"{format_number(r_s, 'de', 1)} bzw. {format_number(r_f, 'de', 1)} voll belastet, "
        f"{ok_de} dem Richtwert 3.",
        f"CAC {a.year}: {_eur(cac_s, 'en')} (marketing only) or {_eur(cac_f, 'en')} "
        f"(fully loaded); CLV {_eur(clv, 'en')}{emp_en}. CLV/CAC = "
        f"{format_number(r_s, 'en', 1)}, fully loaded {format_number(r_f, 'en', 1)}, "
        f"{ok_en} the rule of thumb of 3.",
    )


def churn_level(a: Analysis) -> Finding | None:
    """Monthly logo and revenue churn over the last 12 months and the implied lifetime."""
    f = a.figures
    c, r = f.get("logo_churn_rate"), f.get("gross_revenue_churn_rate")
    if not _ok(c, r) or c <= 0:
        return None
    life = 1.0 / c
    k = int(f.get("churn_window_months", 12))
    n = {"logo_churn_rate": c, "gross_revenue_churn_rate": r, "lifetime_months": life}
    return Finding(
        "churn_level",
        n,
        f"In den letzten {k} Monaten wanderten monatlich {_pct(c, 'de')} der Kunden ab "
        f"(Umsatz: {_pct(r, 'de')}); ein Kunde bleibt damit im Schnitt "
        f"{format_number(life, 'de', 1)} Monate.",
        f"Over the last {k} months {_pct(c, 'en')} of customers churned per month "
        f"(revenue: {_pct(r, 'en')}); a customer stays {format_number(life, 'en', 1)} "
        f"months on average.",
    )


def funnel_bottleneck(a: Analysis) -> Finding | None:
    """The funnel stage with the lowest conversion over all channels."""
    conv = a.tables["funnel_conversion_channel"]
    conv = conv[
        (conv["channel"] == ALL)
        & conv["transition"].isin(["mql_to_sql", "sql_to_demo", "demo_to_won"])
        & (conv["entered"] >= MIN_LEADS)
    ]
    if len(conv) < 2:
        return None
    low = conv.sort_values("conversion_rate").iloc[0]
    tr, rate = str(low["transition"]), float(low["conversion_rate"])
    n = {"transition": tr, "conversion_rate": rate, "entered": int(low["entered"])}
    return Finding(
        "funnel_bottleneck",
        n,
        f"Größter Engpass im Funnel: nur {_pct(rate, 'de')} der Leads kommen "
        f"{label(f'sentence.transition.{tr}', 'de')} (ausgereifte Kohorten der letzten 12 Monate).",
        f"Biggest funnel bottleneck: only {_pct(rate, 'en')} of leads move "
        f"{label(f'sentence.transition.{tr}', 'en')} (mature cohorts of the last 12 months).",
    )


def sales_cycle_gap(a: Analysis) -> Finding | None:
    """Longest against shortest median sales cycle per channel."""
    dm = a.tables["deal_metrics_channel"]
    dm = dm[(dm["channel"] != ALL) & (dm["won_deals"] >= 10)].dropna(subset=["cycle_median_days"])
    if len(dm) < 2:
        return None
    dm = dm.sort_values(["cycle_median_days", "channel"])
    fast, slow = dm.iloc[0], dm.iloc[-1]
    if fast["cycle_median_days"] <= 0:
        return None
    rel = slow["cycle_median_days"] / fast["cycle_median_days"] - 1.0
    if rel < 0.2:
        return None
    n = {
        "slow_channel": slow["channel"],
        "slow_median_days": float(slow["cycle_median_days"]),
        "slow_p80_days": float(slow["cycle_p80_days"]),
        "fast_channel": fast["channel"],
        "fast_median_days": float(fast["cycle_median_days"]),
    }

    def days(x: float, loc: str) -> str:
        return format_number(x, loc, 0)

    return Finding(
        "sales_cycle_gap",
        n,
        f"Abschlüsse über {_channel(a, slow['channel'], 'de')} brauchen im Median "
        f"{days(n['slow_median_days'], 'de')} Tage (P80: {days(n['slow_p80_days'], 'de')}), "
        f"über {_channel(a, fast['channel'], 'de')} nur {days(n['fast_median_days'], 'de')} "
        f"Tage.",
        f"Deals via {_channel(a, slow['channel'], 'en')} take a median "
        f"{days(n['slow_median_days'], 'en')} days to close (P80: "
        f"{days(n['slow_p80_days'], 'en')}), via {_channel(a, fast['channel'], 'en')} only "
        f"{days(n['fast_median_days'], 'en')} days.",
    )


def abc_concentration(a: Analysis) -> Finding | None:
    """Share of customers in class A and their share of revenue."""
    s = a.tables["abc_summary"].set_index("abc_class")
    if s["customers"].sum() < 10 or s.at["A", "customers"] == 0:
        return None
    cs, rs = float(s.at["A", "customer_share"]), float(s.at["A", "revenue_share"])
    n = {"a_customers": int(s.at["A", "customers"]), "a_customer_share": cs, "a_revenue_share": rs}
    return Finding(
        "abc_concentration",
        n,
        f"{_pct(cs, 'de')} der Kunden (A-Kunden) erzielen {_pct(rs, 'de')} des Umsatzes "
        f"der letzten 12 Monate.",
        f"{_pct(cs, 'en')} of customers (A customers) bring {_pct(rs, 'en')} of the "
        f"revenue of the last 12 months.",
    )


def segment_attractiveness(a: Analysis) -> Finding | None:
    """The most and least attractive segment by the weighted score."""
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
    de_parts = [f"Score {format_number(n['top_score'], 'de', 2)}"]
    en_parts = [f"score {format_number(n['top_score'], 'en', 2)}"]
    growth, clv = float(top["revenue_growth"]), float(top["clv_eur"])
    if _ok(growth):
        n["top_revenue_growth"] = growth
        de_parts.append(f"Umsatzwachstum {_signed(growth, 'de')}")
        en_parts.append(f"revenue growth {_signed(growth, 'en')}")
    if _ok(clv):
        n["top_clv_eur"] = clv
        de_parts.append(f"CLV {_eur(clv, 'de')}")
        en_parts.append(f"CLV {_eur(clv, 'en')}")
    de = (
        f"Attraktivstes Segment: {_segment(top['segment'], 'de')} ({', '.join(de_parts)}); "
        f"am wenigsten attraktiv: {_segment(low['segment'], 'de')} "
        f"({format_number(n['low_score'], 'de', 2)})."
    )
    en = (
        f"Most attractive segment: {_segment(top['segment'], 'en')} ({', '.join(en_parts)}); "
        f"least attractive: {_segment(low['segment'], 'en')} "
        f"({format_number(n['low_score'], 'en', 2)})."
    )
    customers = top.get("customers")
    if _ok(customers) and customers < MIN_OBSERVATIONS:
        n["top_customers"] = int(customers)
        de += (
            f" Achtung: das Segment zählt nur {int(customers)} Kunden (unter "
            f"{MIN_OBSERVATIONS}); der Punktwert ist ein Hinweis, kein Beleg."
        )
        en += (
            f" Caution: the segment has only {int(customers)} customers (fewer than "
            f"{MIN_OBSERVATIONS}); its score is a hint, not evidence."
        )
    return Finding("segment_attractiveness", n, de, en)


def market_position(a: Analysis) -> Finding | None:
    """Market share and own growth against market growth."""
    m = a.tables["market"].iloc[0]
    share, size, g = m["market_share"], m["market_size_eur"], m["growth_rate_yearly"]
    if not _ok(share, size):
        return None
    n = {"market_share": float(share), "market_size_eur": float(size), "market_growth": float(g)}
    de = (
        f"Marktanteil {a.year}: {format_percent(share, 'de', 2)} eines Marktes von "
        f"{_eur(size, 'de')}, der um {_pct(g, 'de')} p. a. wächst"
    )
    en = (
        f"Market share {a.year}: {format_percent(share, 'en', 2)} of a "
        f"{_eur(size, 'en')} market growing {_pct(g, 'en')} a year"
    )
    yoy = a.figures.get("revenue_yoy")
    if _ok(yoy):
        n["revenue_yoy"] = float(yoy)
        faster = yoy > g
        de += (
            f"; der eigene Umsatz wuchs mit {_signed(yoy, 'de')} "
            f"{'schneller' if faster else 'langsamer'} als der Markt"
        )
        en += (
            f"; own revenue grew {_signed(yoy, 'en')}, "
            f"{'faster' if faster else 'slower'} than the market"
        )
    return Finding("market_position", n, de + ".", en + ".")


def immature_cohorts(a: Analysis) -> Finding | None:
    """Which recent cohorts are not yet mature (left out of the conversion rates)."""
    conv = a.tables["funnel_conversion_channel"]
    c = conv[(conv["channel"] == ALL) & (conv["transition"] == "lead_to_won")]
    lags = a.tables["stage_lags"].set_index("transition")
    if c.empty or int(c["immature_cohorts"].iloc[0]) == 0:
        return None
    k = int(c["immature_cohorts"].iloc[0])
    months = int(lags.at["lead_to_won", "maturity_months"])
    n = {"immature_cohorts": k, "entered_immature": int(c["entered_immature"].iloc[0])}
    return Finding(
        "immature_cohorts",
        n,
        f"Die Lead-Kohorten der letzten {k} Monate sind noch nicht ausgereift (90 % der "
        f"Abschlüsse brauchen bis zu {months} Monate) und zählen nicht in die "
        f"Konversionsraten.",
        f"The lead cohorts of the last {k} months are not mature yet (90% of wins take up "
        f"to {months} months) and are left out of the conversion rates.",
    )


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
)


def generate_findings(analysis: Analysis) -> list[Finding]:
    """All findings the data supports, in the order of :data:`GENERATORS`."""
    out = []
    for gen in GENERATORS:
        f = gen(analysis)
        if f is not None:
            out.append(f)
    return out


def findings_frame(findings: list[Finding], locale: str = "de") -> pd.DataFrame:
    """Findings as a table: ``code``, ``text`` (in ``locale``)."""
    return pd.DataFrame(
        [{"code": f.code, "text": f.text(locale)} for f in findings], columns=["code", "text"]
    )
