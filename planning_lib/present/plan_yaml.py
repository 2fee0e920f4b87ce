"""The plan YAML ``planning init`` writes: every value with a comment naming its source.

:func:`render_plan_yaml` turns a parameter dict and the provenance of its values
(:class:`planning_lib.analysis.calibration_common.Source`) into the text of a YAML file in
the layout of ``data/configs/cloudflow.yaml``: mappings as blocks, lists of numbers or
names on one line, lists of mappings (targets) as blocks, and after each value whose
path has a source a comment with the source's sentence (``core/texts/init.yaml``, German
first; an assumption starts with ``ANNAHME:``). The same inputs give the same text.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Mapping
from typing import Any

import yaml

from planning_lib.analysis.calibration_common import Source, Span
from planning_lib.core.text_store import label
from planning_lib.present.formatting import format_day, format_plain

__all__ = ["comment_text", "render_plan_yaml"]

_WIDTH = 100


def _arg(value: Any, locale: str) -> str:
    if isinstance(value, Span):  # a figure of the plan year measured over fewer months
        if value.months >= 12:
            return value.label
        months = format_plain(float(value.months), locale, 0)
        return label("init.annualised", locale).format(months=months, window=value.label)
    if isinstance(value, dt.date):  # a day as the locale writes it: 18.03.2025
        return format_day(value, locale)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not value.is_integer():
        return format_plain(value, locale, 1)
    return format_plain(float(value), locale, 0)


def comment_text(source: Source, locale: str = "de") -> str:
    """The sentence of a source with its numbers in the locale's style."""
    args = {k: _arg(v, locale) for k, v in source.args.items()}
    text = label(source.key, locale).format(**args)
    return (label("init.assumption", locale) + text) if source.assumption else text


def _scalar(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10**6)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _line(indent: int, head: str, comment: str | None) -> str:
    text = " " * indent + head
    return f"{text}  # {comment}" if comment else text


def _lines(
    node: Mapping[str, Any], path: str, indent: int, notes: Mapping[str, str], first: str = ""
) -> list[str]:
    out: list[str] = []
    for i, (key, value) in enumerate(node.items()):
        dotted = f"{path}.{key}" if path else str(key)
        lead = first if i == 0 and first else " " * indent
        head = f"{lead}{_scalar(key)}:"
        note = notes.get(dotted)
        if isinstance(value, Mapping) and value:
            out.append(_line(0, head, note))
            out += _lines(value, dotted, indent + 2, notes)
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            out.append(_line(0, head, note))
            for j, item in enumerate(value):
                out += _lines(item, f"{dotted}.{j}", indent + 4, notes, " " * (indent + 2) + "- ")
        else:
            out.append(_line(0, f"{head} {_scalar(value)}", note))
        if not path and i < len(node) - 1:
            out.append("")
    return out


def render_plan_yaml(
    values: Mapping[str, Any],
    sources: Mapping[str, Source],
    header: str,
    locale: str = "de",
) -> str:
    """The YAML text of ``values`` with a comment after every value that has a source.

    Args:
        values: the parameter dict (insertion order is the file's order).
        sources: dotted path (list items by index: ``targets.0.value``) → source.
        header: a sentence written as the file's first comment lines.
        locale: language of the comments (``de`` German, ``en`` English).
    """
    notes = {path: comment_text(src, locale) for path, src in sources.items()}
    head = ["# " + line for line in textwrap.wrap(header, _WIDTH - 2)]
    return "\n".join([*head, "", *_lines(values, "", 0, notes)]) + "\n"
