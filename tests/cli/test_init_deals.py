"""``planning init`` of a subscription company without a leads table (issue #13 item 5:
conversion "from lead cohorts (or from deals)"): the sample's deals and subscriptions,
alone and with costs and headcount, and once with deals that name no channel.

The channel figures are derived here with plain pandas from the CSV files: a deal of a
prospect is every deal except those a customer created after the close of its first won
deal; the window is 2025-01..2025-12 (the sample's as-of is 2025-12).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from planning_lib.cli.main import main
from planning_lib.core.config import load_params
from planning_lib.core.paths import SAMPLE_DATA

LO, HI = pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31")


def _copy(folder: Path, tables: tuple[str, ...]) -> Path:
    folder.mkdir(parents=True)
    for name in tables:
        shutil.copy(SAMPLE_DATA / f"{name}.csv", folder / f"{name}.csv")
    return folder


@pytest.fixture(scope="module")
def two(tmp_path_factory) -> tuple[Path, Path, dict]:
    root = tmp_path_factory.mktemp("deals_subs")
    data = _copy(root / "data", ("deals", "subscriptions"))
    out = root / "plan.yaml"
    assert main(["init", "--data", str(data), "--out", str(out), "--regions"]) == 0
    plan_out = root / "plan_out"
    assert main(["plan", "--config", str(out), "--data", str(data), "--out", str(plan_out)]) == 0
    return data, out, json.loads((plan_out / "summary.json").read_text(encoding="utf-8"))


def _prospect_deals(deals: pd.DataFrame) -> pd.DataFrame:
    """Deals not created by a customer after its first won deal's close (by hand)."""
    d = deals.assign(
        created=pd.to_datetime(deals["created_date"]), close=pd.to_datetime(deals["close_date"])
    )
    won = d[d["stage"] == "won"]
    first_close = won.groupby("customer_id")["close"].min()
    known = d["customer_id"].map(first_close)
    return d[~(known.notna() & (d["created"] > known))]


def test_channels_from_the_deals_by_hand(two) -> None:
    """Per channel: leads per month = deals of prospects created in 2025 ÷ 12 (they enter
    as SQL), sql_to_demo 1, demo_to_won = won ÷ (won + lost) of those closed in 2025; the
    YAML says so in the comments."""
    data, out, _ = two
    p = load_params(out)
    d = _prospect_deals(pd.read_csv(data / "deals.csv", keep_default_na=False))
    created = d[d["created"].between(LO, HI)]
    closed = d[d["stage"].isin(["won", "lost"]) & d["close"].between(LO, HI)]
    assert set(p.channels) == set(d["channel"])
    for ch, c in p.channels.items():
        assert c.entry_stage == "sql"
        n = int((created["channel"] == ch).sum())
        assert c.leads_per_month == pytest.approx(n / 12, abs=0.005)
        mine = closed[closed["channel"] == ch]
        if len(mine) >= 30:
            assert c.demo_to_won == pytest.approx((mine["stage"] == "won").mean(), abs=5e-5)
        else:  # too few closed deals: the rate of all channels, marked
            assert c.demo_to_won == pytest.approx((closed["stage"] == "won").mean(), abs=5e-5)
        assert c.sql_to_demo == 1.0
    text = out.read_text(encoding="utf-8")
    assert "# Deals zählen ab ihrer Anlage als SQL" in text
    inbound = int((created["channel"] == "inbound").sum())
    assert f"# {inbound} Deals von Interessenten angelegt 2025-01..2025-12 ÷ 12" in text


def test_no_change_plan_lies_inside_the_baseline(two) -> None:
    """Funnel basis = Σ channels leads × 12 × win rate (steady state: the plan repeats the
    first month before plan start); target basis = the baseline's expectation; both
    inside the P10–P90 the init writes (the same baseline as with leads: it comes from
    the won deals, not the leads)."""
    _, out, summary = two
    p = load_params(out)
    line = next(ln for ln in out.read_text(encoding="utf-8").splitlines() if "forecast_no" in ln)
    p10, p90 = (int(x) for x in line.split("P10–P90 ")[1].split(";")[0].split("–"))
    funnel = sum(
        c.leads_per_month * 12 * c.sql_to_demo * c.demo_to_won for c in p.channels.values()
    )
    assert summary["bases"]["funnel"]["new_customers"] == pytest.approx(funnel, rel=1e-6)
    for basis in ("funnel", "target"):
        assert p10 <= summary["bases"][basis]["new_customers"] <= p90


def test_regions_split_the_deal_volumes(two) -> None:
    """The region files split each channel's leads per month by the region's deals of
    prospects created in 2025 and add up to the base (load_params checks the sums)."""
    data, out, _ = two
    p = load_params(out)
    d = _prospect_deals(pd.read_csv(data / "deals.csv", keep_default_na=False))
    created = d[d["created"].between(LO, HI) & (d["channel"] == "inbound")]
    regions = sorted((out.parent / "regions").glob("*.yaml"))
    assert [r.stem for r in regions] == sorted(p.company.regions)
    total = p.channels["inbound"].leads_per_month
    for r in regions:
        rp = load_params(out, region=r.stem)
        share = (created["region"] == r.stem).mean()
        assert rp.channels["inbound"].leads_per_month == pytest.approx(total * share, abs=0.011)


def test_with_costs_and_headcount(tmp_path) -> None:
    """With costs and headcount: the team and budget come from them (no ANNAHME on the
    budget), the channels still from the deals, and the plan runs."""
    data = _copy(tmp_path / "data", ("deals", "subscriptions", "costs", "headcount"))
    out = tmp_path / "plan.yaml"
    assert main(["init", "--data", str(data), "--out", str(out)]) == 0
    p = load_params(out)
    assert p.budget.total_eur > 0
    assert all(c.entry_stage == "sql" for c in p.channels.values())
    assert (
        main(["plan", "--config", str(out), "--data", str(data), "--out", str(tmp_path / "o")]) == 0
    )


def test_deals_without_channel_make_one_marked_channel(tmp_path) -> None:
    """Deals without a channel column (the loader fills 'inbound' and says so): one
    channel holding all 2025 deals of prospects, its share marked ANNAHME."""
    data = _copy(tmp_path / "data", ("subscriptions",))
    deals = pd.read_csv(SAMPLE_DATA / "deals.csv", keep_default_na=False)
    deals.drop(columns=["channel"]).to_csv(data / "deals.csv", index=False)
    out = tmp_path / "plan.yaml"
    assert main(["init", "--data", str(data), "--out", str(out)]) == 0
    p = load_params(out)
    assert list(p.channels) == ["inbound"]
    d = _prospect_deals(deals)
    n = int(d["created"].between(LO, HI).sum())
    assert p.channels["inbound"].leads_per_month == pytest.approx(n / 12, abs=0.005)
    line = next(ln for ln in out.read_text(encoding="utf-8").splitlines() if "lead_share" in ln)
    assert "ANNAHME: die Deals nennen keinen Kanal" in line


def test_without_leads_and_deals_init_says_what_it_needs(tmp_path, capsys) -> None:
    data = _copy(tmp_path / "data", ("subscriptions",))
    assert main(["init", "--data", str(data), "--out", str(tmp_path / "p.yaml")]) == 1
    assert "planning init needs the table(s) leads (or deals)" in capsys.readouterr().err
