"""The parameters a notebook declares, and the check that rejects any it does not.

Papermill injects whatever it is given and only logs a warning for a name the
notebook's ``parameters`` cell does not declare, so a misspelt ``--param horzion=24``
would silently run with the default. Here such a name is an error, raised before
anything runs, that lists the names the notebook does declare.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import nbformat
import papermill
import yaml

__all__ = [
    "STANDARD_PARAMETERS",
    "MissingParametersCellError",
    "UnknownParameterError",
    "check_parameters",
    "declared_parameters",
    "parse_assignments",
]

STANDARD_PARAMETERS: tuple[str, ...] = (
    "region",
    "config_path",
    "data_path",
    "horizon",
    "scenario",
    "locale",
    "seed",
    "output_dir",
)
"""The parameters every phase notebook declares (see ``notebooks/``)."""


class UnknownParameterError(ValueError):
    """A parameter was given that the notebook does not declare."""

    def __init__(self, notebook: str, unknown: Iterable[str], declared: Iterable[str]):
        self.notebook = notebook
        self.unknown = sorted(unknown)
        self.declared = list(declared)
        super().__init__(
            f"{Path(notebook).name} does not declare the parameter(s) "
            f"{', '.join(self.unknown)}; it declares: {', '.join(self.declared) or '(none)'}"
        )


class MissingParametersCellError(ValueError):
    """The notebook has no cell tagged ``parameters``."""

    def __init__(self, notebook: str):
        self.notebook = notebook
        super().__init__(f"{Path(notebook).name} has no cell tagged 'parameters'")


def declared_parameters(notebook: str | Path) -> dict[str, dict[str, Any]]:
    """The parameters declared in the notebook's ``parameters`` cell, in cell order.

    Args:
        notebook: path of the ``.ipynb`` file.

    Returns:
        name → ``{name, inferred_type_name, default, help}`` (papermill's inspection).

    Raises:
        MissingParametersCellError: no cell is tagged ``parameters``.
    """
    nb = nbformat.read(str(notebook), as_version=4)
    if not any("parameters" in c.get("metadata", {}).get("tags", []) for c in nb.cells):
        raise MissingParametersCellError(str(notebook))
    return papermill.inspect_notebook(str(notebook))


def check_parameters(notebook: str | Path, parameters: Mapping[str, Any]) -> None:
    """Raise when ``parameters`` names anything the notebook does not declare.

    Raises:
        UnknownParameterError: with the unknown names and the declared ones.
        MissingParametersCellError: the notebook has no parameters cell.
    """
    declared = declared_parameters(notebook)
    unknown = set(parameters) - set(declared)
    if unknown:
        raise UnknownParameterError(str(notebook), unknown, declared)


def parse_assignments(items: Iterable[str]) -> dict[str, Any]:
    """Parse ``[notebook:]name=value`` strings; values are read as YAML (``24`` → int).

    Raises:
        ValueError: an item has no ``=`` or an empty name.
    """
    out: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        target, _, bare = name.rpartition(":")
        if not sep or not bare.isidentifier() or (target and not target.strip()):
            raise ValueError(f"parameter {item!r} must look like name=value")
        out[name] = yaml.safe_load(value) if value.strip() else ""
    return out
