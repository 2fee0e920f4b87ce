"""Canonical tables: contract, loaders, column mappings, validation, sample company."""

from planning_lib.data.failures import DataValidationError
from planning_lib.data.loaders import load_dataset, load_table
from planning_lib.data.schemas import validate
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
