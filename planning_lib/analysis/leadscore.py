"""Lead scoring: the chance that a lead becomes a customer (logistic regression).

A logit model (statsmodels ``Logit``) of won (1) vs lost (0) for closed leads,
from channel, segment and region (dummies against the most frequent level),
company size (log employees) and, where present, hours to first response. The
model is fitted on the older 75 % of closed leads (by creation date) and checked
on the newest 25 %: Brier score and a reliability table (predicted vs observed
win rate per probability band). The final model is refitted on all closed leads
and scores the open ones.

Units: probabilities 0..1, company size in employees, response time in hours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from babel.numbers import format_decimal

from planning_lib.core.text_store import BABEL_LOCALES, label, label_pair

__all__ = [
    "LeadScore",
    "brier_score",
    "explain_coefficients",
    "lead_design",
    "lead_group",
    "reliability_table",
    "score_leads",
]

CATEGORICAL = ("channel", "segment", "region")
HOLDOUT_SHARE = 0.25
_RESPONSE_STEP_HOURS = 24.0


@dataclass
class LeadScore:
    """Result of :func:`score_leads`.

    Attributes:
        coefficients: per term: ``term``, ``coef`` (log-odds), ``odds_ratio``,
            ``p_value``, ``sentence_en``, ``sentence_de``.
        brier: Brier score on the held-back newest leads (0 = perfect; lower is better).
        brier_baseline: Brier score of predicting the training win rate for everyone.
        reliability: predicted vs observed win rate per band of the held-back leads.
        ranked_open: open leads with ``win_probability``, best first.
        n_train: closed leads used for the check fit (count).
        n_test: held-back closed leads (count).
    """

    coefficients: pd.DataFrame
    brier: float
    brier_baseline: float
    reliability: pd.DataFrame
    ranked_open: pd.DataFrame
    n_train: int
    n_test: int


def brier_score(outcome: np.ndarray, probability: np.ndarray) -> float:
    """Mean squared difference of outcome (0/1) and predicted probability."""
    o, p = np.asarray(outcome, float), np.asarray(probability, float)
    return float(np.mean((p - o) ** 2))


def reliability_table(outcome: np.ndarray, probability: np.ndarray, bands: int = 5) -> pd.DataFrame:
    """Predicted vs observed rate in bands of equal lead count.

    Args:
        outcome: 0/1 per lead.
        probability: predicted probability per lead.
        bands: number of bands (quantiles of the prediction).

    Returns:
        One row per band: ``band`` (1 = lowest), ``leads`` (count),
        ``predicted`` (mean probability) and ``observed`` (win share).
    """
    frame = pd.DataFrame({"o": np.asarray(outcome, float), "p": np.asarray(probability, float)})
    frame["band"] = pd.qcut(frame["p"].rank(method="first"), bands, labels=False) + 1
    out = frame.groupby("band").agg(
        leads=("o", "size"), predicted=("p", "mean"), observed=("o", "mean")
    )
    return out.reset_index()


def _levels(leads: pd.DataFrame) -> dict[str, list[str]]:
    """Levels per categorical column, most frequent first (the reference)."""
    out = {}
    for col in CATEGORICAL:
        if col in leads.columns:
            counts = leads[col].astype(str).value_counts()
            out[col] = sorted(counts.index, key=lambda v: (-counts[v], v))
    return out


def lead_design(
    leads: pd.DataFrame, levels: dict[str, list[str]], response_fill: float | None
) -> pd.DataFrame:
    """Design matrix: constant, dummies, log company size, response hours.

    Args:
        leads: canonical leads.
        levels: levels per categorical column (first = reference, no dummy).
        response_fill: value for missing response hours (None = column not used).

    Returns:
        One row per lead, float columns named after the terms.
    """
    x = pd.DataFrame({"const": 1.0}, index=leads.index)
    for col, lv in levels.items():
        values = leads[col].astype(str)
        for level in lv[1:]:
            x[f"{col}={level}"] = (values == level).astype(float)
    x["log_company_size"] = np.log(leads["company_size"].astype(float).clip(lower=1))
    if response_fill is not None:
        hours = leads["first_response_hours"].astype(float).fillna(response_fill)
        x["first_response_hours"] = hours
    return x


def lead_group(column: str, level: str, locale: str = "de", *, lower: bool = False) -> str:
    """The leads of one level in words: ``Outbound-Leads``, ``Leads im Segment Klein (10–49)``.

    Args:
        column: ``channel``, ``segment`` or ``region``.
        level: the level's code (``outbound``, ``small``, ``AT``).
        locale: ``de`` or ``en``.
        lower: start in lower case (English, inside a sentence).
    """
    en = locale == "en"
    if column == "channel":
        name = level.replace("_", " ").capitalize()
    elif column == "segment":
        name = label_pair(f"segment.{level}", default=level)[1 if en else 0]
    else:
        name = level
    kind = column if column in ("channel", "segment") else "region"
    text = label(f"leadscore.group.{kind}", locale).format(name=name)
    return text[0].lower() + text[1:] if en and lower else text


def _number(value: float, locale: str, pattern: str) -> str:
    """``value`` in the locale's digits: 1,02 (German), 1.02 (English) for ``0.00``."""
    return format_decimal(value, pattern, locale=BABEL_LOCALES[locale])


def explain_coefficients(params: pd.Series, pvalues: pd.Series, levels: dict) -> pd.DataFrame:
    """Odds ratios and one plain sentence per term, in English and German."""
    rows = []
    for term, coef in params.items():
        if term == "const":
            continue
        ratio = float(np.exp(coef))
        sentences = {}
        for loc in ("en", "de"):
            if term == "log_company_size":
                r2 = float(2.0**coef)
                text = label("leadscore.size_doubling", loc).format(ratio=_number(r2, loc, "0.00"))
            elif term == "first_response_hours":
                r24 = float(np.exp(coef * _RESPONSE_STEP_HOURS))
                text = label("leadscore.response_day", loc).format(ratio=_number(r24, loc, "0.00"))
            else:
                col, level = term.split("=", 1)
                ref = levels[col][0]
                pct = (ratio - 1) * 100
                text = label(f"leadscore.odds.{'higher' if pct >= 0 else 'lower'}", loc).format(
                    group=lead_group(col, level, loc),
                    pct=_number(round(abs(pct)), loc, "#,##0"),
                    reference=lead_group(col, ref, loc, lower=True),
                )
            sentences[loc] = text
        en, de = sentences["en"], sentences["de"]
        rows.append(
            {
                "term": term,
                "coef": float(coef),
                "odds_ratio": ratio,
                "p_value": float(pvalues[term]),
                "sentence_en": en,
                "sentence_de": de,
            }
        )
    return pd.DataFrame(rows)


def _fit(x: pd.DataFrame, y: np.ndarray):
    keep = [c for c in x.columns if c == "const" or x[c].std() > 0]
    model = sm.Logit(y, x[keep])
    try:
        return model.fit(disp=False, maxiter=100), keep
    except np.linalg.LinAlgError:
        return model.fit_regularized(disp=False, alpha=1e-4), keep


def score_leads(leads: pd.DataFrame) -> LeadScore:
    """Fit, check and apply the lead-scoring model.

    Args:
        leads: canonical leads (``created_date``, ``channel``, ``segment``, ``region``,
            ``company_size``, optional ``first_response_hours``, ``won_date``,
            ``lost_date``, ``lead_id``).

    Returns:
        The :class:`LeadScore` with coefficients, check figures and ranked open leads.

    Raises:
        KeyError: a needed column is missing.
        ValueError: fewer than 50 closed leads, or only one outcome.
    """
    need = ["lead_id", "created_date", "company_size", "won_date", "lost_date", *CATEGORICAL]
    missing = [c for c in need if c not in leads.columns]
    if missing:
        raise KeyError(f"leads columns missing: {missing}")
    data = leads.copy(deep=False)  # copy-on-write: the caller's frame is not changed
    data["created_date"] = pd.to_datetime(data["created_date"])
    won = data["won_date"].notna()
    used = [c for c in data.columns if c in (*need, "first_response_hours")]  # memory
    closed = data.loc[won | data["lost_date"].notna(), used].sort_values(
        ["created_date", "lead_id"]
    )
    if len(closed) < 50:
        raise ValueError(f"need at least 50 closed leads, got {len(closed)}")
    y_all = closed["won_date"].notna().to_numpy(dtype=float)
    if y_all.min() == y_all.max():
        raise ValueError("closed leads are all won or all lost")
    use_resp = (
        "first_response_hours" in data.columns and data["first_response_hours"].notna().mean() > 0.5
    )
    fill = float(closed["first_response_hours"].median()) if use_resp else None
    levels = _levels(closed)
    x_all = lead_design(closed, levels, fill)
    cut = round(len(closed) * (1 - HOLDOUT_SHARE))
    res, keep = _fit(x_all.iloc[:cut], y_all[:cut])
    p_test = np.asarray(res.predict(x_all.iloc[cut:][keep]), dtype=float)
    y_test = y_all[cut:]
    brier = brier_score(y_test, p_test)
    base = brier_score(y_test, np.full_like(p_test, y_all[:cut].mean()))
    reliability = reliability_table(y_test, p_test)
    final, keep_f = _fit(x_all, y_all)
    coefs = explain_coefficients(final.params, final.pvalues, levels)
    open_leads = data[~won & data["lost_date"].isna()]
    if len(open_leads):
        x_open = lead_design(open_leads, levels, fill)
        open_leads["win_probability"] = np.asarray(final.predict(x_open[keep_f]), dtype=float)
        open_leads = open_leads.sort_values(
            ["win_probability", "lead_id"], ascending=[False, True], kind="stable"
        )
    else:
        open_leads["win_probability"] = pd.Series(dtype=float)
    return LeadScore(
        coefficients=coefs,
        brier=brier,
        brier_baseline=base,
        reliability=reliability,
        ranked_open=open_leads.reset_index(drop=True),
        n_train=cut,
        n_test=len(closed) - cut,
    )
