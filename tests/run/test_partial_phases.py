"""Phase notebooks on partial table sets: what the tables give, a note for each skipped part.

Issue 13 (item 3): a data folder with only some of the canonical tables (deals always).
The phases run as functions on the sample's region AT; the figures they show are
compared with the analysis of the full sample (every table), their second method.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from planning_lib.analysis.asis import for_region, run_analysis
from planning_lib.core.config import load_params
from planning_lib.core.paths import CONFIGS, SAMPLE_DATA
from planning_lib.data.loaders import load_dataset
from planning_lib.present.views.ist_analyse import funnel_last_12_months
from planning_lib.run import artifacts
from planning_lib.run import phase as phase_module
from planning_lib.run.phases.controlling import phase_07_controlling
from planning_lib.run.phases.ist_analyse import phase_01_ist_analyse
from planning_lib.run.phases.ziele import phase_02_ziele

REGION = "AT"
STANDARD = dict(horizon=12, scenario="base", locale="de", seed=42, region=REGION)


def _data(folder: Path, tables: tuple[str, ...], actuals: tuple[str, ...] = ()) -> Path:
    """A data folder with the sample's ``deals`` and ``tables`` (and ``actuals/`` with the
    sample's actuals ``actuals`` when given)."""
    folder.mkdir(parents=True)
    for name in ("deals", *tables):
        shutil.copy(SAMPLE_DATA / f"{name}.csv", folder / f"{name}.csv")
    if actuals:
        (folder / "actuals").mkdir()
        for name in actuals:
            shutil.copy(SAMPLE_DATA / "actuals" / f"{name}.csv", folder / "actuals" / f"{name}.csv")
    return folder


def _params(data: Path, out: Path) -> dict:
    return STANDARD | {
        "config_path": str(CONFIGS / "cloudflow.yaml"),
        "data_path": str(data),
        "output_dir": str(out),
    }


def _said(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Collect the Markdown a phase shows (``ph.say``) instead of displaying it."""
    shown: list[str] = []
    monkeypatch.setattr(
        phase_module, "display", lambda obj: shown.append(str(getattr(obj, "data", "")))
    )
    return shown


@pytest.fixture(scope="module")
def full():
    """The analysis of AT with every table of the sample (the second method)."""
    tables = for_region(load_dataset(SAMPLE_DATA), REGION)
    return run_analysis(tables, load_params(CONFIGS / "cloudflow.yaml", REGION))


def test_phase_1_with_subscriptions_shows_mrr_and_notes_leads_and_costs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, full
) -> None:
    """{deals, subscriptions}: the notes on the missing leads and costs; no funnel or CAC
    table; MRR, customers and the new customers of 2025 as key figures equal the full run's
    (new customers there: the ``all`` row of the CAC table, 51), and the unit-economics
    sentence without CAC quotes them."""
    shown = _said(monkeypatch)
    ph = phase_01_ist_analyse(**_params(_data(tmp_path / "d", ("subscriptions",)), tmp_path / "o"))
    for note in (
        "**Lead-Funnel übersprungen:** Die Tabelle `leads` fehlt",
        "**CAC übersprungen:** Die Tabelle `costs` fehlt",
    ):
        assert any(s.startswith(note) for s in shown), note
    assert not any("Die Tabelle `subscriptions` fehlt" in s for s in shown)
    assert not {"funnel_12m", "conversion", "cac"} & set(ph.tables)
    assert {"history_yearly", "clv", "deal_metrics", "forecast"} <= set(ph.tables)
    cac = full.tables["cac"]
    blended = cac[(cac["year"] == 2025) & (cac["channel"] == "all")]
    new_2025 = float(blended["new_customers"].iloc[0])
    assert new_2025 == 51.0
    assert ph.figures["history_mrr"] == pytest.approx(full.figures["mrr_end_eur"], rel=1e-12)
    assert ph.figures["history_customers"] == full.figures["customers_end"]
    assert ph.figures["history_new_customers_last_year"] == new_2025
    unit = [s for s in shown if s.startswith("2025 gewann die Region 51 Neukunden")]
    assert len(unit) == 1 and "Der CAC fehlt" in unit[0]
    findings = artifacts.read_table(tmp_path / "o", "01_findings")
    skipped = findings.loc[findings["code"] == "skipped_analysis", "text"]
    assert len(skipped) == 3 and skipped.str.contains("Tabelle (?:leads|costs) fehlt").all()


def test_phase_1_with_leads_shows_the_sales_view_and_the_full_runs_funnel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, full
) -> None:
    """{deals, leads}: the sales view of the deals plus the funnel of the last 12 months,
    equal to the funnel the full run's leads per month give; notes for subscriptions and
    costs, none for leads."""
    shown = _said(monkeypatch)
    ph = phase_01_ist_analyse(**_params(_data(tmp_path / "d", ("leads",)), tmp_path / "o"))
    assert any("Die Tabelle `subscriptions` fehlt" in s for s in shown)
    assert any("Die Tabelle `costs` fehlt" in s for s in shown)
    assert not any("Die Tabelle `leads` fehlt" in s for s in shown)
    expected = funnel_last_12_months(full.tables["leads_by_month"])
    pd.testing.assert_frame_equal(ph.tables["funnel_12m"], expected)
    written = artifacts.read_table(tmp_path / "o", "01_funnel_12m")
    assert int(written["leads"].sum()) == int(expected["leads"].sum())
    assert {"bookings_yearly", "open_pipeline", "conversion", "forecast"} <= set(ph.tables)


def test_phase_2_without_leads_says_the_open_pipeline_is_assumed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """{deals, subscriptions}: phase 2 plans and says, naming the table leads, that the
    pipeline at plan start is the steady state of the planned volumes; with leads there
    (the full sample) it does not."""
    shown = _said(monkeypatch)
    phase_02_ziele(**_params(_data(tmp_path / "d", ("subscriptions",)), tmp_path / "o"))
    notes = [s for s in shown if s.startswith("**Offene Pipeline zum Planstart angenommen:**")]
    assert len(notes) == 1 and "Die Tabelle `leads` fehlt" in notes[0]
    shown.clear()
    phase_02_ziele(**_params(SAMPLE_DATA, tmp_path / "o_full"))
    assert not any("Offene Pipeline zum Planstart angenommen" in s for s in shown)


def test_phase_7_with_some_actuals_compares_the_deals_and_names_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Actuals with deals and subscriptions only (#13 item 3): phase 7 compares what the
    deals give and says in one note each what leads, costs and headcount would add, and
    that subscriptions are present but not compared.

    Second method (plain pandas): YTD bookings = Σ amount_eur of the region's won deals
    closed from the plan start to as-of (the last complete month of the closed deals);
    the plan = Σ of phase 2's ``first_year_revenue_new`` line (new customers × 12 ×
    ARPA) over the same months; won deals = count of those deals vs Σ ``customers_new``.
    """
    data = _data(tmp_path / "d", ("subscriptions",), actuals=("deals", "subscriptions"))
    params = _params(data, tmp_path / "o")
    phase_02_ziele(**params)
    shown = _said(monkeypatch)
    seven = phase_07_controlling(**params)
    assert shown[0].startswith("## Controlling: AT\n\nIst-Daten bis ")
    for start in (
        "**Lead-Funnel übersprungen:**",
        "**Kosten übersprungen:**",
        "**Quotenerreichung übersprungen:**",
        "**Anpassungsregeln und Hochrechnung",
    ):
        assert sum(s.startswith(start) for s in shown) == 1, start  # fmt: skip
    assert not any(s.startswith("**MRR und Kundenbestand übersprungen") for s in shown)
    assert sum(s.startswith("**Nicht verglichen:** subscriptions") for s in shown) == 1

    deals = pd.read_csv(data / "actuals" / "deals.csv")
    deals = deals[deals["region"] == REGION]
    close = pd.to_datetime(deals["close_date"])
    closed = close[deals["stage"].isin(["won", "lost"])].max()
    as_of = closed if closed.is_month_end else closed - pd.offsets.MonthEnd(1)
    won = deals[(deals["stage"] == "won") & (close >= "2026-01-01") & (close <= as_of)]
    monthly = pd.read_csv(tmp_path / "o" / "tables" / "02_plan_monthly.csv")
    monthly = monthly[
        (monthly["channel"].fillna("") == "") & (monthly["month"] <= f"{as_of:%Y-%m-%d}")
    ]
    ytd = seven.tables["deals_status"].set_index("kpi")
    assert ytd.loc["bookings", "actual"] == pytest.approx(won["amount_eur"].sum())
    line = monthly.set_index("line_item")["value"]
    assert ytd.loc["bookings", "plan"] == pytest.approx(line.loc[["first_year_revenue_new"]].sum())
    assert ytd.loc["deals_won", "actual"] == len(won)
    assert ytd.loc["deals_won", "plan"] == pytest.approx(line.loc[["customers_new"]].sum())
    assert "mrr_bridge" not in seven.tables and "kpis" not in seven.tables


def test_phase_7_without_lead_history_lands_from_the_run_rate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """History {deals, subscriptions}, all actuals: phase 7 runs through, says the lead
        forecast comes from the actual months, and the landing's new customers to date equal
        the full sample's run, and so do the KPIs of the actuals and the actual column of plan vs
    actual (the actuals are the same; the plan's start pipeline and the forecast of the rest
    differ without the lead history)."""
    actuals = ("leads", "deals", "subscriptions", "costs", "headcount")
    data = _data(tmp_path / "d", ("subscriptions",), actuals=actuals)
    params = _params(data, tmp_path / "o")
    phase_02_ziele(**params)
    shown = _said(monkeypatch)
    seven = phase_07_controlling(**params)
    assert sum(s.startswith("**Lead-Prognose aus den Ist-Monaten:**") for s in shown) == 1
    full_params = _params(SAMPLE_DATA, tmp_path / "o_full")
    phase_02_ziele(**full_params)
    reference = phase_07_controlling(**full_params)
    mine = seven.tables["landing"].set_index("figure")
    ref = reference.tables["landing"].set_index("figure")
    assert mine.loc["new_customers", "actual_to_date"] == ref.loc["new_customers", "actual_to_date"]
    pd.testing.assert_frame_equal(seven.tables["kpis"], reference.tables["kpis"])
    pd.testing.assert_series_equal(
        seven.tables["variance"]["actual"], reference.tables["variance"]["actual"]
    )


def test_phase_1_without_market_in_the_plan_shows_no_market_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plan whose ``market`` gives neither volume, growth, competitors nor SWOT (the
    deals-only trial's plan: ``growth_rate_yearly: 0.0`` only): phase 1 shows no market,
    competitor or SWOT table (the trial's page showed empty ones and "0,0 %") but one
    note; the three CSVs are still written. With the sample's market (volume 420 Mio. €,
    3 competitors, a SWOT) the three titles are shown and the note is not."""
    import yaml

    configs = tmp_path / "configs"
    shutil.copytree(CONFIGS, configs)
    base = yaml.safe_load((configs / "cloudflow.yaml").read_text(encoding="utf-8"))
    base["market"] = {"growth_rate_yearly": 0.0}
    (configs / "cloudflow.yaml").write_text(yaml.safe_dump(base), encoding="utf-8")
    titles = ("#### Markt und Marktanteil", "#### Wettbewerber", "#### SWOT-Analyse")
    data = _data(tmp_path / "d", ())

    shown = _said(monkeypatch)
    params = _params(data, tmp_path / "o") | {"config_path": str(configs / "cloudflow.yaml")}
    phase_01_ist_analyse(**params)
    assert not any(s.startswith(titles) for s in shown)
    assert sum(s.startswith("**Markt übersprungen:**") for s in shown) == 1
    for name in ("market", "competitors", "swot"):
        assert (tmp_path / "o" / "tables" / f"01_{name}.csv").exists()

    shown.clear()
    phase_01_ist_analyse(**_params(data, tmp_path / "o_sample"))
    assert [t for t in titles if any(s.startswith(t) for s in shown)] == list(titles)
    assert not any(s.startswith("**Markt übersprungen:**") for s in shown)


def test_phase_1_unit_sentence_names_the_churn_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, full
) -> None:
    """{deals, subscriptions}: the unit-economics sentence gives the new customers of the
    calendar year 2025 and, with its own period, the CLV and churn of the MRR bridge's
    last 12 months (history up to 2025-12: 2025-01..2025-12), the values of the full run
    (the second method) formatted as the phase formats them."""
    shown = _said(monkeypatch)
    phase_01_ist_analyse(**_params(_data(tmp_path / "d", ("subscriptions",)), tmp_path / "o"))
    unit = [s for s in shown if s.startswith("2025 gewann die Region 51 Neukunden. ")]
    assert len(unit) == 1
    churn = f"{full.figures['logo_churn_rate'] * 100:.1f}".replace(".", ",")
    assert "Im Zeitraum 2025-01..2025-12 lag der CLV bei " in unit[0]
    assert f"die Abwanderung bei {churn}\u00a0% pro Monat" in unit[0]
