"""A deals-only company from its CRM export to reports, as a user walks it (issue #13).

Two self-made HubSpot exports of the same kind of company (one-off sales, two regions,
24 months of deals 2024-01..2025-12 drawn with a seeded numpy generator; nothing copied):

* **US style**: the English UI's column labels (``Record ID``, ``Deal Stage``, ``Create
  Date``, ``Close Date``, ``Amount``, ``Associated Company IDs``, ``Region``, ``Product``,
  ``Deal owner``), stage labels ``Closed Won``/``Closed Lost``/``Appointment Scheduled``
  …, dates ``MM/DD/YYYY``, amounts ``7,677.16``; open deals without close date and
  amount, prospects (open and lost deals) without company id, no channel and no MRR
  column.
* **German style**: cp1252, ``;``, decimal comma (``7.677,16``), ``dd.mm.yyyy``; the
  German labels the ``hubspot`` mapping knows (``Deal-Name``, ``Deal-Phase``,
  ``Abschlussdatum``, ``Betrag``; stages ``Abgeschlossen und gewonnen``, ``Termin
  geplant``, ``Für Kauf qualifiziert``, ``Präsentation vereinbart``,
  ``Entscheidungsträger eingebracht``, lost as the German canonical ``Verloren``),
  segments ``Klein``/``Mittel``/``Groß``, regions ``Nord``/``Süd``. The create date and
  the company keep their English labels (``Create Date``, ``Associated Company IDs``):
  their German UI labels are not documented (see the mapping file), so a German export
  would name them in a user mapping with ``extends: hubspot``.

The chain (``cli.main`` in-process): ``validate --mapping hubspot --write-canonical`` →
``init --business-model transactional --regions`` → ``analyse`` (it needs the plan
parameters, so it follows ``init``) → ``forecast --metric bookings`` → ``plan`` →
``batch --regions all --workers 2``. Every step must exit 0; one figure per step is
checked against plain pandas on the fixture:

* validate: rows in = rows out; ``close_date_estimated``/``amount_estimated`` flag exactly
  the rows whose close date/amount is empty in the export.
* init: as of = the month before that of the latest create date (it is not a month's last
  day); ``current.customers`` = distinct company ids of won deals closed up to the as-of
  month; per region the region file holds the customers whose first won deal (by close
  date) is in that region; ``deal_size_eur`` = amounts of each new customer's won deals in
  its first close month, summed over the customers first won in the 12 months up to the
  as-of month, ÷ their number.
* analyse: ``bookings_monthly.csv`` (total) = won amounts summed by close month.
* forecast: one series per region plus the total; the first forecast month is the month
  after the as-of month.
* plan: new-customer bookings = the plan's target of new customers × that deal size.
* batch: every notebook ok, the fixture's regions, each region's
  ``history_bookings_last_year`` = its won amounts closed in 2024 (the last complete
  calendar year before the as-of month 2025-11).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from planning_lib.cli.main import main

AS_OF = pd.Period("2025-11", freq="M")
"""As of: the latest create date is 2025-12-28 or earlier, not a month's last day."""

_OPEN = {
    "us": ("Appointment Scheduled", "Presentation Scheduled", "Decision Maker Bought-In"),
    "de": (
        "Termin geplant",
        "Für Kauf qualifiziert",
        "Präsentation vereinbart",
        "Entscheidungsträger eingebracht",
    ),
}
_WON = {"us": "Closed Won", "de": "Abgeschlossen und gewonnen"}
_LOST = {"us": "Closed Lost", "de": "Verloren"}
_REGIONS = {"us": ("North", "South"), "de": ("Nord", "Süd")}


def deals_frame(style: str, seed: int) -> pd.DataFrame:
    """The deals in plain types (Timestamps, floats, None for empty), before formatting.

    Per region and month 2024-01..2025-12 three to five deals, created on day 1..28, a
    cycle of 15..99 days; a deal whose close would fall after 2025-12-31 is open (no
    close date, no amount, no company); otherwise won with probability 0.4 (a new
    company, or with probability 0.15 an earlier customer of the region: a repeat
    purchase), else lost (no company).
    """
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    n = 0
    for region in _REGIONS[style]:
        customers: list[str] = []
        for month in pd.period_range("2024-01", "2025-12", freq="M"):
            for _ in range(int(rng.integers(3, 6))):
                n += 1
                created = month.start_time + pd.Timedelta(days=int(rng.integers(0, 28)))
                close = created + pd.Timedelta(days=int(rng.integers(15, 100)))
                amount: float | None = round(float(rng.uniform(2000, 9000)), 2)
                repeat = bool(customers) and rng.random() < 0.15
                company = ""
                if close > pd.Timestamp("2025-12-31"):
                    opened = _OPEN[style]
                    stage = opened[int(rng.integers(0, len(opened)))]
                    close, amount = None, None
                elif rng.random() < 0.4:
                    stage = _WON[style]
                    pick = customers[int(rng.integers(0, len(customers)))] if repeat else None
                    company = pick or str(9_000_000 + n)
                    customers.append(company)
                else:
                    stage = _LOST[style]
                rows.append(
                    {
                        "id": str(100_000 + n),
                        "stage": stage,
                        "created": created,
                        "close": close,
                        "amount": amount,
                        "company": company,
                        "region": region,
                        "product": ("Lizenz", "Hardware")[int(rng.integers(0, 2))],
                        "segment": ("Klein", "Mittel", "Groß")[int(rng.integers(0, 3))],
                        "owner": f"{region} {int(rng.integers(1, 3))}",
                    }
                )
    return pd.DataFrame(rows)


def _date(d: Any, fmt: str) -> str:
    return "" if d is None or pd.isna(d) else d.strftime(fmt)


def write_export(style: str, folder: Path) -> pd.DataFrame:
    """Write ``deals.csv`` as the style's HubSpot export; return the plain frame."""
    f = deals_frame(style, seed=13 if style == "us" else 29)
    folder.mkdir(parents=True)
    if style == "us":
        out = pd.DataFrame(
            {
                "Record ID": f["id"],
                "Deal Stage": f["stage"],
                "Create Date": [_date(d, "%m/%d/%Y") for d in f["created"]],
                "Close Date": [_date(d, "%m/%d/%Y") for d in f["close"]],
                "Amount": ["" if pd.isna(a) else f"{a:,.2f}" for a in f["amount"]],
                "Associated Company IDs": f["company"],
                "Region": f["region"],
                "Product": f["product"],
                "Deal owner": f["owner"],
            }
        )
        out.to_csv(folder / "deals.csv", index=False)
        return f
    de_amount = [
        "" if pd.isna(a) else f"{a:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
        for a in f["amount"]
    ]
    out = pd.DataFrame(
        {
            "Deal-Name": f["id"],
            "Deal-Phase": f["stage"],
            "Create Date": [_date(d, "%d.%m.%Y") for d in f["created"]],
            "Abschlussdatum": [_date(d, "%d.%m.%Y") for d in f["close"]],
            "Betrag": de_amount,
            "Associated Company IDs": f["company"],
            "Region": f["region"],
            "Segment": f["segment"],
        }
    )
    out.to_csv(folder / "deals.csv", index=False, sep=";", encoding="cp1252")
    return f


def _run(*args: object) -> int:
    return main([str(a) for a in args])


@pytest.fixture(scope="module", params=["us", "de"])
def chain(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The whole chain over one style's export; exit codes and output paths."""
    style = request.param
    root = tmp_path_factory.mktemp(f"chain_{style}")
    frame = write_export(style, root / "export")
    can, plan_yaml = root / "canonical", root / "plans" / "my.yaml"
    export = root / "export"
    codes = {
        "validate": _run("validate", export, "--mapping", "hubspot", "--write-canonical", can),
        "init": _run(
            "init",
            "--data",
            can,
            "--out",
            plan_yaml,
            "--business-model",
            "transactional",
            "--regions",
        ),
        "analyse": _run(
            "analyse", "--data", can, "--config", plan_yaml, "--out", root / "analysis"
        ),
        "forecast": _run("forecast", "--data", can, "--metric", "bookings", "--out", root / "fc"),
        "plan": _run("plan", "--config", plan_yaml, "--data", can, "--out", root / "plan"),
        "batch": _run(
            "batch",
            "--config",
            plan_yaml,
            "--data",
            can,
            "--regions",
            "all",
            "--workers",
            "2",
            "--out",
            root / "reports",
            "--no-progress",
        ),
    }
    return {"style": style, "root": root, "frame": frame, "codes": codes, "yaml": plan_yaml}


def _won(frame: pd.DataFrame, style: str) -> pd.DataFrame:
    won = frame[frame["stage"] == _WON[style]].copy()
    won["month"] = pd.to_datetime(won["close"]).dt.to_period("M")
    return won


def _first_won(frame: pd.DataFrame, style: str) -> pd.DataFrame:
    """Each company's first won deal (close date, then id) up to the as-of month."""
    won = _won(frame, style)
    won = won[won["month"] <= AS_OF].sort_values(["close", "id"])
    return won.groupby("company").first()


def test_every_step_exits_0(chain: dict) -> None:
    assert chain["codes"] == dict.fromkeys(chain["codes"], 0)


def test_validate_keeps_every_row_and_flags_the_estimates(chain: dict) -> None:
    frame = chain["frame"]
    can = pd.read_csv(chain["root"] / "canonical" / "deals.csv", dtype={"deal_id": str})
    assert len(can) == len(frame)
    can = can.set_index("deal_id").loc[frame["id"]]
    assert can["close_date_estimated"].tolist() == frame["close"].isna().tolist()
    assert can["amount_estimated"].tolist() == frame["amount"].isna().tolist()
    assert can["close_date"].notna().all() and can["amount_eur"].notna().all()


def _deal_size(frame: pd.DataFrame, style: str) -> float:
    first = _first_won(frame, style)
    first = first[first["month"] >= AS_OF - 11]
    won = _won(frame, style)
    won = won[won["company"].isin(first.index)]
    in_first_month = won["month"] == won["company"].map(first["month"])
    return float(won.loc[in_first_month, "amount"].sum()) / len(first)


def test_init_counts_customers_per_region_and_the_deal_size(chain: dict) -> None:
    frame, style, plan_yaml = chain["frame"], chain["style"], chain["yaml"]
    base = yaml.safe_load(plan_yaml.read_text(encoding="utf-8"))
    first = _first_won(frame, style)
    assert base["company"]["plan_start"].isoformat() == "2025-12-01"
    assert base["company"]["regions"] == sorted(_REGIONS[style])
    assert base["current"]["customers"] == len(first)
    for region in _REGIONS[style]:
        path = plan_yaml.parent / "regions" / f"{region}.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["current"]["customers"] == int((first["region"] == region).sum())
    size = base["drivers"]["transactional"]["deal_size_eur"]
    assert size == pytest.approx(_deal_size(frame, style), abs=0.01)


def test_analyse_bookings_by_close_month(chain: dict) -> None:
    won = _won(chain["frame"], chain["style"])
    want = won[won["month"] <= AS_OF].groupby(won["month"].astype(str))["amount"].sum()
    got = pd.read_csv(chain["root"] / "analysis" / "bookings_monthly.csv")
    got = got[got["dimension"] == "total"].set_index("month")["bookings_eur"]
    got = got[got > 0]
    assert got.to_dict() == pytest.approx(want.to_dict(), abs=0.01)


def test_forecast_of_bookings_per_region(chain: dict) -> None:
    fc = pd.read_csv(chain["root"] / "fc" / "forecasts.csv")
    regions = set(fc["region"].dropna().astype(str))
    assert set(_REGIONS[chain["style"]]) <= regions
    assert fc["month"].min() == (AS_OF + 1).start_time.strftime("%Y-%m-%d")


def test_plan_new_bookings_are_target_times_deal_size(chain: dict) -> None:
    base = yaml.safe_load(chain["yaml"].read_text(encoding="utf-8"))
    target = next(t["value"] for t in base["targets"] if t["metric"] == "new_customers")
    summary = json.loads((chain["root"] / "plan" / "summary.json").read_text(encoding="utf-8"))
    want = target * _deal_size(chain["frame"], chain["style"])
    assert summary["bookings_new_total"] == pytest.approx(want, rel=1e-4)


def test_batch_runs_every_notebook_of_both_regions(chain: dict) -> None:
    (run_dir,) = list((chain["root"] / "reports").iterdir())
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "ok"
    assert {nb["status"] for nb in manifest["notebooks"]} == {"ok"}
    assert manifest["parameters"]["regions"] == sorted(_REGIONS[chain["style"]])
    assert (run_dir / "index.html").exists()
    won = _won(chain["frame"], chain["style"])
    last = won[won["month"].dt.year == 2024]
    for region in _REGIONS[chain["style"]]:
        figures = manifest["regions"][region]["key_figures"]
        want = float(last.loc[last["region"] == region, "amount"].sum())
        assert figures["history_bookings_last_year"] == pytest.approx(want, abs=0.01)
