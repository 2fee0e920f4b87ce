"""One finding: what was found (a code), how bad it is and the numbers behind it; no sentence.

Plan checks (:mod:`planning_lib.plan.feasibility`, :mod:`planning_lib.plan.targets`) and
the as-is analysis return findings; :mod:`planning_lib.present` writes their German and
English sentences (``planning_lib.present.plan_finding_texts``,
``planning_lib.present.analysis_finding_texts``). ``numbers`` is the record written to
the outputs (``findings.json``); ``facts`` holds what the sentence states beyond it
(unrounded figures, a channel's names), kept out of the outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["SEVERITY_ORDER", "Finding"]

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
"""Most severe first: the order findings are listed in."""


@dataclass(frozen=True)
class Finding:
    """One finding.

    Attributes:
        code: stable identifier (e.g. ``funnel_below_target``); its title is
            ``finding.<code>`` in the text store.
        severity: ``critical``, ``warning`` or ``info``.
        numbers: the figures behind the finding as written to the outputs.
        facts: further values the sentence states (unrounded figures, names); not
            written to the outputs.
    """

    code: str
    severity: str = "info"
    numbers: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
