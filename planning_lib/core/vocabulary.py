"""The plan's vocabulary: the codes of channels, segments and cost categories.

One definition for the whole package: the parameter schema, the data contract, the
sample company and the cockpit all take their codes from here. Codes are English
identifiers; the texts a manager sees come from ``present/``.
"""

from __future__ import annotations

__all__ = ["CHANNELS", "COST_CATEGORIES", "SEGMENTS"]

CHANNELS: tuple[str, ...] = ("inbound", "outbound", "partner")
SEGMENTS: tuple[str, ...] = ("small", "mid", "large")  # 10-49, 50-250, >250 employees
COST_CATEGORIES: tuple[str, ...] = (
    "personnel",
    "marketing",
    "tools",
    "training_travel",
    "commissions",
    "other",
)
