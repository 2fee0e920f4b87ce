"""Project paths anchored at the repository root.

Notebooks (papermill runs them in the caller's folder, Voila in the notebook's
folder), tests and the CLI all find ``data/`` and ``reports/`` through this module.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["CONFIGS", "DATA", "NOTEBOOKS", "REPORTS", "ROOT", "SAMPLE_DATA"]

ROOT: Path = Path(__file__).resolve().parents[2]
DATA: Path = ROOT / "data"
SAMPLE_DATA: Path = DATA / "sample"
CONFIGS: Path = DATA / "configs"
NOTEBOOKS: Path = ROOT / "notebooks"
REPORTS: Path = ROOT / "reports"
