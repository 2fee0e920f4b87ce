"""Segmentation and positioning (phase 3): ABC analysis, segment table, attractiveness.

* ABC (Pareto): customers sorted by revenue (largest first, ties by id). A customer is
  class A while the cumulative revenue share *before* it is below ``a_share`` (so the
  customer that crosses 80 % is still A), B below ``b_share``, else C. The revenue is
  the subscriptions' MRR of the last 12 months (:func:`customer_revenue`); without
  subscriptions the won deals' bookings of the last 12 months (:func:`customer_bookings`).
* Segment table: per segment (or segment × region) the active customers, revenue of the
  last 12 months and its growth over the 12 months before, win rate and average deal
  size of deals closed in the window, formula CLV and monthly logo churn, and CAC.
  Costs carry no segment, so a segment's CAC is the fully loaded CAC of each channel
  weighted by the segment's new customers from that channel.
* Attractiveness: every criterion is min-max normalised over the segments to 0..1
  (1 = best; for CAC and churn lower is better). A criterion equal in all segments, or
  unknown for a segment, scores 0.5. The score is the weighted mean of the normalised
  criteria (weights from ``params.segmentation``), 0..1.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from planning_lib.analysis.funnel import ALL, deal_metrics
from planning_lib.core.params import Competitor, Persona
from planning_lib.metrics.clv import clv_from_bridge
from planning_lib.metrics.common import month_of, require_columns
from planning_lib.metrics.customers import CustomerMatrix, mrr_bridge_observed

__all__ = [
    "CRITERIA",
    "abc_classes",
    "abc_summary",
    "attractiveness",
    "customer_bookings",
    "customer_revenue",
    "persona_links",
    "persona_table",
    "positioning_table",
    "segment_cac",
    "segment_table",
]

CRITERIA: dict[str, tuple[str, int]] = {
    "revenue": ("revenue_eur", +1),
    "growth": ("revenue_growth", +1),
    "win_rate": ("win_rate", +1),
    "deal_size": ("avg_deal_size_eur", +1),
    "clv": ("clv_eur", +1),
    "cac": ("cac_eur", -1),
    "churn": ("churn_rate_monthly", -1),
}
"""Criterion → (column of the segment table, +1 more is better / -1 less is better)."""


def customer_revenue(cm: CustomerMatrix, months: int = 12) -> pd.DataFrame:
    """Revenue per customer over the last ``months`` months (sum of MRR, EUR).

    Returns:
        Columns ``customer_id``, ``region``, ``segment``, ``channel`` (as present),
        ``revenue_eur``; customers without revenue in the window are left out.
    """
    rev = cm.mrr[:, -months:].sum(axis=1)
    out = cm.customers.drop(columns=["first_month", "first_idx"]).assign(revenue_eur=rev)
    return out[out["revenue_eur"] > 0].reset_index(drop=True)


def customer_bookings(deals: pd.DataFrame, as_of: pd.Period, months: int = 12) -> pd.DataFrame:
    """Bookings per customer over the ``months`` months up to ``as_of`` (EUR): the
    ``amount_eur`` of the won deals closed then, credit notes included (as in the
    bookings per month); the revenue of the ABC analysis when there are no subscriptions.

    Returns:
        Columns ``customer_id`` and ``revenue_eur`` (the bookings), by customer id;
        customers whose bookings in the window are not positive are left out.

    Raises:
        MissingColumnsError: a required column is missing.
    """
    require_columns(deals, ["customer_id", "stage", "close_date", "amount_eur"], "deals")
    won = deals[deals["stage"] == "won"]
    month = month_of(won["close_date"])
    window = won[(month > as_of - months) & (month <= as_of)]
    out = (
        window.groupby(window["customer_id"].astype(str))["amount_eur"]
        .sum()
        .rename("revenue_eur")
        .rename_axis("customer_id")
        .reset_index()
    )
    return out[out["revenue_eur"] > 0].reset_index(drop=True)


def abc_classes(revenue: pd.DataFrame, a_share: float = 0.8, b_share: float = 0.95) -> pd.DataFrame:
    """ABC class of each customer by revenue.

    Args:
        revenue: columns ``customer_id`` and ``revenue_eur`` (e.g. :func:`customer_revenue`).
        a_share: cumulative revenue share covered by A customers (0..1).
        b_share: cumulative revenue share covered by A and B customers (0..1).

    Returns:
        ``revenue`` sorted by revenue (descending, ties by id) with ``rank`` (1 = largest),
        ``revenue_share``, ``cumulative_share`` (shares 0..1, including the customer) and
        ``abc_class`` (``A``, ``B``, ``C``).

    Raises:
        ValueError: thresholds out of order.
    """
    if not 0.0 <= a_share <= b_share <= 1.0:
        raise ValueError(f"need 0 <= a_share <= b_share <= 1, got {a_share}, {b_share}")
    out = revenue.sort_values(["revenue_eur", "customer_id"], ascending=[False, True])
    out = out.reset_index(drop=True)
    total = float(out["revenue_eur"].sum())
    out["rank"] = np.arange(1, len(out) + 1)
    out["revenue_share"] = out["revenue_eur"] / total if total else np.nan
    out["cumulative_share"] = out["revenue_share"].cumsum()
    before = out["cumulative_share"] - out["revenue_share"]
    eps = 1e-12  # cumulative sums of shares carry rounding noise
    out["abc_class"] = np.where(
        before < a_share - eps, "A", np.where(before < b_share - eps, "B", "C")
    )
    return out


def abc_summary(abc: pd.DataFrame) -> pd.DataFrame:
    """Customers and revenue per ABC class.

    Returns:
        Rows A, B, C with ``customers``, ``customer_share``, ``revenue_eur``,
        ``revenue_share`` (shares 0..1).
    """
    g = abc.groupby("abc_class").agg(
        customers=("customer_id", "size"), revenue_eur=("revenue_eur", "sum")
    )
    g = g.reindex(["A", "B", "C"]).fillna(0)
    g["customers"] = g["customers"].astype(int)
    g["customer_share"] = g["customers"] / max(int(g["customers"].sum()), 1)
    total = float(g["revenue_eur"].sum())
    g["revenue_share"] = g["revenue_eur"] / total if total else np.nan
    g = g.rename_axis("abc_class").reset_index()
    return g[["abc_class", "customers", "customer_share", "revenue_eur", "revenue_share"]]


def segment_cac(
    new: pd.DataFrame, cac: pd.DataFrame, by: Sequence[str] = ("segment",)
) -> pd.DataFrame:
    """CAC per segment: channel CAC weighted by the segment's new customers per channel.

    Args:
        new: new customers of the CAC year (from :func:`unit_economics.new_customers`).
        cac: output of :func:`unit_economics.cac_by_channel` for that year.
        by: customer attributes defining the segment.

    Returns:
        Columns the ``by`` columns, ``new_customers``, ``cac_eur`` (fully loaded,
        EUR/customer).
    """
    by = list(by)
    per = cac[cac["channel"] != ALL].set_index("channel")["cac_fully_loaded_eur"]
    n = new.assign(_cac=new["channel"].map(per).astype(float)).groupby(by)
    out = n.agg(new_customers=("customer_id", "size"), cac_eur=("_cac", "mean")).reset_index()
    return out


def segment_table(
    cm: CustomerMatrix,
    deals: pd.DataFrame,
    new: pd.DataFrame,
    cac: pd.DataFrame,
    gross_margin: float,
    by: Sequence[str] = ("segment",),
    months: int = 12,
) -> pd.DataFrame:
    """The segment table: size, revenue, growth, win rate, deal size, CLV, CAC, churn.

    Args:
        cm: customer matrix up to the as-of month.
        deals: canonical ``deals`` table.
        new: new customers of the last year (from :func:`unit_economics.new_customers`,
            filtered to the CAC year).
        cac: :func:`unit_economics.cac_by_channel` of that year.
        gross_margin: share 0..1.
        by: customer attributes defining a segment (``segment``, optionally ``region``).
        months: window length (months) for revenue, deals and churn.

    Returns:
        Columns the ``by`` columns, ``customers`` (active in the as-of month),
        ``revenue_eur`` (last ``months`` months), ``revenue_prev_eur`` (the months
        before), ``revenue_growth`` (share; missing with less than 2 × ``months`` of
        history), ``revenue_share`` (0..1), ``win_rate``,
        ``avg_deal_size_eur``, ``new_customers``, ``cac_eur``, ``arpa_eur``,
        ``churn_rate_monthly``, ``clv_eur``.
    """
    by = list(by)
    cust = cm.customers
    key = cust[by].astype(str).agg("|".join, axis=1)
    cm2 = copy.copy(cm)
    cm2.customers = cust.assign(_key=key)
    revenue = pd.Series(cm.mrr[:, -months:].sum(axis=1)).groupby(key.to_numpy()).sum()
    prev_cols = cm.mrr[:, -2 * months : -months] if cm.mrr.shape[1] >= 2 * months else None
    prev = (
        pd.Series(prev_cols.sum(axis=1)).groupby(key.to_numpy()).sum()
        if prev_cols is not None
        else pd.Series(np.nan, index=revenue.index)
    )
    clv = clv_from_bridge(mrr_bridge_observed(cm2, "_key"), gross_margin, months, "_key").set_index(
        "_key"
    )
    end = cm.months[-1]
    dm = deal_metrics(deals, by, start=end - (months - 1), end=end, with_total=False)
    dm.index = dm[by].astype(str).agg("|".join, axis=1)
    sc = segment_cac(new, cac, by)
    sc.index = sc[by].astype(str).agg("|".join, axis=1)
    keys = sorted(revenue.index)
    out = pd.DataFrame([dict(zip(by, k.split("|"), strict=True)) for k in keys], index=keys)
    out["customers"] = clv["customers_end"].reindex(keys).fillna(0).astype(int)
    out["revenue_eur"] = revenue.reindex(keys)
    out["revenue_prev_eur"] = prev.reindex(keys)
    p = out["revenue_prev_eur"]
    out["revenue_growth"] = out["revenue_eur"] / p.where(p > 0) - 1.0
    out["revenue_share"] = out["revenue_eur"] / out["revenue_eur"].sum()
    out["win_rate"] = dm["win_rate"].reindex(keys)
    out["avg_deal_size_eur"] = dm["avg_deal_size_eur"].reindex(keys)
    out["new_customers"] = sc["new_customers"].reindex(keys).fillna(0).astype(int)
    out["cac_eur"] = sc["cac_eur"].reindex(keys)
    for col in ("arpa_eur", "churn_rate_monthly", "clv_eur"):
        out[col] = clv[col].reindex(keys)
    return out.reset_index(drop=True)


def attractiveness(table: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """Add normalised criterion scores, the attractiveness score and its rank.

    Args:
        table: output of :func:`segment_table`.
        weights: criterion → weight (criteria in :data:`CRITERIA`; normalised to sum 1).

    Returns:
        ``table`` with ``score_<criterion>`` (0..1, 1 = best), ``attractiveness`` (0..1)
        and ``rank`` (1 = most attractive; ties share the better rank).

    Raises:
        ValueError: an unknown criterion or all weights 0.
    """
    unknown = sorted(set(weights) - set(CRITERIA))
    if unknown:
        raise ValueError(f"unknown criteria {unknown} (known: {', '.join(CRITERIA)})")
    total = float(sum(weights.values()))
    if total <= 0:
        raise ValueError("weights must not all be 0")
    out = table.copy()
    score = pd.Series(0.0, index=out.index)
    for name, w in weights.items():
        col, sign = CRITERIA[name]
        x = out[col].astype(float)
        lo, hi = x.min(), x.max()
        if pd.isna(lo) or hi == lo:
            norm = pd.Series(0.5, index=out.index)
        else:
            norm = (x - lo) / (hi - lo) if sign > 0 else (hi - x) / (hi - lo)
            norm = norm.fillna(0.5)
        out[f"score_{name}"] = norm
        score += w / total * norm
    out["attractiveness"] = score
    out["rank"] = out["attractiveness"].rank(ascending=False, method="min").astype(int)
    return out


def persona_table(personas: Sequence[Persona], locale: str = "de") -> pd.DataFrame:
    """Buyer personas as a table (lists joined by "; ").

    Returns:
        Columns ``persona``, ``age``, ``role``, ``goals``, ``pains``, ``info_channels``,
        ``segments``, ``channels``.
    """
    rows = [
        {
            "persona": p.name,
            "age": p.age,
            "role": p.role_en if locale == "en" else p.role_de,
            "goals": "; ".join(p.goals),
            "pains": "; ".join(p.pains),
            "info_channels": "; ".join(p.info_channels),
            "segments": "; ".join(p.segments),
            "channels": "; ".join(p.channels),
        }
        for p in personas
    ]
    cols = ["persona", "age", "role", "goals", "pains", "info_channels", "segments", "channels"]
    return pd.DataFrame(rows, columns=cols)


def persona_links(
    personas: Sequence[Persona], segments: pd.DataFrame, channels: pd.DataFrame
) -> pd.DataFrame:
    """Each persona's segments and channels with the figures behind them.

    Args:
        personas: buyer personas from the config.
        segments: :func:`attractiveness` output by ``segment``.
        channels: per ``channel``: ``new_customer_share`` (0..1) and ``cac_stated_eur``.

    Returns:
        Columns ``persona``, ``link`` (``segment``/``channel``), ``key``, ``in_data``
        (the key occurs in the data), ``customers``, ``revenue_share``,
        ``attractiveness`` (segment links), ``new_customer_share``, ``cac_stated_eur``
        (channel links).
    """
    seg = segments.set_index("segment")
    ch = channels.set_index("channel")
    rows = []
    for p in personas:
        for s in p.segments:
            known = s in seg.index
            rows.append(
                {
                    "persona": p.name,
                    "link": "segment",
                    "key": s,
                    "in_data": known,
                    "customers": seg.at[s, "customers"] if known else np.nan,
                    "revenue_share": seg.at[s, "revenue_share"] if known else np.nan,
                    "attractiveness": seg.at[s, "attractiveness"] if known else np.nan,
                }
            )
        for c in p.channels:
            known = c in ch.index
            rows.append(
                {
                    "persona": p.name,
                    "link": "channel",
                    "key": c,
                    "in_data": known,
                    "new_customer_share": ch.at[c, "new_customer_share"] if known else np.nan,
                    "cac_stated_eur": ch.at[c, "cac_stated_eur"] if known else np.nan,
                }
            )
    cols = [
        "persona",
        "link",
        "key",
        "in_data",
        "customers",
        "revenue_share",
        "attractiveness",
        "new_customer_share",
        "cac_stated_eur",
    ]
    return pd.DataFrame(rows, columns=cols)


def positioning_table(
    company: str,
    positioning: Mapping[str, str],
    competitors: Sequence[Competitor],
    locale: str = "de",
) -> pd.DataFrame:
    """The own positioning statement beside the competitors' positioning and prices.

    Returns:
        Columns ``provider``, ``own`` (bool), ``price_monthly_eur`` (EUR/month; missing
        if unknown), ``positioning``; the own company first.
    """
    own = positioning.get(locale) or positioning.get("de") or positioning.get("en") or ""
    rows = [{"provider": company, "own": True, "price_monthly_eur": np.nan, "positioning": own}]
    rows += [
        {
            "provider": c.name,
            "own": False,
            "price_monthly_eur": np.nan if c.price_monthly_eur is None else c.price_monthly_eur,
            "positioning": c.positioning,
        }
        for c in competitors
    ]
    return pd.DataFrame(rows, columns=["provider", "own", "price_monthly_eur", "positioning"])
