"""The sample company: deterministic, committed, realistic and with the injected deviations.

The figures are recomputed here with plain pandas from the CSV bytes, not through
``planning_lib.sample.summary``, so the summary code is checked too.
"""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import pandas as pd
import pytest

from planning_lib.cli import main as cli
from planning_lib.cli import sample_data as command
from planning_lib.core.paths import SAMPLE_DATA
from planning_lib.data.tables import TABLES
from planning_lib.sample.company import (
    SampleData,
    SampleExistsError,
    generate_sample,
    sample_files,
    write_files,
    write_sample,
)
from planning_lib.sample.config import SampleConfig
from planning_lib.sample.render import render_csv

END = pd.Timestamp("2025-12-31")
ACTUALS_END = pd.Timestamp("2026-06-30")
TABLE_NAMES = ("deals", "leads", "subscriptions", "costs", "headcount")
DATES = {
    "deals": ("created_date", "close_date"),
    "leads": ("created_date", "mql_date", "sql_date", "demo_date", "won_date", "lost_date"),
    "subscriptions": ("start_date", "end_date"),
    "costs": ("month",),
    "headcount": ("hire_date", "exit_date"),
}


@pytest.fixture(scope="module")
def sample() -> SampleData:
    return generate_sample(42)


@pytest.fixture(scope="module")
def files(sample: SampleData) -> dict[str, bytes]:
    return sample_files(sample)


def _frame(content: bytes, name: str) -> pd.DataFrame:
    frame = pd.read_csv(io.BytesIO(content), keep_default_na=False, dtype=str)
    for col in DATES[name]:
        frame[col] = pd.to_datetime(frame[col].replace("", None))
    for col in ("amount_eur", "mrr_eur"):
        if col in frame:
            frame[col] = frame[col].astype(float)
    return frame


@pytest.fixture(scope="module")
def hist(files) -> dict[str, pd.DataFrame]:
    return {n: _frame(files[f"{n}.csv"], n) for n in TABLE_NAMES}


@pytest.fixture(scope="module")
def act(files) -> dict[str, pd.DataFrame]:
    return {n: _frame(files[f"actuals/{n}.csv"], n) for n in TABLE_NAMES}


def _active(subs: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    return subs[(subs["start_date"] <= day) & (subs["end_date"].isna() | (subs["end_date"] > day))]


# --------------------------------------------------------------------------- files


def test_generation_is_deterministic(files) -> None:
    assert sample_files(generate_sample(42)) == files
    other = generate_sample(7).history["leads"]
    assert render_csv("leads", other) != files["leads.csv"]


def test_committed_files_equal_a_fresh_generation(files) -> None:
    on_disk = {
        p.relative_to(SAMPLE_DATA).as_posix(): p.read_bytes()
        for p in sorted(SAMPLE_DATA.rglob("*"))
        if p.is_file()
    }
    assert sorted(on_disk) == sorted(files)
    differing = [rel for rel in files if on_disk[rel] != files[rel]]
    assert differing == []


def test_csv_format_follows_the_contract(files) -> None:
    total = 0
    for rel, content in files.items():
        total += len(content)
        text = content.decode("utf-8")
        assert "\r" not in text
        if rel.endswith(".csv"):
            name = rel.split("/")[-1].removesuffix(".csv")
            header = text.split("\n", 1)[0].split(",")
            contract = [c.name for c in TABLES[name].columns]
            assert header == [c for c in contract if c in header]
            assert set(TABLES[name].required) <= set(header)
            assert text.endswith("\n")
    assert total < 5_000_000  # small enough to commit


def test_rows_are_in_a_deterministic_order(hist, act) -> None:
    for tables in (hist, act):
        deals = tables["deals"]
        assert list(deals.index) == list(
            deals.sort_values(["created_date", "deal_id"], kind="stable").index
        )
        leads = tables["leads"]
        assert leads["lead_id"].is_monotonic_increasing
        assert leads["created_date"].is_monotonic_increasing


# --------------------------------------------------------------------------- end state


def test_history_ends_in_the_seeds_situation(hist) -> None:
    active = _active(hist["subscriptions"], END)
    assert len(active) == pytest.approx(500, rel=0.05)
    assert active["customer_id"].is_unique
    assert active["mrr_eur"].sum() == pytest.approx(80_000, rel=0.05)
    team = hist["headcount"]
    reps = team[(team["role"] == "inside_sales") & team["exit_date"].isna()]
    assert len(reps) == 3


def test_last_year_new_customers_channels_and_cac(hist) -> None:
    subs = hist["subscriptions"]
    new = subs[subs["start_date"].dt.year == 2025]
    assert len(new) == pytest.approx(300, rel=0.10)
    assert (new["channel"] == "inbound").mean() == pytest.approx(0.6, abs=0.05)
    costs = hist["costs"]
    marketing = costs[(costs["month"].dt.year == 2025) & (costs["category"] == "marketing")]
    spend = marketing["amount_eur"].astype(float).sum()
    assert spend == pytest.approx(75_000, rel=0.10)
    assert spend / len(new) == pytest.approx(250, rel=0.10)


def test_churn_about_five_percent_in_2025_and_clv(hist) -> None:
    subs = hist["subscriptions"]
    rates = []
    for month in pd.date_range("2025-01-01", "2025-12-01", freq="MS"):
        base = _active(subs, month - pd.Timedelta(days=1))
        month_end = month + pd.offsets.MonthEnd(0)
        ended = base["end_date"].between(month, month_end)
        rates.append(ended.mean())
    churn = sum(rates) / len(rates)
    assert 0.04 <= churn <= 0.06
    arpa = _active(subs, END)["mrr_eur"].mean()
    assert arpa == pytest.approx(160, rel=0.06)
    assert arpa / churn == pytest.approx(3_000, rel=0.15)  # empirical CLV (EUR)


def test_regions_products_segments_and_sizes(hist) -> None:
    leads = hist["leads"]
    shares = leads["region"].value_counts(normalize=True)
    for region, share in {"DE-Nord": 0.35, "DE-Süd": 0.30, "AT": 0.15, "CH": 0.20}.items():
        assert shares[region] == pytest.approx(share, abs=0.02)
    size = leads["company_size"].astype(int)
    bounds = {"small": (10, 49), "mid": (50, 250), "large": (251, 10**6)}
    for seg, (lo, hi) in bounds.items():
        sizes = size[leads["segment"] == seg]
        assert len(sizes) > 0 and sizes.between(lo, hi).all()
    prices = {"Starter": 79, "Business": 179, "Enterprise": 449}
    deals = hist["deals"]
    assert set(deals["product"]) == set(prices)
    assert (deals["mrr_eur"] <= deals["product"].map(prices)).all()
    # partner channel near zero before the programme starts
    assert (leads["channel"] == "partner").mean() < 0.005


def test_trend_and_seasonality(hist) -> None:
    leads = hist["leads"]
    per_year = leads.groupby(leads["created_date"].dt.year).size()
    assert list(per_year.index) == [2022, 2023, 2024, 2025]
    assert per_year.is_monotonic_increasing
    per_month = leads.groupby(leads["created_date"].dt.month).size()
    spring = per_month[[1, 2, 3]].mean()
    assert per_month[8] < 0.85 * spring and per_month[12] < 0.85 * spring


# --------------------------------------------------------------------------- funnel


@pytest.mark.parametrize("which", ["hist", "act"])
def test_funnel_dates_in_order(which, request) -> None:
    leads = request.getfixturevalue(which)["leads"]
    inbound = leads["channel"] == "inbound"
    settled = leads["created_date"] < leads["created_date"].max() - pd.Timedelta(days=7)
    assert leads.loc[inbound & settled, "mql_date"].notna().all()  # MQL within days
    assert leads.loc[~inbound, "mql_date"].isna().all()
    assert (leads.loc[~inbound, "sql_date"] == leads.loc[~inbound, "created_date"]).all()
    chain = ["created_date", "mql_date", "sql_date", "demo_date", "won_date"]
    for a, b in itertools.pairwise(chain):
        both = leads[a].notna() & leads[b].notna()
        assert (leads.loc[both, a] <= leads.loc[both, b]).all(), (a, b)
    for later in ("demo_date", "won_date"):  # no stage without the one before
        assert leads.loc[leads[later].notna(), "sql_date"].notna().all()
    assert not (leads["won_date"].notna() & leads["lost_date"].notna()).any()
    lost = leads["lost_date"].notna()
    assert (leads.loc[lost, "lost_date"] >= leads.loc[lost, "created_date"]).all()


def test_conversion_rates_and_cycle_close_to_the_config(hist, params) -> None:
    cfg = params.channels
    leads = hist["leads"]
    done = leads[leads["created_date"] < pd.Timestamp("2025-09-01")]  # outcomes known
    inbound, outbound = done[done["channel"] == "inbound"], done[done["channel"] == "outbound"]
    sql = inbound[inbound["sql_date"].notna()]
    demo = sql[sql["demo_date"].notna()]
    assert len(sql) / len(inbound) == pytest.approx(cfg["inbound"].mql_to_sql, abs=0.03)
    assert len(demo) / len(sql) == pytest.approx(cfg["inbound"].sql_to_demo, abs=0.04)
    assert demo["won_date"].notna().mean() == pytest.approx(cfg["inbound"].demo_to_won, abs=0.03)
    odemo = outbound[outbound["demo_date"].notna()]
    assert len(odemo) / len(outbound) == pytest.approx(cfg["outbound"].sql_to_demo, abs=0.03)
    assert odemo["won_date"].notna().mean() == pytest.approx(cfg["outbound"].demo_to_won, abs=0.03)
    won = done[done["won_date"].notna()]
    cycle_days = (won["won_date"] - won["sql_date"]).dt.days
    assert cycle_days.between(21, 100).all()  # 1-3 months from SQL to won
    assert 30 <= cycle_days.mean() <= 75


def test_fast_first_response_wins_more(hist) -> None:
    leads = hist["leads"]
    assert leads["first_response_hours"].replace("", None).notna().all()
    demos = leads[leads["demo_date"].notna() & (leads["created_date"] < pd.Timestamp("2025-09-01"))]
    hours = demos["first_response_hours"].astype(float)
    won = demos["won_date"].notna()
    assert won[hours < 2].mean() > 1.5 * won[hours > 24].mean()


def test_deals_amounts_stages_and_subscriptions(hist, act) -> None:
    for day, tables in ((END, hist), (ACTUALS_END, act)):
        deals = tables["deals"]
        assert ((deals["mrr_eur"] * 12).round(2) == deals["amount_eur"]).all()
        assert (deals["close_date"] >= deals["created_date"]).all()
        is_open = ~deals["stage"].isin(["won", "lost"])
        assert is_open.any() and (deals.loc[is_open, "close_date"] > day).all()
        assert (deals.loc[~is_open, "close_date"] <= day).all()
        assert deals["deal_id"].is_unique
    deals, leads, subs = hist["deals"], hist["leads"], hist["subscriptions"]
    won = deals[deals["stage"] == "won"].set_index("customer_id")
    started = subs.set_index("customer_id").loc[won.index]
    assert (started["start_date"] == won["close_date"]).all()
    assert (started["mrr_eur"] == won["mrr_eur"]).all()
    won_leads = leads[leads["won_date"].notna()].set_index("deal_id")
    assert set(won_leads.index) == set(won["deal_id"])
    assert (deals.loc[deals["stage"] == "lost", "customer_id"].isin(subs["customer_id"])).sum() == 0
    open_2025 = deals[~deals["stage"].isin(["won", "lost"])]
    assert (open_2025["close_date"].dt.year == 2026).all()


def test_costs_per_month_region_and_category(hist, act) -> None:
    costs = hist["costs"]
    assert costs.groupby(["month", "region"]).ngroups == 48 * 4
    personnel_2025 = costs[(costs["month"].dt.year == 2025) & (costs["category"] == "personnel")]
    assert personnel_2025["amount_eur"].astype(float).sum() == pytest.approx(3 * 42_000, abs=1)
    commissions = costs[(costs["month"].dt.year == 2025) & (costs["category"] == "commissions")]
    deals = hist["deals"]
    won_2025 = deals[(deals["stage"] == "won") & (deals["close_date"].dt.year == 2025)]
    expected = 0.10 * won_2025["amount_eur"].sum()
    assert commissions["amount_eur"].astype(float).sum() == pytest.approx(expected, abs=5)
    assert set(act["costs"]["month"].dt.strftime("%Y-%m")) == {f"2026-0{m}" for m in range(1, 7)}


# --------------------------------------------------------------------------- actuals


def test_actuals_cover_the_first_half_of_the_plan_year(act) -> None:
    assert act["leads"]["created_date"].min() >= pd.Timestamp("2026-01-01")
    assert act["leads"]["created_date"].max() <= ACTUALS_END
    deals = act["deals"]
    assert ((deals["created_date"] >= "2026-01-01") | (deals["close_date"] >= "2026-01-01")).all()
    team = act["headcount"]
    new = team[team["hire_date"] >= "2026-01-01"]
    q1 = new[new["hire_date"] < "2026-04-01"]
    q2 = new[(new["hire_date"] >= "2026-04-01") & (new["hire_date"] < "2026-07-01")]
    assert list(q1["role"]) == ["inside_sales", "inside_sales"]
    assert list(q2["role"]) == ["partner_manager"]
    assert (team["role"] == "inside_sales").sum() == 5


def test_injected_sql_to_demo_dip(act) -> None:
    leads = act["leads"]
    sql = leads[leads["sql_date"].notna()]
    # complete SQL months only: demos follow SQLs within six weeks
    sql = sql[sql["sql_date"] < pd.Timestamp("2026-05-01")]
    month = sql["sql_date"].dt.strftime("%Y-%m")
    rate = sql["demo_date"].notna().groupby([sql["region"], month]).mean()
    low = sorted(key for key, value in rate.items() if value < 0.20)
    assert low == [("AT", "2026-02"), ("AT", "2026-03")]


def test_partner_channel_clearly_below_plan(act, params) -> None:
    partner = params.channels["partner"]
    # plan for Q2: the 3 partners signed in Q1 are ramped and bring 2 leads a month each
    planned_leads_q2 = partner.new_partners_per_quarter * partner.leads_per_partner_monthly * 3
    planned_won_q2 = planned_leads_q2 * partner.sql_to_demo * partner.demo_to_won
    assert planned_won_q2 == pytest.approx(2.7)
    leads, deals = act["leads"], act["deals"]
    q2 = leads["created_date"].between("2026-04-01", "2026-06-30")
    assert 0 < ((leads["channel"] == "partner") & q2).sum() < 0.8 * planned_leads_q2
    won_q2 = (
        (deals["channel"] == "partner")
        & (deals["stage"] == "won")
        & deals["close_date"].between("2026-04-01", "2026-06-30")
    )
    assert won_q2.sum() < 0.8 * planned_won_q2


def test_inbound_and_outbound_on_track(act, params) -> None:
    season = params.drivers.seasonality
    leads = act["leads"]
    for channel, plan in (("inbound", 500), ("outbound", 250)):
        mine = leads[leads["channel"] == channel]
        per_month = mine.groupby(mine["created_date"].dt.month).size()
        for m, n in per_month.items():
            assert n == pytest.approx(plan * season[m - 1], rel=0.15)


# --------------------------------------------------------------------------- command


def test_write_refuses_to_overwrite(tmp_path: Path, sample, files) -> None:
    out = tmp_path / "sample"
    write_sample(sample, out)
    assert (out / "actuals" / "leads.csv").read_bytes() == files["actuals/leads.csv"]
    (out / "deals.csv").write_text("mine\n")
    with pytest.raises(SampleExistsError):
        write_files(files, out)
    assert (out / "deals.csv").read_text() == "mine\n"
    write_files(files, out, force=True)
    assert (out / "deals.csv").read_bytes() == files["deals.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sample"]  # no temp folders left


def test_cli_generates_refuses_and_checks(tmp_path, monkeypatch, capsys, sample, files) -> None:
    monkeypatch.setattr(command, "generate_sample", lambda seed: sample)
    monkeypatch.setattr(command, "sample_files", lambda data: files)
    out = tmp_path / "sample"
    assert cli.main(["sample-data", "--out", str(out), "--seed", "42"]) == 0
    assert cli.main(["sample-data", "--out", str(out), "--seed", "42"]) == 1
    assert "--force" in capsys.readouterr().err
    assert cli.main(["sample-data", "--check", "--out", str(out), "--seed", "42"]) == 0
    printed = capsys.readouterr().out
    assert "identisch" in printed and "Neukunden 2025" in printed and "CAC 2025" in printed
    (out / "actuals" / "leads.csv").write_bytes(b"lead_id\n")
    assert cli.main(["sample-data", "--check", "--out", str(out), "--lang", "en"]) == 1
    err = capsys.readouterr().err
    assert "actuals/leads.csv" in err and "deals.csv" not in err
    assert cli.main(["sample-data", "--check", "--out", str(tmp_path / "none")]) == 1


def test_check_on_the_committed_folder(monkeypatch, capsys, sample, files, hist) -> None:
    monkeypatch.setattr(command, "generate_sample", lambda seed: sample)
    monkeypatch.setattr(command, "sample_files", lambda data: files)
    assert cli.main(["sample-data", "--check", "--out", str(SAMPLE_DATA), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    active = _active(hist["subscriptions"], END)
    new = hist["subscriptions"]["start_date"].dt.year == 2025
    assert "identical" in out and "3 inside-sales reps" in out
    assert f"{len(active)} customers, MRR €{active['mrr_eur'].sum():,.0f}" in out
    assert f"New customers 2025: {new.sum()} (" in out
    assert f"{'leads':<26} {len(hist['leads']):>7}  2022-01-01  2025-12-31" in out


def test_committed_files_pass_validation(capsys) -> None:
    assert cli.main(["validate", str(SAMPLE_DATA)]) == 0, capsys.readouterr().out


def test_generator_defaults_follow_cloudflow_yaml(params) -> None:
    cfg = SampleConfig()
    assert [r for r, _ in cfg.regions] == params.company.regions
    assert sum(s for _, s in cfg.regions) == pytest.approx(1.0)
    assert [p for p, _ in cfg.products] == params.company.products
    assert list(cfg.seasonality) == params.drivers.seasonality
    assert cfg.plan_start == params.company.plan_start
    for channel, rates in cfg.plan_rates:
        ch = params.channels[channel]
        assert (rates.sql_to_demo, rates.demo_to_won) == (ch.sql_to_demo, ch.demo_to_won)
        if channel == "inbound":
            assert rates.mql_to_sql == ch.mql_to_sql
    assert cfg.inbound_mql_plan == params.channels["inbound"].leads_per_month
    assert cfg.outbound_sql_plan == params.channels["outbound"].leads_per_month
    assert dict(cfg.cost_per_lead_plan) == {
        c: params.channels[c].cost_per_lead_eur for c in ("inbound", "outbound", "partner")
    }
    salaries = {r: params.organisation.roles[r].salary_yearly_eur for r, _ in cfg.salaries_yearly}
    assert dict(cfg.salaries_yearly) == salaries
    assert cfg.commission_rate == params.compensation.commission_rate_first_year
    assert cfg.partner_commission_rate == params.channels["partner"].partner_commission_rate
    assert cfg.churn_plan_start == params.drivers.churn_rate_monthly.start
    assert cfg.churn_plan_end == params.drivers.churn_rate_monthly.end
