"""pyproject.toml and environment.yml list the same packages."""

from __future__ import annotations

import re
import tomllib

import yaml

from planning_lib.core.paths import ROOT

# conda-forge splits dask[distributed] into two packages and names psycopg[binary] psycopg
CONDA_EXPANSIONS = {"dask": {"dask", "distributed"}}


def _name(req: str) -> str:
    return re.split(r"[\[<>=!~ ;]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject_names() -> set[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project = data["project"]
    reqs = list(project["dependencies"])
    for extra in ("test", "dev"):
        reqs += project["optional-dependencies"][extra]
    names: set[str] = set()
    for r in reqs:
        names |= CONDA_EXPANSIONS.get(_name(r), {_name(r)})
    return names


def _conda_names() -> set[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    names = {_name(d) for d in env["dependencies"] if isinstance(d, str)}
    return names - {"python", "pip"}


def test_environment_mirrors_pyproject():
    py, conda = _pyproject_names(), _conda_names()
    assert py - conda == set(), f"in pyproject.toml but not environment.yml: {sorted(py - conda)}"
    assert conda - py == set(), f"in environment.yml but not pyproject.toml: {sorted(conda - py)}"


def test_environment_installs_the_package_editable():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip


def test_drift_is_detected(tmp_path, monkeypatch):
    """The comparison really fails when a package is missing on one side."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    env["dependencies"] = [d for d in env["dependencies"] if d != "babel>=2.14"]
    names = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    assert _pyproject_names() - names == {"babel"}
