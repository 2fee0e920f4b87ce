"""The phase notebooks, executed for real by ``planning batch`` on the sample data.

One batch per test session (two sample regions plus one deliberately broken region,
all phases and the consolidation) is shared by every test here; the tests assert on
what the notebooks wrote, not only that they ran.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jupytext
import nbformat
import numpy as np
import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from planning_lib.cli import main as cli
from planning_lib.core.config import load_params
from planning_lib.core.paths import CONFIGS, NOTEBOOKS, SAMPLE_DATA
from planning_lib.plan.model import run_plan
from planning_lib.run.catalog import PHASES
from planning_lib.run.phase import read_plan
from planning_lib.run.run_folder import CONSOLIDATION_FOLDER
from tests.e2e.report_checks import codes_and_floats, config_code_pattern, unlabelled_columns

GOOD = ["DE-Süd", "AT"]
BROKEN = "Kaputt"
OWN_NOTEBOOKS = sorted(NOTEBOOKS.glob("0[1-8]_*.ipynb"))


@pytest.fixture(scope="session")
def config_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample config plus a region whose parameters are invalid (churn above 1)."""
    folder = tmp_path_factory.mktemp("configs")
    shutil.copy(CONFIGS / "cloudflow.yaml", folder / "cloudflow.yaml")
    shutil.copytree(CONFIGS / "regions", folder / "regions")
    (folder / "regions" / f"{BROKEN}.yaml").write_text(
        yaml.safe_dump({"region": BROKEN, "drivers": {"churn_rate_monthly": 1.3}})
    )
    return folder


@pytest.fixture(scope="session")
def batch_run(config_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run ``planning batch`` once through the CLI; return exit code, run folder, manifest."""
    out = tmp_path_factory.mktemp("reports")
    code = cli.main(
        [
            "batch",
            "--config",
            str(config_dir / "cloudflow.yaml"),
            "--data",
            str(SAMPLE_DATA),
            "--regions",
            ",".join([*GOOD, BROKEN]),
            "--workers",
            "2",
            "--out",
            str(out),
            "--no-progress",
        ]
    )
    (run_dir,) = list(out.iterdir())
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    return {"code": code, "run_dir": run_dir, "manifest": manifest, "config": config_dir}


def _folder(batch_run: dict, region: str) -> Path:
    return batch_run["run_dir"] / batch_run["manifest"]["regions"][region]["folder"]


# ------------------------------------------------------------------ source hygiene


@pytest.mark.parametrize("nb_path", OWN_NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(nb_path: Path) -> None:
    nb = nbformat.read(str(nb_path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{nb_path.name} carries outputs"
            assert cell.execution_count is None
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1


@pytest.mark.parametrize("nb_path", OWN_NOTEBOOKS, ids=lambda p: p.stem)
def test_jupytext_pair_is_in_sync(nb_path: Path) -> None:
    paired = jupytext.read(nb_path.with_suffix(".py"))
    stored = nbformat.read(str(nb_path), as_version=4)
    assert [(c.cell_type, c.source) for c in paired.cells] == [
        (c.cell_type, c.source) for c in stored.cells
    ], f"{nb_path.stem}.py and .ipynb differ: run `jupytext --sync {nb_path}`"


def test_parameters_cell_holds_literals_only() -> None:
    for nb_path in OWN_NOTEBOOKS:
        nb = nbformat.read(str(nb_path), as_version=4)
        cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        for line in cell.source.splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                value = line.split("=", 1)[1].split("#", 1)[0].strip()
                assert re.fullmatch(r'"[^"]*"|-?\d+|\{\}', value), f"{nb_path.name}: {line}"


# ------------------------------------------------------------------ the batch run


def test_good_regions_complete_and_the_broken_one_is_reported(batch_run: dict) -> None:
    m = batch_run["manifest"]
    assert batch_run["code"] == 1  # non-zero: one region failed
    assert m["status"] == "failed"
    by_key = {(n["region"], n["notebook"]): n for n in m["notebooks"]}
    for region in GOOD:
        for phase in PHASES:
            n = by_key[(region, phase.stem)]
            assert n["status"] == "ok", n["error"]
            assert n["duration_s"] > 0
    assert by_key[("Gesamt", "08_konsolidierung")]["status"] == "ok"
    failed = by_key[(BROKEN, "01_ist_analyse")]
    assert failed["status"] == "failed"
    assert failed["error"]["ename"] == "ParameterError"
    assert "churn_rate_monthly" in failed["error"]["evalue"]
    assert failed["error"]["execution_count"] is not None
    executed = batch_run["run_dir"] / failed["output_notebook"]
    assert executed.exists()  # the executed notebook with the error is kept
    assert by_key[(BROKEN, "02_ziele")]["status"] == "skipped"
    index = (batch_run["run_dir"] / "index.html").read_text(encoding="utf-8")
    assert "ParameterError" in index and failed["output_notebook"] in index


def test_manifest_records_parameters_fingerprint_and_versions(batch_run: dict) -> None:
    m = batch_run["manifest"]
    assert m["parameters"]["regions"] == [*GOOD, BROKEN]
    assert m["parameters"]["workers"] == 2
    assert re.fullmatch(r"[0-9a-f]{64}", m["input_fingerprint"]["sha256"])
    files = m["input_fingerprint"]["files"]
    assert any(f.endswith("deals.csv") for f in files)
    assert any(f.endswith(f"{BROKEN}.yaml") for f in files)
    assert m["package_versions"]["papermill"] != "not installed"
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{6}", m["run_id"])
    assert batch_run["run_dir"].name == m["run_id"]


def test_region_folders_are_safe_and_hold_every_output(batch_run: dict) -> None:
    m = batch_run["manifest"]
    assert m["regions"]["DE-Süd"]["folder"] == "DE-Sued"
    for region in GOOD:
        folder = _folder(batch_run, region)
        for phase in PHASES:
            assert (folder / "notebooks" / f"{phase.stem}.ipynb").exists()
            assert (folder / "html" / f"{phase.stem}.html").exists()
        assert len(list((folder / "charts").glob("*.png"))) >= 8
        assert Path(batch_run["run_dir"] / m["regions"][region]["excel"]).exists()


def test_index_links_resolve(batch_run: dict) -> None:
    run_dir = batch_run["run_dir"]
    index = (run_dir / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]+)"', index)
    assert len(links) > 30
    for link in links:
        assert (run_dir / link).exists(), link
    assert "MRR Planende" in index  # key figures per region, German by default


def test_html_has_narrative_but_no_code(batch_run: dict) -> None:
    html = (_folder(batch_run, "AT") / "html" / "02_ziele.html").read_text(encoding="utf-8")
    assert "open_phase(" not in html and "import " not in html
    assert "Top-down" in html and "Befunde zur Machbarkeit" in html
    assert "SMART-Ziele, der Plan" in html


def test_plan_written_by_02_equals_run_plan(batch_run: dict) -> None:
    config = batch_run["config"] / "cloudflow.yaml"
    for region in GOOD:
        plan = run_plan(load_params(config, region=region))
        monthly, summary = read_plan(_folder(batch_run, region))
        assert summary["new_customers"] == pytest.approx(plan.summary["new_customers"])
        assert summary["mrr_end"] == pytest.approx(plan.summary["mrr_end"])
        written = monthly[monthly["line_item"] == "mrr_end"]["value"].to_numpy()
        np.testing.assert_allclose(written, plan.line("mrr_end"), rtol=1e-9)


def test_budget_table_of_06_equals_run_plan_costs(batch_run: dict) -> None:
    config = batch_run["config"] / "cloudflow.yaml"
    plan = run_plan(load_params(config, region="AT"))
    table = pd.read_csv(_folder(batch_run, "AT") / "tables" / "06_budget_monthly.csv")
    for category in ("personnel", "marketing", "tools", "training_travel", "commissions"):
        expected = plan.line(f"cost_{category}")
        if (f"cost_{category}", "") not in plan.lines:
            continue
        np.testing.assert_allclose(table[f"{category}_eur"].to_numpy(), expected, rtol=1e-9)
    categories = pd.read_csv(_folder(batch_run, "AT") / "tables" / "06_budget_categories.csv")
    assert categories["planned_cost_eur"].sum() == pytest.approx(plan.summary["cost_total"])


def test_consolidation_equals_the_sum_of_the_regions(batch_run: dict) -> None:
    m = batch_run["manifest"]
    company = m["regions"]["Gesamt"]["key_figures"]
    regions = {r: m["regions"][r]["key_figures"] for r in GOOD}
    assert company["regions"] == len(GOOD)  # the broken region is not summed
    for key in ("new_customers", "customers_end", "mrr_end", "arr_end", "budget_total"):
        assert company[key] == pytest.approx(sum(r[key] for r in regions.values())), key
    folder = batch_run["run_dir"] / CONSOLIDATION_FOLDER
    table = pd.read_csv(folder / "tables" / "08_regions.csv")
    assert list(table["region"]) == [*GOOD, "Gesamt"]
    monthly = pd.read_csv(folder / "tables" / "08_plan_monthly.csv", keep_default_na=False)
    mrr = monthly[monthly["line_item"] == "mrr_end"]["value"].to_numpy(dtype=float)
    parts = [read_plan(_folder(batch_run, r))[0] for r in GOOD]
    expected = sum(p[p["line_item"] == "mrr_end"]["value"].to_numpy() for p in parts)
    np.testing.assert_allclose(mrr, expected, rtol=1e-9)


def test_excel_has_a_cover_and_a_formatted_sheet_per_phase(batch_run: dict) -> None:
    """Issue 14: cover, monthly plan, one sheet per phase named in full words (no
    "01 Kundenakquisitionskosten (CA"), German line items, a format on every number."""
    path = batch_run["run_dir"] / batch_run["manifest"]["regions"]["AT"]["excel"]
    wb = load_workbook(path)
    assert wb.sheetnames == [
        "Übersicht",
        "Monatsplan",
        "Ist-Analyse und Prognose",
        "Ziele",
        "Zielgruppen und Positionierung",
        "Vertriebskanäle",
        "Organisation und Ressourcen",
        "Budget und Finanzen",
        "Controlling",
    ]
    ws = wb["Budget und Finanzen"]
    rows = {r[0].value: r for r in ws.iter_rows() if r[0].value is not None}
    header = [c.value for c in rows["Kategorie"] if c.value is not None]
    assert header == [
        "Kategorie",
        "Budget (Planzeitraum)",
        "Plankosten",
        "Kostenanteil",
        "Abweichung (Kosten − Budget), positiv = über Budget",
    ]
    assert rows["Personal"][1].number_format == '[$-407]#,##0 "€"'
    history = wb["Ist-Analyse und Prognose"]
    assert [c.value for c in history[4]][:3] == [
        "Jahr",
        "Umsatz",
        "Wachstum ggü. Kalenderjahr davor",
    ]
    assert history["A5"].value == 2022 and history["A5"].number_format == "[$-407]0"
    assert history["C6"].number_format == "[$-407]0.0 %" and 0 < history["C6"].value < 1
    values = [c.value for row in history.iter_rows() for c in row]
    assert "MQL → SQL" in values and "Inbound-Marketing" in values
    plan = wb["Monatsplan"]
    items = [r[0] for r in plan.iter_rows(min_row=5, values_only=True)]
    assert "Erstjahresumsatz Neukunden" in items and "first_year_revenue_new" not in items
    cover = {r[0]: r[1] for r in wb["Übersicht"].iter_rows(values_only=True) if r[0]}
    assert cover["Unternehmen"] == "CloudFlow" and cover["Region"] == "AT"
    assert cover["Planversion"].startswith("Szenario Realistisch (Basis), Lauf ")
    kf = batch_run["manifest"]["regions"]["AT"]["key_figures"]
    assert cover["MRR Planende"] == pytest.approx(kf["mrr_end"])
    for sheet in wb.worksheets:
        assert len(sheet.title) <= 31
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    assert cell.number_format != "General", (sheet.title, cell.coordinate)


def test_region_workbook_prints_on_at_most_15_pages(batch_run: dict, tmp_path: Path) -> None:
    """LibreOffice prints the AT workbook with its print setup (before: 157 pages, one
    sheet per table and no print setup); every page names company, region, plan
    version and date in its header and says which page of how many it is."""
    from tests.office_pdf import pdf_page_texts, print_to_pdf

    path = batch_run["run_dir"] / batch_run["manifest"]["regions"]["AT"]["excel"]
    pages = pdf_page_texts(print_to_pdf(path, tmp_path))
    assert 9 <= len(pages) <= 15  # one sheet a page at least
    run_id = batch_run["manifest"]["run_id"]
    # German separators in print whatever LibreOffice's own locale: the cover's MRR at
    # plan end as the key figure formatted by hand (18842.87 -> "18.843 €" for AT)
    mrr_end = batch_run["manifest"]["regions"]["AT"]["key_figures"]["mrr_end"]
    grouped = f"{round(mrr_end):,}".replace(",", ".")
    assert f"MRR Planende {grouped} €" in pages[0]
    for n, text in enumerate(pages, start=1):
        assert "CloudFlow · Region AT" in text
        assert f"Planversion: Szenario Realistisch (Basis), Lauf {run_id}" in text
        assert "Stand: " in text and f"Seite {n} von {len(pages)}" in text


def test_reports_show_no_unlabelled_code_and_no_raw_float(batch_run: dict) -> None:
    """Issue 14 item 3: every code a manager could read (line items, findings, rules,
    teams, summary keys) has a German label. A new code fails here until
    report/labels.py (or the config's labels) names it; the message lists where."""
    params = load_params(batch_run["config"] / "cloudflow.yaml")
    folders = [_folder(batch_run, r) for r in GOOD]
    folders.append(batch_run["run_dir"] / CONSOLIDATION_FOLDER)
    found, floats = codes_and_floats(folders, config_code_pattern(params))
    assert not found, f"codes without a label shown to readers: {found}"
    assert not floats, f"raw floats in reports: {floats}"


def test_every_column_of_every_table_has_a_label(batch_run: dict) -> None:
    """A new column in a notebook's table fails here until labels.py names it."""
    folders = [_folder(batch_run, r) for r in GOOD]
    folders.append(batch_run["run_dir"] / CONSOLIDATION_FOLDER)
    missing = unlabelled_columns(folders)
    assert not missing, f"columns without a label in report/labels.py: {sorted(missing)}"


def test_html_shows_labelled_headers_and_formatted_numbers(batch_run: dict) -> None:
    html = (_folder(batch_run, "AT") / "html" / "01_ist_analyse.html").read_text(encoding="utf-8")
    assert "<th>Wachstum ggü. Kalenderjahr davor</th>" in html and "revenue_yoy" not in html
    assert "MQL → SQL" in html and "Inbound-Marketing" in html and "mql_to_sql" not in html
    assert re.search(r"<td>\d{1,2},\d\xa0%</td>", html)  # a share as percent: 28,0 %
    index = (batch_run["run_dir"] / "index.html").read_text(encoding="utf-8")
    total_row = index[index.index("<tr><td>Gesamt</td>") :].split("</tr>")[0]
    assert "×" in total_row  # the company's LTV:CAC, not "–"


def test_phase_01_wrote_history_forecast_and_findings(batch_run: dict) -> None:
    folder = _folder(batch_run, "AT")
    forecast = pd.read_csv(folder / "tables" / "01_forecast.csv")
    assert len(forecast) == 12
    assert (forecast["lo_80"] <= forecast["mean"]).all()
    assert (forecast["mean"] <= forecast["hi_80"]).all()
    yearly = pd.read_csv(folder / "tables" / "01_history_yearly.csv")
    assert list(yearly["year"].astype(str))[-1] == "2025"
    findings = pd.read_csv(folder / "tables" / "01_findings.csv")
    assert len(findings) >= 3


def test_phase_07_compares_with_the_plan_and_triggers_rules(batch_run: dict) -> None:
    folder = _folder(batch_run, "AT")
    monthly, _ = read_plan(folder)
    variance = pd.read_csv(folder / "tables" / "07_variance.csv")
    new = variance.set_index("kpi").loc["new_customers"]
    months = pd.read_csv(folder / "tables" / "07_kpis.csv")["month"]
    assert months.max() == "2026-06"  # the actuals cover the plan year's first half
    plan_new = monthly[(monthly["line_item"] == "customers_new") & (monthly["channel"] == "")]
    plan_to_date = plan_new[plan_new["month"] <= pd.Timestamp("2026-06-01")]["value"].sum()
    assert new["plan"] == pytest.approx(plan_to_date)
    assert new["variance"] == pytest.approx(new["actual"] - new["plan"])
    actions = pd.read_csv(folder / "tables" / "07_actions.csv", keep_default_na=False)
    assert actions["triggered"].any()
    fired = actions[actions["triggered"]].set_index("rule")["member"]
    # issue 11: rules judge execution (actual vs plan_funnel); the partner channel's
    # shortfall against the target split is a gap of the plan, not of execution
    assert "channel_below_plan" not in fired.index
    split = pd.read_csv(folder / "tables" / "07_execution.csv").set_index("channel")
    gaps = split["gap_planning"] + split["gap_execution"]
    assert gaps.tolist() == pytest.approx((split["plan"] - split["actual"]).tolist())
    funnel = monthly[(monthly["line_item"] == "customers_new_funnel") & (monthly["channel"] == "")]
    funnel_to_date = funnel[funnel["month"] <= pd.Timestamp("2026-06-01")]["value"].sum()
    assert split.loc["total", "plan_funnel"] == pytest.approx(funnel_to_date)
    bridge = pd.read_csv(folder / "tables" / "07_mrr_bridge.csv").set_index("component")
    closing = bridge.loc["closing", "variance_eur"]
    assert bridge["variance_eur"].iloc[:5].sum() == pytest.approx(closing)
    evidence = pd.read_csv(folder / "tables" / "07_rule_evidence.csv")
    june = evidence[(evidence["rule"] == "sql_to_demo_low") & (evidence["month"] == "2026-06")]
    assert june["condition_met"].all() and june["cohort_incomplete"].all()
    html = (folder / "html" / "07_controlling.html").read_text(encoding="utf-8")
    assert "<th>Kohorte unvollständig</th>" in html and "<td>Partnerprogramm</td>" in html
    assert "<th>Plan nie finanziert</th>" in html and "<th>Umsetzung</th>" in html
    landing = pd.read_csv(folder / "tables" / "07_landing.csv").set_index("figure")
    row = landing.loc["new_customers"]
    assert row["landing"] == pytest.approx(row["actual_to_date"] + row["forecast_rest"])


def test_locale_en_and_scenario_switch_language_and_plan(tmp_path: Path) -> None:
    from planning_lib.run.notebook import NotebookJob, execute_job

    job = NotebookJob(
        key="AT/02_ziele",
        region="AT",
        notebook=str(NOTEBOOKS / "02_ziele.ipynb"),
        output_notebook=str(tmp_path / "02_ziele.ipynb"),
        output_html=str(tmp_path / "02_ziele.html"),
        parameters={
            "region": "AT",
            "locale": "en",
            "scenario": "worst",
            "output_dir": str(tmp_path / "AT"),
        },
    )
    outcome = execute_job(job)
    assert outcome.status == "ok", outcome.error
    html = Path(outcome.output_html).read_text(encoding="utf-8")
    assert "Feasibility findings" in html and "Befunde zur Machbarkeit" not in html
    assert "02 Ziele" not in html  # the German source-only cell is not in the report
    assert "<th>Severity</th>" in html and "<th>Schweregrad</th>" not in html
    assert "<th>Top-down</th>" in html and "Inbound marketing" in html
    params = load_params(CONFIGS / "cloudflow.yaml", region="AT")
    worst = run_plan(params, params.scenarios["worst"]).summary
    _, summary = read_plan(tmp_path / "AT")
    assert summary["mrr_end"] == pytest.approx(worst["mrr_end"])
    assert summary["mrr_end"] != pytest.approx(run_plan(params).summary["mrr_end"])
