"""Expenses of special arrangements (Art. 5: a special arrangement "shall determine the
expenses payable by each" Organization): recording, conversion, allocation, totals, rates,
budgets and the cost split with its settlement.

Money rules are those of ``DOMAIN.md``; the arithmetic is the pure engine's
(:mod:`jointprojects.special_arrangements.allocation`). Services take plain data, validate
everything first and raise one :class:`DomainError`; they flush, never commit.

Derived data kept in the same transaction as every change:

* ``expense_part``: each party's part of each expense (rules 4-6), with ``expense.unallocated``
  and ``expense.share_version_number``. Ceilings (rule 6) make a part depend on every earlier
  expense, so an arrangement with ceilings in any version is re-allocated from its first
  expense; only the rows whose figures change are written.
* ``expense_total`` (and through it the portfolio roll-ups): every write here ends with
  :func:`jointprojects.totals.refresh_totals` for the months it touched; that module says
  what the totals equal and keeps them.

Concurrency: every write to an arrangement's expenses first locks the arrangement's row
(``SELECT ... FOR NO KEY UPDATE`` on PostgreSQL; SQLite serializes writers anyway), so that
ceilings' running totals and the monthly sums are computed by one transaction at a time,
whichever process it runs in. Expenses carry a version column: a stale edit is a Conflict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from sqlalchemy import (
    BigInteger,
    Select,
    and_,
    bindparam,
    func,
    insert,
    lateral,
    or_,
    select,
    true,
    type_coerce,
    update,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from jointprojects import dates
from jointprojects.audit import services as audit
from jointprojects.audit.models import AuditEntry
from jointprojects.auth.models import utcnow
from jointprojects.dates import month_of
from jointprojects.dates import next_month as _next_month
from jointprojects.errors import Collector, Conflict, DomainError, NotFound
from jointprojects.expenses.models import (
    RATE_BASE_CURRENCY,
    Budget,
    ExchangeRate,
    Expense,
    ExpensePart,
    ExpenseTotal,
)
from jointprojects.extensions import db
from jointprojects.money import (
    MINOR_UNITS,
    STORAGE_SCALE,
    MoneyError,
    minor_units,
    parse_decimal,
    quantum,
    round_money,
    to_json,
)
from jointprojects.organizations.models import Organization
from jointprojects.special_arrangements import allocation
from jointprojects.special_arrangements.models import (
    Share,
    ShareVersion,
    SpecialArrangement,
)
from jointprojects.totals import month_expression, refresh_totals
from jointprojects.types import Rate, from_storage
from jointprojects.vocabulary import EXPENSE_CATEGORIES, phrase
from reports.data import BudgetLine, CostSplit, PartyFigures

CONFLICT_MESSAGE = (
    "Someone else changed or deleted this expense while you were editing it. "
    "Reload the page to see the current figures, then apply your change again."
)
#: Decimals of a stored exchange rate (the Rate column type).
RATE_PLACES = Rate.places
_RATE_QUANTUM = quantum(RATE_PLACES)
#: Amounts beyond this are refused: they are typing errors, and the columns are 64-bit.
MAX_AMOUNT = Decimal(10) ** 12


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


# --- reading ---------------------------------------------------------------------------------

def get_expense(expense_id: int, sa: SpecialArrangement | None = None) -> Expense:
    """The expense, or NotFound (also when it belongs to another arrangement than ``sa``)."""
    expense = db.session.get(Expense, expense_id)
    if expense is None or (sa is not None and expense.arrangement_id != sa.id):
        raise NotFound(f"Unknown expense {expense_id}.", "id")
    return expense


def expense_history(expense: Expense) -> list[AuditEntry]:
    """The audit rows of one expense, newest first."""
    return list(db.session.scalars(
        select(AuditEntry).filter_by(entity="expense", entity_id=expense.id)
        .order_by(AuditEntry.id.desc())))


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


# --- validation --------------------------------------------------------------------------------

def _check(sa: SpecialArrangement, data: ExpenseData, errors: Collector, prefix: str = "",
           rate_cache: dict[tuple[str, str], Decimal | None] | None = None) -> _Checked | None:
    """Validate one expense against ``sa`` (rules 1, 2, 5); every problem goes to ``errors``."""
    start = len(errors.errors)

    def name(field: str) -> str:
        return f"{prefix}{field}"

    day = data.date
    if day is None:
        errors.add(name("date"), "date is required.")
    elif sa.entry_into_force is None:
        pass  # reported once by the caller: the arrangement is not in force
    elif day < sa.entry_into_force:
        errors.add(name("date"), f"{day.isoformat()} is before {sa.reference} entered into force "
                                 f"on {sa.entry_into_force.isoformat()}.")
    elif sa.last_day is not None and day > sa.last_day:
        if sa.termination_effective_date and day >= sa.termination_effective_date:
            notice = sa.termination_notice_date
            errors.add(name("date"), f"{sa.reference} is terminated from "
                                     f"{sa.termination_effective_date.isoformat()} (notice given "
                                     f"on {notice.isoformat() if notice else '?'}): no expense "
                                     "can be dated on or after that day.")
        else:
            errors.add(name("date"), f"{day.isoformat()} is after the end of {sa.reference} on "
                                     f"{sa.end_date.isoformat() if sa.end_date else '?'}.")

    category = (data.category or "").strip()
    if not category:
        errors.add(name("category"), "category is required.")
    elif category not in EXPENSE_CATEGORIES:
        errors.add(name("category"), f"Unknown cost category {category!r}; use one of "
                                     f"{', '.join(EXPENSE_CATEGORIES)}.")

    currency = (data.currency or "").strip().upper()
    if not currency:
        errors.add(name("currency"), "currency is required.")
    elif currency not in MINOR_UNITS:
        errors.add(name("currency"), f"Unknown currency {currency!r}: give an ISO 4217 code "
                                     "such as USD, EUR or JPY.")

    amount: Decimal | None = None
    if data.amount is None or (isinstance(data.amount, str) and not data.amount.strip()):
        errors.add(name("amount"), "amount is required.")
    else:
        try:
            amount = parse_decimal(data.amount)
        except MoneyError as exc:
            errors.add(name("amount"), f"amount {exc}.")
    if amount is not None:
        if currency in MINOR_UNITS:
            places = minor_units(currency)
            if amount != amount.quantize(quantum(places), rounding=ROUND_HALF_UP):
                errors.add(name("amount"), f"An amount in {currency} has at most {places} "
                                           f"decimal{'s' if places != 1 else ''}: {amount} "
                                           "is not one.")
                amount = None
            else:
                amount = amount.quantize(quantum(places))
        if amount is not None and amount == 0:
            errors.add(name("amount"), "amount must not be zero (a refund is negative).")
            amount = None
        elif amount is not None and abs(amount) >= MAX_AMOUNT:
            errors.add(name("amount"), "amount is too large.")
            amount = None

    paid_code = (data.paid_by or "").strip()
    party = sa.party(paid_code) if paid_code else None
    if not paid_code:
        errors.add(name("paid_by"), "paid_by is required: the party that paid.")
    elif party is None:
        errors.add(name("paid_by"), f"{paid_code} is not a party to {sa.reference}; the payer "
                                    f"must be one of {', '.join(sa.party_codes)}.")

    description = (data.description or "").strip()
    if len(description) > 5000:
        errors.add(name("description"), "description must be at most 5000 characters.")
    document_reference = (data.document_reference or "").strip()
    if len(document_reference) > 120:
        errors.add(name("document_reference"),
                   "document_reference must be at most 120 characters.")

    rate: Decimal | None = None
    source = "given"
    raw_rate = data.exchange_rate
    given = raw_rate is not None and not (isinstance(raw_rate, str) and not raw_rate.strip())
    if given:
        try:
            rate = parse_decimal(raw_rate, places=RATE_PLACES)
        except MoneyError as exc:
            errors.add(name("exchange_rate"), f"exchange_rate {exc}.")
        else:
            if rate <= 0:
                errors.add(name("exchange_rate"), "exchange_rate must be a positive number.")
                rate = None
            elif rate >= MAX_AMOUNT:
                errors.add(name("exchange_rate"), "exchange_rate is too large.")
                rate = None
            elif currency == sa.currency and rate != 1:
                errors.add(name("exchange_rate"), f"An expense in {sa.currency}, the reporting "
                                                  "currency, has the rate 1.")
                rate = None
    if currency == sa.currency:
        rate, source = Decimal(1), "same"
    elif not given and day is not None and currency in MINOR_UNITS:
        month = month_of(day)
        rate, missing = cross_rate(currency, sa.currency, month, rate_cache)
        source = "table"
        if missing:
            errors.add(name("exchange_rate"), f"No exchange rate for {' and '.join(missing)} in "
                       f"{month}: give the rate with the expense or enter the month's rate "
                       "in the exchange rates table.")
        elif rate is not None and rate <= 0:
            errors.add(name("exchange_rate"), f"The table's rates for {month} give a rate of 0.")
            rate = None

    if len(errors.errors) > start or day is None or amount is None or rate is None \
            or party is None:
        return None
    reporting = allocation.convert(amount, rate, sa.currency)
    if abs(reporting) >= MAX_AMOUNT:
        errors.add(name("amount"), f"amount is too large once converted ({reporting} "
                                   f"{sa.currency}).")
        return None
    return _Checked(
        date=day, category=category, description=description, amount=amount,
        currency=currency, rate=rate, rate_source=source, reporting_amount=reporting,
        paid_by=party.organization, document_reference=document_reference,
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


def _ensure_in_force(sa: SpecialArrangement) -> None:
    if sa.status == "draft" or sa.entry_into_force is None:
        raise Conflict(f"{sa.reference} is not in force yet: expenses can be recorded once "
                       "every party has signed it.")


# --- writing expenses ------------------------------------------------------------------------

def expense_snapshot(expense: Expense) -> dict[str, Any]:
    """The expense for the audit trail, money with its currency's decimals."""
    reporting = expense.arrangement.currency
    return audit.snapshot(expense, extra={
        "amount": to_json(expense.amount, expense.currency),
        "exchange_rate": rate_to_json(expense.exchange_rate),
        "reporting_amount": to_json(expense.reporting_amount, reporting),
        "unallocated": to_json(expense.unallocated, reporting),
        "paid_by": expense.paid_by.code if expense.paid_by else None,
        "allocation": {p.organization.code: to_json(p.amount, reporting) for p in expense.parts},
    })


def rate_to_json(rate: Decimal) -> str:
    """A rate without trailing zeros: ``"0.92"``, ``"166.6666666667"``, ``"1"``."""
    text = format(rate.normalize(), "f")
    return text


def record_expense(sa: SpecialArrangement, data: ExpenseData, user: Any) -> Expense:
    """Record one expense (rules 1, 2, 5): validate, convert, allocate, update the totals.

    Raises DomainError (422) naming each bad field, Conflict (409) if the arrangement is not
    in force yet. Flushes; the caller commits.
    """
    return record_expenses(sa, [data], user, prefix=None)[0]


def record_expenses(sa: SpecialArrangement, items: Sequence[ExpenseData], user: Any,
                    prefix: str | None = "rows") -> list[Expense]:
    """Record several expenses at once (e.g. an import): all or none.

    Errors name the row as ``{prefix}[i].field`` (0-based ``i``), or the bare field when
    ``prefix`` is None. The expenses are allocated once, after all are added, in the order
    of rule 6 (date, then recording order: the order of ``items`` within a date).
    """
    _ensure_in_force(sa)
    checked = _check_all(sa, items, prefix)
    _lock(sa)
    if len(checked) > 1:
        ids = [r.id for r in _record_batch(sa, checked, user)]
        loaded: dict[int, Expense] = {}
        for lo in range(0, len(ids), _WRITE_BATCH):
            loaded.update((e.id, e) for e in db.session.scalars(
                select(Expense).where(Expense.id.in_(ids[lo:lo + _WRITE_BATCH]))
                .options(selectinload(Expense.parts).joinedload(ExpensePart.organization))))
        return [loaded[expense_id] for expense_id in ids]
    user_id = getattr(user, "id", None)
    expenses = []
    for row in checked:
        expense = Expense(
            arrangement_id=sa.id, date=row.date, category=row.category,
            description=row.description, amount=row.amount, currency=row.currency,
            exchange_rate=row.rate, rate_source=row.rate_source,
            reporting_amount=row.reporting_amount, paid_by=row.paid_by,
            document_reference=row.document_reference, unallocated=Decimal(0),
            share_version_number=0, created_by_id=user_id,
        )
        db.session.add(expense)
        expenses.append(expense)
    db.session.flush()
    _synchronize(sa, from_date=min(e.date for e in expenses) if expenses else None,
                 expense_ids=[e.id for e in expenses],
                 months={month_of(e.date) for e in expenses})
    for expense in expenses:
        audit.record("create", expense, parent=sa, after=expense_snapshot(expense), user=user)
    return expenses


@dataclass(frozen=True)
class RecordedExpense:
    """An expense as :func:`record_expense_batch` stored it (plain data, no ORM object):
    ``paid_by`` and the keys of ``parts`` are organization codes."""

    id: int
    date: date
    category: str
    description: str
    amount: Decimal
    currency: str
    exchange_rate: Decimal
    rate_source: str
    reporting_amount: Decimal
    paid_by: str
    document_reference: str
    unallocated: Decimal
    share_version_number: int
    parts: dict[str, Decimal]


def record_expense_batch(sa: SpecialArrangement, items: Sequence[ExpenseData], user: Any,
                         prefix: str | None = "rows") -> list[RecordedExpense]:
    """:func:`record_expenses` for big batches (imports): the same validation, stored rows,
    parts, totals and audit rows, all or none, but returning plain data instead of loading
    an ORM object per expense."""
    _ensure_in_force(sa)
    checked = _check_all(sa, items, prefix)
    _lock(sa)
    return _record_batch(sa, checked, user)


def _record_batch(sa: SpecialArrangement, checked: list[_Checked],
                  user: Any) -> list[RecordedExpense]:
    """The bulk path (validated rows, arrangement locked): the same stored results as
    recording the rows one by one, in a few statements. The expenses go in with one
    multi-row ``INSERT ... RETURNING``, their parts and figures are written by
    :func:`_synchronize` (executemany, the engine's integer core), the months' totals are
    refreshed once, and the audit rows written with one executemany."""
    if not checked:
        return []
    table = Expense.__table__
    user_id = getattr(user, "id", None)
    now = utcnow()
    versions = engine_versions(sa)
    ceilings = any(v.ceilings for v in versions)
    parties = {p.organization.code: p.organization_id for p in sa.parties}
    codes = sorted(parties)
    places = minor_units(sa.currency)
    scale = 10 ** (STORAGE_SCALE - places)
    allocated: list[tuple[int, list[int], int]] | None = None
    if not ceilings:
        # Without ceilings an expense's parts depend on it alone: allocated here (the
        # engine's integer core, by date as rule 6 orders them) and inserted with it.
        order = sorted(range(len(checked)), key=lambda i: checked[i].date)
        try:
            results = allocation.allocate_expenses_minor(
                ((checked[i].date, checked[i].category,
                  int(checked[i].reporting_amount.scaleb(places))) for i in order),
                versions, sa.currency, codes)
        except ValueError as exc:
            raise DomainError(f"The expenses of {sa.reference} cannot be allocated: {exc}.") \
                from None
        allocated = [results[0]] * len(checked)
        for i, result in zip(order, results, strict=True):
            allocated[i] = result
    params = [{
        "arrangement_id": sa.id, "date": row.date, "category": row.category,
        "description": row.description, "amount": row.amount, "currency": row.currency,
        "exchange_rate": row.rate, "rate_source": row.rate_source,
        "reporting_amount": row.reporting_amount, "paid_by_id": row.paid_by.id,
        "document_reference": row.document_reference,
        "unallocated": Decimal(0) if allocated is None else Decimal(allocated[i][2]).scaleb(
            -places),
        "share_version_number": 0 if allocated is None else allocated[i][0],
        "created_by_id": user_id, "created_at": now, "updated_at": now, "version": 1,
    } for i, row in enumerate(checked)]
    if _dialect() == "postgresql":
        # Ids drawn from the sequence first, then a plain executemany, which psycopg sends
        # in one pipeline: a multi-row INSERT ... RETURNING with thousands of placeholders
        # costs psycopg far more to parse than the rows cost to send.
        ids = sorted(db.session.scalars(
            select(func.nextval(func.pg_get_serial_sequence(table.name, "id")))
            .select_from(func.generate_series(1, len(params)))))
        for expense_id, values in zip(ids, params, strict=True):
            values["id"] = expense_id
        db.session.execute(insert(table), params)
    else:
        ids = list(db.session.scalars(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), params))
    months = {month_of(row.date) for row in checked}
    if allocated is None:
        _synchronize(sa, from_date=min(row.date for row in checked), expense_ids=ids,
                     months=months)
    else:
        org_ids = [parties[c] for c in codes]
        part_rows = [
            {"e": expense_id, "o": organization_id, "a": part * scale}
            for expense_id, (_, amounts, _) in zip(ids, allocated, strict=True)
            for organization_id, part in zip(org_ids, amounts, strict=True)
        ]
        _write_parts(part_rows, [], [])
        refresh_totals(sa.id, months)
    code_of = {p.organization_id: p.organization.code for p in sa.parties}
    reporting = sa.currency
    attributes = [(attr.key, attr.columns[0].key) for attr in sa_inspect(Expense).column_attrs]
    recorded: list[RecordedExpense] = []
    snapshots: list[tuple[str, int, dict[str, Any]]] = []
    for lo in range(0, len(ids), _WRITE_BATCH):
        batch = ids[lo:lo + _WRITE_BATCH]
        # Read by the span of the ids (no IN list); other expenses in it are skipped.
        span = (min(batch), max(batch))
        parts: dict[int, dict[str, Decimal]] = {i: {} for i in batch}
        for expense_id, organization_id, amount in db.session.execute(
            select(ExpensePart.expense_id, ExpensePart.organization_id, ExpensePart.amount)
            .where(ExpensePart.expense_id.between(*span))
            .order_by(ExpensePart.expense_id, ExpensePart.organization_id)
        ):
            if expense_id in parts:
                parts[expense_id][code_of[organization_id]] = amount
        rows = {r.id: r for r in db.session.execute(
            select(table).where(table.c.arrangement_id == sa.id, table.c.id.between(*span)))}
        for expense_id in batch:
            r = rows[expense_id]._mapping
            own = parts[expense_id]
            snapshot = {key: audit.jsonable(r[column]) for key, column in attributes}
            snapshot.update({
                "amount": to_json(r["amount"], r["currency"]),
                "exchange_rate": rate_to_json(r["exchange_rate"]),
                "reporting_amount": to_json(r["reporting_amount"], reporting),
                "unallocated": to_json(r["unallocated"], reporting),
                "paid_by": code_of[r["paid_by_id"]],
                "allocation": {code: to_json(amount, reporting) for code, amount in own.items()},
            })
            snapshots.append(("expense", expense_id, snapshot))
            recorded.append(RecordedExpense(
                id=expense_id, date=r["date"], category=r["category"],
                description=r["description"], amount=r["amount"], currency=r["currency"],
                exchange_rate=r["exchange_rate"], rate_source=r["rate_source"],
                reporting_amount=r["reporting_amount"], paid_by=code_of[r["paid_by_id"]],
                document_reference=r["document_reference"], unallocated=r["unallocated"],
                share_version_number=r["share_version_number"], parts=own,
            ))
    audit.record_many("create", snapshots, parent=sa, user=user)
    return recorded


def update_expense(expense: Expense, data: ExpenseData, expected_version: int | None,
                   user: Any) -> Expense:
    """Change an expense; its parts and the totals follow.

    ``expected_version`` is the version the user's form or request was based on: if someone
    else saved in between, Conflict (409) and nothing changes.
    """
    if expected_version is not None and expected_version != expense.version:
        raise Conflict(CONFLICT_MESSAGE, "version")
    sa = expense.arrangement
    _ensure_in_force(sa)
    errors = Collector()
    row = _check(sa, data, errors)
    errors.raise_if_any()
    if row is None:  # every problem was raised above
        raise DomainError("The expense is not valid.")
    _lock(sa)
    before = expense_snapshot(expense)
    old_date = expense.date
    expense.date, expense.category, expense.description = row.date, row.category, row.description
    expense.amount, expense.currency = row.amount, row.currency
    expense.exchange_rate, expense.rate_source = row.rate, row.rate_source
    expense.reporting_amount, expense.paid_by = row.reporting_amount, row.paid_by
    expense.document_reference = row.document_reference
    _flush_or_conflict()
    _synchronize(sa, from_date=min(old_date, row.date), expense_ids=[expense.id],
                 months={month_of(old_date), month_of(row.date)})
    audit.record("update", expense, parent=sa, before=before, after=expense_snapshot(expense),
                 user=user)
    return expense


def delete_expense(expense: Expense, expected_version: int | None, user: Any) -> None:
    """Delete an expense (audit row kept); later parts are re-allocated under ceilings."""
    if expected_version is not None and expected_version != expense.version:
        raise Conflict(CONFLICT_MESSAGE, "version")
    sa = expense.arrangement
    _lock(sa)
    before = expense_snapshot(expense)
    audit.record("delete", expense, parent=sa, before=before, after=None, user=user)
    day = expense.date
    db.session.delete(expense)
    _flush_or_conflict()
    _synchronize(sa, from_date=day, expense_ids=[], months={month_of(day)})


def _flush_or_conflict() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(CONFLICT_MESSAGE, "version") from None


def _lock(sa: SpecialArrangement) -> None:
    """Serialize the writers of one arrangement's expenses, across processes."""
    db.session.flush()
    db.session.execute(
        select(SpecialArrangement.id).where(SpecialArrangement.id == sa.id)
        .with_for_update(key_share=True)
    )


# --- allocation (rules 4-6) ---------------------------------------------------------------------

def reallocate(sa: SpecialArrangement, from_date: date | None = None) -> int:
    """Re-derive the parts of ``sa``'s expenses dated ``from_date`` or later (all if None)
    from the versions in force, e.g. when an amendment comes into force. Under ceilings the
    running totals matter, so everything is re-allocated from the first expense. Only the
    rows whose figures change are written; the monthly totals follow. Returns the number of
    expenses whose allocation changed."""
    _lock(sa)
    return _synchronize(sa, from_date=from_date, expense_ids=None, months=set())


def engine_versions(sa: SpecialArrangement) -> list[allocation.ShareVersion]:
    """The versions in force, read afresh from the database (another process may have
    brought an amendment into force since ``sa`` was loaded)."""
    versions = db.session.scalars(
        select(ShareVersion)
        .where(ShareVersion.arrangement_id == sa.id, ShareVersion.status == "in_force")
        .options(selectinload(ShareVersion.shares).joinedload(Share.organization),
                 selectinload(ShareVersion.ceilings))
        .execution_options(populate_existing=True)
        .order_by(ShareVersion.number)
    ).all()
    result = []
    for v in versions:
        default: dict[str, Decimal] = {}
        categories: dict[str, dict[str, Decimal]] = {}
        for s in v.shares:
            target = default if s.category is None else categories.setdefault(s.category, {})
            target[s.organization.code] = s.percent
        result.append(allocation.ShareVersion(
            number=v.number, effective_date=v.effective_date, default=default,
            categories=categories,
            ceilings={c.organization.code: c.amount for c in v.ceilings},
        ))
    return result


def _synchronize(sa: SpecialArrangement, *, from_date: date | None,
                 expense_ids: list[int] | None, months: set[str]) -> int:
    """Allocate and write parts, then refresh the totals of ``months`` and of every month
    whose figures changed. ``expense_ids`` limits the work to those expenses when no
    ceiling applies (None: every expense from ``from_date``)."""
    versions = engine_versions(sa)
    ceilings = any(v.ceilings for v in versions)
    parties = {p.organization.code: p.organization_id for p in sa.parties}
    codes = sorted(parties)
    places = minor_units(sa.currency)
    scale = 10 ** (STORAGE_SCALE - places)

    condition = [Expense.arrangement_id == sa.id]
    if not ceilings:
        if expense_ids:
            # The span of the ids rather than an IN list (PostgreSQL caps a statement's
            # parameters, and long lists are slow to parse): without ceilings an expense's
            # parts depend on it alone, so the others of the span are re-derived unchanged.
            condition.append(Expense.id.between(min(expense_ids), max(expense_ids)))
        elif from_date is not None:
            condition.append(Expense.date >= from_date)
    changed = 0
    if ceilings or expense_ids is None or expense_ids:
        rows = db.session.execute(
            select(Expense.id, Expense.date, Expense.category,
                   type_coerce(Expense.reporting_amount, BigInteger),
                   type_coerce(Expense.unallocated, BigInteger), Expense.share_version_number)
            .where(*condition).order_by(Expense.date, Expense.id)
        ).all()
        try:
            results = allocation.allocate_expenses_minor(
                ((r[1], r[2], r[3] // scale) for r in rows), versions, sa.currency, codes)
        except ValueError as exc:
            raise DomainError(f"The expenses of {sa.reference} cannot be allocated: {exc}.") \
                from None
        org_ids = [parties[c] for c in codes]
        part_updates: list[dict[str, int]] = []
        part_inserts: list[dict[str, int]] = []
        expense_updates: list[dict[str, int]] = []
        changed_ids: set[int] = set()
        # In batches of dates, so that a big arrangement's parts are never all in memory.
        for lo in range(0, len(rows), _WRITE_BATCH):
            batch = rows[lo:lo + _WRITE_BATCH]
            existing: dict[int, dict[int, int]] = {}
            for expense_id, organization_id, amount in db.session.execute(
                select(ExpensePart.expense_id, ExpensePart.organization_id,
                       type_coerce(ExpensePart.amount, BigInteger))
                .join(Expense, Expense.id == ExpensePart.expense_id)
                .where(*condition, Expense.date >= batch[0][1], Expense.date <= batch[-1][1])
            ):
                existing.setdefault(expense_id, {})[organization_id] = amount
            for row, (number, parts, unallocated) in zip(
                    batch, results[lo:lo + _WRITE_BATCH], strict=True):
                expense_id = row[0]
                old = existing.get(expense_id, {})
                touched = False
                for organization_id, part in zip(org_ids, parts, strict=True):
                    raw = part * scale
                    previous = old.get(organization_id)
                    if previous is None:
                        part_inserts.append({"e": expense_id, "o": organization_id, "a": raw})
                        touched = True
                    elif previous != raw:
                        part_updates.append({"e": expense_id, "o": organization_id, "a": raw})
                        touched = True
                if unallocated * scale != row[4] or number != row[5]:
                    expense_updates.append({"e": expense_id, "u": unallocated * scale,
                                            "v": number})
                    touched = True
                if touched:
                    changed_ids.add(expense_id)
                    months.add(month_of(row[1]))
            _write_parts(part_inserts, part_updates, expense_updates)
        _write_parts(part_inserts, part_updates, expense_updates)
        if changed_ids:
            _expire(changed_ids)
        changed = len(changed_ids)
    refresh_totals(sa.id, months)
    return changed


_WRITE_BATCH = 20_000


def _write_parts(part_inserts: list[dict[str, int]], part_updates: list[dict[str, int]],
                 expense_updates: list[dict[str, int]]) -> None:
    """Write (executemany) and empty the pending changes of a reallocation."""
    parts_table, expense_table = ExpensePart.__table__, Expense.__table__
    if part_inserts:
        db.session.execute(
            insert(parts_table).values(
                expense_id=bindparam("e"), organization_id=bindparam("o"),
                amount=bindparam("a", type_=BigInteger)),
            part_inserts)
    if part_updates:
        db.session.execute(
            update(parts_table)
            .where(parts_table.c.expense_id == bindparam("e"),
                   parts_table.c.organization_id == bindparam("o"))
            .values(amount=bindparam("a", type_=BigInteger)),
            part_updates)
    if expense_updates:
        # Derived figures, not a user's edit: the version column does not move.
        db.session.execute(
            update(expense_table).where(expense_table.c.id == bindparam("e"))
            .values(unallocated=bindparam("u", type_=BigInteger),
                    share_version_number=bindparam("v")),
            expense_updates)
    part_inserts.clear()
    part_updates.clear()
    expense_updates.clear()


def _expire(expense_ids: set[int]) -> None:
    """Objects already in the session must not show the figures just replaced."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Expense) and obj.id in expense_ids:
            db.session.expire(obj, ["unallocated", "share_version_number", "parts"])
        elif isinstance(obj, ExpensePart) and obj.expense_id in expense_ids:
            db.session.expire(obj, ["amount"])


# --- months in SQL (the monthly totals themselves: jointprojects.totals) -----------------------

def _dialect() -> str:
    return db.session.get_bind().dialect.name




# --- figures: cost split and settlement (rule 7) --------------------------------------------------

@dataclass
class _Sums:
    share: dict[int, int]
    paid: dict[int, int]
    unallocated: int = 0
    count: int = 0


def _full_month_span(date_from: date | None, date_to: date | None
                     ) -> tuple[date | None, date | None] | None:
    """The whole months inside [date_from, date_to] as [start, end) or None if none."""
    start = date_from if date_from is None or date_from.day == 1 else _next_month(date_from)
    if date_to is None:
        end = None
    else:
        after = date_to + timedelta(days=1)
        end = after if after.day == 1 else date(date_to.year, date_to.month, 1)
    if start is not None and end is not None and start >= end:
        return None
    return start, end


def _sums(sa: SpecialArrangement, date_from: date | None = None, date_to: date | None = None,
          category: str | None = None, paid_by_id: int | None = None) -> _Sums:
    """Exact integer sums (storage scale) over the expenses of ``sa`` in the period.

    Whole months come from ``expense_total`` (kept equal to the expenses in the same
    transaction); the days of partial months at either end, or every day when filtering by
    payer, from ``expense`` and ``expense_part`` directly.
    """
    sums = _Sums(share={}, paid={})
    ranges: list[tuple[date | None, date | None]] = []  # [start, end) over the base tables
    span = None if paid_by_id is not None else _full_month_span(date_from, date_to)
    if span is None:
        ranges.append((date_from, None if date_to is None else date_to + timedelta(days=1)))
    else:
        start, end = span
        if date_from is not None and start is not None and date_from < start:
            ranges.append((date_from, start))
        if date_to is not None and end is not None and end <= date_to:
            ranges.append((end, date_to + timedelta(days=1)))
        total = ExpenseTotal
        condition = [total.arrangement_id == sa.id]
        if start is not None:
            condition.append(total.month >= month_of(start))
        if end is not None:
            condition.append(total.month < month_of(end))
        if category:
            condition.append(total.category == category)
        for org, share, paid, unallocated, count in db.session.execute(
            select(total.organization_id,
                   func.sum(type_coerce(total.share_amount, BigInteger)),
                   func.sum(type_coerce(total.paid_amount, BigInteger)),
                   func.sum(type_coerce(total.unallocated, BigInteger)),
                   func.sum(total.expense_count))
            .where(*condition).group_by(total.organization_id)
        ):
            _add(sums, org, share, paid, unallocated, count)
    for start, end in ranges:
        condition = [Expense.arrangement_id == sa.id]
        if start is not None:
            condition.append(Expense.date >= start)
        if end is not None:
            condition.append(Expense.date < end)
        if category:
            condition.append(Expense.category == category)
        if paid_by_id is not None:
            condition.append(Expense.paid_by_id == paid_by_id)
        short = start is not None and end is not None and (end - start).days <= 31
        for org, share in db.session.execute(_parts_sum(condition, short)):
            _add(sums, org, share, 0, 0, 0)
        for org, paid, unallocated, count in db.session.execute(
            select(Expense.paid_by_id, func.sum(type_coerce(Expense.reporting_amount, BigInteger)),
                   func.sum(type_coerce(Expense.unallocated, BigInteger)), func.count())
            .where(*condition).group_by(Expense.paid_by_id)
        ):
            _add(sums, org, 0, paid, unallocated, count)
    return sums


def _parts_sum(condition: list[Any], short: bool) -> Select[int, int]:
    """``(organization_id, SUM(part))`` over the expenses matching ``condition``.

    For a few weeks of expenses PostgreSQL would still hash-join the whole ``expense_part``
    table (its cost model prefers one sequential scan to thousands of index look-ups, ten
    times slower here on a million expenses); a LATERAL subquery behind ``OFFSET 0`` (which
    the planner does not flatten) makes it look the parts up by primary key instead. SQLite
    does that by itself.
    """
    if short and _dialect() == "postgresql":
        parts = lateral(
            select(ExpensePart.organization_id.label("organization_id"),
                   type_coerce(ExpensePart.amount, BigInteger).label("amount"))
            .where(ExpensePart.expense_id == Expense.id).offset(0)
        )
        return (select(parts.c.organization_id, func.sum(parts.c.amount))
                .select_from(Expense).join(parts, true()).where(*condition)
                .group_by(parts.c.organization_id))
    return (select(ExpensePart.organization_id,
                   func.sum(type_coerce(ExpensePart.amount, BigInteger)))
            .join(Expense, Expense.id == ExpensePart.expense_id).where(*condition)
            .group_by(ExpensePart.organization_id))


def _add(sums: _Sums, org: int, share: Any, paid: Any, unallocated: Any, count: Any) -> None:
    sums.share[org] = sums.share.get(org, 0) + int(share or 0)
    sums.paid[org] = sums.paid.get(org, 0) + int(paid or 0)
    sums.unallocated += int(unallocated or 0)
    sums.count += int(count or 0)


def _money(raw: int, currency: str) -> Decimal:
    return round_money(from_storage(raw), currency)


def cost_split(sa: SpecialArrangement, date_from: date | None = None,
               date_to: date | None = None, *, category: str | None = None,
               paid_by: str | None = None) -> CostSplit:
    """Per party its share, what it paid and its balance over the period, with the
    settlement transfers (rule 7). Exact: the figures are integer SQL sums of the stored
    parts, so they equal the sum of the expenses' parts to the cent."""
    if date_from and date_to and date_to < date_from:
        raise DomainError("The period ends before it starts.", "to")
    paid_by_id = None
    if paid_by:
        party = sa.party(paid_by)
        if party is None:
            raise DomainError(f"{paid_by} is not a party to {sa.reference}.", "paid_by")
        paid_by_id = party.organization_id
    sums = _sums(sa, date_from, date_to, category, paid_by_id)
    currency = sa.currency
    zero = Decimal(0)
    lines = []
    for p in sa.parties:
        share = _money(sums.share.get(p.organization_id, 0), currency)
        paid = _money(sums.paid.get(p.organization_id, 0), currency)
        lines.append(PartyFigures(p.organization.code, share, paid, paid - share))
    total = sum((line.paid for line in lines), zero)
    settlements = allocation.settle({line.organization: line.balance for line in lines})
    return CostSplit(
        currency=currency, date_from=date_from, date_to=date_to,
        total=round_money(total, currency), unallocated=_money(sums.unallocated, currency),
        expense_count=sums.count, organizations=tuple(lines), settlements=tuple(settlements),
    )


# --- listing ---------------------------------------------------------------------------------

@dataclass
class ExpenseFilter:
    date_from: date | None = None
    date_to: date | None = None
    category: str | None = None
    paid_by: str | None = None
    arrangement: str | None = None


def expense_query(sa: SpecialArrangement | None, filters: ExpenseFilter) -> Select[Any]:
    """Expenses in the order of rule 6 (date, then recording order)."""
    query = select(Expense).order_by(Expense.date, Expense.id)
    if sa is not None:
        query = query.where(Expense.arrangement_id == sa.id)
    elif filters.arrangement:
        query = query.join(SpecialArrangement, SpecialArrangement.id == Expense.arrangement_id) \
            .where(SpecialArrangement.reference == filters.arrangement)
    if filters.date_from:
        query = query.where(Expense.date >= filters.date_from)
    if filters.date_to:
        query = query.where(Expense.date <= filters.date_to)
    if filters.category:
        query = query.where(Expense.category == filters.category)
    if filters.paid_by:
        query = query.join(Organization, Organization.id == Expense.paid_by_id) \
            .where(Organization.code == filters.paid_by)
    return query.options(selectinload(Expense.paid_by))


def parts_of(expense_ids: Sequence[int]) -> dict[int, dict[str, Decimal]]:
    """Each expense's parts by organization code, in one query."""
    result: dict[int, dict[str, Decimal]] = {expense_id: {} for expense_id in expense_ids}
    if not expense_ids:
        return result
    for expense_id, code, amount in db.session.execute(
        select(ExpensePart.expense_id, Organization.code, ExpensePart.amount)
        .join(Organization, Organization.id == ExpensePart.organization_id)
        .where(ExpensePart.expense_id.in_(list(expense_ids)))
    ):
        result[expense_id][code] = amount
    return result


# --- exchange rates -----------------------------------------------------------------------------

def set_rate(currency: str | None, month: str | None, rate: Any, source: str | None,
             user: Any) -> ExchangeRate:
    """Enter or correct the month's rate of ``currency``: units per one US dollar (the UN
    operational rates of exchange). Expenses already recorded keep the rate they were
    converted with (it is stored on each expense)."""
    errors = Collector()
    code = (currency or "").strip().upper()
    if code not in MINOR_UNITS:
        errors.add("currency", f"Unknown currency {currency!r}: give an ISO 4217 code.")
    elif code == RATE_BASE_CURRENCY:
        errors.add("currency", "Rates are units per one US dollar: USD is always 1.")
    try:
        month = parse_month(month)
    except DomainError as exc:
        errors.errors.extend(exc.errors)
    value = None
    try:
        value = parse_decimal(rate, places=RATE_PLACES)
        if value <= 0:
            errors.add("rate", "rate must be a positive number.")
        elif value >= MAX_AMOUNT:
            errors.add("rate", "rate is too large.")
    except MoneyError as exc:
        errors.add("rate", f"rate {exc}.")
    source = (source or "").strip()
    if len(source) > 300:
        errors.add("source", "source must be at most 300 characters.")
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
            raise Conflict(f"The {code} rate for {month} was entered by someone else just now; "
                           "reload to see it.", "rate") from None
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


# --- budgets -----------------------------------------------------------------------------------

def set_budget(sa: SpecialArrangement, category: str | None, year: Any,
               organization: str | None, amount: Any, user: Any, note: str = "") -> Budget:
    """Plan ``amount`` (reporting currency) for a category and year, for the arrangement as
    a whole (``organization`` None) or for the party funding it. Replaces the line if it
    exists."""
    errors = Collector()
    if category not in EXPENSE_CATEGORIES:
        errors.add("category", f"Unknown cost category {category!r}.")
    try:
        year_value = int(str(year).strip())
        if not 1900 <= year_value <= 9999:
            raise ValueError
    except ValueError:
        errors.add("year", "year must be a year such as 2025.")
        year_value = 0
    party = None
    if organization:
        party = sa.party(organization)
        if party is None:
            errors.add("organization", f"{organization} is not a party to {sa.reference}.")
    value = None
    try:
        value = parse_decimal(amount, places=minor_units(sa.currency))
        if value < 0:
            errors.add("amount", "A budget cannot be negative.")
        elif value >= MAX_AMOUNT:
            errors.add("amount", "amount is too large.")
    except MoneyError as exc:
        errors.add("amount", f"amount {exc}.")
    errors.raise_if_any()
    _lock(sa)  # NULL organizations escape the unique constraint: serialize the writers
    organization_id = party.organization_id if party else None
    budget = db.session.scalar(select(Budget).where(
        Budget.arrangement_id == sa.id, Budget.category == category, Budget.year == year_value,
        Budget.organization_id.is_(None) if organization_id is None
        else Budget.organization_id == organization_id))
    if budget is None:
        budget = Budget(arrangement_id=sa.id, category=category, year=year_value,
                        organization_id=organization_id, amount=value, note=(note or "").strip())
        db.session.add(budget)
        try:
            db.session.flush()
        except IntegrityError:
            raise Conflict("This budget line was entered by someone else just now; reload.",
                           "amount") from None
        audit.record("create", budget, parent=sa, user=user)
    else:
        before = audit.snapshot(budget)
        budget.amount, budget.note = value, (note or "").strip()  # type: ignore[assignment]  # not None: raise_if_any() raised otherwise
        audit.record("update", budget, parent=sa, before=before, user=user)
    return budget


def delete_budget(sa: SpecialArrangement, budget_id: int, user: Any) -> None:
    budget = db.session.get(Budget, budget_id)
    if budget is None or budget.arrangement_id != sa.id:
        raise NotFound(f"Unknown budget line {budget_id}.", "id")
    audit.record("delete", budget, parent=sa, before=audit.snapshot(budget), after=None,
                 user=user)
    db.session.delete(budget)
    db.session.flush()


def _year_expression(column: Any) -> Any:
    return func.substr(column, 1, 4)


def budget_vs_actual(sa: SpecialArrangement) -> list[BudgetLine]:
    """Every budget line of ``sa`` with its actual, from the monthly totals."""
    budgets = db.session.scalars(
        select(Budget).where(Budget.arrangement_id == sa.id)
        .options(selectinload(Budget.organization))
        .order_by(Budget.year, Budget.category, Budget.organization_id.is_not(None),
                  Budget.organization_id)
    ).all()
    if not budgets:
        return []
    total = ExpenseTotal
    year = _year_expression(total.month)
    actual: dict[tuple[str, str, int], tuple[int, int]] = {}
    for category, y, org, share, paid in db.session.execute(
        select(total.category, year, total.organization_id,
               func.sum(type_coerce(total.share_amount, BigInteger)),
               func.sum(type_coerce(total.paid_amount, BigInteger)))
        .where(total.arrangement_id == sa.id)
        .group_by(total.category, year, total.organization_id)
    ):
        actual[(category, str(y), org)] = (int(share or 0), int(paid or 0))
    lines = []
    for b in budgets:
        key = str(b.year)
        if b.organization_id is None:
            raw = sum(paid for (c, y, _), (_, paid) in actual.items()
                      if c == b.category and y == key)
        else:
            raw = actual.get((b.category, key, b.organization_id), (0, 0))[0]
        lines.append(BudgetLine(
            id=b.id, category=b.category, year=b.year,
            organization=b.organization.code if b.organization else None,
            budget=round_money(b.amount, sa.currency), actual=_money(raw, sa.currency),
            note=b.note,
        ))
    return lines


def _category_budgets(sa: SpecialArrangement) -> dict[tuple[str, int], Decimal]:
    """Per (category, year): the arrangement-wide line, else the sum of the party lines."""
    whole: dict[tuple[str, int], Decimal] = {}
    parties: dict[tuple[str, int], Decimal] = {}
    for b in db.session.scalars(select(Budget).where(Budget.arrangement_id == sa.id)):
        target = whole if b.organization_id is None else parties
        target[(b.category, b.year)] = target.get((b.category, b.year), Decimal(0)) + b.amount
    return {**parties, **whole}


def budget_overruns(expense: Expense) -> list[str]:
    """Sentences for the budget lines this expense's category is past, counting the
    expenses of its year up to and including this one (date, then recording order)."""
    sa = expense.arrangement
    year = expense.date.year
    lines = db.session.scalars(select(Budget).where(
        Budget.arrangement_id == sa.id, Budget.category == expense.category, Budget.year == year)
        .options(selectinload(Budget.organization))).all()
    if not lines:
        return []
    up_to = [
        Expense.arrangement_id == sa.id, Expense.category == expense.category,
        Expense.date >= date(year, 1, 1),
        or_(Expense.date < expense.date, and_(Expense.date == expense.date,
                                              Expense.id <= expense.id)),
    ]
    messages = []
    label = phrase(expense.category)
    whole = [b for b in lines if b.organization_id is None]
    budget = whole[0].amount if whole else sum((b.amount for b in lines), Decimal(0))
    spent = from_storage(db.session.scalar(
        select(func.sum(type_coerce(Expense.reporting_amount, BigInteger))).where(*up_to)))
    if spent > budget:
        messages.append(
            f"Over budget: {label} for {year} stands at {_fmt(spent, sa.currency)} against "
            f"a budget of {_fmt(budget, sa.currency)} {sa.currency}.")
    for b in lines:
        if b.organization is None:
            continue
        part = from_storage(db.session.scalar(
            select(func.sum(type_coerce(ExpensePart.amount, BigInteger)))
            .join(Expense, Expense.id == ExpensePart.expense_id)
            .where(*up_to, ExpensePart.organization_id == b.organization_id)))
        if part > b.amount:
            messages.append(
                f"Over budget: {b.organization.code}'s part of {label} for {year} stands at "
                f"{_fmt(part, sa.currency)} against its budget of "
                f"{_fmt(b.amount, sa.currency)} {sa.currency}.")
    return messages


def over_budget_ids(sa: SpecialArrangement, expense_ids: Sequence[int]) -> set[int]:
    """Among ``expense_ids``, those after which their category's year is past its budget
    (arrangement-wide line, else the sum of the party lines)."""
    budgets = _category_budgets(sa)
    if not budgets or not expense_ids:
        return set()
    year = _year_expression(month_expression(Expense.date))
    running = (
        select(Expense.id.label("id"), Expense.category.label("category"), year.label("year"),
               func.sum(type_coerce(Expense.reporting_amount, BigInteger)).over(
                   partition_by=(Expense.category, year), order_by=(Expense.date, Expense.id)
               ).label("spent"))
        .where(Expense.arrangement_id == sa.id,
               Expense.category.in_({c for c, _ in budgets}))
        .subquery()
    )
    flagged = set()
    for expense_id, category, y, spent in db.session.execute(
        select(running.c.id, running.c.category, running.c.year, running.c.spent)
        .where(running.c.id.in_(list(expense_ids)))
    ):
        budget = budgets.get((category, int(y)))
        if budget is not None and from_storage(spent) > budget:
            flagged.add(expense_id)
    return flagged


def _fmt(amount: Decimal, currency: str) -> str:
    return f"{round_money(amount, currency):,}"
