"""``planning analyse`` without ``--config``: a first run on an own export (issue #13).

Two data sets:

* the shipped sample (``data/sample``), analysed once with ``cloudflow.yaml`` and once
  without a config: the second method for every figure the data alone gives;
* a deals-only export drawn with the seeded generator of
  ``tests/e2e/test_export_chains.py`` (US style, seed 13), written here as a canonical
  ``deals.csv`` (open deals without close date and amount, no channel, no MRR column),
  checked against plain pandas on the drawn frame.
"""

from __future__ import annotations

import contextlib
import io
import json

import pandas as pd
import pytest

from planning_lib.cli.main import main
from planning_lib.core.paths import CONFIGS, SAMPLE_DATA
from tests.e2e.test_export_chains import deals_frame

CONFIG_ONLY = {
    "clv.csv",
    "competitors.csv",
    "market.csv",
    "persona_links.csv",
    "personas.csv",
    "positioning.csv",
    "segments.csv",
    "segments_region.csv",
    "swot.csv",
}
"""The files that read the plan parameters: CLV (gross margin), segment table and
attractiveness (gross margin), market, competitors, SWOT, personas, persona links,
positioning."""


def _analyse(capsys: pytest.CaptureFixture, *argv: object) -> tuple[int, str]:
    """Run ``planning analyse`` in-process; its exit code and stdout."""
    code = main(["analyse", *map(str, argv)])
    return code, capsys.readouterr().out


@pytest.fixture(scope="module")
def sample_runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The sample analysed with cloudflow.yaml and without a config (its stdout kept)."""
    root = tmp_path_factory.mktemp("analyse_sample")
    with_cfg, without = root / "with", root / "without"
    cfg = CONFIGS / "cloudflow.yaml"
    data = ["--data", str(SAMPLE_DATA)]
    assert main(["analyse", *data, "--config", str(cfg), "--out", str(with_cfg)]) == 0
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        code = main(["analyse", *data, "--out", str(without)])
    return {"with": with_cfg, "without": without, "code": code, "out": said.getvalue()}


def test_sample_without_config_gives_the_same_as_is_figures(sample_runs):
    """As of: the sample's latest created/start date is 2025-12-31, a month's last day, so
    the last complete month is 2025-12 = the month before cloudflow's plan start 2026-01:
    both runs cover the same months. Every table the data alone gives (MRR per month,
    MRR bridge, win rate, ABC with the schema's default thresholds 0.8/0.95 ...) is
    byte-identical to the run with the config; the files that read the config are absent;
    the key figures differ only in the CLVs and the market share (empty)."""
    without, out = sample_runs["without"], sample_runs["out"]
    assert sample_runs["code"] == 0
    latest = max(
        pd.read_csv(SAMPLE_DATA / "deals.csv")["created_date"].max(),
        pd.read_csv(SAMPLE_DATA / "leads.csv")["created_date"].max(),
        pd.read_csv(SAMPLE_DATA / "subscriptions.csv")["start_date"].max(),
    )
    assert latest == "2025-12-31"
    assert out.splitlines()[1] == (
        "Ohne Plan-Konfiguration: Historie bis 2025-12, dem letzten vollständigen Monat der "
        "Daten; ein Plan begänne 2026-01."
    )
    a = {p.name: p.read_bytes() for p in sample_runs["with"].iterdir()}
    b = {p.name: p.read_bytes() for p in without.iterdir()}
    assert set(a) - set(b) == CONFIG_ONLY and set(b) <= set(a)
    for name in sorted(set(b) - {"key_figures.csv", "findings.json", "findings.txt"}):
        assert b[name] == a[name], name
    # the figures named in the brief, read back: MRR per month and the win rate
    ra, rb = (pd.read_csv(f / "revenue_monthly.csv") for f in (sample_runs["with"], without))
    tot_a, tot_b = (r[r["dimension"] == "total"].set_index("period") for r in (ra, rb))
    assert len(tot_b) >= 36
    assert tot_b["mrr_end_eur"].to_dict() == tot_a["mrr_end_eur"].to_dict()
    da, db = (
        pd.read_csv(f / "deal_metrics_channel.csv").set_index("channel")
        for f in (sample_runs["with"], without)
    )
    assert db["win_rate"].to_dict() == da["win_rate"].to_dict()
    ka, kb = (
        pd.read_csv(f / "key_figures.csv").set_index("figure")["value"]
        for f in (sample_runs["with"], without)
    )
    left_out = ["clv_formula_eur", "clv_empirical_eur", "market_share"]
    assert kb[left_out].isna().all() and ka[left_out].notna().all()
    assert kb.drop(left_out).to_dict() == ka.drop(left_out).to_dict()


def test_sample_without_config_says_one_line_per_part_left_out(sample_runs):
    records = json.loads((sample_runs["without"] / "findings.json").read_text(encoding="utf-8"))
    left = [r["numbers"] for r in records if r["code"] == "skipped_config"]
    assert left == [
        {"part": "clv", "keys": "drivers.gross_margin"},
        {"part": "segment_values", "keys": "drivers.gross_margin"},
        {"part": "market", "keys": "market"},
        {"part": "personas", "keys": "personas, positioning"},
    ]  # channels are named as init names them (the data allows only the standard three)
    # the findings that name channels read the same as with cloudflow.yaml, whose
    # channel names are the standard ones (Inbound-Marketing, Outbound-Vertrieb,
    # Partnerprogramm)
    by_code = {r["code"]: r["text_de"] for r in records}
    with_text = {
        r["code"]: r["text_de"]
        for r in json.loads((sample_runs["with"] / "findings.json").read_text(encoding="utf-8"))
    }
    channel_findings = [c for c, t in with_text.items() if "Inbound-Marketing" in t]
    assert channel_findings
    for c in channel_findings:
        assert by_code[c] == with_text[c], c
    # the findings the config does not feed are the same as with it
    with_cfg = json.loads((sample_runs["with"] / "findings.json").read_text(encoding="utf-8"))
    codes = {r["code"] for r in records} - {"skipped_config"}
    assert codes == {r["code"] for r in with_cfg} - {
        "cac_vs_clv",
        "segment_attractiveness",
        "market_position",
    }


_STAGES = {
    "Closed Won": "won",
    "Closed Lost": "lost",
    "Appointment Scheduled": "qualified",
    "Presentation Scheduled": "demo",
    "Decision Maker Bought-In": "proposal",
}


@pytest.fixture(scope="module")
def deals_only(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The US-style frame (seed 13) as a canonical deals.csv without channel and MRR."""
    frame = deals_frame("us", seed=13)
    frame["stage"] = frame["stage"].map(_STAGES)
    frame["segment"] = frame["segment"].map({"Klein": "small", "Mittel": "mid", "Groß": "large"})
    root = tmp_path_factory.mktemp("deals_only")
    (root / "data").mkdir()
    pd.DataFrame(
        {
            "deal_id": frame["id"],
            "customer_id": frame["company"],
            "created_date": frame["created"].dt.strftime("%Y-%m-%d"),
            "close_date": [None if pd.isna(d) else d.strftime("%Y-%m-%d") for d in frame["close"]],
            "stage": frame["stage"],
            "amount_eur": frame["amount"],
            "region": frame["region"],
            "product": frame["product"],
            "segment": frame["segment"],
            "owner": frame["owner"],
        }
    ).to_csv(root / "data" / "deals.csv", index=False)
    return {"frame": frame, "data": root / "data", "out": root / "out"}


def test_deals_only_without_config(deals_only, capsys):
    """Plain pandas on the drawn frame:

    * as of: the latest create date is not a month's last day, so its month is
      incomplete: the month before;
    * bookings per close month = won amounts summed by close month up to the as-of month;
    * win rate = won ÷ (won + lost) of the deals closed in the 12 months up to it;
    * open pipeline: the open deals created up to the as-of month, every one without
      amount, so every one estimated: the median of the won amounts of its product and
      segment (each such group holds at least 3 won deals, asserted below).
    """
    frame = deals_only["frame"]
    code, out = _analyse(capsys, "--data", deals_only["data"], "--out", deals_only["out"])
    assert code == 0
    latest = frame["created"].max()
    assert latest.day != latest.days_in_month
    as_of = latest.to_period("M") - 1
    assert f"(as of {as_of})" in out.splitlines()[0]
    res = deals_only["out"]

    won = frame[frame["stage"] == "won"].copy()
    won["month"] = won["close"].dt.to_period("M")
    want = won[won["month"] <= as_of].groupby(won["month"].astype(str))["amount"].sum()
    got = pd.read_csv(res / "bookings_monthly.csv")
    got = got[got["dimension"] == "total"].set_index("month")["bookings_eur"]
    assert got[got > 0].to_dict() == pytest.approx(want.to_dict(), abs=0.005)

    closed = frame[frame["stage"].isin(["won", "lost"])]
    month = closed["close"].dt.to_period("M")
    window = closed[(month >= as_of - 11) & (month <= as_of)]
    rate = (window["stage"] == "won").mean()
    dm = pd.read_csv(res / "deal_metrics_channel.csv").set_index("channel")
    assert dm.loc["all", "win_rate"] == pytest.approx(rate, abs=5e-5)  # 4 decimals in CSV

    is_open = frame["stage"].isin(["qualified", "demo", "proposal"])
    current = frame[is_open & (frame["created"] <= as_of.end_time)]
    assert current["amount"].isna().all() and len(current) > 0
    groups = won.groupby(["product", "segment"])["amount"]
    assert groups.size().min() >= 3
    estimate = current.apply(
        lambda r: groups.get_group((r["product"], r["segment"])).median(), axis=1
    )
    pipe = pd.read_csv(res / "open_pipeline.csv")
    assert pipe["open_deals"].sum() == len(current)
    assert pipe["estimated_deals"].sum() == len(current)
    assert pipe["amount_eur"].sum() == pytest.approx(estimate.sum(), abs=0.01)
    figures = pd.read_csv(res / "key_figures.csv").set_index("figure")["value"]
    assert figures["open_deals_estimated"] == len(current)
    said = f"Davon {len(current)} mit geschätztem Betrag"
    assert said in out and said in (res / "findings.txt").read_text(encoding="utf-8")
    records = json.loads((res / "findings.json").read_text(encoding="utf-8"))
    assert [r["numbers"]["part"] for r in records if r["code"] == "skipped_config"] == [
        "market",
        "personas",
    ]  # CLV and segment values are skipped anyway: no subscriptions; the channels are
    # the standard ones (inbound, outbound, partner), named without a config


@pytest.mark.parametrize("command", ["analyse", "init", "forecast"])
def test_commands_say_what_the_loader_filled(tmp_path, capsys, command):
    """An export read as it comes is never filled silently by analyse, init or forecast
    either: the sample's deals without the optional ``channel`` and ``owner`` columns
    (plain pandas) give one German line per filled column on stderr, the same
    ``Spalte fehlt`` line ``planning validate --lang de`` prints, naming the rows filled
    (all of them, with the German thousands separator) and the default."""
    data = tmp_path / "data"
    data.mkdir()
    deals = pd.read_csv(SAMPLE_DATA / "deals.csv").drop(columns=["channel", "owner"])
    deals.to_csv(data / "deals.csv", index=False)
    out = tmp_path / "out"
    args = {
        "analyse": ["analyse", "--data", str(data), "--out", str(out)],
        "init": ["init", "--data", str(data), "--out", str(tmp_path / "p.yaml")],
        "forecast": ["forecast", "--data", str(data), "--metric", "bookings", "--out", str(out)],
    }[command]
    main(args)
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("deals: ")]
    assert len(err) == 2, err
    n = f"allen {len(deals):,} Zeilen".replace(",", ".")  # 4089 rows read "4.089" (German)
    assert any("channel" in ln and "inbound" in ln and n in ln for ln in err), err
    assert any("owner" in ln and n in ln for ln in err), err


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("command", ["analyse", "init", "forecast"])
def test_loader_notes_follow_the_language(tmp_path, capsys, command, lang):
    """``--lang`` of analyse, init and forecast reaches the loader's notes too (they were
    German whatever the language): the sample's deals without ``channel`` and ``owner``
    (plain pandas) give the two ``deals:`` lines in the language asked for, the count with
    its thousands separator (4089 rows: ``4.089`` German, ``4,089`` English, Python's own
    ``{:,}``), and no line in the other language."""
    data = tmp_path / "data"
    data.mkdir()
    deals = pd.read_csv(SAMPLE_DATA / "deals.csv").drop(columns=["channel", "owner"])
    deals.to_csv(data / "deals.csv", index=False)
    out = tmp_path / "out"
    args = {
        "analyse": ["analyse", "--data", str(data), "--out", str(out)],
        "init": ["init", "--data", str(data), "--out", str(tmp_path / "p.yaml")],
        "forecast": ["forecast", "--data", str(data), "--metric", "bookings", "--out", str(out)],
    }[command]
    assert main([*args, "--lang", lang]) == 0
    said = capsys.readouterr()
    err = [ln for ln in said.err.splitlines() if ln.startswith("deals: ")]
    assert len(err) == 2, err
    count = f"{len(deals):,}"
    words = {
        "de": (f"Spalte fehlt, in allen {count.replace(',', '.')} Zeilen", "Spalte fehlt"),
        "en": (f"column missing, filled with 'inbound' in all {count} rows", "column missing"),
    }
    own, other = words[lang][0], words["en" if lang == "de" else "de"][1]
    assert any(ln.startswith("deals: channel: ") and own in ln for ln in err), err
    assert any(ln.startswith("deals: owner: ") for ln in err), err
    assert not any(other in ln for ln in err), err
    if command == "init":  # its console lines follow the language as well
        assert ("Written: " if lang == "en" else "Geschrieben: ") in said.out
