"""HTML: executed notebooks without code cells, and the run index linking everything.

The notebook export uses nbconvert's ``HTMLExporter`` with ``exclude_input`` (and the
prompts), so a manager reads narrative, tables and charts only. The index is a
single self-contained page: one row per region with its key figures, links to
every notebook (HTML and executed ``.ipynb``), the Excel workbook and the charts,
and for a failed notebook the cell and the error.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import nbformat
from traitlets.config import Config

from planning_lib.present.formatting import format_number
from planning_lib.present.labels import format_figure, text
from planning_lib.present.value_labels import value_label
from planning_lib.run.artifacts import atomic_write_text

__all__ = ["SOURCE_DOC_TAG", "export_html", "render_index"]


SOURCE_DOC_TAG = "source-doc"
"""Tag of notebook cells written for readers of the source only (German developer notes);
the report shows the localized narrative from ``labels`` instead."""


@functools.cache
def _exporter() -> Any:
    # nbconvert (~1 s with its templates) only when a notebook is exported
    from nbconvert import HTMLExporter

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {SOURCE_DOC_TAG}
    return HTMLExporter(
        config=config,
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def export_html(notebook: str | Path, target: str | Path) -> Path:
    """Export an executed notebook to ``target`` as HTML without code and source-only cells.

    Returns:
        The written path.
    """
    nb = nbformat.read(str(notebook), as_version=4)
    body, _ = _exporter().from_notebook_node(nb)
    return atomic_write_text(target, body)


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1d2733}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0 1rem}
th,td{border:1px solid #d6dde5;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#eef2f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#17663a}.failed,.incomplete{color:#b3261e;font-weight:600}.skipped{color:#8a6d00}
.err{font-family:ui-monospace,monospace;font-size:.85rem;white-space:pre-wrap}
.muted{color:#5b6773;font-size:.9rem}
"""


def _a(href: str | None, label: str) -> str:
    if not href:
        return html.escape(label)
    return f'<a href="{html.escape(href, quote=True)}">{html.escape(label)}</a>'


def _rel(path: str | None, root: Path) -> str | None:
    if not path:
        return None
    if not Path(path).is_absolute():
        return Path(path).as_posix()
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(path).as_uri()


def _link(path: str | None, root: Path, label: str) -> str:
    return _a(_rel(path, root), label) if path else ""


def _error_text(error: Mapping[str, Any] | None, locale: str) -> str:
    if not error:
        return ""
    if error.get("kind") == "skipped":
        return text("index.skipped_because", locale, dep=error.get("evalue", ""))
    where = ""
    if error.get("execution_count") is not None:
        where = text("index.failed_cell", locale, n=error["execution_count"])
        if error.get("cell_source_first_line"):
            where += f" ({error['cell_source_first_line']})"
        where += ": "
    return f"{where}{error.get('ename', '')}: {error.get('evalue', '')}"


def _region_name(region: str, locale: str) -> str:
    """A region as readers see it: the company roll-up ``Gesamt`` is ``Total`` in English."""
    return str(value_label("region", region, locale))


def _seconds(value: float, locale: str) -> str:
    """A duration in seconds for the index: ``8,6 s`` (de), ``8.6 s`` (en)."""
    return f"{format_number(value, locale, decimals=1)}\u00a0s"


def render_index(
    run_dir: Path,
    manifest: Mapping[str, Any],
    *,
    locale: str = "de",
    key_figure_order: Sequence[str] = (),
) -> Path:
    """Write ``<run_dir>/index.html`` from the run manifest.

    Args:
        run_dir: the run folder (links are relative to it).
        manifest: the run manifest (see ``planning_lib.run.batch``).
        locale: page language.
        key_figure_order: key figure labels to show as columns, in order.

    Returns:
        The path of ``index.html``.
    """
    t = functools.partial(text, locale=locale)
    regions: Mapping[str, Any] = manifest["regions"]
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(t('index.title'))} {html.escape(manifest['run_id'])}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(t('index.title'))}</h1>",
        f"<p class='muted'>{html.escape(t('index.run'))}: {html.escape(manifest['run_id'])} · "
        f"{html.escape(manifest['created_utc'])} · "
        f"<span class='{html.escape(manifest['status'])}'>"
        f"{html.escape(t('status.' + manifest['status']))}"
        f"</span> · {_a('manifest.json', 'manifest.json')}</p>",
    ]
    if manifest["status"] == "incomplete":
        parts.append(f"<p class='failed'>{html.escape(t('index.incomplete_note'))}</p>")
    earlier = manifest.get("incomplete_runs") or []
    if earlier:
        parts.append(f"<h2 class='skipped'>{html.escape(t('index.incomplete_runs'))}</h2><ul>")
        for r in earlier:
            link = _a(f"../{r['folder']}/", r["run_id"])
            parts.append(
                f"<li>{link} · {html.escape(r.get('started_utc', ''))} · "
                f"<span class='skipped'>{html.escape(t('status.' + r['state']))}</span></li>"
            )
        parts.append("</ul>")
    failed = [n for n in manifest["notebooks"] if n["status"] == "failed"]
    if failed:
        parts.append(f"<h2 class='failed'>{html.escape(t('index.failures'))}</h2><ul>")
        for n in failed:
            link = _a(_rel(n.get("output_notebook"), run_dir), f"{n['region']} / {n['notebook']}")
            parts.append(
                f"<li>{link}: <span class='err'>"
                f"{html.escape(_error_text(n.get('error'), locale))}</span></li>"
            )
        parts.append("</ul>")

    # key figures per region
    columns = list(key_figure_order) or sorted(
        {k for r in regions.values() for k in r.get("key_figures", {})}
    )
    parts.append(f"<h2>{html.escape(t('index.key_figures'))}</h2><table><tr>")
    parts.append(f"<th>{html.escape(t('index.region'))}</th>")
    parts.append(f"<th>{html.escape(t('index.status'))}</th>")
    parts.extend(f"<th>{html.escape(t('kf.' + c))}</th>" for c in columns)
    parts.append(f"<th>{html.escape(t('index.excel'))}</th></tr>")
    for name, info in regions.items():
        kf = info.get("key_figures", {})
        cells = "".join(
            f"<td class='num'>{html.escape(format_figure(c, kf.get(c), locale))}</td>"
            for c in columns
        )
        excel = _a(_rel(info.get("excel"), run_dir), "xlsx") if info.get("excel") else ""
        parts.append(
            f"<tr><td>{html.escape(_region_name(name, locale))}</td>"
            f"<td class='{info['status']}'>{html.escape(t('status.' + info['status']))}</td>"
            f"{cells}<td>{excel}</td></tr>"
        )
    parts.append("</table>")

    # notebooks per region
    parts.append(f"<h2>{html.escape(t('index.notebooks'))}</h2>")
    by_region: dict[str, list[Mapping[str, Any]]] = {}
    for n in manifest["notebooks"]:
        by_region.setdefault(n["region"], []).append(n)
    for region, items in by_region.items():
        parts.append(f"<h3>{html.escape(_region_name(region, locale))}</h3><table>")
        parts.append(
            f"<tr><th>{html.escape(t('index.notebook'))}</th>"
            f"<th>{html.escape(t('index.status'))}</th>"
            f"<th>{html.escape(t('index.seconds'))}</th><th>HTML</th><th>ipynb</th>"
            f"<th>{html.escape(t('index.error'))}</th></tr>"
        )
        for n in items:
            parts.append(
                f"<tr><td>{html.escape(n['notebook'])}</td>"
                f"<td class='{n['status']}'>{html.escape(t('status.' + n['status']))}</td>"
                f"<td class='num'>{_seconds(n.get('duration_s', 0), locale)}</td>"
                f"<td>{_link(n.get('output_html'), run_dir, 'html')}</td>"
                f"<td>{_link(n.get('output_notebook'), run_dir, 'ipynb')}</td>"
                f"<td class='err'>{html.escape(_error_text(n.get('error'), locale))}</td></tr>"
            )
        parts.append("</table>")
        charts = regions.get(region, {}).get("charts", [])
        if charts:
            links = " · ".join(_a(_rel(c, run_dir), Path(c).stem) for c in charts)
            parts.append(f"<p class='muted'>{html.escape(t('index.charts'))}: {links}</p>")
    parts.append("</body></html>")
    return atomic_write_text(run_dir / "index.html", "\n".join(parts))
