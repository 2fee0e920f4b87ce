"""Phase 3 (Zielgruppen) on partial table sets (issue #13 item 4): what the tables give.

Phase 1 runs first on the sample's region AT with some of its tables and saves the
analysis; phase 3 shows the ABC classes (they need no costs) and one note for the
skipped segments naming the missing tables. Second method: the analysis of the full
sample (every table).
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
from planning_lib.run import phase as phase_module
from planning_lib.run.phases.ist_analyse import phase_01_ist_analyse
from planning_lib.run.phases.zielgruppen import phase_03_zielgruppen

REGION = "AT"
STANDARD = dict(horizon=12, scenario="base", locale="de", seed=42, region=REGION)


def _run(tmp_path: Path, tables: tuple[str, ...], monkeypatch: pytest.MonkeyPatch):
    """Phases 1 and 3 on the sample's ``deals`` and ``tables``; phase 3 and what it said."""
    data = tmp_path / "data"
    data.mkdir()
    for name in ("deals", *tables):
        shutil.copy(SAMPLE_DATA / f"{name}.csv", data / f"{name}.csv")
    params = STANDARD | {
        "config_path": str(CONFIGS / "cloudflow.yaml"),
        "data_path": str(data),
        "output_dir": str(tmp_path / "out"),
    }
    phase_01_ist_analyse(**params)
    shown: list[str] = []
    monkeypatch.setattr(
        phase_module, "display", lambda obj: shown.append(str(getattr(obj, "data", "")))
    )
    return phase_03_zielgruppen(**params), shown


@pytest.fixture(scope="module")
def full():
    tables = for_region(load_dataset(SAMPLE_DATA), REGION)
    return run_analysis(tables, load_params(CONFIGS / "cloudflow.yaml", REGION))


def test_phase_3_with_subscriptions_shows_the_full_runs_abc_and_names_costs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, full
) -> None:
    """{deals, subscriptions}: the ABC table equals the full run's summary; one note says
    the segments are skipped for the table costs; no segment table; the A-class sentence
    quotes the full run's shares."""
    ph, shown = _run(tmp_path, ("subscriptions",), monkeypatch)
    pd.testing.assert_frame_equal(ph.tables["abc"], full.tables["abc_summary"])
    assert "segments" not in ph.tables and "personas" in ph.tables
    notes = [s for s in shown if "übersprungen" in s]
    assert notes == [
        "**Segmente, Attraktivität und Persona-Bezüge übersprungen:** Die Tabelle costs "
        "fehlt; mit ihr erscheinen sie hier. Personas und Positionierung aus dem Plan folgen."
    ]
    a = full.tables["abc_summary"].set_index("abc_class").loc["A"]
    sentence = [s for s in shown if "(A-Kunden)" in s]
    assert len(sentence) == 1 and "des Umsatzes" in sentence[0]
    assert sentence[0].startswith(f"{round(a['customer_share'] * 100, 1):.1f}".replace(".", ","))


def test_phase_3_with_deals_alone_ranks_by_bookings_and_names_both_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """{deals}: the ABC table is that of the bookings per customer (its customers add up
    to the won deals' customers of 2025 with positive bookings, counted with plain
    pandas); phase 3 says so and names subscriptions and costs for the segments."""
    ph, shown = _run(tmp_path, (), monkeypatch)
    deals = pd.read_csv(SAMPLE_DATA / "deals.csv", keep_default_na=False)
    won = deals[
        (deals["region"] == REGION)
        & (deals["stage"] == "won")
        & deals["close_date"].str.startswith("2025")
    ]
    per = won.groupby("customer_id")["amount_eur"].sum()
    assert int(ph.tables["abc"]["customers"].sum()) == int((per > 0).sum())
    assert ph.tables["abc"]["revenue_eur"].sum() == pytest.approx(per[per > 0].sum())
    assert any(s.startswith("Ohne die Tabelle subscriptions ordnet") for s in shown)
    assert any("des Auftragseingangs" in s for s in shown)
    notes = [s for s in shown if "übersprungen" in s]
    assert notes == [
        "**Segmente, Attraktivität und Persona-Bezüge übersprungen:** Die Tabellen "
        "subscriptions, costs fehlen; mit ihnen erscheinen sie hier. Personas und "
        "Positionierung aus dem Plan folgen."
    ]
