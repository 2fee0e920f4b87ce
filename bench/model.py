"""Benchmark of the plan engine on CloudFlow with a 36-month horizon.

Prints the median time of: one deterministic plan (``run_plan``, 1 region, 36
months: overrides, arrays, summary, findings; the tidy DataFrame is built lazily
and not included), 10,000 Monte Carlo draws × 36 months (``monte_carlo``, incl.
percentiles and p_hit) and a 15-driver tornado (``sensitivity``). Goals: < 5 ms,
< 250 ms, < 100 ms. ``--strict`` exits 1 when a goal is missed.

Usage: ``.venv/bin/python bench/model.py [--repeat N] [--strict]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

from planning_lib.model import run_plan
from planning_lib.model_inputs import apply_overrides
from planning_lib.params import load_params
from planning_lib.paths import CONFIGS
from planning_lib.scenarios import default_sensitivity_drivers, monte_carlo, sensitivity


def _median_ms(fn: Callable[[], object], repeat: int, number: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print one line per case."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7, help="timed repetitions per case")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = ap.parse_args(argv)
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
        ms = _median_ms(fn, args.repeat, number)
        ok = ms < goal
        missed += not ok
        print(f"{label:40s} median {ms:8.2f} ms  (goal < {goal:g} ms: {'ok' if ok else 'MISSED'})")
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
