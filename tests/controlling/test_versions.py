"""Plan versions: immutable saves, concurrent saves, listing/loading/comparing via DuckDB."""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing as mp
import stat
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from planning_lib.controlling import versions as ver
from planning_lib.core.config import load_params
from planning_lib.core.paths import CONFIGS

PARAMS = load_params(CONFIGS / "cloudflow.yaml")
FIXED = dt.datetime(2026, 7, 1, 8, 0, 0, tzinfo=dt.UTC)


def fake_plan(new_inbound: float = 30.0, mrr_end: float = 1000.0) -> SimpleNamespace:
    """Two months, two line items; yearly: customers_new inbound 2×new, mrr_end last month."""
    months = pd.to_datetime(["2026-01-01", "2026-02-01"])
    monthly = pd.DataFrame(
        {
            "month": list(months) * 2,
            "line_item": ["customers_new"] * 2 + ["mrr_end"] * 2,
            "channel": ["inbound"] * 2 + [""] * 2,
            "value": [new_inbound, new_inbound, 900.0, mrr_end],
            "unit": ["count", "count", "EUR", "EUR"],
        }
    )
    summary = {"mrr_end": mrr_end, "new_customers": 2 * new_inbound, "by": {"x": 1.0}, "s": "a"}
    finding = {"code": "f1", "severity": "info", "message_de": "ä", "message_en": "a"}
    return SimpleNamespace(params=PARAMS, monthly=monthly, summary=summary, findings=[finding])


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_save_twice_never_overwrites(tmp_path):
    a = ver.save_version(fake_plan(), "Budget 2027", tmp_path, clock=lambda: FIXED)
    before = _digest(tmp_path / a)
    later = FIXED + dt.timedelta(seconds=1)
    b = ver.save_version(fake_plan(40.0), "Budget 2027", tmp_path, clock=lambda: later)
    assert a != b
    assert a.startswith("20260701T080000000000Z-")
    assert _digest(tmp_path / a) == before  # the first version is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([a, b])  # no temp folder left
    assert {stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / a).iterdir()} == {0o444}
    # the name resolves to the latest; the id prefix to its version
    assert ver.resolve_version(tmp_path, "Budget 2027").name == b
    assert ver.resolve_version(tmp_path, a[:-2]).name == a


def test_id_collision_retries_with_a_new_id(tmp_path, monkeypatch):
    # uuid4 is drawn for the temp folder, then for the id: B's first id collides with A's
    ids = iter(["a" * 32, "0" * 32, "b" * 32, "0" * 32, "1" * 32])
    monkeypatch.setattr(ver.uuid, "uuid4", lambda: SimpleNamespace(hex=next(ids)))
    a = ver.save_version(fake_plan(), "A", tmp_path, clock=lambda: FIXED)
    b = ver.save_version(fake_plan(), "B", tmp_path, clock=lambda: FIXED)
    assert a.endswith("-00000000")
    assert b.endswith("-11111111")
    assert ver.load_version(tmp_path, a).meta["name"] == "A"  # not overwritten by B
    assert b != a and ver.load_version(tmp_path, b).meta["name"] == "B"


def _save_in_child(args: tuple[str, str, object]) -> str:
    folder, name, barrier = args
    barrier.wait()  # both processes save at the same moment
    return ver.save_version(fake_plan(), name, folder, clock=lambda: FIXED)


def test_concurrent_saves_both_land(tmp_path):
    ctx = mp.get_context("fork")
    barrier = ctx.Manager().Barrier(2)
    with ctx.Pool(2) as pool:
        ids = pool.map(_save_in_child, [(str(tmp_path), "same", barrier)] * 2)
    assert len(set(ids)) == 2
    listed = ver.list_versions(tmp_path)
    assert sorted(listed["version_id"]) == sorted(ids)
    assert listed["name"].tolist() == ["same", "same"]


def test_list_load_and_metadata(tmp_path):
    assert ver.list_versions(tmp_path / "none").empty
    data = tmp_path / "data"
    data.mkdir()
    (data / "deals.csv").write_text("deal_id\nD1\n")
    vid = ver.save_version(fake_plan(), "Forecast Q2", tmp_path / "v", data_dir=data)
    v = ver.load_version(tmp_path / "v", "Forecast Q2")
    assert v.meta["version_id"] == vid
    assert v.meta["package_version"]
    assert v.meta["data_fingerprint"] == ver.data_fingerprint(data)
    assert len(v.meta["data_fingerprint"]) == 64
    assert v.meta["plan_start"] == "2026-01-01"
    assert v.params["company"]["name"] == "CloudFlow"
    assert v.summary["s"] == "a" and v.summary["by"] == {"x": 1.0}
    assert v.findings[0]["message_de"] == "ä"
    pd.testing.assert_frame_equal(
        v.monthly.reset_index(drop=True),
        fake_plan().monthly.sort_values(["line_item", "channel", "month"]).reset_index(drop=True),
        check_dtype=False,
    )
    (data / "deals.csv").write_text("deal_id\nD2\n")
    assert ver.data_fingerprint(data) != v.meta["data_fingerprint"]
    with pytest.raises(ver.VersionNotFoundError, match=r"'Budget' is no version.*Forecast Q2"):
        ver.load_version(tmp_path / "v", "Budget")


def test_same_plan_gives_byte_identical_parquet(tmp_path):
    a = ver.save_version(fake_plan(), "A", tmp_path)
    b = ver.save_version(fake_plan(), "B", tmp_path)
    for f in ("monthly.parquet", "summary.parquet", "params.json", "findings.json"):
        assert (tmp_path / a / f).read_bytes() == (tmp_path / b / f).read_bytes()


def test_compare_line_items_and_kpis(tmp_path):
    ver.save_version(fake_plan(30.0, 1000.0), "A", tmp_path)
    ver.save_version(fake_plan(36.0, 1100.0), "B", tmp_path)
    lines, kpis = ver.compare_versions(tmp_path, "A", "B")
    row = lines.set_index(["line_item", "channel"])
    # flows sum over the months: 2 × 30 = 60 vs 2 × 36 = 72 → +12, +20 %
    assert row.loc[("customers_new", "inbound"), ["value_a", "value_b", "diff"]].tolist() == [
        60.0,
        72.0,
        12.0,
    ]
    assert row.loc[("customers_new", "inbound"), "diff_pct"] == pytest.approx(0.2)
    # levels compare the last month: 1000 vs 1100
    assert row.loc[("mrr_end", ""), "diff"] == 100.0
    k = kpis.set_index("key")
    assert k.loc["new_customers", "diff"] == 12.0
    assert k.loc["by.x", "diff"] == 0.0


def test_real_plan_round_trip(tmp_path):
    from planning_lib.plan.model import run_plan

    plan = run_plan(PARAMS)
    vid = ver.save_version(plan, "Budget 2026", tmp_path)
    v = ver.load_version(tmp_path, vid)
    assert v.summary["new_customers"] == pytest.approx(plan.summary["new_customers"])
    assert len(v.monthly) == len(plan.monthly)


def test_half_written_temp_folders_are_not_versions(tmp_path):
    vid = ver.save_version(fake_plan(), "A", tmp_path)
    crashed = tmp_path / ".tmp-deadbeef"  # a save that died before its rename
    crashed.mkdir()
    (crashed / "meta.json").write_text('{"version_id": "x", "name": "B"}')
    assert ver.list_versions(tmp_path)["version_id"].tolist() == [vid]
    with pytest.raises(ver.VersionNotFoundError):
        ver.resolve_version(tmp_path, "B")
