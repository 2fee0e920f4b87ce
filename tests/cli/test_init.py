"""``planning init`` on the sample history: a commented, loadable, reproducible plan whose
no-change plan lands inside the forecast baseline's P10–P90; never overwrites."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from planning_lib.analysis.forecast.baseline import no_change_new_customers
from planning_lib.cli.main import main
from planning_lib.core.config import load_params
from planning_lib.core.fields import ParameterError
from planning_lib.core.paths import SAMPLE_DATA


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("init")
    out = folder / "plan.yaml"
    assert main(["init", "--data", str(SAMPLE_DATA), "--out", str(out), "--regions"]) == 0
    return out


def _line(text: str, key: str) -> str:
    return next(line for line in text.splitlines() if line.strip().startswith(f"{key}:"))


def test_written_files_load(written) -> None:
    files = sorted(p.name for p in (written.parent / "regions").glob("*.yaml"))
    assert files == ["AT.yaml", "CH.yaml", "DE-Nord.yaml", "DE-Süd.yaml"]
    base = load_params(written)
    for region in ("AT", "CH", "DE-Nord", "DE-Süd"):
        assert load_params(written, region=region).region == region
    assert base.company.plan_start.isoformat() == "2026-01-01"


def test_comments_name_their_sources(written) -> None:
    """Inbound MQL in 2025 counted from leads.csv, in the German style (6.156); the
    customers' comment names the day and table; assumptions say ANNAHME."""
    text = written.read_text(encoding="utf-8")
    leads = pd.read_csv(SAMPLE_DATA / "leads.csv", keep_default_na=False)
    inbound = leads[leads["channel"] == "inbound"]
    mql = int(inbound["mql_date"].between("2025-01-01", "2025-12-31").sum())
    german = f"{mql:,}".replace(",", ".")
    assert f"# {german} MQL 2025-01..2025-12 ÷ 12" in _line(text, "leads_per_month")
    assert _line(text, "customers").endswith("# aktive Kunden am 2025-12-31 (subscriptions)")
    assert "# ANNAHME: Bruttomarge" in _line(text, "gross_margin")
    assert "# ANNAHME:" in _line(text, "cash_eur")
    assert text.startswith("# Planparameter von `planning init`")
    # every line holding a number outside the label/description texts has a comment
    # or belongs to a block whose head has one (targets, channels' labels, ...)
    commented = [line for line in text.splitlines() if "  # " in line]
    assert len(commented) >= 50


def test_region_cash_is_an_assumption(written, tmp_path) -> None:
    """The base's cash at plan start is an assumption (0 €, not in the data); each region
    file's share of it (0 €) says so too, in a subscription and a transactional init,
    and does not carry the comment of the weights it is split by (MRR, customers)."""
    out = tmp_path / "t.yaml"
    args = ["init", "--data", str(SAMPLE_DATA), "--out", str(out), "--regions"]
    assert main([*args, "--business-model", "transactional"]) == 0
    for folder in (written.parent / "regions", tmp_path / "regions"):
        for path in sorted(folder.glob("*.yaml")):
            line = _line(path.read_text(encoding="utf-8"), "cash_eur")
            assert line.strip() == (
                "cash_eur: 0.0  # ANNAHME: Vertriebsliquidität der Region zum Planstart "
                "eintragen (nicht in den Daten); alle Regionen zusammen ergeben die der Basis"
            ), path


def test_same_data_same_bytes(written, tmp_path) -> None:
    """Same data and --as-of, another folder: the same bytes (base and region files)."""
    out = tmp_path / "plan.yaml"
    args = ["init", "--data", str(SAMPLE_DATA), "--out", str(out), "--as-of", "2025-12"]
    assert main([*args, "--regions"]) == 0
    assert out.read_bytes() == written.read_bytes()
    for path in (written.parent / "regions").glob("*.yaml"):
        assert (tmp_path / "regions" / path.name).read_bytes() == path.read_bytes()


def test_init_then_plan_lies_inside_the_baseline(written, tmp_path) -> None:
    """The no-change plan's first-year new customers, on the target basis (the target is
    the baseline's expectation) and on the funnel basis (leads × conversions calibrated
    from 2025), lie inside the P10–P90 of the forecast baseline of the won deals."""
    out = tmp_path / "plan"
    args = ["plan", "--config", str(written), "--data", str(SAMPLE_DATA), "--out", str(out)]
    assert main(args) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    deals = pd.read_csv(SAMPLE_DATA / "deals.csv", parse_dates=["created_date", "close_date"])
    base = no_change_new_customers(deals, "2026-01-01")
    for basis in ("target", "funnel"):
        new = summary["bases"][basis]["new_customers"]
        assert base.p10 <= new <= base.p90, (basis, new, base.p10, base.p90)
    assert summary["mrr_start"] == pytest.approx(load_params(written).current.mrr_eur)


def test_existing_out_is_refused(written, capsys) -> None:
    before = written.read_bytes()
    code = main(["init", "--data", str(SAMPLE_DATA), "--out", str(written)])
    assert code == 2
    err = capsys.readouterr().err
    assert (
        err
        == f"error: {written} exists; planning init never overwrites a file (choose a new --out)\n"
    )
    assert written.read_bytes() == before


def test_existing_regions_folder_is_refused(written, capsys) -> None:
    out = written.parent / "other.yaml"
    assert main(["init", "--data", str(SAMPLE_DATA), "--out", str(out), "--regions"]) == 2
    assert "regions holds region files" in capsys.readouterr().err
    assert not out.exists()


def _figures(data: dict) -> dict[str, float]:
    """The additive figures a transactional init writes, read from a YAML dict."""
    out = {
        f"current.{k}": float(data["current"][k])
        for k in ("customers", "mrr_eur", "cash_eur")
        if k in data.get("current", {})
    }
    for role, n in data.get("current", {}).get("reps", {}).items():
        out[f"current.reps.{role}"] = float(n)
    for k in ("forecast_no_change_new_customers",):
        out[k] = float(data[k])
    out["history.new_customers_last_year"] = float(data["history"]["new_customers_last_year"])
    out["targets.new_customers"] = float(
        next(t["value"] for t in data["targets"] if t["metric"] == "new_customers")
    )
    revenue = next(t for t in data["targets"] if t["metric"] == "revenue")
    out["targets.revenue"] = float(revenue["value"])
    out["targets.revenue.baseline"] = float(revenue["baseline"])
    for ch, item in data["channels"].items():
        out[f"channels.{ch}.leads_per_month"] = float(item["leads_per_month"])
    budget = data.get("budget", {})
    if "total_eur" in budget:
        out["budget.total_eur"] = float(budget["total_eur"])
    for cat, v in (budget.get("by_category") or {}).items():
        out[f"budget.by_category.{cat}"] = float(v)
    return out


def test_transactional_regions_add_up_to_the_base(tmp_path, capsys) -> None:
    """``--regions`` of a transactional init: one file per region of the deals, each
    loads, ``company.regions`` lists them, and per additive figure the regions' YAML
    values add up to the base's exactly (up to the figure's rounding unit)."""
    out = tmp_path / "t.yaml"
    args = ["init", "--data", str(SAMPLE_DATA), "--out", str(out), "--regions"]
    assert main([*args, "--business-model", "transactional"]) == 0
    regions = sorted(set(pd.read_csv(SAMPLE_DATA / "deals.csv")["region"].astype(str)))
    files = sorted(p.stem for p in (tmp_path / "regions").glob("*.yaml"))
    assert files == regions
    base_data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert base_data["company"]["regions"] == regions
    assert base_data["company"]["business_model"] == "transactional"
    for region in regions:
        assert load_params(out, region=region).region == region
    base = _figures(base_data)
    parts = [
        _figures(yaml.safe_load((tmp_path / "regions" / f"{r}.yaml").read_text("utf-8")))
        for r in regions
    ]
    assert base["current.customers"] > 0 and base["budget.total_eur"] > 0
    for name, value in base.items():
        total = sum(p[name] for p in parts)
        assert total == pytest.approx(value, abs=1e-6), name
    assert any(p["current.customers"] != parts[0]["current.customers"] for p in parts)


def test_a_region_set_that_does_not_add_up_is_refused(written, tmp_path) -> None:
    """AT's customers raised by 10: the four regions add up to the base + 10."""
    folder = tmp_path / "cfg"
    (folder / "regions").mkdir(parents=True)
    (folder / "plan.yaml").write_bytes(written.read_bytes())
    base_customers = load_params(written).current.customers
    total = 0
    for path in (written.parent / "regions").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data["region"] == "AT":
            data["current"]["customers"] += 10
        total += data["current"]["customers"]
        (folder / "regions" / path.name).write_text(
            yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
        )
    assert total == base_customers + 10
    with pytest.raises(ParameterError) as err:
        load_params(folder / "plan.yaml", region="CH")
    message = str(err.value)
    line = next(x for x in message.splitlines() if "current.customers" in x)
    assert re.search(rf"add up to {total:,}, the base has {base_customers:,}", line), line
    assert "current.mrr_eur" not in message
