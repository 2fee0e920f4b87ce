"""Sub-commands of the ``planning`` CLI, one module each (see ``planning_lib.cli``)."""

from __future__ import annotations

import sys
from pathlib import Path

from planning_lib.outputs import OutputExistsError, check_new_folder

__all__ = ["output_taken"]


def output_taken(out: Path) -> bool:
    """True (after telling the user) when ``out`` exists and is not empty."""
    try:
        check_new_folder(out)
    except OutputExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return True
    return False
