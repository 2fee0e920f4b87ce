"""Szenario-Cockpit logic: controls, validated settings, plan overrides and KPI tiles.

The Voila app (``notebooks/szenario_cockpit.ipynb``) only shows widgets; what a widget
value means for the plan lives here, as pure functions a test can call:

- ``CONTROLS`` lists every slider with its unit, range and the plan parameter it sets.
- ``settings_from_params`` reads the slider positions a plan (or scenario) implies.
- ``validate_settings`` checks whatever a browser sent (types, NaN, ranges, known names)
  and returns clean settings plus one sentence per problem; it never raises on bad input.
- ``overrides_from_settings`` turns settings into dotted-path overrides for
  ``planning_lib.plan.model.run_plan``.

Tiles, chart inputs and the Monte Carlo/tornado adapters are in ``planning_lib.app.tiles``;
the widgets in ``cockpit_widgets``, the updates in ``cockpit_updates``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from planning_lib.core import text_store
from planning_lib.core.overrides import apply_overrides, resolve_overrides
from planning_lib.core.params import PlanParameters
from planning_lib.core.vocabulary import CHANNELS

__all__ = [
    "CONTROLS",
    "SCENARIOS",
    "Control",
    "Locale",
    "control",
    "label",
    "overrides_from_settings",
    "parse_setting",
    "scenario_overrides",
    "settings_from_params",
    "slider_range",
    "validate_choice",
    "validate_int",
    "validate_settings",
]

Locale = Literal["de", "en"]
Kind = Literal["count", "share", "eur", "months"]

SCENARIOS: tuple[str, ...] = ("base", "best", "worst", "custom")
QUARTERS: tuple[int, ...] = (1, 2, 3, 4)
HIRE_ROLE = "inside_sales"


@dataclass(frozen=True)
class Control:
    """One slider: its key, labels, unit, range and the plan parameter it sets.

    Attributes:
        key: settings key (also the widget's CSS hook ``ctl-<key>``); its German and
            English labels are the text store's ``cockpit.control.<key>``
            (:attr:`label_de`, :attr:`label_en`).
        kind: unit of the value (count, share 0..1, EUR, months).
        low: smallest allowed value.
        high: largest allowed value.
        step: slider step.
        path: dotted plan-parameter path the value overrides ('' when mapped specially).
        group: section of the control panel.
    """

    key: str
    kind: Kind
    low: float
    high: float
    step: float
    path: str
    group: str

    @property
    def label_de(self) -> str:
        """The German label (text store ``cockpit.control.<key>``)."""
        return text_store.label_pair(f"cockpit.control.{self.key}")[0]

    @property
    def label_en(self) -> str:
        """The English label (text store ``cockpit.control.<key>``)."""
        return text_store.label_pair(f"cockpit.control.{self.key}")[1]

    @property
    def is_int(self) -> bool:
        """True when the value is a whole number (counts and months)."""
        return self.kind in ("count", "months")

    @property
    def decimals(self) -> int | None:
        """Fraction digits of the readout: whole counts and months (``1.200``, ``6``),
        else None for ``format_value``'s default of the unit (shares ``4,5 %``, money
        ``100.000 €``)."""
        return 0 if self.is_int else None

    @property
    def widget_scale(self) -> float:
        """Factor from the value to the slider: shares show as percent (0.045 → 4.5)."""
        return 100.0 if self.kind == "share" else 1.0

    def to_widget(self, value: float) -> float:
        """The slider position of a value (shares in percent)."""
        return round(value * self.widget_scale, 6)

    def from_widget(self, raw: Any) -> Any:
        """The value of a slider position.

        Anything that is not a finite number is passed on unchanged, for
        ``validate_settings`` to reject.
        """
        if isinstance(raw, int | float) and not isinstance(raw, bool) and math.isfinite(raw):
            return round(raw / self.widget_scale, 8) if self.widget_scale != 1.0 else raw
        return raw


def _c(*args: Any) -> Control:
    return Control(*args)


CONTROLS: tuple[Control, ...] = (
    _c("new_customers_target", "count",
       0, 2000, 10, "", "ziele"),
    _c("churn_end", "share",
       0.0, 0.15, 0.001, "drivers.churn_rate_monthly.end", "ziele"),
    _c("arpa", "eur",
       0, 600, 1, "drivers.arpa_monthly_eur", "ziele"),
    _c("inbound_mql_to_sql", "share",
       0.0, 1.0, 0.01, "channels.inbound.mql_to_sql", "funnel"),
    _c("inbound_sql_to_demo", "share",
       0.0, 1.0, 0.01, "channels.inbound.sql_to_demo", "funnel"),
    _c("inbound_demo_to_won", "share",
       0.0, 1.0, 0.01, "channels.inbound.demo_to_won", "funnel"),
    _c("outbound_sql_to_demo", "share",
       0.0, 1.0, 0.01, "channels.outbound.sql_to_demo", "funnel"),
    _c("outbound_demo_to_won", "share",
       0.0, 1.0, 0.01, "channels.outbound.demo_to_won", "funnel"),
    _c("partner_sql_to_demo", "share",
       0.0, 1.0, 0.01, "channels.partner.sql_to_demo", "funnel"),
    _c("partner_demo_to_won", "share",
       0.0, 1.0, 0.01, "channels.partner.demo_to_won", "funnel"),
    _c("marketing_budget", "eur",
       0, 1_000_000, 5_000, "budget.by_category.marketing", "budget"),
    _c("share_inbound", "share",
       0.0, 1.0, 0.05, "channels.inbound.lead_share", "budget"),
    _c("share_outbound", "share",
       0.0, 1.0, 0.05, "channels.outbound.lead_share", "budget"),
    _c("share_partner", "share",
       0.0, 1.0, 0.05, "channels.partner.lead_share", "budget"),
    _c("hires_q1", "count",
       0, 20, 1, "", "team"),
    _c("hires_q2", "count",
       0, 20, 1, "", "team"),
    _c("hires_q3", "count",
       0, 20, 1, "", "team"),
    _c("hires_q4", "count",
       0, 20, 1, "", "team"),
    _c("ramp_months", "months",
       0, 12, 1, "organisation.roles.inside_sales.ramp_months", "team"),
    _c("commission_rate", "share",
       0.0, 0.5, 0.01, "compensation.commission_rate_first_year", "team"),
    _c("partner_commission_rate", "share",
       0.0, 0.5, 0.01, "channels.partner.partner_commission_rate", "team"),
)  # fmt: skip

_BY_KEY: dict[str, Control] = {c.key: c for c in CONTROLS}

AROUND_PLAN: dict[str, tuple[float, float]] = {
    "new_customers_target": (0.25, 2.0),
    "arpa": (0.25, 2.0),
    "marketing_budget": (0.25, 2.0),
}
"""Controls whose slider spans factors of the plan value (0,25× to 2×); the others
span their full range (shares 0–100 %, hires 0–20, …)."""

# Non-slider settings: allowed values and defaults.
MC_DRAWS_RANGE: tuple[int, int] = (100, 20_000)
SEED_RANGE: tuple[int, int] = (0, 2**31 - 1)

LABELS: dict[str, dict[Locale, str]] = {
    key.removeprefix("cockpit."): {"de": de, "en": en}
    for key, (de, en) in text_store.LABELS.items()
    if key.startswith("cockpit.") and key.count(".") == 1
}
"""The cockpit's and the Soll/Ist tab's texts by key (``cockpit.<key>`` in the text store)."""


def label(key: str, locale: str = "de", **values: Any) -> str:
    """The German or English label of a control, section, tile or message key
    (English for ``en``, else German), with ``values`` filled into its ``{name}`` fields."""
    if key in _BY_KEY:
        c = _BY_KEY[key]
        return c.label_en if locale == "en" else c.label_de
    text = LABELS[key]["en" if locale == "en" else "de"]
    return text.format(**values) if values else text


def control(key: str) -> Control:
    """The control with ``key``; KeyError names the known keys."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown control '{key}' (known: {', '.join(_BY_KEY)})") from None


# --------------------------------------------------------------------------- overrides


def scenario_overrides(params: PlanParameters, scenario: str) -> dict[str, Any]:
    """The absolute dotted-path overrides of a named scenario ('base' and 'custom': none).

    Relative values (``{factor: 0.8}``) are resolved against ``params`` (region
    merged), so the sliders and the export show the region's own numbers.
    """
    if scenario in ("base", "custom"):
        return {}
    if scenario not in params.scenarios:
        raise KeyError(
            f"unknown scenario '{scenario}' (known: base, {', '.join(sorted(params.scenarios))})"
        )
    return resolve_overrides(params, params.scenarios[scenario], f"scenarios.{scenario}")


def _hires_by_quarter(params: PlanParameters) -> dict[int, int]:
    """Planned inside-sales hires per plan quarter of the first year (count)."""
    out = dict.fromkeys(QUARTERS, 0)
    for h in params.organisation.hires:
        q = (h.start_month - 1) // 3 + 1
        if h.role == HIRE_ROLE and q in out:
            out[q] += h.count
    return out


def settings_from_params(params: PlanParameters) -> dict[str, float | int]:
    """Slider positions that reproduce ``params`` (apply a scenario first to read it)."""
    ch = params.channels
    churn = params.drivers.churn_rate_monthly
    target = params.target("new_customers")
    hires = _hires_by_quarter(params)
    values: dict[str, float | int] = {
        "new_customers_target": int(target.value) if target else 0,
        "churn_end": churn.end
        if churn.end is not None and churn.path != "constant"
        else churn.start,
        "arpa": params.drivers.arpa_monthly_eur,
        "inbound_mql_to_sql": ch["inbound"].mql_to_sql,
        "marketing_budget": params.budget.by_category.get("marketing", 0.0),
        "ramp_months": params.organisation.roles[HIRE_ROLE].ramp_months,
        "commission_rate": params.compensation.commission_rate_first_year,
        "partner_commission_rate": ch["partner"].partner_commission_rate,
        **{f"hires_q{q}": hires[q] for q in QUARTERS},
    }
    for name in CHANNELS:
        values[f"{name}_sql_to_demo"] = ch[name].sql_to_demo
        values[f"{name}_demo_to_won"] = ch[name].demo_to_won
        values[f"share_{name}"] = ch[name].lead_share
    return {k: _clamp(control(k), v) for k, v in values.items()}


def overrides_from_settings(
    params: PlanParameters, settings: Mapping[str, Any], scenario: str = "base"
) -> dict[str, Any]:
    """Dotted-path overrides for ``run_plan`` from validated slider settings.

    The named scenario's overrides come first; every slider then sets its parameter.
    Channel shares are normalised to sum to 1; the marketing budget also moves the
    budget total; hires per quarter replace the inside-sales hires (other roles kept);
    a churn slider on a constant churn path sets the constant value.

    Args:
        params: base plan parameters (region already merged).
        settings: output of ``validate_settings`` (every control key present).
        scenario: 'base', 'best', 'worst' or 'custom' (custom = base + sliders).

    Returns:
        Overrides, dotted parameter path → value.
    """
    out = scenario_overrides(params, scenario)
    scen = apply_overrides(params, out) if out else params
    for c in CONTROLS:
        if c.path and not c.key.startswith("share_") and c.key != "churn_end":
            out[c.path] = int(settings[c.key]) if c.is_int else float(settings[c.key])
    idx = next((i for i, t in enumerate(scen.targets) if t.metric == "new_customers"), None)
    if idx is not None:
        out[f"targets.{idx}.value"] = float(settings["new_customers_target"])
    churn = scen.drivers.churn_rate_monthly
    churn_key = "start" if churn.path == "constant" else "end"
    out[f"drivers.churn_rate_monthly.{churn_key}"] = float(settings["churn_end"])
    shares = [float(settings[f"share_{n}"]) for n in CHANNELS]
    total = sum(shares)
    if total <= 0:
        shares, total = [1.0] * len(CHANNELS), float(len(CHANNELS))
    for name, share in zip(CHANNELS, shares, strict=True):
        # shares that already add up to 1 are kept exactly (no rounding noise)
        out[f"channels.{name}.lead_share"] = share if math.isclose(total, 1.0) else share / total
    other = sum(v for k, v in params.budget.by_category.items() if k != "marketing")
    out["budget.total_eur"] = other + float(settings["marketing_budget"])
    hires = [h.model_dump(exclude_none=True) for h in scen.organisation.hires]
    hires = [h for h in hires if h["role"] != HIRE_ROLE]
    hires += [
        {"role": HIRE_ROLE, "count": int(settings[f"hires_q{q}"]), "quarter": q}
        for q in QUARTERS
        if int(settings[f"hires_q{q}"]) > 0
    ]
    out["organisation.hires"] = hires
    return out


# --------------------------------------------------------------------------- validation


def _clamp(c: Control, value: float) -> float | int:
    v = min(max(float(value), c.low), c.high)
    return round(v) if c.is_int else v


def _number(raw: Any) -> float | None:
    """A finite number from what a browser sent, or None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        v = float(raw)
    elif isinstance(raw, str):
        try:
            v = float(raw.strip().replace(",", "."))
        except ValueError:
            return None
    else:
        return None
    return v if math.isfinite(v) else None


def validate_settings(
    raw: Mapping[str, Any], defaults: Mapping[str, float | int]
) -> tuple[dict[str, float | int], list[str]]:
    """Clean slider settings from untrusted input; never raises on bad values.

    A value that is not a finite number keeps its default; a number out of range is
    clamped to the control's range; counts are rounded; unknown keys are dropped.
    Each correction yields one sentence in ``problems``.

    Args:
        raw: control key → value as received from the page.
        defaults: control key → value to fall back to (e.g. the previous settings).

    Returns:
        (settings with every control key, problems).
    """
    problems = [f"{k}: unknown control, ignored" for k in raw if k not in _BY_KEY]
    out: dict[str, float | int] = {}
    for c in CONTROLS:
        fallback = defaults[c.key]
        if c.key not in raw:
            out[c.key] = fallback
            continue
        v = _number(raw[c.key])
        if v is None:
            problems.append(f"{c.key}: {raw[c.key]!r} is not a number; kept {fallback}")
            out[c.key] = fallback
            continue
        clean = _clamp(c, v)
        if clean != v and not (c.is_int and c.low <= v <= c.high):
            problems.append(f"{c.key}: {v} is outside {c.low}..{c.high}; set to {clean}")
        out[c.key] = clean
    return out, problems


def validate_choice(raw: Any, allowed: tuple[str, ...] | list[str], fallback: str) -> str:
    """``raw`` when it is one of ``allowed``, else ``fallback``."""
    return raw if isinstance(raw, str) and raw in allowed else fallback


def validate_int(raw: Any, low: int, high: int, fallback: int) -> int:
    """A whole number within ``low..high`` from untrusted input (clamped), else ``fallback``."""
    v = _number(raw)
    return fallback if v is None else int(min(max(round(v), low), high))


# --------------------------------------------------------------------------- slider readouts


def slider_range(c: Control, plan_value: float) -> tuple[float, float]:
    """The span a slider shows for a plan value: for :data:`AROUND_PLAN` controls
    0,25× to 2× the plan value, rounded outwards to the control's step and kept
    within its limits (``low``/``high``); otherwise (or for a plan value of 0) the
    full range. A manager moves 600 new customers between 150 and 1.200 in steps of 10.
    """
    span = AROUND_PLAN.get(c.key)
    if span is None or not math.isfinite(plan_value) or plan_value <= 0:
        return c.low, c.high
    low = math.floor(plan_value * span[0] / c.step + 1e-9) * c.step
    high = math.ceil(plan_value * span[1] / c.step - 1e-9) * c.step
    return max(c.low, low), min(c.high, max(high, low + c.step))


def parse_setting(c: Control, text: str, locale: Locale = "de") -> float:
    """The value of a typed readout: ``4,5`` or ``4,5 %`` (a share: 0.045),
    ``100.000`` or ``100.000 €``; a lone decimal point of the other locale is
    accepted too (``4.5`` in German means 4,5, not 45).

    Raises:
        ValueError: not a number, in a sentence naming the control and the input.
    """
    from babel.numbers import NumberFormatError, parse_decimal

    from planning_lib.present.formatting import babel_locale

    loc = babel_locale(locale)
    raw = str(text).replace("%", "").replace("€", "").replace("\u00a0", " ").strip()
    raw = raw.replace(" ", "").replace("\u2212", "-")
    other = "." if locale == "de" else ","
    try:
        number = parse_decimal(raw, locale=loc, strict=True)
    except NumberFormatError:
        mine = "," if other == "." else "."
        if raw.count(other) == 1 and mine not in raw:
            try:
                number = parse_decimal(raw.replace(other, mine), locale=loc, strict=True)
            except NumberFormatError:
                number = None
        else:
            number = None
    if number is None or not math.isfinite(float(number)):
        what = c.label_de if locale == "de" else c.label_en
        raise ValueError(label("not_a_number", locale, what=what, text=text))
    value = float(number)
    return value / 100.0 if c.kind == "share" else value
