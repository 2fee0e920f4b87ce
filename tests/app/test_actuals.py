"""The cockpit's Soll/Ist view: numbers (``planning_lib.app.sollist``), tables
(``sollist_tables``) and the tab (``planning_lib.app.sollist_tab``): lazy, cached per
(version, actuals, region), the version list re-read when the tab is opened, German
first, no raw codes."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from planning_lib.app import sollist
from planning_lib.app import sollist_tables as st
from planning_lib.controlling.versions import save_version
from planning_lib.core.config import load_params
from planning_lib.core.paths import CONFIGS, SAMPLE_DATA
from planning_lib.plan.model import run_plan
from planning_lib.present.formatting import format_value

CONFIG = CONFIGS / "cloudflow.yaml"


def _won_h1(region: str | None = None) -> pd.DataFrame:
    """Won deals of the sample's actuals closed Jan–Jun 2026 (the second method)."""
    d = pd.read_csv(SAMPLE_DATA / "actuals" / "deals.csv", parse_dates=["close_date"])
    won = d[(d.stage == "won") & (d.close_date >= "2026-01-01") & (d.close_date <= "2026-06-30")]
    return won if region is None else won[won.region == region]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """CloudFlow's config plan saved as a version, and the Soll/Ist of that version
    against data/sample (one controlling run, ~25 s)."""
    vdir = tmp_path_factory.mktemp("versions")
    result = run_plan(load_params(CONFIG))
    vid = save_version(result, "Budget 2026", versions_dir=vdir, config=CONFIG)
    view = sollist.compute(CONFIG, SAMPLE_DATA, None, vid, vdir)
    return vdir, vid, result, view


def test_new_customer_gap_splits_into_never_funded_and_execution(saved):
    """YTD (Jan–Jun 2026) new customers, hand-derived:
    actual = won deals of data/sample/actuals closed Jan–Jun 2026 = 170 (counted from
    deals.csv); plan = sum of the plan's ``customers_new`` Jan–Jun (55+55+55+52,5+50+47,5
    = 315); plan from the planned leads = sum of ``customers_new_funnel`` Jan–Jun;
    "Plan nie finanziert" = 315 − funnel, "Umsetzung" = funnel − 170, together 145."""
    _, vid, result, view = saved
    assert view.plan_name == f"Budget 2026 ({vid})"
    m = result.monthly
    h1 = lambda item: m[(m.line_item == item) & (m.channel == "") & (m.month < "2026-07-01")][  # noqa: E731
        "value"
    ].sum()
    plan, funnel, actual = h1("customers_new"), h1("customers_new_funnel"), len(_won_h1())
    assert (plan, actual) == (pytest.approx(315.0), 170)
    table = st.gap_table(view.variance, "de")
    total = table[table["Kanal"] == "Gesamt"].iloc[0]
    n = lambda text: float(text.replace(",", "."))  # noqa: E731  (one decimal shown)
    assert total["Plan (Ziel)"] == "315,0"
    assert total["Ist"] == "170,0"
    assert total["Lücke gesamt"] == "145,0"
    assert n(total["Plan laut geplanten Leads"]) == pytest.approx(funnel, abs=0.051)
    assert n(total["Plan nie finanziert"]) == pytest.approx(315 - funnel, abs=0.051)
    assert n(total["Umsetzung"]) == pytest.approx(funnel - 170, abs=0.051)
    assert list(table["Kanal"]) == ["Gesamt", "Inbound", "Outbound", "Partner"]


def test_region_small_multiples_compare_each_region_plan_with_its_actuals(saved):
    """Actuals per region and month = won deals of that region closed in the month
    (counted from deals.csv: AT Jan–Jun 5, 4, 6, 3, 1, 3); plan = the region's own
    plan (config merged with regions/AT.yaml), months after as-of have no actual."""
    view = saved[3]
    at = view.regions[view.regions.region == "AT"].set_index("month")
    won = _won_h1("AT").groupby(_won_h1("AT").close_date.dt.month).size()
    assert list(won) == [5, 4, 6, 3, 1, 3]
    assert list(at["actual"].iloc[:6]) == [5, 4, 6, 3, 1, 3]
    assert at["actual"].iloc[6:].isna().all()
    m = run_plan(load_params(CONFIG, region="AT")).monthly
    plan = m[(m.line_item == "customers_new") & (m.channel == "")]["value"].to_numpy()
    assert list(at["plan"]) == pytest.approx(list(plan))
    assert sorted(set(view.regions.region)) == ["AT", "CH", "DE-Nord", "DE-Süd"]


def test_landing_and_forecast_beside_the_target(saved):
    """The landing table lists every target of CloudFlow (MRR 120.000 €, 600 new
    customers, CAC 200 €, churn 3,0 %) in German; the forecast sentence names the
    target 600 and the new customers of the 12 months before the plan start 2026-01,
    named by their months (won deals of 2025-01..2025-12 in the history)."""
    view = saved[3]
    land = st.landing_table(view.landing, "de")
    assert list(land["Kennzahl"]) == [
        "MRR zum Jahresende",
        "Neukunden",
        "CAC (nur Marketing)",
        "Churn/Monat",
    ]
    assert list(land["Ziel"]) == ["120.000\u00a0€", "600", "200\u00a0€", "3,0\u00a0%"]
    assert set(land["Status"]) <= {"erreicht", "verfehlt"}
    hist = pd.read_csv(SAMPLE_DATA / "deals.csv", parse_dates=["close_date"])
    last = ((hist.stage == "won") & (hist.close_date.dt.year == 2025)).sum()
    text = st.forecast_summary(view, "de")
    assert "Ziel 600" in text and f"12 Monate vor Planstart (2025-01..2025-12): {last}" in text
    b = view.baseline
    assert b["p10"] < b["expected"] < b["p90"] <= b["p99"]
    fc = view.forecast
    assert (fc["lo_95"] <= fc["lo_80"]).all() and (fc["hi_80"] <= fc["hi_95"]).all()


def test_tables_show_no_raw_codes(saved):
    """Every table of the tab in German holds no KPI, status, rule or channel code."""
    view = saved[3]
    texts = []
    for frame in (
        st.kpi_month_table(view.variance),
        st.kpi_channel_table(view.variance).drop(columns="status_key"),
        st.gap_table(view.variance),
        st.landing_table(view.landing).drop(columns="met_key"),
    ):
        texts += [str(c) for c in frame.columns]
        texts += [str(v[0] if isinstance(v, tuple) else v) for v in frame.to_numpy().ravel()]
    for a in st.actions_list(view.actions):
        texts += [a["title"], a["action"], a["proposal"], *a["evidence"]]
    texts.append(st.forecast_summary(view))
    codes = set(view.variance["kpi"]) | {a["rule"] for a in view.actions}
    codes |= {"on_track", "off_track", "watch", "no_plan", "inbound", "outbound", "partner"}
    joined = "\n".join(texts)
    for code in codes:
        assert not re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", joined), code


VARIANCE = pd.DataFrame(
    [
        # kpi, grain, period, dimension, member, unit, plan, plan_funnel, actual, status
        ("new_mrr", "month", "2026-01-01", "", "", "EUR", 8800.0, None, 4048.4, "off_track"),
        ("logo_churn", "month", "2026-01-01", "", "", "share", 0.05, None, 0.049, "on_track"),
        ("new_mrr", "month", "2026-02-01", "", "", "EUR", 8800.0, None, 8400.0, "watch"),
        ("new_customers", "ytd", "2026-01-01", "", "", "count", 100.0, 60.0, 50.0, "off_track"),
        ("new_customers", "ytd", "2026-01-01", "channel", "inbound", "count", 70.0, 30.0, 31.0,
         "off_track"),
    ],
    columns=["kpi", "grain", "period", "dimension", "member", "unit", "plan", "plan_funnel",
             "actual", "status"],
)  # fmt: skip
VARIANCE["gap_planning"] = VARIANCE["plan"] - VARIANCE["plan_funnel"]
VARIANCE["gap_execution"] = VARIANCE["plan_funnel"] - VARIANCE["actual"]
VARIANCE["attainment"] = VARIANCE["actual"] / VARIANCE["plan"]
VARIANCE["period"] = pd.to_datetime(VARIANCE["period"])


def test_month_table_german_numbers_and_status_per_cell():
    """Hand-made variance: Jan. new MRR 4.048,4 € of 8.800 € → '4.048 € / 8.800 €',
    status off_track (46 %); Feb. 8.400 of 8.800 → watch; churn 4,9 % of 5,0 %."""
    t = st.kpi_month_table(VARIANCE, "de")
    assert list(t.columns) == ["Kennzahl", "Jan. 2026", "Feb. 2026"]
    row = t[t["Kennzahl"] == "Neu-MRR"].iloc[0]
    assert row["Jan. 2026"] == ("4.048\u00a0€ / 8.800\u00a0€", "off_track")
    assert row["Feb. 2026"] == ("8.400\u00a0€ / 8.800\u00a0€", "watch")
    churn = t[t["Kennzahl"] == "Kundenabwanderung (Logo-Churn)"].iloc[0]
    assert churn["Jan. 2026"] == ("4,9\u00a0% / 5,0\u00a0%", "on_track")
    assert churn["Feb. 2026"] == ("–", "no_plan")


def test_gap_table_by_hand():
    """Plan 100, from the planned leads 60, actual 50: never funded 100 − 60 = 40,
    execution 60 − 50 = 10, total 50. Inbound 70/30/31: 40 and −1 (better than its
    leads allow), total 39."""
    t = st.gap_table(VARIANCE, "de").set_index("Kanal")
    assert t.loc["Gesamt", ["Lücke gesamt", "Plan nie finanziert", "Umsetzung"]].tolist() == [
        "50,0",
        "40,0",
        "10,0",
    ]
    assert t.loc["Inbound", ["Lücke gesamt", "Plan nie finanziert", "Umsetzung"]].tolist() == [
        "39,0",
        "40,0",
        "-1,0",
    ]
    en = st.gap_table(VARIANCE, "en")
    assert list(en.columns)[-2:] == ["Plan never funded", "Execution"]


def test_actions_in_words_with_evidence_and_budget_shift():
    """A triggered rule: SQL→Demo below 20 % in AT; only the months whose condition
    held are evidence (Feb. 4,2 %; Juni 14,9 % with an incomplete cohort); the budget
    shift reads 'Inbound → Outbound: 12.500 €'. An untriggered rule is not listed."""
    rule = {
        "rule": "sql_to_demo_low",
        "triggered": True,
        "metric": "sql_to_demo",
        "comparison": "<",
        "threshold": 0.2,
        "judged_against": "threshold",
        "member": "AT",
        "severity": "warning",
        "action_de": "Demo-Skript überarbeiten",
        "action_en": "Revise the demo script",
        "evidence": [
            {"month": "2026-01", "value": 0.28, "condition_met": False},
            {"month": "2026-02", "value": 0.041667, "condition_met": True},
            {"month": "2026-06", "value": 0.149254, "condition_met": True,
             "cohort_incomplete": True},
        ],
        "proposal": {"from_channel": "inbound",
                     "to": [{"channel": "outbound", "amount_eur": 12500.0}]},
    }  # fmt: skip
    out = st.actions_list([rule, {**rule, "triggered": False}], "de")
    assert len(out) == 1
    a = out[0]
    assert a["title"] == "Warnung [AT]: Konversion SQL→Demo < 20,0\u00a0%"
    assert a["action"] == "Demo-Skript überarbeiten"
    assert a["evidence"] == [
        "Feb. 2026: 4,2\u00a0%",
        "Juni 2026: 14,9\u00a0% (Kohorte noch unvollständig)",
    ]
    assert a["proposal"] == "Budget verschieben: Inbound → Outbound: 12.500\u00a0€"


def test_landing_table_by_hand():
    """Target 600 customers, landing 332,509 → '600', '333', gap −267,491 → '-267',
    missed; churn target 3 %, landing 2,52 % → '2,5 %', gap −0,48 % → '-0,5 %', met."""
    land = {
        "targets": [
            {"metric": "new_customers", "target": 600.0, "landing": 332.509, "gap": -267.491,
             "met": False},
            {"metric": "churn_rate_monthly", "target": 0.03, "landing": 0.0252, "gap": -0.0048,
             "met": True},
        ]
    }  # fmt: skip
    t = st.landing_table(land, "de")
    assert t.iloc[0].tolist() == ["Neukunden", "600", "333", "-267", "verfehlt", "off_track"]
    assert t.iloc[1].tolist() == [
        "Churn/Monat",
        "3,0\u00a0%",
        "2,5\u00a0%",
        "-0,5\u00a0%",
        "erreicht",
        "on_track",
    ]


def test_tab_computes_only_when_opened_caches_and_rereads_versions(saved, tmp_path, monkeypatch):
    """Building the cockpit computes nothing; opening the tab computes (config plan,
    data/sample, whole company); a version saved meanwhile (as another browser does)
    appears when the tab is opened again; each (version, actuals, region) is computed
    once: back to a combination seen before is served from the cache."""
    from planning_lib.app.cockpit_app import Cockpit

    view = saved[3]
    calls: list[tuple] = []

    def fake(config, actuals_dir, region=None, version="", versions_dir=None):
        calls.append((actuals_dir, region, version))
        return view

    monkeypatch.setattr(sollist, "compute", fake)
    vdir = tmp_path / "versions"
    c = Cockpit(CONFIG, versions_dir=vdir)
    c.wait_until_idle(30)
    tab = c.actuals_tab
    assert calls == [] and c.tabs.titles == ("Planung", "Soll/Ist")
    c.tabs.selected_index = 1
    assert tab.computed.wait(30)
    assert calls == [(SAMPLE_DATA, None, "")]
    assert "sollist-ready" in tab.widget._dom_classes
    assert "Neukunden-Lücke seit Jahresbeginn" in tab.tables.value
    assert "status-off_track" in tab.tables.value
    assert all(len(img.value) > 1000 for img in tab.images.values())

    vid = save_version(run_plan(load_params(CONFIG)), "Forecast Juni", versions_dir=vdir)
    assert vid not in [v for _, v in tab.version_dd.options]
    c.tabs.selected_index = 0
    c.tabs.selected_index = 1
    assert tab.computed.wait(30)
    assert (f"Forecast Juni ({vid})", vid) in tab.version_dd.options
    assert len(calls) == 1  # reopened: same choice, from the cache

    tab.version_dd.value = vid
    assert tab.computed.wait(30)
    c.region_dd.value = "AT"
    assert tab.computed.wait(30)
    c.region_dd.value = ""
    assert tab.computed.wait(30)
    assert calls == [(SAMPLE_DATA, None, ""), (SAMPLE_DATA, None, vid), (SAMPLE_DATA, "AT", vid)]

    c.locale_tb.value = "en"
    assert tab.computed.wait(30)
    assert c.tabs.titles == ("Plan", "Plan vs actual")
    assert "New-customer gap year to date" in tab.tables.value
    assert len(calls) == 3


def test_tab_shows_a_bad_actuals_folder_as_one_sentence(tmp_path):
    """An actuals folder without tables of the plan year: the tab shows the layout
    hint in one sentence (no traceback), the log has the traceback."""
    from planning_lib.app.cockpit_app import Cockpit

    data = tmp_path / "data"
    (data / "leer" / "actuals").mkdir(parents=True)
    c = Cockpit(CONFIG, versions_dir=tmp_path / "v")
    from planning_lib.app.sollist_tab import SollIstTab

    tab = SollIstTab(c, data_dir=data)
    tab.opened(True)
    assert tab.computed.wait(60)
    assert tab.status.value.startswith("Soll/Ist konnte nicht berechnet werden: ")
    assert "actuals" in tab.status.value and "Traceback" not in tab.status.value


# --------------------------------------------------------------------------- slider readouts


def test_slider_ranges_around_the_plan_value():
    """New-customer target 600: 0,25 × 600 = 150 to 2 × 600 = 1.200 in steps of 10
    (105 steps instead of 200 over 0–2.000); 333 → 83,25 rounded down to 80, 666
    rounded up to 670; marketing 250.000 € → 62.500 down to 60.000 (step 5.000) and
    500.000; a share keeps its full range; a plan value of 0 gives the full range."""
    from planning_lib.app import cockpit as ck

    target = ck.control("new_customers_target")
    assert target.step == 10
    assert ck.slider_range(target, 600) == (150, 1200)
    assert ck.slider_range(target, 333) == (80, 670)
    assert ck.slider_range(target, 0) == (0, 2000)
    assert ck.slider_range(ck.control("marketing_budget"), 250_000) == (60_000, 500_000)
    assert ck.slider_range(ck.control("churn_end"), 0.03) == (0.0, 0.15)


def test_readouts_german_number_style_and_typed_values():
    """Readouts (``format_value`` in the control's unit, whole for counts and months):
    3 % churn → '3,0 %', 100.000 € → '100.000 €', 1.200 customers → '1.200', a ramp-up of
    6 months → '6' (en: '3.0%', '€100,000', '1,200'). Typed: '4,5' and '4,5 %' → 0,045;
    '4.5' (a lone point) also 0,045, not 45; '100.000 €' → 100000."""
    from planning_lib.app import cockpit as ck

    churn, budget = ck.control("churn_end"), ck.control("marketing_budget")
    target = ck.control("new_customers_target")
    ramp = ck.control("ramp_months")

    def readout(c, value, locale="de"):
        return format_value(value, c.kind, locale, c.decimals)

    assert readout(churn, 0.03) == "3,0\u00a0%"
    assert readout(budget, 100_000) == "100.000\u00a0€"
    assert readout(target, 1200) == "1.200"
    assert readout(ramp, 6) == "6"
    assert readout(churn, 0.03, "en") == "3.0%"
    assert readout(budget, 100_000, "en") == "€100,000"
    assert readout(target, 1200, "en") == "1,200"
    for text in ("4,5", "4,5 %", "4.5"):
        assert ck.parse_setting(churn, text) == pytest.approx(0.045)
    assert ck.parse_setting(budget, "100.000 €") == 100_000
    assert ck.parse_setting(churn, "4.5", "en") == pytest.approx(0.045)
    with pytest.raises(ValueError, match="Churn/Monat, Jahresende: 'viel' ist keine Zahl"):
        ck.parse_setting(churn, "viel")


def test_cockpit_readouts_follow_and_drive_the_sliders(tmp_path):
    """In the app: the churn readout shows the plan's 3,0 %, the target slider spans
    150–1.200 around CloudFlow's 600; typing '4,5' moves the churn slider to 4,5
    (percent), typing '1.500' widens the target slider to 1.500 (within 0–2.000);
    'viel' leaves the slider and restores the readout; English shows '4.5%'."""
    from planning_lib.app.cockpit_app import Cockpit

    c = Cockpit(CONFIG, versions_dir=tmp_path)
    c.wait_until_idle(30)
    churn = c.readouts["churn_end"]
    assert churn.box.value == "3,0\u00a0%"
    t = c.sliders["new_customers_target"]
    assert (t.min, t.max, t.step, t.value) == (150, 1200, 10, 600)
    churn.box.value = "4,5"
    assert c.sliders["churn_end"].value == pytest.approx(4.5)
    assert churn.box.value == "4,5\u00a0%"
    c.readouts["new_customers_target"].box.value = "1.500"
    assert (t.value, t.max) == (1500, 1500)
    churn.box.value = "viel"
    assert c.sliders["churn_end"].value == pytest.approx(4.5)
    assert churn.box.value == "4,5\u00a0%"
    c.locale_tb.value = "en"
    assert churn.box.value == "4.5%"
    assert c.wait_until_idle(30)


def test_a_scenario_beyond_the_slider_span_widens_it(tmp_path):
    """A scenario tripling CloudFlow's marketing budget (100.000 € → 300.000 €, beyond
    the span 0,25 × 100.000 = 25.000 to 2 × 100.000 = 200.000 € around the plan) moves
    the slider to 300.000 € instead of clamping it at 200.000 € (which would plan with
    a third less than the scenario)."""
    import yaml

    from planning_lib.app.cockpit_app import Cockpit

    raw = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    raw["scenarios"]["best"] = {"budget.by_category.marketing": {"factor": 3}}
    config = tmp_path / "big.yaml"
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    c = Cockpit(config, versions_dir=tmp_path / "v")
    s = c.sliders["marketing_budget"]
    assert (s.min, s.max, s.value) == (25_000, 200_000, 100_000)
    c.scenario_dd.value = "best"
    assert (s.max, s.value) == (300_000, 300_000)
    assert c.readouts["marketing_budget"].box.value == "300.000\u00a0€"
    assert c.wait_until_idle(30)
    assert c.overrides["budget.by_category.marketing"] == 300_000
