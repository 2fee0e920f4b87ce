"""Canonical tables: contract, loaders, column mappings, validation, sample company."""

from planning_lib.data.tables import TABLES, Column, Table

__all__ = ["TABLES", "Column", "Table"]
