"""Numbers and dates as each reader writes them (issue 17), with Babel and nothing else.

No Flask, no database: pages (through :mod:`jointprojects.i18n`), the CLI and ``reports/``
call these with the language as plain data (``"en"`` or ``"fr"``).

English stays as the application always wrote it (``1,234.50``, ``6 January 2025``), so
that English pages and workbooks are unchanged; French is Babel's ``fr`` locale:
``1 234,50`` with a narrow no-break space (U+202F) between the thousands, ``1 234,50 €``,
``6 janvier 2025``, ``55 %`` (U+202F before the sign). Input keeps accepting both notations
(``money.parse_decimal``, DOMAIN.md rule 9), the narrow no-break space included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.dates import format_date, get_month_names
from babel.numbers import format_currency, format_decimal, get_currency_precision

from jointprojects.dates import MONTH_NAMES
from jointprojects.money import round_money

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "LongDate",
    "Money",
    "Number",
    "format_amount",
    "format_money",
    "format_percent",
    "long_date",
    "month_label",
    "month_name",
    "normalize_language",
]

#: The agreement's two languages, "each text being equally authentic".
LANGUAGES: tuple[str, ...] = ("en", "fr")
DEFAULT_LANGUAGE = "en"
#: Each language in its own words (the switch in the navigation).
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "fr": "Français"}


def normalize_language(value: str | None) -> str | None:
    """``"fr"``, ``"fr_FR.UTF-8"``, ``"FR-ca"`` -> ``"fr"``; anything else -> None."""
    if not value:
        return None
    code = value.strip().replace("-", "_").split("_")[0].split(".")[0].lower()
    return code if code in LANGUAGES else None


def _digits(currency: str | None) -> int | None:
    if currency is None:
        return None
    try:
        return int(get_currency_precision(currency))
    except (KeyError, ValueError):
        return 2


def format_amount(amount: Decimal | None, currency: str | None = None,
                  language: str = DEFAULT_LANGUAGE) -> str:
    """An amount without its currency, rounded to the currency's minor units when one is
    given: ``1234.5`` -> ``"1,234.50"`` (en), ``"1 234,50"`` (fr, U+202F)."""
    if amount is None:
        return ""
    if currency is not None:
        amount = round_money(amount, currency)
    if language != "fr":
        return f"{amount:,}"
    exponent = amount.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(amount, format=pattern, locale="fr", decimal_quantization=False)


def format_money(amount: Decimal | None, currency: str | None = None,
                 language: str = DEFAULT_LANGUAGE) -> str:
    """An amount with its currency as the reader writes it: ``"1,234.50 EUR"`` (en, as the
    pages always wrote it), ``"1 234,50 €"`` (fr, Babel's ``fr`` pattern)."""
    if amount is None:
        return ""
    if language != "fr":
        text = format_amount(amount, currency, language)
        return f"{text} {currency}" if currency else text
    if not currency:
        return format_amount(amount, None, language)
    amount = round_money(amount, currency)
    return format_currency(amount, currency, locale="fr", currency_digits=True)


def format_percent(value: Decimal | None, language: str = DEFAULT_LANGUAGE) -> str:
    """``Decimal("12.50")`` -> ``"12.5 %"`` (en, as before) or ``"12,5 %"`` (fr, U+202F)."""
    if value is None:
        return ""
    text = f"{value.normalize():f}"
    if language == "fr":
        return text.replace(".", ",") + "\u202f%"
    return f"{text} %"


def long_date(day: date | None, language: str = DEFAULT_LANGUAGE) -> str:
    """``date(2025, 1, 6)`` -> ``"6 January 2025"`` / ``"6 janvier 2025"`` (``1er`` is not
    written: Babel's long format, as the administration writes dates in tables)."""
    if day is None:
        return ""
    if language != "fr":
        return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"
    return format_date(day, "d MMMM y", locale="fr")


def month_name(month: int, language: str = DEFAULT_LANGUAGE) -> str:
    """``1`` -> ``"January"`` / ``"janvier"``."""
    if language != "fr":
        return MONTH_NAMES[month - 1]
    return str(get_month_names("wide", locale="fr")[month])


def month_label(month: str, language: str = DEFAULT_LANGUAGE) -> str:
    """``"2025-03"`` -> ``"March 2025"`` / ``"mars 2025"``."""
    year, number = month.split("-")
    return f"{month_name(int(number), language)} {year}"


@dataclass(frozen=True)
class Money:
    """An amount as a message's value (``errors.Message``): ``1,234.50 EUR`` in English (its
    ``str``), ``1 234,50 €`` in French."""

    amount: Decimal
    currency: str | None = None

    def __str__(self) -> str:
        return format_money(self.amount, self.currency)

    def localized(self, language: str) -> str:
        return format_money(self.amount, self.currency, language)


@dataclass(frozen=True)
class LongDate:
    """A day as a message's value written in words: ``6 January 2025`` / ``6 janvier 2025``
    (a plain ``date`` value is written ``2025-01-06`` in English, in words in French)."""

    day: date | None

    def __str__(self) -> str:
        return long_date(self.day)

    def localized(self, language: str) -> str:
        return long_date(self.day, language)


@dataclass(frozen=True)
class Number:
    """A count as a message's value: ``12,500`` in English (its ``str``), ``12 500`` in
    French (U+202F)."""

    value: int

    def __str__(self) -> str:
        return f"{self.value:,}"

    def localized(self, language: str) -> str:
        return format_amount(Decimal(self.value), None, language)
