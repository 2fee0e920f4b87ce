"""``planning forecast`` on the sample company."""

from __future__ import annotations

import pandas as pd
import pytest

from planning_lib.cli.main import main
from planning_lib.core.paths import SAMPLE_DATA


@pytest.mark.skipif(not (SAMPLE_DATA / "deals.csv").exists(), reason="sample data not generated")
def test_forecast_command_writes_coherent_forecasts(tmp_path):
    out = tmp_path / "fc"
    code = main(
        [
            "forecast",
            "--data",
            str(SAMPLE_DATA),
            "--by",
            "region",
            "--horizon",
            "6",
            "--out",
            str(out),
            "--workers",
            "1",
        ]
    )
    assert code == 0
    fc = pd.read_csv(out / "forecasts.csv")
    assert set(fc["node"]) == {"total", "region=AT", "region=CH", "region=DE-Nord", "region=DE-Süd"}
    wide = fc.pivot(index="month", columns="node", values="mean")
    regions = [c for c in wide.columns if c != "total"]
    pd.testing.assert_series_equal(
        wide["total"], wide[regions].sum(axis=1), check_names=False, atol=1e-3
    )
    assert len(wide) == 6 and wide.index[0] == "2026-01-01"
    acc = pd.read_csv(out / "accuracy.csv")
    assert acc["holdout_mase"].notna().all() and len(acc) == 5
    base = pd.read_csv(out / "no_change_baseline.csv").iloc[0]
    assert base["p10"] < base["p50"] < base["p90"] < base["p99"]
    assert (out / "pipeline.csv").exists() and (out / "open_leads_ranked.csv").exists()
    # a non-empty output folder is never overwritten
    assert main(["forecast", "--data", str(SAMPLE_DATA), "--out", str(out)]) == 2


def _deals(rows: list[tuple[str, str, str, float, float, str | None]]) -> dict[str, pd.DataFrame]:
    """A deals table: (region, close_date, stage, amount_eur, mrr_eur, is_credit_note)."""
    frame = pd.DataFrame(
        rows, columns=["region", "close_date", "stage", "amount_eur", "mrr_eur", "is_credit_note"]
    )
    return {"deals": frame}


def test_bookings_and_won_deals_need_only_the_deals_table() -> None:
    """Region A: Jan won 1.000 € and 500 €, Feb a won credit note of −200 € and a lost deal of
    9.000 €, Mar nothing; region B: Feb won 300 €. By hand: bookings A = 1.500, −200, 0 and
    B = 0, 300, 0 (zero-filled from the first month, net of the credit note, lost deals
    ignored); won deals A = 2, 0, 0 (the credit note is no deal) and B = 0, 1, 0; MRR is zero
    throughout (a business without subscriptions) and plays no part."""
    from planning_lib.cli.forecast import metric_frame

    tables = _deals(
        [
            ("A", "2025-01-10", "won", 1000.0, 0.0, None),
            ("A", "2025-01-20", "won", 500.0, 0.0, "false"),
            ("A", "2025-02-05", "won", -200.0, 0.0, "true"),
            ("A", "2025-02-07", "lost", 9000.0, 0.0, None),
            ("B", "2025-02-11", "won", 300.0, 0.0, None),
        ]
    )
    as_of = pd.Period("2025-03", freq="M")
    bookings = metric_frame(tables, "bookings", ["region"], as_of)
    wide = bookings.pivot(index="month", columns="region", values="value")
    assert wide["A"].tolist() == [1500.0, -200.0, 0.0]
    assert wide["B"].tolist() == [0.0, 300.0, 0.0]
    won = metric_frame(tables, "won_deals", ["region"], as_of)
    wide = won.pivot(index="month", columns="region", values="value")
    assert wide["A"].tolist() == [2.0, 0.0, 0.0]
    assert wide["B"].tolist() == [0.0, 1.0, 0.0]


@pytest.mark.skipif(not (SAMPLE_DATA / "deals.csv").exists(), reason="sample data not generated")
def test_forecast_of_bookings_on_the_sample_adds_up(tmp_path) -> None:
    """``--metric bookings`` writes reconciled forecasts: the total is the sum of the regions
    (MinT keeps the hierarchy coherent) and the history's last month is 2025-12."""
    out = tmp_path / "fc"
    args = ["forecast", "--data", str(SAMPLE_DATA), "--by", "region", "--horizon", "3"]
    assert main([*args, "--metric", "bookings", "--out", str(out), "--workers", "1"]) == 0
    fc = pd.read_csv(out / "forecasts.csv")
    wide = fc.pivot(index="month", columns="node", values="mean")
    regions = [c for c in wide.columns if c != "total"]
    pd.testing.assert_series_equal(
        wide["total"], wide[regions].sum(axis=1), check_names=False, atol=1e-2
    )
    assert wide.index[0] == "2026-01-01" and (wide["total"] > 0).all()
