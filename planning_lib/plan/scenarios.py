"""Scenarios, sensitivity (tornado) and Monte Carlo: all through the same core model.

* A scenario is a named override dict (``params.scenarios``); 'base' has none.
  Values are absolute or relative to the plan's own value (``{factor: 0.8}``,
  ``{delta: -0.02}``, see ``planning_lib.core.overrides.resolve_overrides``), so one
  definition fits the company and every region: lead volumes and money amounts,
  which differ by region, are given as factors.
* Sensitivity moves each driver by ±``pct`` (relative) and records a KPI; all
  2k + 1 variants are one call of :func:`planning_lib.plan.lines.plan_lines` (one
  "draw" per variant).
* Monte Carlo draws the drivers declared in ``monte_carlo.drivers`` (normal,
  lognormal, triangular, beta, uniform, fixed), seeded, and evaluates every draw in
  one call. Drawn values are clipped to their ranges (shares 0..1, amounts >= 0).
  A zero-variance distribution gives its value exactly, so the deterministic plan
  is reproduced. ``lognormal`` takes the mean and sd of the value itself (not of
  its log); ``beta`` is scaled to ``[low, high]`` when both are given, else 0..1.
  Distributions are absolute, in the driver's unit, and shared by the company and
  every region: declare only drivers that are the same in every region (prices,
  rates, conversions), never a volume or an amount a region file overrides (lead
  volumes, budgets), whose absolute spread would not fit the region.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planning_lib.core.fields import ParameterError
from planning_lib.core.overrides import apply_overrides, driver_values, resolve_overrides
from planning_lib.core.params import Distribution, PlanParameters
from planning_lib.plan.inputs import clip_values, model_inputs
from planning_lib.plan.lines import plan_lines
from planning_lib.plan.model import LINE_UNITS, PlanResult, plan_months, run_plan
from planning_lib.plan.summary import plan_summary
from planning_lib.plan.targets import target_achieved, target_hit

__all__ = [
    "BOOKINGS_ITEMS",
    "PERCENTILE_ITEMS",
    "MonteCarloResult",
    "centred_monte_carlo",
    "default_sensitivity_drivers",
    "draw_values",
    "monte_carlo",
    "plan_bases",
    "run_scenario",
    "scenario_overrides",
    "sensitivity",
]

# line items (company totals) whose P10/P50/P90 per month Monte Carlo reports by default;
# exact percentiles over 10,000 draws cost ~0.1 ms per item and month, so the list is short
PERCENTILE_ITEMS: tuple[str, ...] = (
    "customers_new",
    "customers_new_funnel",
    "customers_end",
    "mrr_end",
    "revenue",
    "cost_total",
    "contribution_margin",
    "cash_balance",
)

# a transactional plan's bookings per month (new deals × deal size + repeat purchases):
# reported too when the plan has them (a subscription plan has no such line, its
# percentiles stay as they are)
BOOKINGS_ITEMS: tuple[str, ...] = ("bookings",)


def scenario_overrides(params: PlanParameters, name: str) -> dict[str, Any]:
    """The absolute overrides of a named scenario in ``params`` ('base': none).

    Relative values (``{factor: 0.8}``) are resolved against ``params`` (region
    merged), so a region's worst case scales the region's own lead volume.

    Raises:
        ParameterError: unknown scenario name (the message lists the known ones) or a
            bad relative value (the message names scenario and path).
    """
    if name == "base":
        return {}
    if name not in params.scenarios:
        known = ", ".join(["base", *sorted(params.scenarios)])
        raise ParameterError("scenario", [f"unknown scenario '{name}' (known: {known})"])
    return resolve_overrides(params, params.scenarios[name], f"scenarios.{name}")


def run_scenario(params: PlanParameters, name: str) -> PlanResult:
    """The plan of a named scenario ('base' = no overrides).

    Raises:
        ParameterError: unknown scenario name (the message lists the known ones).
    """
    return run_plan(params, scenario_overrides(params, name) or None)


_SENS_PATTERNS: tuple[str, ...] = (
    "drivers.arpa_monthly_eur",
    "drivers.churn_rate_monthly.start",
    "drivers.churn_rate_monthly.end",
    "targets.*.value",
    "drivers.gross_margin",
    "drivers.expansion_rate_monthly",
    "channels.*.leads_per_month",
    "channels.*.mql_to_sql",
    "channels.*.sql_to_demo",
    "channels.*.demo_to_won",
    "channels.*.cost_per_lead_eur",
    "channels.*.new_partners_per_quarter",
    "compensation.commission_rate_first_year",
    "organisation.roles.*.salary_yearly_eur",
    "organisation.roles.*.deals_per_month",
    "drivers.annual_prepay_share",
)


def _unused(params: PlanParameters, key: str) -> bool:
    """Whether a driver path has no effect (MQL conversion of a channel entering at SQL)."""
    parts = key.split(".")
    if parts[0] == "channels" and parts[-1] == "mql_to_sql":
        return params.channels[parts[1]].entry_stage != "mql"
    if parts[0] == "targets":  # only the new-customer target drives the plan
        return params.targets[int(parts[1])].metric != "new_customers"
    return False


def default_sensitivity_drivers(params: PlanParameters, limit: int = 15) -> list[str]:
    """Up to ``limit`` driver paths with a non-zero value, in a fixed priority order.

    Order: revenue drivers, then channel volumes and conversions (in the channels'
    order), costs per lead, partner signings, commission rate, salaries, deals per
    rep, prepay share; channel conversions come before the later patterns.
    """
    values = driver_values(params)
    out: list[str] = []
    for pattern in _SENS_PATTERNS:
        if "*" in pattern:
            head, tail = pattern.split("*")
            keys = [k for k in values if k.startswith(head) and k.endswith(tail)]
            keys = [k for k in keys if k.count(".") == pattern.count(".")]
        else:
            keys = [pattern] if pattern in values else []
        keys = [k for k in keys if not _unused(params, k)]
        out += [k for k in keys if values[k] != 0 and k not in out]
    return out[:limit]


def sensitivity(
    params: PlanParameters, kpi: str, drivers: list[str] | None = None, pct: float = 0.1
) -> pd.DataFrame:
    """Tornado table: each driver at ×(1 - pct) and ×(1 + pct), the KPI's change, sorted.

    Args:
        params: plan parameters.
        kpi: a scalar key of ``PlanResult.summary`` (e.g. 'mrr_end', 'cac_fully_loaded').
        drivers: value paths; default :func:`default_sensitivity_drivers`.
        pct: relative change (0.1 = ±10 %); shares are clipped to 0..1.

    Returns:
        DataFrame with driver, base_value, low_value, high_value, kpi_base, kpi_low,
        kpi_high, swing (|kpi_high - kpi_low|), sorted by swing (largest first).

    Raises:
        ParameterError: unknown driver path; ValueError: unknown or non-scalar KPI.
    """
    inp = model_inputs(params)
    base = driver_values(params)
    drivers = drivers if drivers is not None else default_sensitivity_drivers(params)
    unknown = [d for d in drivers if d not in base]
    if unknown:
        raise ParameterError("sensitivity", [f"{d}: not a numeric driver" for d in unknown])
    n = 2 * len(drivers) + 1
    values: dict[str, Any] = dict(base)
    for i, d in enumerate(drivers):
        arr = np.full(n, base[d])
        arr[2 * i + 1] = base[d] * (1 - pct)
        arr[2 * i + 2] = base[d] * (1 + pct)
        values[d] = arr
    values.update(clip_values({d: values[d] for d in drivers}))
    lines, _ = plan_lines(inp, values)
    summary = plan_summary(params, inp, values, lines)
    if kpi not in summary or isinstance(summary[kpi], dict):
        scalars = sorted(k for k, v in summary.items() if not isinstance(v, dict))
        raise ValueError(f"unknown KPI '{kpi}' (known: {', '.join(scalars)})")
    y = np.broadcast_to(summary[kpi], (n,))
    rows = [
        {
            "driver": d,
            "base_value": base[d],
            "low_value": float(np.asarray(values[d])[2 * i + 1]),
            "high_value": float(np.asarray(values[d])[2 * i + 2]),
            "kpi_base": float(y[0]),
            "kpi_low": float(y[2 * i + 1]),
            "kpi_high": float(y[2 * i + 2]),
        }
        for i, d in enumerate(drivers)
    ]
    df = pd.DataFrame(
        rows,
        columns=[
            "driver",
            "base_value",
            "low_value",
            "high_value",
            "kpi_base",
            "kpi_low",
            "kpi_high",
        ],
    )
    df["swing"] = (df["kpi_high"] - df["kpi_low"]).abs()
    return df.sort_values(["swing", "driver"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )


def _draw(dist: Distribution, rng: np.random.Generator, n: int, path: str) -> np.ndarray:
    """n draws of one distribution (zero variance → the value exactly)."""

    def need(*names: str) -> list[float]:
        missing = [x for x in names if getattr(dist, x) is None]
        if missing:
            raise ParameterError(
                "monte_carlo", [f"monte_carlo.drivers.{path}: {dist.dist} needs {missing}"]
            )
        return [float(getattr(dist, x)) for x in names]

    kind = dist.dist
    if kind == "fixed":
        (mean,) = need("mean")
        return np.full(n, mean)
    if kind == "normal":
        mean, sd = need("mean", "sd")
        return np.full(n, mean) if sd == 0 else rng.normal(mean, sd, n)
    if kind == "lognormal":
        mean, sd = need("mean", "sd")
        if sd == 0:
            return np.full(n, mean)
        sigma2 = np.log1p((sd / mean) ** 2)
        return rng.lognormal(np.log(mean) - sigma2 / 2, np.sqrt(sigma2), n)
    if kind == "triangular":
        low, mode, high = need("low", "mode", "high")
        return np.full(n, mode) if low == high else rng.triangular(low, mode, high, n)
    if kind == "uniform":
        low, high = need("low", "high")
        return np.full(n, low) if low == high else rng.uniform(low, high, n)
    a, b = need("a", "b")
    x = rng.beta(a, b, n)
    if dist.low is not None and dist.high is not None:
        x = dist.low + (dist.high - dist.low) * x
    return x


def _centred(dist: dict[str, Any], value: float) -> dict[str, Any]:
    """A distribution (as a dict) moved so that its centre is ``value``."""
    d = dict(dist)
    kind = d["dist"]
    if kind in ("fixed", "normal"):
        d["mean"] = value
    elif kind == "lognormal" and d.get("mean"):
        if d.get("sd") is not None:
            d["sd"] = d["sd"] * value / d["mean"]
        d["mean"] = value
    elif kind == "triangular":
        shift = value - d["mode"]
        d.update(low=d["low"] + shift, mode=value, high=d["high"] + shift)
    elif kind == "uniform":
        shift = value - (d["low"] + d["high"]) / 2
        d.update(low=d["low"] + shift, high=d["high"] + shift)
    elif kind == "beta" and d.get("low") is not None and d.get("high") is not None:
        span = d["high"] - d["low"]
        shift = value - (d["low"] + span * d["a"] / (d["a"] + d["b"]))
        d.update(low=d["low"] + shift, high=d["high"] + shift)
    elif kind == "beta" and 0.0 < value < 1.0:
        total = d["a"] + d["b"]
        d.update(a=value * total, b=(1.0 - value) * total)
    return d


def centred_monte_carlo(params: PlanParameters) -> PlanParameters:
    """Parameters whose Monte Carlo distributions are centred on the current values.

    The YAML declares each driver's uncertainty around the plan's own value; once a
    slider moves that value, the cockpit moves the distribution with it (same spread;
    a beta keeps its concentration a + b). Unchanged values give unchanged parameters.
    """
    values = driver_values(params)
    dists = {
        path: _centred(dist.model_dump(exclude_none=True), values[path])
        if path in values
        else dist.model_dump(exclude_none=True)
        for path, dist in params.monte_carlo.drivers.items()
    }
    if dists == {p: d.model_dump(exclude_none=True) for p, d in params.monte_carlo.drivers.items()}:
        return params
    return apply_overrides(params, {"monte_carlo.drivers": dists})


def draw_values(params: PlanParameters, draws: int, seed: int) -> tuple[dict[str, Any], list[str]]:
    """Driver values with the Monte Carlo drivers replaced by seeded, clipped draws.

    Drivers are drawn in the order they are declared in ``monte_carlo.drivers``,
    each distribution centred on the plan's own value (:func:`centred_monte_carlo`),
    so a scenario's or a slider's value is the centre of its draws (the CLI and the
    cockpit draw the same way).

    Raises:
        ParameterError: a declared driver is not a numeric parameter path.
    """
    params = centred_monte_carlo(params)
    base = driver_values(params)
    rng = np.random.default_rng(seed)
    drawn: dict[str, np.ndarray] = {}
    for path, dist in params.monte_carlo.drivers.items():
        if path not in base:
            raise ParameterError(
                "monte_carlo", [f"monte_carlo.drivers.{path}: not a numeric plan parameter"]
            )
        drawn[path] = _draw(dist, rng, draws, path)
    values: dict[str, Any] = dict(base)
    values.update(clip_values(drawn))
    return values, list(drawn)


@dataclass
class MonteCarloResult:
    """Monte Carlo outcome.

    Attributes:
        draws, seed: what was run.
        drivers: the drawn driver paths.
        percentiles: month, line_item, channel, unit, p10, p50, p90 for the
            requested items (default ``PERCENTILE_ITEMS`` and, for a transactional
            plan, ``BOOKINGS_ITEMS``; company totals).
        summary: KPI → {p10, p50, p90, mean} over the draws.
        p_hit: target code → share of draws meeting the target (0..1); targets the
            model does not plan (nps, market share) are left out. Every target is
            judged on the plan's basis (``drivers.new_customers_basis``).
    """

    draws: int
    seed: int
    drivers: list[str]
    percentiles: pd.DataFrame
    summary: dict[str, dict[str, float]]
    p_hit: dict[str, float]


def monte_carlo(
    params: PlanParameters,
    draws: int | None = None,
    seed: int | None = None,
    items: tuple[str, ...] = (*PERCENTILE_ITEMS, *BOOKINGS_ITEMS),
) -> MonteCarloResult:
    """Seeded Monte Carlo over the declared driver distributions, vectorised over draws.

    Args:
        params: plan parameters (``monte_carlo.drivers`` declares the distributions).
        draws: number of draws (default ``monte_carlo.draws``).
        seed: random seed (default ``monte_carlo.seed``).
        items: company-total line items to report P10/P50/P90 for (any key of
            ``planning_lib.plan.model.LINE_UNITS``; those the plan lacks are left out,
            so the default's ``bookings`` appears for a transactional plan only).
    """
    draws = params.monte_carlo.draws if draws is None else int(draws)
    seed = params.monte_carlo.seed if seed is None else int(seed)
    inp = model_inputs(params)
    values, drivers = draw_values(params, draws, seed)
    lines, n = plan_lines(inp, values)
    months = plan_months(inp)
    keys = [(item, "") for item in items if (item, "") in lines]
    t_len = inp.months
    q = np.empty((3, len(keys), t_len))
    varying = [i for i, k in enumerate(keys) if np.shape(lines[k])[0] > 1]
    for i, k in enumerate(keys):
        if i not in varying:  # the same in every draw
            q[:, i, :] = np.asarray(lines[k])[0]
    if varying:
        # months × draws contiguous, percentiles along the last axis
        stacked = np.stack([np.asarray(lines[keys[i]]).T for i in varying])
        q[:, varying, :] = np.percentile(stacked, [10, 50, 90], axis=-1)
    pct = pd.DataFrame(
        {
            "month": np.tile(months.values, len(keys)),
            "line_item": np.repeat([k[0] for k in keys], t_len),
            "channel": np.repeat([k[1] for k in keys], t_len),
            "unit": np.repeat([LINE_UNITS[k[0]] for k in keys], t_len),
            "p10": q[0].reshape(-1),
            "p50": q[1].reshape(-1),
            "p90": q[2].reshape(-1),
        }
    )
    raw = plan_summary(params, inp, values, lines)
    keys = [k for k, a in raw.items() if not isinstance(a, dict) and not k.endswith("_index")]
    summary: dict[str, dict[str, float]] = {}
    if keys:  # one percentile call over every scalar KPI (k × n)
        stacked_kpis = np.stack(
            [np.broadcast_to(np.asarray(raw[k], dtype=float), (n,)) for k in keys]
        )
        qs = np.percentile(stacked_kpis, [10, 50, 90], axis=1)
        means = stacked_kpis.mean(axis=1)
        for i, key in enumerate(keys):
            summary[key] = {
                "p10": float(qs[0, i]),
                "p50": float(qs[1, i]),
                "p90": float(qs[2, i]),
                "mean": float(means[i]),
            }
    p_hit: dict[str, float] = {}
    for t in params.targets:
        achieved = target_achieved(t, lines, inp.plan_start, inp.months)
        if achieved is not None:
            hit = target_hit(t, np.broadcast_to(achieved, (n,)))
            p_hit[t.code] = float(hit.mean())
    return MonteCarloResult(
        draws=draws,
        seed=seed,
        drivers=drivers,
        percentiles=pct,
        summary=summary,
        p_hit=p_hit,
    )


BASES: tuple[str, ...] = ("funnel", "target")
BASIS_KEYS: tuple[str, ...] = (
    "new_customers",
    "mrr_end",
    "cost_total",
    "marketing_cost",
    "cac_fully_loaded",
    "cash_low_point",
    "company_cash_low_point",
)


def plan_bases(
    params: PlanParameters, draws: int | None = None, seed: int | None = None
) -> dict[str, dict[str, Any]]:
    """The plan on both bases side by side: what the target needs and what the plan funds.

    ``funnel``: the planned leads and conversions and what they deliver; ``target``:
    the target reached, paying for the leads it requires. Each basis is a whole plan
    (every figure on its own new customers). With ``draws``, ``p_mrr_target`` and
    ``p_new_customers_target`` are the Monte Carlo shares of draws meeting the MRR and
    the new-customer target on that basis (None without draws or without the target);
    a plan with a revenue target (``metric: revenue``: recognised revenue through the
    deadline, the bookings of a transactional plan) also gets ``p_revenue_target``, the
    share of draws whose revenue reaches it (the key is absent without such a target).

    Returns:
        basis → {new_customers, mrr_end, cost_total, marketing_cost, cac_fully_loaded,
        cash_low_point, company_cash_low_point, p_mrr_target, p_new_customers_target}
        (and ``bookings_total`` for a transactional plan, ``p_revenue_target`` with a
        revenue target).
    """
    out: dict[str, dict[str, Any]] = {}
    for basis in BASES:
        p = apply_overrides(params, {"drivers.new_customers_basis": basis})
        s = run_plan(p).summary
        row: dict[str, Any] = {
            "new_customers": s["new_customers"],
            "mrr_end": s["mrr_end"],
            "cost_total": s["cost_total"],
            "marketing_cost": s["cost_by_category"]["marketing"],
            "cac_fully_loaded": s["cac_fully_loaded"],
            "cash_low_point": s["cash_low_point"],
            "company_cash_low_point": s["company_cash_low_point"],
            "p_mrr_target": None,
            "p_new_customers_target": None,
        }
        if "bookings_total" in s:  # transactional: the bookings the basis brings
            row["bookings_total"] = s["bookings_total"]
        probabilities = [("mrr_end", "p_mrr_target"), ("new_customers", "p_new_customers_target")]
        if p.target("revenue") is not None:  # only then: plans without one keep their keys
            row["p_revenue_target"] = None
            probabilities.append(("revenue", "p_revenue_target"))
        if draws is not None:
            mc = monte_carlo(p, draws=draws, seed=seed, items=())
            for metric, key in probabilities:
                t = p.target(metric)
                if t is not None and t.code in mc.p_hit:
                    row[key] = mc.p_hit[t.code]
        out[basis] = row
    return out
