"""``planning forecast``: statistical forecasts per series, reconciled, plus pipeline and leads.

Reads the canonical tables in ``--data``, builds one monthly series per node of the
hierarchy given by ``--by`` (total → first column → first × second ...), forecasts
every node with ``auto_forecast`` (in parallel), reconciles them (MinT with
shrinkage, or bottom-up) so that the levels add up, and writes into ``--out``:

- ``forecasts.csv``: node, level columns, month, ``base_mean`` (before
  reconciliation), ``mean``, interval bounds, model, method;
- ``accuracy.csv``: per node the rolling-origin backtest accuracy of the chosen
  forecast (MASE, sMAPE in percent; mean over three origins; the ``holdout_*``
  column names are kept for compatibility), months forecast per origin, filled
  months and outliers;
- for ``new_customers`` / ``new_mrr``: ``pipeline.csv`` (statistical, pipeline and
  blended forecast of the company total for the first six months; for
  ``new_customers`` the pipeline counts only open deals of prospects and of customers
  without a won deal yet, and one line says how many open deals of existing customers
  were left out as repeat purchases),
  ``stage_probabilities.csv`` and (``new_customers``) ``no_change_baseline.csv``;
- with leads: ``lead_coefficients.csv``, ``lead_reliability.csv``,
  ``open_leads_ranked.csv``.

``--metric revenue`` needs the ``subscriptions`` table. Without it, a plan (``--config``)
with ``company.business_model: transactional`` makes revenue the bookings (the won
amount by close month): the command forecasts ``bookings`` and says so in one line;
otherwise it stops with one line naming the missing table and suggesting
``--metric bookings``.

A non-empty ``--out`` is never overwritten. Text that a spreadsheet would run as a
formula (a region or lead name starting with ``=``, ``+``, ``-``, ``@``) gets a leading
``'`` (``planning_lib.core.csv_safe``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from planning_lib.analysis.forecast.api import forecast_many
from planning_lib.analysis.forecast.baseline import no_change_new_customers
from planning_lib.analysis.forecast.reconcile import hierarchy, reconcile_long
from planning_lib.analysis.leadscore import score_leads
from planning_lib.analysis.pipeline import (
    blend_pipeline,
    pipeline_coverage,
    pipeline_forecast,
    stage_win_probabilities,
)
from planning_lib.cli.common import (
    add_mapping_argument,
    output_taken,
    say_broken_contract,
    say_filled,
)
from planning_lib.core.config import load_params
from planning_lib.core.csv_safe import spreadsheet_safe
from planning_lib.core.fields import ParameterError
from planning_lib.core.outputs import OutputExistsError, new_folder
from planning_lib.core.params import PlanParameters
from planning_lib.core.text_store import label
from planning_lib.data.failures import DataValidationError
from planning_lib.data.loaders import load_dataset
from planning_lib.metrics.transactional import new_customer_deals
from planning_lib.metrics.window import (
    export_start,
    last_complete_month,
    partial_first_month,
    warm_up,
)
from planning_lib.present.formatting import format_value
from planning_lib.present.labels import partial_month_line, text, warm_up_line

__all__ = [
    "HELP",
    "METRICS",
    "NAME",
    "RevenueNeedsSubscriptionsError",
    "add_arguments",
    "metric_frame",
    "revenue_metric",
    "run",
]

NAME = "forecast"
HELP = "Statistical forecasts per region/product (reconciled), pipeline forecast, lead scores."
METRICS = ("new_customers", "new_mrr", "bookings", "won_deals", "revenue")
FLOAT_FORMAT = "%.4f"
PIPELINE_MONTHS = 6


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``planning forecast``."""
    parser.add_argument(
        "--data", type=Path, required=True, help="folder of canonical tables or exports"
    )
    add_mapping_argument(parser)
    parser.add_argument(
        "--by", default="region", help="hierarchy columns, top first, e.g. region,product"
    )
    parser.add_argument("--horizon", type=int, default=18, help="months to forecast")
    parser.add_argument("--out", type=Path, required=True, help="output folder (new or empty)")
    parser.add_argument(
        "--metric", choices=METRICS, default="new_customers", help="what to forecast"
    )
    parser.add_argument(
        "--as-of",
        dest="as_of",
        help="last history month YYYY-MM (default: the data's last complete month, as init)",
    )
    parser.add_argument(
        "--reconcile", choices=("mint", "bottom_up"), default="mint", help="coherence method"
    )
    parser.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="plan parameters (YAML); without subscriptions, a transactional plan's "
        "--metric revenue forecasts bookings",
    )
    parser.add_argument(
        "--lang",
        choices=("de", "en"),
        default=None,
        help="language of the loader's notes and the revenue line (default: the plan's "
        "company.locale, German without --config)",
    )


def _as_of(tables: dict[str, pd.DataFrame], as_of: str | None) -> pd.Period:
    """``--as-of`` if given, else the last complete month of the data: the one rule of
    ``planning init`` and ``analyse`` (:func:`planning_lib.metrics.window.last_complete_month`),
    so the baseline here and init's are measured on the same months."""
    if as_of:
        return pd.Period(as_of, freq="M")
    return last_complete_month(tables)


def metric_frame(
    tables: dict[str, pd.DataFrame], metric: str, by: list[str], as_of: pd.Period
) -> pd.DataFrame:
    """Monthly values of ``metric`` per bottom series, zero-filled, up to ``as_of``.

    Args:
        tables: canonical tables.
        metric: ``new_customers`` (customers' first won deals, count: a repeat
            purchase is no new customer), ``new_mrr`` (EUR/month won),
            ``bookings`` (amount of the won deals by close month, EUR, net of flagged
            credit notes), ``won_deals`` (won deals without credit notes, count) or
            ``revenue`` (MRR of active subscriptions, EUR/month). ``bookings`` and
            ``won_deals`` need only the deals table: they serve any business model.
        by: hierarchy columns.
        as_of: last history month.

    Returns:
        Long table: ``by`` columns, ``month`` (month start), ``value``. A metric of the
        deals starts after the export's first month when that month is partial
        (:func:`planning_lib.metrics.window.partial_first_month`: its closes of deals
        created before the export are missing); the month is named in
        ``attrs["partial_first_month"]`` (None when every month counts) and its deals stay
        in the tables. ``new_customers`` also starts after the export's warm-up
        (:func:`planning_lib.metrics.window.warm_up`, ``attrs["warm_up"]``).

    Raises:
        KeyError: the table the metric needs is missing.
    """
    if metric in ("new_customers", "new_mrr", "bookings", "won_deals"):
        if "deals" not in tables:
            raise KeyError("the deals table is needed for this metric")
        won = tables["deals"][tables["deals"]["stage"] == "won"].copy()
        if metric == "won_deals" and "is_credit_note" in won.columns:
            won = won[won["is_credit_note"].fillna("false") != "true"]
        if metric == "new_customers":  # each customer's first won deal
            won = new_customer_deals(tables["deals"], tables.get("subscriptions")).copy()
        won["month"] = pd.to_datetime(won["close_date"]).dt.to_period("M")
        column = {"new_mrr": "mrr_eur", "bookings": "amount_eur"}.get(metric)
        won["value"] = 1.0 if column is None else won[column].astype(float)
        long = won[[*by, "month", "value"]]
    else:
        if "subscriptions" not in tables:
            raise KeyError("the subscriptions table is needed for revenue")
        subs = tables["subscriptions"].copy()
        start = pd.to_datetime(subs["start_date"]).dt.to_period("M")
        end = pd.to_datetime(subs["end_date"]).dt.to_period("M")
        months = pd.period_range(start.min(), as_of, freq="M")
        parts = []
        for m in months:
            active = (start <= m) & (end.isna() | (end >= m))
            part = subs.loc[active, by].copy()
            part["month"], part["value"] = m, subs.loc[active, "mrr_eur"].astype(float)
            parts.append(part)
        long = pd.concat(parts, ignore_index=True)
    long = long[long["month"] <= as_of]
    keys = long[by].drop_duplicates()
    months = pd.period_range(long["month"].min(), as_of, freq="M")
    partial = warm = None
    if metric != "revenue" and len(months) > 1:
        partial = partial_first_month(months[0], export_start(tables["deals"]), by_close=True)
        if partial is not None:
            months = months[1:]
            long = long[long["month"] >= months[0]]
    if metric == "new_customers":  # the export's warm-up: "new" customers from before it
        total = long.groupby("month")["value"].sum().reindex(months, fill_value=0.0)
        warm = warm_up(tables["deals"], total)
        if warm is not None:
            months = months[months > warm.last]
            long = long[long["month"] >= months[0]]
    grid = keys.merge(pd.DataFrame({"month": months}), how="cross")
    sums = long.groupby([*by, "month"], as_index=False)["value"].sum()
    out = grid.merge(sums, on=[*by, "month"], how="left").fillna({"value": 0.0})
    out["month"] = out["month"].dt.to_timestamp()
    out = out.sort_values([*by, "month"]).reset_index(drop=True)
    out.attrs["partial_first_month"] = partial
    out.attrs["warm_up"] = warm
    return out


class RevenueNeedsSubscriptionsError(ValueError):
    """``--metric revenue`` without a ``subscriptions`` table for a subscription business."""


def revenue_metric(
    tables: dict[str, pd.DataFrame], params: PlanParameters | None, locale: str | None = None
) -> tuple[str, str]:
    """What ``--metric revenue`` forecasts for these tables: (metric, line to print).

    ``revenue`` with a ``subscriptions`` table (no line); ``bookings`` when it is missing
    and the plan (``params``, from ``--config``) is transactional (the line says revenue
    is bookings). Lines are in ``locale`` (default: the plan's ``company.locale``, German
    without a config).

    Raises:
        RevenueNeedsSubscriptionsError: no ``subscriptions`` table and no transactional
            plan (the message names the table and suggests ``--metric bookings``).
    """
    if "subscriptions" in tables:
        return "revenue", ""
    locale = locale or (params.company.locale if params is not None else "de")
    if params is not None and params.company.business_model == "transactional":
        return "bookings", label("forecast.revenue_is_bookings", locale)
    key = "forecast.revenue_needs_subscriptions" + ("" if params is not None else "_no_config")
    raise RevenueNeedsSubscriptionsError(label(key, locale))


def _node_series(bottom: pd.DataFrame, hier, by: list[str]) -> pd.DataFrame:
    parts = []
    for row in hier.nodes.itertuples(index=False):
        mask = np.ones(len(bottom), dtype=bool)
        for col in by[: row.depth]:
            mask &= (bottom[col].astype(str) == getattr(row, col)).to_numpy()
        s = bottom[mask].groupby("month", as_index=False)["value"].sum()
        s.insert(0, "node", row.node)
        parts.append(s)
    return pd.concat(parts, ignore_index=True)


def _pipeline_tables(tables, metric, as_of, stat_total):
    """(pipeline table, stage probabilities, open deals left out as repeat purchases).

    For ``new_customers`` only open deals that would make a new customer count (no
    open deal of a customer with a won deal by ``as_of``); ``new_mrr`` keeps them all.
    """
    deals, leads = tables["deals"], tables.get("leads")
    as_of_day = (as_of + 1).to_timestamp() - pd.Timedelta(days=1)
    months = min(PIPELINE_MONTHS, len(stat_total))
    monthly, _ = pipeline_forecast(
        deals, leads, as_of_day, months, "mrr_eur", new_customers_only=metric == "new_customers"
    )
    pipe = monthly["expected_deals" if metric == "new_customers" else "expected_value_eur"]
    cov = pipeline_coverage(deals, months, new_customers_only=metric == "new_customers")
    stat = stat_total[:months]
    table = pd.DataFrame(
        {
            "month": monthly["month"],
            "statistical": stat,
            "pipeline": pipe.to_numpy(),
            "pipeline_coverage": cov,
            "blended": blend_pipeline(stat, pipe.to_numpy(), cov),
        }
    )
    return table, stage_win_probabilities(deals, leads), monthly.attrs["repeat_open_deals"]


def run(args: argparse.Namespace) -> int:
    """Run the forecast; exit 0 on success, 1 on bad input, 2 on a non-empty out dir."""
    out: Path = args.out
    if output_taken(out):
        return 2
    by = [c.strip() for c in args.by.split(",") if c.strip()]
    try:
        if args.horizon < 1:
            raise ValueError("--horizon must be at least 1")
        # read at once, so a wrong --config path or value stops here whatever the metric
        params = load_params(args.config) if args.config is not None else None
        lang = args.lang or (params.company.locale if params is not None else "de")
        tables = load_dataset(args.data, args.mapping, lang=lang)
        say_filled(tables)
        metric, note = (
            revenue_metric(tables, params, lang) if args.metric == "revenue" else (args.metric, "")
        )
        as_of = _as_of(tables, args.as_of)
        bottom = metric_frame(tables, metric, by, as_of)
        hier = hierarchy(bottom, by)
    except DataValidationError as exc:
        say_broken_contract(exc)
        return 1
    except (FileNotFoundError, KeyError, ValueError, ParameterError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if note:
        print(note)
    series = _node_series(bottom.astype({c: str for c in by}), hier, by)
    base = forecast_many(
        series, ["node"], "month", "value", args.horizon, workers=args.workers, point="mean"
    )
    resid = base.attrs.get("residuals")
    method = args.reconcile
    try:
        rec = reconcile_long(base, resid, hier, method)
    except (ValueError, np.linalg.LinAlgError) as exc:
        print(f"warning: MinT failed ({exc}); using bottom-up", file=sys.stderr)
        rec = reconcile_long(base, None, hier, "bottom_up")
    if series["value"].min() >= 0:
        value_cols = ["mean", "lo_80", "hi_80", "lo_95", "hi_95"]
        rec[value_cols] = rec[value_cols].clip(lower=0.0)
    rec.insert(rec.columns.get_loc("mean"), "base_mean", base["mean"].to_numpy())
    rec = hier.nodes.drop(columns="depth").merge(rec, on="node", how="right")
    files: dict[str, pd.DataFrame] = {}
    fc_cols = ["node", *by, "month", "base_mean", "mean", "lo_80", "hi_80", "lo_95", "hi_95"]
    files["forecasts.csv"] = rec[[*fc_cols, "model", "method"]]
    acc_cols = ["node", "model", "holdout_months", "holdout_mase", "holdout_smape"]
    acc = (
        base.groupby("node", sort=False)
        .first()
        .reset_index()[[*acc_cols, "filled_months", "outliers"]]
    )
    files["accuracy.csv"] = acc
    if metric in ("new_customers", "new_mrr"):
        total = rec[rec["node"] == "total"].sort_values("month")["mean"].to_numpy()
        try:
            pipe, probs, repeat = _pipeline_tables(tables, metric, as_of, total)
            files["pipeline.csv"] = pipe
            files["stage_probabilities.csv"] = probs
            if repeat:
                n = format_value(repeat, "count", lang)
                print(text("forecast.pipeline_repeat_left_out", lang, n=n))
        except (KeyError, ValueError) as exc:
            print(f"warning: no pipeline forecast ({exc})", file=sys.stderr)
    if metric == "new_customers":
        firsts = new_customer_deals(tables["deals"], tables.get("subscriptions"))
        base_nc = no_change_new_customers(firsts, (as_of + 1).to_timestamp(), whole=tables["deals"])
        files["no_change_baseline.csv"] = pd.DataFrame([base_nc.as_dict()])
    if "leads" in tables:
        try:
            ls = score_leads(tables["leads"])
            files["lead_coefficients.csv"] = ls.coefficients
            files["lead_reliability.csv"] = ls.reliability
            files["open_leads_ranked.csv"] = ls.ranked_open
        except (KeyError, ValueError) as exc:
            print(f"warning: no lead scores ({exc})", file=sys.stderr)
    try:
        with new_folder(out) as tmp:
            for name, frame in files.items():
                spreadsheet_safe(frame).to_csv(
                    tmp / name, index=False, float_format=FLOAT_FORMAT, lineterminator="\n"
                )
    except OutputExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{len(files)} files written to {out} (history to {as_of}, metric {metric})")
    med = acc["holdout_mase"].median()
    print(
        f"{len(acc)} series; median backtest MASE {med:.3f}; reconciliation {rec['method'].iloc[0]}"
    )
    if bottom.attrs.get("partial_first_month") is not None:
        print(partial_month_line(bottom.attrs["partial_first_month"], lang))
    if bottom.attrs.get("warm_up") is not None:
        print(warm_up_line(bottom.attrs["warm_up"], lang))
    return 0
