"""The purchase-basis sentence of a deals-only history (phase 1, ``planning analyse``)
when fewer than 30 new customers are found in the whole history (#13)."""

from __future__ import annotations

import pandas as pd
import pytest

from planning_lib.present.analysis_finding_texts import purchase_basis_values
from planning_lib.present.labels import text as label_text


def _basis_sentence(customers: int, region: str | None, locale: str) -> str:
    figures = {
        "repeat_base_active_months": 12, "new_customer_deal_size_eur": 26110.0,
        "deal_size_customers": customers, "deal_size_months": 20,
        "repeat_purchase_rate": 0.0125, "repeat_purchases": 3,
        "repeat_base_customer_months": 240,
    }  # fmt: skip
    key, values = purchase_basis_values(figures, pd.Period("2025-10", "M"), locale, region)
    return label_text(key, locale, **values).replace("\u00a0", " ")


@pytest.mark.parametrize(
    ("customers", "region", "locale", "basis"),
    [
        (26, "Süd", "de", "aus 26 Neukunden der 20 Monate bis 2025-10 (die Region hat weniger "
         "als 30 Neukunden, daher rechnet ihr Plan mit der Dealgröße des Unternehmens);"),
        (26, "Süd", "en", "from 26 new customers of the 20 months up to 2025-10 (the region has "
         "fewer than 30 new customers, so its plan uses the company's deal size);"),
        (26, None, "de", "aus 26 Neukunden der 20 Monate bis 2025-10 (weniger als die "
         "mindestens 30 in der ganzen Historie: alle ihre Neukunden);"),
        (30, "Süd", "de", "aus 30 Neukunden der 20 Monate bis 2025-10 (mindestens 30);"),
        (33, None, "en", "from 33 new customers of the 20 months up to 2025-10 (at least 30);"),
    ],
)  # fmt: skip
def test_the_purchase_basis_says_why_a_small_region_uses_the_companys_size(
    customers: int, region: str | None, locale: str, basis: str
) -> None:
    """The trial's Süd: 26 new customers in its whole history (< 30, the minimum
    ``DEAL_SIZE_MIN_COUNT``): the sentence says its plan uses the company's deal size for
    that reason, instead of "(mindestens 30)" beside 26; the company with 26 says all its
    new customers are taken; 30 or more keep "(mindestens 30)" (the minimum is met:
    30 = 30 counts as enough). A region's sentence names the company's deal size once
    (the small region's basis replaces the "for information" clause)."""
    sentence = _basis_sentence(customers, region, locale)
    assert basis in sentence
    company = "Dealgröße des Unternehmens" if locale == "de" else "company's deal size"
    assert sentence.count(company) == (1 if region else 0)  # said once, not twice
