"""Helpers shared by the sub-commands of the ``planning`` CLI (see ``planning_lib.cli.main``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from planning_lib.analysis.funnel import open_pipeline_overrides
from planning_lib.core.outputs import OutputExistsError, check_new_folder
from planning_lib.data.failures import DataValidationError
from planning_lib.data.loaders import load_table
from planning_lib.data.mappings import PRESETS

__all__ = [
    "add_mapping_argument",
    "history_overrides",
    "output_taken",
    "say_broken_contract",
    "say_filled",
]


def add_mapping_argument(parser: argparse.ArgumentParser) -> None:
    """The ``--mapping`` option of every command that reads an export: a preset or a
    mapping YAML file, repeatable (one mapping per table); ``args.mapping`` is the list
    (or None) that ``planning_lib.data.loaders.load_dataset`` takes."""
    parser.add_argument(
        "--mapping",
        metavar="hubspot|salesforce|FILE",
        action="append",
        help=(
            f"column mapping: a preset ({', '.join(PRESETS)}) or a mapping YAML file; "
            "repeat it for several tables (one mapping per table)"
        ),
    )


def history_overrides(params: Any, data_dir: Path | None, region: str | None) -> dict[str, Any]:
    """Plan overrides read from the history in ``data_dir`` (the region's rows).

    Today: the pipeline open at plan start per channel
    (``planning_lib.analysis.funnel.open_pipeline_overrides``). None or a folder without
    a leads table: no overrides.

    Raises:
        FileNotFoundError: ``data_dir`` is not a folder.
        planning_lib.data.loaders.DataValidationError: the leads table breaks the contract.
    """
    if data_dir is None:
        return {}

    if not Path(data_dir).is_dir():
        raise FileNotFoundError(f"data folder not found: {data_dir}")
    files = sorted(p for p in Path(data_dir).glob("leads.*") if p.suffix != ".yaml")
    if not files:
        return {}
    leads = load_table(files[0], "leads")
    if region:
        leads = leads[leads["region"] == region].reset_index(drop=True)
    return open_pipeline_overrides(params, leads)


MAX_PROBLEM_LINES = 20
"""At most this many problems of a broken contract on the console; planning validate lists all."""


def say_broken_contract(exc: DataValidationError) -> None:
    """One line on stderr per problem of input that breaks the contract, each naming the
    file, row, column and rule (the loader's message), at most :data:`MAX_PROBLEM_LINES`
    and one line for the rest; the same in every command."""
    messages = [str(m) for m in exc.failures["message"]]
    for message in messages[:MAX_PROBLEM_LINES]:
        print(f"error: {' '.join(message.split())}", file=sys.stderr)
    rest = len(messages) - MAX_PROBLEM_LINES
    if rest > 0:
        print(
            f"error: ... and {rest} more problem(s); planning validate lists them all",
            file=sys.stderr,
        )


def output_taken(out: Path) -> bool:
    """True (after telling the user) when ``out`` exists and is not empty."""
    try:
        check_new_folder(out)
    except OutputExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return True
    return False


def say_filled(tables: Mapping[str, pd.DataFrame], prefix: str = "") -> None:
    """One line on stderr per column the loader filled or estimated in ``tables``
    (``frame.attrs["notes"]``, as ``planning validate`` lists them): a command reading an
    export as it comes never fills silently. ``prefix`` names the folder as validate does
    (``actuals/``: ``actuals/deals: ...``; the history's tables without prefix)."""
    for name, frame in tables.items():
        for note in frame.attrs.get("notes", []):
            print(f"{prefix}{name}: {note}", file=sys.stderr)
