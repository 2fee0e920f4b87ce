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
