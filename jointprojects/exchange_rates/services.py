"""Exchange rates (DOMAIN.md rule 2): the monthly table (units per one US dollar), cross
rates between any two currencies, a rate book that loads many months' rates in one query,
and the conversion of an amount with them. Expenses (``jointprojects.expenses.checks``)
and personnel costs (``jointprojects.personnel_exchanges.costs``) convert through here.

Services take plain data, validate everything first and raise one :class:`DomainError`;
they flush, never commit.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from jointprojects import dates
from jointprojects.audit import services as audit
from jointprojects.errors import Collector, Conflict, DomainError, Message, message_of
from jointprojects.exchange_rates.models import RATE_BASE_CURRENCY, ExchangeRate
from jointprojects.extensions import db
from jointprojects.money import MAX_AMOUNT, MINOR_UNITS, MoneyError, parse_decimal, quantum
from jointprojects.special_arrangements.allocation import convert
from jointprojects.types import Rate

#: Decimals of a stored exchange rate (the Rate column type).
RATE_PLACES = Rate.places
_RATE_QUANTUM = quantum(RATE_PLACES)


def parse_month(text: str | None, field: str = "month") -> str:
    """``"2025-03"`` checked (:func:`jointprojects.dates.parse_month`); DomainError otherwise."""
    try:
        return dates.parse_month(text)
    except ValueError as error:
        raise DomainError(str(error), field) from None


# --- conversion (DOMAIN.md rule 2) --------------------------------------------------------------

def table_rate(currency: str, month: str) -> Decimal | None:
    """The month's rate of ``currency`` from the table: units per one US dollar."""
    if currency == RATE_BASE_CURRENCY:
        return Decimal(1)
    return db.session.scalar(
        select(ExchangeRate.rate).filter_by(currency=currency, month=month)
    )


def cross_rate(currency: str, reporting_currency: str, month: str,
               cache: dict[tuple[str, str], Decimal | None] | None = None
               ) -> tuple[Decimal | None, list[str]]:
    """Units of ``currency`` per one unit of ``reporting_currency`` for ``month``.

    The table holds units per US dollar, so the rate is ``rate(currency) /
    rate(reporting_currency)`` (the dollar's rate is 1), rounded ROUND_HALF_UP to 10
    decimals, the precision rates are stored with. Returns ``(rate, [])`` or ``(None,
    [currencies without a rate])``.
    """
    cache = {} if cache is None else cache
    rates: list[Decimal] = []
    missing = []
    for code in (currency, reporting_currency):
        key = (code, month)
        if key not in cache:
            cache[key] = table_rate(code, month)
        found = cache[key]
        if found is None:
            missing.append(code)
        else:
            rates.append(found)
    if missing:
        return None, missing
    with localcontext() as ctx:
        ctx.prec = 60
        rate = (rates[0] / rates[1]).quantize(_RATE_QUANTUM, rounding=ROUND_HALF_UP)
    return rate, []



class RateBook:
    """Monthly operational rates (units of a currency per one US dollar) loaded in one query
    for the (currency, month) pairs needed. ``cache`` has the shape :func:`cross_rate`
    reads, so that converting with the book (:func:`convert_amount`) asks no more queries."""

    def __init__(self, needs: set[tuple[str, str]]) -> None:
        self.cache: dict[tuple[str, str], Decimal | None] = dict.fromkeys(needs)
        for currency, month in needs:
            if currency == RATE_BASE_CURRENCY:
                self.cache[(currency, month)] = Decimal(1)
        currencies = {c for c, _ in needs if c != RATE_BASE_CURRENCY}
        months = {m for _, m in needs}
        if currencies and months:
            rows = db.session.execute(
                select(ExchangeRate.currency, ExchangeRate.month, ExchangeRate.rate)
                .where(ExchangeRate.currency.in_(currencies), ExchangeRate.month.in_(months))
            )
            for currency, month, rate in rows:
                if (currency, month) in self.cache:
                    self.cache[(currency, month)] = rate

    def per_usd(self, currency: str, month: str) -> Decimal | None:
        if currency == RATE_BASE_CURRENCY:
            return Decimal(1)
        return self.cache.get((currency, month))


def convert_amount(amount: Decimal, currency: str, target: str, month: str,
                   rates: RateBook) -> Decimal | None:
    """``amount`` in ``currency`` expressed in ``target`` with the rates of ``month``, exactly
    as expenses are converted (DOMAIN.md rule 2): the cross rate ``rate(currency) /
    rate(target)`` of :func:`cross_rate` (units per one US dollar in the table, 10
    decimals), then the engine's
    :func:`~jointprojects.special_arrangements.allocation.convert` (``amount / rate``,
    ROUND_HALF_UP to ``target``'s minor unit). Same currency: the amount itself. None when a
    rate of the month is missing.
    """
    if currency == target:
        return amount
    rate, missing = cross_rate(currency, target, month, rates.cache)
    if rate is None or missing:
        return None
    return convert(amount, rate, target)


def rate_to_json(rate: Decimal) -> str:
    """A rate without trailing zeros: ``"0.92"``, ``"166.6666666667"``, ``"1"``."""
    text = format(rate.normalize(), "f")
    return text


# --- exchange rates -----------------------------------------------------------------------------

def set_rate(currency: str | None, month: str | None, rate: Any, source: str | None,
             user: Any) -> ExchangeRate:
    """Enter or correct the month's rate of ``currency``: units per one US dollar (the UN
    operational rates of exchange). Expenses already recorded keep the rate they were
    converted with (it is stored on each expense)."""
    errors = Collector()
    code = (currency or "").strip().upper()
    if code not in MINOR_UNITS:
        errors.add("currency", Message("Unknown currency %(currency)r: give an ISO 4217 code.",
                                       currency=currency))
    elif code == RATE_BASE_CURRENCY:
        errors.add("currency", "Rates are units per one US dollar: USD is always 1.")
    try:
        month = parse_month(month)
    except DomainError as exc:
        errors.errors.extend(exc.errors)
    value = None
    try:
        if rate is None or (isinstance(rate, str) and not rate.strip()):
            raise MoneyError("is required")
        value = parse_decimal(rate, places=RATE_PLACES)
        if value <= 0:
            errors.add("rate", "The rate must be a positive number.")
        elif value >= MAX_AMOUNT:
            errors.add("rate", "The rate is too large.")
    except MoneyError as exc:
        errors.add("rate", Message("The rate %(problem)s.", problem=message_of(exc)))
    source = (source or "").strip()
    if len(source) > 300:
        errors.add("source", "The source must be at most 300 characters.")
    errors.raise_if_any()
    existing = db.session.scalar(select(ExchangeRate).filter_by(currency=code, month=month))
    user_id = getattr(user, "id", None)
    if existing is None:
        existing = ExchangeRate(currency=code, month=month, rate=value, source=source,
                                entered_by_id=user_id)
        db.session.add(existing)
        try:
            db.session.flush()
        except IntegrityError:
            raise Conflict(Message("The %(code)s rate for %(month)s was entered by someone else "
                                   "just now; reload to see it.",
                                   code=code, month=month), "rate") from None
        audit.record("create", existing, user=user)
    else:
        before = audit.snapshot(existing)
        existing.rate, existing.source, existing.entered_by_id = value, source, user_id  # type: ignore[assignment]  # not None: raise_if_any() raised otherwise
        db.session.flush()
        audit.record("update", existing, before=before, user=user)
    return existing


def rate_query(currency: str | None = None, year: str | None = None) -> Select[Any]:
    query = select(ExchangeRate).options(selectinload(ExchangeRate.entered_by)) \
        .order_by(ExchangeRate.month.desc(), ExchangeRate.currency)
    if currency:
        query = query.where(ExchangeRate.currency == currency.upper())
    if year:
        query = query.where(ExchangeRate.month.like(f"{year}-%"))
    return query

