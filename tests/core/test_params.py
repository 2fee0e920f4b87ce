"""Plan parameters: ranges, unknown keys, region overrides, the CloudFlow config."""

from __future__ import annotations

from pathlib import Path

import pytest

from planning_lib.cli.main import main
from planning_lib.core.config import deep_merge, load_params, region_file
from planning_lib.core.fields import ParameterError
from planning_lib.core.params import params_from_dict
from planning_lib.core.paths import CONFIGS

CLOUDFLOW = CONFIGS / "cloudflow.yaml"


def _raw():
    import yaml

    return yaml.safe_load(CLOUDFLOW.read_text(encoding="utf-8"))


def test_cloudflow_encodes_the_seed():
    p = load_params(CLOUDFLOW)
    assert p.current.customers == 500
    assert p.current.mrr_eur == 80_000
    assert p.current.reps == {"inside_sales": 3}
    assert p.history.new_customers_last_year == 300
    assert p.history.cac_eur == 250
    assert p.history.clv_eur == 3_000
    assert p.history.new_customer_share_by_source == {
        "inbound": 0.6,
        "referral_and_outbound": 0.4,
    }
    assert p.market.growth_rate_yearly == 0.18
    assert p.forecast_no_change_new_customers == 350
    assert p.target("mrr_end").value == 120_000
    assert p.target("new_customers").value == 600
    assert p.target("cac").value == 200
    assert p.target("churn_rate_monthly").value == 0.03
    assert (p.drivers.churn_rate_monthly.start, p.drivers.churn_rate_monthly.end) == (0.05, 0.03)
    assert p.channels["inbound"].leads_per_month == 500
    assert p.channels["outbound"].leads_per_month == 250
    assert p.channels["partner"].new_partners_per_quarter == 3
    assert p.channels["partner"].partner_commission_rate == 0.2
    assert [round(c.lead_share, 2) for c in p.channels.values()] == [0.6, 0.3, 0.1]
    hires = [(h.role, h.count, h.quarter) for h in p.organisation.hires]
    assert hires == [("inside_sales", 2, 1), ("partner_manager", 1, 2)]
    assert p.budget.total_eur == 400_000
    assert p.budget.by_category == {
        "personnel": 250_000,
        "marketing": 100_000,
        "tools": 30_000,
        "training_travel": 20_000,
    }
    assert p.compensation.commission_rate_first_year == 0.10
    rule = next(r for r in p.rules if r.code == "sql_to_demo_low")
    assert (rule.metric, rule.comparison, rule.threshold) == ("sql_to_demo", "<", 0.2)
    assert [x.name for x in p.personas] == ["Projektleiterin Anja", "Geschäftsführer Markus"]
    assert p.positioning["de"].startswith("Die agile Projektmanagement-Lösung für dynamische KMU")


def test_out_of_range_names_the_field():
    raw = _raw()
    raw["drivers"]["churn_rate_monthly"] = 1.3
    with pytest.raises(ParameterError) as exc:
        params_from_dict(raw, "x.yaml")
    assert "churn_rate_monthly.start: 1.3 is above 1.0" in str(exc.value)
    assert "x.yaml" in str(exc.value)


def test_share_above_one_names_the_path():
    raw = _raw()
    raw["channels"]["inbound"]["mql_to_sql"] = 1.5
    with pytest.raises(ParameterError, match=r"channels\.inbound\.mql_to_sql: 1\.5 is above 1"):
        params_from_dict(raw)


def test_unknown_key_is_an_error():
    raw = _raw()
    raw["drivers"]["churn_rate"] = 0.05
    with pytest.raises(ParameterError, match=r"drivers\.churn_rate: unknown key"):
        params_from_dict(raw)


def test_all_problems_are_listed_at_once():
    raw = _raw()
    raw["budget"]["total_eur"] = -1
    raw["company"]["horizon_months"] = 48
    with pytest.raises(ParameterError) as exc:
        params_from_dict(raw)
    assert len(exc.value.problems) == 2
    assert "budget.total_eur: -1 is below 0" in str(exc.value)
    assert "company.horizon_months: 48 is above 36" in str(exc.value)


def test_hire_of_unknown_role_is_rejected():
    raw = _raw()
    raw["organisation"]["hires"].append({"role": "wizard", "count": 1, "quarter": 3})
    with pytest.raises(ParameterError, match="'wizard' is not a defined role"):
        params_from_dict(raw)


def test_region_file_overrides_only_what_it_names(tmp_path):
    (tmp_path / "regions").mkdir()
    base = tmp_path / "base.yaml"
    base.write_text(CLOUDFLOW.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "regions" / "AT.yaml").write_text(
        "region: AT\ncurrent:\n  customers: 75\nchannels:\n  inbound:\n    leads_per_month: 70\n",
        encoding="utf-8",
    )
    p = load_params(base, region="AT")
    assert p.region == "AT"
    assert p.current.customers == 75
    assert p.current.mrr_eur == 80_000  # not named: from the base
    assert p.channels["inbound"].leads_per_month == 70
    assert p.channels["inbound"].mql_to_sql == 0.35  # sibling key kept


def test_unknown_region_lists_known(tmp_path):
    (tmp_path / "regions").mkdir()
    (tmp_path / "regions" / "CH.yaml").write_text("region: CH\n", encoding="utf-8")
    base = tmp_path / "base.yaml"
    base.write_text(CLOUDFLOW.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(FileNotFoundError, match="known regions: CH"):
        load_params(base, region="XX")


def test_deep_merge():
    assert deep_merge({"a": {"b": 1, "c": 2}, "d": 3}, {"a": {"b": 5}}) == {
        "a": {"b": 5, "c": 2},
        "d": 3,
    }


def test_yaml_round_trip(tmp_path):
    from planning_lib.core.config import dump_params

    p = load_params(CLOUDFLOW)
    out = tmp_path / "p.yaml"
    dump_params(p, out)
    assert load_params(out) == p


def test_unknown_key_suggests_the_closest_parameter():
    raw = _raw()
    raw["channels"]["inbound"]["mql_to_sqll"] = 0.4
    raw["drivers"]["arpa_montly_eur"] = 160
    with pytest.raises(ParameterError) as exc:
        params_from_dict(raw)
    text = str(exc.value)
    hint = "unknown key (not a plan parameter; did you mean"
    assert f"channels.inbound.mql_to_sqll: {hint} 'mql_to_sql'?)" in text
    assert f"drivers.arpa_montly_eur: {hint} 'arpa_monthly_eur'?)" in text


def test_validator_errors_name_the_full_path():
    raw = _raw()
    raw["drivers"]["churn_rate_monthly"] = {"start": 0.05, "end": 1.3, "path": "linear"}
    with pytest.raises(ParameterError) as exc:
        params_from_dict(raw)
    assert exc.value.problems == ["drivers.churn_rate_monthly.end: 1.3 is above 1.0"]


def _write(tmp_path, raw):
    import yaml

    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_cloudflow_scenario_and_monte_carlo_paths_resolve():
    from planning_lib.core.overrides import check_override_paths

    assert check_override_paths(load_params(CLOUDFLOW)) == []
    for region in ("AT", "CH", "DE-Nord", "DE-Süd"):
        assert check_override_paths(load_params(CLOUDFLOW, region=region)) == []


def test_misspelt_scenario_and_driver_paths_are_rejected_at_load(tmp_path):
    raw = _raw()
    raw["scenarios"]["worst"]["channels.outbund.sql_to_demo"] = {"delta": -0.08}
    raw["scenarios"]["best"]["channels.inbound.leads_per_month"] = {"factr": 1.2}
    raw["monte_carlo"]["drivers"]["drivers.churn_rate_monthy.end"] = {"dist": "fixed", "mean": 0.03}
    with pytest.raises(ParameterError) as exc:
        load_params(_write(tmp_path, raw))
    assert exc.value.problems == [
        "scenarios.best: channels.inbound.leads_per_month: unknown key(s) ['factr'] in a "
        "relative value (allowed: factor, delta)",
        "scenarios.worst: channels.outbund.sql_to_demo: not a plan parameter "
        "(did you mean 'channels.outbound.sql_to_demo'?)",
        "monte_carlo.drivers: drivers.churn_rate_monthy.end: not a numeric plan parameter "
        "(did you mean 'drivers.churn_rate_monthly.end'?)",
    ]


def test_scenario_may_add_a_key_to_a_free_mapping_and_index_lists(tmp_path):
    raw = _raw()
    raw["scenarios"]["extra"] = {
        "budget.by_category.commissions": 5000,
        "targets.1.value": {"factor": 1.1},
    }
    p = load_params(_write(tmp_path, raw))
    assert p.scenarios["extra"]["targets.1.value"] == {"factor": 1.1}
    raw["scenarios"]["extra"] = {"targets.9.value": 700}
    with pytest.raises(ParameterError, match=r"scenarios\.extra: targets\.9\.value: not a plan"):
        load_params(_write(tmp_path, raw))


def test_load_rejects_bad_driver_paths(tmp_path):
    text = CLOUDFLOW.read_text(encoding="utf-8").replace(
        "  new_customers_basis: target\n",
        "  new_customers_basis: target\n"
        "  paths:\n"
        "    drivers.arpa_montly_eur: {end: 184, path: linear}\n",
    )
    bad = tmp_path / "paths.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError) as exc:
        load_params(bad)
    assert "drivers.paths.drivers.arpa_montly_eur" in str(exc.value)
    assert "drivers.arpa_monthly_eur" in str(exc.value)


# --- region names stay inside regions/ (issue 15, item 12) -------------------------------


@pytest.fixture
def config(tmp_path) -> Path:
    """cloudflow.yaml with regions/AT.yaml, and an attacker's YAML two folders up."""
    folder = tmp_path / "a" / "b"
    (folder / "regions").mkdir(parents=True)
    (folder / "cloudflow.yaml").write_bytes((CONFIGS / "cloudflow.yaml").read_bytes())
    at = (CONFIGS / "regions" / "AT.yaml").read_bytes()
    (folder / "regions" / "AT.yaml").write_bytes(at)
    (tmp_path / "x.yaml").write_bytes(at)  # a/b/regions/../../../x.yaml
    (folder / "x.yaml").write_bytes(at)  # a/b/regions/../x.yaml
    return folder / "cloudflow.yaml"


@pytest.mark.parametrize("name", ["../x", "../../../x", "../../../x.yaml", "sub/AT", "..", ""])
def test_region_names_with_paths_are_refused(config, name):
    with pytest.raises(ParameterError, match="is not a region name") as err:
        load_params(config, region=name)
    assert "path separators and '..' are not allowed (known regions: AT)" in str(err.value)


def test_region_symlink_leading_outside_is_refused(config):
    (config.parent / "regions" / "evil.yaml").symlink_to(config.parents[2] / "x.yaml")
    with pytest.raises(ParameterError, match="'evil' is not a region name"):
        region_file(config, "evil")


def test_plain_region_names_still_work(config):
    assert region_file(config, "AT") == config.parent / "regions" / "AT.yaml"
    assert region_file(config, "AT.yaml") == config.parent / "regions" / "AT.yaml"
    assert load_params(config, region="AT").region == "AT"


def test_cli_region_outside_regions_exits_1_without_output(config, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["plan", "--config", str(config), "--region", "../../../x", "--out", str(out)])
    assert code == 1
    assert "is not a region name" in capsys.readouterr().err
    assert not out.exists()
