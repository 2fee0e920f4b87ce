"""Channels: seasonality split, partner ramp, bottom-up and reverse funnel per channel.

All arrays have shape ``(n, T)``: n draws × T plan months (n = 1 for the
deterministic plan). Scalars per draw arrive as ``(n, 1)`` columns.

Stage flow with lags (months between stages): ``sql_t = mql_{t-lag} × mql_to_sql_{t-lag}``,
``demos_t = sql_{t-lag} × sql_to_demo_{t-lag}``, ``won_t = demos_{t-lag} ×
demo_to_won_{t-lag}``: a cohort converts at the rate of the month it entered the
stage (this matters when a conversion moves over the plan, ``drivers.paths``).
Months before plan start are filled with the month-1 volume (the pipeline at plan
start is in the steady state of the first month's lead volume and rates). Any
driver may be ``(n, 1)`` (constant) or ``(n, T)`` (moving over the months).
"""

from __future__ import annotations

import numpy as np

from planning_lib.plan.drivers import lagged, leading

__all__ = [
    "customer_shares",
    "entry_leads",
    "funnel_stages",
    "new_customers_target",
    "partners_active",
    "partners_signed",
    "required_over",
    "required_stages",
]


def new_customers_target(annual: np.ndarray, seasonality: np.ndarray) -> np.ndarray:
    """Top-down new customers per month (count): annual target / 12 × seasonality weight.

    Every plan year gets the same annual target (a 36-month plan repeats it).
    """
    return annual / 12.0 * seasonality


def customer_shares(shares: dict[str, np.ndarray], names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Channel shares of the new-customer target (0..1), normalised to sum 1.

    ``shares`` holds the raw share per channel (history's new-customer share by
    source when it names every channel, else the channel's ``lead_share``). A zero
    total gives equal shares.
    """
    total = sum(shares[n] for n in names)
    safe = np.where(total > 0, total, 1.0)
    equal = 1.0 / len(names)
    return {n: np.where(total > 0, shares[n] / safe, equal) for n in names}


def partners_signed(per_quarter: np.ndarray, months: int) -> np.ndarray:
    """Partners signed per month (count): each quarter's partners in its first month."""
    first = (np.arange(months) % 3 == 0).astype(float)
    return per_quarter * first


def partners_active(
    start: np.ndarray, per_quarter: np.ndarray, ramp_months: int, months: int
) -> np.ndarray:
    """Partners delivering leads (count): those at plan start plus signed ones after their ramp.

    A partner signed in plan month s delivers from month ``s + ramp_months``;
    ``per_quarter`` may move over the months (the signing month's value counts).
    """
    t = np.arange(months)
    if np.shape(per_quarter)[-1] == 1:
        quarters_live = np.where(t >= ramp_months, (t - ramp_months) // 3 + 1, 0).astype(float)
        return start + per_quarter * quarters_live
    signed = np.cumsum(partners_signed(per_quarter, months), axis=-1)
    live = np.where(t >= ramp_months, signed[..., np.maximum(t - ramp_months, 0)], 0.0)
    return start + live


def entry_leads(
    leads_per_month: np.ndarray, partners: np.ndarray, leads_per_partner: np.ndarray
) -> np.ndarray:
    """Leads at the channel's entry stage per month (count): planned volume + partner leads."""
    return leads_per_month + partners * leads_per_partner


def _first(rate: np.ndarray) -> np.ndarray:
    """Month 1's value of a driver that may move, shape (n, 1)."""
    return np.asarray(rate)[..., :1]


def funnel_stages(
    entry: np.ndarray,
    entry_stage: str,
    mql_to_sql: np.ndarray,
    sql_to_demo: np.ndarray,
    demo_to_won: np.ndarray,
    lags: tuple[int, int, int],
    open_pipeline: dict[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Bottom-up funnel (counts per month): mql, sql, demos, won from the entry volume.

    A channel entering at ``sql`` has no MQL stage (its ``mql`` is zero). The months
    before plan start hold the pipeline already open at plan start: ``open_pipeline``
    gives their monthly volume per stage (``mql``, ``sql``, ``demos``; a stage left
    out is 0); without it they repeat the first plan month (the steady state of the
    planned volumes).
    """

    def before(stage: str, rate: np.ndarray) -> np.ndarray | None:
        if open_pipeline is None:
            return None
        return open_pipeline.get(stage, np.zeros((1, 1))) * _first(rate)

    if entry_stage == "mql":
        mql = entry
        sql = lagged(mql * mql_to_sql, lags[0], before("mql", mql_to_sql))
    else:
        mql = np.zeros_like(entry)
        sql = entry
    demos = lagged(sql * sql_to_demo, lags[1], before("sql", sql_to_demo))
    won = lagged(demos * demo_to_won, lags[2], before("demos", demo_to_won))
    return {"mql": mql, "sql": sql, "demos": demos, "won": won}


def _over(x: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """x ÷ rate; infinite where the rate is zero and x positive (cannot be reached)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = x / rate
    return np.where(x > 0, out, 0.0)


def required_stages(
    won: np.ndarray,
    entry_stage: str,
    mql_to_sql: np.ndarray,
    sql_to_demo: np.ndarray,
    demo_to_won: np.ndarray,
    lags: tuple[int, int, int],
) -> dict[str, np.ndarray]:
    """Reverse funnel (counts per month): demos, SQL, MQL needed for ``won`` deals.

    Demos needed in month t = won in month t+lag ÷ demo_to_won of month t (and so
    on up the funnel); months beyond the horizon repeat the last month. ``entry`` is the
    volume needed at the channel's entry stage. Pass ``won`` over the horizon plus the
    total lag (the target of the months after the plan, e.g. next year's seasonal
    target) and cut the result to the horizon, so the last plan months' leads are
    judged against the deals they close after the plan (see :func:`required_over`).
    """
    demos = _over(leading(won, lags[2]), demo_to_won)
    sql = _over(leading(demos, lags[1]), sql_to_demo)
    if entry_stage == "mql":
        mql = _over(leading(sql, lags[0]), mql_to_sql)
        entry = mql
    else:
        mql = np.zeros_like(sql)
        entry = sql
    return {"mql": mql, "sql": sql, "demos": demos, "won": won, "entry": entry}


def _extend(x: np.ndarray, extra: int) -> np.ndarray:
    """A driver (n, 1) or (n, T) extended by ``extra`` months repeating its last month."""
    x = np.asarray(x)
    if x.shape[-1] == 1 or extra <= 0:
        return x
    return np.concatenate([x, np.repeat(x[..., -1:], extra, axis=-1)], axis=-1)


def required_over(
    won_ext: np.ndarray,
    months: int,
    entry_stage: str,
    mql_to_sql: np.ndarray,
    sql_to_demo: np.ndarray,
    demo_to_won: np.ndarray,
    lags: tuple[int, int, int],
) -> dict[str, np.ndarray]:
    """:func:`required_stages` for won deals given beyond the horizon, cut to ``months``.

    ``won_ext`` has ``months + sum(lags)`` months (or more): the deals to close during
    the plan and in the months after it, which the last plan months' leads feed.
    Rates that move over the plan keep their last month's value after it.
    """
    extra = won_ext.shape[-1] - months
    rates = [_extend(r, extra) for r in (mql_to_sql, sql_to_demo, demo_to_won)]
    req = required_stages(won_ext, entry_stage, *rates, lags)
    return {k: v[..., :months] for k, v in req.items()}
