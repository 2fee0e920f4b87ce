"""Immutable plan versions: Parquet + JSON files in a versions folder, queried with DuckDB.

A saved version is one folder ``<versions dir>/<version id>/`` holding

- ``meta.json``: version_id, name, created_at (UTC, ISO 8601), package_version,
  data_fingerprint (SHA-256 of the input data files), config, plan_start, horizon_months
- ``params.json``: the plan parameters (overrides applied)
- ``monthly.parquet``: the monthly plan (month, line_item, channel, value, unit)
- ``summary.parquet`` (key, value: every numeric summary figure, nested keys dotted)
  and ``summary.json`` (the summary as computed, strings included)
- ``findings.json``: the plan's findings

The version id is ``<UTC timestamp>-<8 hex chars of a uuid4>``. A save writes into a
hidden temporary folder and renames it to the id in one step (atomic on POSIX), so a
reader never sees half a version, a save never overwrites one (the rename fails when
the id exists and the save retries with a new id) and concurrent saves all land.
Files are made read-only after writing (within the umask). A save that was killed
leaves a hidden ``.version.tmp-…`` folder; the next save removes it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import shutil
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from planning_lib import __version__
from planning_lib.core.outputs import (
    file_mode,
    private_temp_dir,
    rename_noreplace,
    report_stale_temp_folders,
)
from planning_lib.core.paths import DATA

__all__ = [
    "DEFAULT_VERSIONS_DIR",
    "STOCK_LINE_ITEMS",
    "PlanVersion",
    "VersionNotFoundError",
    "compare_versions",
    "data_fingerprint",
    "list_versions",
    "load_version",
    "resolve_version",
    "save_version",
]

DEFAULT_VERSIONS_DIR: Path = DATA / "versions"
STOCK_LINE_ITEMS: frozenset[str] = frozenset(
    {
        "customers_start",
        "customers_end",
        "mrr_start",
        "mrr_end",
        "mrr_end_churn_constant",
        "arr_end",
        "cash_balance",
        "partners_active",
        "reps_heads",
        "reps_productive",
        "reps_ramping",
    }
)
"""Line items that are levels, not flows: a year compares their last month, not a sum."""

_MONTHLY_COLUMNS = ["month", "line_item", "channel", "value", "unit"]


class VersionNotFoundError(LookupError):
    """No version matches a reference; the message lists the saved ones."""


@dataclass(frozen=True)
class PlanVersion:
    """A loaded version.

    Attributes:
        meta: the contents of ``meta.json``.
        params: the plan parameters as a dict.
        monthly: the monthly plan (month, line_item, channel, value, unit).
        summary: the summary KPIs as saved.
        findings: the findings as dicts.
        path: the version's folder.
    """

    meta: dict[str, Any]
    params: dict[str, Any]
    monthly: pd.DataFrame
    summary: dict[str, Any]
    findings: list[dict[str, Any]]
    path: Path


# --------------------------------------------------------------------------- saving


def data_fingerprint(folder: str | Path | None) -> str:
    """SHA-256 over the sorted (relative path, file SHA-256) pairs of a data folder.

    Returns an empty string for ``None``; hidden files are skipped.
    """
    if folder is None:
        return ""
    root = Path(folder)
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    combined = hashlib.sha256()
    for path in files:
        rel = path.name if root.is_file() else path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in Path(rel).parts):
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        combined.update(f"{rel}\0{digest}\n".encode())
    return combined.hexdigest()


def _flat_numbers(node: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in node.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flat_numbers(value, name + "."))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[name] = float(value)
    return out


def _json_ready(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _json_ready(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.date | pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _json_ready(value.item())
    return value


def _write_json(path: Path, data: Any) -> None:
    text = json.dumps(_json_ready(data), ensure_ascii=False, indent=2, sort_keys=True)
    path.write_text(text + "\n", encoding="utf-8")


def _write_parquet(path: Path, df: pd.DataFrame) -> None:
    df.reset_index(drop=True).to_parquet(path, index=False, engine="pyarrow")


def _new_id(now: dt.datetime) -> str:
    return f"{now.strftime('%Y%m%dT%H%M%S%fZ')}-{uuid.uuid4().hex[:8]}"


def save_version(
    plan: Any,
    name: str,
    versions_dir: str | Path = DEFAULT_VERSIONS_DIR,
    data_dir: str | Path | None = None,
    config: str | Path | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    findings: Sequence[Mapping[str, Any]] | None = None,
) -> str:
    """Save a plan as a new immutable version and return its id.

    Args:
        plan: a ``PlanResult`` (anything with ``params``, ``monthly``, ``summary``,
            ``findings``).
        name: the version's name, e.g. ``"Budget 2027"`` (names may repeat).
        versions_dir: the versions folder (created when missing).
        data_dir: the input data folder whose fingerprint is recorded.
        config: the config file the plan came from (recorded as text).
        clock: returns the current UTC time (for tests); default the system clock.
        findings: the findings as written (with their sentences:
            ``planning_lib.present.plan_finding_texts.plan_finding_record``); default
            ``plan.findings`` as they are.

    Raises:
        ValueError: an empty name.
    """
    if not name.strip():
        raise ValueError("a version needs a name")
    root = Path(versions_dir)
    root.mkdir(parents=True, exist_ok=True)
    now = (clock or (lambda: dt.datetime.now(dt.UTC)))()
    params = plan.params
    pdict = params.model_dump(mode="json") if hasattr(params, "model_dump") else dict(params)
    company = pdict.get("company", {})
    monthly = plan.monthly[_MONTHLY_COLUMNS].sort_values(["line_item", "channel", "month"])
    report_stale_temp_folders(root)  # left by saves that were killed
    tmp = private_temp_dir(root / "version")
    try:
        vid = _new_id(now)
        meta = {
            "version_id": vid,
            "name": name,
            "created_at": now.isoformat(),
            "package_version": __version__,
            "data_fingerprint": data_fingerprint(data_dir),
            "config": str(config) if config is not None else "",
            "plan_start": str(company.get("plan_start", "")),
            "horizon_months": int(company.get("horizon_months", 0)),
        }
        _write_parquet(tmp / "monthly.parquet", monthly)
        numbers = _flat_numbers(plan.summary)
        _write_parquet(
            tmp / "summary.parquet",
            pd.DataFrame({"key": list(numbers), "value": list(numbers.values())}),
        )
        _write_json(tmp / "summary.json", plan.summary)
        _write_json(tmp / "params.json", pdict)
        _write_json(tmp / "findings.json", list(plan.findings if findings is None else findings))
        for attempt in range(100):
            meta["version_id"] = vid
            _write_json(tmp / "meta.json", meta)
            try:
                rename_noreplace(tmp, root / vid)  # atomic; fails when the id exists
            except FileExistsError:
                if attempt == 99:
                    raise
                vid = _new_id(now)
                continue
            break
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    read_only = 0o444 & file_mode()  # 0444 under umask 022, 0400 under 077
    for f in (root / vid).iterdir():
        f.chmod(read_only)
    return vid


# --------------------------------------------------------------------------- reading


def _meta_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(
        p / "meta.json"
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / "meta.json").is_file()
    )


def list_versions(versions_dir: str | Path = DEFAULT_VERSIONS_DIR) -> pd.DataFrame:
    """Every saved version, oldest first (DuckDB over the ``meta.json`` files).

    Returns:
        Columns version_id, name, created_at, package_version, data_fingerprint,
        config, plan_start, horizon_months (empty frame when none is saved).
    """
    cols = [
        "version_id",
        "name",
        "created_at",
        "package_version",
        "data_fingerprint",
        "config",
        "plan_start",
        "horizon_months",
    ]
    files = _meta_files(Path(versions_dir))
    if not files:
        return pd.DataFrame(columns=cols)
    with duckdb.connect() as con:
        df = con.execute(
            f"SELECT {', '.join(cols)} FROM read_json(?, format='auto', union_by_name=true, "
            "columns={" + ", ".join(f"{c}: 'VARCHAR'" for c in cols) + "}) "
            "ORDER BY created_at, version_id",
            [[str(f) for f in files]],
        ).df()
    df["horizon_months"] = df["horizon_months"].astype(int)
    return df


def resolve_version(versions_dir: str | Path, ref: str) -> Path:
    """The folder of the version ``ref``: an id, a unique id prefix, or a name (latest).

    Raises:
        VersionNotFoundError: nothing (or more than one id prefix) matches.
    """
    root = Path(versions_dir)
    listed = list_versions(root)
    ids = listed["version_id"].tolist()
    if ref in ids:
        return root / ref
    named = listed[listed["name"] == ref]
    if len(named):
        return root / named["version_id"].iloc[-1]
    prefixed = [i for i in ids if i.startswith(ref)]
    if len(prefixed) == 1:
        return root / prefixed[0]
    known = ", ".join(f"{r.name} ({r.version_id})" for r in listed.itertuples()) or "none"
    what = "matches several ids" if prefixed else "is no version id or name"
    raise VersionNotFoundError(f"'{ref}' {what} in {root} (saved: {known})")


def load_version(versions_dir: str | Path, ref: str) -> PlanVersion:
    """Load the version ``ref`` (see :func:`resolve_version`)."""
    path = resolve_version(versions_dir, ref)
    with duckdb.connect() as con:
        monthly = con.execute(
            "SELECT month, line_item, channel, value, unit FROM read_parquet(?) "
            "ORDER BY line_item, channel, month",
            [str(path / "monthly.parquet")],
        ).df()
    monthly["month"] = pd.to_datetime(monthly["month"])

    def read(name: str) -> Any:
        return json.loads((path / name).read_text(encoding="utf-8"))

    return PlanVersion(
        meta=read("meta.json"),
        params=read("params.json"),
        monthly=monthly,
        summary=read("summary.json"),
        findings=read("findings.json"),
        path=path,
    )


def compare_versions(
    versions_dir: str | Path, ref_a: str, ref_b: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Line-item and KPI differences of version b against version a (DuckDB).

    Line items are compared over the plan year: flows summed over the months, levels
    (:data:`STOCK_LINE_ITEMS`) at the last month, shares averaged.

    Returns:
        ``(lines, kpis)``: lines with line_item, channel, unit, value_a, value_b,
        diff, diff_pct; kpis with key, value_a, value_b, diff, diff_pct (summary
        figures). ``diff_pct`` is diff ÷ |value_a| (NaN when value_a is 0).
    """
    pa, pb = resolve_version(versions_dir, ref_a), resolve_version(versions_dir, ref_b)
    stocks = ", ".join(f"'{s}'" for s in sorted(STOCK_LINE_ITEMS))
    year = f"""
        SELECT line_item, channel, any_value(unit) AS unit,
          CASE WHEN split_part(line_item, '.', 1) IN ({stocks}) THEN arg_max(value, month)
               WHEN any_value(unit) = 'share' THEN avg(value)
               ELSE sum(value) END AS value
        FROM read_parquet(?) GROUP BY line_item, channel"""
    diff = """
        b.value - a.value AS diff,
        CASE WHEN a.value = 0 OR a.value IS NULL THEN NULL
             ELSE (b.value - a.value) / abs(a.value) END AS diff_pct"""
    with duckdb.connect() as con:
        lines = con.execute(
            f"""WITH a AS ({year}), b AS ({year})
            SELECT coalesce(a.line_item, b.line_item) AS line_item,
                   coalesce(a.channel, b.channel) AS channel,
                   coalesce(a.unit, b.unit) AS unit,
                   a.value AS value_a, b.value AS value_b, {diff}
            FROM a FULL OUTER JOIN b USING (line_item, channel)
            ORDER BY line_item, channel""",
            [str(pa / "monthly.parquet"), str(pb / "monthly.parquet")],
        ).df()
        kpis = con.execute(
            f"""WITH a AS (SELECT * FROM read_parquet(?)), b AS (SELECT * FROM read_parquet(?))
            SELECT coalesce(a.key, b.key) AS key, a.value AS value_a, b.value AS value_b, {diff}
            FROM a FULL OUTER JOIN b USING (key) ORDER BY key""",
            [str(pa / "summary.parquet"), str(pb / "summary.parquet")],
        ).df()
    return lines, kpis
