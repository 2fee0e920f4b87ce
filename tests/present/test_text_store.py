"""The text store (planning_lib/core/texts/*.yaml) and the one formatter of present/.

The store must hold every key the code asks for, each in German and English; the keys
used are found by reading the source (so a new key without an entry fails here).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

import planning_lib
from planning_lib.app import cockpit as ck
from planning_lib.core.text_store import LABELS, load_texts
from planning_lib.present.formatting import format_plain, format_value

ROOT = Path(planning_lib.__file__).parent
NOTEBOOKS = ROOT.parent / "notebooks"

_LITERAL_KEY = re.compile(
    r"""(?:(?<![\w.])text|\bph\.t|\bself\.t|\blabel_pair|text_store\.label|\btext_label)"""
    r"""\(\s*["']([\w.\-]+)["']"""
    r"""|LABELS\[\s*["']([\w.\-]+)["']\s*\]"""
    r"""|["'](\d{2}\.[a-z_.]+)["']"""
)
"""A key written out in a lookup: text("caveat.few"...), ph.t("01.mrr"), label_pair("..."),
text_store.label("..."), LABELS["..."], or a phase's key ("02.findings") passed on to the
phase runtime (keys built with f-strings are not literal)."""
_COCKPIT_KEY = re.compile(r"""\b(?:ck\.)?label\(\s*["']([a-z_0-9]+)["']""")
"""The cockpit's label("key"): a control's key or ``cockpit.<key>`` in the store."""


def _sources() -> list[Path]:
    return sorted(ROOT.rglob("*.py")) + sorted(NOTEBOOKS.glob("*.py"))


def test_every_text_has_german_and_english() -> None:
    texts = load_texts()
    assert len(texts) > 600
    empty = [k for k, (de, en) in texts.items() if not de.strip() or not en.strip()]
    assert not empty, f"texts without German or English: {empty}"


def test_every_literal_key_in_the_code_is_in_the_store() -> None:
    used: dict[str, str] = {}
    for path in _sources():
        source = path.read_text(encoding="utf-8")
        for m in _LITERAL_KEY.finditer(source):
            used.setdefault(m[1] or m[2] or m[3], path.name)
    assert len(used) > 100, "the scan found too few keys: the pattern no longer matches"
    prefixes = {k.rsplit(".", 1)[0] + "." for k in LABELS}
    known = lambda k: k in prefixes if k.endswith(".") else k in LABELS  # noqa: E731
    missing = {k: where for k, where in used.items() if not known(k)}  # "pva." + k: a prefix
    assert not missing, f"keys used but not in the text store: {missing}"


def test_every_cockpit_label_key_is_a_control_or_in_the_store() -> None:
    app = ROOT / "app"
    used = {
        m[1]
        for path in app.glob("*.py")
        for m in _COCKPIT_KEY.finditer(path.read_text(encoding="utf-8"))
    }
    controls = {c.key for c in ck.CONTROLS}
    assert {"findings", "no_findings", "title"} <= used
    missing = sorted(k for k in used - controls if f"cockpit.{k}" not in LABELS)
    assert not missing, f"cockpit labels not in the text store: {missing}"


def test_a_key_defined_twice_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text('x.y:\n  de: "a"\n  en: "a"\n', encoding="utf-8")
    (tmp_path / "b.yaml").write_text('x.y:\n  de: "b"\n  en: "b"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="defined twice"):
        load_texts(tmp_path)


def test_format_value_german_first_with_hand_computed_strings() -> None:
    """1234567.891 EUR in whole euros rounds half up to 1 234 568; German groups with '.'
    and puts a no-break space before '€'; English writes the sign first."""
    nb = "\u00a0"
    assert format_value(1234567.891, "eur") == f"1.234.568{nb}€"
    assert format_value(1234567.891, "eur", "en") == "€1,234,568"
    assert format_value(1234567.891, "eur", decimals=2) == f"1.234.567,89{nb}€"
    # 0.1234 = 12.34 % -> one decimal: 12,3 %; 0.735 with no decimals: 73.5 half up -> 74 %
    assert format_value(0.1234, "share") == f"12,3{nb}%"
    assert format_value(0.735, "share", decimals=0) == f"74{nb}%"
    assert format_value(1234.4, "count") == "1.234"
    assert format_value(2.44, "ratio") == "2,4×"
    assert format_value(3.74, "ratio_to_one") == "3,7 : 1"
    assert format_value(6.84, "months", "en") == "6.8"
    assert format_value(0.125, "decimal") == "0,13"  # half up: 0.125 -> 0.13
    assert format_value(None, "eur") == format_value(math.inf, "eur") == "–"
    with pytest.raises(ValueError, match="unknown unit"):
        format_value(1.0, "yen")  # type: ignore[arg-type]


def test_format_plain_rounds_as_python_does() -> None:
    """The feasibility sentences' numbers: Python rounds 2.5 to the even 2 and 1234.5 with one
    decimal stays 1.234,5 (German) / 1,234.5 (English)."""
    assert format_plain(2.5, "de") == "2"
    assert format_plain(1234.5, "de", 1) == "1.234,5"
    assert format_plain(1234.5, "en", 1) == "1,234.5"
