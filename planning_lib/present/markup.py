"""Values from data and config inside report text: escaped so they show as they are.

The phase notebooks' narrative is Markdown (rendered to HTML by Jupyter and by
nbconvert for the reports, with raw HTML passed through). A region, target or channel
name comes from the config or the CRM data; ``<img src=x onerror=alert(1)>`` as a
region name would otherwise run as HTML in every report that names the region, and a
``*`` or ``_`` would change the emphasis of the sentence around it.
"""

from __future__ import annotations

import html
import re
from typing import Any

__all__ = ["markdown_text"]

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}~|$#!])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def markdown_text(value: Any) -> str:
    """``value`` as Markdown that renders to exactly its text.

    HTML's ``& < >`` become entities, Markdown's inline markers (``* _ [ ] ` ~ |``,
    ``$`` for maths, ``#``, ``!``, ``{ }``) are backslash-escaped, and line breaks
    become spaces (a value cannot start a new paragraph, heading or list).

    >>> markdown_text("<img src=x onerror=alert(1)>")
    '&lt;img src=x onerror=alert(1)&gt;'
    >>> markdown_text("DE-Süd"), markdown_text("1.234 €")
    ('DE-Süd', '1.234 €')
    """
    text = _LINE_BREAKS.sub(" ", str(value))
    text = html.escape(text, quote=False)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
