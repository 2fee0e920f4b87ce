"""Szenario-Cockpit exports: the current settings as YAML and Excel, and as a plan version.

The YAML is a complete parameter file (overrides applied) that ``load_params`` reads
back. The Excel workbook is the batch's printable plan workbook for the current
scenario (:mod:`planning_lib.present.workbook`): a cover with key figures and findings,
the monthly plan (German line items × months) and the cockpit's settings, labelled.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from planning_lib.core import text_store
from planning_lib.core.config import dump_params
from planning_lib.core.params import PlanParameters
from planning_lib.present.plan_finding_texts import plan_finding_record
from planning_lib.present.plan_sheets import cover_blocks, monthly_plan_block
from planning_lib.present.workbook import (
    FORMATS,
    TEXT_FORMAT,
    Block,
    WorkbookMeta,
    add_sheet,
    new_workbook,
    page_budget,
)

__all__ = [
    "VersionNameError",
    "config_labels",
    "data_link",
    "override_label",
    "save_plan_version",
    "settings_excel",
    "settings_yaml",
    "version_name",
    "workbook_meta",
]

_NAME_OK = re.compile(r"^[\w ÄÖÜäöüß.,()+\-]{1,80}$")


class VersionNameError(ValueError):
    """A plan-version name that is empty, too long or has characters outside the allowed set."""


def version_name(raw: Any) -> str:
    """A clean version name (1..80 letters, digits, spaces and ``._,()+-``).

    Raises:
        VersionNameError: the name is not a string or breaks the rule.
    """
    if not isinstance(raw, str):
        raise VersionNameError("the version name must be text")
    name = " ".join(raw.split())
    if not _NAME_OK.fullmatch(name):
        raise VersionNameError(
            f"invalid version name {raw!r}: 1-80 letters, digits, spaces or . , ( ) + - _"
        )
    return name


def settings_yaml(params: PlanParameters, overrides: Mapping[str, Any], name: str) -> bytes:
    """The planned parameters as a YAML file, the cockpit's overrides in the header comment."""
    head = [f"# Szenario-Cockpit: {name}", "# Overrides (dotted path: value):"]
    dumped = yaml.safe_dump(dict(overrides), allow_unicode=True, sort_keys=True)
    head += [f"#   {line}" for line in dumped.splitlines()]
    return ("\n".join(head) + "\n" + dump_params(params)).encode("utf-8")


def settings_excel(
    overrides: Mapping[str, Any],
    summary: Mapping[str, Any],
    monthly: pd.DataFrame,
    locale: str = "de",
    *,
    findings: Sequence[Any] = (),
    meta: WorkbookMeta | None = None,
    value_labels: Mapping[str, tuple[str, str]] | None = None,
) -> bytes:
    """The printable plan workbook of the current scenario (same layout as the batch's).

    Sheets: ``Übersicht`` (plan identity, key figures, findings), ``Monatsplan``
    (line items × months) and ``Einstellungen`` (the cockpit's overrides by name).

    Args:
        overrides: dotted path → value the cockpit applied.
        summary: plan KPIs (``PlanResult.summary``).
        monthly: tidy plan (month, line_item, channel, value, unit).
        locale: 'de' or 'en' (sheet names, labels).
        findings: the plan's findings (``PlanResult.findings``).
        meta: company, region, plan version, date for the cover and page headers.
        value_labels: the config's channel and role labels, code → (de, en).
    """
    from planning_lib.present.views.plan import key_figure_names
    from planning_lib.present.views.ziele import findings_table
    from planning_lib.run.excel import MAX_PRINT_PAGES, findings_rows, key_figure_rows

    meta = meta or WorkbookMeta(locale=locale)
    order = [k for k in key_figure_names(summary) if k in summary]
    figures = key_figure_rows({k: summary[k] for k in order}, locale)
    found = findings_rows(findings_table(findings, locale), locale)
    found.sort(key=lambda f: f[3])
    wb = new_workbook()
    taken: set[str] = set()
    heading = f"{meta.t('workbook.sales_plan')} {meta.region}".strip()
    add_sheet(
        wb,
        meta.t("workbook.overview"),
        heading,
        cover_blocks(meta, figures, [f[:3] for f in found]),
        meta,
        taken,
    )
    title = meta.t("workbook.monthly_plan")
    add_sheet(
        wb,
        title,
        f"{title} {meta.region}".strip(),
        [monthly_plan_block(monthly, meta.t("workbook.all_line_items"), locale, value_labels)],
        meta,
        taken,
        repeat_header=True,
        freeze_first_column=True,
    )
    settings = Block(
        meta.t("workbook.changed_parameters"),
        [meta.t("workbook.parameter"), meta.t("workbook.value")],
        [
            [
                (override_label(path, locale, value_labels), TEXT_FORMAT),
                _override_cell(path, v, locale, value_labels),
            ]
            for path, v in overrides.items()
        ],
    )
    title = meta.t("workbook.settings")
    add_sheet(wb, title, f"{title} {meta.region}".strip(), [settings], meta, taken)
    page_budget(wb, MAX_PRINT_PAGES)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def config_labels(params: PlanParameters) -> dict[str, tuple[str, str]]:
    """The config's labels of channels, roles, teams and rules, code → (de, en)."""
    from planning_lib.present.value_labels import config_value_labels

    return config_value_labels(params)


def workbook_meta(params: PlanParameters, version: str, locale: str = "de") -> WorkbookMeta:
    """Company, region (or the company when none), plan version and today for the workbook."""
    region = params.region or ("Gesamt" if locale != "en" else "Total")
    return WorkbookMeta(params.company.name, region, version, dt.date.today(), locale)


def override_label(
    path: str, locale: str = "de", value_labels: Mapping[str, tuple[str, str]] | None = None
) -> str:
    """A cockpit override (dotted parameter path) by its name for readers.

    The slider's label where a slider sets the path, else a few known paths; a
    channel's setting names the channel by its label. Unknown paths stay as they are.
    """
    from planning_lib.app import cockpit as ck

    loc = "en" if locale == "en" else "de"
    for c in ck.CONTROLS:
        if c.path == path:
            return c.label_en if loc == "en" else c.label_de
    if f"cockpit.path.{path}" in text_store.LABELS:
        return text_store.label(f"cockpit.path.{path}", loc)
    parts = path.split(".")
    if parts[0] == "targets" and parts[-1] == "value":
        return text_store.label("cockpit.export.target_value", loc)
    if parts[0] == "channels" and len(parts) == 3:
        name = parts[1]
        if value_labels and name in value_labels:
            name = value_labels[name][1 if loc == "en" else 0]
        if parts[2] == "lead_share":
            return text_store.label("cockpit.export.lead_share", loc).format(channel=name)
    return path


def _hires_text(
    hires: list[Any], locale: str, value_labels: Mapping[str, tuple[str, str]] | None
) -> str:
    """``2 × Innendienst im Q1, 1 × Partnermanager im Q2`` from the hires list."""
    from planning_lib.present.value_labels import value_label

    parts = []
    for h in hires:
        if not isinstance(h, Mapping):
            return yaml.safe_dump(hires, default_flow_style=True, allow_unicode=True).strip()
        role = str(h.get("role", ""))
        name = (value_labels or {}).get(role)
        shown = name[1 if locale == "en" else 0] if name else value_label("role", role, locale)
        when = h.get("quarter", h.get("month", ""))
        key = "quarter" if "quarter" in h else "month"
        hire = text_store.label(f"cockpit.export.hire.{key}", "en" if locale == "en" else "de")
        parts.append(hire.format(count=h.get("count", 1), role=shown, when=when))
    return ", ".join(parts)


def _override_cell(
    path: str,
    value: Any,
    locale: str = "de",
    value_labels: Mapping[str, tuple[str, str]] | None = None,
) -> tuple[Any, str]:
    if path == "organisation.hires" and isinstance(value, list):
        return _hires_text(value, locale, value_labels), TEXT_FORMAT
    if isinstance(value, list | dict):
        return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).strip(), "@"
    if isinstance(value, bool) or value is None:
        return str(value), TEXT_FORMAT
    if isinstance(value, int | float):
        leaf = path.rsplit(".", 1)[-1]
        if leaf.endswith("_eur") or path == "budget.total_eur":
            return value, FORMATS["eur"]
        if any(w in leaf for w in ("share", "rate", "churn")) or path.startswith(
            "drivers.churn_rate_monthly"
        ):
            return value, FORMATS["share"]
        return value, FORMATS["count"] if float(value).is_integer() else FORMATS["decimal"]
    return str(value), TEXT_FORMAT


def data_link(data: bytes, filename: str, mime: str, text: str) -> str:
    """An HTML download link carrying ``data`` inline (no server route needed)."""
    b64 = base64.b64encode(data).decode("ascii")
    fn = html.escape(filename, quote=True)
    return f'<a download="{fn}" href="data:{mime};base64,{b64}">{html.escape(text)}</a>'


def save_plan_version(
    name: str,
    result: Any,
    versions_dir: str | Path | None = None,
    config: str | Path | None = None,
) -> str:
    """Save the plan as an immutable named version (``planning_lib.controlling.versions``).

    Args:
        name: checked version name.
        result: the ``PlanResult`` (its ``params`` carry the cockpit's overrides).
        versions_dir: versions folder; None = the project default (``data/versions``).
        config: the parameter file the cockpit planned from (recorded with the version).

    Returns:
        The new version's id.
    """
    from planning_lib.controlling import versions

    findings = [plan_finding_record(f) for f in result.findings]
    kwargs: dict[str, Any] = {"config": config, "findings": findings}
    if versions_dir is not None:
        kwargs["versions_dir"] = versions_dir
    return versions.save_version(result, version_name(name), **kwargs)
