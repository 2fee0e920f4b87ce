"""Phase 1 of a small region of a deals-only company (#13).

The company is :mod:`tests.transactional_company` (seed 11, one region DE-Nord) with the
deals of its first 20 customers (K00001..K00020, every deal of theirs) and every fifth
prospect's deal (no customer id, row index divisible by 5) moved to region DE-Süd;
``planning init --regions`` writes the base and the two region files. DE-Süd thus has 20
new customers in its whole history, fewer than the 30 a deal size per new customer needs
(``DEAL_SIZE_MIN_COUNT``), so its plan uses the company's deal size.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from planning_lib.cli import main as cli
from planning_lib.run import phase as phase_module
from planning_lib.run.phases.ist_analyse import phase_01_ist_analyse
from tests.transactional_company import transactional_frame

SOUTH = "DE-Süd"
NB = "\u00a0"


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("phase1_small_region")
    data = root / "data"
    data.mkdir()
    deals = transactional_frame()
    first_twenty = deals["customer_id"].isin([f"K{i:05d}" for i in range(1, 21)])
    prospects = (deals["customer_id"] == "") & (deals.index % 5 == 0)
    deals.loc[first_twenty | prospects, "region"] = SOUTH
    deals.to_csv(data / "deals.csv", index=False)
    plan = root / "plan.yaml"
    args = ["init", "--data", str(data), "--out", str(plan), "--as-of", "2025-12"]
    assert cli.main([*args, "--regions"]) == 0
    return {"root": root, "data": data, "plan": plan, "deals": deals}


def _phase_1(company: dict, out: Path, monkeypatch) -> list[str]:
    """Run phase 1 of DE-Süd; return the Markdown texts it showed."""
    shown: list[str] = []
    monkeypatch.setattr(
        phase_module, "display", lambda obj: shown.append(str(getattr(obj, "data", "")))
    )
    phase_01_ist_analyse(
        region=SOUTH, config_path=str(company["plan"]), data_path=str(company["data"]),
        horizon=12, scenario="base", locale="de", seed=42, output_dir=str(out),
    )  # fmt: skip
    return [s for s in shown if not s.lstrip().startswith("<")]  # not the tables' HTML


def test_a_small_regions_deal_size_says_for_information_once(
    company: dict, tmp_path: Path, monkeypatch
) -> None:
    """DE-Süd's deal size per new customer, by plain pandas: its 20 customers' won deals
    in each customer's first month (repeat purchases come only in later months, so this is
    each first deal) summed and divided by 20. Phase 1 names it twice in a row: in the
    bookings sentence beside the plan's (company's) deal size, then in the purchase-basis
    sentence, which says "zur Information" and why its plan uses the company's (20 < 30).
    "zur Information" is said once in the phase's text, in the basis sentence."""
    deals = company["deals"]
    won = deals[(deals["region"] == SOUTH) & (deals["stage"] == "won")].copy()
    won["month"] = pd.to_datetime(won["close_date"]).dt.to_period("M")
    first = won.groupby("customer_id")["month"].transform("min")
    per_customer = won[won["month"] == first].groupby("customer_id")["amount_eur"].sum()
    assert len(per_customer) == 20
    size = f"{round(per_customer.mean()):,}".replace(",", ".") + f"{NB}€"

    text = "\n".join(_phase_1(company, tmp_path / "out", monkeypatch))
    assert text.count("zur Information") == 1
    assert (
        f"daneben die gemessene Dealgröße je Neukunde der Region (erster gewonnener Deal in "
        f"{SOUTH}, 2024-01..2025-12) {size}"
    ) in text
    assert (
        f"Dealgröße je Neukunde der Region {SOUTH} (Kunden mit erstem gewonnenem Deal in "
        f"{SOUTH}; zur Information) {size}: aus 20 Neukunden"
    ) in text
    assert "(die Region hat weniger als 30 Neukunden, daher rechnet ihr Plan mit" in text


def test_a_regions_phase_1_reads_the_data_folder_once(
    company: dict, tmp_path: Path, monkeypatch
) -> None:
    """Phase 1 of DE-Süd needs its own rows (the history) and its customers' deals of
    every region (its deal size per new customer): both come from one read of the data
    folder. Every module of the package that holds ``load_dataset`` gets a counting
    wrapper; the folder (it has no ``actuals/``) is read exactly once, and the phase's
    deal size is the same as in the test above (its 20 customers)."""
    import planning_lib.data.loaders as loaders

    original = loaders.load_dataset
    reads: list[Path] = []

    def counting(path, *args, **kwargs):
        reads.append(Path(path).resolve())
        return original(path, *args, **kwargs)

    for module in list(sys.modules.values()):
        name = getattr(module, "__name__", "") or ""
        if name.startswith("planning_lib") and getattr(module, "load_dataset", None) is original:
            monkeypatch.setattr(module, "load_dataset", counting)
    text = "\n".join(_phase_1(company, tmp_path / "out", monkeypatch))
    assert reads == [company["data"].resolve()]
    assert "aus 20 Neukunden der 24 Monate bis 2025-12" in text
