"""Fixtures shared by the whole suite.

``tests/`` mirrors ``planning_lib/`` (``tests/core``, ``tests/data``, ... ``tests/cli``)
plus ``tests/e2e`` for the runs of the whole product (notebooks, browser). Every folder
is a package, so two test files may share a name in different layers, and helpers are
imported by their full name (``tests.office_pdf``, ``tests.fixtures``).
"""

from __future__ import annotations

import pytest

from planning_lib.core.config import load_params
from planning_lib.core.params import PlanParameters
from planning_lib.core.paths import CONFIGS


@pytest.fixture(scope="module")
def params() -> PlanParameters:
    """The sample company CloudFlow (``data/configs/cloudflow.yaml``), loaded once per
    test module: the parameters are mutable, so no module sees another's changes."""
    return load_params(CONFIGS / "cloudflow.yaml")
