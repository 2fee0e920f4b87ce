"""What every phase notebook does first: parameters → plan config, region data, output folder.

``open_phase(...)`` turns the notebook's literal parameters into a :class:`Phase`:
the region's plan parameters (base config merged with the region file, the
horizon applied, the scenario's overrides at hand), the canonical tables of the
history and the actuals filtered to the region, and helpers that show narrative,
tables and charts in the notebook while writing them to the output folder.

The region's data is loaded and validated once per output folder: the first
phase writes it as Parquet under ``<output_dir>/data/`` and later phases of the
same run read that copy (the validation of the raw exports takes seconds).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

import pandas as pd
from IPython.display import HTML, Image, Markdown, display
from matplotlib.figure import Figure

from planning_lib.analysis.asis import Analysis
from planning_lib.core.config import load_params
from planning_lib.core.overrides import apply_overrides
from planning_lib.core.params import PlanParameters
from planning_lib.core.paths import CONFIGS, SAMPLE_DATA
from planning_lib.core.text_store import LABELS
from planning_lib.data.loaders import dataset_files, load_dataset
from planning_lib.present.formatting import format_month, format_months_count, format_value
from planning_lib.present.labels import text
from planning_lib.present.markup import markdown_text
from planning_lib.present.tables import display_frame, display_html
from planning_lib.present.value_labels import config_value_labels, value_label
from planning_lib.run import artifacts
from planning_lib.run.catalog import ACTUALS, ANALYSIS, HISTORY, PLAN_MONTHLY, PLAN_SUMMARY

__all__ = [
    "COMPANY",
    "Phase",
    "PhaseParameters",
    "RegionNotInDataError",
    "check_region_has_rows",
    "display_frame",
    "load_region_tables",
    "open_phase",
    "read_plan",
    "read_region_plans",
]

COMPANY = "Gesamt"
"""The region name of the company as a whole (no region file, no data filter)."""


class PhaseParameters(TypedDict):
    """The parameters cell every phase notebook declares (papermill sets them)."""

    region: str
    config_path: str
    data_path: str
    horizon: int
    scenario: str
    locale: str
    seed: int
    output_dir: str


class RegionNotInDataError(LookupError):
    """A region of the config has no rows in the data (named before any figure is computed)."""


def load_region_tables(
    data_path: str | Path,
    region: str,
    cache_dir: str | Path | None = None,
    every_region: dict[str, pd.DataFrame] | None = None,
) -> dict[str, pd.DataFrame]:
    """The canonical tables in ``data_path`` with only the rows of ``region``.

    Args:
        data_path: folder of canonical table files (validated on load).
        region: region name; ``COMPANY`` keeps every row.
        cache_dir: folder for a Parquet copy of the filtered tables; read from
            there when present.
        every_region: when given and the folder is read (not the cache), receives its
            tables with every region's rows, so a phase that also needs those does not
            read the folder a second time.

    Raises:
        planning_lib.data.loaders.DataValidationError: a file breaks the contract.
        FileNotFoundError: the folder holds no canonical table (and no ``actuals/``: a
            folder with only that has no history and gives no table).
    """
    cache = Path(cache_dir) if cache_dir is not None else None
    if cache is not None and (cache / "_complete").exists():
        return {p.stem: pd.read_parquet(p) for p in sorted(cache.glob("*.parquet"))}
    if not dataset_files(data_path) and (Path(data_path) / "actuals").is_dir():
        # only actuals/ (a company planning its first year from this year's deals): no
        # history; the phases say what they cannot show without it
        return {}
    tables = load_dataset(data_path)
    if every_region is not None:
        every_region.update(tables)
    if region != COMPANY:
        tables = {
            name: frame[frame["region"] == region].reset_index(drop=True)
            if "region" in frame.columns
            else frame
            for name, frame in tables.items()
        }
    if cache is not None:
        for name, frame in tables.items():
            buf = io.BytesIO()
            frame.to_parquet(buf, index=False)
            artifacts.atomic_write_bytes(cache / f"{name}.parquet", buf.getvalue())
        artifacts.atomic_write_text(cache / "_complete", "")
    return tables


def check_region_has_rows(
    tables: dict[str, pd.DataFrame], region: str, data_path: str | Path
) -> None:
    """Stop with one line when ``region`` has no row in any table with a region column.

    ``tables`` are the region's tables (:func:`load_region_tables`). A region of the config
    that the data does not know would otherwise fail deep in the analysis; the message
    names the regions the data has (read again, only in this case).

    Raises:
        RegionNotInDataError: naming the region, the data folder and the data's regions.
    """
    regional = {n: f for n, f in tables.items() if "region" in f.columns}
    if region == COMPANY or not regional or any(len(f) for f in regional.values()):
        return
    known: set[str] = set()
    for frame in load_dataset(data_path).values():
        if "region" in frame.columns:
            known |= set(frame["region"].dropna().astype(str))
    raise RegionNotInDataError(
        f"region {region!r} has no rows in the data {data_path} (tables "
        f"{', '.join(sorted(regional))}); regions in the data: "
        f"{', '.join(sorted(known)) or 'none'}. Leave it out with --regions, or add its "
        "rows to the data"
    )


@dataclass
class Phase:
    """A phase notebook's context: parameters, data, language and output folder.

    ``params`` already carries the scenario's overrides (``overrides`` lists them);
    ``config_path`` is the plan's base file (a region's ``params`` merge its region file in).
    After a phase ran, ``tables`` holds the tables it wrote (name without the phase
    prefix → frame) and ``figures`` its key figures, for an analyst to look at.
    """

    phase: str
    region: str
    params: PlanParameters
    overrides: dict[str, Any]
    history: dict[str, pd.DataFrame]
    actuals: dict[str, pd.DataFrame]
    output_dir: Path
    data_path: Path
    locale: str = "de"
    scenario: str = "base"
    seed: int = 42
    horizon: int = 12
    config_path: Path | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    company_deals: pd.DataFrame | None = None
    """The deals of every region, as read with a region's history (``open_phase``'s
    ``keep_company_deals``); None otherwise."""
    _tables_written: int = 0

    def t(self, key: str, **values: Any) -> str:
        """The label ``key`` in this notebook's language, with values filled in."""
        return text(key, self.locale, **values)

    def fmt(self, value: Any, unit: str) -> str:
        """A value formatted in this notebook's language.

        Args:
            value: a number, or for ``month`` any date in the month.
            unit: ``eur``, ``share``, ``count``, ``ratio``, ``decimal``, ``months``, or
                ``month`` for a month in words (``Juni 2026``), ``months_count``
                for a number of months after "in" (``1 Monat``, ``3 Monaten``).
        """
        if unit == "month":
            return format_month(value or None, self.locale, style="long")
        if unit == "months_count":
            return format_months_count(value, self.locale)
        return format_value(value, unit, self.locale)  # type: ignore[arg-type]

    def labelled(self, frame: pd.DataFrame, kind: str) -> pd.DataFrame:
        """``frame`` with its columns named for readers: channels by the config's labels,
        cost categories (``personnel_eur``) and segments by the ``cat.``/``segment.`` labels.
        """
        names = {}
        for col in frame.columns:
            code = str(col).removesuffix("_eur")
            if kind == "channel" and code in self.params.channels:
                ch = self.params.channels[code]
                names[col] = ch.label_en if self.locale == "en" else ch.label_de
            elif f"{kind}.{code}" in LABELS:
                names[col] = self.t(f"{kind}.{code}")
        return frame.rename(columns=names)

    @property
    def value_labels(self) -> dict[str, tuple[str, str]]:
        """Labels of the config's codes shown in tables (channels, roles, teams, rules):
        code → (de, en)."""
        return config_value_labels(self.params)

    def name(self, code: str) -> str:
        """A code (channel, segment, ``all``) by its label in this notebook's language."""
        return str(value_label("member", code, self.locale, self.value_labels))

    def say(self, key: str, **values: Any) -> None:
        """Show the label ``key`` as Markdown (a sentence on what a result means).

        The label is trusted Markdown; every value filled in (region and scenario names,
        config texts, formatted numbers) is escaped (``report.markup.markdown_text``), so
        a name such as ``<img src=x onerror=alert(1)>`` shows as text, never as HTML.
        """
        safe = {name: markdown_text(value) for name, value in values.items()}
        display(Markdown(self.t(key, **safe)))

    def table(
        self,
        frame: pd.DataFrame,
        name: str,
        title_key: str,
        *,
        show: bool = True,
        hide: tuple[str, ...] = (),
    ) -> pd.DataFrame:
        """Write ``frame`` as ``tables/<phase>_<name>.csv`` and show it for readers.

        The CSV keeps code names and plain numbers; the notebook shows labelled headers
        and values and formatted numbers (``report.display.display_html``), without the
        columns ``hide`` (kept in the CSV; e.g. a model name the sentence gives once).

        Returns:
            ``frame`` unchanged, so later cells can use it.
        """
        full = f"{self.phase}_{name}"
        artifacts.write_table(
            frame,
            self.output_dir,
            full,
            title_de=text(title_key, "de"),
            title_en=text(title_key, "en"),
            value_labels=self.value_labels,
            position=self._tables_written + 1,
        )
        self._tables_written += 1
        self.tables[name] = frame
        if show:
            visible = frame.drop(columns=[c for c in hide if c in frame.columns])
            shown = display_html(visible, self.locale, table=full, value_labels=self.value_labels)
            display(Markdown(f"#### {self.t(title_key)}"))
            display(HTML(shown))
        return frame

    def chart(self, fig: Figure, name: str) -> Figure:
        """Write ``fig`` as ``charts/<phase>_<name>.png`` and show it."""
        path = artifacts.write_chart(fig, self.output_dir, f"{self.phase}_{name}")
        display(Image(filename=str(path)))
        return fig

    def key_figures(self, notebook: str, **figures: Any) -> None:
        """Record figures for the run index (``kf.<name>`` labels, plain numbers)."""
        plain = {k: _plain(v) for k, v in figures.items()}
        self.figures.update(plain)
        artifacts.write_key_figures(self.output_dir, notebook, plain)

    def save_plan(self, plan: Any) -> None:
        """Write the plan (monthly line items and summary) for later phases and consolidation."""
        artifacts.write_table(
            plan.monthly,
            self.output_dir,
            PLAN_MONTHLY.table,
            title_de=text("02.plan_monthly", "de"),
            title_en=text("02.plan_monthly", "en"),
        )
        artifacts.write_json(self.output_dir / PLAN_SUMMARY.path, plan.summary)

    def load_plan(self) -> tuple[pd.DataFrame, dict[str, Any]]:
        """The plan phase 2 wrote: (monthly line items, summary)."""
        return read_plan(self.output_dir)

    def save_analysis(self, analysis: Any) -> None:
        """Keep the full as-is analysis (all tables, figures) for phase 3, as Parquet + JSON."""
        folder = self.output_dir / ANALYSIS.path
        for name, frame in analysis.tables.items():
            buf = io.BytesIO()
            _parquet_safe(frame).to_parquet(buf, index=False)
            artifacts.atomic_write_bytes(folder / f"{name}.parquet", buf.getvalue())
        artifacts.write_json(
            folder / "_analysis.json",
            {
                "as_of": str(analysis.as_of),
                "year": analysis.year,
                "figures": analysis.figures,
                "labels": {k: list(v) for k, v in analysis.labels.items()},
                # the parts the tables could not give (phase 3 names its own); only when
                # there are any, so a full run's file stays as it was
                **(
                    {"skipped": [[part, list(missing)] for part, missing in analysis.skipped]}
                    if analysis.skipped
                    else {}
                ),
            },
        )

    def load_analysis(self) -> Any:
        """The analysis phase 1 saved (``planning_lib.analysis.asis.Analysis``)."""
        folder = self.output_dir / ANALYSIS.path
        meta_path = folder / "_analysis.json"
        if not meta_path.exists():
            raise FileNotFoundError(
                f"no analysis in {folder}: run phase {ANALYSIS.written_by} for this region first"
            )
        meta = artifacts.read_json(meta_path)
        return Analysis(
            as_of=pd.Period(meta["as_of"], freq="M"),
            year=int(meta["year"]),
            tables={p.stem: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))},
            figures=meta["figures"],
            labels={k: tuple(v) for k, v in meta["labels"].items()},
            skipped=[(part, tuple(missing)) for part, missing in meta.get("skipped", [])],
        )

    def write_json(self, name: str, data: Mapping[str, Any]) -> Path:
        """Write ``data`` to ``<output_dir>/<phase>_<name>.json`` for later phases."""
        return artifacts.write_json(self.output_dir / f"{self.phase}_{name}.json", dict(data))


def _parquet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Periods as text (Parquet has no period type)."""
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.PeriodDtype):
            out[col] = out[col].astype(str)
    return out


def read_plan(output_dir: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The monthly plan and summary phase 2 wrote into ``output_dir``.

    Raises:
        FileNotFoundError: phase 2 has not run for this folder.
    """
    monthly = artifacts.read_table(output_dir, PLAN_MONTHLY.table, keep_default_na=False)
    monthly["value"] = pd.to_numeric(monthly["value"])
    monthly["month"] = pd.to_datetime(monthly["month"])
    return monthly, artifacts.read_json(Path(output_dir) / PLAN_SUMMARY.path)


def read_region_plans(
    region_dirs: Mapping[str, str],
) -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, Any]]]:
    """The plans of several regions: ({region: monthly}, {region: summary})."""
    monthly, summaries = {}, {}
    for region, folder in region_dirs.items():
        monthly[region], summaries[region] = read_plan(folder)
    return monthly, summaries


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return value


def open_phase(
    phase: str,
    *,
    region: str,
    config_path: str,
    data_path: str,
    horizon: int,
    scenario: str,
    locale: str,
    seed: int,
    output_dir: str,
    load_data: bool = True,
    needs_region_rows: bool = False,
    keep_company_deals: bool = False,
) -> Phase:
    """Build the phase context from the notebook's parameters.

    Empty ``config_path``/``data_path``/``output_dir`` mean the project defaults
    (``data/configs/cloudflow.yaml``, ``data/sample``, ``reports/notebook/<region>``).

    Raises:
        planning_lib.core.params.ParameterError: the region's parameters are invalid.
        FileNotFoundError: config, region file or data folder missing.
        ValueError: unknown scenario or locale.
        RegionNotInDataError: ``needs_region_rows`` (a phase that analyses the history)
            and the region has no rows in the data.

    ``keep_company_deals``: a region's phase keeps the deals of every region as read with
    its history (:attr:`Phase.company_deals`; None when read from the cache).
    """
    if locale not in ("de", "en"):
        raise ValueError(f"locale must be 'de' or 'en', not {locale!r}")
    config = Path(config_path) if config_path else CONFIGS / "cloudflow.yaml"
    data = Path(data_path) if data_path else SAMPLE_DATA
    out = Path(output_dir) if output_dir else CONFIGS.parents[1] / "reports" / "notebook" / region
    params = load_params(config, region=None if region == COMPANY else region)
    if horizon != params.company.horizon_months:
        params = params.model_copy(deep=True)
        params.company.horizon_months = horizon
    if scenario != "base" and scenario not in params.scenarios:
        known = ", ".join(["base", *params.scenarios])
        raise ValueError(f"unknown scenario {scenario!r}; known: {known}")
    overrides = dict(params.scenarios.get(scenario, {}))
    if overrides:  # every phase sees the scenario's parameters, not only the plan
        params = apply_overrides(params, overrides)
    # only now, with region, scenario and parameters checked: a bad one leaves no folder
    out.mkdir(parents=True, exist_ok=True)
    history: dict[str, pd.DataFrame] = {}
    actuals: dict[str, pd.DataFrame] = {}
    company_deals = None
    if load_data:
        every: dict[str, pd.DataFrame] | None = (
            {} if keep_company_deals and region != COMPANY else None
        )
        history = load_region_tables(data, region, out / HISTORY.path, every)
        company_deals = (every or {}).get("deals")
        if needs_region_rows:
            check_region_has_rows(history, region, data)
        if (data / "actuals").is_dir():
            actuals = load_region_tables(data / "actuals", region, out / ACTUALS.path)
    return Phase(
        phase=phase,
        region=region,
        params=params,
        overrides=overrides,
        history=history,
        actuals=actuals,
        output_dir=out,
        data_path=data,
        locale=locale,
        scenario=scenario,
        seed=seed,
        horizon=horizon,
        company_deals=company_deals,
        config_path=config,
    )
