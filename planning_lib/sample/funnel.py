"""Sample company, funnel: leads enter, move MQL → SQL → demo → won or lost, and make deals.

Pure simulation on a ``numpy.random.Generator``: volumes per month, region and channel
follow trend × seasonality × noise; each lead draws its stage dates and outcome.
Inbound leads enter as MQL, outbound and partner leads as SQL (no MQL date). A deal
(opportunity) is opened when a demo is booked; its amount is the first-year value
(12 × MRR). The returned frames hold the full truth (every future date); snapshots
cut them to what a CRM export shows on a given day.

Dates are handled as proleptic ordinals (``date.toordinal()``) inside the simulation.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from planning_lib.core.vocabulary import CHANNELS, SEGMENTS
from planning_lib.sample.config import ChannelRates, SampleConfig

__all__ = [
    "Dither",
    "channel_rates",
    "channel_volume",
    "days_in_month",
    "month_starts",
    "response_win_factors",
    "simulate_funnel",
]

SIZE_RANGE: dict[str, tuple[int, int]] = {"small": (10, 49), "mid": (50, 250), "large": (251, 5000)}


def month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    """First days of all months from ``first``'s month to ``last``'s month."""
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(dt.date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def days_in_month(month: dt.date) -> int:
    """Number of days of the month that starts on ``month``."""
    nxt = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return (nxt - month).days


def channel_volume(cfg: SampleConfig, channel: str, month: dt.date) -> float:
    """Expected company leads of ``channel`` in ``month`` at its entry stage (count/month)."""
    season = cfg.seasonality[month.month - 1]
    if month >= cfg.plan_start:
        base = {
            "inbound": cfg.inbound_mql_plan,
            "outbound": cfg.outbound_sql_plan,
            "partner": cfg.partner_leads_actual,
        }[channel]
        return base * season
    base = {
        "inbound": cfg.inbound_mql_2025,
        "outbound": cfg.outbound_sql_2025,
        "partner": cfg.partner_leads_history,
    }[channel]
    years = month.year + (month.month - 0.5) / 12 - (cfg.history_end.year + 0.5)
    return base * season * cfg.yearly_growth**years


def channel_rates(cfg: SampleConfig, channel: str, day: dt.date) -> ChannelRates:
    """Conversions that apply to a stage entered on ``day`` (history or plan year)."""
    if day < cfg.plan_start:
        return dict(cfg.history_rates)[channel]
    if channel == "partner":
        return cfg.partner_rates_actual
    return dict(cfg.plan_rates)[channel]


def _norm_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def response_win_factors(cfg: SampleConfig, channel: str) -> tuple[float, float, float]:
    """Demo→won multipliers for first response < 2 h, 2..24 h, > 24 h, with mean 1.

    The shares of the three bands follow the channel's lognormal response time, so the
    channel's average demo→won rate stays the configured one.
    """
    median = dict(cfg.response_median_hours)[channel]
    below2 = _norm_cdf((math.log(2.0) - math.log(median)) / cfg.response_sigma)
    below24 = _norm_cdf((math.log(24.0) - math.log(median)) / cfg.response_sigma)
    shares = (below2, below24 - below2, 1.0 - below24)
    mean = sum(s * f for s, f in zip(shares, cfg.response_win_factor, strict=True))
    return tuple(f / mean for f in cfg.response_win_factor)  # type: ignore[return-value]


class Dither:
    """Systematic sampling: Bernoulli draws with exact marginal chances and steady counts.

    Each call adds the chance ``p`` to a running sum that starts at a uniform random
    offset and says yes when the sum crosses an integer. Every single draw succeeds
    with probability ``p``; the number of successes over any run of calls stays within
    one of the sum of the chances, so the simulated totals match the configured rates
    without sampling noise in the counts.
    """

    def __init__(self, rng: np.random.Generator) -> None:
        self.total = float(rng.random())

    def __call__(self, p: float) -> bool:
        """One draw with chance ``p`` (0..1)."""
        before = self.total
        self.total += p
        return math.floor(self.total) > math.floor(before)


def _owner(cfg: SampleConfig, region: str, day: int, rng: np.random.Generator) -> str:
    """A rep covering ``region`` on ordinal ``day`` (the fallback owner when none)."""
    reps = [
        emp_id
        for emp_id, _role, _reg, hire, exit_, covers in cfg.team
        if region in covers
        and hire.toordinal() <= day
        and (exit_ is None or day <= exit_.toordinal())
    ]
    if not reps:
        return dict(cfg.fallback_owner)[region]
    return reps[int(rng.integers(len(reps)))] if len(reps) > 1 else reps[0]


def _dip(cfg: SampleConfig, region: str, day: int) -> bool:
    d = dt.date.fromordinal(day)
    return region == cfg.dip_region and f"{d.year:04d}-{d.month:02d}" in cfg.dip_months


def _new_leads(cfg: SampleConfig, rng: np.random.Generator) -> list[tuple]:
    """Leads per month/region/channel: (created ordinal, channel, region, segment, size, hours)."""
    rows: list[tuple] = []
    seg_mix = dict(cfg.segment_mix)
    medians = dict(cfg.response_median_hours)
    for month in month_starts(cfg.history_start, cfg.actuals_end):
        days = days_in_month(month)
        for region, share in cfg.regions:
            for channel in CHANNELS:
                lam = channel_volume(cfg, channel, month) * share
                lam *= float(np.exp(rng.normal(0.0, cfg.volume_noise_sd)))
                n = int(rng.poisson(lam))
                if n == 0:
                    continue
                created = month.toordinal() + np.sort(rng.integers(0, days, n))
                segs = rng.choice(3, size=n, p=np.asarray(seg_mix[channel]))
                u = rng.random(n)
                hours = np.exp(np.log(medians[channel]) + cfg.response_sigma * rng.normal(size=n))
                for i in range(n):
                    seg = SEGMENTS[int(segs[i])]
                    lo, hi = SIZE_RANGE[seg]
                    size = round(math.exp(math.log(lo) + u[i] * (math.log(hi) - math.log(lo))))
                    rows.append((int(created[i]), channel, region, seg, size, round(hours[i], 1)))
    rows.sort(key=lambda r: (r[0], CHANNELS.index(r[1]), r[2]))
    return rows


def simulate_funnel(
    cfg: SampleConfig, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Leads and deals of the whole simulated period, with every (also future) date.

    Returns:
        (leads, deals). Leads: canonical lead columns, dates as ``datetime.date`` or
        None. Deals: deal_id, customer_id, created_date, demo_date, close_date (the
        true close), outcome ('won'/'lost'), mrr_eur, amount_eur (EUR, first year =
        12 × MRR), region, product, segment, channel, owner.
    """
    prices = dict(cfg.products)
    product_names = [p for p, _ in cfg.products]
    product_mix = dict(cfg.product_mix)
    disc_values = np.asarray([d for d, _ in cfg.discounts])
    disc_probs = np.asarray([p for _, p in cfg.discounts])
    factors = {c: response_win_factors(cfg, c) for c in CHANNELS}

    draws = {(stage, c): Dither(rng) for stage in ("sql", "demo", "won") for c in CHANNELS}
    leads: list[dict] = []
    deals: list[dict] = []
    for idx, (created, channel, region, seg, size, hours) in enumerate(_new_leads(cfg, rng)):
        mql = sql = demo = won = lost = None
        deal = None
        if channel == "inbound":
            mql = created + int(rng.geometric(0.6)) - 1
            rates = channel_rates(cfg, channel, dt.date.fromordinal(mql))
            if draws["sql", channel](rates.mql_to_sql):
                sql = mql + int(rng.integers(2, 21))
            else:
                lost = mql + int(rng.integers(7, 46))
        else:
            sql = created
        if sql is not None:
            rates = channel_rates(cfg, channel, dt.date.fromordinal(sql))
            p_demo = cfg.dip_sql_to_demo if _dip(cfg, region, sql) else rates.sql_to_demo
            if draws["demo", channel](p_demo):
                demo = sql + int(rng.integers(7, 41))
            else:
                lost = sql + int(rng.integers(10, 46))
        if demo is not None:
            opened = max(sql, demo - int(rng.integers(0, 11)))
            product = product_names[int(rng.choice(3, p=np.asarray(product_mix[seg])))]
            discount = float(disc_values[int(rng.choice(len(disc_values), p=disc_probs))])
            mrr = round(prices[product] * (1.0 - discount), 2)
            band = 0 if hours < 2 else (1 if hours <= 24 else 2)
            rates = channel_rates(cfg, channel, dt.date.fromordinal(demo))
            if draws["won", channel](rates.demo_to_won * factors[channel][band]):
                won = demo + int(rng.integers(14, 61))
                close, outcome = won, "won"
            else:
                lost = demo + int(rng.integers(14, 76))
                close, outcome = lost, "lost"
            deal = {
                "lead_idx": idx,
                "created_date": opened,
                "demo_date": demo,
                "close_date": close,
                "outcome": outcome,
                "mrr_eur": mrr,
                "amount_eur": round(12 * mrr, 2),
                "region": region,
                "product": product,
                "segment": seg,
                "channel": channel,
                "owner": _owner(cfg, region, opened, rng),
            }
            deals.append(deal)
        leads.append(
            {
                "lead_id": f"L{idx + 1:06d}",
                "created_date": created,
                "channel": channel,
                "region": region,
                "segment": seg,
                "company_size": size,
                "first_response_hours": hours,
                "mql_date": mql,
                "sql_date": sql,
                "demo_date": demo,
                "won_date": won,
                "lost_date": lost,
                "deal_id": None,
            }
        )
    deals.sort(key=lambda d: (d["created_date"], d["lead_idx"]))
    for n, deal in enumerate(deals):
        deal["deal_id"] = f"D{n + 1:05d}"
        deal["customer_id"] = f"C{cfg.opening_customers + n + 1:05d}"
        leads[deal["lead_idx"]]["deal_id"] = deal["deal_id"]
    return _to_frame(leads, _LEAD_DATES), _to_frame(deals, _DEAL_DATES)


_LEAD_DATES = ("created_date", "mql_date", "sql_date", "demo_date", "won_date", "lost_date")
_DEAL_DATES = ("created_date", "demo_date", "close_date")


def _to_frame(rows: list[dict], date_cols: tuple[str, ...]) -> pd.DataFrame:
    converted = [
        {
            k: (dt.date.fromordinal(v) if k in date_cols and v is not None else v)
            for k, v in row.items()
            if k != "lead_idx"
        }
        for row in rows
    ]
    return pd.DataFrame(converted)
