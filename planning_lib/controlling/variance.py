"""Price, volume and mix effects of a revenue (or new-MRR) variance.

For cells i (segments, products or channels) with volume V (deals) and price P
(average value per deal, EUR/deal), revenue R = Σ V_i·P_i. Plan is p, actual a:

- ``V = Σ V_i`` total volume, ``m_i = V_i / V`` mix share (0 when V = 0),
  ``P̄p = Rp / Vp`` the plan's average price (0 when Vp = 0).
- A cell without plan volume takes its actual price as plan price (``Pp_i := Pa_i``),
  so its whole revenue is mix, not price.

Per cell:

- volume effect ``vol_i = (Va − Vp) · mp_i · Pp_i``
- mix effect ``mix_i = Va · (ma_i − mp_i) · Pp_i``
- price effect ``price_i = Va_i · (Pa_i − Pp_i)``

and per cell ``vol_i + mix_i + price_i = Va_i·Pa_i − Vp_i·Pp_i = Ra_i − Rp_i``, so the
effects add up exactly (up to float rounding) to the cell's and the total variance.
Summed over cells: volume = (Va − Vp)·P̄p, mix = Va·Σ(ma_i − mp_i)·Pp_i,
price = Σ Va_i·(Pa_i − Pp_i).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["EFFECT_COLUMNS", "decompose", "decompose_totals"]

EFFECT_COLUMNS = [
    "member",
    "plan_volume",
    "actual_volume",
    "plan_price_eur",
    "actual_price_eur",
    "plan_eur",
    "actual_eur",
    "variance_eur",
    "volume_effect_eur",
    "mix_effect_eur",
    "price_effect_eur",
]


def decompose(plan: pd.DataFrame, actual: pd.DataFrame) -> pd.DataFrame:
    """Decompose actual − plan revenue into volume, mix and price effects per cell.

    Args:
        plan: columns ``member`` (cell, e.g. a segment), ``volume`` (deals, count)
            and ``value_eur`` (revenue of those deals, EUR).
        actual: the same columns for the actuals.

    Returns:
        One row per cell (sorted by member) with the columns :data:`EFFECT_COLUMNS`;
        prices in EUR/deal (NaN where the volume is 0), effects in EUR.

    Raises:
        KeyError: a required column is missing.
        ValueError: a negative volume.
    """
    for name, df in (("plan", plan), ("actual", actual)):
        missing = [c for c in ("member", "volume", "value_eur") if c not in df.columns]
        if missing:
            raise KeyError(f"{name}: columns {missing} missing")
        if (df["volume"] < 0).any():
            raise ValueError(f"{name}: negative volume")
    p = plan.groupby("member")[["volume", "value_eur"]].sum()
    a = actual.groupby("member")[["volume", "value_eur"]].sum()
    cells = p.index.union(a.index)
    p, a = p.reindex(cells, fill_value=0.0), a.reindex(cells, fill_value=0.0)
    vp, rp = p["volume"].to_numpy(float), p["value_eur"].to_numpy(float)
    va, ra = a["volume"].to_numpy(float), a["value_eur"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        pa = np.where(va > 0, ra / va, np.nan)
        pp = np.where(vp > 0, rp / vp, np.nan)
    pp_used = np.where(vp > 0, pp, np.nan_to_num(pa))
    va_tot, vp_tot = va.sum(), vp.sum()
    mp = vp / vp_tot if vp_tot > 0 else np.zeros_like(vp)
    ma = va / va_tot if va_tot > 0 else np.zeros_like(va)
    volume = (va_tot - vp_tot) * mp * pp_used
    mix = va_tot * (ma - mp) * pp_used
    price = np.where(va > 0, va * (np.nan_to_num(pa) - pp_used), 0.0)
    # Cell revenue with zero volume (e.g. a credit note alone) is price: nothing to mix.
    price = price + np.where(va > 0, 0.0, ra) - np.where(vp > 0, 0.0, rp)
    out = pd.DataFrame(
        {
            "member": cells.astype(str),
            "plan_volume": vp,
            "actual_volume": va,
            "plan_price_eur": pp,
            "actual_price_eur": pa,
            "plan_eur": rp,
            "actual_eur": ra,
            "variance_eur": ra - rp,
            "volume_effect_eur": volume,
            "mix_effect_eur": mix,
            "price_effect_eur": price,
        }
    )
    return out.sort_values("member", kind="stable").reset_index(drop=True)[EFFECT_COLUMNS]


def decompose_totals(effects: pd.DataFrame) -> dict[str, float]:
    """Sum the cells of :func:`decompose` into the total variance and its three effects (EUR)."""
    keys = ("plan_eur", "actual_eur", "variance_eur")
    effs = ("volume_effect_eur", "mix_effect_eur", "price_effect_eur")
    return {k: float(effects[k].sum()) for k in (*keys, *effs)}
