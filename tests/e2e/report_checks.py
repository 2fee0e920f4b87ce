"""What every batch's reports must hold for a manager, whatever the company's tables.

Shared by the batch tests of the sample, the deals-only company, the partial table sets
and the transactional company: every column of every written table has a German and an
English label, and no HTML page or Excel sheet shows a code (``new_mrr_eur``) or a float
as Python prints it (``0.054054``).
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import nbformat
import pandas as pd
from openpyxl import load_workbook

from planning_lib.core.params import PlanParameters

CODE = re.compile(r"\b(?=[a-z0-9_]*[a-z])[a-z0-9]+(?:_[a-z0-9]+)+\b")
"""A code as written in the tables and the summary (``first_year_revenue_new``), also one
starting with a digit (``12m_rate``, ``01_ist_analyse``): lower-case letters and digits in
parts joined by ``_``, at least one ``_`` and one letter. Numbers and dates have no ``_``
(``12.03.2025``, ``1.234,50 €``, ``2025-01``) and ``2025_01`` has no letter: not codes."""
RAW_FLOAT = re.compile(r"(?<![\d.])\d+\.\d{4,}(?![\d.])")
"""A float as Python prints it (``22.000000``, ``0.054054``); dates (31.12.2026) excluded."""


def report_text(html_path: Path) -> str:
    """The text a reader sees on an HTML page (no styles, scripts or tag attributes)."""
    text = html_path.read_text(encoding="utf-8")
    text = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]+>", " | ", text)  # tags (and their attributes) are no reading
    return unescape(text)


def unlabelled_columns(folders: list[Path]) -> set[str]:
    """``table.column`` of every shown column without a label, in either language."""
    from planning_lib.present.tables import display_table
    from planning_lib.present.value_labels import has_column_label
    from planning_lib.run.artifacts import iter_tables

    missing = set()
    for folder in folders:
        for info in iter_tables(folder):
            for locale in ("de", "en"):
                shown = display_table(pd.read_csv(info.path), locale, info.value_labels)
                missing |= {
                    f"{info.name}.{c}"
                    for c in shown.columns
                    if not has_column_label(str(c), table=info.name, value_labels=info.value_labels)
                }
    return missing


DATA_CODES = frozenset({"qualified", "demo", "proposal", "negotiation", "won", "lost", "all"})
"""One-word codes of the data a table could show raw: the canonical deal stages and the
total row ``all``. Matched case-sensitively as whole words, so the German "Demo" passes."""


def config_code_pattern(params: PlanParameters) -> re.Pattern[str]:
    """Codes a reader could meet: snake_case ones, the config's one-word codes (channels,
    segments, roles, rules, scenario names, plan bases) and the data's (:data:`DATA_CODES`)."""
    config_codes = (  # single-word codes too: 'inbound', 'small', 'partner', 'base', 'funnel'
        set(params.channels)
        | set(params.company.segments)
        | set(params.organisation.roles)
        | set(params.organisation.structure)
        | {r.code for r in params.rules}
        | {"base", *params.scenarios}  # scenario names ('Szenario: base.')
        | {"funnel", "target"}  # plan bases
        | DATA_CODES
    )
    return re.compile(rf"{CODE.pattern}|\b(?:{'|'.join(sorted(config_codes))})\b")


# the forecast engine's model codes (ETS(A,Ad,N), ARIMA(0,1,1), Comb(...)): words on a page
MODEL_CODE = re.compile(r"\b(?:ETS|S?ARIMA|Comb)\(")


def codes_and_floats(
    folders: list[Path], code: re.Pattern[str]
) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Codes (``code``, and forecast model codes) and raw floats shown on the HTML pages
    and Excel sheets, by where."""
    found: dict[str, set[str]] = {}
    floats: dict[str, set[str]] = {}
    for folder in folders:
        for page in sorted((folder / "html").glob("*.html")):
            text = report_text(page)
            where = f"{folder.name}/html/{page.name}"
            found.setdefault(where, set()).update(code.findall(text))
            found[where].update(MODEL_CODE.findall(text))
            floats.setdefault(where, set()).update(RAW_FLOAT.findall(text))
        for xlsx in folder.glob("*.xlsx"):
            wb = load_workbook(xlsx)
            for ws in wb.worksheets:
                for row in ws.iter_rows(values_only=True):
                    for value in row:
                        if isinstance(value, str):
                            where = f"{folder.name}/{xlsx.name}:{ws.title}"
                            found.setdefault(where, set()).update(code.findall(value))
                            found[where].update(MODEL_CODE.findall(value))
    return (
        {k: v for k, v in found.items() if v},
        {k: v for k, v in floats.items() if v},
    )


def report_folders(run_dir: Path) -> list[Path]:
    """The region and consolidation folders of a batch run (those holding ``tables/``)."""
    return sorted(p for p in run_dir.iterdir() if (p / "tables").is_dir())


def notebook_markdown(path: Path) -> str:
    """The Markdown a reader sees in an executed notebook (its output cells)."""
    nb = nbformat.read(path, as_version=4)
    return "\n".join(
        o["data"]["text/markdown"]
        for c in nb.cells
        for o in c.get("outputs", [])
        if "text/markdown" in o.get("data", {})
    )
