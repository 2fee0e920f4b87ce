"""New output folders, written atomically.

A command's ``--out`` must be a new (or empty) folder: an earlier result is never
overwritten. Files are written into a temporary sibling folder that is renamed to
``--out`` only when everything is written, so a failed run leaves nothing half done.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["OutputExistsError", "check_new_folder", "new_folder"]


class OutputExistsError(FileExistsError):
    """The output folder exists and is not empty."""

    def __init__(self, out: Path):
        super().__init__(f"output folder {out} exists and is not empty; choose a new one")
        self.out = out


def check_new_folder(out: str | Path) -> None:
    """Raise OutputExistsError unless ``out`` is missing or an empty folder."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise OutputExistsError(out)


@contextmanager
def new_folder(out: str | Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``out``; rename it to ``out`` when the block succeeds.

    Raises:
        OutputExistsError: ``out`` exists and is not empty (checked before and at the end).
    """
    out = Path(out)
    check_new_folder(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        yield tmp
        check_new_folder(out)
        if out.exists():
            out.rmdir()
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
