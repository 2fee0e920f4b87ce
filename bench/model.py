"""Benchmark of the plan engine on CloudFlow with a 36-month horizon.

Prints the median time of: one deterministic plan (``run_plan``, 1 region, 36
months: overrides, arrays, summary, findings; the tidy DataFrame is built lazily
and not included), 10,000 Monte Carlo draws × 36 months (``monte_carlo``, incl.
percentiles and p_hit) and a 15-driver tornado (``sensitivity``). Goals: < 5 ms,
< 250 ms, < 100 ms (judged on wall-clock time). CPU time is printed too: on a
shared, loaded machine it is the steadier figure. ``--strict`` exits 1 when a
goal is missed.

Usage: ``.venv/bin/python bench/model.py [--repeat N] [--strict]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable

from planning_lib.core.config import load_params
from planning_lib.core.overrides import apply_overrides
from planning_lib.core.paths import CONFIGS
from planning_lib.plan.model import run_plan
from planning_lib.plan.scenarios import default_sensitivity_drivers, monte_carlo, sensitivity


def _median_ms(fn: Callable[[], object], repeat: int, number: int) -> tuple[float, float]:
    """Median wall-clock and CPU time of one call (ms) over ``repeat`` timed batches."""
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        for _ in range(number):
            fn()
        wall.append((time.perf_counter() - w0) / number * 1000)
        cpu.append((time.process_time() - c0) / number * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print one line per case."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7, help="timed repetitions per case")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = ap.parse_args(argv)
    if hasattr(os, "getloadavg"):
        print(f"load average (1 min): {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    params = apply_overrides(
        load_params(CONFIGS / "cloudflow.yaml"), {"company.horizon_months": 36}
    )
    drivers = default_sensitivity_drivers(params)
    assert len(drivers) == 15
    cases = [
        ("deterministic plan, 36 months", lambda: run_plan(params), 50, 5.0),
        ("Monte Carlo 10,000 draws x 36 months", lambda: monte_carlo(params, 10_000, 42), 1, 250.0),
        ("tornado, 15 drivers x 2", lambda: sensitivity(params, "mrr_end", drivers), 10, 100.0),
    ]
    missed = 0
    for label, fn, number, goal in cases:
        ms, cpu = _median_ms(fn, args.repeat, number)
        ok = ms < goal
        missed += not ok
        verdict = "ok" if ok else "MISSED"
        times = f"median {ms:8.2f} ms wall, {cpu:8.2f} ms CPU"
        print(f"{label:38s} {times}  (goal < {goal:g} ms: {verdict})")
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
