"""Config and data text inside the reports: shown as text, never run (issue 15, items 10, 11).

Item 11: a region name (and target description, channel label) taken from the config
reaches the phase report's narrative sentences; the notebook runs for real (papermill,
nbconvert HTML export, as ``planning batch`` runs it) and the raw tag must not be in the
HTML while its escaped text is. The run index (``render_index``) is checked the same way.

Item 10 (CSV part): text starting with ``=``, ``+``, ``-``, ``@`` in the CSV outputs of
``plan``, ``analyse``, ``forecast`` and ``versions compare`` gets a leading ``'``;
numbers, negative ones included, are written as before.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from planning_lib.cli import main as cli
from planning_lib.core.csv_safe import neutralise, spreadsheet_safe
from planning_lib.core.paths import CONFIGS, NOTEBOOKS, SAMPLE_DATA
from planning_lib.present.markup import markdown_text

EVIL = "<img src=x onerror=alert(1)>"
EVIL_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
SCRIPT = "<script>alert(2)</script>"
FORMULA = '=HYPERLINK("http://x","a")'


def _evil_config(folder: Path) -> Path:
    """The sample config with a region named EVIL (DE-Nord's figures) and evil texts."""
    shutil.copy(CONFIGS / "cloudflow.yaml", folder / "cloudflow.yaml")
    shutil.copytree(CONFIGS / "regions", folder / "regions")
    region = yaml.safe_load((CONFIGS / "regions" / "DE-Nord.yaml").read_text(encoding="utf-8"))
    region["region"] = EVIL
    region["targets"][0]["description_de"] = f"MRR-Ziel {SCRIPT}"
    (folder / "regions" / f"{EVIL}.yaml").write_text(
        yaml.safe_dump(region, allow_unicode=True), encoding="utf-8"
    )
    return folder / "cloudflow.yaml"


# ------------------------------------------------------------------ item 11: HTML


def test_markdown_text_escapes_html_and_markdown() -> None:
    """By hand: & < > become entities, * _ [ ] ` | backslash-escaped, newlines spaces."""
    assert markdown_text(EVIL) == EVIL_ESCAPED
    assert markdown_text("a*b*_c_ [x](y) `z` a|b") == r"a\*b\*\_c\_ \[x\](y) \`z\` a\|b"
    assert markdown_text("Zeile 1\n\n# Titel") == r"Zeile 1 \# Titel"
    assert markdown_text("1.234 € · DE-Süd") == "1.234 € · DE-Süd"


def test_phase_report_shows_a_config_region_name_as_text(tmp_path: Path) -> None:
    """Phase 02 for the region EVIL, run by papermill and exported by nbconvert.

    The title sentence names the region (``02.title``), the targets table shows the
    description: neither may put a live tag into the report; the escaped text must be there.
    """
    from planning_lib.run.notebook import NotebookJob, execute_job

    (tmp_path / "cfg").mkdir()
    config = _evil_config(tmp_path / "cfg")
    job = NotebookJob(
        key=f"{EVIL}/02_ziele",
        region=EVIL,
        notebook=str(NOTEBOOKS / "02_ziele.ipynb"),
        output_notebook=str(tmp_path / "out" / "02_ziele.ipynb"),
        output_html=str(tmp_path / "out" / "02_ziele.html"),
        parameters={
            "region": EVIL,
            "config_path": str(config),
            "data_path": str(SAMPLE_DATA),
            "output_dir": str(tmp_path / "out" / "region"),
        },
    )
    outcome = execute_job(job)
    assert outcome.status == "ok", outcome.error
    report = Path(outcome.output_html).read_text(encoding="utf-8")
    assert EVIL not in report and SCRIPT not in report
    assert EVIL_ESCAPED in report  # the title sentence names the region, as text
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in report


def test_run_index_shows_region_names_and_errors_as_text(tmp_path: Path) -> None:
    """``render_index`` (the batch's index.html) with EVIL as region and in an error."""
    from planning_lib.run.html import render_index

    manifest = {
        "run_id": "20260101T000000Z-abcdef",
        "created_utc": "2026-01-01T00:00:00+00:00",
        "status": "failed",
        "regions": {EVIL: {"status": "failed", "key_figures": {}, "charts": [], "excel": None}},
        "notebooks": [
            {
                "region": EVIL,
                "notebook": "01_ist_analyse",
                "status": "failed",
                "duration_s": 1.0,
                "error": {"kind": "cell", "ename": "ValueError", "evalue": f"region {EVIL}"},
            }
        ],
    }
    page = render_index(tmp_path, manifest).read_text(encoding="utf-8")
    assert EVIL not in page
    assert page.count(EVIL_ESCAPED) >= 3  # failures list, key figure table, notebooks heading


# ------------------------------------------------------------------ item 10: CSV


def test_neutralise_follows_owasp_and_keeps_numbers() -> None:
    """OWASP: = + - @ tab CR at the start get a ' ; a text that is a number is a number."""
    for bad in (FORMULA, "+1+cmd", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(bad) == "'" + bad
    for ok in ("-12.5", "+3", "-1e-05", "DE-Nord", "", "'=x", "a=b"):
        assert neutralise(ok) == ok
    assert neutralise(-3.0) == -3.0 and neutralise(None) is None


def test_spreadsheet_safe_keeps_numeric_columns_byte_identical() -> None:
    """A frame with negative numbers and no formula text writes the same bytes as before."""
    frame = pd.DataFrame({"region": ["DE-Nord", "AT"], "value": [-1.25, 3.5], "n": [-2, 4]})
    before = frame.to_csv(index=False, float_format="%.4f", lineterminator="\n")
    after = spreadsheet_safe(frame).to_csv(index=False, float_format="%.4f", lineterminator="\n")
    assert after == before == "region,value,n\nDE-Nord,-1.2500,-2\nAT,3.5000,4\n"
    evil = pd.DataFrame({FORMULA: [FORMULA], "v": [-1.0]}, index=pd.Index(["@x"], name="k"))
    text = spreadsheet_safe(evil).to_csv(lineterminator="\n")
    assert (
        text
        == 'k,"\'=HYPERLINK(""http://x"",""a"")",v\n\'@x,"\'=HYPERLINK(""http://x"",""a"")",-1.0\n'
    )


def _evil_channel_config(folder: Path) -> Path:
    """The sample config whose channel ``partner`` is called FORMULA (key and labels)."""
    folder.mkdir()
    base = yaml.safe_load((CONFIGS / "cloudflow.yaml").read_text(encoding="utf-8"))
    base["channels"][FORMULA] = base["channels"].pop("partner")
    (folder / "cloudflow.yaml").write_text(
        yaml.safe_dump(base, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    shutil.copytree(CONFIGS / "regions", folder / "regions")
    for path in (folder / "regions").glob("*.yaml"):
        text = path.read_text(encoding="utf-8").replace("\n  partner:", f"\n  '{FORMULA}':")
        path.write_text(text, encoding="utf-8")
    return folder / "cloudflow.yaml"


def test_plan_csv_neutralises_a_formula_channel_name(tmp_path: Path) -> None:
    """``planning plan`` with a channel named FORMULA: plan.csv and gap.csv hold it as
    ``'=HYPERLINK(...)``; the numbers (negative cash flows included) read back unchanged."""
    config = _evil_channel_config(tmp_path / "cfg")
    out = tmp_path / "plan"
    assert cli.main(["plan", "--config", str(config), "--out", str(out)]) == 0
    for name in ("plan.csv", "gap.csv"):
        text = (out / name).read_text(encoding="utf-8")
        assert "'=HYPERLINK" in text, name
        lines = text.splitlines()
        assert not any(cell.startswith(("=", "@")) for ln in lines for cell in ln.split(","))
        assert not any(ln.startswith('"=') or ',"=' in ln for ln in lines), name
    plan = pd.read_csv(out / "plan.csv", keep_default_na=False)
    assert (plan["channel"] == "'" + FORMULA).any()
    assert pd.api.types.is_float_dtype(plan["value"]) and (plan["value"] < 0).any()


def test_versions_compare_csv_neutralises_formula_text(tmp_path: Path, capsys) -> None:
    """``versions compare --out`` writes the channel FORMULA as ``'=HYPERLINK(...)``."""
    config = _evil_channel_config(tmp_path / "cfg")
    vdir = tmp_path / "versions"
    for name in ("A", "B"):
        args = ["versions", "--versions-dir", str(vdir), "save", "--config", str(config)]
        assert cli.main([*args, "--name", name]) == 0
    out = tmp_path / "diff.csv"
    assert (
        cli.main(["versions", "--versions-dir", str(vdir), "compare", "A", "B", "--out", str(out)])
        == 0
    )
    diff = pd.read_csv(out, keep_default_na=False)
    assert (diff["channel"] == "'" + FORMULA).any()
    assert not diff["channel"].astype(str).str.startswith("=").any()


@pytest.fixture
def formula_data(tmp_path: Path) -> Path:
    """The sample data with the region AT renamed to FORMULA in every table."""
    data = tmp_path / "data"
    shutil.copytree(SAMPLE_DATA, data)
    for path in data.rglob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        if "region" in frame.columns:
            frame["region"] = frame["region"].replace("AT", FORMULA)
            frame.to_csv(path, index=False, lineterminator="\n")
    return data


def _assert_neutralised(out: Path) -> None:
    """No CSV cell of ``out`` starts with = or @; the region shows as ``'=HYPERLINK(...)``."""
    seen = False
    for path in out.glob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, header=None)
        cells = frame.to_numpy().ravel().tolist()
        assert not any(c.startswith(("=", "@")) for c in cells), path.name
        seen |= ("'" + FORMULA) in cells
    assert seen


def test_analyse_csv_neutralises_a_formula_region_from_the_data(tmp_path, formula_data) -> None:
    """``planning analyse`` on data whose region AT is called FORMULA."""
    out = tmp_path / "analyse"
    args = ["analyse", "--data", str(formula_data), "--config", str(CONFIGS / "cloudflow.yaml")]
    assert cli.main([*args, "--out", str(out)]) == 0
    _assert_neutralised(out)


def test_forecast_csv_neutralises_a_formula_region_from_the_data(tmp_path, formula_data) -> None:
    """``planning forecast --by region`` on data whose region AT is called FORMULA."""
    out = tmp_path / "forecast"
    args = ["forecast", "--data", str(formula_data), "--horizon", "3", "--workers", "1"]
    assert cli.main([*args, "--out", str(out)]) == 0
    _assert_neutralised(out)


def test_controlling_csv_neutralises_formula_text() -> None:
    """The controlling's CSVs (kpis, variance, ...) go through the same rule: a member
    named like a formula gets a leading quote, numbers (also negative) stay numbers."""
    import pandas as pd

    from planning_lib.cli.controlling import frame_csv

    text = frame_csv(
        pd.DataFrame({"member": ['=HYPERLINK("http://x","a")', "DE-Nord"], "value": [-1.5, 2.0]})
    )
    assert text.splitlines() == [
        "member,value",
        '"\'=HYPERLINK(""http://x"",""a"")",-1.500000',
        "DE-Nord,2.000000",
    ]
