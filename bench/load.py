"""Benchmark: load and validate a 200,000-row German-style deals CSV.

Writes the file into a temp dir (semicolon, decimal comma with thousands dot, dates
dd.mm.yyyy, cp1252 as Excel on Windows saves it), then times ``load_table`` (read,
detect, parse, pandera checks) several times and prints the median.

Run: ``.venv/bin/python bench/load.py [--rows 200000] [--runs 5]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from planning_lib.data import load_table


def german_money(values: np.ndarray) -> list[str]:
    """``1234.5`` -> ``1.234,50``."""
    table = str.maketrans(",.", ".,")
    return [f"{v:,.2f}".translate(table) for v in values]


def deals_csv(path: Path, rows: int, seed: int = 42) -> None:
    """Write ``rows`` synthetic deals as a German Excel CSV export."""
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
    frame.to_csv(path, sep=";", index=False, encoding="cp1252")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "deals.csv"
        deals_csv(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        load_table(path, "deals")  # warm-up: imports and caches
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            deals = load_table(path, "deals")
            times.append(time.perf_counter() - start)
    assert len(deals) == args.rows
    print(
        f"load+validate {args.rows:,} deals ({size_mb:.1f} MB, ';' decimal comma, cp1252): "
        f"median {statistics.median(times):.2f} s, min {min(times):.2f} s, "
        f"max {max(times):.2f} s over {args.runs} runs"
    )


if __name__ == "__main__":
    main()
