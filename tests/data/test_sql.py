"""SQL sources against real engines: SQLite and DuckDB files, and a PostgreSQL server.

The PostgreSQL test reads ``PLANNING_TEST_PG_URL`` (``.ci/run`` starts a server with
``.ci/postgres.sh`` and sets it). Without it the test is skipped, except in CI
(``CI`` set), where a missing server is a failure.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pandas as pd
import pytest
import sqlalchemy as sa

from planning_lib.data import DataValidationError, load_table

DEALS = pd.DataFrame(
    {
        "deal_id": ["D1", "D2", "D3"],
        "customer_id": ["C1", "C2", "C3"],
        "created_date": [dt.date(2025, 1, 2), dt.date(2025, 1, 10), dt.date(2025, 2, 3)],
        "close_date": [dt.date(2025, 1, 15), dt.date(2025, 2, 28), dt.date(2025, 3, 31)],
        "stage": ["won", "lost", "demo"],
        "amount_eur": [1234.56, 2400.0, 12000.0],
        "mrr_eur": [102.88, 200.0, 1000.0],
        "region": ["München", "Zürich", "AT"],
        "product": ["Business", "Starter", "Enterprise"],
        "segment": ["small", "mid", "large"],
        "channel": ["inbound", "outbound", "partner"],
        "owner": ["E1", "E2", "E3"],
    }
)


def write(url: str, table: str, frame: pd.DataFrame) -> None:
    if url.startswith("duckdb:///"):  # pandas' to_sql reflection does not work on DuckDB
        import duckdb

        con = duckdb.connect(url.removeprefix("duckdb:///"))
        try:
            con.register("frame", frame)
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM frame")
        finally:
            con.close()
        return
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            frame.to_sql(table, conn, index=False, if_exists="replace")
    finally:
        engine.dispose()


def check_engine(url: str, table: str) -> None:
    """The same checks on every engine: table, query, and a bad row."""
    write(url, table, DEALS)
    deals = load_table(url, "deals", sql_table=table)
    assert deals["amount_eur"].tolist() == [1234.56, 2400.0, 12000.0]
    assert deals["region"].tolist() == ["München", "Zürich", "AT"]
    assert deals["created_date"].tolist() == list(
        pd.to_datetime(["2025-01-02", "2025-01-10", "2025-02-03"])
    )
    assert str(deals["close_date"].dtype) == "datetime64[ns]"

    won = load_table(url, "deals", query=f"SELECT * FROM {table} WHERE stage = 'won'")
    assert won["deal_id"].tolist() == ["D1"]

    bad = DEALS.assign(amount_eur=[1234.56, -5.0, 12000.0])
    write(url, table, bad)
    with pytest.raises(DataValidationError) as err:
        load_table(url, "deals", sql_table=table)
    (hit,) = err.value.failures.to_dict("records")
    assert (hit["row"], hit["column"], hit["rule"]) == (
        2,
        "amount_eur",
        "negative_without_credit_note",
    )
    # an SQL source numbers no rows: the second row of the result is "data row 2"
    assert f'({table}), data row 2, column "amount_eur": -5 is negative' in hit["message"]


def test_sqlite_file(tmp_path):
    check_engine(f"sqlite:///{tmp_path / 'crm.db'}", "deals")


def test_duckdb_file_with_native_types(tmp_path):
    import duckdb

    path = tmp_path / "crm.duckdb"
    check_engine(f"duckdb:///{path}", "deals")
    write(f"duckdb:///{path}", "source", DEALS)
    con = duckdb.connect(str(path))
    try:  # DATE and DECIMAL columns as a warehouse would have them
        con.execute(
            "CREATE TABLE typed AS SELECT deal_id, customer_id, "
            "CAST(created_date AS DATE) AS created_date, CAST(close_date AS DATE) AS close_date, "
            "stage, CAST(amount_eur AS DECIMAL(12, 2)) AS amount_eur, "
            "CAST(mrr_eur AS DECIMAL(12, 2)) AS mrr_eur, region, product, segment, channel, "
            "owner FROM source"
        )
        kinds = con.execute(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'typed' AND column_name IN "
            "('created_date', 'amount_eur') ORDER BY column_name"
        ).fetchall()
    finally:
        con.close()
    assert kinds == [("DECIMAL(12,2)",), ("DATE",)]
    typed = load_table(f"duckdb:///{path}", "deals", sql_table="typed")
    assert typed["amount_eur"].tolist() == [1234.56, 2400.0, 12000.0]
    assert typed["created_date"].iloc[2] == pd.Timestamp("2025-02-03")


def test_sql_errors_are_failures_with_the_source_and_no_password(tmp_path):
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    write(url, "deals", DEALS)
    with pytest.raises(DataValidationError) as err:
        load_table(url, "deals", sql_table="opportunities")
    (hit,) = err.value.failures.to_dict("records")
    assert hit["rule"] == "unreadable"
    assert "opportunities" in hit["message"]
    with pytest.raises(ValueError, match="exactly one of sql_table or query"):
        load_table(url, "deals")


def test_postgresql_server():
    url = os.environ.get("PLANNING_TEST_PG_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI is set but PLANNING_TEST_PG_URL is not: .ci/run must start PostgreSQL")
        pytest.skip("no PostgreSQL server: set PLANNING_TEST_PG_URL (see .ci/postgres.sh)")
    table = f"deals_{uuid.uuid4().hex[:8]}"
    try:
        check_engine(url, table)
    finally:
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
        engine.dispose()
