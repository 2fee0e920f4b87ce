"""``planning plan``: files, summary keys, byte-identical runs, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from planning_lib.cli.main import main
from planning_lib.core.paths import CONFIGS

CONFIG = str(CONFIGS / "cloudflow.yaml")
REQUIRED_KEYS = {
    "mrr_start",
    "mrr_end",
    "arr_end",
    "customers_start",
    "customers_end",
    "new_customers",
    "churned_customers",
    "budget_total",
    "budget_by_category",
    "commissions_total",
    "cac_target",
    "cac_fully_loaded",
    "clv",
    "ltv_to_cac",
    "payback_months",
    "lifetime_value_new_customers",
    "roi",
    "cash_low_point",
}


def test_plan_writes_files(tmp_path, capsys):
    out = tmp_path / "plan"
    assert main(["plan", "--config", CONFIG, "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "findings.json",
        "gap.csv",
        "plan.csv",
        "summary.json",
    ]
    text = (out / "summary.json").read_text(encoding="utf-8")
    summary = json.loads(text)
    assert set(summary) >= REQUIRED_KEYS
    assert list(summary) == sorted(summary)
    assert summary["budget_total"] == 400_000
    assert summary["mrr_start"] == 80_000
    assert summary["cac_budget"] == pytest.approx(666.666667)
    assert summary["lifetime_value_new_customers_stated"] == 1_800_000
    assert "p_hit" not in summary
    lines = (out / "plan.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "month,line_item,channel,value,unit"
    assert "2026-01-01,customers_new,,55.000000,count" in lines
    assert "2026-01-01,customers_new,inbound,33.000000,count" in lines  # 55 × 0.6
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert "cac_fully_loaded_above_target" in {f["code"] for f in findings}
    printed = capsys.readouterr().out
    assert "MRR Start → Ende: 80.000 → 127.661 €" in printed


def test_draws_are_byte_identical(tmp_path):
    args = ["plan", "--config", CONFIG, "--draws", "300", "--seed", "9", "--scenario", "worst"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    for name in ("plan.csv", "findings.json", "summary.json", "mc_percentiles.csv", "gap.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    summary = json.loads((tmp_path / "a" / "summary.json").read_text(encoding="utf-8"))
    assert set(summary["p_hit"]) == {"mrr_end", "new_customers", "cac", "churn"}
    assert summary["p_hit"]["churn"] == 0.0  # worst: churn stays at 5 % > 3 %
    assert summary["monte_carlo"]["draws"] == 300
    assert summary["scenario"] == "worst"


def test_refuses_non_empty_out(tmp_path, capsys):
    out = tmp_path / "full"
    out.mkdir()
    (out / "x.txt").write_text("keep", encoding="utf-8")
    assert main(["plan", "--config", CONFIG, "--out", str(out)]) == 2
    assert (out / "x.txt").read_text(encoding="utf-8") == "keep"
    assert "not empty" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["plan", "--config", CONFIG, "--out", str(empty)]) == 0


def test_bad_input_exit_1(tmp_path, capsys):
    assert (
        main(["plan", "--config", CONFIG, "--scenario", "nope", "--out", str(tmp_path / "o")]) == 1
    )
    assert "unknown scenario 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_region_file(tmp_path):
    base = yaml.safe_load(Path(CONFIG).read_text(encoding="utf-8"))
    (tmp_path / "regions").mkdir()
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
    region = {"region": "AT", "current": {"customers": 100, "mrr_eur": 16000}}
    (tmp_path / "regions" / "AT.yaml").write_text(yaml.safe_dump(region), encoding="utf-8")
    out = tmp_path / "at"
    cfg = str(tmp_path / "base.yaml")
    assert main(["plan", "--config", cfg, "--region", "AT", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (summary["region"], summary["mrr_start"], summary["customers_start"]) == (
        "AT",
        16_000,
        100,
    )


def test_region_by_its_folder_name(tmp_path, capsys):
    """``--region DE-Sued`` (batch's folder name of DE-Süd) plans DE-Süd."""
    out = tmp_path / "plan"
    assert main(["plan", "--config", CONFIG, "--region", "DE-Sued", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["region"] == "DE-Süd"


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--draws", "0", "argument --draws: the number of draws must be at least 1, not 0"),
        ("--draws", "-5", "argument --draws: the number of draws must be at least 1, not -5"),
        ("--draws", "ten", "argument --draws: 'ten' is not a whole number"),
        ("--seed", "-1", "argument --seed: the seed must be at least 0, not -1"),
    ],
)
def test_non_positive_counts_are_usage_errors(tmp_path, capsys, option, value, message):
    with pytest.raises(SystemExit) as exc:
        main(["plan", "--config", CONFIG, option, value, "--out", str(tmp_path / "o")])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_region_worst_case_scales_the_region(tmp_path):
    out = tmp_path / "at"
    args = ["plan", "--config", CONFIG, "--region", "AT", "--out"]
    assert main([*args, str(out / "base")]) == 0
    assert main([*args, str(out / "worst"), "--scenario", "worst"]) == 0
    base = json.loads((out / "base" / "summary.json").read_text(encoding="utf-8"))
    worst = json.loads((out / "worst" / "summary.json").read_text(encoding="utf-8"))
    assert worst["new_customers_funnel"] < base["new_customers_funnel"]
    assert worst["mrr_end"] <= base["mrr_end"]


def test_console_names_targets_and_severities_in_german(tmp_path, capsys):
    """#13 trial: the console printed ``Zielerreichung: churn 100,0 %, new_customers
    100,0 %`` (target codes, and a share of Monte Carlo draws read as attainment) and
    ``[critical]``/``[warning]`` on a German console. Now: the chance line names each
    target by its ``description_de`` (CloudFlow's four targets, codes sorted: cac,
    churn, mrr_end, new_customers) and the severities in German (kritisch, Warnung)."""
    out = tmp_path / "plan"
    args = ["plan", "--config", CONFIG, "--draws", "200", "--seed", "1", "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    (line,) = [ln for ln in printed.splitlines() if ln.startswith("Chance, das Ziel")]
    names = [part.split(": ")[0] for part in line.split(": ", 1)[1].split("; ")]
    assert names == [
        "Senkung des durchschnittlichen CAC auf 200 €",
        "Reduzierung der Churn Rate von 5 % auf 3 % pro Monat",
        "Erhöhung des MRR um 50 % auf 120.000 € bis Ende des Geschäftsjahres",
        "Akquisition von 600 neuen zahlenden Kunden",
    ]
    assert "Zielerreichung" not in printed
    assert "[critical]" not in printed and "[warning]" not in printed
    assert "  [kritisch] " in printed and "  [Warnung] " in printed


def test_the_console_summary_reads_its_labels_from_the_text_store() -> None:
    """The summary lines of ``planning plan`` (German and English) come from the text
    store (``cli.plan.*``), not from strings in cli/plan.py. By hand, for a transactional
    summary without MRR: bookings 1.500 + 500 = 2.000 €; then new customers 10, cost
    1.234 €, CAC 123,40 € (two decimals), both cash low points; the bases name bookings
    (no recurring share); one finding-free count line."""
    import inspect

    from planning_lib.cli import plan as plan_cli

    summary = {
        "mrr_start": 0.0, "mrr_end": 0.0, "new_customers": 10.0, "cost_total": 1234.0,
        "cac_fully_loaded": 123.4, "cash_low_point": -50.0, "company_cash_low_point": 0.0,
        "bookings_total": 2000.0, "bookings_new_total": 1500.0, "bookings_repeat_total": 500.0,
        "bases": {
            "funnel": {"new_customers": 12.0, "mrr_end": 0.0, "bookings_total": 2400.0,
                       "cost_total": 1300.0},
            "target": {"new_customers": 10.0, "mrr_end": 0.0, "bookings_total": 2000.0,
                       "cost_total": 1234.0},
        },
    }  # fmt: skip
    assert plan_cli._lines(summary, [], None, de=True) == [
        "Aufträge (neu + Wiederholungskäufe): 2.000 € (1.500 + 500 €)",
        "Neukunden: 10",
        "Kosten gesamt: 1.234 €",
        "CAC voll belastet: 123,40 €",
        "Tiefpunkt Vertriebsliquidität: -50 €",
        "Tiefpunkt Unternehmensliquidität: 0 €",
        "Basis Trichter | Ziel: 12 | 10 Neukunden, Aufträge 2.400 | 2.000 €, "
        "Kosten 1.300 | 1.234 €",
        "Befunde: 0",
    ]
    english = plan_cli._lines(summary, [], {"new_customers": 0.5}, de=False)
    assert english[0] == "Bookings (new + repeat purchases): 2,000 € (1,500 + 500 €)"
    assert english[-2:] == [
        "Chance of reaching the target (share of Monte Carlo draws): new_customers: 50.0 %",
        "Findings: 0",
    ]
    source = inspect.getsource(plan_cli)
    assert "Tiefpunkt" not in source and "Neukunden" not in source
