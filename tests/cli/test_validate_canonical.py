"""``planning validate --write-canonical DIR``: a clean export becomes canonical tables."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from planning_lib.cli.main import main
from planning_lib.core.paths import CONFIGS, SAMPLE_DATA
from planning_lib.data.loaders import load_dataset, load_table

CONFIG = CONFIGS / "cloudflow.yaml"
TABLE_FILES = ("costs", "deals", "headcount", "leads", "subscriptions")

# canonical deals column -> HubSpot export column (names from mappings/hubspot.yaml)
HUBSPOT_COLUMNS = {
    "deal_id": "Record ID",
    "customer_id": "Associated Company IDs",
    "created_date": "Create Date",
    "close_date": "Close Date",
    "stage": "Deal Stage",
    "amount_eur": "Amount",
    "mrr_eur": "Monthly recurring revenue",
    "region": "Region",
    "product": "Product",
    "segment": "Segment",
    "channel": "Original Source Type",
    "owner": "Deal owner",
}
HUBSPOT_STAGES = {
    "qualified": "Qualified To Buy",
    "demo": "Presentation Scheduled",
    "proposal": "Decision Maker Bought-In",
    "negotiation": "Contract Sent",
    "won": "Closed Won",
    "lost": "closedlost",
}
HUBSPOT_CHANNELS = {"inbound": "Organic Search", "outbound": "OFFLINE", "partner": "Partner"}


def _hubspot_deals(source: Path, target: Path, *, with_mrr: bool) -> None:
    """The sample's deals as a HubSpot "All deals" export (HubSpot names and values)."""
    deals = pd.read_csv(source, dtype=str, keep_default_na=False)
    deals["stage"] = deals["stage"].map(HUBSPOT_STAGES)
    deals["channel"] = deals["channel"].map(HUBSPOT_CHANNELS)
    deals["created_date"] = deals["created_date"] + " 09:30"  # HubSpot exports a time
    if not with_mrr:  # HubSpot has no MRR column: mrr_eur gets the canonical default 0
        deals = deals.drop(columns="mrr_eur")
    deals = deals.rename(columns=HUBSPOT_COLUMNS)
    deals.insert(1, "Pipeline", "Sales Pipeline")  # not canonical: dropped
    deals.to_csv(target, index=False, lineterminator="\n")


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean HubSpot-style export folder: the sample with HubSpot deals, with actuals/."""
    folder = tmp_path_factory.mktemp("export") / "crm_export"
    (folder / "actuals").mkdir(parents=True)
    for sub in ("", "actuals"):
        for name in TABLE_FILES:
            if name != "deals":
                shutil.copyfile(SAMPLE_DATA / sub / f"{name}.csv", folder / sub / f"{name}.csv")
        _hubspot_deals(
            SAMPLE_DATA / sub / "deals.csv", folder / sub / "deals.csv", with_mrr=sub == ""
        )
    return folder


def _validate(capsys, *argv: object) -> tuple[int, str, str]:
    code = main(["validate", *map(str, argv)])
    out = capsys.readouterr()
    return code, out.out, out.err


def _bytes(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _digests(folder: Path) -> dict[str, str]:
    return {rel: hashlib.sha256(data).hexdigest() for rel, data in _bytes(folder).items()}


@pytest.fixture(scope="module")
def written(export: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """``(DIR, input digests before the run)`` of one clean run."""
    before = _digests(export)
    out = tmp_path_factory.mktemp("canonical") / "canonical"
    code = main(["validate", str(export), "--mapping", "hubspot", "--write-canonical", str(out)])
    assert code == 0
    return out, before


def test_clean_export_is_written_as_canonical_tables(written, export):
    out, _ = written
    assert sorted(_bytes(out)) == sorted(
        [f"{t}.csv" for t in TABLE_FILES] + [f"actuals/{t}.csv" for t in TABLE_FILES]
    )
    for sub in ("", "actuals"):
        expected = load_dataset(export / sub, mapping="hubspot")
        actual = load_dataset(out / sub)
        assert sorted(actual) == sorted(expected)
        for table, frame in expected.items():
            pd.testing.assert_frame_equal(actual[table], frame, check_exact=True)


def test_canonical_deals_look_like_the_sample(written):
    out, _ = written
    header, first = (out / "deals.csv").read_text(encoding="utf-8").splitlines()[:2]
    assert header == (SAMPLE_DATA / "deals.csv").read_text(encoding="utf-8").splitlines()[0]
    assert first == (SAMPLE_DATA / "deals.csv").read_text(encoding="utf-8").splitlines()[1]
    # the actuals' export has no MRR column: the default 0 in every row, not Amount / 12
    mrr = pd.read_csv(out / "actuals" / "deals.csv", dtype=str)["mrr_eur"]
    assert set(mrr) == {"0.00"}


def test_computed_mrr_of_a_user_mapping_keeps_every_digit(tmp_path, capsys):
    """A user mapping ``extends: hubspot`` with ``computed: mrr_eur = amount_eur / 12``
    (deals that are subscriptions, Amount their annual value): the canonical file keeps
    every digit where two decimals would round; read back, mrr_eur equals the sample's
    actuals amounts ÷ 12 computed with plain pandas."""
    export = tmp_path / "hubspot_export.csv"
    _hubspot_deals(SAMPLE_DATA / "actuals" / "deals.csv", export, with_mrr=False)
    mapping = tmp_path / "annual.yaml"
    mapping.write_text(
        "extends: hubspot\ntable: deals\ncomputed:\n  mrr_eur: {from: amount_eur, divide_by: 12}\n",
        encoding="utf-8",
    )
    out = tmp_path / "one"
    code, stdout, _ = _validate(capsys, export, "--mapping", mapping, "--write-canonical", out)
    assert code == 0
    assert "mrr_eur: column missing, computed as amount_eur / 12 in all" in stdout
    mrr = pd.read_csv(out / "deals.csv", dtype=str)["mrr_eur"]
    assert mrr.str.fullmatch(r"\d+\.\d+").all()
    amounts = pd.read_csv(SAMPLE_DATA / "actuals" / "deals.csv")["amount_eur"]
    got = load_dataset(out)["deals"]["mrr_eur"]
    assert got.tolist() == (amounts / 12).tolist()


def test_messages_name_the_folder_and_the_next_command(export, tmp_path, capsys):
    """The last line names the next commands in the README's order for an own company:
    init (a plan from this history) before batch (the #13 trial: the hint named only
    batch, which needs a plan the user does not have yet)."""
    out = tmp_path / "canon"
    code, stdout, _ = _validate(capsys, export, "--mapping", "hubspot", "--write-canonical", out)
    assert code == 0
    lines = stdout.splitlines()
    assert lines[-2].startswith(f"canonical tables written to {out}: actuals/costs.csv, ")
    assert lines[-1] == (
        f"next: planning init --data {out} --out <plan.yaml> (a plan calibrated from this "
        f"history; skip it if you have a plan), then planning batch --config <plan.yaml> "
        f"--data {out} --out <reports folder>"
    )


def test_a_canonical_data_command_runs_on_the_folder(written, tmp_path):
    out, _ = written
    report = tmp_path / "analyse"
    code = main(["analyse", "--data", str(out), "--config", str(CONFIG), "--out", str(report)])
    assert code == 0
    assert (report / "findings.json").exists()


def test_inputs_are_not_changed(written, export):
    _, before = written
    assert _digests(export) == before


def test_two_runs_write_byte_identical_files(written, export, tmp_path):
    first, _ = written
    second = tmp_path / "second"
    code = main(["validate", str(export), "--mapping", "hubspot", "--write-canonical", str(second)])
    assert code == 0
    assert _bytes(second) == _bytes(first)


def test_the_sample_is_written_back_byte_for_byte(tmp_path, capsys):
    out = tmp_path / "sample"
    code, _, _ = _validate(capsys, SAMPLE_DATA, "--write-canonical", out)
    assert code == 0
    expected = {rel: data for rel, data in _bytes(SAMPLE_DATA).items() if rel.endswith(".csv")}
    assert _bytes(out) == expected


def test_a_single_file_writes_its_table(tmp_path, capsys):
    export = tmp_path / "hubspot_export.csv"
    _hubspot_deals(SAMPLE_DATA / "actuals" / "deals.csv", export, with_mrr=False)
    out = tmp_path / "one"
    code, _, _ = _validate(capsys, export, "--mapping", "hubspot", "--write-canonical", out)
    assert code == 0
    assert sorted(_bytes(out)) == ["deals.csv"]
    pd.testing.assert_frame_equal(
        load_dataset(out)["deals"], load_table(export, "deals", mapping="hubspot")
    )


@pytest.fixture
def bad_export(export: Path, tmp_path: Path) -> Path:
    """The export with one amount that is no number."""
    folder = tmp_path / "bad_export"
    shutil.copytree(export, folder)
    lines = (folder / "deals.csv").read_text(encoding="utf-8").splitlines()
    cells = lines[5].split(",")
    cells[list(pd.read_csv(folder / "deals.csv", nrows=0).columns).index("Amount")] = "abc"
    lines[5] = ",".join(cells)
    (folder / "deals.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_invalid_export_writes_nothing(bad_export, tmp_path, capsys):
    out = tmp_path / "canon"
    before = _digests(bad_export)
    code, stdout, _ = _validate(
        capsys, bad_export, "--mapping", "hubspot", "--write-canonical", out
    )
    assert code == 1
    assert not out.exists()
    assert not list(tmp_path.glob(".canon*"))  # no temporary folder left behind
    assert "not_a_number (1):" in stdout
    assert stdout.splitlines()[-1] == "nothing written: fix the problems above first"
    assert _digests(bad_export) == before


def test_invalid_export_in_german(bad_export, tmp_path, capsys):
    out = tmp_path / "canon"
    code, stdout, _ = _validate(
        capsys, bad_export, "--mapping", "hubspot", "--write-canonical", out, "--lang", "de"
    )
    assert code == 1
    assert not out.exists()
    assert stdout.splitlines()[-1] == "nichts geschrieben: zuerst die Probleme oben beheben"


def test_json_output_stays_json(bad_export, tmp_path, capsys):
    out = tmp_path / "canon"
    code, stdout, stderr = _validate(
        capsys, bad_export, "--mapping", "hubspot", "--write-canonical", out, "--json"
    )
    assert code == 1
    assert len(json.loads(stdout)) == 1
    assert "nothing written" in stderr
    assert not out.exists()


def test_non_empty_folder_is_refused(export, tmp_path, capsys):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "deals.csv").write_text("earlier result\n", encoding="utf-8")
    before, inputs = _bytes(out), _digests(export)
    code, stdout, stderr = _validate(
        capsys, export, "--mapping", "hubspot", "--write-canonical", out
    )
    assert code == 2
    assert stdout == ""
    assert f"output folder {out} exists and is not empty" in stderr
    assert _bytes(out) == before
    assert _digests(export) == inputs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_empty_folder_is_used(tmp_path, capsys):
    export = tmp_path / "deals.csv"
    _hubspot_deals(SAMPLE_DATA / "actuals" / "deals.csv", export, with_mrr=True)
    out = tmp_path / "empty"
    out.mkdir()
    code, _, _ = _validate(capsys, export, "--mapping", "hubspot", "--write-canonical", out)
    assert code == 0
    assert sorted(_bytes(out)) == ["deals.csv"]


def test_folder_inside_the_input_is_refused(export, tmp_path, capsys):
    folder = tmp_path / "in"
    shutil.copytree(export, folder)
    before = _digests(folder)
    code, _, stderr = _validate(
        capsys, folder, "--mapping", "hubspot", "--write-canonical", folder / "canonical"
    )
    assert code == 2
    assert "inside the input folder" in stderr
    assert _digests(folder) == before
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["actuals", *(f"{t}.csv" for t in TABLE_FILES)]
    )


def test_plan_parameters_cannot_be_written(tmp_path, capsys):
    code, _, stderr = _validate(capsys, CONFIG, "--write-canonical", tmp_path / "x")
    assert code == 2
    assert "needs a data file or folder" in stderr
    assert not (tmp_path / "x").exists()
