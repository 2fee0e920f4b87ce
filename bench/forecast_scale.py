"""Benchmark: ``planning forecast`` on the sample with its deals table scaled 1x, 10x, 100x.

The deals table of ``data/sample`` is replicated ``k`` times (copy ``j >= 1`` gets
the ids ``<deal_id>-<j>`` and ``<customer_id>-<j>``; copy 0 keeps the sample's ids,
so 1x is the sample itself); the other tables are copied unchanged. Per scale it
prints

- the wall-clock time of the whole command (``planning forecast --workers 1`` in a
  subprocess: load, statistical forecasts of the region series, pipeline, baseline,
  lead scores, writing), and
- the time of the pipeline forecast alone (``pipeline.pipeline_forecast`` on the
  loaded tables, in this process; this is the part that grew with open x won deals),

then the ratios t(100x)/t(10x) of both (goal: <= 10, i.e. linear; the command's
ratio is smaller because the statistical forecasts do not grow with the deals).

Run: ``.venv/bin/python bench/forecast_scale.py [--scales 1,10,100] [--no-command]``
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


def scaled_sample(folder: Path, scale: int) -> Path:
    """Write the sample with its deals replicated ``scale`` times (new ids) into ``folder``."""
    folder.mkdir(parents=True)
    for path in SAMPLE.glob("*.csv"):
        if path.name != "deals.csv":
            shutil.copyfile(path, folder / path.name)
    deals = pd.read_csv(SAMPLE / "deals.csv", dtype=str, keep_default_na=False)
    copies = [deals]
    for j in range(1, scale):
        copy = deals.copy()
        copy["deal_id"] = copy["deal_id"] + f"-{j}"
        copy["customer_id"] = copy["customer_id"] + f"-{j}"
        copies.append(copy)
    pd.concat(copies, ignore_index=True).to_csv(
        folder / "deals.csv", index=False, lineterminator="\n"
    )
    return folder


def time_command(data: Path, out: Path) -> float:
    """Wall-clock seconds of ``planning forecast`` on ``data`` (one worker)."""
    cmd = [sys.executable, "-m", "planning_lib.cli.main", "forecast", "--data", str(data)]
    cmd += ["--out", str(out), "--workers", "1"]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def time_pipeline(data: Path) -> tuple[float, int, int]:
    """Seconds of ``pipeline_forecast`` (as the command calls it), open and won deals."""
    from planning_lib.analysis.pipeline import OPEN_STAGES, pipeline_forecast
    from planning_lib.data.loaders import load_dataset

    tables = load_dataset(data)
    deals = tables["deals"]
    # the command's origin: the last day of the last full month of closed deals
    last = deals.loc[deals["stage"].isin(["won", "lost"]), "close_date"].max()
    as_of = (last + pd.Timedelta(days=1)).to_period("M") - 1
    as_of_day = (as_of + 1).to_timestamp() - pd.Timedelta(days=1)
    start = time.perf_counter()
    # --metric new_customers (the default): open deals of existing customers left out
    pipeline_forecast(deals, tables.get("leads"), as_of_day, 6, "mrr_eur", new_customers_only=True)
    seconds = time.perf_counter() - start
    n_open = int(deals["stage"].isin(OPEN_STAGES).sum())
    return seconds, n_open, int((deals["stage"] == "won").sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,100", help="comma-separated factors")
    parser.add_argument("--no-command", action="store_true", help="time the pipeline forecast only")
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",")]
    command, pipeline = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for scale in scales:
            data = scaled_sample(Path(tmp) / f"x{scale}", scale)
            pipeline[scale], n_open, n_won = time_pipeline(data)
            line = f"{scale:>4}x: {n_open:>7,} open x {n_won:>7,} won deals: "
            line += f"pipeline_forecast {pipeline[scale]:7.2f} s"
            if not args.no_command:
                command[scale] = time_command(data, Path(tmp) / f"out{scale}")
                line += f", planning forecast {command[scale]:7.2f} s"
            print(line, flush=True)
            shutil.rmtree(data)
    if 10 in scales and 100 in scales:
        print(f"t(100x)/t(10x): pipeline_forecast {pipeline[100] / pipeline[10]:.1f}", end="")
        if command:
            print(f", planning forecast {command[100] / command[10]:.1f}", end="")
        print(" (goal <= 10)")


if __name__ == "__main__":
    main()
