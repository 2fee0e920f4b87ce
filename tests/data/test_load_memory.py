"""Memory of loading: the CSV reader, parsing and checking avoid needless copies.

Measured with ``tracemalloc`` (Python objects and numpy arrays; deterministic), so
the bounds hold on any machine. ``bench/load.py`` prints the whole picture (RSS per
input MB against ``pandas.read_csv``).
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from planning_lib.data.parsing import coerce_columns, parse_text
from planning_lib.data.readers import read_csv
from planning_lib.data.schemas import check_frame
from planning_lib.data.tables import TABLES

MIB = 2**20


def _deals(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    created = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, rows), "D")
    return pd.DataFrame(
        {
            "deal_id": [f"D{i:07d}" for i in range(rows)],
            "customer_id": [f"C{i:06d}" for i in rng.integers(0, 9_000, rows)],
            "created_date": created,
            "close_date": created + pd.to_timedelta(rng.integers(1, 90, rows), "D"),
            "stage": rng.choice(["qualified", "demo", "won", "lost"], rows),
            "amount_eur": rng.uniform(100, 9_000, rows).round(2),
            "mrr_eur": rng.uniform(10, 700, rows).round(2),
            "region": rng.choice(["DE-Nord", "DE-Süd", "AT", "CH"], rows),
            "product": rng.choice(["Starter", "Business"], rows),
            "segment": rng.choice(["small", "mid", "large"], rows),
            "channel": rng.choice(["inbound", "outbound", "partner"], rows),
            "owner": [f"E{i:03d}" for i in rng.integers(1, 40, rows)],
        }
    )


def _characters(column: pd.Series) -> pa.Buffer:
    """The Arrow buffer holding the characters of a text column (one chunk)."""
    chunks = column.array.__arrow_array__().chunks
    assert len(chunks) == 1
    return chunks[0].buffers()[2]


def _peak(fn) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_csv_reader_keeps_no_four_byte_text_copy(tmp_path: Path):
    """Reading a 20,000-row German export peaks below 5.5x its size in Python memory.

    Needed at once: the file's bytes (1x), the decoded text (1 byte per character:
    only Latin-1 characters) and the UTF-8 copy the parser reads (1x), plus the
    line list of the ragged-row check before that (about 1x). The old reader handed
    the parser an ``io.StringIO``, which keeps 4 bytes per character: 7.1x.
    """
    path = tmp_path / "deals.csv"
    frame = _deals(20_000)
    frame["created_date"] = frame["created_date"].dt.strftime("%d.%m.%Y")
    frame["close_date"] = frame["close_date"].dt.strftime("%d.%m.%Y")
    frame.to_csv(path, sep=";", decimal=",", index=False, encoding="cp1252")
    read_csv(path, "deals")  # imports and caches outside the measurement
    raw, peak = _peak(lambda: read_csv(path, "deals"))
    assert len(raw.frame) == 20_000
    assert raw.frame.loc[0, "deal_id"] == "D0000000"
    assert peak < 5.5 * path.stat().st_size


def test_clean_text_columns_are_not_copied():
    """Id and code columns that need no stripping are the raw column itself.

    The raw frame stays alive until the checks are done, so a copy would hold every
    text column twice; cells with blanks are still stripped.
    """
    clean = pd.Series(["D1", "D2", None, "D3"], dtype="str")
    assert parse_text(clean) is clean
    padded = pd.Series([" D1", "D2 ", None, "   "], dtype="str")
    assert parse_text(padded).tolist()[:2] == ["D1", "D2"]
    assert parse_text(padded).isna().tolist() == [False, False, True, True]
    raw = _deals(50).astype("str")
    typed, problems = coerce_columns(raw, TABLES["deals"])
    assert problems == []
    for column in ("deal_id", "region", "stage", "owner"):
        assert _characters(typed[column]).address == _characters(raw[column]).address, column


def test_schema_check_does_not_copy_the_frame():
    """Checking 100,000 typed deals allocates less than the frame's numeric columns.

    The numbers and dates take 4 x 8 bytes x 100,000 = 3.05 MiB. pandera copies the
    frame unless told to validate in place (that copy alone is the 3.05 MiB); the
    checks themselves need a few boolean masks of 100,000 bytes each.
    """
    typed = _deals(100_000).astype({c: "str" for c in ("deal_id", "customer_id", "stage")})
    numeric = typed.select_dtypes(exclude="str").memory_usage(index=False).sum()
    assert numeric == 4 * 8 * 100_000
    rows = np.arange(2, len(typed) + 2)
    check_frame(typed.head(10), TABLES["deals"], rows=rows, file="deals.csv")  # warm-up
    failures, peak = _peak(lambda: check_frame(typed, TABLES["deals"], rows=rows, file="deals.csv"))
    assert len(failures) == 0
    assert peak < numeric


def test_lead_scoring_does_not_copy_columns_it_does_not_use():
    """40 extra number columns of a wide CRM export add nothing to lead scoring's peak.

    The model uses eight columns; the extra 40 x 8 bytes x 26,060 leads = 7.95 MiB
    were copied three times before (a deep copy of the table, the closed leads, and
    their sorted copy: about 16 MiB above the peak without them). Now the copy of
    the table is shallow (copy-on-write) and only the used columns are sorted.
    """
    from planning_lib.analysis.leadscore import score_leads
    from planning_lib.core.paths import SAMPLE_DATA
    from planning_lib.data.loaders import load_table

    leads = load_table(SAMPLE_DATA / "leads.csv", "leads")
    extra = pd.DataFrame(
        np.random.default_rng(0).normal(size=(len(leads), 40)),
        columns=[f"extra_{i}" for i in range(40)],
    )
    wide = pd.concat([leads, extra], axis=1)
    score_leads(leads)  # warm-up
    _, narrow_peak = _peak(lambda: score_leads(leads))
    _, wide_peak = _peak(lambda: score_leads(wide))
    extra_bytes = extra.memory_usage(index=False).sum()
    assert extra_bytes == 40 * 8 * 26_060
    assert wide_peak - narrow_peak < 0.25 * extra_bytes
    assert wide.columns[-1] == "extra_39" and len(wide.columns) == len(leads.columns) + 40
