"""``planning analyse`` end to end on the sample company (CloudFlow of the seed)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from planning_lib.cli.main import main
from planning_lib.core.paths import CONFIGS, SAMPLE_DATA

CONFIG = CONFIGS / "cloudflow.yaml"


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/sample when it is there, else a fresh generation of the same sample."""
    if (SAMPLE_DATA / "subscriptions.csv").exists():
        return SAMPLE_DATA
    from planning_lib.sample.company import generate_sample, write_sample

    out = tmp_path_factory.mktemp("sample")
    write_sample(generate_sample(42), out, force=True)
    return out


@pytest.fixture(scope="module")
def result(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("analyse") / "out"
    assert (
        main(["analyse", "--data", str(sample_dir), "--config", str(CONFIG), "--out", str(out)])
        == 0
    )
    return out


def _figures(out: Path) -> dict[str, float]:
    kf = pd.read_csv(out / "key_figures.csv")
    return dict(zip(kf["figure"], kf["value"], strict=True))


def test_sample_figures_match_the_seed(result: Path):
    f = _figures(result)
    # seed: "Letztes Jahr 300 Neukunden, CAC bei 250 €, 500 Bestandskunden, MRR 80.000 €"
    assert f["year"] == 2025
    assert 250 <= f["new_customers"] <= 350
    assert 200 <= f["cac_stated_eur"] <= 300
    assert 450 <= f["customers_end"] <= 560
    assert 70_000 <= f["mrr_end_eur"] <= 95_000
    # "60 % der Neukunden kamen über Inbound Marketing"
    share = pd.read_csv(result / "new_customers_by_channel.csv")
    inbound = share[(share["year"] == 2025) & (share["channel"] == "inbound")]
    assert 0.5 <= inbound["new_customer_share"].iloc[0] <= 0.7
    # "Churn Rate von 5 %": monthly logo churn in a plausible band around it
    assert 0.03 <= f["logo_churn_rate"] <= 0.07


def test_tables_are_consistent(result: Path):
    monthly = pd.read_csv(result / "revenue_monthly.csv", dtype={"period": str})
    total = monthly[monthly["dimension"] == "total"]
    by_product = monthly[monthly["dimension"] == "product"]
    # the products add up to the total in every month
    summed = by_product.groupby("period")["revenue_eur"].sum()
    assert summed.to_numpy() == pytest.approx(total.set_index("period")["revenue_eur"].to_numpy())
    # the last month's MRR is the key figure and the end of the MRR bridge
    bridge = pd.read_csv(result / "mrr_bridge.csv")
    assert bridge["mrr_end_eur"].iloc[-1] == pytest.approx(total["mrr_end_eur"].iloc[-1])
    abc = pd.read_csv(result / "abc_summary.csv").set_index("abc_class")
    assert abc.loc["A", "revenue_share"] == pytest.approx(0.8, abs=0.01)


def test_outputs_are_stable_and_formatted(result: Path):
    text = (result / "cac.csv").read_text(encoding="utf-8")
    first = text.splitlines()[1].split(",")
    assert first[0] == "2022"
    # fixed float formatting: 4 decimals
    assert all(len(v.split(".")[1]) == 4 for v in first if "." in v)
    findings = json.loads((result / "findings.json").read_text(encoding="utf-8"))
    assert findings, "the sample supports at least some findings"
    for f in findings:
        assert set(f) == {"code", "numbers", "text_de", "text_en"}
        assert f["text_de"] and f["text_en"]
    codes = [f["code"] for f in findings]
    assert "new_customer_mix" in codes and "cac_vs_clv" in codes


def test_refuses_non_empty_out_dir(result: Path, sample_dir: Path, capsys):
    before = sorted(p.name for p in result.iterdir())
    code = main(
        ["analyse", "--data", str(sample_dir), "--config", str(CONFIG), "--out", str(result)]
    )
    assert code == 2
    assert "not empty" in capsys.readouterr().err
    assert sorted(p.name for p in result.iterdir()) == before


def test_bad_data_folder_is_an_error(tmp_path: Path, capsys):
    code = main(
        [
            "analyse",
            "--data",
            str(tmp_path / "nope"),
            "--config",
            str(CONFIG),
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == 1
    assert "error" in capsys.readouterr().err


def test_for_region_keeps_only_its_rows():
    from planning_lib.analysis.asis import for_region

    tables = {
        "deals": pd.DataFrame({"region": ["AT", "CH", "AT"], "x": [1, 2, 3]}),
        "other": pd.DataFrame({"y": [1]}),  # no region column: kept whole
    }
    out = for_region(tables, "AT")
    assert list(out["deals"]["x"]) == [1, 3]
    assert len(out["other"]) == 1
    with pytest.raises(ValueError, match="regions: AT, CH"):
        for_region(tables, "XX")


def test_short_history_degrades_to_what_the_data_supports(sample_dir: Path):
    from planning_lib.analysis.asis import run_analysis
    from planning_lib.analysis.findings import generate_findings
    from planning_lib.core.config import load_params
    from planning_lib.data.loaders import load_dataset

    # three months of history: no complete year, so no yearly figures or CAC findings
    a = run_analysis(load_dataset(sample_dir), load_params(CONFIG), as_of="2022-03")
    assert a.year == 2021
    codes = {f.code for f in generate_findings(a)}
    assert "new_customer_mix" not in codes and "cac_vs_clv" not in codes
    assert "mrr_development" in codes
    assert a.figures["churn_window_months"] == 2  # bridge months 2022-02 and 2022-03
