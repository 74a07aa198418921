"""Exact money and percentages in the database (DOMAIN.md rule 1).

SQLite has no exact decimal type, so amounts are stored as integers of a fixed scale and
presented to Python as :class:`~decimal.Decimal`. ``SUM`` over such a column is an exact
integer sum on SQLite and PostgreSQL alike; :func:`from_storage` turns it back.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, Integer
from sqlalchemy.types import TypeDecorator


class _Scaled(TypeDecorator[Decimal]):
    impl: type[Integer] = BigInteger
    cache_ok = True
    places = 4

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("floats are not accepted for exact amounts")
        scaled = Decimal(value).scaleb(self.places)
        integral = scaled.to_integral_value(rounding=ROUND_HALF_UP)
        if integral != scaled:
            raise ValueError(f"{value} has more than {self.places} decimal places")
        return int(integral)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.places)


class Money(_Scaled):
    """An amount stored as an integer of 10^-4 units."""

    places = 4
    cache_ok = True  # SQLAlchemy asks each subclass, not only _Scaled


class Percent(_Scaled):
    """A percentage stored as an integer of hundredths (55.25 % -> 5525)."""

    impl = Integer
    places = 2
    cache_ok = True


class Rate(_Scaled):
    """An exchange rate stored as an integer of 10^-10 units."""

    places = 10
    cache_ok = True


def from_storage(value: int | None, places: int = Money.places) -> Decimal:
    """Turn an aggregate over a scaled column (``SUM`` of integers) into a Decimal."""
    return Decimal(int(value or 0)).scaleb(-places)
