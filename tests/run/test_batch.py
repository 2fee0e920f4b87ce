"""planning batch: folders, regions, parameters, fingerprint, retry and Dask (real kernels)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest

from planning_lib.core.paths import CONFIGS, SAMPLE_DATA
from planning_lib.run.batch import run_batch
from planning_lib.run.batch_jobs import BatchError, BatchSettings, select_regions
from planning_lib.run.notebook import NotebookJob, execute_job
from planning_lib.run.notebook_params import (
    STANDARD_PARAMETERS,
    UnknownParameterError,
    check_parameters,
    declared_parameters,
    parse_assignments,
)
from planning_lib.run.run_folder import (
    CONSOLIDATION_FOLDER,
    config_regions,
    input_fingerprint,
    new_run_dir,
    region_named,
    safe_folder_names,
)

CONFIG = CONFIGS / "cloudflow.yaml"

PARAMS_CELL = "\n".join(
    [
        'region: str = "DE-Nord"',
        'config_path: str = ""',
        'data_path: str = ""',
        "horizon: int = 12",
        'scenario: str = "base"',
        'locale: str = "de"',
        "seed: int = 42",
        'output_dir: str = ""',
    ]
)


def tiny_notebook(path: Path, body: str) -> Path:
    """A notebook with the standard parameters cell and one code cell."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(PARAMS_CELL)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "P"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


WRITE_FIGURE = (
    "from planning_lib.run.artifacts import write_key_figures\n"
    "import os\n"
    "write_key_figures(output_dir, '01_ist_analyse', {'new_customers': len(region), "
    "'launcher_pid': os.getppid()})\n"
)


# ------------------------------------------------------------------ folders and regions


def test_safe_folder_names_stay_inside_and_are_unique() -> None:
    names = safe_folder_names(["DE-Süd", "../x", "a/b", "..", "DE-Sued", "_konsolidierung"])
    assert names["DE-Süd"] == "DE-Sued"
    assert names["../x"] == "x"
    assert names["a/b"] == "a_b"
    assert names[".."] == "region"
    assert names["DE-Sued"] == "DE-Sued-2"  # collides with DE-Süd
    assert names["_konsolidierung"] == "konsolidierung"
    assert len(set(names.values())) == len(names)
    for folder in names.values():
        assert "/" not in folder and not folder.startswith(".") and folder != CONSOLIDATION_FOLDER


def test_select_regions_all_named_and_unknown() -> None:
    assert select_regions(CONFIG, None) == ["DE-Nord", "DE-Süd", "AT", "CH"]
    assert select_regions(CONFIG, ["all"]) == ["DE-Nord", "DE-Süd", "AT", "CH"]
    assert select_regions(CONFIG, ["AT", "DE-Nord"]) == ["AT", "DE-Nord"]
    with pytest.raises(BatchError) as err:  # the config's regions and region files, once each
        select_regions(CONFIG, ["Mars"])
    assert str(err.value) == "unknown region(s) Mars; known: AT, CH, DE-Nord, DE-Süd"


def test_region_folder_name_is_an_alias() -> None:
    assert select_regions(CONFIG, ["DE-Sued", "AT"]) == ["DE-Süd", "AT"]
    assert region_named("DE-Sued", ["DE-Nord", "DE-Süd"]) == "DE-Süd"
    assert region_named("DE-Süd", ["DE-Süd", "DE-Sued"]) == "DE-Süd"  # the name first
    assert region_named("Mars", ["DE-Süd"]) == "Mars"  # unknown stays, caller reports it
    assert config_regions(CONFIG) == ["DE-Nord", "DE-Süd", "AT", "CH"]


def test_new_run_dir_never_reuses_a_folder(tmp_path: Path) -> None:
    run_a, a = new_run_dir(tmp_path)
    (a / "keep.txt").write_text("earlier run")
    run_b, b = new_run_dir(tmp_path)
    assert a != b and run_a != run_b
    assert (a / "keep.txt").read_text() == "earlier run"
    assert list(b.iterdir()) == []


def test_input_fingerprint_changes_with_any_input(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "deals.csv").write_text("a,b\n1,2\n")
    config = tmp_path / "c.yaml"
    config.write_text("company: {}\n")
    first = input_fingerprint(config, tmp_path / "data", [])
    assert first == input_fingerprint(config, tmp_path / "data", [])
    (tmp_path / "data" / "deals.csv").write_text("a,b\n1,3\n")
    second = input_fingerprint(config, tmp_path / "data", [])
    assert second["sha256"] != first["sha256"]
    assert len(second["files"]) == 2


# ------------------------------------------------------------------ parameters


def test_phase_notebooks_declare_the_standard_parameters() -> None:
    from planning_lib.core.paths import NOTEBOOKS
    from planning_lib.run.catalog import PHASES

    for phase in PHASES:
        declared = declared_parameters(NOTEBOOKS / f"{phase.stem}.ipynb")
        assert list(declared)[: len(STANDARD_PARAMETERS)] == list(STANDARD_PARAMETERS)
    assert "region_dirs" in declared_parameters(NOTEBOOKS / "08_konsolidierung.ipynb")


def test_unknown_parameter_is_rejected_with_the_declared_names(tmp_path: Path) -> None:
    nb = tiny_notebook(tmp_path / "n.ipynb", "pass")
    with pytest.raises(UnknownParameterError) as err:
        check_parameters(nb, {"region": "AT", "horzion": 24})
    assert err.value.unknown == ["horzion"]
    assert "declares: region, config_path, data_path, horizon" in str(err.value)
    check_parameters(nb, {"region": "AT", "horizon": 24})  # known names pass


def test_batch_rejects_unknown_parameter_before_anything_runs(tmp_path: Path) -> None:
    settings = BatchSettings(
        config_path=CONFIG,
        data_path=SAMPLE_DATA,
        out_dir=tmp_path / "reports",
        regions=["AT"],
        extra_parameters={"horzion": 24},
        progress=False,
    )
    with pytest.raises(BatchError, match=r"does not declare the parameter.*horzion.*declares: "):
        run_batch(settings)
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())


def test_parse_assignments_reads_yaml_scalars() -> None:
    assert parse_assignments(["horizon=24", "locale=en", "02_ziele:seed=7"]) == {
        "horizon": 24,
        "locale": "en",
        "02_ziele:seed": 7,
    }
    with pytest.raises(ValueError, match="name=value"):
        parse_assignments(["nonsense"])


# ------------------------------------------------------------------ execution (real kernels)


def test_kernel_that_fails_to_start_is_retried_once(tmp_path: Path, monkeypatch) -> None:
    marker = tmp_path / "started-once"
    launcher = tmp_path / "flaky_kernel.py"
    launcher.write_text(
        "import pathlib, sys, runpy\n"
        f"m = pathlib.Path({str(marker)!r})\n"
        "if not m.exists():\n"
        "    m.write_text('x'); sys.exit(3)\n"
        "sys.argv = ['ipykernel_launcher', *sys.argv[1:]]\n"
        "runpy.run_module('ipykernel_launcher', run_name='__main__')\n"
    )
    spec = tmp_path / "jupyter" / "kernels" / "flaky"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, str(launcher), "-f", "{connection_file}"],
                "display_name": "flaky",
                "language": "python",
            }
        )
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    nb = tiny_notebook(tmp_path / "nb.ipynb", "x = 1 + 1")
    job = NotebookJob(
        key="AT/nb",
        region="AT",
        notebook=str(nb),
        output_notebook=str(tmp_path / "out" / "nb.ipynb"),
        output_html=str(tmp_path / "out" / "nb.html"),
        parameters={"region": "AT"},
        kernel_name="flaky",
        start_timeout_s=20,
    )
    outcome = execute_job(job)
    assert marker.exists()
    assert outcome.status == "ok", outcome.error
    assert outcome.attempts == 2
    assert Path(outcome.output_html).read_text().count("x = 1 + 1") == 0  # no code in HTML


def test_cell_error_is_kept_with_cell_and_reason(tmp_path: Path) -> None:
    nb = tiny_notebook(tmp_path / "bad.ipynb", "raise ValueError('churn above 1.0')")
    job = NotebookJob(
        key="AT/bad",
        region="AT",
        notebook=str(nb),
        output_notebook=str(tmp_path / "out" / "bad.ipynb"),
        output_html=str(tmp_path / "out" / "bad.html"),
        parameters={"region": "AT"},
    )
    outcome = execute_job(job)
    assert outcome.status == "failed" and outcome.attempts == 1
    assert outcome.error["ename"] == "ValueError"
    assert outcome.error["evalue"] == "churn above 1.0"
    assert outcome.error["cell_source_first_line"].startswith("raise ValueError")
    executed = nbformat.read(outcome.output_notebook, as_version=4)
    assert any(o.get("ename") == "ValueError" for c in executed.cells for o in c.get("outputs", []))
    assert "churn above 1.0" in Path(outcome.output_html).read_text()


def test_batch_on_a_real_dask_local_cluster(tmp_path: Path) -> None:
    from distributed import LocalCluster

    notebooks = tmp_path / "notebooks"
    tiny_notebook(notebooks / "01_ist_analyse.ipynb", WRITE_FIGURE)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        result = run_batch(
            BatchSettings(
                config_path=CONFIG,
                data_path=SAMPLE_DATA,
                out_dir=tmp_path / "reports",
                regions=["AT", "CH"],
                dask_scheduler=cluster.scheduler_address,
                phases=["01"],
                consolidate=False,
                notebooks_dir=notebooks,
                progress=False,
            )
        )
        from distributed import Client

        with Client(cluster) as client:
            worker_pids = set(client.run(os.getpid).values())
    assert result.ok, [o.error for o in result.outcomes]
    assert [o.key for o in result.outcomes] == ["AT/01_ist_analyse", "CH/01_ist_analyse"]
    figures = {r: result.manifest["regions"][r]["key_figures"] for r in ("AT", "CH")}
    assert figures["AT"]["new_customers"] == 2 and figures["CH"]["new_customers"] == 2
    assert result.manifest["parameters"]["dask_scheduler"] == cluster.scheduler_address
    # the kernels were started by the Dask worker processes, not by this process
    assert len(worker_pids) == 2
    assert {figures[r]["launcher_pid"] for r in ("AT", "CH")} <= worker_pids


def test_local_workers_show_progress_and_never_overwrite(tmp_path: Path, capsys) -> None:
    notebooks = tmp_path / "notebooks"
    tiny_notebook(notebooks / "01_ist_analyse.ipynb", WRITE_FIGURE)
    settings = dict(
        config_path=CONFIG,
        data_path=SAMPLE_DATA,
        out_dir=tmp_path / "reports",
        regions=["DE-Süd", "AT"],
        workers=2,
        phases=["01"],
        consolidate=False,
        notebooks_dir=notebooks,
        progress=True,
    )
    first = run_batch(BatchSettings(**settings))
    assert first.ok
    err = capsys.readouterr().err
    assert "planning batch" in err and "2/2" in err  # tqdm: notebooks done / total
    assert (first.run_dir / "DE-Sued" / "key_figures" / "01_ist_analyse.json").exists()
    before = (first.run_dir / "manifest.json").read_bytes()
    second = run_batch(BatchSettings(**settings))
    assert second.run_dir != first.run_dir
    assert (first.run_dir / "manifest.json").read_bytes() == before


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"workers": 0}, "workers must be 1 or more, got 0"),
        ({"workers": -2}, "workers must be 1 or more, got -2"),
        ({"seed": -1}, "seed must be 0 or more"),
        ({"horizon": 6}, "horizon must be 12 to 36 months, got 6"),
    ],
)
def test_batch_settings_refuse_impossible_values(kwargs, message, tmp_path):
    with pytest.raises(BatchError, match=message):
        BatchSettings(config_path=tmp_path, data_path=tmp_path, out_dir=tmp_path, **kwargs)
