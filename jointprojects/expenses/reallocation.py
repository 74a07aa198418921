"""Re-allocation at scale (issue 15): the parts of a whole arrangement's expenses derived
again from the share versions in force (rules 4-6), e.g. after an amendment came into force,
in two steps so that the arrangement's lock is held only for the second:

1. :func:`plan` (no lock): read the expenses and their parts, allocate them with the engine
   (:func:`~jointprojects.special_arrangements.allocation.allocate_expenses_many_minor`,
   numpy, where no ceiling applies; the integer core in order under ceilings), compare, and
   keep only the expenses whose figures change, with their audit rows' canonical content;
2. :func:`swap` (under :func:`lock_arrangement`): check that nothing the plan read has moved
   (:class:`Fingerprint`: the expenses' count, ids and versions, the closed-through day, the
   versions in force; if it did, plan again, now under the lock), then write set-based: the
   changed parts and figures into temporary tables (COPY on PostgreSQL), one
   ``UPDATE ... FROM`` each (the parts only where they change), an ``INSERT`` for parts that
   were missing, the audit rows (:func:`write_audit`), the monthly totals moved by their
   differences (:func:`_move_totals`).

Rule 11 holds: an expense dated on or before ``closed_through`` is never written (under
ceilings it still counts for the running totals). The audit rows are a few batch rows, not
one per expense (:func:`write_audit`; ``recording._audit_reallocation`` writes the same for
the expenses a ceiling moves): action ``reallocate`` on the arrangement, ``after =
{"reallocation": {cause, batch, batches, count, first, last, places, parties, updated_at,
rows}}``, ``rows`` the ``[expense_id, share_version_number, unallocated, parts...]`` of each
changed expense in minor units, in id order: the parts' full after-state, which
``reports.evidence.replay`` merges into each expense (the replay of the log equals the live
parts). Every expense written gets ``updated_at`` = the time of the swap.

Services flush, never commit; the caller (a request, the command line, the job) commits.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from jointprojects.audit import services as audit
from jointprojects.auth.models import utcnow
from jointprojects.dates import month_of
from jointprojects.errors import DomainError, Message
from jointprojects.expenses import pending
from jointprojects.expenses.models import Expense, ExpensePart, ExpenseTotal
from jointprojects.expenses.services import _dialect
from jointprojects.extensions import db
from jointprojects.money import STORAGE_SCALE, minor_units
from jointprojects.special_arrangements import allocation
from jointprojects.special_arrangements.models import (
    Share,
    ShareVersion,
    SpecialArrangement,
)
from jointprojects.totals import refresh_totals
from jointprojects.vocabulary import EXPENSE_CATEGORIES
from reports.evidence import REALLOCATION, canonical

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

T = TypeVar("T")

#: ``progress(phase, done, total)``, e.g. a job's :class:`~jointprojects.jobs.services.
#: Reporter` or the command line's bar.
Progress = Callable[[str, int, int], None]

PHASE_READING = "reading the expenses"
PHASE_ALLOCATING = "re-allocating expenses"
PHASE_WRITING = "writing the re-allocated expenses"



def _silent(_phase: str, _done: int = 0, _total: int = 0) -> None:
    return None


# --- the lock and the versions (shared with recording) ---------------------------------------

def lock_arrangement(sa: SpecialArrangement) -> None:
    """Serialize the writers of one arrangement's expenses (and its statements), across
    processes. The closed-through day is read again under the lock: a statement issued by
    another connection while this one waited closes its period for this writer too."""
    db.session.flush()
    closed_through, closed_by = db.session.execute(
        select(SpecialArrangement.closed_through, SpecialArrangement.closed_by_statement)
        .where(SpecialArrangement.id == sa.id)
        .with_for_update(key_share=True)
    ).one()
    set_committed_value(sa, "closed_through", closed_through)
    set_committed_value(sa, "closed_by_statement", closed_by)


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
        default: dict[str, Any] = {}
        categories: dict[str, dict[str, Any]] = {}
        for s in v.shares:
            target = default if s.category is None else categories.setdefault(s.category, {})
            target[s.organization.code] = s.percent
        result.append(allocation.ShareVersion(
            number=v.number, effective_date=v.effective_date, default=default,
            categories=categories,
            ceilings={c.organization.code: c.amount for c in v.ceilings},
        ))
    return result


def expire_expenses(expense_ids: set[int] | None) -> None:
    """Objects already in the session must not show the figures just replaced (None: every
    expense and part in the session)."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Expense) and (expense_ids is None or obj.id in expense_ids):
            db.session.expire(obj, ["unallocated", "share_version_number", "updated_at", "parts"])
        elif isinstance(obj, ExpensePart) and (expense_ids is None
                                               or obj.expense_id in expense_ids):
            db.session.expire(obj, ["amount"])


# --- what the plan read: if any of it moved, the plan is made again --------------------------

@dataclass(frozen=True)
class Fingerprint:
    """What a plan depends on besides the parts: the expenses (count, the sum of their ids,
    which are never reused, and of their versions, raised by every edit; the last time one
    was written, which a re-allocation moves too), the closed-through day and the versions
    in force."""

    count: int
    id_sum: int
    version_sum: int
    last_written: datetime | None
    closed_through: date | None
    versions: tuple[int, ...]


def fingerprint(sa: SpecialArrangement) -> Fingerprint:
    count, id_sum, version_sum, last_written = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Expense.id), 0),
               func.coalesce(func.sum(Expense.version), 0), func.max(Expense.updated_at))
        .where(Expense.arrangement_id == sa.id)).one()
    closed = db.session.scalar(
        select(SpecialArrangement.closed_through).where(SpecialArrangement.id == sa.id))
    numbers = db.session.scalars(
        select(ShareVersion.number)
        .where(ShareVersion.arrangement_id == sa.id, ShareVersion.status == "in_force")
        .order_by(ShareVersion.number))
    return Fingerprint(int(count), int(id_sum), int(version_sum), last_written, closed,
                       tuple(numbers))


# --- step 1: the plan ------------------------------------------------------------------------

@dataclass
class Plan:
    """The expenses whose figures change, their new figures in storage units (10^-4), and
    what the plan was made from."""

    fingerprint: Fingerprint
    #: Expenses the plan allocated (under ceilings: all of the arrangement's).
    considered: int
    organization_ids: list[int]
    codes_by_organization: list[str]
    ids: npt.NDArray[np.int64]
    #: (changed, parties) new parts, columns in ``organization_ids`` order.
    parts: npt.NDArray[np.int64]
    #: Which of those parts are new rows (an expense without that party's part so far).
    missing: npt.NDArray[np.bool_]
    unallocated: npt.NDArray[np.int64]
    numbers: npt.NDArray[np.int64]
    months: set[str]
    #: What the changed expenses had before (parts as stored, 0 where missing), and where
    #: they count in ``expense_total``: their month, category and payer (the monthly
    #: totals move by the differences only, :func:`_move_totals`).
    old_parts: npt.NDArray[np.int64]
    old_unallocated: npt.NDArray[np.int64]
    month_of_row: list[str]
    category_of_row: list[str]
    paid_by: npt.NDArray[np.int64]

    @property
    def changed(self) -> int:
        return len(self.ids)


def expense_count(sa: SpecialArrangement, from_date: date | None = None) -> int:
    """How many expenses a re-allocation of ``sa`` from ``from_date`` works through (under
    ceilings every expense, since the running totals start at the first)."""
    versions = engine_versions(sa)
    condition = [Expense.arrangement_id == sa.id]
    if from_date is not None and not any(v.ceilings for v in versions):
        condition.append(Expense.date >= from_date)
    return int(db.session.scalar(select(func.count()).select_from(Expense).where(*condition))
               or 0)


def _raw_cursor() -> Any:
    """A DBAPI cursor on the session's connection (same transaction): the bulk reads and
    writes skip SQLAlchemy's per-row work."""
    return db.session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def _fetch(sql: str, params: Sequence[Any]) -> list[Any]:
    """All rows of ``sql`` (``?`` placeholders) through the DBAPI cursor."""
    postgresql = _dialect() == "postgresql"
    cursor = _raw_cursor()
    try:
        cursor.execute(sql.replace("?", "%s") if postgresql else sql, tuple(params))
        return list(cursor.fetchall())
    finally:
        cursor.close()


#: Ids per read of :func:`_read_integers`: each read is one text of a few tens of
#: megabytes, far below either database's limit on one value (1 GB).
_READ_SPAN = 200_000

#: The stored parts: expense, organization, amount.
_PARTS = (("expense_id", "organization_id", "amount"), "expense_part", "expense_id", "TRUE")


def _read_integers(cursor: Any, postgresql: bool, columns: Sequence[str], table: str,
                   id_column: str, where: str, params: Sequence[Any], low: int, high: int,
                   report: Callable[[int], None] | None = None) -> npt.NDArray[np.int64]:
    """The integer ``columns`` of ``table``'s rows that match ``where`` with ``id_column``
    from ``low`` to ``high``, as a ``(rows, columns)`` array. The database writes each span
    of :data:`_READ_SPAN` ids as one text of comma-separated integers and numpy parses it:
    no Python object per value, and on PostgreSQL the server does most of the work. The
    columns must not be NULL: a row whose text is missing would be dropped, so each span's
    count is checked against its text (a mismatch is a programming error, never a user's).
    ``report(rows so far)`` after each span."""
    import numpy as np

    width = len(columns)
    text = " || ',' || ".join(f"({c})" for c in columns)
    aggregate = "string_agg" if postgresql else "group_concat"
    sql = (f"SELECT count(*), {aggregate}({text}, ',') FROM {table} "  # noqa: S608 - our columns
           f"WHERE {where} AND {id_column} BETWEEN ? AND ?")
    if postgresql:
        sql = sql.replace("?", "%s")
    spans = []
    done = 0
    for lo in range(low, high + 1, _READ_SPAN):
        count, values = cursor.execute(sql, (*params, lo, min(high, lo + _READ_SPAN - 1))
                                       ).fetchone()
        span = np.fromstring(values or "", dtype=np.int64, sep=",")  # exact: integers
        if len(span) != width * int(count):
            raise RuntimeError(f"{table}: {count} rows read as {len(span)} integers")
        spans.append(span.reshape(-1, width))
        done += int(count)
        if report is not None:
            report(done)
    return np.concatenate(spans) if spans else np.zeros((0, width), dtype=np.int64)


def _read_parts(engine: Any, low: int, high: int) -> npt.NDArray[np.int64]:
    """The parts of the expenses ``low`` to ``high``, on a connection of their own
    (PostgreSQL)."""
    with engine.connect() as connection:
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            return _read_integers(cursor, True, *_PARTS, (), low, high)
        finally:
            cursor.close()
            connection.rollback()


def _nothing_written() -> bool:
    """Whether this PostgreSQL transaction has written nothing yet (no transaction id
    assigned): another connection then sees what this one sees."""
    return db.session.execute(select(func.pg_current_xact_id_if_assigned())).scalar() is None


def _in_thread(fn: Callable[..., T], *args: Any) -> Future[T]:
    """``fn(*args)`` in a thread of its own (it ends with ``fn``)."""
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(fn, *args)
    finally:
        pool.shutdown(wait=False)


def plan(sa: SpecialArrangement, from_date: date | None = None,
         progress: Progress | None = None) -> Plan:
    """Allocate ``sa``'s expenses dated ``from_date`` or later (all if None, and all under
    ceilings) and compare with their stored figures; writes nothing. Raises DomainError if
    the expenses cannot be allocated (a date without a version in force)."""
    import numpy as np  # lazily: numpy is needed by the bulk paths only

    report = progress or _silent
    seen = fingerprint(sa)
    versions = engine_versions(sa)
    ceilings = any(v.ceilings for v in versions)
    parties = sorted((p.organization.code, p.organization_id) for p in sa.parties)
    codes = [code for code, _ in parties]
    org_ids = [organization_id for _, organization_id in parties]
    places = minor_units(sa.currency)
    scale = 10 ** (STORAGE_SCALE - places)
    closed = seen.closed_through
    sqlite = _dialect() != "postgresql"

    def day_param(day: date) -> Any:
        return day.isoformat() if sqlite else day

    where = "e.arrangement_id = ?"
    params: list[Any] = [sa.id]
    if not ceilings:
        if from_date is not None:
            where += " AND e.date >= ?"
            params.append(day_param(from_date))
        if closed is not None:  # a closed period never changes (rule 11)
            where += " AND e.date > ?"
            params.append(day_param(closed))
    total, low, high = _fetch(
        f"SELECT count(*), min(e.id), max(e.id) FROM expense e WHERE {where}",  # noqa: S608
        params)[0]
    total = int(total)
    report(PHASE_READING, 0, total)
    # The stored parts, by the span of the expenses' ids (no join: they come in the order
    # of their primary key; those of other arrangements in the span are dropped below). On
    # PostgreSQL, while this transaction has written nothing, they are read on a
    # connection of their own while this one reads the expenses: the server works for both
    # at once. What was read is checked under the lock anyway (:class:`Fingerprint`).
    stored_parts: Future[npt.NDArray[np.int64]] | None = None
    if total and not sqlite and _nothing_written():
        stored_parts = _in_thread(_read_parts, db.engine, int(low), int(high))
    # Integers only (the day as its ordinal, the category as its index), so that numpy
    # takes the rows as they come.
    names = sorted(set(EXPENSE_CATEGORIES) | {c for v in versions for c in v.categories})
    category = "CASE e.category " + " ".join(
        f"WHEN '{name}' THEN {i}" for i, name in enumerate(names) if "'" not in name) + \
        " ELSE -1 END"
    ordinal = ("CAST(julianday(e.date) - 1721424.5 AS INTEGER)" if sqlite
               else "(e.date - DATE '0001-01-01' + 1)")
    cursor = _raw_cursor()
    try:
        table = _read_integers(
            cursor, not sqlite,
            ("e.id", ordinal, category, "e.reporting_amount", "e.unallocated",
             "e.share_version_number", "COALESCE(e.paid_by_id, 0)"),
            "expense e", "e.id", where, params, int(low or 0), int(high or -1),
            lambda done: report(PHASE_READING, done, total))
    finally:
        cursor.close()
    table = table[np.lexsort((table[:, 0], table[:, 1]))]  # by date, then id
    count = len(table)
    report(PHASE_READING, count, total)
    if count and int(table[:, 2].min()) < 0:
        raise DomainError(Message("The expenses of %(reference)s name a category not known "
                                  "here.", reference=sa.reference))
    ids = table[:, 0].copy()
    day_ordinal = table[:, 1].copy()
    amounts = table[:, 3] // scale
    old_unallocated = table[:, 4].copy()
    old_numbers = table[:, 5].copy()
    category_index = table[:, 2].copy()
    paid_by = table[:, 6].copy()
    categories = [names[i] for i in category_index.tolist()]
    del table
    as_date = {o: date.fromordinal(o) for o in set(day_ordinal.tolist())}
    report(PHASE_ALLOCATING, 0, count)
    try:
        if ceilings:
            days = [as_date[o] for o in day_ordinal.tolist()]
            results = allocation.allocate_expenses_minor(
                zip(days, categories, amounts.tolist(), strict=True), versions, sa.currency,
                codes)
            del days
            numbers = np.fromiter((r[0] for r in results), dtype=np.int64, count=count)
            unallocated_new = np.fromiter((r[2] for r in results), dtype=np.int64,
                                          count=count) * scale
            new_parts = np.array([r[1] for r in results], dtype=np.int64).reshape(
                count, len(codes)) * scale
            del results
        else:
            numbers, new_parts = allocation.allocate_expenses_many_minor(
                day_ordinal, categories, amounts, versions, sa.currency, codes)
            new_parts *= scale
            unallocated_new = np.zeros(count, dtype=np.int64)
    except ValueError as exc:
        raise DomainError(Message("The expenses of %(reference)s cannot be allocated: "
                                  "%(problem)s.", reference=sa.reference,
                                  problem=str(exc))) from None
    report(PHASE_ALLOCATING, count, count)

    # The stored parts, into a matrix of the same shape (``present`` marks the parts that
    # exist: an expense may lack a party's part so far).
    old_parts = np.zeros((count, len(codes)), dtype=np.int64)
    present = np.zeros((count, len(codes)), dtype=np.bool_)
    if count:
        if stored_parts is not None:
            stored = stored_parts.result()
        else:
            cursor = _raw_cursor()
            try:
                stored = _read_integers(cursor, not sqlite, *_PARTS, (), int(ids.min()),
                                        int(ids.max()))
            finally:
                cursor.close()
        column = np.full(max(org_ids) + 1, -1, dtype=np.int64)
        column[org_ids] = np.arange(len(org_ids))
        known = stored[:, 1] <= max(org_ids)
        stored = stored[known]
        columns = column[stored[:, 1]]
        stored, columns = stored[columns >= 0], columns[columns >= 0]
        order = np.argsort(ids, kind="stable")
        sorted_ids = ids[order]
        place = np.minimum(np.searchsorted(sorted_ids, stored[:, 0]), count - 1)
        ours = sorted_ids[place] == stored[:, 0]  # of these expenses (not closed, in range)
        stored, columns, place = stored[ours], columns[ours], place[ours]
        at = order[place]
        old_parts[at, columns] = stored[:, 2]
        present[at, columns] = True
        del stored, columns, at, order
    changed = ((old_parts != new_parts) | ~present).any(axis=1)
    changed |= old_unallocated != unallocated_new
    changed |= old_numbers != numbers
    if ceilings and closed is not None and count:
        changed &= day_ordinal > closed.toordinal()
    where_changed = np.flatnonzero(changed)
    # In id order: the writes and the audit rows' index then advance through their tables.
    where_changed = where_changed[np.argsort(ids[where_changed], kind="stable")]
    month_text = {o: month_of(as_date[o]) for o in set(day_ordinal[where_changed].tolist())}
    return Plan(
        fingerprint=seen, considered=count, organization_ids=org_ids,
        codes_by_organization=codes, ids=ids[where_changed], parts=new_parts[where_changed],
        missing=~present[where_changed], unallocated=unallocated_new[where_changed],
        numbers=numbers[where_changed], months=set(month_text.values()),
        old_parts=old_parts[where_changed], old_unallocated=old_unallocated[where_changed],
        month_of_row=[month_text[o] for o in day_ordinal[where_changed].tolist()],
        category_of_row=[names[i] for i in category_index[where_changed].tolist()],
        paid_by=paid_by[where_changed])


# --- step 2: the swap, under the lock --------------------------------------------------------

def reallocate_arrangement(sa: SpecialArrangement, from_date: date | None = None, *,
                           progress: Progress | None = None, user: Any = None,
                           cause: dict[str, Any] | None = None) -> int:
    """Re-derive the parts of ``sa``'s expenses dated ``from_date`` or later (all if None;
    all under ceilings) from the versions in force: planned without the lock, written under
    it (planned again under it if anything moved meanwhile). Returns the number of
    expenses whose figures changed. ``cause`` (:func:`cause_of`) is what the audit rows
    name (default: the command line). A pending re-allocation of ``sa`` that this one
    covers (:mod:`jointprojects.expenses.pending`) is settled in the same transaction.
    Flushes; the caller commits."""

    report = progress or _silent
    current = plan(sa, from_date, report)
    lock_arrangement(sa)
    if fingerprint(sa) != current.fingerprint:
        current = plan(sa, from_date, report)  # something moved: again, now under the lock
    if cause is None:
        cause = cause_of("command", max(current.fingerprint.versions, default=None))
    swap(sa, current, report, user, cause)
    pending.settle(sa, from_date)
    return current.changed


def swap(sa: SpecialArrangement, planned: Plan, progress: Progress | None = None,
         user: Any = None, cause: dict[str, Any] | None = None) -> None:
    """Write ``planned`` (the caller holds the arrangement's lock and has checked its
    fingerprint): parts, figures, audit rows, monthly totals. The audit rows' text is built
    in a thread meanwhile: the database writes the parts without holding Python's lock."""
    report = progress or _silent
    changed = planned.changed
    if not changed:
        return
    now = utcnow()
    report(PHASE_WRITING, 0, changed)
    with _sqlite_cache(), ThreadPoolExecutor(max_workers=1) as pool:

        def meanwhile() -> Future[AuditBatches]:
            return pool.submit(_plan_batches, planned, minor_units(sa.currency), now,
                               cause or cause_of("command"))

        write = _write_postgresql if _dialect() == "postgresql" else _write_sqlite
        batches = write(planned, now, meanwhile)
        report(PHASE_WRITING, changed // 2, changed)
        insert_audit(sa, batches.result(), user)
        expire_expenses(set(planned.ids.tolist()))
        _move_totals(sa, planned)
    report(PHASE_WRITING, changed, changed)


@contextmanager
def _sqlite_cache() -> Iterator[None]:
    """On SQLite, a page cache big enough for the whole swap (writes, audit rows, the totals'
    GROUP BY) while it runs: with the default 2 MB the transaction's dirty pages spill to the
    file and are read again, several times over."""
    if _dialect() == "postgresql":
        yield
        return
    cursor = _raw_cursor()
    cache = int(cursor.execute("PRAGMA cache_size").fetchone()[0])
    cursor.execute(f"PRAGMA cache_size = {_SQLITE_CACHE}")
    try:
        yield
    finally:
        cursor.execute(f"PRAGMA cache_size = {cache}")
        cursor.close()


def _move_totals(sa: SpecialArrangement, planned: Plan) -> None:
    """``expense_total`` moved by the differences the plan makes, set-based: each (month,
    category, party) whose share sum changes, and each (month, category, payer) whose
    unallocated sum does, updated by its difference (paid amounts and counts do not move in
    a re-allocation). The months where a row to move does not exist yet (a part that was
    missing) are refreshed from the expenses instead (:func:`refresh_totals`)."""
    import numpy as np

    changed = planned.changed
    if not changed:
        return
    months = sorted(planned.months)
    month_index = {m: i for i, m in enumerate(months)}
    names = sorted(set(planned.category_of_row))
    category_index = {c: i for i, c in enumerate(names)}
    width = len(planned.organization_ids)
    cell = (np.fromiter((month_index[m] for m in planned.month_of_row), dtype=np.int64,
                        count=changed) * len(names)
            + np.fromiter((category_index[c] for c in planned.category_of_row),
                          dtype=np.int64, count=changed))
    org_ids = np.asarray(planned.organization_ids, dtype=np.int64)
    moves: dict[tuple[int, int], list[int]] = {}  # (cell, organization) -> [share, unallocated]

    def gather(cells: npt.NDArray[np.int64], orgs: npt.NDArray[np.int64],
               deltas: npt.NDArray[np.int64], slot: int) -> None:
        keep = deltas != 0
        cells, orgs, deltas = cells[keep], orgs[keep], deltas[keep]
        if not len(deltas):
            return
        keys = cells * (int(max(org_ids.max(), orgs.max())) + 1) + orgs
        order = np.argsort(keys, kind="stable")
        keys, deltas, cells, orgs = keys[order], deltas[order], cells[order], orgs[order]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        sums = np.add.reduceat(deltas, starts)  # int64 throughout: exact
        for c, o, d in zip(cells[starts].tolist(), orgs[starts].tolist(), sums.tolist(),
                           strict=True):
            moves.setdefault((c, o), [0, 0])[slot] += d

    gather(np.repeat(cell, width), np.tile(org_ids, changed),
           (planned.parts - planned.old_parts).ravel(), 0)
    gather(cell, planned.paid_by, planned.unallocated - planned.old_unallocated, 1)
    if not moves:
        return
    existing = {(month_index[m] * len(names) + category_index[c], int(o)) for m, c, o in
                db.session.execute(select(ExpenseTotal.month, ExpenseTotal.category,
                                          ExpenseTotal.organization_id)
                                   .where(ExpenseTotal.arrangement_id == sa.id,
                                          ExpenseTotal.month.in_(months)))
                if c in category_index}
    redo = {months[c // len(names)] for c, _ in moves if (c, _) not in existing}
    if planned.missing.any():
        redo |= set(months)
    updates = [(share, unallocated, sa.id, months[c // len(names)], names[c % len(names)], o)
               for (c, o), (share, unallocated) in sorted(moves.items())
               if months[c // len(names)] not in redo and (share or unallocated)]
    if updates:
        cursor = _raw_cursor()
        try:
            if _dialect() == "postgresql":  # one statement: the rows' columns as arrays
                cursor.execute(
                    "UPDATE expense_total AS t SET share_amount = t.share_amount + m.share, "
                    "unallocated = t.unallocated + m.unallocated FROM unnest("
                    "%s::bigint[], %s::bigint[], %s::int[], %s::text[], %s::text[], "
                    "%s::int[]) AS m(share, unallocated, arrangement_id, month, category, "
                    "organization_id) WHERE t.arrangement_id = m.arrangement_id "
                    "AND t.month = m.month AND t.category = m.category "
                    "AND t.organization_id = m.organization_id",
                    [list(column) for column in zip(*updates, strict=True)])
            else:
                cursor.executemany(
                    "UPDATE expense_total SET share_amount = share_amount + ?, "
                    "unallocated = unallocated + ? WHERE arrangement_id = ? AND month = ? "
                    "AND category = ? AND organization_id = ?", updates)
        finally:
            cursor.close()
    if redo:
        refresh_totals(sa.id, redo)


def _missing_parts(planned: Plan) -> list[tuple[int, int, int]]:
    """``(expense, organization, amount)`` of the parts that are new rows (rare: an expense
    without a party's part so far)."""
    import numpy as np

    rows, columns = np.nonzero(planned.missing)
    return [(int(planned.ids[r]), planned.organization_ids[c], int(planned.parts[r, c]))
            for r, c in zip(rows.tolist(), columns.tolist(), strict=True)]


def _swap_statements(planned: Plan) -> tuple[str, str, str]:
    """The temporary table of the changed expenses (one row each: figures and parts) and
    the two ``UPDATE ... FROM`` that write them. The organization ids are integers of the
    arrangement's parties, never input."""
    columns = ", ".join(f"p{i} BIGINT NOT NULL" for i in range(len(planned.organization_ids)))
    # INTEGER PRIMARY KEY: on SQLite the rowid itself (no second index to fill).
    create = ("CREATE TEMP TABLE jp_realloc (e INTEGER PRIMARY KEY, u BIGINT NOT NULL, "
              f"v INTEGER NOT NULL, {columns})")
    cases = " ".join(f"WHEN {int(o)} THEN t.p{i}" for i, o in enumerate(planned.organization_ids))
    members = ", ".join(str(int(o)) for o in planned.organization_ids)
    parts = (f"UPDATE expense_part SET amount = CASE expense_part.organization_id {cases} END "  # noqa: S608 - party ids, integers
             "FROM jp_realloc AS t WHERE expense_part.expense_id = t.e "
             f"AND expense_part.organization_id IN ({members}) "
             f"AND expense_part.amount <> CASE expense_part.organization_id {cases} END")
    # Derived figures, not a user's edit: the version column does not move.
    figures = ("UPDATE expense SET unallocated = t.u, share_version_number = t.v, "
               "updated_at = ? FROM jp_realloc AS t WHERE expense.id = t.e")
    return create, parts, figures


def _swap_rows(planned: Plan) -> Any:
    columns = [planned.ids.tolist(), planned.unallocated.tolist(), planned.numbers.tolist()]
    columns += [planned.parts[:, i].tolist() for i in range(planned.parts.shape[1])]
    return zip(*columns, strict=True)


def _sqlite_datetime(value: datetime) -> str:
    """A datetime as SQLAlchemy's SQLite ``DateTime`` stores it."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


#: The page cache of the connection while it writes a re-allocation (KiB, negative as
#: SQLite takes it): the pages of the parts and expenses stay in memory until the commit.
_SQLITE_CACHE = -262_144


def _write_sqlite(planned: Plan, now: datetime,
                  meanwhile: Callable[[], Future[AuditBatches]]) -> Future[AuditBatches]:
    """The swap's writes on SQLite; ``meanwhile`` starts the audit rows' thread when the
    statements that run without Python's lock begin (the parts' UPDATE)."""
    create, parts, figures = _swap_statements(planned)
    width = 3 + len(planned.organization_ids)
    cursor = _raw_cursor()
    try:
        cursor.execute("DROP TABLE IF EXISTS temp.jp_realloc")
        cursor.execute(create)
        cursor.executemany(f"INSERT INTO jp_realloc VALUES ({', '.join('?' * width)})",  # noqa: S608 - placeholders only
                           _swap_rows(planned))
        batches = meanwhile()
        cursor.execute(parts)
        if planned.missing.any():
            cursor.executemany("INSERT INTO expense_part (expense_id, organization_id, "
                               "amount) VALUES (?, ?, ?)", _missing_parts(planned))
        cursor.execute(figures, (_sqlite_datetime(now),))
        cursor.execute("DROP TABLE temp.jp_realloc")
    finally:
        cursor.close()
    return batches


#: PostgreSQL's binary COPY: the signature, no flags, no header extension (the rows
#: follow, then the trailer).
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_COPY_TRAILER = b"\xff\xff"


def _binary_rows(columns: Sequence[tuple[str, npt.NDArray[np.int64]]]) -> bytes:
    """``columns`` (``"i4"`` or ``"i8"``, values) as the rows of a binary COPY: each row its
    field count, then each field's length and big-endian value, built by numpy at once (no
    Python object per value)."""
    import numpy as np

    layout = [("fields", ">i2")]
    for i, (kind, _values) in enumerate(columns):
        layout += [(f"length{i}", ">i4"), (f"value{i}", ">" + kind)]
    rows = np.empty(len(columns[0][1]), dtype=np.dtype(layout))
    rows["fields"] = len(columns)
    for i, (kind, values) in enumerate(columns):
        rows[f"length{i}"] = int(kind[1])
        rows[f"value{i}"] = values
    return _COPY_HEADER + rows.tobytes() + _COPY_TRAILER


def _write_postgresql(planned: Plan, now: datetime,
                      meanwhile: Callable[[], Future[AuditBatches]]) -> Future[AuditBatches]:
    """The swap's writes on PostgreSQL (``meanwhile`` as for :func:`_write_sqlite`)."""
    create, parts, figures = _swap_statements(planned)
    raw: Any = db.session.connection().connection.dbapi_connection
    cursor = _raw_cursor()
    try:
        # The joins with the temporary table hash it in memory (1,000,000 rows: about
        # 100 MB), not in batches spilled to disk; the connection's own setting after.
        work_mem = cursor.execute("SHOW work_mem").fetchone()[0]
        cursor.execute("SELECT set_config('work_mem', '256MB', true)")
        cursor.execute("DROP TABLE IF EXISTS pg_temp.jp_realloc")
        # No primary key: the joins hash the table; an index would only cost its build.
        cursor.execute(create.replace(" PRIMARY KEY", "") + " ON COMMIT DROP")
        data = _binary_rows([("i4", planned.ids), ("i8", planned.unallocated),
                             ("i4", planned.numbers)]
                            + [("i8", planned.parts[:, i])
                               for i in range(planned.parts.shape[1])])
        with raw.cursor() as copying, copying.copy(
                "COPY jp_realloc FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(data)
        del data
        cursor.execute("ANALYZE jp_realloc")
        batches = meanwhile()
        cursor.execute(parts)
        if planned.missing.any():
            cursor.executemany("INSERT INTO expense_part (expense_id, organization_id, "
                               "amount) VALUES (%s, %s, %s)", _missing_parts(planned))
        cursor.execute(figures.replace("?", "%s"), (now,))
        cursor.execute("DROP TABLE pg_temp.jp_realloc")
        cursor.execute("SELECT set_config('work_mem', %s, true)", (work_mem,))
    finally:
        cursor.close()
    return batches


# --- the audit rows --------------------------------------------------------------------------

#: Expenses listed per ``reallocate`` audit row: a re-allocation of 1,000,000 expenses
#: writes 10 rows, each a few megabytes of JSON.
AUDIT_BATCH = 100_000


def cause_of(kind: str, share_version: int | None = None) -> dict[str, Any]:
    """Why a re-allocation ran, as its audit rows name it: ``amendment`` (the share version
    that came into force; amendment n is version n + 1), ``ceiling`` (another expense's
    change moved the running totals), ``command`` (``jointprojects reallocate``), ``retry``
    (of a failed or cancelled re-allocation, from the arrangement's page)."""
    cause: dict[str, Any] = {"kind": kind}
    if share_version is not None:
        cause["share_version"] = int(share_version)
    return cause


@dataclass(frozen=True)
class AuditBatches:
    """The ``after`` of each ``reallocate`` audit row, serialized as stored, and a
    one-expense row of the same shape (:func:`insert_audit` checks its assembly against
    ``canonical`` on it)."""

    texts: list[str]
    sample: dict[str, Any]


def _dump(after: dict[str, Any]) -> str:
    return json.dumps(after, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def audit_batches(rows: Sequence[Sequence[int]] | npt.NDArray[np.int64],
                  codes: Sequence[str], places: int, updated_at: datetime,
                  cause: dict[str, Any]) -> AuditBatches:
    """The batch rows' ``after`` (:func:`write_audit` says what they hold); no database, no
    request: the swap builds them in a thread while the database writes the parts. ``rows``
    may be a numpy array: each batch becomes Python integers only while it is written."""
    stamp = audit.jsonable(updated_at)
    count = len(rows)
    starts = range(0, count, AUDIT_BATCH)

    def after_of(number: int, batch: list[list[int]]) -> dict[str, Any]:
        return {REALLOCATION: {
            "cause": cause, "batch": number, "batches": len(starts), "count": count,
            "first": batch[0][0], "last": batch[-1][0], "places": places,
            "parties": list(codes), "updated_at": stamp, "rows": batch,
        }}

    def batch(lo: int, hi: int) -> list[list[int]]:
        part = rows[lo:hi]
        return part.tolist() if hasattr(part, "tolist") else [list(r) for r in part]

    return AuditBatches([_dump(after_of(number, batch(lo, lo + AUDIT_BATCH)))
                         for number, lo in enumerate(starts, start=1)],
                        after_of(1, batch(0, 1)))


def write_audit(sa: SpecialArrangement, rows: list[list[int]], codes: Sequence[str],
                updated_at: datetime, cause: dict[str, Any], user: Any = None) -> None:
    """The after-state of re-allocated expenses in a few audit rows, chained as any other:
    action ``reallocate`` on the arrangement, ``after = {"reallocation": {...}}`` with the
    cause, this batch's number among ``batches``, how many expenses the re-allocation
    changed (``count``), the first and last expense id of the batch, the reporting
    currency's ``places``, the ``parties``' codes and ``rows``: ``[expense_id,
    share_version_number, unallocated, part of each party...]`` in minor units, in id order
    (``reports.evidence.reallocated`` reads them back; docs/EVIDENCE.md). ``rows`` must be
    sorted by expense id."""
    if rows:
        insert_audit(sa, audit_batches(rows, codes, minor_units(sa.currency), updated_at,
                                       cause), user)


def insert_audit(sa: SpecialArrangement, batches: AuditBatches, user: Any = None) -> None:
    """Chain and insert the rows of :func:`audit_batches`."""
    db.session.flush()  # rows added before these come first in the chain
    user_id = user.id if user is not None else audit.current_user_id()
    address, agent = audit.request_origin()
    at = utcnow()
    # Each row's canonical form is its fields' with ``after`` (megabytes of integers) put
    # in its place as the text stored: serialized once, never walked by ``canonical``. The
    # assembly is checked against ``canonical`` on a one-expense row first.
    token = f"@@{secrets.token_hex(16)}@@"
    fields = {"action": "reallocate", "address": address, "after": token, "at": at,
              "before": None, "entity": "special_arrangement", "entity_id": sa.id,
              "parent_entity": "special_arrangement", "parent_id": sa.id,
              "user_agent": agent, "user_id": user_id}
    frame = canonical(fields).split(json.dumps(token).encode())
    if len(frame) != 2:  # a programming error, never a user's
        raise RuntimeError("the re-allocation's audit row has no single place for after")
    if canonical({**fields, "after": batches.sample}) != \
            _dump(batches.sample).encode().join(frame):
        raise RuntimeError("the re-allocation's audit rows differ from their canonical form")
    connection = db.session.connection()
    prev = audit.chain_head(connection)
    values = []
    for text in batches.texts:
        digest = hashlib.sha256(prev.encode() + b"\n" + text.encode().join(frame)).hexdigest()
        values.append((at if _dialect() == "postgresql" else _sqlite_datetime(at), user_id,
                       sa.id, sa.id, text, address, agent, prev, digest))
        prev = digest
    audit.move_chain_head(connection, prev)
    statement = ("INSERT INTO audit_entry (at, user_id, action, entity, entity_id, "
                 "parent_entity, parent_id, before, after, address, user_agent, prev_hash, "
                 "hash) VALUES (?, ?, 'reallocate', 'special_arrangement', ?, "
                 "'special_arrangement', ?, NULL, ?, ?, ?, ?, ?)")
    if _dialect() == "postgresql":
        statement = statement.replace("?", "%s").replace(
            "NULL, %s, %s, %s, %s, %s)", "NULL, %s::json, %s, %s, %s, %s)")
    cursor = _raw_cursor()
    try:
        cursor.executemany(statement, values)
    finally:
        cursor.close()


def _plan_batches(planned: Plan, places: int, now: datetime,
                  cause: dict[str, Any]) -> AuditBatches:
    """The plan's changed expenses as :func:`audit_batches` (parties by code)."""
    import numpy as np

    scale = 10 ** (STORAGE_SCALE - places)
    by_code = sorted(range(len(planned.organization_ids)),
                     key=lambda i: planned.codes_by_organization[i])
    table = np.column_stack([planned.ids, planned.numbers, planned.unallocated // scale,
                             *(planned.parts[:, i] // scale for i in by_code)])
    return audit_batches(table, [planned.codes_by_organization[i] for i in by_code], places,
                         now, cause)
