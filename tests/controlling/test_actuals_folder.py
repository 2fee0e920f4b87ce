"""The actuals folder (``planning_lib.controlling.actuals_folder``): its two layouts,
the check that it covers the plan year, a region's rows."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from planning_lib.controlling.actuals_folder import (
    LayoutError,
    by_region,
    check_actuals,
    resolve_layout,
)


def test_a_data_folder_is_history_plus_its_actuals_subfolder(tmp_path):
    """A folder with ``actuals/`` is a data folder: actuals = DIR/actuals, history = DIR
    (unless given); any other folder is the actuals, history as given."""
    (tmp_path / "data" / "actuals").mkdir(parents=True)
    (tmp_path / "plain").mkdir()
    data, plain, other = tmp_path / "data", tmp_path / "plain", tmp_path / "h"
    assert resolve_layout(data, None) == (data / "actuals", data)
    assert resolve_layout(data, other) == (data / "actuals", other)
    assert resolve_layout(plain, None) == (plain, None)


def _tables(last: str) -> dict[str, pd.DataFrame]:
    return {
        "leads": pd.DataFrame({"created_date": ["2025-11-03", last]}),
        "deals": pd.DataFrame({"close_date": ["2025-12-01"], "stage": ["won"]}),
        "subscriptions": pd.DataFrame(),
        "costs": pd.DataFrame({"month": ["2025-12-01"]}),
        "headcount": pd.DataFrame(),
    }


def test_check_actuals_names_the_folder_the_fault_and_the_layout(tmp_path):
    """Plan start 2026-01-01: a lead of 2026-01-05 is an actual of the plan year (passes);
    the latest date 2025-12-31 is not; a missing table is named."""
    start = dt.date(2026, 1, 1)
    check_actuals(_tables("2026-01-05"), tmp_path, start)
    hint = (
        "expected --actuals DIR with the plan year's tables from 2026-01-01 (leads.csv, "
        "deals.csv, subscriptions.csv, costs.csv, headcount.csv), or a data folder holding "
        "the history and an actuals/ subfolder with them"
    )
    with pytest.raises(LayoutError) as err:
        check_actuals(_tables("2025-12-31"), tmp_path, start)
    assert (
        str(err.value)
        == f"{tmp_path}: no actuals of the plan year (latest date 2025-12-31); {hint}"
    )
    tables = _tables("2026-01-05")
    del tables["costs"], tables["headcount"]
    with pytest.raises(LayoutError) as err:
        check_actuals(tables, tmp_path, start)
    assert str(err.value) == f"{tmp_path}: table(s) costs, headcount missing; {hint}"


def test_by_region_keeps_the_region_rows_of_tables_with_a_region_column():
    """deals: 3 rows, 2 in AT → 2 kept; headcount without a region column → unchanged;
    region None → every table as given."""
    deals = pd.DataFrame({"region": ["AT", "CH", "AT"], "x": [1, 2, 3]})
    heads = pd.DataFrame({"role": ["a"]})
    out = by_region({"deals": deals, "headcount": heads}, "AT")
    assert list(out["deals"]["x"]) == [1, 3]
    assert out["headcount"] is heads
    assert by_region({"deals": deals}, None)["deals"] is deals
