"""Hierarchical coherence: forecasts of company → region → product/channel that add up.

A hierarchy is given by its bottom series (e.g. every region × product pair). The
summing matrix ``S`` maps bottom values to every node (total, each region, each
region × product). Two reconciliations:

- **bottom-up**: ``S @ bottom`` (only the bottom forecasts are used);
- **MinT with shrinkage** (Wickramasuriya, Athanasopoulos & Hyndman 2019):
  ``S (S' W⁻¹ S)⁻¹ S' W⁻¹ ŷ`` with ``W`` the covariance of the in-sample one-step
  errors, shrunk towards its diagonal (Schäfer & Strimmer 2005).

Both return coherent forecasts: every parent equals the sum of its children
exactly (up to floating point). Units are those of the forecasts (EUR, counts).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "Hierarchy",
    "bottom_up",
    "hierarchy",
    "mint_shrink",
    "node_label",
    "reconcile_long",
    "shrunk_covariance",
]

TOTAL = "total"


def node_label(levels: Sequence[str], values: Sequence[object]) -> str:
    """Readable node name: ``total``, ``region=AT`` or ``region=AT/product=Pro``."""
    if not levels:
        return TOTAL
    return "/".join(f"{k}={v}" for k, v in zip(levels, values, strict=True))


class Hierarchy:
    """Nodes of a hierarchy and its summing matrix.

    Attributes:
        levels: the hierarchy columns from top to bottom, e.g. ``["region", "product"]``.
        nodes: one row per node: ``node`` (label), ``depth`` (0 = total) and one column
            per level (empty above the node's depth).
        bottom: the bottom nodes' labels, in the column order of ``S``.
        S: summing matrix, shape (n_nodes, n_bottom), 0/1.
    """

    def __init__(self, levels: list[str], nodes: pd.DataFrame, bottom: list[str], S: np.ndarray):
        self.levels = levels
        self.nodes = nodes
        self.bottom = bottom
        self.S = S

    @property
    def labels(self) -> list[str]:
        """Node labels in the row order of ``S``."""
        return list(self.nodes["node"])


def hierarchy(keys: pd.DataFrame, levels: Sequence[str]) -> Hierarchy:
    """Build the hierarchy of ``levels`` from the bottom combinations in ``keys``.

    Args:
        keys: a table with the ``levels`` columns; each distinct row is a bottom series.
        levels: hierarchy columns from top to bottom.

    Returns:
        The :class:`Hierarchy` with nodes total, level 1, level 1 × 2, ...

    Raises:
        KeyError: a level column is missing.
    """
    levels = list(levels)
    missing = [c for c in levels if c not in keys.columns]
    if missing:
        raise KeyError(f"hierarchy columns missing: {missing}")
    bottom = keys[levels].drop_duplicates().astype(str).sort_values(levels).reset_index(drop=True)
    rows, matrix = [], []
    for depth in range(len(levels) + 1):
        cols = levels[:depth]
        groups = bottom[cols].drop_duplicates() if cols else pd.DataFrame(index=[0])
        for _, g in groups.iterrows():
            values = [g[c] for c in cols]
            mask = np.ones(len(bottom), dtype=bool)
            for c, v in zip(cols, values, strict=True):
                mask &= (bottom[c] == v).to_numpy()
            row = {"node": node_label(cols, values), "depth": depth}
            row |= {c: (values[i] if i < depth else "") for i, c in enumerate(levels)}
            rows.append(row)
            matrix.append(mask.astype(float))
    nodes = pd.DataFrame(rows)
    bottom_labels = [node_label(levels, list(r)) for r in bottom[levels].itertuples(index=False)]
    return Hierarchy(levels, nodes, bottom_labels, np.vstack(matrix))


def bottom_up(bottom_forecasts: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Coherent forecasts of every node from the bottom forecasts.

    Args:
        bottom_forecasts: shape (n_bottom, horizon).
        S: summing matrix (n_nodes, n_bottom).

    Returns:
        Shape (n_nodes, horizon).
    """
    return S @ np.asarray(bottom_forecasts, dtype=float)


def shrunk_covariance(residuals: np.ndarray) -> tuple[np.ndarray, float]:
    """Covariance of residuals shrunk towards its diagonal (Schäfer & Strimmer).

    Args:
        residuals: shape (T, n_nodes), in-sample one-step errors; NaN rows are dropped.

    Returns:
        ``(W, lambda)``: the shrunk covariance (n_nodes × n_nodes) and the
        shrinkage intensity 0..1 towards the diagonal.
    """
    r = np.asarray(residuals, dtype=float)
    r = r[~np.isnan(r).any(axis=1)]
    t = r.shape[0]
    if t < 3:
        raise ValueError("need at least 3 complete residual rows for MinT")
    x = r - r.mean(axis=0)
    cov = x.T @ x / t
    sd = np.sqrt(np.diag(cov))
    sd = np.where(sd > 0, sd, 1.0)
    z = x / sd
    corr = z.T @ z / t
    w = np.einsum("ti,tj->tij", z, z)
    var_corr = t / (t - 1) ** 3 * np.sum((w - w.mean(axis=0)) ** 2, axis=0)
    off = ~np.eye(corr.shape[0], dtype=bool)
    denom = float(np.sum(corr[off] ** 2))
    lam = 1.0 if denom == 0 else float(np.clip(np.sum(var_corr[off]) / denom, 0.0, 1.0))
    shrunk_corr = lam * np.eye(corr.shape[0]) + (1 - lam) * corr
    W = shrunk_corr * np.outer(sd, sd)
    W[np.diag_indices_from(W)] = np.maximum(np.diag(W), 1e-12)
    return W, lam


def mint_shrink(base: np.ndarray, residuals: np.ndarray, S: np.ndarray) -> np.ndarray:
    """MinT reconciliation with a shrunk error covariance.

    Args:
        base: base forecasts of every node, shape (n_nodes, horizon).
        residuals: in-sample one-step errors, shape (T, n_nodes).
        S: summing matrix (n_nodes, n_bottom).

    Returns:
        Reconciled forecasts, shape (n_nodes, horizon); ``S @ G @ base``.
    """
    W, _ = shrunk_covariance(residuals)
    Winv = np.linalg.pinv(W)
    G = np.linalg.solve(S.T @ Winv @ S, S.T @ Winv)
    return S @ (G @ np.asarray(base, dtype=float))


def reconcile_long(
    forecasts: pd.DataFrame,
    residuals: pd.DataFrame | None,
    hier: Hierarchy,
    method: str = "mint",
    columns: Sequence[str] = ("mean", "lo_80", "hi_80", "lo_95", "hi_95"),
) -> pd.DataFrame:
    """Reconcile a long table of node forecasts.

    The mean is reconciled; interval bounds move by the same amount as their mean
    (a shift, widths unchanged), so they stay centred on the coherent mean.

    Args:
        forecasts: columns ``node``, ``month`` and ``columns``; one row per node and month.
        residuals: columns ``node``, ``step``, ``residual`` (MinT only).
        hier: the hierarchy (from :func:`hierarchy`).
        method: ``"mint"`` or ``"bottom_up"``.
        columns: value columns present in ``forecasts``; the first is the mean.

    Returns:
        ``forecasts`` with the value columns reconciled and ``method`` added.

    Raises:
        ValueError: unknown method, or nodes missing from the forecasts.
    """
    if method not in ("mint", "bottom_up"):
        raise ValueError(f"method must be 'mint' or 'bottom_up', got {method!r}")
    cols = [c for c in columns if c in forecasts.columns]
    mean_col = cols[0]
    wide = forecasts.pivot(index="node", columns="month", values=mean_col)
    missing = [n for n in hier.labels if n not in wide.index]
    if missing:
        raise ValueError(f"forecasts missing for nodes: {missing[:5]}")
    base = wide.loc[hier.labels].to_numpy(dtype=float)
    if method == "bottom_up":
        bottom_rows = [hier.labels.index(b) for b in hier.bottom]
        rec = bottom_up(base[bottom_rows], hier.S)
    else:
        if residuals is None:
            raise ValueError("MinT needs the in-sample residuals")
        res = residuals.pivot(index="step", columns="node", values="residual")
        rec = mint_shrink(base, res[hier.labels].to_numpy(dtype=float), hier.S)
    shift = pd.DataFrame(rec - base, index=hier.labels, columns=wide.columns)
    delta = shift.stack().rename("_delta").reset_index()
    delta.columns = ["node", "month", "_delta"]
    out = forecasts.merge(delta, on=["node", "month"], how="left")
    for c in cols:
        out[c] = out[c] + out["_delta"].fillna(0.0)
    out["method"] = method
    return out.drop(columns="_delta")
