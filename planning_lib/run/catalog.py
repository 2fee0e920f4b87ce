"""The phase catalog: the order of the phase notebooks and what they pass to each other.

One place names every phase notebook, the phases it must wait for, and every artifact a
phase writes for a later one (in the manner of kedro's data catalog). The batch reads
the order from here, the phase runtime (:mod:`planning_lib.run.phase`) the artifact
paths, the phase functions (:mod:`planning_lib.run.phases`) their notebook's stem::

    01_ist_analyse    writes history, actuals (validated region data), analysis
    02_ziele          reads history, actuals; writes plan_monthly, plan_summary
    03_zielgruppen    reads analysis
    04_kanaele … 06_budget    read plan_monthly, plan_summary
    07_controlling    reads history, actuals, plan_monthly, plan_summary
    08_konsolidierung reads plan_monthly, plan_summary of every region (runs last)

Every path is relative to a region's output folder.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ACTUALS",
    "ANALYSIS",
    "ARTIFACTS",
    "CONSOLIDATION",
    "FINDINGS_TABLE",
    "HISTORY",
    "PHASES",
    "PLAN_MONTHLY",
    "PLAN_MONTHLY_TABLE",
    "PLAN_SUMMARY",
    "Artifact",
    "PhaseStep",
    "step",
]


@dataclass(frozen=True)
class Artifact:
    """A file or folder one phase writes into the output folder for later ones."""

    name: str
    path: str
    """Relative to the region's output folder."""
    written_by: str
    """Stem of the notebook that writes it."""
    description: str

    @property
    def table(self) -> str:
        """The table name (``02_plan_monthly``) of an artifact under ``tables/``.

        Raises:
            ValueError: the artifact is not a table.
        """
        folder, _, file = self.path.partition("/")
        if folder != "tables" or not file.endswith(".csv"):
            raise ValueError(f"artifact {self.name!r} is no table ({self.path})")
        return file.removesuffix(".csv")


@dataclass(frozen=True)
class PhaseStep:
    """A phase notebook (file stem in ``notebooks/``), the phases it waits for, what it reads."""

    stem: str
    requires: tuple[str, ...] = ()
    reads: tuple[Artifact, ...] = ()

    @property
    def code(self) -> str:
        """The two-digit prefix (``02``): the prefix of the phase's tables and charts."""
        return self.stem[:2]


HISTORY = Artifact(
    "history",
    "data/history",
    "01_ist_analyse",
    "the region's history tables, validated once, as Parquet (later phases skip the check)",
)
ACTUALS = Artifact(
    "actuals",
    "data/actuals",
    "01_ist_analyse",
    "the region's actuals of the plan year, validated once, as Parquet",
)
ANALYSIS = Artifact(
    "analysis",
    "data/analysis",
    "01_ist_analyse",
    "the as-is analysis: its tables as Parquet and _analysis.json (as-of, figures, labels)",
)
PLAN_MONTHLY_TABLE = "plan_monthly"
"""Name of a monthly plan table after the phase prefix (02 per region, 08 for the company)."""
PLAN_MONTHLY = Artifact(
    "plan_monthly",
    f"tables/02_{PLAN_MONTHLY_TABLE}.csv",
    "02_ziele",
    "the region's monthly plan: month, line item, channel, value, unit",
)
PLAN_SUMMARY = Artifact(
    "plan_summary",
    "02_plan_summary.json",
    "02_ziele",
    "the region's plan summary (the keys of `planning plan`'s summary.json)",
)
FINDINGS_TABLE = "findings"
"""Name of a phase's findings table after the phase prefix (the workbook's cover lists them)."""

ARTIFACTS: tuple[Artifact, ...] = (HISTORY, ACTUALS, ANALYSIS, PLAN_MONTHLY, PLAN_SUMMARY)

_PLAN = (PLAN_MONTHLY, PLAN_SUMMARY)
PHASES: tuple[PhaseStep, ...] = (
    PhaseStep("01_ist_analyse"),
    PhaseStep("02_ziele", ("01_ist_analyse",), (HISTORY, ACTUALS)),
    PhaseStep("03_zielgruppen", ("01_ist_analyse",), (ANALYSIS,)),
    PhaseStep("04_kanaele", ("02_ziele",), _PLAN),
    PhaseStep("05_organisation", ("02_ziele",), _PLAN),
    PhaseStep("06_budget", ("02_ziele",), _PLAN),
    PhaseStep("07_controlling", ("02_ziele",), (HISTORY, ACTUALS, *_PLAN)),
)
"""The phase notebooks of a region in the order they run."""
CONSOLIDATION = PhaseStep("08_konsolidierung", reads=_PLAN)
"""The company roll-up: runs once after the regions, over the plans of those that completed."""


def step(code: str) -> PhaseStep:
    """The phase with the two-digit ``code`` (``01`` … ``08``).

    Raises:
        KeyError: no phase has this code.
    """
    for s in (*PHASES, CONSOLIDATION):
        if s.code == code:
            return s
    raise KeyError(
        f"no phase {code!r}; known: {', '.join(s.code for s in (*PHASES, CONSOLIDATION))}"
    )
