"""``planning init --regions`` on a company with a single region (#13), and the revenue
target's sentence: its amount with thousands separators ("1.174.553 €", not "1174553 €").

The data: the hand-made 8-month deals company of ``tests/cli/test_init_short_history.py``
(region ``Nord`` only), ``--as-of 2025-10``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from planning_lib.cli.main import main
from planning_lib.core.config import load_params
from tests.cli.test_init_short_history import _deals


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("one_region")
    (root / "data").mkdir()
    _deals().to_csv(root / "data" / "deals.csv", index=False)
    out = root / "plan" / "my.yaml"
    args = ["init", "--data", str(root / "data"), "--out", str(out), "--as-of", "2025-10"]
    assert main([*args, "--regions"]) == 0
    return out


def _revenue(values: dict) -> dict:
    return next(t for t in values["targets"] if t["code"] == "revenue")


def test_the_one_region_file_holds_the_whole_company(plan: Path) -> None:
    """One region, one file ``regions/Nord.yaml``; its additive figures are the base's
    (100 %): customers, the revenue target and its baseline; ``planning plan --region
    Nord`` plans it."""
    assert sorted(p.name for p in (plan.parent / "regions").iterdir()) == ["Nord.yaml"]
    base = yaml.safe_load(plan.read_text(encoding="utf-8"))
    nord = yaml.safe_load((plan.parent / "regions" / "Nord.yaml").read_text(encoding="utf-8"))
    assert base["company"]["regions"] == ["Nord"]
    assert nord["current"]["customers"] == base["current"]["customers"]
    for key in ("value", "baseline"):
        assert _revenue(nord)[key] == _revenue(base)[key]
    assert load_params(plan, "Nord").region == "Nord"
    out = plan.parent.parent / "plan_nord"
    assert main(["plan", "--config", str(plan), "--region", "Nord", "--out", str(out)]) == 0


def test_the_revenue_sentence_groups_thousands(plan: Path) -> None:
    """The target's value v (an int in the YAML) reads f"{v:,}" with "." in German and
    "," in English (Python's own grouping as the second method), in the base and in the
    region file (with the region's name)."""
    base = yaml.safe_load(plan.read_text(encoding="utf-8"))
    v = _revenue(base)["value"]
    assert v >= 1000  # the separator shows
    de, en = f"{v:,}".replace(",", "."), f"{v:,}"
    assert _revenue(base)["description_de"] == f"{de} € Aufträge ohne Änderungen (Basisprognose)"
    assert _revenue(base)["description_en"] == f"€{en} bookings without changes (baseline forecast)"
    nord = yaml.safe_load((plan.parent / "regions" / "Nord.yaml").read_text(encoding="utf-8"))
    assert _revenue(nord)["description_de"].startswith(f"{de} € Aufträge")
    assert _revenue(nord)["description_de"].endswith("(Nord)")
