"""Views of phase 2 (``02_ziele``): SMART targets, top-down against bottom-up, both bases."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from planning_lib.plan.targets import target_achieved, target_hit
from planning_lib.present.plan_finding_texts import plan_finding_text

__all__ = [
    "bases_table",
    "findings_table",
    "gap_text_key",
    "targets_hit",
    "targets_table",
    "won_gap",
]


def targets_table(params: Any, lines: Mapping[tuple[str, str], np.ndarray]) -> pd.DataFrame:
    """The SMART targets with the value the plan achieves by the deadline and whether it hits.

    Args:
        params: the plan parameters (``targets``, ``company``).
        lines: the plan's line items (``PlanResult.lines``).
    """
    rows = []
    months = len(next(iter(lines.values()))[0])
    for t in params.targets:
        try:
            achieved = np.asarray(target_achieved(t, lines, params.company.plan_start, months))
            value = float(achieved.reshape(-1)[0])
            hit = bool(np.asarray(target_hit(t, achieved)).reshape(-1)[0])
        except (KeyError, ValueError):
            value, hit = float("nan"), None
        rows.append(
            {
                "code": t.code,
                "metric": t.metric,
                "unit": t.unit,
                "baseline": t.baseline,
                "target": t.value,
                "plan": value,
                "hit": hit,
                "deadline": t.deadline.isoformat(),
                "owner": t.owner,
                "description": t.description_de,
                "description_en": t.description_en,
            }
        )
    return pd.DataFrame(rows)


def targets_hit(targets: pd.DataFrame) -> tuple[int, int]:
    """(targets the plan reaches, targets) from :func:`targets_table`."""
    return int(targets["hit"].fillna(False).astype(bool).sum()), len(targets)


def gap_text_key(top_down: float, bottom_up: float) -> str:
    """The text-store key of phase 2's sentence on top-down against bottom-up new customers.

    ``02.gap_text`` (the funnel falls short: close the difference), ``02.gap_text_surplus``
    (the funnel delivers more than the target) or ``02.gap_text_equal`` (within 1e-6, the
    count tolerance of :func:`planning_lib.plan.targets.target_tolerance`).
    """
    if abs(bottom_up - top_down) <= 1e-6:
        return "02.gap_text_equal"
    return "02.gap_text_surplus" if bottom_up > top_down else "02.gap_text"


def won_gap(gap: pd.DataFrame) -> tuple[float, float]:
    """(top-down, bottom-up) new customers over the plan from ``targets.gap_table``."""
    won = gap[gap["stage"] == "won"]
    return float(won["top_down"].sum()), float(won["bottom_up"].sum())


def bases_table(bases: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """The plan on both bases, one row each: what the plan funds and what the target needs.

    Rows ``funnel`` (planned leads and what they deliver) and ``target`` (the target
    reached, paying for the leads it requires); columns new customers, MRR at the end,
    total and marketing cost, fully loaded CAC, cash low points (EUR) and the chance of
    the MRR target (share, NaN without Monte Carlo). A transactional plan without MRR
    (``bookings_total`` given, MRR 0 on both bases) shows its bookings over the plan
    (``bookings_total_eur``) instead of the MRR and its chance.
    """
    one_off = all("bookings_total" in bases[b] for b in ("funnel", "target")) and not any(
        float(bases[b]["mrr_end"]) for b in ("funnel", "target")
    )
    rows = []
    for basis in ("funnel", "target"):
        b = bases[basis]
        p = b.get("p_mrr_target")
        if one_off:
            rows.append(
                {
                    "basis": basis,
                    "new_customers": float(b["new_customers"]),
                    "bookings_total_eur": float(b["bookings_total"]),
                    "cost_total_eur": float(b["cost_total"]),
                    "marketing_cost_eur": float(b["marketing_cost"]),
                    "cac_fully_loaded_eur": float(b["cac_fully_loaded"]),
                    "cash_low_point_eur": float(b["cash_low_point"]),
                    "company_cash_low_point_eur": float(b["company_cash_low_point"]),
                }
            )
            continue
        rows.append(
            {
                "basis": basis,
                "new_customers": float(b["new_customers"]),
                "mrr_end_eur": float(b["mrr_end"]),
                "cost_total_eur": float(b["cost_total"]),
                "marketing_cost_eur": float(b["marketing_cost"]),
                "cac_fully_loaded_eur": float(b["cac_fully_loaded"]),
                "cash_low_point_eur": float(b["cash_low_point"]),
                "company_cash_low_point_eur": float(b["company_cash_low_point"]),
                "p_hit_mrr_target": float("nan") if p is None else float(p),
            }
        )
    return pd.DataFrame(rows)


def findings_table(findings: Iterable[Any], locale: str = "de") -> pd.DataFrame:
    """Findings as a table: code, severity and the sentence in ``locale``."""
    rows = [
        {
            "code": f.code,
            "severity": getattr(f, "severity", ""),
            "text": plan_finding_text(f, locale),
        }
        for f in findings
    ]
    return pd.DataFrame(rows, columns=["code", "severity", "text"])
