"""Money as exact decimals (DOMAIN.md rule 1). Standard library only.

Every amount in jointprojects is a :class:`decimal.Decimal` rounded to its currency's
ISO 4217 minor units. Nothing here ever touches a float.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from jointprojects.errors import Message

#: ISO 4217 minor units of the currencies the organizations use. A currency that is not
#: listed here is unknown to the application and rejected on input.
MINOR_UNITS: dict[str, int] = {
    "AED": 2,
    "ARS": 2,
    "AUD": 2,
    "BHD": 3,
    "BRL": 2,
    "CAD": 2,
    "CHF": 2,
    "CLP": 0,
    "CNY": 2,
    "COP": 2,
    "CZK": 2,
    "DKK": 2,
    "EGP": 2,
    "EUR": 2,
    "GBP": 2,
    "HKD": 2,
    "HUF": 2,
    "IDR": 2,
    "ILS": 2,
    "INR": 2,
    "IQD": 3,
    "ISK": 0,
    "JOD": 3,
    "JPY": 0,
    "KES": 2,
    "KRW": 0,
    "KWD": 3,
    "LYD": 3,
    "MAD": 2,
    "MXN": 2,
    "MYR": 2,
    "NGN": 2,
    "NOK": 2,
    "NZD": 2,
    "OMR": 3,
    "PHP": 2,
    "PKR": 2,
    "PLN": 2,
    "QAR": 2,
    "RUB": 2,
    "SAR": 2,
    "SEK": 2,
    "SGD": 2,
    "THB": 2,
    "TND": 3,
    "TRY": 2,
    "UAH": 2,
    "UGX": 0,
    "USD": 2,
    "VND": 0,
    "XAF": 0,
    "XOF": 0,
    "ZAR": 2,
}

#: Fixed scale of money in the database: amounts are stored as integers of 10^-4 units.
STORAGE_SCALE = 4
#: Percentages carry at most two decimals (DOMAIN.md rule 3).
PERCENT_PLACES = 2
#: Amounts (and rates) of this or more in absolute value are refused wherever they are read
#: (:func:`parse_decimal`): they are typing errors, and the columns are 64-bit.
MAX_AMOUNT = Decimal(10) ** 12

_SPACES = re.compile(r"[\s\u00a0\u202f']")


class MoneyError(ValueError):
    """A text or number that is not an acceptable amount."""


def is_currency(code: str | None) -> bool:
    return bool(code) and code in MINOR_UNITS


def minor_units(currency: str) -> int:
    """Number of decimals of ``currency`` (USD 2, JPY 0, KWD 3). KeyError when unknown."""
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise MoneyError(Message("unknown currency %(currency)r", currency=currency)) from None


def quantum(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round ROUND_HALF_UP to the currency's minor unit (DOMAIN.md rule 2)."""
    return amount.quantize(quantum(minor_units(currency)), rounding=ROUND_HALF_UP)


_PLAIN = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]+,[0-9]+")
_GROUPED_COMMAS = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")
_GROUPED_DOTS = re.compile(r"[+-]?[0-9]{1,3}(\.[0-9]{3})+(,[0-9]+)?")
#: DOMAIN.md rule 9: "1,250" is a thousand in English and 1.25 in French, "1.250" the other
#: way round: a single separator, either one, after one to three digits and before exactly
#: three is refused rather than guessed.
_AMBIGUOUS = re.compile(r"([+-]?)([1-9][0-9]{0,2})[.,]([0-9]{3})")


def _ambiguity(value: str, text: str) -> MoneyError | None:
    """The refusal of ``text`` when it could be a thousand or a fraction (rule 9), naming
    both readings and how to write each so that it is read one way only."""
    match = _AMBIGUOUS.fullmatch(text)
    if match is None:
        return None
    sign, whole, fraction = match.groups()
    return MoneyError(Message(
        "%(value)r is ambiguous (a thousands separator or a decimal point?): write %(whole)s "
        "for the whole number or %(decimal)s for the decimal", value=value.strip(),
        whole=f"{sign}{whole}{fraction}", decimal=f"{sign}{whole}.{fraction}0"))


def _parse_text(value: str, decimal_point: bool = False) -> Decimal:
    """The written forms accepted: ``1234.50``, ``1234,50``, ``1,234.50``, ``1.234,50``,
    ``1 234,50``; ASCII digits only, no exponent. ``1,250`` and ``1.250`` alone are
    ambiguous and refused (rule 9), unless ``decimal_point`` says that a point can only be
    the decimal point (JSON strings, API.md)."""
    text = _SPACES.sub("", value.strip())
    if not text:
        raise MoneyError(Message("is required"))
    if decimal_point and _PLAIN.fullmatch(text):
        return Decimal(text)
    if problem := _ambiguity(value, text):
        raise problem
    if _PLAIN.fullmatch(text):
        normal = text
    elif _DECIMAL_COMMA.fullmatch(text):
        normal = text.replace(",", ".")
    elif _GROUPED_COMMAS.fullmatch(text):
        normal = text.replace(",", "")
    elif _GROUPED_DOTS.fullmatch(text):
        normal = text.replace(".", "").replace(",", ".")
    else:
        raise MoneyError(Message("%(value)r is not a number (write it like 1234.50 or 1 234,50)",
                                 value=value))
    return Decimal(normal)


def parse_decimal(
    value: object, *, places: int | None = None, decimal_point: bool = False
) -> Decimal:
    """Read a decimal from user input: ``"1234.50"``, ``"1 234,50"``, ``"1,234.50"``,
    ``"1.234,50"``, an int or a Decimal. Floats are refused (they are not exact). With
    ``places``, more decimals than that are refused rather than rounded away silently.

    Typed text that could be a thousand or a fraction (``"1,250"``, ``"1.250"``) is refused
    (DOMAIN.md rule 9). With ``decimal_point`` (the JSON API, whose strings hold decimals
    written with a point, API.md, as its own answers write ``"1.250"`` for 1.25 KWD), a text
    of digits with one point is that decimal; a comma is still never guessed.

    Raises :class:`MoneyError` with a sentence fit for a user.
    """
    if isinstance(value, bool):
        raise MoneyError(Message("must be a number written as a string"))
    if isinstance(value, float):
        raise MoneyError(Message("must be written as a decimal string, not a floating-point "
                                 "number"))
    if isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, Decimal):
        result = value
    elif isinstance(value, str):
        result = _parse_text(value, decimal_point)
    else:
        raise MoneyError(Message("must be a number written as a string"))
    if not result.is_finite():
        raise MoneyError(Message("must be a finite number"))
    if abs(result) >= MAX_AMOUNT:
        raise MoneyError(Message("is too large: it must be less than %(limit)s in absolute value",
                                 limit=f"{MAX_AMOUNT:,f}"))
    if places is not None:
        exponent = result.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            raise MoneyError(Message("has more than %(places)s decimal places", places=places))
    return result


def parse_money(value: object, currency: str) -> Decimal:
    """Parse an amount in ``currency``; more decimals than its minor units are refused."""
    places = minor_units(currency)
    return parse_decimal(value, places=places).quantize(quantum(places))


def parse_percent(value: object) -> Decimal:
    """Parse a percentage between 0 and 100 with at most two decimals."""
    result = parse_decimal(value, places=PERCENT_PLACES)
    if result < 0 or result > 100:
        raise MoneyError(Message("must be between 0 and 100"))
    return result.quantize(quantum(PERCENT_PLACES))


def format_money(amount: Decimal | None, currency: str | None = None) -> str:
    """``1234567.5`` in USD -> ``"1,234,567.50"``; with thousands separators, no float."""
    if amount is None:
        return ""
    if currency is not None:
        amount = round_money(amount, currency)
    return f"{amount:,}"


def to_json(amount: Decimal, currency: str | None = None) -> str:
    """Money for JSON: a string with the currency's minor units (API.md)."""
    if currency is not None:
        amount = round_money(amount, currency)
    return format(amount, "f")


def percent_to_json(percent: Decimal) -> str:
    """Percentages for JSON: ``Decimal("55.00")`` -> ``"55"``, ``"12.50"`` -> ``"12.5"``."""
    return format(percent.normalize(), "f")
