"""The plan's own sheets of the workbook: the monthly plan and the cover.

:func:`monthly_plan_block` lays the tidy monthly plan out as line items × months,
:func:`cover_blocks` the cover's identity, key figures and findings; both return
:class:`~planning_lib.present.workbook.Block` s that
:func:`~planning_lib.present.workbook.add_sheet` writes (``planning batch``'s workbook and
the cockpit's export).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from planning_lib.core.text_store import LABELS
from planning_lib.present.formatting import Unit, format_day, format_month
from planning_lib.present.value_labels import line_item_label
from planning_lib.present.views.plan import shown_lines
from planning_lib.present.workbook import FORMATS, TEXT_FORMAT, Block, Cell, WorkbookMeta

__all__ = ["cover_blocks", "monthly_plan_block"]

_log = logging.getLogger(__name__)

_UNITS: dict[str, Unit] = {"EUR": "eur", "count": "count", "share": "share", "ratio": "ratio"}


def _pick(pair: tuple[str, str], locale: str) -> str:
    return pair[1] if locale == "en" else pair[0]


def monthly_plan_block(
    monthly: pd.DataFrame,
    title: str,
    locale: str = "de",
    value_labels: Mapping[str, tuple[str, str]] | None = None,
) -> Block:
    """The tidy monthly plan (month, line_item, channel, value, unit) as line items ×
    months, in the model's order, each row formatted by its unit.

    A line item without a label (``line.<code>`` in the text store) is shown by its
    code and logged; a test keeps every line item of the model labelled. A transactional
    plan's MRR rows that are 0 by construction are left out
    (:func:`~planning_lib.present.views.plan.shown_lines`).
    """
    frame = shown_lines(monthly).copy()
    frame["channel"] = frame["channel"].fillna("").astype(str)
    frame["month"] = pd.to_datetime(frame["month"])
    months = sorted(frame["month"].unique())
    order = list(dict.fromkeys(zip(frame["line_item"], frame["channel"], strict=True)))
    units = frame.groupby(["line_item", "channel"], sort=False)["unit"].first()
    wide = frame.pivot_table(
        index=["line_item", "channel"], columns="month", values="value", aggfunc="sum"
    )
    head = _pick(LABELS["col.line_item"], locale)
    headers = [head] + [format_month(m, locale) for m in months]
    rows: list[list[Cell]] = []
    for item, channel in order:
        label = line_item_label(item, channel, locale, value_labels)
        if label is None:  # a new line item: shown by its code until the text store names it
            _log.warning("plan line item %r has no label 'line.%s' in the text store", item, item)
            label = f"{item} – {channel}" if channel else str(item)
        fmt = FORMATS[_UNITS.get(str(units[(item, channel)]), "decimal")]
        values = wide.loc[(item, channel)]
        rows.append([(label, TEXT_FORMAT)] + [(values.get(m), fmt) for m in months])
    return Block(title, headers, rows)


# ------------------------------------------------------------------ cover


def cover_blocks(
    meta: WorkbookMeta,
    key_figures: Sequence[tuple[str, Any, str]],
    findings: Sequence[tuple[str, str, str]],
) -> list[Block]:
    """The cover sheet's tables: the plan's identity, its key figures and its findings.

    Args:
        meta: company, region, plan version, date.
        key_figures: (label, value, unit) in the order shown.
        findings: (severity label, topic label, sentence), most severe first.
    """
    t = meta.t
    ident = Block(
        t("workbook.plan"),
        [t("workbook.item"), t("workbook.value")],
        [
            [(t("workbook.company"), TEXT_FORMAT), (meta.company or "–", TEXT_FORMAT)],
            [(t("workbook.region"), TEXT_FORMAT), (meta.region or "–", TEXT_FORMAT)],
            [(t("workbook.plan_version"), TEXT_FORMAT), (meta.plan_version, TEXT_FORMAT)],
            [(t("workbook.as_of"), TEXT_FORMAT), (format_day(meta.date, meta.locale), TEXT_FORMAT)],
        ],
    )
    figures = Block(
        t("workbook.key_figures"),
        [t("workbook.figure"), t("workbook.value")],
        [[(label, TEXT_FORMAT), (value, FORMATS[unit])] for label, value, unit in key_figures],
    )
    blocks = [ident, figures]
    if findings:
        blocks.append(
            Block(
                t("workbook.findings"),
                [t("workbook.severity"), t("workbook.topic"), t("workbook.finding")],
                [[(s, TEXT_FORMAT), (c, TEXT_FORMAT), (x, TEXT_FORMAT)] for s, c, x in findings],
                wrap_columns=frozenset({2}),
            )
        )
    return blocks
