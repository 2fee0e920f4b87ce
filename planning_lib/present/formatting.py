"""Locale formatting of money, shares, numbers, counts and months (Babel).

Two report languages: ``de`` (default, German conventions as in Germany) and ``en``
(European English, ``en_GB``). Any other Babel locale name (``de_CH``, ``en_US``) is
passed through. Rounding is commercial (half up: 0.005 € -> 0.01 €), not banker's.
Missing values (``None``, NaN, NaT) are shown as an en dash ``–``.

Separators follow CLDR: German puts a no-break space (``\\u00a0``) between number and
``€`` or ``%``, so the unit never wraps onto its own line:

>>> format_eur(1234.56)
'1.234,56\\xa0€'
>>> format_eur(1234.56, "en")
'€1,234.56'
>>> format_percent(0.185)
'18,5\\xa0%'
>>> format_month("2026-01-01"), format_month("2026-01-01", style="long")
('Jan. 2026', 'Januar 2026')
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

import pandas as pd
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton
from babel.numbers import format_currency, format_decimal
from babel.numbers import format_percent as _babel_percent

from planning_lib.core import text_store
from planning_lib.core.text_store import BABEL_LOCALES

__all__ = [
    "DATA_UNITS",
    "DEFAULT_LOCALE",
    "LOCALES",
    "MISSING",
    "Unit",
    "axis_labels",
    "babel_locale",
    "format_count",
    "format_day",
    "format_eur",
    "format_month",
    "format_months_count",
    "format_number",
    "format_percent",
    "format_plain",
    "format_value",
    "rounded_half_up",
]

Unit = Literal["eur", "count", "share", "ratio", "ratio_to_one", "months", "days", "decimal"]
"""How a figure is shown: money, a count, a share 0..1 as percent, a ratio (``2,4×``, or
``3,7 : 1`` for ``ratio_to_one``), a number of months or days, a plain decimal."""

DATA_UNITS: dict[str, Unit] = {
    "EUR": "eur",
    "count": "count",
    "share": "share",
    "ratio": "ratio",
    "days": "days",
}
"""The :data:`Unit` of each value of a ``unit`` column in the data (the KPI catalogue of
``planning_lib.metrics.kpis``, the variance table of the controlling): ``EUR`` is ``eur``."""

DEFAULT_LOCALE = "de"
LOCALES: dict[str, str] = BABEL_LOCALES
MISSING = "–"
_MONTH_SKELETONS = {"short": "yMMM", "long": "yMMMM"}


def babel_locale(locale: str = DEFAULT_LOCALE) -> str:
    """The Babel locale for a report language (``de`` -> ``de_DE``, ``en`` -> ``en_GB``).

    Raises:
        ValueError: the locale is unknown to Babel.
    """
    name = LOCALES.get(locale, locale)
    try:
        Locale.parse(name)
    except (UnknownLocaleError, ValueError) as err:
        raise ValueError(f"unknown locale {locale!r}; use 'de', 'en' or a Babel locale") from err
    return name


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _rounded(value: float | int | Decimal, decimals: int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def rounded_half_up(value: float | int, decimals: int) -> Decimal:
    """``value`` rounded half up to ``decimals`` places as the formatters round it
    (``2.5`` -> ``3``, ``6.999999999999999`` -> ``7``)."""
    return _rounded(value, decimals)


def _with_decimals(pattern: str, decimals: int) -> str:
    """A Babel pattern with exactly ``decimals`` fraction digits."""
    fraction = "." + "0" * decimals if decimals > 0 else ""
    return re.sub(r"0(?:\.0+)?", "0" + fraction, pattern.split(";")[0], count=1)


def format_eur(value: float | int | None, locale: str = DEFAULT_LOCALE, decimals: int = 2) -> str:
    """Money in EUR: ``1.234,56 €`` (de), ``€1,234.56`` (en).

    Args:
        value: amount in EUR.
        locale: ``de``, ``en`` or a Babel locale name.
        decimals: fraction digits (0 for whole euros: ``1.235 €``).
    """
    if _missing(value):
        return MISSING
    loc = babel_locale(locale)
    pattern = _with_decimals(Locale.parse(loc).currency_formats["standard"].pattern, decimals)
    return format_currency(
        _rounded(value, decimals), "EUR", format=pattern, locale=loc, currency_digits=False
    )


def format_percent(share: float | None, locale: str = DEFAULT_LOCALE, decimals: int = 1) -> str:
    """A share 0..1 as percent: ``0.185`` -> ``18,5 %`` (de), ``18.5%`` (en)."""
    if _missing(share):
        return MISSING
    loc = babel_locale(locale)
    pattern = _with_decimals(Locale.parse(loc).percent_formats[None].pattern, decimals)
    return _babel_percent(_rounded(Decimal(str(share)) * 100, decimals) / 100, pattern, locale=loc)


def format_number(
    value: float | int | None, locale: str = DEFAULT_LOCALE, decimals: int = 0
) -> str:
    """A plain number with grouping: ``1234.5`` -> ``1.234,5`` (de, decimals=1)."""
    if _missing(value):
        return MISSING
    loc = babel_locale(locale)
    pattern = _with_decimals("#,##0", decimals)
    return format_decimal(_rounded(value, decimals), pattern, locale=loc)


def format_count(value: int | float | None, locale: str = DEFAULT_LOCALE) -> str:
    """A count (customers, deals, leads): ``12345`` -> ``12.345`` (de), ``12,345`` (en)."""
    return format_number(value, locale, decimals=0)


def format_month(
    value: dt.date | dt.datetime | pd.Timestamp | str | None,
    locale: str = DEFAULT_LOCALE,
    style: Literal["short", "long"] = "short",
) -> str:
    """A month: ``Jan. 2026`` (de, short, the default for tables and charts),
    ``Januar 2026`` (de, long, for headings); ``Jan 2026`` / ``January 2026`` (en).

    Args:
        value: any date in the month (``date``, ``Timestamp`` or ISO text).
        locale: ``de``, ``en`` or a Babel locale name.
        style: ``short`` (abbreviated month) or ``long`` (full month name).
    """
    if _missing(value):
        return MISSING
    if style not in _MONTH_SKELETONS:
        raise ValueError(f"style must be 'short' or 'long', not {style!r}")
    day = pd.Timestamp(value).date()
    return format_skeleton(_MONTH_SKELETONS[style], day, locale=babel_locale(locale))


def format_day(value: dt.date | pd.Timestamp | str | None, locale: str = DEFAULT_LOCALE) -> str:
    """A day: ``31.12.2026`` (de), ``31 Dec 2026`` (en)."""
    if _missing(value):
        return MISSING
    day = pd.Timestamp(value).date()
    return format_date(day, format="medium", locale=babel_locale(locale))


def format_months_count(n: int, locale: str = DEFAULT_LOCALE) -> str:
    """A number of months after "in": ``keinem Monat``, ``1 Monat``, ``3 Monaten`` (de);
    ``no month``, ``1 month``, ``3 months`` (en)."""
    n = int(n)
    form = "zero" if n == 0 else "one" if n == 1 else "many"
    lang = "en" if str(locale).startswith("en") else "de"
    return text_store.label(f"months_after_in.{form}", lang).format(n=n)


_UNIT_DECIMALS: dict[str, int] = {
    "eur": 0,
    "count": 0,
    "share": 1,
    "ratio": 1,
    "ratio_to_one": 1,
    "months": 1,
    "days": 1,
    "decimal": 2,
}


def format_value(
    value: float | int | None, unit: Unit, locale: str = DEFAULT_LOCALE, decimals: int | None = None
) -> str:
    """A figure in its unit for ``locale``, the one formatter of reports, notebooks and cockpit.

    ``120000, "eur"`` -> ``120.000 €`` (whole euros), ``0.03, "share"`` -> ``3,0 %``,
    ``1234.4, "count"`` -> ``1.234``, ``2.44, "ratio"`` -> ``2,4×``, ``3.74,
    "ratio_to_one"`` -> ``3,7 : 1``, ``6.84, "months"`` -> ``6,8``, ``45.25, "days"`` ->
    ``45,3``, ``0.123, "decimal"`` -> ``0,12``. Missing or infinite values give ``–``.

    Args:
        value: the figure (EUR, a count, a share 0..1, ...).
        unit: one of :data:`Unit`.
        locale: ``de``, ``en`` or a Babel locale name.
        decimals: fraction digits instead of the unit's default (eur 0, count 0, share 1,
            ratio 1, months 1, days 1, decimal 2).

    Raises:
        ValueError: unknown ``unit``.
    """
    if unit not in _UNIT_DECIMALS:
        raise ValueError(f"unknown unit {unit!r} (one of {', '.join(_UNIT_DECIMALS)})")
    if _missing(value) or not math.isfinite(float(value)):  # type: ignore[arg-type]
        return MISSING
    d = _UNIT_DECIMALS[unit] if decimals is None else decimals
    if unit == "eur":
        return format_eur(value, locale, decimals=d)
    if unit == "share":
        return format_percent(value, locale, decimals=d)
    if unit == "ratio":
        return format_number(value, locale, decimals=d) + "×"
    if unit == "ratio_to_one":
        return format_number(value, locale, decimals=d) + " : 1"
    return format_number(value, locale, decimals=d)


def format_plain(value: float, locale: str = DEFAULT_LOCALE, decimals: int = 0) -> str:
    """A number with grouping as Python rounds it (half to even on the binary value):
    ``1234.5`` -> ``1.234,5`` (de, decimals=1), ``1,234.5`` (en).

    The plan's feasibility sentences have always used this rounding (``2.5`` -> ``2``,
    where :func:`format_number` rounds half up to ``3``); it stays so their text does not
    change. Any locale starting with ``en`` uses the English separators, else German.
    """
    text = f"{value:,.{decimals}f}"
    if str(locale).startswith("en"):
        return text
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


_AXIS_SCALES = ((1e6, " Mio.", "m"), (1e3, " Tsd.", "k"))
_AXIS_THOUSANDS_FROM = 10_000
"""Axes whose largest tick reaches this are shown in thousands (``175 Tsd. €``)."""


def axis_labels(
    values: Sequence[float], unit: str = "count", locale: str = DEFAULT_LOCALE
) -> list[str]:
    """Labels of an axis's ticks, distinct, compact and in the locale's number style.

    Large amounts in thousands or millions (``175 Tsd. €``, ``1,2 Mio. €``; en:
    ``€175k``, ``€1.2m``), shares as percent; the fewest decimals (0 to 3) that keep
    every label distinct, so ticks 49.500 and 50.000 read ``49,5 Tsd.`` and
    ``50,0 Tsd.``, never ``50k`` twice.

    Args:
        values: the tick values of one axis.
        unit: ``eur``, ``count``, ``share``, ``ratio``, ``months`` or ``decimal``.
        locale: ``de``, ``en`` or a Babel locale name.
    """
    loc = babel_locale(locale)
    english = loc.startswith("en")
    vals = [float(v) for v in values]
    if not vals:
        return []
    word = ""
    if unit == "share":
        scaled, suffix = [v * 100 for v in vals], ("%" if english else "\u00a0%")
        prefix = ""
    else:
        top = max(abs(v) for v in vals)
        div = 1.0
        if top >= _AXIS_THOUSANDS_FROM:
            div, de_word, en_word = next(s for s in _AXIS_SCALES if top >= s[0])
            word = en_word if english else de_word
        scaled = [v / div for v in vals]
        prefix = "€" if unit == "eur" and english else ""
        tail = {"eur": "" if english else "\u00a0€", "ratio": "×"}.get(unit, "")
        suffix = word + tail
    texts: list[str] = []
    for decimals in range(4):  # fewest decimals that show every tick exactly and distinct
        pattern = _with_decimals("#,##0", decimals)
        candidate = [format_decimal(_rounded(v, decimals), pattern, locale=loc) for v in scaled]
        if len(set(candidate)) < len(candidate):
            continue
        texts = texts or candidate
        if all(abs(v - round(v, decimals)) <= 1e-9 * max(1.0, abs(v)) for v in scaled):
            texts = candidate
            break
    if not texts:
        texts = candidate
    out = []
    for v, t in zip(vals, texts, strict=True):
        if v == 0:  # no "0 Tsd.": zero is zero in any scale
            out.append(f"{prefix}0{suffix.removeprefix(word) if unit != 'share' else suffix}")
            continue
        t = t.lstrip("-")
        sign = "−" if v < 0 and t.strip("0,.") else ""
        out.append(f"{sign}{prefix}{t}{suffix}")
    return out
