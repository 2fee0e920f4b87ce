"""``planning validate``: exit codes, grouped output, JSON, folders with actuals/."""

from __future__ import annotations

import json

import pytest

from planning_lib.cli.main import main
from tests.fixtures import EXPORTS

GOOD = (EXPORTS / "deals_de.csv").read_text(encoding="utf-8")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["validate", *map(str, argv)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_clean_file_prints_one_summary_line(capsys):
    code, out, _ = run(capsys, EXPORTS / "deals_de.csv")
    assert code == 0
    assert out == "deals_de.csv: 3 rows, created_date 2025-01-02 to 2025-02-03 - OK\n"


def test_clean_file_in_german(capsys):
    code, out, _ = run(capsys, EXPORTS / "deals_de.csv", "--lang", "de")
    assert (code, out) == (
        0,
        "deals_de.csv: 3 Zeilen, created_date 2025-01-02 bis 2025-02-03 - OK\n",
    )


def test_problems_are_grouped_by_file_and_rule(tmp_path, capsys):
    lines = GOOD.splitlines()
    lines[1] = lines[1].replace("1.234,56", "abc")
    lines[2] = lines[2].replace("2.400,00", "zwei")
    lines[3] = lines[3].replace("03.02.2025", "31.02.2025")
    path = tmp_path / "export.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, path, "--table", "deals")
    assert code == 1
    assert out.splitlines() == [
        "export.csv: 3 problem(s)",
        "  not_a_number (2):",
        "    - row 2, column \"amount_eur\": 'abc' is not a number in EUR "
        "(expected e.g. 1234.56, 1.234,56 or 1 234,56 €)",
        "    - row 3, column \"amount_eur\": 'zwei' is not a number in EUR "
        "(expected e.g. 1234.56, 1.234,56 or 1 234,56 €)",
        "  impossible_date (1):",
        "    - row 4, column \"created_date\": '31.02.2025' is not a real calendar date",
        "INVALID: 3 problem(s) in 1 file(s).",
    ]


def test_limit_shortens_long_groups(tmp_path, capsys):
    header, row = GOOD.splitlines()[:2]
    # distinct wrong values: one value repeated is one problem since issue 13 ("gewonnen"
    # is won now)
    rows = [row.replace("D-001", f"D-{i:03d}").replace("won", f"closed{i}") for i in range(30)]
    path = tmp_path / "deals.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, path, "--limit", "2")
    assert code == 1
    assert "  not_allowed (30):" in out
    assert "    ... and 28 more" in out
    assert out.count("is not an allowed value") == 2


def test_json_output_is_the_failure_table(tmp_path, capsys):
    path = tmp_path / "deals.csv"
    path.write_text(GOOD.replace("15.01.2025", "01.01.2025"), encoding="utf-8")
    code, out, _ = run(capsys, path, "--json")
    assert code == 1
    assert json.loads(out) == [
        {
            "file": "deals.csv",
            "table": "deals",
            "row": 2,
            "column": "close_date",
            "value": "2025-01-01",
            "rule": "date_order",
            "message": 'deals.csv, row 2, column "close_date": 2025-01-01 is before '
            "created_date 2025-01-02; it must be on or after it",
        }
    ]


def test_json_clean_is_an_empty_list(capsys):
    code, out, _ = run(capsys, EXPORTS / "deals_de.csv", "--json")
    assert (code, json.loads(out)) == (0, [])


def test_json_file_level_problem_has_null_row(tmp_path, capsys):
    path = tmp_path / "deals.csv"
    path.write_bytes(b"")
    code, out, _ = run(capsys, path, "--json")
    (item,) = json.loads(out)
    assert (code, item["row"], item["rule"]) == (1, None, "empty_file")


def test_folder_with_actuals_subfolder(tmp_path, capsys):
    (tmp_path / "deals.csv").write_text(GOOD, encoding="utf-8")
    actuals = tmp_path / "actuals"
    actuals.mkdir()
    (actuals / "deals.csv").write_text(GOOD.replace(";won;", ";closed;"), encoding="utf-8")
    code, out, _ = run(capsys, tmp_path)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "deals.csv: 3 rows, created_date 2025-01-02 to 2025-02-03 - OK"
    assert lines[1] == "actuals/deals.csv: 1 problem(s)"
    assert lines[3].startswith("    - row 2, column \"stage\": 'closed' is not an allowed value")
    (actuals / "deals.csv").write_text(GOOD, encoding="utf-8")
    code, out, _ = run(capsys, tmp_path)
    assert code == 0
    assert out.splitlines()[1].startswith("actuals/deals.csv: 3 rows")


def test_mapping_preset(capsys):
    code, out, _ = run(capsys, EXPORTS / "hubspot_deals.csv", "--mapping", "hubspot")
    assert code == 0
    # since issue 13 every filled column is said, one line each (never silently)
    assert out.splitlines() == [
        "hubspot_deals.csv: 3 rows, created_date 2025-01-20 to 2025-03-05 - OK",
        "  hubspot_deals.csv: region: column missing, filled with 'unassigned' in all 3 rows "
        "(default of mapping 'hubspot')",
        "  hubspot_deals.csv: product: column missing, filled with 'unassigned' in all 3 rows "
        "(default of mapping 'hubspot')",
        "  hubspot_deals.csv: segment: column missing, filled with 'small' in all 3 rows "
        "(default of mapping 'hubspot')",
        "  hubspot_deals.csv: mrr_eur: column missing, filled with 0 in all 3 rows (no "
        "recurring revenue known: one-off sales; if the deals are subscriptions and amount_eur "
        "is their annual value, map it in a mapping of your own: computed: "
        "{mrr_eur: {from: amount_eur, divide_by: 12}})",
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nowhere.csv"], "nowhere.csv: no such file or folder"),
        (
            ["export.csv"],
            "export.csv: cannot tell the table from the file name; use --table",
        ),
        (
            ["deals.csv", "--mapping", "hubspod"],
            "preset 'hubspod' is unknown; did you mean hubspot",
        ),
    ],
)
def test_usage_errors_exit_1_with_a_message(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "export.csv").write_text(GOOD, encoding="utf-8")
    (tmp_path / "deals.csv").write_text(GOOD, encoding="utf-8")
    code, out, err = run(capsys, *argv)
    assert code == 1
    assert out == ""
    assert message in err


def test_unknown_mapping_key_is_reported(tmp_path, capsys):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("extends: hubspot\ndefault:\n  region: AT\n", encoding="utf-8")
    code, _, err = run(capsys, EXPORTS / "hubspot_deals.csv", "--mapping", mapping)
    assert code == 1
    assert "'default' is unknown; did you mean defaults" in err


def test_sample_data_passes():
    from planning_lib.core.paths import SAMPLE_DATA

    if not (SAMPLE_DATA / "deals.csv").exists():
        pytest.skip("data/sample has not been generated in this checkout")
    assert main(["validate", str(SAMPLE_DATA)]) == 0


def test_plan_parameters_clean_and_region_over_base(capsys):
    from planning_lib.core.paths import CONFIGS

    code, out, _ = run(capsys, CONFIGS / "cloudflow.yaml")
    assert (code, out) == (
        0,
        "cloudflow.yaml: plan parameters OK (CloudFlow, plan from 2026-01, 12 months)\n",
    )
    region = CONFIGS / "regions" / "AT.yaml"
    if region.exists():
        code, out, _ = run(capsys, region, "--base", CONFIGS / "cloudflow.yaml")
        assert code == 0
        assert out.startswith("AT.yaml: plan parameters OK")


def test_plan_parameters_out_of_range_and_unknown_key(tmp_path, capsys):
    import yaml

    from planning_lib.core.paths import CONFIGS

    data = yaml.safe_load((CONFIGS / "cloudflow.yaml").read_text(encoding="utf-8"))
    data["channels"]["inbound"]["mql_to_sql"] = 1.5
    data["current"]["mrr_eur_typo"] = 5
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    code, out, _ = run(capsys, path, "--json")
    assert code == 1
    messages = [f["message"] for f in json.loads(out)]
    assert any("channels.inbound.mql_to_sql: 1.5 is above 1" in m for m in messages)
    assert any("current.mrr_eur_typo: unknown key" in m for m in messages)
    assert all(m.startswith("plan.yaml: ") for m in messages)


def test_folder_with_table_checks_only_that_table(tmp_path, capsys):
    (tmp_path / "deals.csv").write_text(GOOD, encoding="utf-8")
    (tmp_path / "costs.csv").write_text("month;region\n", encoding="utf-8")  # header only
    code, out, _ = run(capsys, tmp_path, "--table", "deals")
    assert (code, out.splitlines()[0][:16]) == (0, "deals.csv: 3 row")
    code, out, _ = run(capsys, tmp_path)
    assert code == 1
    assert "costs.csv: the file has a header but no data rows" in out


def test_closed_pipe_exits_quietly(tmp_path):
    """``planning validate --json ... | head -1``: no BrokenPipeError traceback."""
    import subprocess
    import sys

    header, row = GOOD.splitlines()[:2]
    # distinct values: a repeated value is reported once (issue 13)
    rows = [row.replace("1.234,56", f"abc{i}").replace("D-001", f"D-{i:05d}") for i in range(3000)]
    path = tmp_path / "big.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    code = "import sys; from planning_lib.cli.main import main; sys.exit(main(sys.argv[1:]))"
    argv = [sys.executable, "-c", code, "validate", str(path), "--table", "deals", "--json"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline() == b"[\n"
    proc.stdout.close()  # what ``head -1`` does after its line
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert (proc.returncode, err) == (141, "")


def test_plan_parameters_misspelt_scenario_and_driver_paths(tmp_path, capsys):
    import yaml

    from planning_lib.core.paths import CONFIGS

    data = yaml.safe_load((CONFIGS / "cloudflow.yaml").read_text(encoding="utf-8"))
    data["scenarios"]["worst"]["channels.inbound.leads_per_montth"] = {"factor": 0.8}
    data["monte_carlo"]["drivers"]["drivers.churn_rate_monthy.end"] = {"dist": "fixed", "mean": 0}
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    code, out, _ = run(capsys, path)
    assert code == 1
    assert (
        "scenarios.worst: channels.inbound.leads_per_montth: not a plan parameter "
        "(did you mean 'channels.inbound.leads_per_month'?)" in out
    )
    assert (
        "monte_carlo.drivers: drivers.churn_rate_monthy.end: not a numeric plan parameter "
        "(did you mean 'drivers.churn_rate_monthly.end'?)" in out
    )


def test_region_file_without_base_gets_a_hint(tmp_path, capsys):
    from planning_lib.core.paths import CONFIGS

    (tmp_path / "regions").mkdir()
    base = tmp_path / "cloudflow.yaml"
    base.write_text((CONFIGS / "cloudflow.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    region = tmp_path / "regions" / "AT.yaml"
    region.write_text("region: AT\ncurrent:\n  customers: 70\n", encoding="utf-8")
    code, out, err = run(capsys, region)
    assert code == 1
    assert "required but missing" in out
    assert err == f"hint: AT.yaml looks like a region file: use --base {base}\n"
    code, out, err = run(capsys, region, "--json", "--lang", "de")
    assert code == 1 and json.loads(out)
    assert err.startswith("Hinweis: AT.yaml sieht nach einer Regionsdatei aus: --base ")
    code, _, err = run(capsys, region, "--base", base)
    assert (code, err) == (0, "")
