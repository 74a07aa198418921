"""Recording expenses (Art. 5): record one or many (all or none, with a bulk path for
imports), update and delete them, each validated first (:mod:`jointprojects.expenses.checks`)
and audited. Services flush, never commit.

Derived data kept in the same transaction as every change:

* ``expense_part``: each party's part of each expense (rules 4-6), with ``expense.unallocated``
  and ``expense.share_version_number``. Ceilings (rule 6) make a part depend on every earlier
  expense, so an arrangement with ceilings in any version is re-allocated from its first
  expense; only the rows whose figures change are written. When an amendment comes into
  force (the ``amendment_in_force`` signal of special arrangements), :func:`reallocate`
  (set-based: :mod:`jointprojects.expenses.reallocation`; as a job for a big arrangement:
  :mod:`jointprojects.expenses.tasks`, during which writes answer 409).
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
from datetime import date
from decimal import Decimal
from functools import cache
from itertools import chain
from typing import Any

from sqlalchemy import (
    BigInteger,
    bindparam,
    func,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from jointprojects.audit import services as audit
from jointprojects.auth.models import utcnow
from jointprojects.dates import month_of
from jointprojects.errors import Collector, Conflict, DomainError, Message, message_of
from jointprojects.exchange_rates.services import rate_to_json
from jointprojects.expenses import reallocation
from jointprojects.expenses.checks import (
    ExpenseData,
    _check,
    _check_all,
    _Checked,
    _ensure_in_force,
    ensure_not_reallocating,
    ensure_open,
)
from jointprojects.expenses.models import Expense, ExpensePart
from jointprojects.expenses.reallocation import (
    engine_versions as engine_versions,  # re-exported: statements and reports read them
)
from jointprojects.expenses.reallocation import (
    lock_arrangement as lock_arrangement,  # re-exported: budgets and statements lock with it
)
from jointprojects.expenses.services import _dialect
from jointprojects.extensions import db
from jointprojects.money import STORAGE_SCALE, minor_units, to_json
from jointprojects.special_arrangements import allocation
from jointprojects.special_arrangements.models import (
    SpecialArrangement,
)
from jointprojects.totals import add_totals, refresh_totals

CONFLICT_MESSAGE = (
    "Someone else changed or deleted this expense while you were editing it. "
    "Reload the page to see the current figures, then apply your change again."
)


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


def expense_row_snapshot(row: Any, paid_by: str, reporting: str,
                         parts: dict[str, Decimal]) -> dict[str, Any]:
    """:func:`expense_snapshot` of a row of the ``expense`` table read without the ORM
    (``row`` a mapping by column name), its payer's code, its arrangement's currency and its
    parts by organization code: the same dict, for the bulk paths (imports, the verifier)."""
    snapshot = {key: audit.jsonable(row[column]) for key, column in _expense_columns()}
    snapshot.update({
        "amount": to_json(row["amount"], row["currency"]),
        "exchange_rate": rate_to_json(row["exchange_rate"]),
        "reporting_amount": to_json(row["reporting_amount"], reporting),
        "unallocated": to_json(row["unallocated"], reporting),
        "paid_by": paid_by,
        "allocation": {code: to_json(amount, reporting) for code, amount in parts.items()},
    })
    return snapshot


@cache
def _expense_columns() -> tuple[tuple[str, str], ...]:
    """(attribute, column) of every mapped column of an expense (the mapping never changes)."""
    return tuple((attr.key, attr.columns[0].key) for attr in sa_inspect(Expense).column_attrs)


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
    ensure_not_reallocating(sa)
    _ensure_in_force(sa)
    if prefix is None:  # one expense: a closed period is a 409 naming the statement
        ensure_open(sa, [data.date for data in items])
    checked = _check_all(sa, items, prefix)
    lock_arrangement(sa)
    ensure_open(sa, [row.date for row in checked], prefix)
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
            share_version_number=0, created_by_id=user_id, adjusts_id=row.adjusts_id,
            reason=row.reason,
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
    ensure_not_reallocating(sa)
    _ensure_in_force(sa)
    checked = _check_all(sa, items, prefix)
    lock_arrangement(sa)
    ensure_open(sa, [row.date for row in checked], prefix)
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
            raise DomainError(Message("The expenses of %(reference)s cannot be allocated: "
                                      "%(problem)s.",
                                      reference=sa.reference, problem=message_of(exc))) \
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
        "adjusts_id": row.adjusts_id, "reason": row.reason,
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
        # The first row with RETURNING: its write takes SQLite's write lock, so no other
        # connection inserts until this transaction ends and the ids after it are free
        # (AUTOINCREMENT: never one below the largest used). The rest with those ids, in
        # one executemany: RETURNING in parameter order would insert one row per statement.
        first = int(db.session.execute(insert(table).returning(table.c.id),
                                       params[0]).scalar_one())
        ids = list(range(first, first + len(params)))
        for expense_id, values in zip(ids[1:], params[1:], strict=True):
            values["id"] = expense_id
        if len(params) > 1:
            db.session.execute(insert(table), params[1:])
    if allocated is None:
        _synchronize(sa, from_date=min(row.date for row in checked), expense_ids=ids,
                     months={month_of(row.date) for row in checked})
    else:
        org_ids = [parties[c] for c in codes]
        part_rows = [
            {"e": expense_id, "o": organization_id, "a": part * scale}
            for expense_id, (_, amounts, _) in zip(ids, allocated, strict=True)
            for organization_id, part in zip(org_ids, amounts, strict=True)
        ]
        _write_parts(part_rows, [], [])
        # New expenses that move no other's parts: their sums are added to the totals.
        add_totals(sa.id, chain(
            ((month_of(row.date), row.category, organization_id, part * scale, 0, 0, 0)
             for row, (_, amounts, _) in zip(checked, allocated, strict=True)
             for organization_id, part in zip(org_ids, amounts, strict=True)),
            ((month_of(row.date), row.category, row.paid_by.id, 0,
              int(row.reporting_amount.scaleb(STORAGE_SCALE)), unallocated * scale, 1)
             for row, (_, _, unallocated) in zip(checked, allocated, strict=True))))
    code_of = {p.organization_id: p.organization.code for p in sa.parties}
    reporting = sa.currency
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
            snapshot = expense_row_snapshot(r, code_of[r["paid_by_id"]], reporting, own)
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
    ensure_not_reallocating(sa)
    _ensure_in_force(sa)
    ensure_open(sa, [expense.date])
    ensure_open(sa, [data.date])
    errors = Collector()
    row = _check(sa, data, errors)
    errors.raise_if_any()
    if row is None:  # every problem was raised above
        raise DomainError("The expense is not valid.")
    if row.adjusts_id == expense.id:
        raise DomainError("An expense cannot adjust itself.", "adjusts")
    lock_arrangement(sa)
    ensure_open(sa, [expense.date])
    ensure_open(sa, [row.date])
    before = expense_snapshot(expense)
    old_date = expense.date
    expense.date, expense.category, expense.description = row.date, row.category, row.description
    expense.amount, expense.currency = row.amount, row.currency
    expense.exchange_rate, expense.rate_source = row.rate, row.rate_source
    expense.reporting_amount, expense.paid_by = row.reporting_amount, row.paid_by
    expense.document_reference = row.document_reference
    expense.adjusts_id, expense.reason = row.adjusts_id, row.reason
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
    ensure_not_reallocating(sa)
    ensure_open(sa, [expense.date])
    lock_arrangement(sa)
    ensure_open(sa, [expense.date])
    if expense.adjustments:
        raise Conflict(Message("Expense %(id)s is corrected by adjustment %(value)s: it cannot "
                               "be deleted while an adjustment names it.",
                               id=expense.id,
                               value=', '.join(str(a.id) for a in expense.adjustments)))
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


# --- allocation (rules 4-6) ---------------------------------------------------------------------

def reallocate(sa: SpecialArrangement, from_date: date | None = None, *,
               progress: reallocation.Progress | None = None, user: Any = None) -> int:
    """Re-derive the parts of ``sa``'s expenses dated ``from_date`` or later (all if None)
    from the versions in force, e.g. when an amendment comes into force. Under ceilings the
    running totals matter, so everything is re-allocated from the first expense. Only the
    rows whose figures change are written (set-based, the lock held only for the writes:
    :mod:`jointprojects.expenses.reallocation`); the monthly totals follow. Never changes
    an expense of a closed period (rule 11). Returns the number of expenses whose
    allocation changed."""
    return reallocation.reallocate_arrangement(sa, from_date, progress=progress, user=user)


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

    closed = sa.closed_through
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
            raise DomainError(Message("The expenses of %(reference)s cannot be allocated: "
                                      "%(problem)s.",
                                      reference=sa.reference, problem=message_of(exc))) \
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
                if closed is not None and row[1] <= closed:
                    continue  # a closed period never changes (rule 11)
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
            reallocation.expire_expenses(changed_ids)
            _audit_reallocation(sa, changed_ids - set(expense_ids or ()))
        changed = len(changed_ids)
    refresh_totals(sa.id, months)
    return changed


_WRITE_BATCH = 20_000


def _audit_reallocation(sa: SpecialArrangement, expense_ids: set[int]) -> None:
    """The expenses whose derived figures moved without an edit of their own (a ceiling
    reached or freed by another expense's change): their new figures in the re-allocation's
    audit rows (:func:`reallocation.write_audit`, the same rows as a re-allocation after an
    amendment), so that the replay of the log equals the live parts (DOMAIN.md rule 15).
    Each gets ``updated_at`` = now, the time the rows name."""
    if not expense_ids:
        return
    ids = sorted(expense_ids)
    now = utcnow()
    code_of = {p.organization_id: p.organization.code for p in sa.parties}
    codes = sorted(code_of.values())
    column = {code: 3 + i for i, code in enumerate(codes)}
    scale = 10 ** (STORAGE_SCALE - minor_units(sa.currency))
    table = Expense.__table__
    rows: list[list[int]] = []
    for lo in range(0, len(ids), 500):
        batch = ids[lo:lo + 500]
        db.session.execute(update(table).where(table.c.id.in_(batch)).values(updated_at=now))
        figures = {expense_id: [expense_id, number, unallocated // scale, *([0] * len(codes))]
                   for expense_id, number, unallocated in db.session.execute(
                       select(Expense.id, Expense.share_version_number,
                              type_coerce(Expense.unallocated, BigInteger))
                       .where(Expense.id.in_(batch)))}
        for expense_id, organization_id, amount in db.session.execute(
                select(ExpensePart.expense_id, ExpensePart.organization_id,
                       type_coerce(ExpensePart.amount, BigInteger))
                .where(ExpensePart.expense_id.in_(batch))):
            if organization_id in code_of:
                figures[expense_id][column[code_of[organization_id]]] = amount // scale
        rows.extend(figures[i] for i in batch)
    reallocation.expire_expenses(expense_ids)
    reallocation.write_audit(sa, rows, codes, now, reallocation.cause_of("ceiling"))


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
