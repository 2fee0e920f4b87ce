"""Deals per rep leave out the partner channel's new business, as the plan's required rep
deals do (issue #13): capacity and requirement count the same deals.

A hand-made deals table, window 2025-01..2025-12 (as-of 2025-12), two owners (no
headcount table: 2 reps, 24 head-months; Ben also works the lost inbound deal D11, so he
is a rep: init leaves out owners of partner deals only, see
tests/cli/test_init_transactional.py). Won deals:

=====  ========  ==========  ========  ===========================================
deal   customer  close       channel   counts for the reps?
=====  ========  ==========  ========  ===========================================
D1     A         2025-03-10  inbound   yes: A's first purchase
D2     A         2025-06-10  partner   yes: a repeat purchase (the plan counts them all)
D3     B         2025-04-10  partner   no: B's first purchase, in the partner channel
D4     C         2025-05-10  partner   no: C's first purchase
D5     C         2025-05-20  inbound   yes: C's first month, but not the partner channel
D6     E         2024-06-10  partner   - (before the window)
D7     E         2025-02-10  partner   yes: E's repeat purchase
D8     (none)    2025-08-10  partner   no: a customer of its own, its first purchase
D9     F         2025-09-10  outbound  yes
D10    G         2025-10-10  partner   - (a credit note, no deal)
=====  ========  ==========  ========  ===========================================

Reps' won deals: D1, D2, D5, D7, D9 = 5; partner new business left out: D3, D4, D8 = 3.
Before: all 8 won deals in the window (D1-D5, D7-D9) ÷ 24 = 0.33; now 5 ÷ 24 = 0.21.
"""

from __future__ import annotations

import pandas as pd
import pytest

from planning_lib.analysis.calibration_team import rep_won_deals, team_and_costs
from planning_lib.present.plan_yaml import comment_text

ROWS = [
    # deal, customer, created, close, stage, channel, owner, credit note
    ("D1", "A", "2025-02-01", "2025-03-10", "won", "inbound", "Anna", "false"),
    ("D2", "A", "2025-05-01", "2025-06-10", "won", "partner", "Anna", "false"),
    ("D3", "B", "2025-03-01", "2025-04-10", "won", "partner", "Ben", "false"),
    ("D4", "C", "2025-04-01", "2025-05-10", "won", "partner", "Ben", "false"),
    ("D5", "C", "2025-04-15", "2025-05-20", "won", "inbound", "Anna", "false"),
    ("D6", "E", "2024-05-01", "2024-06-10", "won", "partner", "Ben", "false"),
    ("D7", "E", "2025-01-05", "2025-02-10", "won", "partner", "Ben", "false"),
    ("D8", "", "2025-07-01", "2025-08-10", "won", "partner", "Ben", "false"),
    ("D9", "F", "2025-08-01", "2025-09-10", "won", "outbound", "Anna", "false"),
    ("D10", "G", "2025-09-01", "2025-10-10", "won", "partner", "Ben", "true"),
    ("D11", "H", "2025-03-01", "2025-04-01", "lost", "inbound", "Ben", "false"),
]
AS_OF = pd.Period("2025-12", freq="M")


def _deals() -> pd.DataFrame:
    cols = ["deal_id", "customer_id", "created_date", "close_date", "stage", "channel"]
    frame = pd.DataFrame(ROWS, columns=[*cols, "owner", "is_credit_note"])
    return frame.assign(amount_eur=1000.0, mrr_eur=0.0)


def test_partner_new_business_is_left_out() -> None:
    """5 reps' deals, 3 partner new-business deals (table in the module docstring)."""
    assert rep_won_deals(_deals(), AS_OF) == (5, 3)


def test_deals_per_rep_count_like_the_plan() -> None:
    """2 owners × 12 = 24 head-months; 5 ÷ 24 = 0.2083 → 0.21 per rep and month (all 8
    won deals would give 0.33); the YAML comment says the partner deals are left out."""
    src: dict = {}
    new_w = pd.DataFrame({"first_mrr_eur": []})
    team = team_and_costs({"deals": _deals()}, AS_OF, new_w, {}, src)
    assert team.head_months == 24.0
    assert team.organisation["roles"]["inside_sales"]["deals_per_month"] == pytest.approx(0.21)
    source = src["organisation.roles.inside_sales.deals_per_month"]
    said = comment_text(source, "de")
    assert said.startswith("5 gewonnene Deals") and "24 Kopf-Monate" in said
    assert "ohne die 3 Neukunden-Deals des Partnerkanals" in said
    assert "without the partner channel's 3 new-customer deals" in comment_text(source, "en")


def test_without_partner_deals_the_comment_stays_as_before() -> None:
    """Only D1, D5, D9 (no partner deal): 3 won deals, nothing left out, the plain line."""
    deals = _deals()
    deals = deals[deals["channel"] != "partner"]
    assert rep_won_deals(deals, AS_OF) == (3, 0)
    src: dict = {}
    team_and_costs({"deals": deals}, AS_OF, pd.DataFrame({"first_mrr_eur": []}), {}, src)
    said = comment_text(src["organisation.roles.inside_sales.deals_per_month"], "de")
    assert said.startswith("3 gewonnene Deals") and "Partner" not in said


def test_every_headcount_role_gets_its_german_name() -> None:
    """#13 trial: a headcount export with "Vertriebsleitung" (sales_lead) gave the plan
    YAML ``label_de: sales_lead`` and phase 5 the code on a German page. Every role the
    headcount table allows has a name in the text store; by hand: Vertriebsleitung /
    Sales lead, Sales Development (SDR) / Sales development (SDR), Innendienst /
    Inside sales as before."""
    hc = pd.DataFrame(
        {
            "employee_id": ["Anna", "Ben", "Cleo"],
            "role": ["inside_sales", "sales_lead", "sdr"],
            "region": ["Nord", "Nord", "Nord"],
            "hire_date": pd.to_datetime(["2024-01-01"] * 3),
            "exit_date": pd.to_datetime([None] * 3),
        }
    )
    src: dict = {}
    new_w = pd.DataFrame({"first_mrr_eur": []})
    team = team_and_costs({"deals": _deals(), "headcount": hc}, AS_OF, new_w, {}, src)
    roles = team.organisation["roles"]
    got = {r: (v["label_de"], v["label_en"]) for r, v in roles.items()}
    assert got == {
        "inside_sales": ("Innendienst", "Inside sales"),
        "sales_lead": ("Vertriebsleitung", "Sales lead"),
        "sdr": ("Sales Development (SDR)", "Sales development (SDR)"),
    }
