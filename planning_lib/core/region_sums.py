"""Region files add up to the base: the check :func:`planning_lib.core.config.load_params` runs.

A region plan is the base file merged with the region's file key by key, so a figure a
region file does not name is the base's *whole* value in that region. For an additive
figure (customers, MRR, cash, reps, lead volumes, partners, the budget, volume targets)
that is almost never meant: three one-line region files plan the company three times
(issue #13: a budget of 990,000 € for a 400,000 € plan). The rule:

* The *region set* is the base's ``company.regions`` (or, when it names none, every
  ``regions/*.yaml`` file beside the base). Files of regions the base does not name are
  not part of the set and are not checked.
* Every additive figure (:data:`ADDITIVE`), as each region plan sees it (the region's own
  value, or the base's when its file omits the figure), is summed over the regions of
  the set that have a file.
* When every region of the set has a file, the sum must equal the base's value; when
  only some do (a region is planned from the base alone), the sum must not exceed it.
* Allowed difference for rounding: half a unit per region in the set, or 0.1 % of the
  base's value, whichever is larger (``AT 11,500.5 €`` and three more regions rounded
  to the euro pass; a region counted twice does not).

A sum that breaks the rule is an error naming the figure, the base value and the sum.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = [
    "ADDITIVE_TARGET_METRICS",
    "additive_figures",
    "region_set",
    "region_sum_problems",
    "tolerance",
]

ADDITIVE_TARGET_METRICS: tuple[str, ...] = (
    "mrr_end",
    "new_customers",
    "arr_end",
    "revenue",
    "customers_end",
)
"""Target metrics whose values add up over the regions (volumes and money, not rates)."""

_SCALARS: tuple[str, ...] = (
    "current.customers",
    "current.mrr_eur",
    "current.cash_eur",
    "history.new_customers_last_year",
    "forecast_no_change_new_customers",
    "budget.total_eur",
    "budget.other_monthly_eur",
)
_CHANNEL_FIGURES: tuple[str, ...] = (
    "leads_per_month",
    "partners_start",
    "new_partners_per_quarter",
)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _get(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def additive_figures(data: dict[str, Any]) -> Iterator[tuple[str, float]]:
    """Every additive figure of a (merged) parameter dict: (dotted name, value).

    Targets are named ``targets[<metric>]`` (the first target on the metric, as
    :meth:`planning_lib.core.params.PlanParameters.target` reads it).
    """
    for name in _SCALARS:
        value = _number(_get(data, name))
        if value is not None:
            yield name, value
    for role, value in sorted((_get(data, "current.reps") or {}).items()):
        if _number(value) is not None:
            yield f"current.reps.{role}", float(value)
    for cat, value in sorted((_get(data, "budget.by_category") or {}).items()):
        if _number(value) is not None:
            yield f"budget.by_category.{cat}", float(value)
    channels = data.get("channels") if isinstance(data.get("channels"), dict) else {}
    for ch in sorted(channels, key=str):
        for field in _CHANNEL_FIGURES:
            value = _number(_get(channels[ch], field))
            if value is not None:
                yield f"channels.{ch}.{field}", value
    seen: set[str] = set()
    for target in data.get("targets") or []:
        if not isinstance(target, dict):
            continue
        metric = target.get("metric")
        value = _number(target.get("value"))
        if metric in ADDITIVE_TARGET_METRICS and metric not in seen and value is not None:
            seen.add(metric)
            yield f"targets[{metric}]", value


def tolerance(base: float, regions: int) -> float:
    """Allowed difference of a region sum: 0.5 per region or 0.1 % of the base."""
    return max(0.5 * regions, 0.001 * abs(base))


def _fmt(x: float) -> str:
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def region_sum_problems(
    base: dict[str, Any], regions: dict[str, dict[str, Any] | None], merge: Any
) -> list[str]:
    """The additive figures a region set does not add up to the base (one text each).

    Args:
        base: the base file's parameter dict.
        regions: every region of the set → its file's dict, or None when it has no file.
        merge: the merge of a region file over the base (``core.config.deep_merge``).

    Returns:
        One message per figure that breaks the rule (see the module docstring); empty
        when the set adds up or has no region file.
    """
    files = {name: data for name, data in regions.items() if data is not None}
    if not files:
        return []
    complete = len(files) == len(regions)
    base_values = dict(additive_figures(base))
    sums: dict[str, float] = {}
    for data in files.values():
        for name, value in additive_figures(merge(base, data)):
            sums[name] = sums.get(name, 0.0) + value
    problems = []
    names = ", ".join(sorted(files))
    for name, total in sums.items():
        want = base_values.get(name, 0.0)
        tol = tolerance(want, len(regions))
        too_far = abs(total - want) > tol if complete else total > want + tol
        if too_far:
            rule = "equal" if complete else "not exceed"
            problems.append(
                f"{name}: the regions ({names}) add up to {_fmt(total)}, the base has "
                f"{_fmt(want)} (the sum must {rule} the base's value, ± {_fmt(tol)}; a region "
                "file that omits a figure plans the base's whole value in that region)"
            )
    return problems


def region_set(base: dict[str, Any], folder: Path) -> list[str]:
    """The regions of the set: the base's ``company.regions``, else the files in ``folder``."""
    company = base.get("company") if isinstance(base.get("company"), dict) else {}
    listed = [str(r) for r in (company.get("regions") or [])]
    return listed or sorted(p.stem for p in folder.glob("*.yaml"))
