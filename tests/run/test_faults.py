"""Faults that used to leave debris (issue 15, items 13-16), with real processes.

13: ``kill -9`` of ``planning batch`` ends its forkserver, workers and kernels; the run
    folder says it is incomplete, and the next run names it. Temporary folders of killed
    runs are removed by the next run.
14: ``sample-data --force`` replaces only an earlier sample, never foreign files.
15: two runs racing to one ``--out``: one wins, the other exits 2 with one line;
    ``versions compare --out`` never replaces a file created meanwhile.
16: outputs follow the umask (0755/0644 under 022, 0700/0600 under 077).
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from planning_lib.cli import main as cli
from planning_lib.core import outputs
from planning_lib.core.outputs import OutputExistsError, new_folder, temp_name
from planning_lib.core.paths import CONFIGS, ROOT, SAMPLE_DATA
from planning_lib.run.run_folder import INCOMPLETE_MARKER

CONFIG = CONFIGS / "cloudflow.yaml"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("PLANNING_BATCH_PID", None)
    return env


def _planning(*args: str, umask: int | None = None, **kw) -> subprocess.Popen:
    """Start ``planning ARGS`` as its own process (optionally under ``umask``)."""
    preexec = (lambda: os.umask(umask)) if umask is not None else None
    return subprocess.Popen(
        [sys.executable, "-m", "planning_lib.cli.main", *args],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=preexec,
        **kw,
    )


def _run(*args: str, umask: int | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    proc = _planning(*args, umask=umask)
    out, err = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) of a process from /proc, None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return int(fields[1]), fields[0]


def _descendants(pid: int) -> dict[int, str]:
    """Every living descendant of ``pid`` (pid → command line)."""
    children: dict[int, list[int]] = {}
    for p in Path("/proc").iterdir():
        if p.name.isdigit() and (st := _stat(int(p.name))) is not None:
            children.setdefault(st[0], []).append(int(p.name))
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            try:
                cmd = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            found[child] = cmd
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    st = _stat(pid)
    return st is not None and st[1] not in ("Z", "X")


def _dead_pid() -> int:
    """The pid of a process that has ended (a finished ``true``)."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


# ------------------------------------------------------------------ 13: kill -9


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_batch_takes_its_processes_along_and_marks_the_run(tmp_path: Path) -> None:
    """A batch is killed while a kernel runs a notebook.

    Before the fix the forkserver and its worker (and the resource tracker) stayed alive
    for good and the run folder had neither manifest nor any sign of being incomplete.
    Now every descendant ends within seconds (forkserver: watches the batch process;
    worker: PR_SET_PDEATHSIG and a watchdog; kernel: ipykernel's parent poller), the
    folder keeps UNVOLLSTAENDIG.json and an index.html saying "unvollständig", and the
    next run names the killed one on stderr, in its manifest and in its index.
    """
    out = tmp_path / "reports"
    args = ["batch", "--regions", "DE-Nord", "--phases", "01", "--no-consolidation"]
    args += ["--workers", "1", "--out", str(out), "--no-progress"]
    batch = _planning(*args)
    family: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            family = _descendants(batch.pid)
            if any("ipykernel" in cmd for cmd in family.values()):
                break
            assert batch.poll() is None, batch.communicate()
            time.sleep(0.2)
        else:
            pytest.fail("no kernel started within 240 s")
        forkserver = [p for p, c in family.items() if "forkserver" in c]
        assert len(forkserver) >= 2  # the forkserver and a worker forked from it
        os.kill(batch.pid, signal.SIGKILL)
        batch.wait(timeout=10)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(_alive(p) for p in family):
            time.sleep(0.2)
        left = {p: c[:120] for p, c in family.items() if _alive(p)}
        assert not left, f"still running after kill -9 of planning batch: {left}"
    finally:
        if batch.poll() is None:
            batch.kill()
        for p in family:  # only when the test fails: leave no orphans behind
            if _alive(p):
                os.kill(p, signal.SIGKILL)
        batch.communicate(timeout=30)  # orphans holding the pipes would block this

    (killed,) = list(out.iterdir())
    assert not (killed / "manifest.json").exists()
    marker = json.loads((killed / INCOMPLETE_MARKER).read_text(encoding="utf-8"))
    assert marker["pid"] == batch.pid and marker["run_id"] == killed.name
    assert "unvollständig" in (killed / "index.html").read_text(encoding="utf-8")

    again = _run(*args)
    assert again.returncode == 0, again.stderr
    assert f"früherer Lauf {out / killed.name} ist nicht abgeschlossen (abgebrochen" in again.stderr
    (second,) = [p for p in out.iterdir() if p != killed]
    manifest = json.loads((second / "manifest.json").read_text(encoding="utf-8"))
    assert [(r["run_id"], r["state"]) for r in manifest["incomplete_runs"]] == [
        (killed.name, "aborted")
    ]
    index = (second / "index.html").read_text(encoding="utf-8")
    assert "Nicht abgeschlossene Läufe" in index and f'href="../{killed.name}/"' in index
    assert not (second / INCOMPLETE_MARKER).exists()
    # the finished run's files follow the umask of the test process (022 here: 0644)
    mask = outputs.current_umask()
    for name in ("manifest.json", "index.html"):
        assert stat.S_IMODE((second / name).stat().st_mode) == 0o666 & ~mask, name


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_forecast_takes_its_worker_processes_along(tmp_path: Path) -> None:
    """``planning forecast --workers 2`` is killed while its process pool works.

    Before the fix the forked workers stayed (ppid 1, ~250 MB each) for good: each holds
    the pool's queue open, so none sees the end of its parent. Now each watches the
    forecast process (lifeline.exit_with) and ends within seconds.
    """
    args = ["forecast", "--data", str(SAMPLE_DATA), "--by", "region,product"]
    proc = _planning(*args, "--workers", "2", "--out", str(tmp_path / "fc"))
    family: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and len(family) < 2:
            assert proc.poll() is None, proc.communicate()
            family = _descendants(proc.pid)
            time.sleep(0.1)
        assert len(family) >= 2, "the process pool did not start"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(p) for p in family):
            time.sleep(0.2)
        left = {p: c[:120] for p, c in family.items() if _alive(p)}
        assert not left, f"still running after kill -9 of planning forecast: {left}"
    finally:
        if proc.poll() is None:
            proc.kill()
        for p in family:
            if _alive(p):
                os.kill(p, signal.SIGKILL)
        proc.communicate(timeout=30)
    assert not (tmp_path / "fc").exists()


def test_temp_folders_of_killed_runs_are_removed_by_the_next_run(tmp_path: Path) -> None:
    """``planning plan`` (a real process) into a folder that holds debris of killed runs.

    The folder of a process that no longer runs is removed, the one of a running process
    (this test) is kept, a temporary folder of the older naming (no pid) is kept and named.
    """
    dead = tmp_path / temp_name("plan").replace(f"-{os.getpid()}-", f"-{_dead_pid()}-")
    live = tmp_path / temp_name("other")
    legacy = tmp_path / ".plan.tmp-ab12cd34"
    dead_file = tmp_path / temp_name("diff.csv").replace(f"-{os.getpid()}-", f"-{_dead_pid()}-")
    for folder in (dead, live, legacy):
        folder.mkdir()
        (folder / "plan.csv").write_text("half\n", encoding="utf-8")
    dead_file.write_text("half\n", encoding="utf-8")  # of a killed versions compare --out
    result = _run("plan", "--config", str(CONFIG), "--out", str(tmp_path / "plan"))
    assert result.returncode == 0, result.stderr
    assert not dead.exists() and not dead_file.exists() and live.exists() and legacy.exists()
    assert f"removed {dead}" in result.stderr and str(legacy) in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["plan", live.name, legacy.name])


# ------------------------------------------------------------------ 14: sample-data --force


def test_sample_data_force_refuses_foreign_files_and_names_them(tmp_path: Path) -> None:
    """``sample-data --force`` into a folder with the user's own files: exit 1, the files
    are named and untouched; an earlier sample alone is replaced."""
    out = tmp_path / "sample"
    assert _run("sample-data", "--out", str(out)).returncode == 0
    (out / "notes.txt").write_text("meine Notizen\n", encoding="utf-8")
    (out / "extra").mkdir()
    (out / "extra" / "keep.csv").write_text("a\n1\n", encoding="utf-8")
    (out / "deals.csv").write_text("changed\n", encoding="utf-8")
    forced = _run("sample-data", "--out", str(out), "--force")
    assert forced.returncode == 1
    assert "notes.txt" in forced.stderr and "extra/" in forced.stderr
    assert "deals.csv" not in forced.stderr  # one of the sample's own files
    assert (out / "notes.txt").read_text(encoding="utf-8") == "meine Notizen\n"
    assert (out / "extra" / "keep.csv").read_text(encoding="utf-8") == "a\n1\n"
    assert (out / "deals.csv").read_text(encoding="utf-8") == "changed\n"
    (out / "notes.txt").unlink()
    (out / "extra" / "keep.csv").unlink()
    (out / "extra").rmdir()
    again = _run("sample-data", "--out", str(out), "--force")
    assert again.returncode == 0, again.stderr
    assert (out / "deals.csv").read_bytes() == (SAMPLE_DATA / "deals.csv").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sample"]


# ------------------------------------------------------------------ 15: races


def test_a_folder_filled_between_check_and_rename_is_kept(tmp_path, monkeypatch) -> None:
    """Another run renames its folder into place right after this one's last check.

    Before the fix ``os.rename`` failed with ENOTEMPTY (a traceback, exit 1); now the
    rename refuses to replace (renameat2 RENAME_NOREPLACE) and OutputExistsError follows.
    """
    out = tmp_path / "out"
    real = outputs.check_new_folder
    calls = []

    def check_then_other_run_wins(path):
        real(path)
        calls.append(path)
        if len(calls) == 2:  # the check at the end of the block: the other run lands now
            out.mkdir()
            (out / "theirs.csv").write_text("other run\n", encoding="utf-8")

    monkeypatch.setattr(outputs, "check_new_folder", check_then_other_run_wins)
    with pytest.raises(OutputExistsError), new_folder(out) as tmp:
        (tmp / "mine.csv").write_text("new\n", encoding="utf-8")
    assert [p.name for p in out.iterdir()] == ["theirs.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_run_landing_after_the_empty_out_was_removed_is_kept(tmp_path, monkeypatch) -> None:
    """``--out`` was an empty folder; right after this run removes it, another run renames
    its result there. The rename must not fail with ENOTEMPTY (traceback) nor replace it."""
    out = tmp_path / "out"
    out.mkdir()
    real_rmdir = Path.rmdir

    def rmdir_then_other_run_lands(self):
        real_rmdir(self)
        if self == out:
            out.mkdir()
            (out / "theirs.csv").write_text("other run\n", encoding="utf-8")

    monkeypatch.setattr(Path, "rmdir", rmdir_then_other_run_lands)
    with pytest.raises(OutputExistsError), new_folder(out) as tmp:
        (tmp / "mine.csv").write_text("new\n", encoding="utf-8")
    assert [p.name for p in out.iterdir()] == ["theirs.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_two_plan_runs_racing_to_one_out(tmp_path: Path) -> None:
    """Pairs of real ``planning plan`` processes started together on the same ``--out``:
    exactly one writes it (exit 0), the other exits 2 with a one-line message."""
    for k in range(4):
        out = tmp_path / f"out{k}"
        procs = [_planning("plan", "--config", str(CONFIG), "--out", str(out)) for _ in range(2)]
        results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
        codes = sorted(code for code, _, _ in results)
        assert codes == [0, 2], results
        (_, _, err) = next(r for r in results if r[0] == 2)
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
        assert "exists and is not empty" in err
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_versions_compare_never_replaces_a_file_created_meanwhile(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    """Another program creates the ``--out`` file while the comparison is written: it is
    kept byte for byte and compare exits 2 (before: the rename replaced it silently)."""
    from planning_lib.cli import versions as command

    vdir = tmp_path / "versions"
    for name in ("A", "B"):
        args = ["versions", "--versions-dir", str(vdir), "save", "--config", str(CONFIG)]
        assert cli.main([*args, "--name", name]) == 0
    target = tmp_path / "diff.csv"
    real = command.spreadsheet_safe

    def write_theirs_meanwhile(frame):
        target.write_text("theirs\n", encoding="utf-8")
        return real(frame)

    monkeypatch.setattr(command, "spreadsheet_safe", write_theirs_meanwhile)
    capsys.readouterr()
    code = cli.main(
        ["versions", "--versions-dir", str(vdir), "compare", "A", "B", "--out", str(target)]
    )
    assert code == 2
    assert target.read_text(encoding="utf-8") == "theirs\n"
    assert "created meanwhile" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["diff.csv", "versions"]


# ------------------------------------------------------------------ 16: umask


def _modes(folder: Path) -> tuple[int, set[int]]:
    files = {stat.S_IMODE(p.stat().st_mode) for p in folder.rglob("*") if p.is_file()}
    return stat.S_IMODE(folder.stat().st_mode), files


@pytest.mark.parametrize(
    ("umask", "dir_mode", "file_mode"), [(0o022, 0o755, 0o644), (0o077, 0o700, 0o600)]
)
def test_outputs_follow_the_umask(
    tmp_path: Path, umask: int, dir_mode: int, file_mode: int
) -> None:
    """plan, analyse, forecast, sample-data as real processes under the umask.

    By hand: a folder gets 0777 & ~umask, a file 0666 & ~umask (022: 0755/0644, 077:
    0700/0600). Before the fix the folders were 0700 whatever the umask (mkdtemp).
    """
    runs = {
        "plan": ["plan", "--config", str(CONFIG)],
        "analyse": ["analyse", "--data", str(SAMPLE_DATA), "--config", str(CONFIG)],
        "forecast": ["forecast", "--data", str(SAMPLE_DATA), "--horizon", "3", "--workers", "1"],
        "sample": ["sample-data"],
    }
    procs = {
        name: _planning(*a, "--out", str(tmp_path / name), umask=umask) for name, a in runs.items()
    }
    for name, proc in procs.items():
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, (name, err)
        assert _modes(tmp_path / name) == (dir_mode, {file_mode}), name


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_report_files_follow_the_umask(tmp_path: Path, umask: int) -> None:
    """The batch's files (index, manifest, tables, workbook) are written by
    ``atomic_write_bytes``; by hand their mode is 0666 & ~umask (0644, 0600), where
    ``mkstemp`` used to give 0600 whatever the umask."""
    from planning_lib.run.artifacts import atomic_write_bytes

    old = os.umask(umask)
    try:
        path = atomic_write_bytes(tmp_path / "sub" / "index.html", b"<html></html>")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    assert path.read_bytes() == b"<html></html>"


def test_incomplete_runs_tells_aborted_running_and_foreign_runs_apart(tmp_path: Path) -> None:
    """Run folders without manifest: marker of a dead pid → aborted; of this (running)
    process → running; of another host → unknown; no marker and just created → running
    (its marker is about to be written); a live pid younger than the run's start → aborted
    (a reused pid); a finished run (manifest) is not listed."""
    import socket

    from planning_lib.run.run_folder import incomplete_runs

    def run(name: str, marker: dict | None, manifest: bool = False) -> None:
        folder = tmp_path / name
        folder.mkdir()
        if marker is not None:
            (folder / INCOMPLETE_MARKER).write_text(json.dumps(marker), encoding="utf-8")
        if manifest:
            (folder / "manifest.json").write_text("{}", encoding="utf-8")

    host, now = socket.gethostname(), "2026-01-01T00:00:00+00:00"
    run("20260101T000000Z-aaaaaa", {"pid": _dead_pid(), "host": host, "started_utc": now})
    started = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())  # after this started
    run("20260101T000001Z-bbbbbb", {"pid": os.getpid(), "host": host, "started_utc": started})
    # a live pid, but the process started after that run began: the pid was reused
    run(
        "20250101T000000Z-ffffff",
        {"pid": os.getpid(), "host": host, "started_utc": "2000-01-01T00:00:00+00:00"},
    )
    run("20260101T000002Z-cccccc", {"pid": 1, "host": "elsewhere", "started_utc": now})
    run("20260101T000003Z-dddddd", None)
    run("20260101T000004Z-eeeeee", None, manifest=True)
    run("not-a-run", None)
    states = {r["folder"][-6:]: r["state"] for r in incomplete_runs(tmp_path)}
    assert states == {
        "aaaaaa": "aborted",
        "bbbbbb": "running",
        "cccccc": "unknown",
        "dddddd": "running",
        "ffffff": "aborted",
    }
