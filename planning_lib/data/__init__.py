"""Canonical tables: contract, loaders, column mappings, validation, sample company.

``load_table``, ``load_dataset``, ``validate`` and ``DataValidationError`` are imported
on first use, so reading only the contract (``tables``) does not load pandera.
"""

from importlib import import_module
from typing import Any

from planning_lib.data.tables import TABLES, Column, Table

__all__ = [
    "TABLES",
    "Column",
    "DataValidationError",
    "Table",
    "load_dataset",
    "load_table",
    "validate",
]

_LAZY = {
    "DataValidationError": "failures",
    "load_dataset": "loaders",
    "load_table": "loaders",
    "validate": "schemas",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f"planning_lib.data.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'planning_lib.data' has no attribute {name!r}")
