"""Schemas from the contract: every rule of every table, on tiny in-memory frames."""

from __future__ import annotations

import pandas as pd
import pytest

from planning_lib.data import TABLES, DataValidationError, validate
from planning_lib.data.schemas import table_schema


def deals(**changes: list) -> pd.DataFrame:
    base = {
        "deal_id": ["D1", "D2"],
        "customer_id": ["C1", "C2"],
        "created_date": ["2025-01-02", "2025-01-05"],
        "close_date": ["2025-01-20", "2025-02-01"],
        "stage": ["won", "demo"],
        "amount_eur": [1200.0, 2400.0],
        "mrr_eur": [100.0, 200.0],
        "region": ["DE-Nord", "AT"],
        "product": ["Starter", "Business"],
        "segment": ["small", "mid"],
        "channel": ["inbound", "partner"],
        "owner": ["E1", "E2"],
    }
    base.update(changes)
    return pd.DataFrame(base)


def failures(frame: pd.DataFrame, table: str = "deals") -> pd.DataFrame:
    with pytest.raises(DataValidationError) as err:
        validate(frame, table)
    return err.value.failures


def rules(frame: pd.DataFrame, table: str = "deals") -> list[tuple[int, str, str]]:
    found = failures(frame, table)
    return list(zip(found["row"], found["column"], found["rule"], strict=True))


def test_every_table_has_a_schema_with_every_contract_column():
    for name, table in TABLES.items():
        schema = table_schema(name)
        assert list(schema.columns) == [c.name for c in table.columns]


def test_valid_frame_comes_back_typed_in_contract_order():
    out = validate(deals().iloc[:, ::-1], "deals")
    assert list(out.columns) == [c.name for c in TABLES["deals"].columns if c.name in out]
    assert str(out["created_date"].dtype) == "datetime64[ns]"
    assert out["amount_eur"].tolist() == [1200.0, 2400.0]


def test_typed_input_passes_through():
    frame = deals(created_date=pd.to_datetime(["2025-01-02", "2025-01-05"]))
    out = validate(frame, "deals")
    assert out["created_date"].tolist() == list(pd.to_datetime(["2025-01-02", "2025-01-05"]))


def test_rows_count_like_a_spreadsheet():
    # frame position 1 is the second data row = spreadsheet row 3
    assert rules(deals(stage=["won", "closed"])) == [(3, "stage", "not_allowed")]


def test_required_cell_empty():
    found = failures(deals(owner=["E1", None]))
    assert found["message"].tolist() == [
        '<DataFrame>, row 3, column "owner": the cell is empty, but this column must be filled'
    ]


def test_optional_nullable_column_may_be_missing_or_empty():
    assert "is_credit_note" not in validate(deals(), "deals")
    out = validate(deals(is_credit_note=[None, "false"]), "deals")
    assert out["is_credit_note"].isna().tolist() == [True, False]


def test_credit_note_flag_allows_negative_money_only_on_its_row():
    frame = deals(amount_eur=[-1200.0, -10.0], is_credit_note=["true", "false"])
    assert rules(frame) == [(3, "amount_eur", "negative_without_credit_note")]


def test_below_minimum_outside_credit_note_tables():
    frame = pd.DataFrame(
        {
            "month": ["2025-01-01"],
            "region": ["AT"],
            "category": ["tools"],
            "amount_eur": [-5.0],
        }
    )
    found = failures(frame, "costs")
    assert found["message"].tolist() == [
        '<DataFrame>, row 2, column "amount_eur": -5 is below the minimum of 0'
    ]


def test_funnel_dates_in_order():
    leads = pd.DataFrame(
        {
            "lead_id": ["L1", "L2", "L3"],
            "created_date": ["2025-01-01"] * 3,
            "channel": ["inbound", "outbound", "partner"],
            "region": ["AT"] * 3,
            "segment": ["small"] * 3,
            "company_size": ["12", "80", "300"],
            "mql_date": ["2025-01-02", "2025-01-10", None],
            "sql_date": ["2025-01-05", "2025-01-08", "2025-01-04"],
            "demo_date": ["2025-01-09", None, "2025-01-03"],
            "won_date": [None, None, None],
            "lost_date": [None, "2024-12-31", None],
            "deal_id": [None, None, None],
        }
    )
    # L2: SQL before MQL, lost before created; L3: demo before SQL (MQL empty: not compared)
    assert rules(leads, "leads") == [
        (3, "lost_date", "date_order"),
        (3, "sql_date", "date_order"),
        (4, "demo_date", "date_order"),
    ]


def test_company_size_must_be_a_whole_number():
    leads = pd.DataFrame(
        {
            "lead_id": ["L1"],
            "created_date": ["2025-01-01"],
            "channel": ["inbound"],
            "region": ["AT"],
            "segment": ["small"],
            "company_size": ["12,5"],
            "mql_date": [None],
            "sql_date": [None],
            "demo_date": [None],
            "won_date": [None],
            "lost_date": [None],
            "deal_id": [None],
        }
    )
    assert rules(leads, "leads") == [(2, "company_size", "not_an_integer")]


def test_subscription_end_before_start():
    subs = pd.DataFrame(
        {
            "customer_id": ["C1", "C2"],
            "region": ["CH", "CH"],
            "product": ["Starter", "Starter"],
            "segment": ["small", "small"],
            "channel": ["inbound", "inbound"],
            "start_date": ["01.03.2024", "01.03.2024"],
            "end_date": ["", "29.02.2024"],
            "mrr_eur": ["49", "49"],
        }
    )
    found = failures(subs, "subscriptions")
    assert found["message"].tolist() == [
        '<DataFrame>, row 3, column "end_date": 2024-02-29 is before start_date 2024-03-01; '
        "it must be on or after it"
    ]


def test_headcount_unique_ids_and_roles():
    staff = pd.DataFrame(
        {
            "employee_id": ["E1", "E1", "E3"],
            "role": ["inside_sales", "field_sales", "intern"],
            "region": ["AT"] * 3,
            "hire_date": ["2024-01-01"] * 3,
            "exit_date": [None] * 3,
        }
    )
    assert rules(staff, "headcount") == [
        (2, "employee_id", "duplicate"),
        (3, "employee_id", "duplicate"),
        (4, "role", "not_allowed"),
    ]


def test_parse_problem_is_reported_once_not_also_as_empty():
    assert rules(deals(mrr_eur=["100", "zwei"])) == [(3, "mrr_eur", "not_a_number")]


def test_unknown_table():
    with pytest.raises(KeyError, match="unknown table 'deal'"):
        validate(deals(), "deal")


def test_first_row_and_file_label_can_be_set():
    with pytest.raises(DataValidationError) as err:
        validate(deals(stage=["won", "x"]), "deals", file="crm (query)", first_row=1)
    # a source that is no CSV/XLSX file numbers its rows as data rows (first = 1)
    message = err.value.failures["message"].iloc[0]
    assert message.startswith('crm (query), data row 2, column "stage"')


def test_message_catalogues_match():
    import string

    from planning_lib.data.failures import MESSAGES

    def fields(template: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(template) if f}

    assert set(MESSAGES["de"]) == set(MESSAGES["en"])
    for key, template in MESSAGES["en"].items():
        assert fields(MESSAGES["de"][key]) == fields(template), key
