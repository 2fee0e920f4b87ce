"""``planning controlling --mapping``: the plan-year actuals as a German HubSpot export (#13).

The company is :mod:`tests.transactional_company` (history 2024-01..2025-12, actuals
2026-01..2026-06, plan from ``planning init --as-of 2025-12``). The actuals are written a
second time as a HubSpot "Alle Deals" export would come from the German interface:
``;``-separated, German column labels, dates ``31.01.2026``, amounts ``6.123,45``, stage
labels ``Abgeschlossen und gewonnen`` / ``Verloren`` / ``Entscheidungsträger eingebracht``,
no MRR column. The create date's German label is not in the preset (its documentation
does not name it), so a user mapping ``extends: hubspot`` adds ``Erstelldatum``.

The second method is the canonical file itself: the controlling of the export with the
mapping must write the same bytes as the controlling of the canonical actuals.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from planning_lib.cli import main as cli
from tests.transactional_company import write_with_actuals

STAGE_DE = {
    "won": "Abgeschlossen und gewonnen",
    "lost": "Verloren",
    "proposal": "Entscheidungsträger eingebracht",
}
COLUMNS_DE = {
    "deal_id": "Deal-Name",
    "customer_id": "Associated Company IDs",
    "created_date": "Erstelldatum",
    "close_date": "Abschlussdatum",
    "stage": "Deal-Phase",
    "amount_eur": "Betrag",
    "region": "Region",
    "product": "Product",
    "segment": "Segment",
    "channel": "Original Source Type",
    "owner": "Deal owner",
}


def _german_export(actuals: pd.DataFrame) -> pd.DataFrame:
    out = actuals.drop(columns="mrr_eur").copy()
    for col in ("created_date", "close_date"):
        out[col] = pd.to_datetime(out[col]).dt.strftime("%d.%m.%Y")
    out["stage"] = out["stage"].map(STAGE_DE)
    out["amount_eur"] = [
        f"{v:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".") for v in out["amount_eur"]
    ]
    return out.rename(columns=COLUMNS_DE)


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("ctl_mapping")
    actuals = write_with_actuals(root / "canon")
    plan_yaml = root / "plan.yaml"
    args = ["init", "--data", str(root / "canon"), "--out", str(plan_yaml), "--as-of", "2025-12"]
    assert cli.main(args) == 0
    export = root / "export"
    (export / "actuals").mkdir(parents=True)
    (export / "deals.csv").write_bytes((root / "canon" / "deals.csv").read_bytes())
    _german_export(actuals).to_csv(export / "actuals" / "deals.csv", sep=";", index=False)
    mapping = root / "hubspot_de.yaml"
    mapping.write_text(
        "extends: hubspot\ntable: deals\ncolumns:\n  created_date: [Erstelldatum]\n",
        encoding="utf-8",
    )
    return {"root": root, "plan": plan_yaml, "export": export, "mapping": mapping,
            "actuals": actuals}  # fmt: skip


def test_mapped_german_export_gives_the_canonical_figures(company: dict, capsys) -> None:
    """Exit 0 on both folders; kpis.csv, variance.csv and landing.json are byte-identical
    (the mapping turned the export into the canonical table). The one column the export
    lacks (mrr_eur) is named on stderr with the row count: all actuals rows
    (len(actuals), counted with pandas) were filled with 0, in German (the plan's locale)."""
    root: Path = company["root"]
    canon = ["controlling", "--config", str(company["plan"]),
             "--actuals", str(root / "canon"), "--out", str(root / "o_canon")]  # fmt: skip
    assert cli.main(canon) == 0
    capsys.readouterr()
    mapped = ["controlling", "--config", str(company["plan"]), "--actuals",
              str(company["export"]), "--mapping", str(company["mapping"]),
              "--out", str(root / "o_mapped")]  # fmt: skip
    assert cli.main(mapped) == 0
    err = capsys.readouterr().err
    for name in ("kpis.csv", "landing.json", "variance.csv"):
        want = (root / "o_canon" / name).read_bytes()
        assert (root / "o_mapped" / name).read_bytes() == want, name
    n = len(company["actuals"])  # 193 rows, fewer than 1,000: no thousands separator
    assert f"actuals/deals: mrr_eur: Spalte fehlt, in allen {n} Zeilen mit 0" in err


def test_two_mappings_for_one_table_stop_with_one_line(company: dict, capsys) -> None:
    """``--mapping hubspot --mapping hubspot_de.yaml``: both are for deals, neither may win
    silently: exit 1, one error line naming both, no output folder."""
    root: Path = company["root"]
    args = ["controlling", "--config", str(company["plan"]), "--actuals",
            str(company["export"]), "--mapping", "hubspot", "--mapping", str(company["mapping"]),
            "--out", str(root / "o_two")]  # fmt: skip
    assert cli.main(args) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "'hubspot'" in err[0] and "'hubspot_de'" in err[0] and "one mapping per table" in err[0]
    assert not (root / "o_two").exists()
