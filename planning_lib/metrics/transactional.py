"""Figures of a transactional business: purchases instead of MRR.

A customer is who has won at least one deal. In the month of its first won deal it is a
new customer (every won deal of that month is new business); every won deal in a later
month is a repeat purchase. The customer base at a month's start is every customer whose
first deal was in an earlier month.

* :func:`purchase_history` (observed, per month): customer base, new customers and
  their bookings, repeat purchases and their bookings, from the won deals;
* :func:`active_base` (observed, per month): the *active* customer base of an activity
  span of K months (customers whose last won deal before the month closed in one of the
  K months before it) and its net lapse (active base at the start + new customers −
  active base at the next month's start: customers who dropped out of the span minus
  those who came back with a purchase);
* :func:`repeat_purchase_rate` = repeat purchases ÷ customer base at month start
  (share per month, pooled over the months given);
* :func:`deal_size` = bookings ÷ deals (EUR/deal);
* :func:`expected_purchases` = 1 + repeat rate × (lifetime − 1): the first purchase and
  the repeats of the months after it (a new customer does not repeat in its first
  month);
* :func:`clv_transactional` = gross margin × (first deal + repeat rate × (lifetime − 1) ×
  repeat deal) (EUR/customer): the plan's CLV of a transactional business, the lifetime
  from :func:`planning_lib.metrics.clv.customer_lifetime`;
* :func:`purchase_basis`: the one measurement of a transactional company's deal size,
  repeat rate and repeat deal size over the 12 months up to ``as_of``, which ``planning
  analyse`` (phase 1) and ``planning init`` both report: a deal size on at least
  :data:`DEAL_SIZE_MIN_COUNT` customers (purchases; :func:`sized_months`), the repeat
  rate on the active base (:func:`repeat_base`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planning_lib.metrics.common import ratio
from planning_lib.metrics.deals import won_deals

__all__ = [
    "ACTIVE_MONTHS_MAX",
    "ACTIVE_MONTHS_MIN",
    "DEAL_SIZE_MIN_COUNT",
    "PurchaseBasis",
    "RepeatBase",
    "active_base",
    "clv_transactional",
    "customer_key",
    "deal_size",
    "expected_purchases",
    "first_month_won_deals",
    "first_won_deals",
    "new_customer_deals",
    "purchase_basis",
    "purchase_history",
    "region_customer_deals",
    "repeat_base",
    "repeat_purchase_rate",
    "sized_months",
]


def repeat_purchase_rate(repeat_purchases: Any, customer_base: Any) -> Any:
    """Repeat purchases ÷ customers at month start (share per month); NaN without a base.

    Pass sums over several months (repeat purchases and the month-start bases summed)
    for the pooled rate of a window.
    """
    return ratio(repeat_purchases, customer_base)


def deal_size(bookings_eur: Any, deals: Any) -> Any:
    """Bookings ÷ won deals (EUR/deal); NaN without deals."""
    return ratio(bookings_eur, deals)


def expected_purchases(repeat_rate_monthly: Any, lifetime_months: Any) -> Any:
    """Purchases of a customer over its lifetime: 1 + rate × (lifetime − 1) (count).

    ``lifetime_months`` counts the first month (as
    :func:`planning_lib.metrics.clv.customer_lifetime` does); a customer does not buy
    again in the month of its first deal.
    """
    return 1.0 + repeat_rate_monthly * np.maximum(np.asarray(lifetime_months) - 1.0, 0.0)


def clv_transactional(
    first_deal_eur: Any,
    repeat_rate_monthly: Any,
    repeat_deal_eur: Any,
    gross_margin: Any,
    lifetime_months: Any,
) -> Any:
    """CLV = margin × (first deal + rate × (lifetime − 1) × repeat deal) (EUR/customer)."""
    repeats = expected_purchases(repeat_rate_monthly, lifetime_months) - 1.0
    return gross_margin * (first_deal_eur + repeats * repeat_deal_eur)


def customer_key(deals: pd.DataFrame) -> pd.Series:
    """Who bought each deal: its ``customer_id`` (stripped), or for a deal without one
    the deal itself (``deal:<deal_id>``): the one key of the purchase history, the
    active base, the region split of the customers and the controlling's new/repeat
    split."""
    cid = deals["customer_id"] if "customer_id" in deals.columns else pd.Series("", deals.index)
    cid = cid.fillna("").astype(str).str.strip()
    return cid.where(cid != "", "deal:" + deals["deal_id"].astype(str))


def region_customer_deals(deals: pd.DataFrame, region: str) -> pd.DataFrame:
    """The deals (of every region) of the customers whose first won deal closed in
    ``region`` (ties on the close date by ``deal_id``): a region's customers as ``planning
    init`` splits them, so :func:`purchase_basis` on these rows measures the region's deal
    size per new customer on the customers the region's plan counts as its new ones. A
    customer who first bought in another region is a repeat buyer there, not a new
    customer here (on the region's rows alone it would look new). Empty without a
    ``region`` column."""
    if "region" not in deals.columns:
        return deals.iloc[0:0]
    won = won_deals(deals)
    close = pd.to_datetime(won["close_date"], errors="coerce")
    won = won.assign(_who=customer_key(won), _close=close)[close.notna()]
    won = won.sort_values(["_close", "deal_id"], kind="mergesort")
    first = won.groupby("_who", sort=False)["region"].first()
    mine = first.index[first.fillna("").astype(str) == region]
    return deals[customer_key(deals).isin(mine)]


def first_won_deals(deals: pd.DataFrame) -> pd.DataFrame:
    """Each customer's first won deal (credit notes aside; ties on the close date by
    ``deal_id``): the deal that made it a new customer, in close-date order. A later won
    deal of the same customer is a repeat purchase (or an upsell), no new customer;
    customers as :func:`customer_key` tells them apart."""
    won = won_deals(deals)
    close = pd.to_datetime(won["close_date"], errors="coerce")
    cid = won["customer_id"] if "customer_id" in won.columns else pd.Series("", won.index)
    cid = cid.fillna("").astype(str).str.strip()
    # a deal without a customer is its own customer (as in customer_key)
    own = pd.Series([f"row:{i}" for i in range(len(won))], index=won.index, dtype="str")
    won = won.assign(_who=cid.where(cid != "", own), _close=close)[close.notna()]
    ties = ["_close", "deal_id"] if "deal_id" in won.columns else ["_close"]
    won = won.sort_values(ties, kind="mergesort")
    return won.drop_duplicates("_who").drop(columns=["_who", "_close"])


def new_customer_deals(
    deals: pd.DataFrame, subscriptions: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The first won deals that made a new customer (:func:`first_won_deals`), without
    the customers ``subscriptions`` show as customers already.

    A deals export often begins after the company's first customers: such a customer's
    first won deal in it is an upsell or a renewal, not its start. With a subscriptions
    table, a customer whose first subscription starts in a month before the close month
    of its first won deal is left out (the subscriptions count it as new in its own
    start month). Without subscriptions (a deals-only business) this is
    :func:`first_won_deals`.
    """
    first = first_won_deals(deals)
    if (
        subscriptions is None
        or subscriptions.empty
        or not {"customer_id", "start_date"} <= set(subscriptions.columns)
        or "customer_id" not in first.columns
    ):
        return first
    sid = subscriptions["customer_id"].fillna("").astype(str).str.strip()
    began = pd.to_datetime(subscriptions["start_date"], errors="coerce").groupby(sid).min()
    cid = first["customer_id"].fillna("").astype(str).str.strip()
    start = pd.to_datetime(cid.map(began), errors="coerce").dt.to_period("M")
    close = pd.to_datetime(first["close_date"], errors="coerce").dt.to_period("M")
    earlier = (start < close) & start.notna() & close.notna()
    return first[~earlier.to_numpy(dtype=bool)]


def first_month_won_deals(
    deals: pd.DataFrame, subscriptions: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The won deals (credit notes included, as in the won sums) closed in their customer's
    first month: the deals that bring new customers, the basis of the actual new MRR that
    the plan's new customers × ARPA is compared with.

    A customer's first month is the close month of its first won deal
    (:func:`first_won_deals`) or, with ``subscriptions``, the start month of its first
    subscription if that is earlier. A won deal in a later month is an upsell or a repeat
    purchase of an existing customer (in the MRR bridge: expansion), not new business; all
    won deals of the first month count (a new customer buying two products at once). A
    deal without ``customer_id`` is a customer of its own (:func:`customer_key`)."""
    won = deals[deals["stage"] == "won"]
    close = pd.to_datetime(won["close_date"], errors="coerce").dt.to_period("M")
    first_deals = first_won_deals(deals)
    first = pd.Series(
        pd.to_datetime(first_deals["close_date"], errors="coerce").dt.to_period("M").to_numpy(),
        index=customer_key(first_deals).to_numpy(),
    )
    if (
        subscriptions is not None
        and not subscriptions.empty
        and {"customer_id", "start_date"} <= set(subscriptions.columns)
    ):
        sid = subscriptions["customer_id"].fillna("").astype(str).str.strip()
        start = pd.to_datetime(subscriptions["start_date"], errors="coerce").dt.to_period("M")
        began = start[sid != ""].groupby(sid[sid != ""]).min()
        first = pd.concat([first, began]).groupby(level=0).min()
    month = customer_key(won).map(first)
    keep = month.isna() | close.isna() | (close <= month)
    return won[keep.to_numpy(dtype=bool)]


def purchase_history(deals: pd.DataFrame, as_of: pd.Period) -> pd.DataFrame:
    """New and repeat purchases per close month up to ``as_of``, from the won deals.

    A won deal without ``customer_id`` is a customer of its own (its ``deal_id``).

    Returns:
        One row per month from the first won deal to ``as_of`` (months without deals
        zero): ``month`` (Period), ``customers_start`` (customers whose first won deal
        was before the month), ``new_customers``, ``new_deals``, ``new_bookings_eur``
        (won deals of customers in their first month), ``repeat_purchases``,
        ``repeat_bookings_eur`` (won deals of customers in a later month).
    """
    cols = [
        "month",
        "customers_start",
        "new_customers",
        "new_deals",
        "new_bookings_eur",
        "repeat_purchases",
        "repeat_bookings_eur",
    ]
    won = won_deals(deals)
    close = pd.to_datetime(won["close_date"], errors="coerce")
    won = won.assign(month=close.dt.to_period("M"))
    won = won[won["month"].notna() & (won["month"] <= as_of)]
    if won.empty:
        return pd.DataFrame(columns=cols)
    who = customer_key(won)
    first = won.assign(who=who).groupby("who")["month"].transform("min")
    is_new = won["month"] == first
    amount = pd.to_numeric(won["amount_eur"], errors="coerce").fillna(0.0)
    months = pd.period_range(won["month"].min(), as_of, freq="M")
    new_c = who[is_new].groupby(won.loc[is_new, "month"]).nunique()
    frame = pd.DataFrame(
        {
            "new_customers": new_c,
            "new_deals": is_new.groupby(won["month"]).sum(),
            "new_bookings_eur": amount.where(is_new, 0.0).groupby(won["month"]).sum(),
            "repeat_purchases": (~is_new).groupby(won["month"]).sum(),
            "repeat_bookings_eur": amount.where(~is_new, 0.0).groupby(won["month"]).sum(),
        }
    ).reindex(months, fill_value=0)
    frame = frame.fillna(0)
    for c in ("new_customers", "new_deals", "repeat_purchases"):
        frame[c] = frame[c].astype(int)
    frame["customers_start"] = frame["new_customers"].cumsum().shift(1, fill_value=0)
    frame.index.name = "month"
    return frame.reset_index()[cols]


def active_base(deals: pd.DataFrame, as_of: pd.Period, active_months: int) -> pd.DataFrame:
    """The active customer base and its net lapse per month up to ``as_of``.

    A customer (as in :func:`purchase_history`) is active at the start of month m when
    its last won deal before m closed in m − K … m − 1 (K = ``active_months``). Per month
    the base moves as the plan's customer bridge does: ``active_{m+1} = active_m −
    lapsed_m + new_m``, so ``lapsed_m`` (net) = customers whose last deal dropped out of
    the span minus those who bought again after a longer pause (a lapsed customer who
    comes back is active again; its deal is a repeat purchase).

    Returns:
        One row per month of :func:`purchase_history` (same months): ``month``,
        ``active_start``, ``new_customers``, ``repeat_purchases``, ``active_end`` (the
        next month's ``active_start``), ``lapsed`` (net, may be negative).
    """
    cols = ["month", "active_start", "new_customers", "repeat_purchases", "active_end", "lapsed"]
    hist = purchase_history(deals, as_of)
    if hist.empty:
        return pd.DataFrame(columns=cols)
    won = won_deals(deals)
    month = pd.to_datetime(won["close_date"], errors="coerce").dt.to_period("M")
    keep = month.notna() & (month <= as_of)
    who = customer_key(won)[keep]
    first = hist["month"].iloc[0]
    ordinal = (month[keep] - first).map(lambda off: off.n).astype(int)
    bought = pd.DataFrame({"who": who.to_numpy(), "m": ordinal.to_numpy()}).drop_duplicates()
    bought = bought.sort_values(["who", "m"])
    nxt = bought.groupby("who")["m"].shift(-1)
    # purchase month p is the last one before months p+1 .. next purchase; active for the
    # first K of them
    start = bought["m"] + 1
    stop = (bought["m"] + active_months).where(
        nxt.isna(), np.minimum(bought["m"] + active_months, nxt)
    )
    n = len(hist) + 1
    diff = np.zeros(n + active_months + 2, dtype=np.int64)
    np.add.at(diff, start.to_numpy(dtype=np.int64), 1)
    np.add.at(diff, stop.to_numpy(dtype=np.int64) + 1, -1)
    active = np.cumsum(diff)[:n]
    out = hist[["month", "new_customers", "repeat_purchases"]].copy()
    out["active_start"] = active[:-1]
    out["active_end"] = active[1:]
    out["lapsed"] = out["active_start"] + out["new_customers"] - out["active_end"]
    return out[cols].reset_index(drop=True)


ACTIVE_MONTHS_MAX = 24
"""Longest activity span of the active base (months): a customer without a won deal in
the last 24 months no longer counts to the base the repeat rate is measured on."""
ACTIVE_MONTHS_MIN = 12
"""Shortest activity span: with fewer months of history before the window the lapse is
not measured (base = every customer, churn 0, an assumption). A shorter span would count
customers who buy less often than once a year as lapsed and back again: the active base
then lags a base that still grows (on the repeat-buying test company, 4 % a month and no
lapse, a span of 11 months puts the first plan month's repeat purchases 15 % below the
generator's)."""


DEAL_SIZE_MIN_COUNT = 30
"""Customers (purchases) a deal size is measured on at least: a mean of fewer single deals
moves by more than a fifth of a deal's spread (1 ÷ √30 ≈ 18 %)."""


def sized_months(hist: pd.DataFrame, as_of: pd.Period, count: str) -> pd.DataFrame:
    """The rows of :func:`purchase_history` a deal size is measured on: the window's 12
    months, reaching back month by month while they hold fewer than
    :data:`DEAL_SIZE_MIN_COUNT` of ``count`` and earlier months exist."""
    upto = hist[hist["month"] <= as_of]
    first = as_of - 11
    held = upto[count][::-1].cumsum()[::-1]  # from each month up to as_of
    enough = upto[(held >= DEAL_SIZE_MIN_COUNT) & (upto["month"] <= first)]
    start = enough["month"].max() if len(enough) else upto["month"].min()
    return upto[upto["month"] >= min(start, first)]


@dataclass(frozen=True)
class RepeatBase:
    """The base of the repeat rate over the 12 months up to ``as_of`` (the window).

    The plan buys ``rate × base`` a month and moves the base as ``base × (1 − churn) +
    new``, so rate and churn are measured on the same base: the *active* base
    (:func:`active_base`) of K = the months of history before the window, at most
    :data:`ACTIVE_MONTHS_MAX`; with fewer than :data:`ACTIVE_MONTHS_MIN` such months
    every customer (lapse not observable).

    Attributes:
        active_months: K of the active base; 0 = every customer (lapse not observable).
        repeats: repeat purchases of the window.
        base: month-start base summed over the window (customer-months).
        lapsed: net lapse of the window (customers; 0 without an active base).
        customers: the base at plan start.
        history_months: months of won deals before the window.
    """

    active_months: int
    repeats: int
    base: int
    lapsed: int
    customers: int
    history_months: int

    @property
    def rate(self) -> float:
        """Repeat purchases ÷ customer-months of the base (0 without a base)."""
        return float(repeat_purchase_rate(self.repeats, self.base)) if self.base else 0.0

    @property
    def churn(self) -> float:
        """Net lapse ÷ customer-months of the base, at least 0."""
        return max(0.0, float(ratio(self.lapsed, self.base))) if self.base else 0.0


def repeat_base(deals: pd.DataFrame, as_of: pd.Period) -> RepeatBase:
    """The base, repeat purchases and lapse of the window (:class:`RepeatBase`)."""
    hist = purchase_history(deals, as_of)
    if hist.empty:
        return RepeatBase(0, 0, 0, 0, 0, 0)
    before = max(0, ((as_of - 11) - hist["month"].iloc[0]).n)
    k = min(before, ACTIVE_MONTHS_MAX)
    if k < ACTIVE_MONTHS_MIN:
        w = hist[hist["month"] >= as_of - 11]
        return RepeatBase(
            0,
            int(w["repeat_purchases"].sum()),
            int(w["customers_start"].sum()),
            0,
            int(hist["new_customers"].sum()),
            before,
        )
    act = active_base(deals, as_of, k)
    w = act[act["month"] >= as_of - 11]
    return RepeatBase(
        k,
        int(w["repeat_purchases"].sum()),
        int(w["active_start"].sum()),
        int(w["lapsed"].sum()),
        int(act["active_end"].iloc[-1]),
        before,
    )


@dataclass(frozen=True, eq=False)
class PurchaseBasis:
    """Deal size, repeat rate and repeat deal size of the window and what they rest on.

    Attributes:
        history: :func:`purchase_history` up to ``as_of``.
        new_customers: new customers of the window (12 months up to ``as_of``).
        new_bookings_eur: their bookings in their first month.
        sized: the months the deal size is measured on (:func:`sized_months` of the new
            customers: the window, reaching back to at least
            :data:`DEAL_SIZE_MIN_COUNT` new customers).
        sized_customers, sized_bookings_eur: new customers and their first month's
            bookings in ``sized``.
        repeat: the repeat rate's base (:func:`repeat_base`).
        sized_repeats: the months the repeat deal size is measured on (as ``sized``, of
            the repeat purchases).
        sized_repeat_purchases, sized_repeat_bookings_eur: repeat purchases and their
            bookings in ``sized_repeats``.
    """

    history: pd.DataFrame
    new_customers: int
    new_bookings_eur: float
    sized: pd.DataFrame
    sized_customers: int
    sized_bookings_eur: float
    repeat: RepeatBase
    sized_repeats: pd.DataFrame
    sized_repeat_purchases: int
    sized_repeat_bookings_eur: float

    @property
    def deal_size_eur(self) -> float:
        """First-month bookings ÷ new customers of ``sized`` (NaN without any)."""
        return float(deal_size(self.sized_bookings_eur, self.sized_customers))

    @property
    def repeat_deal_size_eur(self) -> float:
        """Repeat bookings ÷ repeat purchases of ``sized_repeats`` (NaN without any)."""
        return float(deal_size(self.sized_repeat_bookings_eur, self.sized_repeat_purchases))


def purchase_basis(deals: pd.DataFrame, as_of: pd.Period) -> PurchaseBasis:
    """The one measurement of deal size, repeat rate and repeat deal size (module
    docstring) over the 12 months up to ``as_of``."""
    hist = purchase_history(deals, as_of)
    w = hist[hist["month"] >= as_of - 11] if len(hist) else hist
    sized = sized_months(hist, as_of, "new_customers") if len(hist) else hist
    sized_r = sized_months(hist, as_of, "repeat_purchases") if len(hist) else hist
    return PurchaseBasis(
        history=hist,
        new_customers=int(w["new_customers"].sum()) if len(w) else 0,
        new_bookings_eur=float(w["new_bookings_eur"].sum()) if len(w) else 0.0,
        sized=sized,
        sized_customers=int(sized["new_customers"].sum()) if len(sized) else 0,
        sized_bookings_eur=float(sized["new_bookings_eur"].sum()) if len(sized) else 0.0,
        repeat=repeat_base(deals, as_of),
        sized_repeats=sized_r,
        sized_repeat_purchases=int(sized_r["repeat_purchases"].sum()) if len(sized_r) else 0,
        sized_repeat_bookings_eur=(
            float(sized_r["repeat_bookings_eur"].sum()) if len(sized_r) else 0.0
        ),
    )
