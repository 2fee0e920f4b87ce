"""Region sets add up to their base, checked at every load (issue #13)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from planning_lib.core.config import check_region_sums, load_params
from planning_lib.core.fields import ParameterError
from planning_lib.core.paths import CONFIGS
from planning_lib.core.region_sums import tolerance


def _copy_base(folder: Path) -> Path:
    (folder / "regions").mkdir(parents=True)
    shutil.copy(CONFIGS / "cloudflow.yaml", folder / "cloudflow.yaml")
    return folder / "cloudflow.yaml"


def test_shipped_regions_add_up() -> None:
    check_region_sums(CONFIGS / "cloudflow.yaml")


def test_one_line_region_files_are_refused(tmp_path) -> None:
    """Four one-line files (the base names four regions): every region plans the base's
    whole budget, 4 × 400,000 = 1,600,000 €; the error names figure, sum and base."""
    base = _copy_base(tmp_path)
    for r in ("DE-Nord", "DE-Süd", "AT", "CH"):
        (tmp_path / "regions" / f"{r}.yaml").write_text(f"region: {r}\n", encoding="utf-8")
    with pytest.raises(ParameterError) as err:
        load_params(base, region="AT")
    message = str(err.value)
    assert (
        "budget.total_eur: the regions (AT, CH, DE-Nord, DE-Süd) add up to 1,600,000, "
        "the base has 400,000" in message
    )
    assert (
        "current.customers: the regions (AT, CH, DE-Nord, DE-Süd) add up to 2,000, the base has 500"
        in message
    )


def test_three_of_four_one_line_files_exceed_the_base(tmp_path) -> None:
    """Three one-line files of four regions: 3 × 500 customers exceed the base's 500."""
    base = _copy_base(tmp_path)
    for r in ("DE-Nord", "AT", "CH"):
        (tmp_path / "regions" / f"{r}.yaml").write_text(f"region: {r}\n", encoding="utf-8")
    with pytest.raises(
        ParameterError, match=r"current\.customers: .* add up to 1,500, the base has 500"
    ):
        load_params(base)


def test_a_partial_set_within_the_base_loads(tmp_path) -> None:
    """One region file of four (the rest planned from the base alone) with its own
    figures below the base's: allowed."""
    base = _copy_base(tmp_path)
    shutil.copy(CONFIGS / "regions" / "AT.yaml", tmp_path / "regions" / "AT.yaml")
    assert load_params(base, region="AT").current.customers == 72


def test_rounding_tolerance() -> None:
    """Half a unit per region, or 0.1 % of the base when larger."""
    assert tolerance(500, 4) == 2.0
    assert tolerance(80_000, 4) == 80.0
