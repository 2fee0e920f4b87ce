"""Szenario-Cockpit exports: the current settings as YAML and Excel, and as a plan version.

The YAML is a complete parameter file (overrides applied) that ``load_params`` reads
back; the Excel workbook holds the overrides, the KPIs and the monthly plan.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from planning_lib.params import PlanParameters, dump_params

__all__ = [
    "VersionNameError",
    "data_link",
    "save_plan_version",
    "settings_excel",
    "settings_yaml",
    "version_name",
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
) -> bytes:
    """A workbook: sheet of overrides, sheet of KPIs, monthly plan (line items × months).

    Args:
        overrides: dotted path → value the cockpit applied.
        summary: plan KPIs (nested dicts are flattened with dots).
        monthly: tidy plan (month, line_item, channel, value, unit).
        locale: 'de' or 'en' (sheet and column names).
    """
    de = locale == "de"
    flat: dict[str, Any] = {}
    for k, v in summary.items():
        if isinstance(v, Mapping):
            flat.update({f"{k}.{kk}": vv for kk, vv in v.items()})
        else:
            flat[k] = v
    ovr = pd.DataFrame(
        {
            "Parameter": list(overrides),
            "Wert" if de else "Value": [
                yaml.safe_dump(v, default_flow_style=True).strip()
                if isinstance(v, list | dict)
                else v
                for v in overrides.values()
            ],
        }
    )
    kpis = pd.DataFrame(
        {"KPI": list(flat), "Wert" if de else "Value": [_cell(v) for v in flat.values()]}
    )
    plan = monthly.assign(month=pd.to_datetime(monthly["month"]).dt.strftime("%Y-%m")).pivot_table(
        index=["line_item", "channel", "unit"], columns="month", values="value", aggfunc="sum"
    )
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        ovr.to_excel(xw, sheet_name="Einstellungen" if de else "Settings", index=False)
        kpis.to_excel(xw, sheet_name="Kennzahlen" if de else "KPIs", index=False)
        plan.to_excel(xw, sheet_name="Monatsplan" if de else "Monthly plan")
        for ws in xw.book.worksheets:
            ws.freeze_panes = "B2"
            ws.column_dimensions["A"].width = 42
    return buf.getvalue()


def _cell(v: Any) -> Any:
    return v if isinstance(v, int | float | str) or v is None else str(v)


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
    """Save the plan as an immutable named version (``planning_lib.versions``).

    Args:
        name: checked version name.
        result: the ``PlanResult`` (its ``params`` carry the cockpit's overrides).
        versions_dir: versions folder; None = the project default (``data/versions``).
        config: the parameter file the cockpit planned from (recorded with the version).

    Returns:
        The new version's id.
    """
    from planning_lib import versions

    kwargs: dict[str, Any] = {"config": config}
    if versions_dir is not None:
        kwargs["versions_dir"] = versions_dir
    return versions.save_version(result, version_name(name), **kwargs)
