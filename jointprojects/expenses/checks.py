"""An expense checked against its arrangement before anything is written (DOMAIN.md rules
1, 2 and 5): the date within the arrangement's life, a known category and currency, an
amount with its currency's decimals, a party as payer, and the rate, given or else the
month's cross rate from :mod:`jointprojects.exchange_rates`. Every problem is named with its
field; nothing is stored here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from jointprojects import bounds
from jointprojects.dates import month_of
from jointprojects.errors import Collector, Conflict, FieldError, Message, message_of
from jointprojects.exchange_rates.services import RATE_PLACES, cross_rate
from jointprojects.expenses import pending
from jointprojects.expenses.models import Expense
from jointprojects.expenses.pending import reallocation_in_progress
from jointprojects.extensions import db
from jointprojects.money import (
    MAX_AMOUNT,
    MINOR_UNITS,
    MoneyError,
    minor_units,
    parse_decimal,
    quantum,
)
from jointprojects.organizations.models import Organization
from jointprojects.special_arrangements import allocation
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.vocabulary import EXPENSE_CATEGORIES, EXPENSE_CATEGORY_LABELS, N_

#: The kind of the job that re-allocates an arrangement's expenses (expenses/tasks.py).


@dataclass
class ExpenseData:
    """An expense as typed by a user or sent by the API (plain data; text is parsed here).

    ``exchange_rate`` is units of ``currency`` per one unit of the arrangement's reporting
    currency (DOMAIN.md rule 2); None or blank means the rate of the date's month from the
    exchange rates table.
    """

    date: date | None = None
    category: str | None = None
    amount: Any = None
    currency: str | None = None
    paid_by: str | None = None
    description: str = ""
    exchange_rate: Any = None
    document_reference: str = ""
    #: The id of the expense this one corrects (an adjustment, DOMAIN.md rule 11).
    adjusts: int | None = None
    #: Why: required with ``adjusts``.
    reason: str = ""


@dataclass
class _Checked:
    date: date
    category: str
    description: str
    amount: Decimal
    currency: str
    rate: Decimal
    rate_source: str
    reporting_amount: Decimal
    paid_by: Organization
    document_reference: str
    adjusts_id: int | None = None
    reason: str = ""


def _check(sa: SpecialArrangement, data: ExpenseData, errors: Collector, prefix: str = "",
           rate_cache: dict[tuple[str, str], Decimal | None] | None = None) -> _Checked | None:
    """Validate one expense against ``sa`` (rules 1, 2, 5); every problem goes to ``errors``."""
    start = len(errors.errors)

    def name(field: str) -> str:
        return f"{prefix}{field}"

    day = data.date
    if day is None:
        errors.add(name("date"), "Enter the date.")
    elif problem := bounds.date_problem(day):
        errors.add(name("date"), Message("The date %(problem)s.", problem=problem))
    elif sa.entry_into_force is None:
        pass  # reported once by the caller: the arrangement is not in force
    elif day < sa.entry_into_force:
        errors.add(name("date"), Message("%(day)s is before %(reference)s entered into force "
                                         "on %(start)s.", day=day, reference=sa.reference,
                                         start=sa.entry_into_force))
    elif sa.last_day is not None and day > sa.last_day:
        if sa.termination_effective_date and day >= sa.termination_effective_date:
            notice = sa.termination_notice_date
            errors.add(name("date"), Message(
                "%(reference)s is terminated from %(effective)s (notice given on %(notice)s): no "
                "expense can be dated on or after that day.", reference=sa.reference,
                effective=sa.termination_effective_date, notice=notice or "?"))
        else:
            errors.add(name("date"), Message("%(day)s is after the end of %(reference)s on "
                                             "%(end)s.", day=day, reference=sa.reference,
                                             end=sa.end_date or "?"))
    elif closed := sa.closed_message(day):
        errors.add(name("date"), closed)

    category = (data.category or "").strip()
    if not category:
        errors.add(name("category"), "Choose a category.")
    elif category not in EXPENSE_CATEGORIES:
        errors.add(name("category"), Message(
            "Unknown category %(category)r; use one of %(codes)s (%(labels)s).",
            category=category, codes=", ".join(EXPENSE_CATEGORIES),
            labels=[Message(label) for label in EXPENSE_CATEGORY_LABELS.values()]))

    currency = (data.currency or "").strip().upper()
    if not currency:
        errors.add(name("currency"), "Choose a currency.")
    elif currency not in MINOR_UNITS:
        errors.add(name("currency"), Message("Unknown currency %(currency)r: give an ISO 4217 "
                                             "code such as USD, EUR or JPY.", currency=currency))

    amount: Decimal | None = None
    if data.amount is None or (isinstance(data.amount, str) and not data.amount.strip()):
        errors.add(name("amount"), "Enter the amount.")
    else:
        try:
            amount = parse_decimal(data.amount)
        except MoneyError as exc:
            errors.add(name("amount"), Message("The amount %(problem)s.", problem=message_of(exc)))
    if amount is not None:
        if currency in MINOR_UNITS:
            places = minor_units(currency)
            if amount != amount.quantize(quantum(places), rounding=ROUND_HALF_UP):
                errors.add(name("amount"), Message(
                    N_("An amount in %(currency)s has at most %(places)s decimal: %(amount)s is "
                       "not one.") if places == 1
                    else N_("An amount in %(currency)s has at most %(places)s decimals: %(amount)s "
                            "is not one."), currency=currency, places=places,
                    amount=amount))
                amount = None
            else:
                amount = amount.quantize(quantum(places))
        if amount is not None and amount == 0:
            errors.add(name("amount"), "The amount must not be zero (a refund is negative).")
            amount = None
        elif amount is not None and abs(amount) >= MAX_AMOUNT:
            errors.add(name("amount"), "The amount is too large.")
            amount = None

    paid_code = (data.paid_by or "").strip()
    party = sa.party(paid_code) if paid_code else None
    if not paid_code:
        errors.add(name("paid_by"), "Choose who paid (a party to the arrangement).")
    elif party is None:
        errors.add(name("paid_by"), Message("%(code)s is not a party to %(reference)s; the payer "
                                            "must be one of %(parties)s.", code=paid_code,
                                            reference=sa.reference,
                                            parties=", ".join(sa.party_codes)))

    description = (data.description or "").strip()
    if len(description) > 5000:
        errors.add(name("description"), "The description must be at most 5000 characters.")
    document_reference = (data.document_reference or "").strip()
    if len(document_reference) > 120:
        errors.add(name("document_reference"),
                   "The document reference must be at most 120 characters.")

    reason = (data.reason or "").strip()
    if len(reason) > 5000:
        errors.add(name("reason"), "reason must be at most 5000 characters.")
    adjusts_id: int | None = None
    if data.adjusts is not None:
        original = db.session.get(Expense, data.adjusts) \
            if isinstance(data.adjusts, int) and 0 < data.adjusts < 2**31 else None
        if original is None or original.arrangement_id != sa.id:
            errors.add(name("adjusts"), Message("adjusts names no expense of %(reference)s: give "
                                                "the id of the expense this adjustment corrects.",
                                                reference=sa.reference))
        else:
            adjusts_id = original.id
        if not reason:
            errors.add(name("reason"), "reason is required with an adjustment: say what it "
                                       "corrects and why.")

    rate: Decimal | None = None
    source = "given"
    raw_rate = data.exchange_rate
    given = raw_rate is not None and not (isinstance(raw_rate, str) and not raw_rate.strip())
    if given:
        try:
            rate = parse_decimal(raw_rate, places=RATE_PLACES)
        except MoneyError as exc:
            errors.add(name("exchange_rate"), Message("The exchange rate %(problem)s.",
                                                      problem=message_of(exc)))
        else:
            if rate <= 0:
                errors.add(name("exchange_rate"), "The exchange rate must be a positive number.")
                rate = None
            elif rate >= MAX_AMOUNT:
                errors.add(name("exchange_rate"), "The exchange rate is too large.")
                rate = None
            elif currency == sa.currency and rate != 1:
                errors.add(name("exchange_rate"), Message(
                    "An expense in %(currency)s, the reporting currency, has the rate 1.",
                    currency=sa.currency))
                rate = None
    if currency == sa.currency:
        rate, source = Decimal(1), "same"
    elif not given and day is not None and currency in MINOR_UNITS:
        month = month_of(day)
        rate, missing = cross_rate(currency, sa.currency, month, rate_cache)
        source = "table"
        if missing:
            errors.add(name("exchange_rate"), Message(
                "No exchange rate for %(currencies)s in %(month)s: give the rate with the expense "
                "or enter the month's rate in the exchange rates table.",
                currencies=" and ".join(missing), month=month))
        elif rate is not None and rate <= 0:
            errors.add(name("exchange_rate"), Message("The table's rates for %(month)s give a rate "
                                                      "of 0.", month=month))
            rate = None

    if len(errors.errors) > start or day is None or amount is None or rate is None \
            or party is None:
        return None
    reporting = allocation.convert(amount, rate, sa.currency)
    if abs(reporting) >= MAX_AMOUNT:
        errors.add(name("amount"), Message("The amount is too large once converted (%(amount)s "
                                           "%(currency)s).", amount=reporting,
                                           currency=sa.currency))
        return None
    return _Checked(
        date=day, category=category, description=description, amount=amount,
        currency=currency, rate=rate, rate_source=source, reporting_amount=reporting,
        paid_by=party.organization, document_reference=document_reference,
        adjusts_id=adjusts_id, reason=reason,
    )


def check_expense(sa: SpecialArrangement, data: ExpenseData) -> None:
    """Validate without writing: DomainError naming every bad field, else None."""
    errors = Collector()
    _check(sa, data, errors)
    errors.raise_if_any()


def _check_all(sa: SpecialArrangement, items: Sequence[ExpenseData],
               prefix: str | None) -> list[_Checked]:
    """Every item checked (one DomainError naming ``{prefix}[i].field`` for all of them)."""
    errors = Collector()
    cache: dict[tuple[str, str], Decimal | None] = {}
    checked = [
        _check(sa, data, errors, "" if prefix is None else f"{prefix}[{index}].", cache)
        for index, data in enumerate(items)
    ]
    errors.raise_if_any()
    return [c for c in checked if c is not None]


def check_expenses(sa: SpecialArrangement, items: Sequence[ExpenseData],
                   prefix: str | None = "rows") -> None:
    """Validate several expenses as :func:`record_expenses` would, storing nothing: one
    DomainError naming every bad ``{prefix}[i].field``, Conflict if ``sa`` is not in force."""
    _ensure_in_force(sa)
    _check_all(sa, items, prefix)


def ensure_open(sa: SpecialArrangement, days: Sequence[date | None],
                prefix: str | None = None) -> None:
    """Conflict (409) naming the statement when a day lies in a closed period (rule 11):
    ``date`` for one expense, ``{prefix}[i].date`` for the rows of a batch."""
    errors = [
        FieldError("date" if prefix is None else f"{prefix}[{index}].date", message)
        for index, day in enumerate(days)
        if day is not None and (message := sa.closed_message(day))
    ]
    if errors:
        raise Conflict(errors)


def ensure_not_reallocating(sa: SpecialArrangement) -> None:
    """Conflict (409) while a re-allocation job works through ``sa``'s expenses: a write
    answers at once rather than waiting for the arrangement's lock; reads go on. Also while
    a re-allocation is pending after its job failed, was cancelled or lost its worker
    (:mod:`jointprojects.expenses.pending`): the parts may not follow the shares in force
    until it is retried."""
    job_id = reallocation_in_progress(sa)
    if job_id is not None:
        raise Conflict(Message("Re-allocation in progress (job %(job)s): the expenses of "
                               "%(reference)s can be changed again once it has ended.",
                               job=job_id, reference=sa.reference))
    waiting = pending.state(sa)
    if waiting is not None:
        if waiting["job_id"]:
            raise Conflict(Message(
                "Re-allocation pending (job %(job)s): it did not complete, so the parts of "
                "%(reference)s's expenses may not follow the shares in force. Retry it from "
                "the arrangement's page (or `jointprojects reallocate %(reference)s`); the "
                "expenses can be changed again once it is done.",
                job=waiting["job_id"], reference=sa.reference))
        raise Conflict(Message(
            "Re-allocation pending: it did not complete, so the parts of %(reference)s's "
            "expenses may not follow the shares in force. Retry it from the arrangement's "
            "page (or `jointprojects reallocate %(reference)s`); the expenses can be changed "
            "again once it is done.", reference=sa.reference))


def _ensure_in_force(sa: SpecialArrangement) -> None:
    if sa.status == "draft" or sa.entry_into_force is None:
        raise Conflict(Message("%(reference)s is not in force yet: expenses can be recorded once "
                               "every party has signed it.", reference=sa.reference))

