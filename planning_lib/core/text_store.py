"""The one text store: every German/English label and sentence template, read from data files.

The texts live in ``planning_lib/core/texts/*.yaml`` (shipped with the package), one entry
per key with its German (``de``) and English (``en``) text::

    index.title:
      de: "Vertriebsplanung – Planungslauf"
      en: "Sales planning – batch run"

The files are read once, on first use. A key may be defined in one file only. The store
sits in ``core`` so every layer can label its tables (a controlling status, a SWOT
quadrant); formatting numbers into a text is :mod:`planning_lib.present.labels`'s job.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

import yaml

__all__ = ["BABEL_LOCALES", "LABELS", "LOCALES", "TEXTS_DIR", "label", "label_pair", "load_texts"]

TEXTS_DIR = Path(__file__).with_name("texts")
LOCALES = ("de", "en")
BABEL_LOCALES: dict[str, str] = {"de": "de_DE", "en": "en_GB"}
"""The Babel locale of each text language, the one table of it: the reports' numbers
(``present/formatting``), the loader's notes (``data/completion``) and the sample's summary
read it here (``data`` sits below ``present``): 4089 -> "4.089" (de), "4,089" (en)."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key defined twice in one mapping."""


def _unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
    seen: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise ValueError(f"text {key!r} defined twice ({key_node.start_mark})")
        seen[key] = loader.construct_object(value_node, deep=True)
    return seen


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


@cache
def load_texts(folder: Path = TEXTS_DIR) -> dict[str, tuple[str, str]]:
    """Every text in ``folder``'s ``*.yaml`` files as key -> (German, English).

    Raises:
        ValueError: a key is defined twice (in one file or in two), or an entry lacks
            its German or English text.
    """
    texts: dict[str, tuple[str, str]] = {}
    for path in sorted(folder.glob("*.yaml")):
        entries = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader) or {}
        for key, entry in entries.items():
            if key in texts:
                raise ValueError(f"text {key!r} defined twice (again in {path.name})")
            if not isinstance(entry, Mapping) or set(entry) != set(LOCALES):
                raise ValueError(f"text {key!r} in {path.name} needs exactly 'de' and 'en'")
            texts[str(key)] = (str(entry["de"]), str(entry["en"]))
    return texts


class _Texts(Mapping[str, tuple[str, str]]):
    """The store as a read-only mapping key -> (German, English), loaded on first use."""

    def __getitem__(self, key: str) -> tuple[str, str]:
        return load_texts()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(load_texts())

    def __len__(self) -> int:
        return len(load_texts())


LABELS: Mapping[str, tuple[str, str]] = _Texts()
"""Every text as key -> (German, English); see the module docstring."""


def label_pair(key: str, default: str | None = None) -> tuple[str, str]:
    """(German, English) of ``key``; (default, default) when it is missing and a default given.

    Raises:
        KeyError: ``key`` is not in the store and no default is given.
    """
    if default is not None and key not in LABELS:
        return default, default
    return LABELS[key]


def label(key: str, locale: str = "de") -> str:
    """The text ``key`` in ``locale`` (``en`` English, anything else German).

    Raises:
        KeyError: ``key`` is not in the store.
    """
    de, en = LABELS[key]
    return en if locale == "en" else de
