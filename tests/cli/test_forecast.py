"""``planning forecast`` on the sample company."""

from __future__ import annotations

import pandas as pd
import pytest

from planning_lib.analysis.forecast.baseline import monthly_new_customers
from planning_lib.cli.main import main
from planning_lib.core.paths import CONFIGS, SAMPLE_DATA


@pytest.mark.skipif(not (SAMPLE_DATA / "deals.csv").exists(), reason="sample data not generated")
def test_forecast_command_writes_coherent_forecasts(tmp_path):
    out = tmp_path / "fc"
    code = main(
        [
            "forecast",
            "--data",
            str(SAMPLE_DATA),
            "--by",
            "region",
            "--horizon",
            "6",
            "--out",
            str(out),
            "--workers",
            "1",
        ]
    )
    assert code == 0
    fc = pd.read_csv(out / "forecasts.csv")
    assert set(fc["node"]) == {"total", "region=AT", "region=CH", "region=DE-Nord", "region=DE-Süd"}
    wide = fc.pivot(index="month", columns="node", values="mean")
    regions = [c for c in wide.columns if c != "total"]
    pd.testing.assert_series_equal(
        wide["total"], wide[regions].sum(axis=1), check_names=False, atol=1e-3
    )
    assert len(wide) == 6 and wide.index[0] == "2026-01-01"
    acc = pd.read_csv(out / "accuracy.csv")
    assert acc["holdout_mase"].notna().all() and len(acc) == 5
    base = pd.read_csv(out / "no_change_baseline.csv").iloc[0]
    assert base["p10"] < base["p50"] < base["p90"] < base["p99"]
    assert (out / "pipeline.csv").exists() and (out / "open_leads_ranked.csv").exists()
    # a non-empty output folder is never overwritten
    assert main(["forecast", "--data", str(SAMPLE_DATA), "--out", str(out)]) == 2


def _deals(rows: list[tuple[str, str, str, float, float, str | None]]) -> dict[str, pd.DataFrame]:
    """A deals table: (region, close_date, stage, amount_eur, mrr_eur, is_credit_note)."""
    frame = pd.DataFrame(
        rows, columns=["region", "close_date", "stage", "amount_eur", "mrr_eur", "is_credit_note"]
    )
    return {"deals": frame}


def test_bookings_and_won_deals_need_only_the_deals_table() -> None:
    """Region A: Jan won 1.000 € and 500 €, Feb a won credit note of −200 € and a lost deal of
    9.000 €, Mar nothing; region B: Feb won 300 €. By hand: bookings A = 1.500, −200, 0 and
    B = 0, 300, 0 (zero-filled from the first month, net of the credit note, lost deals
    ignored); won deals A = 2, 0, 0 (the credit note is no deal) and B = 0, 1, 0; MRR is zero
    throughout (a business without subscriptions) and plays no part."""
    from planning_lib.cli.forecast import metric_frame

    tables = _deals(
        [
            ("A", "2025-01-10", "won", 1000.0, 0.0, None),
            ("A", "2025-01-20", "won", 500.0, 0.0, "false"),
            ("A", "2025-02-05", "won", -200.0, 0.0, "true"),
            ("A", "2025-02-07", "lost", 9000.0, 0.0, None),
            ("B", "2025-02-11", "won", 300.0, 0.0, None),
        ]
    )
    as_of = pd.Period("2025-03", freq="M")
    bookings = metric_frame(tables, "bookings", ["region"], as_of)
    wide = bookings.pivot(index="month", columns="region", values="value")
    assert wide["A"].tolist() == [1500.0, -200.0, 0.0]
    assert wide["B"].tolist() == [0.0, 300.0, 0.0]
    won = metric_frame(tables, "won_deals", ["region"], as_of)
    wide = won.pivot(index="month", columns="region", values="value")
    assert wide["A"].tolist() == [2.0, 0.0, 0.0]
    assert wide["B"].tolist() == [0.0, 1.0, 0.0]


def test_new_customers_are_first_won_deals() -> None:
    """Customer K1 (region A) wins in Jan and again in Feb (a repeat purchase) and gets a
    credit note in Mar; K2 (B) wins twice on 2025-02-11 (one new customer); K3 (A) wins in
    Mar; a won deal without a customer counts as its own customer (A, Mar). By hand: new
    customers A = 1, 0, 2 (K1 in Jan; K3 and the deal without customer in Mar) and
    B = 0, 1, 0; won deals (second method, all won deals but the credit note) A = 1, 1, 2
    and B = 0, 2, 0."""
    from planning_lib.cli.forecast import metric_frame

    rows = [
        ("D1", "K1", "A", "2025-01-10", "won", None),
        ("D2", "K1", "A", "2025-02-10", "won", None),
        ("D3", "K1", "A", "2025-03-01", "won", "true"),
        ("D4", "K2", "B", "2025-02-11", "won", None),
        ("D5", "K2", "B", "2025-02-11", "won", None),
        ("D6", "K3", "A", "2025-03-05", "won", None),
        ("D7", None, "A", "2025-03-09", "won", None),
        ("D8", "K4", "A", "2025-03-09", "lost", None),
    ]
    deals = pd.DataFrame(
        rows, columns=["deal_id", "customer_id", "region", "close_date", "stage", "is_credit_note"]
    )
    as_of = pd.Period("2025-03", freq="M")
    new = metric_frame({"deals": deals}, "new_customers", ["region"], as_of)
    wide = new.pivot(index="month", columns="region", values="value")
    assert wide["A"].tolist() == [1.0, 0.0, 2.0]
    assert wide["B"].tolist() == [0.0, 1.0, 0.0]
    won = metric_frame({"deals": deals}, "won_deals", ["region"], as_of)
    wide = won.pivot(index="month", columns="region", values="value")
    assert wide["A"].tolist() == [1.0, 1.0, 2.0]
    assert wide["B"].tolist() == [0.0, 2.0, 0.0]
    baseline = monthly_new_customers(deals, "2025-04-01")
    assert baseline.tolist() == [1.0, 1.0, 2.0]  # the same customers, all regions


def test_new_customers_leave_out_customers_the_subscriptions_knew_before() -> None:
    """A SaaS export (#13 trial): the subscriptions go back before the deals export, so an
    old customer's first won deal in it is an upsell. K1 subscribed 2024-11-02 and wins
    D1 in 2025-01 (left out); K2 starts 2025-01-20 with D2 (new); K3 starts 2025-03-04
    with D3 (new). By hand, per month Jan..Mar: 1, 0, 1 (D2, D3; the subscriptions'
    own count of first starts in these months, second method, is the same: K2, K3)."""
    from planning_lib.cli.forecast import metric_frame

    deals = pd.DataFrame(
        {
            "deal_id": ["D1", "D2", "D3"],
            "customer_id": ["K1", "K2", "K3"],
            "region": ["A", "A", "A"],
            "close_date": ["2025-01-15", "2025-01-20", "2025-03-04"],
            "stage": ["won", "won", "won"],
        }
    )
    subs = pd.DataFrame(
        {
            "customer_id": ["K1", "K2", "K3"],
            "start_date": pd.to_datetime(["2024-11-02", "2025-01-20", "2025-03-04"]),
        }
    )
    as_of = pd.Period("2025-03", freq="M")
    new = metric_frame({"deals": deals, "subscriptions": subs}, "new_customers", ["region"], as_of)
    assert new["value"].tolist() == [1.0, 0.0, 1.0]
    firsts = subs.groupby("customer_id")["start_date"].min().dt.to_period("M")
    by_start = firsts[firsts >= pd.Period("2025-01", "M")].value_counts()
    assert [by_start.get(pd.Period(m, "M"), 0) for m in ("2025-01", "2025-02", "2025-03")] == [
        1,
        0,
        1,
    ]


@pytest.mark.skipif(not (SAMPLE_DATA / "deals.csv").exists(), reason="sample data not generated")
def test_forecast_of_bookings_on_the_sample_adds_up(tmp_path) -> None:
    """``--metric bookings`` writes reconciled forecasts: the total is the sum of the regions
    (MinT keeps the hierarchy coherent) and the history's last month is 2025-12."""
    out = tmp_path / "fc"
    args = ["forecast", "--data", str(SAMPLE_DATA), "--by", "region", "--horizon", "3"]
    assert main([*args, "--metric", "bookings", "--out", str(out), "--workers", "1"]) == 0
    fc = pd.read_csv(out / "forecasts.csv")
    wide = fc.pivot(index="month", columns="node", values="mean")
    regions = [c for c in wide.columns if c != "total"]
    pd.testing.assert_series_equal(
        wide["total"], wide[regions].sum(axis=1), check_names=False, atol=1e-2
    )
    assert wide.index[0] == "2026-01-01" and (wide["total"] > 0).all()


@pytest.fixture(scope="module")
def one_off_company(tmp_path_factory) -> dict:
    """The transactional company of :mod:`tests.transactional_company` (deals only) and the
    plan ``planning init`` writes for it (``business_model: transactional``, detected)."""
    from tests.transactional_company import write_transactional

    folder = tmp_path_factory.mktemp("one_off")
    write_transactional(folder / "data")
    plan = folder / "plan.yaml"
    assert main(["init", "--data", str(folder / "data"), "--out", str(plan)]) == 0
    return {"data": folder / "data", "plan": plan}


def _forecast(data, out, *extra: str) -> int:
    args = ["forecast", "--data", str(data), "--horizon", "4", "--workers", "1", "--out", str(out)]
    return main([*args, *extra])


def test_revenue_of_a_transactional_plan_is_its_bookings(one_off_company, tmp_path, capsys):
    """No subscriptions, a transactional plan: ``--metric revenue`` forecasts bookings and
    says so in one line; its forecasts.csv is byte for byte the one ``--metric bookings``
    writes for the same data (the second method)."""
    data, plan = one_off_company["data"], one_off_company["plan"]
    capsys.readouterr()
    assert _forecast(data, tmp_path / "rev", "--metric", "revenue", "--config", str(plan)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "Umsatz ist bei Einmalverkäufen (business_model: transactional) der Auftragseingang: "
        "prognostiziert wird --metric bookings (gewonnener Betrag je Abschlussmonat)."
    )
    assert lines[1].endswith("metric bookings)")
    assert _forecast(data, tmp_path / "book", "--metric", "bookings") == 0
    for name in ("forecasts.csv", "accuracy.csv"):
        assert (tmp_path / "rev" / name).read_bytes() == (tmp_path / "book" / name).read_bytes()


def test_revenue_of_a_subscription_plan_without_subscriptions_is_refused(
    one_off_company, tmp_path, capsys
):
    """No subscriptions, the CloudFlow plan (``business_model: subscription``): exit 1 with
    one line naming the table and suggesting ``--metric bookings``, nothing written; without
    ``--config`` the line also points to a transactional plan."""
    data = one_off_company["data"]
    capsys.readouterr()
    config = str(CONFIGS / "cloudflow.yaml")
    assert _forecast(data, tmp_path / "a", "--metric", "revenue", "--config", config) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "error: --metric revenue braucht die Tabelle subscriptions, die in den Daten fehlt "
        "(business_model: subscription); --metric bookings prognostiziert den Auftragseingang "
        "aus den Deals."
    ]
    assert _forecast(data, tmp_path / "b", "--metric", "revenue") == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "Tabelle subscriptions" in err[0] and "--metric bookings" in err[0]
    assert "business_model: transactional" in err[0]
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_a_wrong_config_path_is_one_line_whatever_the_metric(tmp_path, capsys):
    """``--config`` is read at once: a missing file stops with one ``error:`` line and exit
    1, also when the metric would not need the plan (the sample has subscriptions, so
    ``--metric revenue`` never looked at it before), and nothing is written."""
    for metric in ("revenue", "bookings"):
        out = tmp_path / metric
        capsys.readouterr()
        code = _forecast(
            SAMPLE_DATA, out, "--metric", metric, "--config", str(tmp_path / "no.yaml")
        )
        err = capsys.readouterr().err.splitlines()
        assert code == 1 and len(err) == 1 and err[0].startswith("error:") and "no.yaml" in err[0]
        assert not out.exists()


def test_new_customer_pipeline_leaves_out_open_deals_of_customers() -> None:
    """Closed: 20 deals created 2025-01-01, closed 2025-03-02, odd ones won by W1, W3, ...
    (win probability 0.5, cycle 60 days). Open, created 2025-12-01 (-> closes 2026-01-30,
    January): D100 of W1 (a customer: left out of new customers), D101 without customer
    (a prospect), D102 of N1 (new). By hand, origin 2025-12 (age 30 days <= 60), all in
    January: new customers 2 x 0.5 = 1.0; new MRR all three, 3 x 0.5 x 100 EUR = 150 EUR.
    One line names the one open deal left out (singular)."""
    from planning_lib.cli.forecast import _pipeline_tables
    from planning_lib.present.labels import text

    rows = [
        {
            "deal_id": f"D{i}",
            "customer_id": f"W{i}" if i % 2 else f"L{i}",
            "stage": "won" if i % 2 else "lost",
            "created_date": pd.Timestamp("2025-01-01"),
            "close_date": pd.Timestamp("2025-03-02"),
        }
        for i in range(20)
    ]
    for i, who in ((100, "W1"), (101, None), (102, "N1")):
        rows.append(
            {
                "deal_id": f"D{i}",
                "customer_id": who,
                "stage": "qualified",
                "created_date": pd.Timestamp("2025-12-01"),
                "close_date": pd.Timestamp("2026-01-20"),
            }
        )
    deals = pd.DataFrame(rows).assign(channel="inbound", segment="small", mrr_eur=100.0)
    stat = [0.0, 0.0, 0.0]
    as_of = pd.Period("2025-12", freq="M")
    new, _, left_out = _pipeline_tables({"deals": deals}, "new_customers", as_of, stat)
    assert new["pipeline"].tolist() == pytest.approx([1.0, 0.0, 0.0])
    assert left_out == 1
    mrr, _, left_out = _pipeline_tables({"deals": deals}, "new_mrr", as_of, stat)
    assert mrr["pipeline"].tolist() == pytest.approx([150.0, 0.0, 0.0])
    assert left_out == 0
    line = text("forecast.pipeline_repeat_left_out", "de", n="1")
    assert line.startswith("Pipeline der Neukunden: 1 offener Deal von Kunden")
    line = text("forecast.pipeline_repeat_left_out", "en", n="24")
    assert line.startswith("New-customer pipeline: 24 open deals of customers")
