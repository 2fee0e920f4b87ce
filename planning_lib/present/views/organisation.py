"""Views of phase 5 (``05_organisation``): team, capacity, roles, structure, commissions."""

from __future__ import annotations

from typing import Any

import pandas as pd

from planning_lib.present.views.plan import line_wide

__all__ = ["organisation_monthly", "roles_table", "structure_table"]


def organisation_monthly(monthly: pd.DataFrame) -> pd.DataFrame:
    """Reps (head count, hired, ramping, productive), capacity vs required deals, commissions."""
    items = [
        "reps_heads",
        "reps_hired",
        "reps_ramping",
        "reps_productive",
        "capacity_deals",
        "required_rep_deals",
        "capacity_gap",
    ]
    wide = line_wide(monthly, items)
    comm = monthly[monthly["line_item"] == "cost_commissions"]
    for ch in ("reps", "partner"):
        part = comm[comm["channel"] == ch]
        values = pd.Series(part["value"].to_numpy(), index=pd.to_datetime(part["month"]))
        wide[f"commissions_{ch}_eur"] = values.reindex(wide.index).fillna(0.0)
    wide.index = wide.index.strftime("%Y-%m")
    return wide.rename_axis("month").reset_index()


def roles_table(params: Any, locale: str = "de") -> pd.DataFrame:
    """Sales roles with cost, productivity, ramp-up, planned hires and the team structure."""
    hires: dict[str, list[str]] = {}
    for h in params.organisation.hires:
        hires.setdefault(h.role, []).append(f"{h.count} × M{h.start_month}")
    rows = []
    for code, role in params.organisation.roles.items():
        rows.append(
            {
                "role": role.label_en if locale == "en" else role.label_de,
                "heads_start": params.current.reps.get(code, 0),
                "hires": ", ".join(hires.get(code, [])),
                "salary_yearly_eur": role.salary_yearly_eur,
                "deals_per_month": role.deals_per_month,
                "ramp_months": role.ramp_months,
                "attrition_yearly_share": role.attrition_yearly,
                "quota_yearly_eur": role.quota_yearly_eur,
            }
        )
    return pd.DataFrame(rows)


def structure_table(params: Any) -> pd.DataFrame:
    """Teams and what they own (lead sources), and the tools of the sales team."""
    rows = [{"team": t, "owns": ", ".join(o)} for t, o in params.organisation.structure.items()]
    rows.append({"team": "tools", "owns": ", ".join(params.organisation.tools)})
    return pd.DataFrame(rows)
