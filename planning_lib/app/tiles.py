"""Szenario-Cockpit outputs: KPI tiles, chart inputs, tornado and Monte Carlo adapters.

Pure functions from a plan (summary, tidy monthly table, scenario results) to what
the page shows, formatted for the locale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from planning_lib.app.cockpit import CONTROLS, Locale, label
from planning_lib.core import text_store
from planning_lib.core.params import PlanParameters
from planning_lib.plan.scenarios import centred_monte_carlo
from planning_lib.present.formatting import Unit, format_value

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "TILE_KEYS",
    "TRANSACTIONAL_TILES",
    "PlanViews",
    "Tile",
    "centred_monte_carlo",
    "driver_label",
    "kpi_tiles",
    "mc_band",
    "mc_p_hit",
    "one_off",
    "plan_views",
    "probability_metric",
    "tornado_table",
]


# --------------------------------------------------------------------------- tiles


@dataclass(frozen=True)
class Tile:
    """One KPI tile as the page shows it.

    Attributes:
        key: KPI key (the tile's CSS hook is ``kpi-<key with _ as ->``).
        label: caption in the page's language.
        value: formatted value, e.g. '118.234 €'.
        note: small print under the value (target, or why there is no value).
        status: 'ok', 'warn', 'bad' or 'neutral' (colour of the tile).
        slot: the place on the page (a key of :data:`TILE_KEYS`) when it differs from
            ``key`` (a transactional plan's tiles, :data:`TRANSACTIONAL_TILES`).
    """

    key: str
    label: str
    value: str
    note: str
    status: Literal["ok", "warn", "bad", "neutral"]
    slot: str = ""

    @property
    def css_class(self) -> str:
        """The stable DOM hook, e.g. 'kpi-mrr-end'."""
        return "kpi-" + self.key.replace("_", "-")


TILE_KEYS: tuple[str, ...] = (
    "mrr_end",
    "new_customers",
    "cac_fully_loaded",
    "ltv_to_cac",
    "payback_months",
    "cash_low_point",
    "p_mrr_target",
)


TRANSACTIONAL_TILES: dict[str, str] = {
    "mrr_end": "bookings_total",
    "payback_months": "deal_size_avg",
    "p_mrr_target": "p_new_customers_target",
}
"""A transactional plan without MRR (year-end MRR 0, payback on ARPA undefined) shows its
bookings over the plan, its mean new deal and the chance of its new-customer target in
these places; with a revenue target (``metric: revenue``, the bookings) the probability
tile shows the chance of that target instead (:func:`probability_metric`)."""

TILE_METRIC: dict[str, str] = {
    "p_mrr_target": "mrr_end",
    "p_new_customers_target": "new_customers",
    "p_revenue_target": "revenue",
}
"""The target metric whose Monte Carlo hit rate a probability tile shows."""


def one_off(summary: Mapping[str, Any]) -> bool:
    """True for a transactional plan without MRR (bookings, year-end MRR 0): its tiles,
    charts and tornado show bookings in place of MRR."""
    return "bookings_total" in summary and not summary.get("mrr_end")


def probability_metric(summary: Mapping[str, Any], params: PlanParameters) -> str:
    """The target metric of the probability tile: ``mrr_end``; for a transactional plan
    without MRR (:func:`one_off`) ``revenue`` when it has a revenue target, else
    ``new_customers``."""
    if not one_off(summary):
        return "mrr_end"
    return "revenue" if params.target("revenue") is not None else "new_customers"


_TILE_UNIT: dict[str, tuple[Unit, int | None]] = {
    "mrr_end": ("eur", None),
    "bookings_total": ("eur", None),
    "deal_size_avg": ("eur", None),
    "new_customers": ("count", None),
    "cac_fully_loaded": ("eur", None),
    "ltv_to_cac": ("ratio_to_one", None),
    "payback_months": ("months", None),
    "cash_low_point": ("eur", None),
    "p_mrr_target": ("share", 0),
    "p_new_customers_target": ("share", 0),
    "p_revenue_target": ("share", 0),
}
"""Each tile's unit and decimals (None: the unit's default): '118.234 €' (whole euros),
'612', '3,7 : 1', '6,8', '73 %'."""


def _status(ok: bool, warn: bool) -> Literal["ok", "warn", "bad"]:
    return "ok" if ok else ("warn" if warn else "bad")


def kpi_tiles(
    summary: Mapping[str, Any],
    params: PlanParameters,
    locale: Locale = "de",
    p_mrr_target: float | None = None,
    mc_state: Literal["off", "running", "done"] = "off",
) -> list[Tile]:
    """The seven KPI tiles from a plan summary.

    Args:
        summary: ``PlanResult.summary`` (mrr_end, new_customers, cac_fully_loaded, ...).
        params: the parameters planned (targets give the notes and colours).
        locale: 'de' or 'en'.
        p_mrr_target: probability (0..1) of reaching the MRR target from Monte Carlo
            (a transactional plan without MRR: the target of :func:`probability_metric`,
            revenue or new customers).
        mc_state: whether Monte Carlo is off, running or done.

    Returns:
        Tiles in ``TILE_KEYS`` order (a transactional plan without MRR: the tiles of
        :data:`TRANSACTIONAL_TILES` in their places).
    """
    tiles: list[Tile] = []
    tgt = label("target", locale)
    transactional = one_off(summary)
    chance = {v: k for k, v in TILE_METRIC.items()}[probability_metric(summary, params)]
    for slot in TILE_KEYS:
        key = TRANSACTIONAL_TILES.get(slot, slot) if transactional else slot
        if key in TILE_METRIC:
            key = chance
        unit, decimals = _TILE_UNIT[key]
        note, status = "", "neutral"
        if key in TILE_METRIC:
            value = p_mrr_target if mc_state == "done" else None
            if mc_state != "done":
                note = label("mc_running" if mc_state == "running" else "mc_off", locale)
            elif value is not None:
                status = _status(value >= 0.8, value >= 0.5)
        else:
            value = summary.get(key)
        text = format_value(value, unit, locale, decimals)
        t = params.target({"cac_fully_loaded": "cac"}.get(key, key))
        if t is not None and value is not None and key not in TILE_METRIC:
            note = f"{tgt}: {format_value(t.value, unit, locale, decimals)}"
            hit = value >= t.value if t.direction == "at_least" else value <= t.value
            near = abs(value - t.value) <= 0.1 * abs(t.value)
            status = _status(hit, near)
        elif key == "ltv_to_cac" and value is not None:
            status = _status(value >= 3, value >= 1)
        elif key == "cash_low_point" and value is not None:
            status = _status(value >= 0, False)
        tiles.append(Tile(key, label(key, locale), text, note, status, slot))
    return tiles


# --------------------------------------------------------------------------- scenarios


def driver_label(path: str, params: PlanParameters, locale: Locale = "de") -> str:
    """A readable label for a driver path (slider label, target, channel field or the path)."""
    for c in CONTROLS:
        if c.path == path:
            return label(c.key, locale)
    if path == "drivers.churn_rate_monthly.end":
        return label("churn_end", locale)
    if f"cockpit.field.{path}" in text_store.LABELS:
        return text_store.label(f"cockpit.field.{path}", locale)
    parts = path.split(".")
    if parts[0] == "targets" and len(parts) == 3 and parts[1].isdigit():
        i = int(parts[1])
        if i < len(params.targets):
            t = params.targets[i]
            if t.metric == "new_customers":
                return label("new_customers_target", locale)
            return f"{label('target', locale)} {t.code}"
    if parts[0] == "channels" and len(parts) == 3 and parts[1] in params.channels:
        ch = params.channels[parts[1]]
        name = ch.label_de if locale == "de" else ch.label_en
        field = f"cockpit.field.{parts[2]}"
        known = field in text_store.LABELS
        return f"{name}: {text_store.label(field, locale) if known else parts[2]}"
    return path


def tornado_table(sens: Any, params: PlanParameters, locale: Locale = "de") -> Any:
    """Tornado rows from ``scenarios.sensitivity``: label, low, high (KPI values).

    Drivers without effect (zero swing) are left out; at most 10 rows, largest swing
    first.
    """
    import pandas as pd

    df = sens[sens["swing"] > 0].head(10)
    return pd.DataFrame(
        {
            "label": [driver_label(str(d), params, locale) for d in df["driver"]],
            "low": df["kpi_low"].to_numpy(float),
            "high": df["kpi_high"].to_numpy(float),
        }
    )


def mc_band(mc: Any, item: str = "mrr_end") -> dict[str, Any]:
    """P10/P50/P90 per month of a company line item from a ``MonteCarloResult``."""
    pct = mc.percentiles
    rows = pct[(pct["line_item"] == item) & (pct["channel"] == "")].sort_values("month")
    if rows.empty:
        raise KeyError(f"Monte Carlo has no percentiles for '{item}'")
    return {k: rows[k].to_numpy(float) for k in ("p10", "p50", "p90")}


def mc_p_hit(mc: Any, params: PlanParameters, metric: str = "mrr_end") -> float | None:
    """Share of draws (0..1) meeting the first target on ``metric``; None without one."""
    t = params.target(metric)
    if t is None or t.code not in mc.p_hit:
        return None
    return float(mc.p_hit[t.code])


# --------------------------------------------------------------------------- chart inputs


@dataclass(frozen=True)
class PlanViews:
    """What the charts need from a plan, as plain arrays.

    Attributes:
        months: month labels ('01/26').
        mrr: end MRR per month (EUR).
        bridge: MRR bridge over the horizon (EUR/month).
        leads: required entry-stage leads, months × channel labels.
        cash: sales cash at month end (EUR).
        bookings: a transactional plan's bookings per month (EUR, new deals + repeat
            purchases), None for a plan without the line.
        composition: a transactional plan's bookings over the horizon: new_deals,
            deal_size (EUR/deal, None without deals), bookings_new, repeat_purchases,
            repeat_deal_size, bookings_repeat, bookings (EUR); None without the lines.
    """

    months: list[str]
    mrr: np.ndarray
    bridge: dict[str, float]
    leads: pd.DataFrame
    cash: np.ndarray
    bookings: np.ndarray | None = None
    composition: dict[str, float | None] | None = None

    @property
    def one_off(self) -> bool:
        """True when the plan books one-off deals and has no MRR (draw bookings)."""
        return self.bookings is not None and not self.mrr.any()


def plan_views(monthly: pd.DataFrame, params: PlanParameters, locale: str = "de") -> PlanViews:
    """Chart inputs from the tidy monthly plan (month, line_item, channel, value).

    Raises:
        KeyError: a needed line item is missing (named in the message).
    """
    import pandas as pd

    total = monthly[monthly["channel"] == ""]
    wide = total.pivot_table(index="month", columns="line_item", values="value", aggfunc="sum")
    need = ["mrr_start", "mrr_new", "mrr_churned", "mrr_end", "cash_balance"]
    missing = [c for c in need if c not in wide.columns]
    if missing:
        raise KeyError(f"plan lacks line items {missing}")
    months = [pd.Timestamp(m).strftime("%m/%y") for m in wide.index]
    bridge = {
        "mrr_start": float(wide["mrr_start"].iloc[0]),
        "mrr_end": float(wide["mrr_end"].iloc[-1]),
        **{
            k: float(wide[k].sum()) if k in wide.columns else 0.0
            for k in ("mrr_new", "mrr_expansion", "mrr_contraction", "mrr_churned")
        },
    }
    req = monthly[(monthly["line_item"] == "required_entry") & (monthly["channel"] != "")]
    leads = req.pivot_table(index="month", columns="channel", values="value", aggfunc="sum")
    leads.index = [pd.Timestamp(m).strftime("%m/%y") for m in leads.index]
    leads.columns = [
        getattr(params.channels[c], f"label_{locale}") if c in params.channels else c
        for c in leads.columns
    ]
    bookings, composition = None, None
    parts = ("customers_new", "bookings_new", "repeat_purchases", "bookings_repeat", "bookings")
    if all(c in wide.columns for c in parts):
        bookings = wide["bookings"].to_numpy(float)
        sums = {c: float(wide[c].sum()) for c in parts}
        composition = {
            "new_deals": sums["customers_new"],
            "deal_size": _per(sums["bookings_new"], sums["customers_new"]),
            "bookings_new": sums["bookings_new"],
            "repeat_purchases": sums["repeat_purchases"],
            "repeat_deal_size": _per(sums["bookings_repeat"], sums["repeat_purchases"]),
            "bookings_repeat": sums["bookings_repeat"],
            "bookings": sums["bookings"],
        }
    return PlanViews(
        months,
        wide["mrr_end"].to_numpy(float),
        bridge,
        leads,
        wide["cash_balance"].to_numpy(float),
        bookings,
        composition,
    )


def _per(amount: float, count: float) -> float | None:
    """EUR per deal; None without deals (the chart shows '–')."""
    return amount / count if count > 0 else None
