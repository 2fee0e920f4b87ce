"""Szenario-Cockpit runtime edges: which config to plan, the server log, the plan engine.

Kept apart from the widgets so the ``planning dashboard`` command and tests can use
them without importing ipywidgets.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "CONFIG_ENV",
    "VERSIONS_ENV",
    "Engine",
    "config_path",
    "default_engine",
    "log",
    "server_logger",
    "versions_path",
]

log = logging.getLogger("planning_lib.app.cockpit")

CONFIG_ENV = "PLANNING_COCKPIT_CONFIG"
"""Set by ``planning dashboard``: the parameter file the app plans with."""


def config_path(given: str = "") -> Path:
    """The parameter file: ``given``, else ``$PLANNING_COCKPIT_CONFIG``, else CloudFlow."""
    from planning_lib.core.paths import CONFIGS

    return Path(given or os.environ.get(CONFIG_ENV) or CONFIGS / "cloudflow.yaml")


VERSIONS_ENV = "PLANNING_COCKPIT_VERSIONS"
"""Optional: the plan-versions folder of the app (default ``data/versions``)."""


def versions_path() -> Path | None:
    """``$PLANNING_COCKPIT_VERSIONS`` as a path, or None (the project default)."""
    given = os.environ.get(VERSIONS_ENV)
    return Path(given) if given else None


def server_logger() -> logging.Logger:
    """The cockpit logger, writing to the kernel process's real stderr (the server log).

    Inside a kernel ``sys.stderr`` is sent to the page; ``sys.__stderr__`` is the
    process's own stderr, which Voila's log shows.
    """
    if not any(getattr(h, "_cockpit", False) for h in log.handlers):
        handler = logging.StreamHandler(sys.__stderr__)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler._cockpit = True  # type: ignore[attr-defined]
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    return log


@dataclass(frozen=True)
class Engine:
    """The plan engine the cockpit calls (injectable for tests).

    Attributes:
        run_plan: ``(params, overrides) -> PlanResult``.
        monte_carlo: ``(params, draws, seed) -> result`` or None when not available.
        sensitivity: ``(params, kpi) -> tornado DataFrame`` or None when not available.
    """

    run_plan: Callable[..., Any]
    monte_carlo: Callable[..., Any] | None = None
    sensitivity: Callable[..., Any] | None = None


def default_engine() -> Engine:
    """The real engine: ``planning_lib.plan.model.run_plan`` and ``planning_lib.plan.scenarios``."""
    from planning_lib.plan.model import run_plan

    try:
        from planning_lib.plan import scenarios
    except ImportError:
        return Engine(run_plan)
    return Engine(
        run_plan,
        getattr(scenarios, "monte_carlo", None),
        getattr(scenarios, "sensitivity", None),
    )
