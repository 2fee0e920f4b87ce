"""The stated CAC is marketing only, the fully loaded CAC all sales and marketing costs;
the labels a manager reads say exactly that (docs/architecture.md, "How is CAC defined?").

The seed names CAC and CLV as figures of the Ist-Analyse without a formula; its example
("Letztes Jahr 300 Neukunden, CAC bei 250 €", a target of 200 € beside a marketing
budget of 100.000 € in a total sales budget of 400.000 €) matches the marketing-only CAC,
which the sample reproduces. The key-figure label of ``cac_stated_eur`` said "Marketing
und Vertrieb laut Kosten" while the figure holds marketing only.

Hand-made cost table of 2025 (and one 2024 row that must not count):

=======  ==========  =========  ======
month    category    channel    amount
=======  ==========  =========  ======
2025-01  marketing   inbound     4.000
2025-02  marketing   (none)      2.000
2025-03  personnel   (none)     10.000
2025-04  tools       outbound    2.000
2024-12  marketing   inbound    99.000
=======  ==========  =========  ======

New customers 2025: 3 inbound, 1 outbound (one 2024 customer does not count).
"""

from __future__ import annotations

import pandas as pd
import pytest

from planning_lib.analysis.funnel import ALL
from planning_lib.analysis.unit_economics import cac_by_channel
from planning_lib.present.labels import text

COSTS = pd.DataFrame(
    [
        ("2025-01-01", "marketing", "inbound", 4000.0),
        ("2025-02-01", "marketing", None, 2000.0),
        ("2025-03-01", "personnel", None, 10000.0),
        ("2025-04-01", "tools", "outbound", 2000.0),
        ("2024-12-01", "marketing", "inbound", 99000.0),
    ],
    columns=["month", "category", "channel", "amount_eur"],
)
NEW = pd.DataFrame(
    {
        "year": [2025, 2025, 2025, 2025, 2024],
        "channel": ["inbound", "inbound", "inbound", "outbound", "inbound"],
    }
)


def test_stated_cac_is_marketing_only_fully_loaded_all_costs() -> None:
    """Blended 2025: stated = marketing (4.000 + 2.000) ÷ 4 = 1.500 €; fully loaded =
    (4.000 + 2.000 + 10.000 + 2.000) ÷ 4 = 4.500 €. Inbound: stated 4.000 ÷ 3 =
    1.333,33 €; fully loaded (4.000 direct + ¾ of the 12.000 without channel = 9.000)
    ÷ 3 = 4.333,33 €. Outbound: no marketing → stated 0 €; fully loaded (2.000 + ¼ ×
    12.000) ÷ 1 = 5.000 €."""
    t = cac_by_channel(COSTS, NEW, 2025).set_index("channel")
    assert t.loc[ALL, "cac_stated_eur"] == pytest.approx(1500.0)
    assert t.loc[ALL, "cac_fully_loaded_eur"] == pytest.approx(4500.0)
    assert t.loc["inbound", "cac_stated_eur"] == pytest.approx(4000.0 / 3)
    assert t.loc["inbound", "cac_fully_loaded_eur"] == pytest.approx(13000.0 / 3)
    assert t.loc["outbound", "cac_stated_eur"] == pytest.approx(0.0)
    assert t.loc["outbound", "cac_fully_loaded_eur"] == pytest.approx(5000.0)


def test_labels_name_the_costs_the_figures_hold() -> None:
    """The key-figure labels (key_figures.csv of planning analyse), the table columns and
    the cockpit's landing name marketing only for the stated CAC and all sales and
    marketing costs for the fully loaded one, in German and English."""
    de = text("analyse.figure.cac_stated_eur", "de", period="2025")
    assert de == "CAC 2025 (nur Marketing: Marketingkosten ÷ Neukunden)"
    assert "Vertrieb" not in de
    assert text("analyse.figure.cac_fully_loaded_eur", "de", period="2025") == (
        "CAC 2025 (voll belastet: alle Vertriebs- und Marketingkosten ÷ Neukunden)"
    )
    assert text("analyse.figure.cac_stated_eur", "en", period="2025") == (
        "CAC 2025 (marketing only: marketing cost ÷ new customers)"
    )
    assert text("col.cac_stated_eur", "de") == "CAC (nur Marketing)"
    assert text("cockpit.cac", "de") == "CAC (nur Marketing)"
    sentence = text(
        "01.unit_text", "de", year=2025, new="4", cac="1.500 €", cac_full="4.500 €",
        window="2025-01..2025-12", clv="3.000 €", churn="2,0 %",
    )  # fmt: skip
    assert "1.500 € (nur Marketing) bzw. 4.500 € (voll belastet: alle Vertriebs- und " in sentence
