"""Benchmark: load and validate German-style deals CSVs; time and peak memory per input MB.

Writes synthetic deals files into a temp dir (semicolon, decimal comma with thousands
dot, dates dd.mm.yyyy, cp1252 as Excel on Windows saves it) and prints

1. time: the median of ``load_table`` (read, detect, parse, pandera checks) over
   ``--runs`` runs on a ``--rows`` file;
2. memory: for each of ``--memory-rows`` the peak memory of ``load_table`` per MiB of
   input, side by side with ``pandas.read_csv(path, sep=";", encoding="cp1252")`` of
   the same file (the floor: the bare parse, default dtypes, no checks);
3. memory of ``load_dataset`` (what every ``planning`` command does first) on the
   sample folder with its deals and leads replicated ``--sample-scales`` times (new
   ids), against ``pandas.read_csv`` of each of its files.

Memory is measured as RSS of a fresh subprocess (Linux ``/proc/self/status``): the
peak (``VmHWM``) minus the RSS after imports and a warm-up load of a small file, with
the peak counter reset after the warm-up. This counts everything the process holds
(numpy, Arrow's memory pool, Python objects, allocator slack), unlike tracemalloc,
which misses Arrow's pool where the text columns live. "held" is the RSS left after
the load with the result still referenced (it includes freed memory the allocators
keep for reuse).

4. ``planning validate DIR --write-canonical OUT`` of a ``--validate-rows`` deals export
   (default 1,000,000; the German Excel CSV above, written into a temp folder) side by
   side with ``pandas.read_csv(path, sep=";", encoding="cp1252")`` of the same file, in
   this process after a warm-up, the two alternating run by run, the median of
   ``--validate-runs`` each (and the ratio of every run); the goal is at most 3x. The
   same for an English CRM export of the same deals (``,``, decimal point, ISO dates,
   UTF-8; ``--validate-styles``), where ``pandas.read_csv`` also parses the numbers.

Run: ``.venv/bin/python bench/load.py [--rows 200000] [--runs 5]
[--memory-rows 50000,200000,800000] [--sample-scales 1,10] [--validate-rows 1000000]
[--validate-runs 2] [--validate-styles german,utf8] [--no-time] [--no-memory]
[--no-validate]``
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
MIB = 2**20


def german_money(values: np.ndarray) -> list[str]:
    """``1234.5`` -> ``1.234,50``."""
    table = str.maketrans(",.", ".,")
    return [f"{v:,.2f}".translate(table) for v in values]


def deals_csv(path: Path, rows: int, seed: int = 42, style: str = "german") -> None:
    """Write ``rows`` synthetic deals as a German Excel CSV export (``style="german"``:
    ``;``, decimal comma with thousands dot, dd.mm.yyyy, cp1252) or as an English CRM
    export (``"utf8"``: ``,``, decimal point, ISO dates, UTF-8)."""
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 1400, rows), "D")
    close = created + pd.to_timedelta(rng.integers(5, 120, rows), "D")
    amount = rng.lognormal(7.5, 0.6, rows).round(2)
    frame = pd.DataFrame(
        {
            "deal_id": [f"D{i:07d}" for i in range(rows)],
            "customer_id": [f"C{i:06d}" for i in rng.integers(0, 50_000, rows)],
            "created_date": created.strftime("%d.%m.%Y"),
            "close_date": close.strftime("%d.%m.%Y"),
            "stage": rng.choice(
                ["qualified", "demo", "proposal", "negotiation", "won", "lost"], rows
            ),
            "amount_eur": german_money(amount),
            "mrr_eur": german_money((amount / 12).round(2)),
            "region": rng.choice(["DE-Nord", "DE-Süd", "AT", "CH"], rows),
            "product": rng.choice(["Starter", "Business", "Enterprise"], rows),
            "segment": rng.choice(["small", "mid", "large"], rows),
            "channel": rng.choice(["inbound", "outbound", "partner"], rows),
            "owner": [f"E{i:03d}" for i in rng.integers(1, 40, rows)],
        }
    )
    if style == "utf8":
        frame["created_date"] = created.strftime("%Y-%m-%d")
        frame["close_date"] = close.strftime("%Y-%m-%d")
        frame["amount_eur"] = amount
        frame["mrr_eur"] = (amount / 12).round(2)
        frame.to_csv(path, sep=",", index=False, encoding="utf-8")
        return
    frame.to_csv(path, sep=";", index=False, encoding="cp1252")


_READ_CSV = {"german": {"sep": ";", "encoding": "cp1252"}, "utf8": {}}
_STYLE_NAME = {
    "german": "';' decimal comma, cp1252",
    "utf8": "',' decimal point, ISO dates, UTF-8",
}


def scaled_sample(folder: Path, scale: int) -> Path:
    """The sample with deals and leads replicated ``scale`` times; copy j >= 1 gets ids ``-j``."""
    folder.mkdir(parents=True)
    for path in SAMPLE.glob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        if path.stem in ("deals", "leads"):
            ids = [c for c in ("deal_id", "customer_id", "lead_id") if c in frame.columns]
            copies = [frame]
            for j in range(1, scale):
                copy = frame.copy()
                for col in ids:
                    copy[col] = copy[col].where(copy[col] == "", copy[col] + f"-{j}")
                copies.append(copy)
            frame = pd.concat(copies, ignore_index=True)
        frame.to_csv(folder / path.name, index=False, lineterminator="\n")
    return folder


# ---------------------------------------------------------------- memory (subprocess side)


def _status() -> dict[str, float]:
    """``VmRSS`` and ``VmHWM`` (peak) of this process in MiB."""
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) / 1024
    return out


def _reset_peak() -> bool:
    """Reset ``VmHWM`` to the current RSS (Linux ``clear_refs``); False if not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


def _child(what: str, path: Path, warmup: Path) -> None:
    """Measure one load in this (fresh) process; print a JSON line."""
    from planning_lib.data.loaders import load_dataset, load_table

    def run(target: Path) -> object:
        if what == "load_table":
            return load_table(target, "deals")
        if what == "read_csv":
            return pd.read_csv(target, sep=";", encoding="cp1252")
        if what == "load_dataset":
            return load_dataset(target)
        if what == "read_csv_each":
            return {p.stem: pd.read_csv(p) for p in sorted(target.glob("*.csv"))}
        raise ValueError(what)

    run(warmup)  # imports and caches
    gc.collect()
    base = _status()["VmRSS"]
    reset = _reset_peak()
    result = run(path)
    gc.collect()
    after = _status()
    print(
        json.dumps(
            {
                "peak": after["VmHWM"] - base,
                "held": after["VmRSS"] - base,
                "reset": reset,
                "ok": result is not None,
            }
        )
    )


# ---------------------------------------------------------------- memory (parent side)


def _measure(what: str, path: Path, warmup: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", what, str(path), str(warmup)]
    env = dict(os.environ)  # this checkout's planning_lib, not an installed one
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _size_mib(path: Path) -> float:
    files = [path] if path.is_file() else list(path.glob("*.csv"))
    return sum(p.stat().st_size for p in files) / MIB


def _memory_line(label: str, size: float, ours: dict, floor: dict, what: str, base: str) -> str:
    warn = "" if ours["reset"] and floor["reset"] else " (peak counter not reset: upper bound)"
    return (
        f"{label:<28} {size:7.1f} MiB in: {what} peak {ours['peak']:7.0f} MiB "
        f"= {ours['peak'] / size:5.2f}/MiB (held {ours['held'] / size:5.2f}/MiB); "
        f"{base} peak {floor['peak'] / size:5.2f}/MiB (held {floor['held'] / size:5.2f}/MiB)"
        f"{warn}"
    )


def memory(rows_list: list[int], scales: list[int]) -> None:
    """Print peak memory per input MiB of ``load_table`` / ``load_dataset`` vs. read_csv."""
    print("peak RSS of a fresh subprocess above its RSS after imports and a warm-up load")
    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp) / "warm.csv"
        deals_csv(warm, 200)
        for rows in rows_list:
            path = Path(tmp) / f"deals{rows}.csv"
            deals_csv(path, rows)
            ours = _measure("load_table", path, warm)
            floor = _measure("read_csv", path, warm)
            label = f"deals CSV, {rows:,} rows"
            print(_memory_line(label, _size_mib(path), ours, floor, "load_table", "read_csv"))
            path.unlink()
        warm_dir = scaled_sample(Path(tmp) / "warm_sample", 1)
        for scale in scales:
            folder = scaled_sample(Path(tmp) / f"sample{scale}", scale)
            ours = _measure("load_dataset", folder, warm_dir)
            floor = _measure("read_csv_each", folder, warm_dir)
            label = f"sample x{scale} (5 tables)"
            line = _memory_line(label, _size_mib(folder), ours, floor, "load_dataset", "read_csv")
            print(line)
            shutil.rmtree(folder)


def timing(rows: int, runs: int) -> None:
    """Print the median time of ``load_table`` on a ``rows`` file."""
    from planning_lib.data import load_table

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "deals.csv"
        deals_csv(path, rows)
        size_mb = path.stat().st_size / 1e6
        load_table(path, "deals")  # warm-up: imports and caches
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            deals = load_table(path, "deals")
            times.append(time.perf_counter() - start)
    assert len(deals) == rows
    print(
        f"load+validate {rows:,} deals ({size_mb:.1f} MB, ';' decimal comma, cp1252): "
        f"median {statistics.median(times):.2f} s, min {min(times):.2f} s, "
        f"max {max(times):.2f} s over {runs} runs"
    )


def validate_timing(rows: int, runs: int, style: str = "german") -> None:
    """Print ``planning validate --write-canonical`` vs ``pandas.read_csv`` on one export
    (``pandas.read_csv`` with the export's delimiter and encoding, default dtypes)."""
    import contextlib
    import io

    from planning_lib.cli.main import main as planning

    def validate(folder: Path, out: Path) -> tuple[float, float]:
        start, cpu = time.perf_counter(), time.process_time()
        with contextlib.redirect_stdout(io.StringIO()) as said:
            code = planning(["validate", str(folder), "--write-canonical", str(out)])
        took = time.perf_counter() - start, time.process_time() - cpu
        assert code == 0, said.getvalue()
        return took

    with tempfile.TemporaryDirectory() as tmp:
        warm, folder = Path(tmp) / "warm", Path(tmp) / "export"
        warm.mkdir()
        folder.mkdir()
        deals_csv(warm / "deals.csv", 2_000, style=style)
        path = folder / "deals.csv"
        deals_csv(path, rows, style=style)
        size_mb = path.stat().st_size / 1e6
        validate(warm, Path(tmp) / "warm_out")  # imports and caches
        pd.read_csv(warm / "deals.csv", **_READ_CSV[style])
        ours, floor, ours_cpu, floor_cpu = [], [], [], []
        for i in range(runs):
            out = Path(tmp) / f"out{i}"
            took, cpu = validate(folder, out)
            ours.append(took)
            ours_cpu.append(cpu)
            assert (out / "deals.csv").is_file()
            shutil.rmtree(out)
            gc.collect()
            start, cpu = time.perf_counter(), time.process_time()
            frame = pd.read_csv(path, **_READ_CSV[style])
            floor.append(time.perf_counter() - start)
            floor_cpu.append(time.process_time() - cpu)
            del frame
            gc.collect()
    mid, base = statistics.median(ours), statistics.median(floor)
    mid_cpu, base_cpu = statistics.median(ours_cpu), statistics.median(floor_cpu)
    each = ", ".join(f"{a / b:.2f}x" for a, b in zip(ours, floor, strict=True))
    print(
        f"validate --write-canonical {rows:,} deals ({size_mb:.1f} MB, {_STYLE_NAME[style]}): "
        f"{mid:.2f} s; "
        f"pandas.read_csv of the same file: {base:.2f} s; ratio {mid / base:.2f}x "
        f"(goal <= 3x; median of {runs} runs, alternating; each run {each}); "
        f"CPU-seconds (all threads) {mid_cpu:.2f} vs {base_cpu:.2f}, {mid_cpu / base_cpu:.2f}x"
    )


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        _child(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--memory-rows", default="50000,200000,800000")
    parser.add_argument("--sample-scales", default="1,10")
    parser.add_argument("--validate-rows", type=int, default=1_000_000)
    parser.add_argument("--validate-runs", type=int, default=2)
    parser.add_argument("--validate-styles", default="german,utf8")
    parser.add_argument("--no-validate", action="store_true")
    parser.add_argument("--no-time", action="store_true")
    parser.add_argument("--no-memory", action="store_true")
    args = parser.parse_args()
    if not args.no_time:
        timing(args.rows, args.runs)
    if not args.no_validate:
        for style in args.validate_styles.split(","):
            validate_timing(args.validate_rows, args.validate_runs, style)
    if not args.no_memory:
        memory(
            [int(r) for r in args.memory_rows.split(",") if r],
            [int(s) for s in args.sample_scales.split(",") if s],
        )


if __name__ == "__main__":
    main()
