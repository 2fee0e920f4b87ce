"""Owners of partner deals only, without a headcount table (issue #13).

(a) When every owner owns partner deals only, init counts no rep (an assumption) and its
comment says why, instead of "no headcount table: fill in the team".

(b) Deals per rep compare like with like: an owner of partner deals only is no rep and has
no head-months, so a repeat purchase it closed (partner channel, not new business, which
was already left out) is no rep's deal either.

Hand-made deals, window 2025-01..2025-12 (as-of 2025-12, first deal created 2025-01-05):

=====  ========  ==========  ========  =====  =======================================
deal   customer  close       channel   owner  counts for the reps?
=====  ========  ==========  ========  =====  =======================================
A0     W         (lost)      inbound   Anna   - (lost; makes Anna's window start 2025-01)
P1     X         2025-03-10  partner   Pia    no: X's first purchase, partner channel
P2     X         2025-06-10  partner   Pia    no: a repeat purchase, but Pia is no rep
A1     Y         2025-04-10  inbound   Anna   yes
A2     Y         2025-07-10  partner   Anna   yes: Anna's repeat purchase (Anna is a rep)
A3     Z         2025-08-10  inbound   Anna   yes
=====  ========  ==========  ========  =====  =======================================

Reps: Anna only (Pia owns partner deals only): 1 × 12 = 12 head-months. Reps' won deals
A1, A2, A3 = 3 → 3 ÷ 12 = 0,25 per rep and month (before: P2 counted too, 4 ÷ 12 = 0,33);
left out: P1 (partner new business) and P2 (Pia's repeat purchase).
"""

from __future__ import annotations

import pandas as pd
import pytest

from planning_lib.analysis.calibration_team import (
    partner_owner_deals,
    rep_won_deals,
    team_and_costs,
)
from planning_lib.present.plan_yaml import comment_text

AS_OF = pd.Period("2025-12", freq="M")
ROWS = [
    ("A0", "W", "2025-01-05", "2025-02-01", "lost", "inbound", "Anna"),
    ("P1", "X", "2025-02-01", "2025-03-10", "won", "partner", "Pia"),
    ("P2", "X", "2025-05-01", "2025-06-10", "won", "partner", "Pia"),
    ("A1", "Y", "2025-03-01", "2025-04-10", "won", "inbound", "Anna"),
    ("A2", "Y", "2025-06-01", "2025-07-10", "won", "partner", "Anna"),
    ("A3", "Z", "2025-07-01", "2025-08-10", "won", "inbound", "Anna"),
]
COLS = ["deal_id", "customer_id", "created_date", "close_date", "stage", "channel", "owner"]


def _deals(rows=ROWS) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLS).assign(
        amount_eur=1000.0, mrr_eur=0.0, is_credit_note="false"
    )


def _team(deals: pd.DataFrame, src: dict):
    return team_and_costs({"deals": deals}, AS_OF, pd.DataFrame({"first_mrr_eur": []}), {}, src)


def test_a_partner_only_owners_repeat_purchase_is_no_reps_deal() -> None:
    """rep_won_deals keeps its meaning (A1, A2, A3, P2 = 4; P1 left out); P2 is the one
    deal of an owner of partner deals only; deals per rep 3 ÷ 12 = 0,25."""
    deals = _deals()
    assert rep_won_deals(deals, AS_OF) == (4, 1)
    assert partner_owner_deals(deals, AS_OF) == 1
    src: dict = {}
    team = _team(deals, src)
    assert team.reps == {"inside_sales": 1}
    assert team.head_months == 12.0
    assert team.organisation["roles"]["inside_sales"]["deals_per_month"] == pytest.approx(0.25)
    said = comment_text(src["organisation.roles.inside_sales.deals_per_month"], "de")
    assert said.startswith("3 gewonnene Deals") and "12 Kopf-Monate" in said
    assert "1 Neukunden-Deals des Partnerkanals" in said
    assert "1 Wiederholungskäufe der 1 Inhaber nur von Partner-Deals" in said


def test_no_partner_only_owner_keeps_every_deal() -> None:
    """Pia's deals given to Anna: no owner of partner deals only, nothing more left out:
    4 ÷ 12 = 0,33 with the partner comment as before."""
    deals = _deals([(*r[:6], "Anna") for r in ROWS])
    assert partner_owner_deals(deals, AS_OF) == 0
    src: dict = {}
    team = _team(deals, src)
    assert team.organisation["roles"]["inside_sales"]["deals_per_month"] == pytest.approx(0.33)
    said = comment_text(src["organisation.roles.inside_sales.deals_per_month"], "de")
    assert "Inhaber nur von Partner-Deals" not in said


def test_every_owner_owns_partner_deals_only() -> None:
    """Three owners, each only partner deals: 0 reps (an assumption) and the comment says
    why; one such owner: the singular sentence."""
    rows = [
        ("Q1", "X", "2025-02-01", "2025-03-10", "won", "partner", "Pia"),
        ("Q2", "Y", "2025-03-01", "2025-04-10", "won", "partner", "Paul"),
        ("Q3", "Z", "2025-04-01", "2025-05-10", "lost", "partner", "Petra"),
    ]
    src: dict = {}
    team = _team(_deals(rows), src)
    assert team.reps == {"inside_sales": 0}
    said = comment_text(src["current.reps.inside_sales"], "de")
    assert said == (
        "ANNAHME: alle 3 Verantwortlichen führen nur Partner-Deals (die schließen Partner, "
        "keine headcount-Tabelle); Anzahl Vertriebler bitte eintragen"
    )
    assert "all 3 owners own partner deals only" in comment_text(
        src["current.reps.inside_sales"], "en"
    )
    one: dict = {}
    _team(_deals(rows[:1]), one)
    assert comment_text(one["current.reps.inside_sales"], "de").startswith(
        "ANNAHME: der einzige Verantwortliche führt nur Partner-Deals"
    )
