"""The Babel locale of each language is written once (``core.text_store.BABEL_LOCALES``).

``data/completion`` (the loader's notes) kept a copy of ``present/formatting.LOCALES``
because ``data`` may not import ``present``; ``cli/sample_data`` spelt the pair out twice
more. A copy can drift (one place switching English to ``en_US`` would give "4,089" in the
reports and something else in the notes), so the table sits in ``core`` and the others
read it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import planning_lib
from planning_lib.core.text_store import BABEL_LOCALES
from planning_lib.data import completion
from planning_lib.present import formatting
from planning_lib.present.formatting import format_value

PACKAGE = Path(planning_lib.__file__).parent


def _modules_naming(names: set[str]) -> list[str]:
    """Modules of the package with a string literal that is exactly one of ``names``
    (docstrings and comments mentioning them do not count: they are longer strings)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(n, ast.Constant) and n.value in names for n in ast.walk(tree)):
            found.append(path.relative_to(PACKAGE).as_posix())
    return found


def test_the_babel_locales_are_written_in_one_module() -> None:
    """Only ``core/text_store.py`` spells "de_DE" / "en_GB"; formatting's ``LOCALES`` is
    that very table."""
    assert _modules_naming({"de_DE", "en_GB"}) == ["core/text_store.py"]
    assert formatting.LOCALES is BABEL_LOCALES


@pytest.mark.parametrize(
    ("lang", "count", "value"), [("de", "4.089", "1.234,5"), ("en", "4,089", "1,234.5")]
)
def test_notes_and_reports_write_numbers_alike(lang: str, count: str, value: str) -> None:
    """4089 rows and the filled value 1234.5 by hand: German groups thousands with a dot
    and writes the decimal comma, British English the other way round; the loader's note
    and the reports' ``format_value`` agree."""
    assert completion.count_text(4089, lang) == count == format_value(4089, "count", lang)
    assert completion.value_text(1234.5, lang) == value
