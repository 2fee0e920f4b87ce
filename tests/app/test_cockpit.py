"""Szenario-Cockpit: controls → overrides, validation, tiles, charts, exports, the widget app."""

from __future__ import annotations

import io
import math
import re
from collections import Counter
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest

from planning_lib.app import charts, export
from planning_lib.app import cockpit as ck
from planning_lib.app import tiles as co
from planning_lib.cli import dashboard
from planning_lib.core.config import load_params
from planning_lib.core.overrides import apply_overrides
from planning_lib.core.paths import CONFIGS
from planning_lib.plan.model import run_plan
from planning_lib.plan.scenarios import run_scenario
from planning_lib.present.formatting import format_value
from planning_lib.present.plan_finding_texts import plan_finding_text

CLOUDFLOW = CONFIGS / "cloudflow.yaml"
NBSP = "\xa0"


@pytest.fixture(scope="module")
def base_settings(params):
    return ck.settings_from_params(params)


# --------------------------------------------------------------------------- settings


def test_settings_read_the_cloudflow_plan(base_settings):
    s = base_settings
    assert s["new_customers_target"] == 600
    assert s["churn_end"] == 0.03
    assert s["arpa"] == 160
    assert s["inbound_mql_to_sql"] == 0.35
    assert (s["share_inbound"], s["share_outbound"], s["share_partner"]) == (0.6, 0.3, 0.1)
    assert s["marketing_budget"] == 100_000
    assert (s["hires_q1"], s["hires_q2"], s["hires_q3"], s["hires_q4"]) == (2, 0, 0, 0)
    assert s["ramp_months"] == 3
    assert s["commission_rate"] == 0.10
    assert s["partner_commission_rate"] == 0.2
    assert set(s) == {c.key for c in ck.CONTROLS}


def test_untouched_sliders_reproduce_the_base_plan(params, base_settings):
    ovr = ck.overrides_from_settings(params, base_settings, "base")
    assert run_plan(params, ovr).summary == run_plan(params).summary


@pytest.mark.parametrize("name", ["best", "worst"])
def test_scenario_sliders_reproduce_the_scenario_plan(params, name):
    scen = apply_overrides(params, ck.scenario_overrides(params, name))
    settings = ck.settings_from_params(scen)
    ovr = ck.overrides_from_settings(params, settings, name)
    assert run_plan(params, ovr).summary == run_scenario(params, name).summary


def test_region_worst_case_gives_the_region_scaled_values():
    at = load_params(CLOUDFLOW, region="AT")
    scen = ck.scenario_overrides(at, "worst")
    assert scen["channels.inbound.leads_per_month"] == 60.0  # 0.8 × AT's 75, not 400
    settings = ck.settings_from_params(apply_overrides(at, scen))
    assert settings["outbound_sql_to_demo"] == 0.22
    ovr = ck.overrides_from_settings(at, settings, "worst")
    assert ovr["channels.inbound.leads_per_month"] == 60.0
    assert run_plan(at, ovr).summary == run_scenario(at, "worst").summary


def test_worst_case_reads_constant_churn_and_its_slider_sets_start(params):
    scen = apply_overrides(params, ck.scenario_overrides(params, "worst"))
    settings = ck.settings_from_params(scen)
    assert settings["churn_end"] == 0.05  # constant path: the start value
    ovr = ck.overrides_from_settings(params, {**settings, "churn_end": 0.06}, "worst")
    assert ovr["drivers.churn_rate_monthly.start"] == 0.06
    assert "drivers.churn_rate_monthly.end" not in ovr


def test_slider_overrides_map_to_parameter_paths(params, base_settings):
    s = {
        **base_settings,
        "churn_end": 0.04,
        "new_customers_target": 700,
        "share_inbound": 0.5,
        "share_outbound": 0.5,
        "share_partner": 0.5,
        "marketing_budget": 150_000,
        "hires_q1": 0,
        "hires_q3": 4,
    }
    ovr = ck.overrides_from_settings(params, s, "custom")
    assert ovr["drivers.churn_rate_monthly.end"] == 0.04
    idx = next(i for i, t in enumerate(params.targets) if t.metric == "new_customers")
    assert ovr[f"targets.{idx}.value"] == 700
    for ch in ("inbound", "outbound", "partner"):
        assert ovr[f"channels.{ch}.lead_share"] == pytest.approx(1 / 3)
    assert ovr["budget.by_category.marketing"] == 150_000
    assert ovr["budget.total_eur"] == 250_000 + 30_000 + 20_000 + 150_000
    assert ovr["organisation.hires"] == [
        {"role": "partner_manager", "count": 1, "quarter": 2},
        {"role": "inside_sales", "count": 4, "quarter": 3},
    ]
    planned = apply_overrides(params, ovr)
    assert planned.target("new_customers").value == 700
    assert run_plan(params, ovr).summary["new_customers"] == pytest.approx(700)


def test_zero_channel_shares_split_evenly(params, base_settings):
    s = {**base_settings, "share_inbound": 0, "share_outbound": 0, "share_partner": 0}
    ovr = ck.overrides_from_settings(params, s)
    assert [ovr[f"channels.{c}.lead_share"] for c in ("inbound", "outbound", "partner")] == [
        pytest.approx(1 / 3)
    ] * 3


def test_higher_churn_slider_lowers_year_end_mrr(params, base_settings):
    low = run_plan(params, ck.overrides_from_settings(params, base_settings))
    high = run_plan(
        params, ck.overrides_from_settings(params, {**base_settings, "churn_end": 0.08})
    )
    assert high.summary["mrr_end"] < low.summary["mrr_end"]


def test_unknown_scenario_is_named(params):
    with pytest.raises(KeyError, match=r"unknown scenario 'evil'.*best"):
        ck.scenario_overrides(params, "evil")


# --------------------------------------------------------------------------- validation


def test_validation_repairs_whatever_a_browser_sends(base_settings):
    raw = {
        "churn_end": float("nan"),
        "arpa": "abc",
        "new_customers_target": 1e12,
        "inbound_mql_to_sql": -3,
        "ramp_months": 2.6,
        "commission_rate": "0,12",
        "hires_q2": True,
        "marketing_budget": None,
        "__proto__": 1,
    }
    clean, problems = ck.validate_settings(raw, base_settings)
    assert clean["churn_end"] == base_settings["churn_end"]
    assert clean["arpa"] == base_settings["arpa"]
    assert clean["new_customers_target"] == 2000
    assert clean["inbound_mql_to_sql"] == 0.0
    assert clean["ramp_months"] == 3
    assert clean["commission_rate"] == 0.12
    assert clean["hires_q2"] == base_settings["hires_q2"]
    assert clean["marketing_budget"] == base_settings["marketing_budget"]
    assert set(clean) == set(base_settings)
    text = "\n".join(problems)
    for key in ("churn_end", "arpa", "new_customers_target", "inbound_mql_to_sql", "hires_q2"):
        assert key in text
    assert "__proto__: unknown control" in text
    assert "ramp_months" not in text  # rounding a count in range is no problem
    assert all(math.isfinite(float(v)) for v in clean.values())


def test_valid_settings_pass_unchanged(base_settings):
    clean, problems = ck.validate_settings(dict(base_settings), base_settings)
    assert clean == base_settings
    assert problems == []


def test_share_sliders_work_in_percent():
    churn = ck.control("churn_end")
    assert churn.to_widget(0.03) == 3.0
    assert churn.from_widget(4.5) == 0.045
    assert churn.from_widget(churn.to_widget(0.035)) == 0.035
    assert churn.from_widget("abc") == "abc"  # left for validate_settings to reject
    arpa = ck.control("arpa")
    assert (arpa.to_widget(160), arpa.from_widget(170.0)) == (160, 170.0)


def test_choice_and_int_validation():
    assert ck.validate_choice("best", ("base", "best"), "base") == "best"
    assert ck.validate_choice("../x", ("base", "best"), "base") == "base"
    assert ck.validate_choice(["best"], ("base", "best"), "base") == "base"
    assert ck.validate_int("5000", 100, 20_000, 1000) == 5000
    assert ck.validate_int(10**9, 100, 20_000, 1000) == 20_000
    assert ck.validate_int(float("inf"), 100, 20_000, 1000) == 1000


def test_unknown_control_is_named():
    with pytest.raises(KeyError, match="unknown control 'nope'"):
        ck.control("nope")


# --------------------------------------------------------------------------- tiles


SUMMARY = {
    "mrr_end": 118_234.4,
    "new_customers": 600.0,
    "cac_fully_loaded": 868.03,
    "ltv_to_cac": 3.69,
    "payback_months": 6.78,
    "cash_low_point": -12_000.0,
}


def test_tiles_format_german_and_judge_targets(params):
    tiles = {t.key: t for t in co.kpi_tiles(SUMMARY, params, "de")}
    assert list(tiles) == list(co.TILE_KEYS)
    mrr = tiles["mrr_end"]
    assert mrr.value == f"118.234{NBSP}€"
    assert mrr.note == f"Ziel: 120.000{NBSP}€"
    assert mrr.status == "warn"  # 1.5 % below target
    assert mrr.css_class == "kpi-mrr-end"
    assert mrr.label == "MRR zum Jahresende"
    assert tiles["new_customers"].value == "600"
    assert tiles["new_customers"].status == "ok"
    assert tiles["cac_fully_loaded"].value == f"868{NBSP}€"
    assert tiles["cac_fully_loaded"].status == "bad"  # target 200 €, at most
    assert tiles["ltv_to_cac"].value == "3,7 : 1"
    assert tiles["ltv_to_cac"].status == "ok"
    assert tiles["payback_months"].value == "6,8"
    assert tiles["cash_low_point"].value == f"-12.000{NBSP}€"
    assert tiles["cash_low_point"].status == "bad"
    assert tiles["p_mrr_target"].value == "–"
    assert tiles["p_mrr_target"].note == "Monte Carlo aus"


def test_tiles_in_english_with_monte_carlo(params):
    tiles = {t.key: t for t in co.kpi_tiles(SUMMARY, params, "en", 0.806, "done")}
    assert tiles["mrr_end"].value == "€118,234"
    assert tiles["mrr_end"].label == "Year-end MRR"
    assert tiles["p_mrr_target"].value == "81%"
    assert tiles["p_mrr_target"].status == "ok"
    running = {t.key: t for t in co.kpi_tiles(SUMMARY, params, "en", None, "running")}
    assert running["p_mrr_target"].note == "Simulation running …"


def test_format_value_rejects_unknown_kind():
    assert format_value(float("nan"), "eur") == "–"
    with pytest.raises(ValueError, match="unknown unit 'yen'"):
        format_value(1.0, "yen")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- scenarios


def test_tornado_table_labels_and_drops_dead_drivers(params):
    sens = pd.DataFrame(
        {
            "driver": ["drivers.arpa_monthly_eur", "targets.1.value", "targets.0.value"],
            "kpi_low": [110.0, 100.0, 120.0],
            "kpi_high": [130.0, 125.0, 120.0],
            "swing": [20.0, 25.0, 0.0],
        }
    )
    t = co.tornado_table(sens, params, "de")
    assert list(t["label"]) == ["ARPA (€/Monat)", "Neukunden-Ziel (Jahr)"]
    assert list(t["low"]) == [110.0, 100.0]
    assert co.driver_label("channels.outbound.leads_per_month", params, "en") == (
        "Outbound sales: leads per month"
    )
    assert co.driver_label("current.cash_eur", params) == "current.cash_eur"


def test_monte_carlo_adapters(params):
    months = pd.date_range("2026-01-01", periods=2, freq="MS")
    pct = pd.DataFrame(
        {
            "month": list(months) * 2,
            "line_item": ["mrr_end", "mrr_end", "mrr_new", "mrr_new"],
            "channel": [""] * 4,
            "p10": [1.0, 2.0, 9.0, 9.0],
            "p50": [2.0, 3.0, 9.0, 9.0],
            "p90": [3.0, 4.0, 9.0, 9.0],
        }
    )
    mc = SimpleNamespace(percentiles=pct, p_hit={"mrr_end": 0.25})
    band = co.mc_band(mc)
    assert band["p10"].tolist() == [1.0, 2.0] and band["p90"].tolist() == [3.0, 4.0]
    with pytest.raises(KeyError, match="cash_balance"):
        co.mc_band(mc, "cash_balance")
    assert co.mc_p_hit(mc, params) == 0.25
    assert co.mc_p_hit(SimpleNamespace(p_hit={}), params) is None


def test_monte_carlo_follows_the_sliders(params):
    assert co.centred_monte_carlo(params) is params
    moved = apply_overrides(
        params,
        {
            "drivers.arpa_monthly_eur": 200,
            "drivers.churn_rate_monthly.end": 0.04,
            "channels.inbound.mql_to_sql": 0.5,
            "channels.inbound.demo_to_won": 0.35,
        },
    )
    d = co.centred_monte_carlo(moved).monte_carlo.drivers
    assert (d["drivers.arpa_monthly_eur"].mean, d["drivers.arpa_monthly_eur"].sd) == (200, 12)
    tri = d["drivers.churn_rate_monthly.end"]
    assert (tri.low, tri.mode, tri.high) == pytest.approx((0.035, 0.04, 0.055))
    beta = d["channels.inbound.mql_to_sql"]
    assert (beta.a, beta.b) == pytest.approx((50, 50))
    uni = d["channels.inbound.demo_to_won"]
    assert (uni.low, uni.high) == pytest.approx((0.30, 0.40))


# --------------------------------------------------------------------------- charts


def _bars(fig):
    return [(round(p.get_y(), 6), round(p.get_height(), 6)) for p in fig.axes[0].patches]


def test_waterfall_bars_are_the_bridge():
    bridge = {
        "mrr_start": 80.0,
        "mrr_new": 50.0,
        "mrr_expansion": 5.0,
        "mrr_contraction": 3.0,
        "mrr_churned": 20.0,
        "mrr_end": 112.0,
    }
    fig = charts.mrr_bridge_chart(bridge, "de")
    assert _bars(fig) == [(0, 80), (80, 50), (130, 5), (132, 3), (112, 20), (0, 112)]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == [
        "Start", "Neu", "Expansion", "Kontraktion", "Churn", "Ende",
    ]  # fmt: skip


def test_every_chart_renders_png():
    months = ["01/26", "02/26", "03/26"]
    leads = pd.DataFrame({"Inbound": [10, 20, 30], "Partner": [1, 2, 3]}, index=months)
    tornado = pd.DataFrame({"label": ["a", "b"], "low": [90.0, 95.0], "high": [110.0, 104.0]})
    figs = [
        charts.mrr_band_chart(months, [1, 2, 3], [0, 1, 2], [2, 3, 4], 2.5, "en"),
        charts.leads_chart(leads, "de"),
        charts.cash_chart(months, [5.0, -1.0, 3.0], "de"),
        charts.tornado_chart(tornado, 100.0, "de"),
    ]
    for fig in figs:
        assert charts.png(fig)[:8] == b"\x89PNG\r\n\x1a\n"
    stacked = _bars(figs[1])
    assert stacked[3:] == [(10, 1), (20, 2), (30, 3)]  # partner on top of inbound


def test_plan_views_from_a_tidy_plan(params):
    months = pd.date_range("2026-01-01", periods=2, freq="MS")
    rows = []
    for item, vals in {
        "mrr_start": [80, 90],
        "mrr_new": [15, 15],
        "mrr_churned": [5, 6],
        "mrr_end": [90, 99],
        "cash_balance": [10, 20],
    }.items():
        rows += [(m, item, "", v) for m, v in zip(months, vals, strict=True)]
    rows += [(m, "required_entry", "inbound", 7.0) for m in months]
    tidy = pd.DataFrame(rows, columns=["month", "line_item", "channel", "value"])
    v = co.plan_views(tidy, params, "en")
    assert v.months == ["01/26", "02/26"]
    assert v.bridge == {
        "mrr_start": 80.0,
        "mrr_end": 99.0,
        "mrr_new": 30.0,
        "mrr_expansion": 0.0,
        "mrr_contraction": 0.0,
        "mrr_churned": 11.0,
    }
    assert list(v.leads.columns) == ["Inbound marketing"]
    assert np.array_equal(v.cash, [10.0, 20.0])
    with pytest.raises(KeyError, match="cash_balance"):
        co.plan_views(tidy[tidy["line_item"] != "cash_balance"], params)


# --------------------------------------------------------------------------- exports


def test_version_names_are_checked():
    assert export.version_name("  Budget   2027 ") == "Budget 2027"
    for bad in ("", "   ", "../etc", "<script>", "x" * 81, 42):
        with pytest.raises(export.VersionNameError):
            export.version_name(bad)


def test_yaml_export_reads_back_as_the_planned_parameters(params, base_settings, tmp_path):
    ovr = ck.overrides_from_settings(params, {**base_settings, "churn_end": 0.045})
    planned = apply_overrides(params, ovr)
    path = tmp_path / "v.yaml"
    path.write_bytes(export.settings_yaml(planned, ovr, "Test"))
    assert path.read_text(encoding="utf-8").startswith("# Szenario-Cockpit: Test")
    assert load_params(path) == planned


def test_excel_export_is_the_printable_plan_workbook(params, base_settings, tmp_path):
    """The cockpit's download is the batch's workbook layout for the current scenario
    (issue 14): cover with key figures and findings, German line items × months,
    the overrides by their slider names; every value cell formatted, no raw codes.
    (Replaces the old sheet-of-codes export: Einstellungen/Kennzahlen/Monatsplan with
    dotted keys and unformatted floats.)"""
    from planning_lib.present.workbook import FORMATS

    ovr = ck.overrides_from_settings(params, base_settings)
    res = run_plan(params, ovr)
    data = export.settings_excel(
        ovr,
        res.summary,
        res.monthly,
        findings=res.findings,
        meta=export.workbook_meta(params, "Cockpit-Test (v1)"),
        value_labels=export.config_labels(params),
    )
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Übersicht", "Monatsplan", "Einstellungen"]
    cover = {r[0]: r[1] for r in wb["Übersicht"].iter_rows(values_only=True) if r[0]}
    assert cover["Unternehmen"] == "CloudFlow" and cover["Planversion"] == "Cockpit-Test (v1)"
    assert cover["MRR Planende"] == pytest.approx(res.summary["mrr_end"])
    assert cover["Budget gesamt"] == pytest.approx(res.summary["budget_total"])
    settings = {r[0]: r[1] for r in wb["Einstellungen"].iter_rows(min_row=4, values_only=True)}
    assert settings["ARPA (€/Monat)"] == 160
    assert settings["Budget gesamt"] == ovr["budget.total_eur"]
    plan = wb["Monatsplan"]
    assert plan.cell(4, 2).value == "Jan. 2026"
    items = [r[0] for r in plan.iter_rows(min_row=5, values_only=True)]
    assert "Erstjahresumsatz Neukunden" in items and "Neukunden – Inbound-Marketing" in items
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert not re.search(r"\b[a-z]+(?:[._][a-z0-9]+)+\b", cell.value), cell.value
                elif cell.value is not None:
                    fmt = cell.number_format
                    assert fmt.startswith("[$-407]"), (ws.title, cell.coordinate)  # de-DE
                    assert fmt.removeprefix("[$-407]") in FORMATS.values(), fmt


def test_excel_export_prints_on_few_pages_with_header(params, base_settings, tmp_path):
    from tests.office_pdf import pdf_page_texts, print_to_pdf

    ovr = ck.overrides_from_settings(params, base_settings)
    res = run_plan(params, ovr)
    meta = export.workbook_meta(params, "Cockpit-Test")
    path = tmp_path / "cockpit.xlsx"
    path.write_bytes(
        export.settings_excel(
            ovr, res.summary, res.monthly, findings=res.findings, meta=meta,
            value_labels=export.config_labels(params),
        )
    )  # fmt: skip
    pages = pdf_page_texts(print_to_pdf(path, tmp_path))
    assert 3 <= len(pages) <= 15  # one sheet each at least; the region limit at most
    for text in pages:
        assert "CloudFlow" in text and "Planversion: Cockpit-Test" in text and "Stand:" in text


def test_excel_export_writes_formula_like_names_as_text(params, base_settings):
    """Issue 15 item 10: a channel label from the config such as =HYPERLINK(...) stays text."""
    ovr = ck.overrides_from_settings(params, base_settings)
    res = run_plan(params, ovr)
    labels = {"inbound": ('=HYPERLINK("http://x","a")', "x")}
    data = export.settings_excel(
        ovr, res.summary, res.monthly, value_labels=labels,
        meta=export.WorkbookMeta("@Firma", "-AT", "+1"),
    )  # fmt: skip
    wb = openpyxl.load_workbook(io.BytesIO(data))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    evil = [c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert evil and all(c.data_type == "s" for c in evil)  # "Neukunden – =HYPERLINK(...)"
    assert {"@Firma", "-AT", "+1"} <= {c.value for c in cells if c.quotePrefix}


def test_download_link_escapes_the_name():
    link = export.data_link(b"abc", 'a"b.yaml', "application/x-yaml", "YAML")
    assert 'download="a&quot;b.yaml"' in link
    assert "base64,YWJj" in link


def test_save_as_version_lands_in_the_store(params, tmp_path):
    from planning_lib.controlling import versions

    vid = export.save_plan_version("Cockpit Test", run_plan(params), tmp_path, CLOUDFLOW)
    listed = versions.list_versions(tmp_path)
    assert vid in set(listed["version_id"])


# --------------------------------------------------------------------------- command


def test_voila_command_binds_loopback_and_hides_tracebacks():
    cmd = dashboard.voila_command(port=9999, token="s3cret", python="py")
    assert cmd[:4] == ["py", "-c", dashboard.VOILA_LAUNCHER, str(dashboard.NOTEBOOK)]
    assert "from planning_lib.app.server import main" in cmd[2]
    assert "--Voila.ip=127.0.0.1" in cmd
    assert "--no-browser" in cmd
    assert "--port=9999" in cmd
    assert "--show_tracebacks=False" in cmd
    assert "--token=s3cret" in cmd
    assert not any(a.startswith("--token") for a in dashboard.voila_command(token=None))
    assert "--preheat_kernel=True" not in cmd
    assert "--preheat_kernel=True" in dashboard.voila_command(preheat=True)
    with pytest.raises(ValueError, match="port 70000"):
        dashboard.voila_command(port=70000)
    assert "--Voila.base_url=/cockpit/" in dashboard.voila_command(base_url="/cockpit/")
    for bad in ("cockpit", "/cockpit", "//evil.com/"):
        with pytest.raises(ValueError, match="base URL"):
            dashboard.voila_command(base_url=bad)


def test_dashboard_command_rejects_a_missing_config(tmp_path):
    from planning_lib.cli.main import main

    assert main(["dashboard", "--config", str(tmp_path / "nope.yaml")]) == 2


def test_app_notebook_is_thin_and_has_a_parameters_cell():
    import json

    nb = json.loads(dashboard.NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert ["parameters"] in [c["metadata"].get("tags") for c in code]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    assert sum(len("".join(c["source"]).splitlines()) for c in code) < 15


# --------------------------------------------------------------------------- the widget app


def _tile_value(app, key="mrr_end"):
    html_text = app.tiles[key].value
    return html_text.split('<div class="kpi-value">')[1].split("</div>")[0]


def _expected_mrr(params, settings, scenario, locale="de"):
    ovr = ck.overrides_from_settings(params, settings, scenario)
    return format_value(run_plan(params, ovr).summary["mrr_end"], "eur", locale)


@pytest.fixture
def app(tmp_path):
    from planning_lib.app.cockpit_app import Cockpit

    cockpit = Cockpit(CLOUDFLOW, versions_dir=tmp_path / "versions", debounce_s=0.01)
    assert cockpit.wait_until_idle(30)
    return cockpit


def test_app_tiles_follow_sliders_and_scenarios(app, params):
    assert _tile_value(app) == _expected_mrr(params, ck.settings_from_params(params), "base")
    assert "status-" in " ".join(app.tiles["mrr_end"]._dom_classes)
    assert app.images["bridge"].value[:4] == b"\x89PNG"
    assert app.images["tornado"].value[:4] == b"\x89PNG"
    assert "Machbarkeit" in app.findings.value
    assert "cockpit-idle" in app.widget._dom_classes

    app.sliders["churn_end"].value = 4.5  # percent
    app.sliders["new_customers_target"].value = 700
    assert app.wait_until_idle(30)
    assert app.scenario_dd.value == "custom"
    settings = {**ck.settings_from_params(params), "churn_end": 0.045, "new_customers_target": 700}
    assert _tile_value(app) == _expected_mrr(params, settings, "base")

    app.scenario_dd.value = "worst"
    assert app.wait_until_idle(30)
    assert app.sliders["churn_end"].value == 5.0
    worst = format_value(run_scenario(params, "worst").summary["mrr_end"], "eur")
    assert _tile_value(app) == worst


def test_app_rejects_forged_values_and_switches_language(app):
    before = app.scenario
    app._on_scenario({"new": "<img src=x onerror=alert(1)>"})
    assert app.scenario == before
    app._on_region({"new": "../../etc/passwd"})
    assert app.region is None
    app.locale_tb.value = "en"
    assert app.wait_until_idle(30)
    assert "Year-end MRR" in app.tiles["mrr_end"].value
    assert app.sliders["arpa"].description == "ARPA (€/month)"
    assert _tile_value(app).startswith("€")


def test_app_region_switch_plans_the_region(app):
    assert app.regions == ["AT", "CH", "DE-Nord", "DE-Süd"]
    app.region_dd.value = "AT"
    assert app.wait_until_idle(30)
    at = load_params(CLOUDFLOW, region="AT")
    assert _tile_value(app) == format_value(run_plan(at).summary["mrr_end"], "eur")
    assert "AT" in app.title.value
    assert app.sliders["arpa"].value == at.drivers.arpa_monthly_eur


def test_app_region_scenario_moves_sliders_to_the_region_values(app):
    app.region_dd.value = "AT"
    assert app.wait_until_idle(30)
    app.scenario_dd.value = "worst"
    assert app.wait_until_idle(30)
    assert app.overrides["channels.inbound.leads_per_month"] == 60.0  # 0.8 × 75, not 400
    assert app.result.params.channels["inbound"].leads_per_month == 60.0
    assert app.sliders["outbound_sql_to_demo"].value == 22.0  # percent: 30 % - 8 points
    app.scenario_dd.value = "best"
    assert app.wait_until_idle(30)
    at = load_params(CLOUDFLOW, region="AT")
    assert app.overrides["channels.inbound.leads_per_month"] == 90.0  # 1.2 × 75
    assert app.result.params.channels["inbound"].leads_per_month == 90.0
    assert app.sliders["inbound_demo_to_won"].value == 28.0  # percent: 25 % + 3 points
    assert app.sliders["churn_end"].value == 2.5
    best = format_value(run_scenario(at, "best").summary["mrr_end"], "eur")
    assert _tile_value(app) == best


def test_app_saves_a_version_with_downloads(app, tmp_path):
    from planning_lib.controlling import versions

    app.version_name.value = "../evil"
    app.save_btn.click()
    assert app.status.value.startswith("Ungültiger Versionsname")
    assert app.downloads.value == ""
    app.version_name.value = "Budget 2027"
    app.save_btn.click()
    assert 'download="Budget_2027.yaml"' in app.downloads.value
    assert app.status.value == ""
    assert 'download="Budget_2027.xlsx"' in app.downloads.value
    listed = versions.list_versions(tmp_path / "versions")
    assert list(listed["name"]) == ["Budget 2027"]


def test_app_runs_monte_carlo_off_the_page_thread(app, params):
    assert app.mc_cb.value  # on by default
    app.mc_cb.value = False
    assert app.wait_until_idle(30)
    assert _tile_value(app, "p_mrr_target") == "–"
    assert "Monte Carlo aus" in app.tiles["p_mrr_target"].value
    app.mc_cb.value = True
    assert app.wait_until_idle(30)
    assert app.mc_done.wait(30)
    text = _tile_value(app, "p_mrr_target")
    assert text.endswith("%") and text != "–"
    from planning_lib.plan.scenarios import monte_carlo

    mc = monte_carlo(params, 1000, params.monte_carlo.seed)
    assert text == format_value(mc.p_hit["mrr_end"], "share", decimals=0)


def test_app_shows_a_sentence_not_a_traceback(tmp_path):
    import logging

    from planning_lib.app.cockpit_app import Cockpit
    from planning_lib.app.runtime import Engine

    def broken(params, overrides):
        raise RuntimeError("secret internal detail")

    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logging.getLogger("planning_lib.app.cockpit").addHandler(handler)
    try:
        app = Cockpit(CLOUDFLOW, engine=Engine(broken), debounce_s=0.01)
        assert app.wait_until_idle(30)
    finally:
        logging.getLogger("planning_lib.app.cockpit").removeHandler(handler)
    assert app.status.value == "Berechnung fehlgeschlagen; Details stehen im Server-Log."
    assert "secret" not in app.status.value
    assert any(r.exc_info and "secret internal detail" in str(r.exc_info[1]) for r in records)


def test_app_notebook_and_its_jupytext_pair_agree():
    import json

    import jupytext

    paired = jupytext.read(dashboard.NOTEBOOK.with_suffix(".py"))
    stored = json.loads(dashboard.NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    assert [(c.cell_type, c.source) for c in paired.cells] == [
        (c["cell_type"], "".join(c["source"])) for c in stored
    ], "run `jupytext --sync notebooks/szenario_cockpit.ipynb`"


def _plan_fingerprint(res) -> tuple:
    monthly = res.monthly.sort_values(["line_item", "channel", "month"])["value"].round(6)
    return tuple(monthly), tuple(f.code + plan_finding_text(f, "en") for f in res.findings)


def test_every_slider_moves_the_plan(params, base_settings):
    """No dead control: moving any slider changes the monthly plan or its findings."""
    base = _plan_fingerprint(run_plan(params, ck.overrides_from_settings(params, base_settings)))
    for c in ck.CONTROLS:
        v = base_settings[c.key]
        moved = v + c.step * 5 if v + c.step * 5 <= c.high else v - c.step * 5
        settings = {**base_settings, c.key: round(moved) if c.is_int else moved}
        res = run_plan(params, ck.overrides_from_settings(params, settings, "custom"))
        assert _plan_fingerprint(res) != base, f"slider {c.key} changes nothing"


def test_dashboard_command_starts_voila_with_the_config(monkeypatch, tmp_path):
    from planning_lib.app.runtime import CONFIG_ENV, VERSIONS_ENV
    from planning_lib.cli.main import main

    monkeypatch.delenv(VERSIONS_ENV, raising=False)
    seen = {}

    class FakePopen:
        returncode = 0

        def __init__(self, cmd, env, cwd, **kwargs):
            seen.update(cmd=cmd, env=env, cwd=cwd)

        def poll(self):
            return 0

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr(dashboard.subprocess, "Popen", FakePopen)
    assert main(["dashboard", "--port", "8899", "--token", "abc", "--config", str(CLOUDFLOW)]) == 0
    assert "--port=8899" in seen["cmd"] and "--token=abc" in seen["cmd"]
    assert seen["env"][CONFIG_ENV] == str(CLOUDFLOW.resolve())
    assert seen["cwd"] == dashboard.NOTEBOOK.parent
    assert VERSIONS_ENV not in seen["env"]  # the project default unless asked
    args = ["dashboard", "--port", "8899", "--token", "abc", "--config", str(CLOUDFLOW)]
    assert main([*args, "--versions-dir", str(tmp_path / "v")]) == 0
    assert seen["env"][VERSIONS_ENV] == str((tmp_path / "v").resolve())


def test_app_basis_toggle_moves_every_figure_and_shows_the_pair(app):
    """Issue 11: the cockpit shows both bases (funnel 369 new customers, MRR 97.902 €;
    target 600, 127.661 €, see tests/plan/test_plan_bases.py) and the toggle puts every tile
    on the chosen one."""
    assert app.basis_tb.value == "target"
    pair = app.pair.value
    assert "Trichter: geplante Leads</th><td>369</td><td>97.902\xa0€</td>" in pair
    assert '<tr class="chosen"><th>Ziel: erreicht und bezahlt</th><td>600</td>' in pair
    assert _tile_value(app, "new_customers") == "600"
    app.basis_tb.value = "funnel"
    assert app.wait_until_idle(30)
    assert _tile_value(app, "new_customers") == "369"
    assert _tile_value(app) == "97.902\xa0€"  # Babel: a no-break space before €
    assert '<tr class="chosen"><th>Trichter: geplante Leads</th><td>369</td>' in app.pair.value
    app._on_basis({"new": "<script>"})  # a forged value keeps the current basis
    assert app.plan_basis == "funnel"


# --------------------------------------------------------------------------- complete update fast


def _geometry(fig):
    """What a chart shows, after drawing: limits, bars, lines, band, tick labels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    ax = fig.axes[0]
    return {
        "xlim": list(ax.get_xlim()),
        "ylim": list(ax.get_ylim()),
        "bars": [list(p.get_bbox().bounds) for p in ax.patches],
        "colours": [list(p.get_facecolor()) for p in ax.patches],
        "lines": [line.get_xydata().ravel().tolist() for line in ax.lines],
        "collections": [
            np.concatenate([q.vertices.ravel() for q in c.get_paths()]).tolist()
            if c.get_paths()
            else np.asarray(c.get_offsets()).ravel().tolist()
            for c in ax.collections
        ],
        "xticks": [t.get_text() for t in ax.get_xticklabels()],
        "yticks": [t.get_text() for t in ax.get_yticklabels()],
    }


def _same_geometry(got, want, name):
    assert got.keys() == want.keys()
    for k in got:
        if k in ("xticks", "yticks"):
            assert got[k] == want[k], (name, k)
        else:
            assert len(got[k]) == len(want[k]), (name, k)
            for g, w_ in zip(got[k], want[k], strict=True):
                np.testing.assert_allclose(g, w_, rtol=1e-9, atol=1e-9, err_msg=f"{name} {k}")


def _chart_inputs(params, churn, mc=True):
    """The five charts' arguments for the CloudFlow plan at ``churn`` (as the cockpit
    builds them; the band is a made-up ±8 % around the plan)."""
    from planning_lib.plan.scenarios import sensitivity

    s = {**ck.settings_from_params(params), "churn_end": churn}
    res = run_plan(params, ck.overrides_from_settings(params, s, "custom"))
    v = co.plan_views(res.monthly, res.params, "de")
    tornado = co.tornado_table(sensitivity(res.params, "mrr_end"), res.params, "de")
    return {
        "bridge": (v.bridge, "de"),
        "mrr": (v.months, v.mrr, v.mrr * 0.92 if mc else None, v.mrr * 1.08 if mc else None,
                120_000.0, "de"),
        "leads": (v.leads, "de"),
        "cash": (v.months, v.cash, "de"),
        "tornado": (tornado, float(res.summary["mrr_end"]), "de"),
    }  # fmt: skip


def test_chart_board_updates_figures_in_place_like_fresh_ones(params):
    """A chart moved in place to new data shows what a freshly built chart of that data
    shows (second method: the figure builders), for all five charts; the board keeps
    one figure per chart. Churn 3 % -> 8 % moves every chart but the leads (the
    required leads follow the new-customer target, not churn)."""
    board = charts.ChartBoard()
    first, moved = _chart_inputs(params, 0.03), _chart_inputs(params, 0.08)
    for key, args in first.items():
        assert board.render(key, *args)[:8] == b"\x89PNG\r\n\x1a\n"
    figures = {k: board.figure(k) for k in first}
    builders = {
        "bridge": charts.mrr_bridge_chart,
        "mrr": charts.mrr_band_chart,
        "leads": charts.leads_chart,
        "cash": charts.cash_chart,
        "tornado": charts.tornado_chart,
    }
    for key, args in moved.items():
        png = board.render(key, *args)
        assert (png is None) == (key == "leads"), key
        assert board.figure(key) is figures[key], f"{key}: a new figure"
        _same_geometry(_geometry(board.figure(key)), _geometry(builders[key](*args)), key)
    assert dict(board.builds) == dict.fromkeys(first, 1)
    assert dict(board.renders) == {**dict.fromkeys(first, 2), "leads": 1}


def test_chart_board_draws_only_changed_inputs_and_rebuilds_on_a_new_shape(params):
    """Same inputs -> no PNG (None), nothing drawn; other locale or the band switched
    off -> a new figure (the labels and artists differ), counted in ``builds``."""
    board = charts.ChartBoard()
    args = _chart_inputs(params, 0.03)
    assert board.render("cash", *args["cash"]) is not None
    assert board.render("cash", *args["cash"]) is None
    assert board.render("cash", args["cash"][0], args["cash"][1].copy(), "de") is None
    assert (board.renders["cash"], board.builds["cash"]) == (1, 1)
    assert board.render("cash", args["cash"][0], args["cash"][1], "en") is not None
    assert (board.renders["cash"], board.builds["cash"]) == (2, 2)
    assert board.render("mrr", *args["mrr"]) is not None
    no_band = _chart_inputs(params, 0.03, mc=False)["mrr"]
    assert board.render("mrr", *no_band) is not None
    assert board.builds["mrr"] == 2
    assert [t.get_text() for t in board.figure("mrr").axes[0].get_legend().get_texts()] == [
        "Plan", "Ziel",
    ]  # fmt: skip
    board.forget("mrr")
    assert board.render("mrr", *no_band) is not None


def _draws_by_title(monkeypatch):
    """Count Agg draws per chart title (both a figure's savefig and a kept canvas)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    drawn: list[str] = []
    orig = FigureCanvasAgg.draw

    def draw(self):
        drawn.append(self.figure.axes[0].get_title(loc="left"))
        return orig(self)

    monkeypatch.setattr(FigureCanvasAgg, "draw", draw)
    return drawn


def test_app_does_not_redraw_a_chart_whose_inputs_did_not_change(app, params, monkeypatch):
    """Churn 3 % -> 4 %: the plan's required leads per channel stay as they are (checked
    here with plan_views), so the leads chart is not drawn again; the bridge, the cash
    chart and the tornado are. (Before: every chart was built and drawn on every
    change.)"""
    s = ck.settings_from_params(params)
    leads = [
        co.plan_views(run_plan(params, ck.overrides_from_settings(params, {**s, "churn_end": c},
                                                                  "custom")).monthly,
                      params, "de").leads
        for c in (0.03, 0.04)
    ]  # fmt: skip
    pd.testing.assert_frame_equal(leads[0], leads[1])
    assert app.mc_done.wait(30)
    before = app.images["leads"].value
    drawn = _draws_by_title(monkeypatch)
    app.sliders["churn_end"].value = 4.0
    assert app.wait_until_idle(30) and app.mc_done.wait(30)
    titles = Counter(drawn)
    assert titles["Benötigte Leads je Kanal (Eintrittsstufe)"] == 0
    assert titles["MRR-Brücke (€/Monat)"] >= 1
    assert titles["Liquidität Vertrieb (€, Monatsende)"] >= 1
    assert titles["Sensitivität: MRR zum Jahresende"] >= 1
    assert app.images["leads"].value == before
    assert app._board.builds["cash"] == 1  # the same figure, updated in place


def test_app_bases_pair_reuses_the_other_basis_plan():
    """Toggling target -> funnel -> target: the pair's second plan is the plan the
    previous state computed, so each toggle plans once (the shown basis), not twice.
    Counted at the engine: start 2 plans (target + funnel for the pair), then 1 each."""
    from planning_lib.app.cockpit_app import Cockpit
    from planning_lib.app.runtime import Engine

    calls: list[str] = []

    def counting(params, overrides=None):
        calls.append((overrides or {}).get("drivers.new_customers_basis", "?"))
        return run_plan(params, overrides)

    app = Cockpit(CLOUDFLOW, engine=Engine(counting), debounce_s=0.01)
    assert app.wait_until_idle(30)
    assert calls == ["target", "funnel"]
    app.basis_tb.value = "funnel"
    assert app.wait_until_idle(30)
    app.basis_tb.value = "target"
    assert app.wait_until_idle(30)
    assert calls == ["target", "funnel", "funnel", "target"]
    assert '<tr class="chosen"><th>Ziel: erreicht und bezahlt</th><td>600</td>' in app.pair.value


def test_chart_board_tornado_follows_a_new_driver_order():
    """Hand-made tornado rows (largest swing first): a -> b, then b overtakes a and the
    base moves; the updated chart equals a fresh one (bars from the base to low/high,
    labels bottom-up b, a reversed: the largest swing on top)."""
    board = charts.ChartBoard()
    first = pd.DataFrame({"label": ["a", "b"], "low": [90.0, 95.0], "high": [110.0, 104.0]})
    moved = pd.DataFrame({"label": ["b", "a"], "low": [80.0, 99.0], "high": [125.0, 103.0]})
    board.render("tornado", first, 100.0, "de")
    assert board.render("tornado", moved, 101.0, "de") is not None
    fig = board.figure("tornado")
    _same_geometry(_geometry(fig), _geometry(charts.tornado_chart(moved, 101.0)), "tornado")
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["a", "b"]
    widths = [round(p.get_width(), 6) for p in fig.axes[0].patches]
    assert widths == [-2.0, -21.0, 2.0, 24.0]  # low: 99-101, 80-101; high: 103-101, 125-101
    assert board.builds["tornado"] == 1


def test_app_bases_pair_follows_the_region(app):
    """The remembered second plan belongs to its region: after switching to AT the
    pair's funnel row is AT's funnel plan (run here directly), not the company's."""
    at = load_params(CLOUDFLOW, region="AT")
    s = ck.settings_from_params(at)
    ovr = {**ck.overrides_from_settings(at, s, "base"), "drivers.new_customers_basis": "funnel"}
    funnel = format_value(run_plan(at, ovr).summary["new_customers"], "count")
    company = app.pair.value
    app.region_dd.value = "AT"
    assert app.wait_until_idle(30)
    assert f"Trichter: geplante Leads</th><td>{funnel}</td>" in app.pair.value
    assert app.pair.value != company


def test_control_labels_live_in_the_text_store() -> None:
    """Every slider's German and English label is the text store's
    ``cockpit.control.<key>``; the cockpit's source holds none of them. By hand: the
    churn slider reads "Churn/Monat, Jahresende" / "Monthly churn, year end"."""
    import inspect

    from planning_lib.app import cockpit
    from planning_lib.core.text_store import LABELS

    assert cockpit.label("churn_end", "de") == "Churn/Monat, Jahresende"
    assert cockpit.label("churn_end", "en") == "Monthly churn, year end"
    for c in cockpit.CONTROLS:
        assert (c.label_de, c.label_en) == LABELS[f"cockpit.control.{c.key}"]
    assert "Churn/Monat, Jahresende" not in inspect.getsource(cockpit)
