"""Dotted override paths: scenario overrides, numeric driver values and their checks.

Every numeric parameter has a dotted path (``channels.inbound.leads_per_month``), the
same paths the YAML's ``scenarios:`` and ``monte_carlo.drivers`` sections and
``drivers.paths`` use. An override of a numeric parameter is either an absolute value
or relative to the value it replaces, so one scenario fits the company and every
region (see :func:`resolve_overrides`)::

    channels.inbound.leads_per_month: {factor: 0.8}     # 80 % of the plan's own volume
    channels.outbound.sql_to_demo: {delta: -0.08}       # 8 points below the plan's rate
    drivers.churn_rate_monthly.path: constant           # absolute

Overrides are applied to the pydantic parameters and re-validated, so a bad override is
reported with its path. :func:`check_override_paths` and :func:`check_driver_paths`
check that every scenario, Monte Carlo and ``drivers.paths`` key names a real parameter
(``load_params`` runs them).
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Mapping
from typing import Any

from planning_lib.core.params import ParameterError, PlanParameters, params_from_dict

__all__ = [
    "PATH_KEYS",
    "RELATIVE_DECIMALS",
    "RELATIVE_KEYS",
    "SHARE_SUFFIXES",
    "apply_overrides",
    "check_driver_paths",
    "check_override_paths",
    "driver_values",
    "resolve_overrides",
]

# keys of a relative override: new value = base value × factor + delta
RELATIVE_KEYS: tuple[str, ...] = ("factor", "delta")
# relative results are rounded to this many decimals, so decimal steps stay exact
# (0.30 - 0.08 gives 0.22, not 0.21999999999999997)
RELATIVE_DECIMALS = 10

# value paths ending in one of these are shares 0..1 (clipped there when drawn or perturbed)
SHARE_SUFFIXES: tuple[str, ...] = (
    "churn_rate_monthly.start",
    "churn_rate_monthly.end",
    "expansion_rate_monthly",
    "contraction_rate_monthly",
    "gross_margin",
    "annual_prepay_share",
    "repeat_purchase_rate_monthly",
    "lead_share",
    "mql_to_sql",
    "sql_to_demo",
    "demo_to_won",
    "partner_commission_rate",
    "attrition_yearly",
    "commission_rate_first_year",
    "commission_rate_repeat_purchase",
)


def _set_path(data: Any, parts: list[str], value: Any, full: str) -> None:
    """Set ``value`` at ``parts`` inside nested dicts/lists (in place)."""
    node = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            try:
                idx = int(part)
                node[idx]
            except (ValueError, IndexError):
                done = ".".join(parts[:i])
                raise ParameterError(
                    "overrides",
                    [f"{full}: '{part}' is not an index of {done} (0..{len(node) - 1})"],
                ) from None
            if last:
                node[idx] = value
            else:
                node = node[idx]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                if node.get(part) is None:
                    node[part] = {}
                node = node[part]
        else:
            done = ".".join(parts[:i])
            raise ParameterError("overrides", [f"{full}: {done} is a value, not a section"])


def _get_path(data: Any, parts: list[str]) -> tuple[bool, Any]:
    """``(found, value)`` at ``parts`` inside nested dicts/lists."""
    node = data
    for part in parts:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _base_number(data: dict[str, Any], path: str) -> tuple[bool, Any]:
    """The current value at ``path`` (churn ``end`` left open counts as ``start``)."""
    found, value = _get_path(data, path.split("."))
    if found and value is None and path == "drivers.churn_rate_monthly.end":
        return _get_path(data, ["drivers", "churn_rate_monthly", "start"])
    return found, value


def _relative_problem(spec: dict[Any, Any], base: Any) -> str | None:
    """Why ``spec`` is not a usable relative override of ``base``, or None."""
    unknown = sorted(str(k) for k in spec if k not in RELATIVE_KEYS)
    if unknown or not spec:
        return (
            f"unknown key(s) {unknown} in a relative value (allowed: {', '.join(RELATIVE_KEYS)})"
            if unknown
            else f"an empty relative value (give {' and/or '.join(RELATIVE_KEYS)})"
        )
    for key, v in spec.items():
        if not _is_number(v):
            return f"{key} must be a number, not {v!r}"
    if spec.get("factor", 1.0) < 0:
        return f"factor must be >= 0, not {spec['factor']}"
    if not _is_number(base):
        return f"a relative value needs a numeric plan value to change, found {base!r}"
    return None


def _relative_value(spec: dict[str, float], base: float) -> float:
    """``base × factor + delta``, rounded to ``RELATIVE_DECIMALS``."""
    value = float(base) * float(spec.get("factor", 1.0)) + float(spec.get("delta", 0.0))
    return round(value, RELATIVE_DECIMALS)


def resolve_overrides(
    params: PlanParameters, overrides: Mapping[str, Any] | None, source: str = "overrides"
) -> dict[str, Any]:
    """Overrides with every relative value replaced by the absolute value it gives.

    An override of a numeric parameter may be

    * an absolute value (``600``),
    * ``{factor: f}``: the parameter's value in ``params`` times ``f`` (``f >= 0``),
    * ``{delta: d}``: the value plus ``d`` (in the parameter's unit; shares as 0..1),
    * ``{factor: f, delta: d}``: ``value × f + d``.

    Relative values are taken from ``params`` itself (region merged), so ``{factor: 0.8}``
    on a lead volume gives 400 for the company and 60 for a region planning 75. Results
    are rounded to 10 decimals. A dict on a section (``monte_carlo.drivers``) replaces
    it as before. A dict counts as relative when the path holds a number or the dict
    names ``factor`` or ``delta``. Unknown paths are left for :func:`apply_overrides`.

    Args:
        params: the parameters the overrides change.
        overrides: dotted path -> absolute or relative value.
        source: what the overrides are, for messages (``"scenarios.worst"``).

    Returns:
        Dotted path -> absolute value (a new dict).

    Raises:
        ParameterError: a relative value has unknown keys, a non-numeric or negative
            factor, or its path holds no number; the message names source and path.
    """
    if not overrides:
        return {}
    data: dict[str, Any] | None = None
    out: dict[str, Any] = {}
    problems: list[str] = []
    for path, value in overrides.items():
        if not isinstance(value, dict):
            out[path] = value
            continue
        if data is None:
            data = params.model_dump()
        found, base = _base_number(data, path)
        if not (found and _is_number(base)) and not set(value) & set(RELATIVE_KEYS):
            out[path] = value  # a section (or an optional one left empty) replaced whole
            continue
        problem = _relative_problem(value, base if found else None)
        if problem:
            problems.append(f"{source}: {path}: {problem}")
            continue
        out[path] = _relative_value(value, base)
    if problems:
        raise ParameterError(source, problems)
    return out


def apply_overrides(
    params: PlanParameters, overrides: Mapping[str, Any] | None, source: str = "overrides"
) -> PlanParameters:
    """Parameters with dotted-path overrides applied and re-validated.

    Args:
        params: the base parameters (not changed).
        overrides: ``{"channels.inbound.leads_per_month": 600, ...}``; list items by
            index (``"targets.1.value"``); a numeric parameter may also be given
            relative to its value in ``params``: ``{factor: 0.8}``, ``{delta: -0.02}``
            (see :func:`resolve_overrides`).
        source: what the overrides are, for messages (``"scenarios.worst"``).

    Returns:
        New, validated parameters (``params`` itself when there is nothing to apply).

    Raises:
        ParameterError: an override names an unknown path, has a bad relative value
            or breaks a rule; the message names the path.
    """
    if not overrides:
        return params
    resolved = resolve_overrides(params, overrides, source)
    data = params.model_dump()
    for path, value in resolved.items():
        _set_path(data, path.split("."), value, path)
    return params_from_dict(data, source=f"{source} " + ", ".join(sorted(resolved)))


def _paths(node: Any, prefix: str, out: list[str]) -> None:
    """Every section and value path below ``node`` (for suggestions)."""
    if prefix:
        out.append(prefix)
    if isinstance(node, dict):
        for k, v in node.items():
            _paths(v, f"{prefix}.{k}" if prefix else str(k), out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _paths(v, f"{prefix}.{i}", out)


def _closest(path: str, known: list[str]) -> str:
    match = difflib.get_close_matches(path, known, n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def check_override_paths(params: PlanParameters) -> list[str]:
    """Problems with the paths of the scenarios and Monte Carlo drivers (empty: all fine).

    Every ``scenarios.<name>`` path must name an existing parameter (a list item by
    index; a new key only in a free mapping such as ``budget.by_category``), and its
    relative values must be well formed (:func:`resolve_overrides`); every
    ``monte_carlo.drivers`` path must be a numeric driver (:func:`driver_values`).
    Each problem names scenario and path and, where one is close, the valid path
    meant. Values are not re-validated here (a scenario run does that).
    """
    data = params.model_dump()
    known: list[str] = []
    _paths({k: v for k, v in data.items() if k not in ("scenarios", "monte_carlo")}, "", known)
    problems: list[str] = []
    for name, overrides in params.scenarios.items():
        for path, value in overrides.items():
            where = f"scenarios.{name}: {path}"
            found, _ = _base_number(data, path)
            if not found and not _new_key_allowed(params, data, path, value):
                problems.append(f"{where}: not a plan parameter{_closest(path, known)}")
                continue
            try:
                resolve_overrides(params, {path: value}, f"scenarios.{name}")
            except ParameterError as err:
                problems.extend(err.problems)
    drivers = driver_values(params)
    for path in params.monte_carlo.drivers:
        if path not in drivers:
            problems.append(
                f"monte_carlo.drivers: {path}: not a numeric plan parameter"
                f"{_closest(path, sorted(drivers))}"
            )
    return problems


def _new_key_allowed(params: PlanParameters, data: dict[str, Any], path: str, value: Any) -> bool:
    """Whether ``path`` adds a key to an existing free mapping (checked by applying it)."""
    parts = path.split(".")
    found, parent = _get_path(data, parts[:-1])
    if not found or not isinstance(parent, dict) or isinstance(value, dict):
        return False
    try:
        apply_overrides(params, {path: value})
    except ParameterError:
        return False
    return True


def _flatten(node: Any, prefix: str, out: dict[str, float]) -> None:
    if isinstance(node, bool) or node is None:
        return
    if isinstance(node, int | float):
        out[prefix] = float(node)
    elif isinstance(node, dict):
        for k, v in node.items():
            _flatten(v, f"{prefix}.{k}" if prefix else str(k), out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _flatten(v, f"{prefix}.{i}", out)


def driver_values(params: PlanParameters) -> dict[str, float]:
    """Every numeric parameter as ``dotted.path -> float`` (churn ``end`` defaults to ``start``).

    Sections without model meaning (market, personas, rules, scenarios, monte_carlo)
    are left out, and so are the path shapes of ``drivers.paths`` (structure, see
    :class:`ModelInputs`): a driver with a path keeps its key and its start value.
    """
    out: dict[str, float] = {}
    sections = ("current", "history", "drivers", "channels", "organisation", "compensation")
    dumped = params.model_dump(include={*sections, "budget"}, exclude={"drivers": {"paths"}})
    _flatten(dumped, "", out)
    for i, t in enumerate(params.targets):
        out[f"targets.{i}.value"] = float(t.value)
    churn = params.drivers.churn_rate_monthly
    if churn.end is None:
        out["drivers.churn_rate_monthly.end"] = float(churn.start)
    # structural integers are not drivers
    for key in [k for k in out if k.endswith(("_months", "step_month"))]:
        del out[key]
    for key in [k for k in out if ".hires." in k and not k.endswith(".count")]:
        del out[key]
    return out


# driver keys that may move over the plan (drivers.paths); '*' is a channel, role or part
PATH_KEYS: tuple[str, ...] = (
    "drivers.arpa_monthly_eur",
    "drivers.expansion_rate_monthly",
    "drivers.contraction_rate_monthly",
    "drivers.gross_margin",
    "drivers.annual_prepay_share",
    "drivers.transactional.deal_size_eur",
    "drivers.transactional.repeat_purchase_rate_monthly",
    "drivers.transactional.repeat_deal_size_eur",
    "drivers.product_mix.gross_margin.*",
    "drivers.segment_mix.gross_margin.*",
    "channels.*.leads_per_month",
    "channels.*.mql_to_sql",
    "channels.*.sql_to_demo",
    "channels.*.demo_to_won",
    "channels.*.cost_per_lead_eur",
    "channels.*.new_partners_per_quarter",
    "channels.*.leads_per_partner_monthly",
    "channels.*.partner_commission_rate",
    "organisation.roles.*.salary_yearly_eur",
    "organisation.roles.*.deals_per_month",
    "organisation.roles.*.attrition_yearly",
    "compensation.commission_rate_first_year",
    "budget.other_monthly_eur",
)


_PATH_KEYS_RE = re.compile("|".join(fnmatch.translate(p) for p in PATH_KEYS))


def _movable(key: str) -> bool:
    return _PATH_KEYS_RE.match(key) is not None


def _nearest(key: str, keys: list[str]) -> str:
    """`` (closest valid key: k)`` for a message, or ''."""
    match = difflib.get_close_matches(key, keys, n=1, cutoff=0.0)
    return f" (closest valid key: {match[0]})" if match else ""


def check_driver_paths(
    params: PlanParameters, values: Mapping[str, float] | None = None
) -> list[str]:
    """Problems with ``drivers.paths`` (empty: all fine), one sentence each.

    Every key must be a driver of the plan (:func:`driver_values`) that may move
    (:data:`PATH_KEYS`: rates, prices, volumes, costs; not current state, history,
    budget totals, hire counts, targets, splits or the churn path, which has its
    own); the end (``end``, or start × ``factor``) must be >= 0 and within 0..1 for
    a share, and with ``end`` the start value non-zero unless ``end`` is 0 (the
    path is the ratio end ÷ start). Each problem names ``drivers.paths.<key>`` and,
    for a bad key, the closest valid key.
    ``values``: :func:`driver_values` of ``params`` when the caller has them.
    """
    paths = params.drivers.paths
    if not paths:
        return []
    values = driver_values(params) if values is None else values
    problems: list[str] = []
    for key, shape in paths.items():
        where = f"drivers.paths.{key}"
        if key not in values or not _movable(key):
            hint = _nearest(key, sorted(k for k in values if _movable(k)))
            if key not in values:
                problems.append(f"{where}: not a driver of this plan{hint}")
            else:
                why = (
                    "churn has its own path: drivers.churn_rate_monthly.end/path"
                    if key.startswith("drivers.churn_rate_monthly")
                    else "only rates, prices, volumes and costs move"
                )
                problems.append(f"{where}: cannot move over the plan ({why}){hint}")
        elif shape.end is None:
            end = values[key] * shape.factor
            if key.endswith(SHARE_SUFFIXES) and end > 1:
                problems.append(
                    f"{where}.factor: {values[key]:g} × {shape.factor:g} = {end:g} is above 1.0 "
                    "(a share stays within 0..1)"
                )
        elif shape.end < 0:
            problems.append(f"{where}.end: {shape.end} is below 0")
        elif key.endswith(SHARE_SUFFIXES) and shape.end > 1:
            problems.append(f"{where}.end: {shape.end} is above 1.0 (a share stays within 0..1)")
        elif values[key] == 0 and shape.end != 0:
            problems.append(
                f"{where}: the start value {key} is 0; a path scales it by end ÷ start, "
                "so give the driver a non-zero start value"
            )
    return problems
