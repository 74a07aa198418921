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
   ``UPDATE ... FROM`` each, one ``INSERT ... SELECT`` for parts that were missing, the audit
   rows in one batch (COPY on PostgreSQL), the monthly totals refreshed.

Rule 11 holds: an expense dated on or before ``closed_through`` is never written (under
ceilings it still counts for the running totals). The audit rows are those of
``recording._audit_reallocation``: action ``reallocate`` on the expense, filed under the
arrangement, ``after`` = ``{unallocated, share_version_number, updated_at, allocation}`` (the
parts' full after-state: the replay of the log equals the live parts). Every expense written
gets ``updated_at`` = the time of the swap.

Services flush, never commit; the caller (a request, the command line, the job) commits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from jointprojects.audit import services as audit
from jointprojects.auth.models import utcnow
from jointprojects.dates import month_of
from jointprojects.errors import DomainError
from jointprojects.expenses.models import Expense, ExpensePart
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
from reports.evidence import canonical, timestamp

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

#: ``progress(phase, done, total)``, e.g. a job's :class:`~jointprojects.jobs.services.
#: Reporter` or the command line's bar.
Progress = Callable[[str, int, int], None]

PHASE_READING = "reading the expenses"
PHASE_ALLOCATING = "re-allocating expenses"
PHASE_WRITING = "writing the re-allocated expenses"

#: Rows per progress report and per batch written.
_BATCH = 50_000


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
    which are never reused, and of their versions, raised by every edit), the closed-through
    day and the versions in force."""

    count: int
    id_sum: int
    version_sum: int
    closed_through: date | None
    versions: tuple[int, ...]


def fingerprint(sa: SpecialArrangement) -> Fingerprint:
    count, id_sum, version_sum = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Expense.id), 0),
               func.coalesce(func.sum(Expense.version), 0))
        .where(Expense.arrangement_id == sa.id)).one()
    closed = db.session.scalar(
        select(SpecialArrangement.closed_through).where(SpecialArrangement.id == sa.id))
    numbers = db.session.scalars(
        select(ShareVersion.number)
        .where(ShareVersion.arrangement_id == sa.id, ShareVersion.status == "in_force")
        .order_by(ShareVersion.number))
    return Fingerprint(int(count), int(id_sum), int(version_sum), closed, tuple(numbers))


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


def _fetch(sql: str, params: Sequence[Any], report: Callable[[int], None] | None = None
           ) -> list[Any]:
    """All rows of ``sql`` (``?`` placeholders), fetched in batches; ``report(rows so far)``
    between batches on PostgreSQL only (on SQLite, without WAL, an open cursor holds a
    shared lock that a job's progress report, written on a connection of its own, would
    wait for)."""
    postgresql = _dialect() == "postgresql"
    cursor = _raw_cursor()
    try:
        cursor.execute(sql.replace("?", "%s") if postgresql else sql, tuple(params))
        if not postgresql or report is None:
            return list(cursor.fetchall())
        rows: list[Any] = []
        while batch := cursor.fetchmany(_BATCH):
            rows.extend(batch)
            report(len(rows))
        return rows
    finally:
        cursor.close()


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
    total = int(_fetch(f"SELECT count(*) FROM expense e WHERE {where}",  # noqa: S608
                       params)[0][0])
    report(PHASE_READING, 0, total)
    # Integers only (the day as its ordinal, the category as its index), so that numpy
    # takes the rows as they come.
    names = sorted(set(EXPENSE_CATEGORIES) | {c for v in versions for c in v.categories})
    category = "CASE e.category " + " ".join(
        f"WHEN '{name}' THEN {i}" for i, name in enumerate(names) if "'" not in name) + \
        " ELSE -1 END"
    ordinal = ("CAST(julianday(e.date) - 1721424.5 AS INTEGER)" if sqlite
               else "(e.date - DATE '0001-01-01' + 1)")
    rows = _fetch(
        f"SELECT e.id, {ordinal}, {category}, e.reporting_amount, e.unallocated, "  # noqa: S608
        f"e.share_version_number FROM expense e WHERE {where} ORDER BY e.date, e.id",
        params, lambda done: report(PHASE_READING, done, total))
    count = len(rows)
    report(PHASE_READING, count, total)
    table = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=6 * count).reshape(
        count, 6)
    del rows
    if count and int(table[:, 2].min()) < 0:
        raise DomainError(f"The expenses of {sa.reference} name a category not known here.")
    ids = table[:, 0].copy()
    day_ordinal = table[:, 1].copy()
    amounts = table[:, 3] // scale
    old_unallocated = table[:, 4].copy()
    old_numbers = table[:, 5].copy()
    categories = [names[i] for i in table[:, 2].tolist()]
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
        raise DomainError(f"The expenses of {sa.reference} cannot be allocated: {exc}.") \
            from None
    report(PHASE_ALLOCATING, count, count)

    # The stored parts, into a matrix of the same shape (``present`` marks the parts that
    # exist: an expense may lack a party's part so far).
    old_parts = np.zeros((count, len(codes)), dtype=np.int64)
    present = np.zeros((count, len(codes)), dtype=np.bool_)
    if count:
        # By the span of the expenses' ids, no join: the parts come in the order of their
        # primary key, and those of other arrangements in the span are dropped below.
        stored_rows = _fetch(
            "SELECT expense_id, organization_id, amount FROM expense_part "
            "WHERE expense_id BETWEEN ? AND ?", [int(ids.min()), int(ids.max())])
        stored = np.fromiter(chain.from_iterable(stored_rows), dtype=np.int64,
                             count=3 * len(stored_rows)).reshape(-1, 3)
        del stored_rows
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
    months = {month_of(as_date[o]) for o in set(day_ordinal[where_changed].tolist())}
    return Plan(
        fingerprint=seen, considered=count, organization_ids=org_ids,
        codes_by_organization=codes, ids=ids[where_changed], parts=new_parts[where_changed],
        missing=~present[where_changed], unallocated=unallocated_new[where_changed],
        numbers=numbers[where_changed], months=months)


# --- step 2: the swap, under the lock --------------------------------------------------------

def reallocate_arrangement(sa: SpecialArrangement, from_date: date | None = None, *,
                           progress: Progress | None = None, user: Any = None) -> int:
    """Re-derive the parts of ``sa``'s expenses dated ``from_date`` or later (all if None;
    all under ceilings) from the versions in force: planned without the lock, written under
    it (planned again under it if anything moved meanwhile). Returns the number of
    expenses whose figures changed. Flushes; the caller commits."""
    report = progress or _silent
    current = plan(sa, from_date, report)
    lock_arrangement(sa)
    if fingerprint(sa) != current.fingerprint:
        current = plan(sa, from_date, report)  # something moved: again, now under the lock
    swap(sa, current, report, user)
    return current.changed


def swap(sa: SpecialArrangement, planned: Plan, progress: Progress | None = None,
         user: Any = None) -> None:
    """Write ``planned`` (the caller holds the arrangement's lock and has checked its
    fingerprint): parts, figures, audit rows, monthly totals."""
    report = progress or _silent
    changed = planned.changed
    if changed:
        now = utcnow()
        report(PHASE_WRITING, 0, changed)
    with _sqlite_cache(changed > 0):
        if changed:
            if _dialect() == "postgresql":
                _write_postgresql(planned, now)
            else:
                _write_sqlite(planned, now)
            report(PHASE_WRITING, changed // 2, changed)
            _audit(sa, planned, now, user, report)
            expire_expenses(set(planned.ids.tolist()))
        refresh_totals(sa.id, planned.months)
    if changed:
        report(PHASE_WRITING, changed, changed)


@contextmanager
def _sqlite_cache(wanted: bool) -> Iterator[None]:
    """On SQLite, a page cache big enough for the whole swap (writes, audit rows, the totals'
    GROUP BY) while it runs: with the default 2 MB the transaction's dirty pages spill to the
    file and are read again, several times over."""
    if not wanted or _dialect() == "postgresql":
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
             f"AND expense_part.organization_id IN ({members})")
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


def _write_sqlite(planned: Plan, now: datetime) -> None:
    create, parts, figures = _swap_statements(planned)
    width = 3 + len(planned.organization_ids)
    cursor = _raw_cursor()
    try:
        cursor.execute("DROP TABLE IF EXISTS temp.jp_realloc")
        cursor.execute(create)
        cursor.executemany(f"INSERT INTO jp_realloc VALUES ({', '.join('?' * width)})",  # noqa: S608 - placeholders only
                           _swap_rows(planned))
        cursor.execute(parts)
        if planned.missing.any():
            cursor.executemany("INSERT INTO expense_part (expense_id, organization_id, "
                               "amount) VALUES (?, ?, ?)", _missing_parts(planned))
        cursor.execute(figures, (_sqlite_datetime(now),))
        cursor.execute("DROP TABLE temp.jp_realloc")
    finally:
        cursor.close()


def _copy(raw: Any, statement: str, lines: Sequence[str]) -> None:
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for lo in range(0, len(lines), _BATCH):
            copy.write("".join(lines[lo:lo + _BATCH]))


def _write_postgresql(planned: Plan, now: datetime) -> None:
    create, parts, figures = _swap_statements(planned)
    raw = db.session.connection().connection.dbapi_connection
    cursor = _raw_cursor()
    try:
        cursor.execute("DROP TABLE IF EXISTS pg_temp.jp_realloc")
        cursor.execute(create + " ON COMMIT DROP")
        _copy(raw, "COPY jp_realloc FROM STDIN",
              ["\t".join(map(str, row)) + "\n" for row in _swap_rows(planned)])
        cursor.execute("ANALYZE jp_realloc")
        cursor.execute(parts)
        if planned.missing.any():
            cursor.executemany("INSERT INTO expense_part (expense_id, organization_id, "
                               "amount) VALUES (%s, %s, %s)", _missing_parts(planned))
        cursor.execute(figures.replace("?", "%s"), (now,))
        cursor.execute("DROP TABLE pg_temp.jp_realloc")
    finally:
        cursor.close()


# --- the audit rows --------------------------------------------------------------------------

def _money_columns(units: npt.NDArray[np.int64], places: int) -> tuple[list[str], list[int],
                                                                        list[int]]:
    """Minor units as the pieces of the string :func:`jointprojects.money.to_json` writes:
    sign, whole units, fraction."""
    import numpy as np

    magnitude = np.abs(units)
    whole, fraction = np.divmod(magnitude, 10 ** places)
    signs = np.where(units < 0, "-", "").tolist()
    return signs, whole.tolist(), fraction.tolist()


def _audit(sa: SpecialArrangement, planned: Plan, now: datetime, user: Any,
           report: Progress) -> None:
    """One ``reallocate`` audit row per changed expense (the contract of
    ``recording._audit_reallocation``), chained and written in one batch. The canonical
    content of each row is assembled from its pieces (every row has the same fields but the
    expense and its figures); the first row's is checked against
    :func:`reports.evidence.canonical`."""
    db.session.flush()
    places = minor_units(sa.currency)
    scale = 10 ** (STORAGE_SCALE - places)
    user_id = user.id if user is not None else audit.current_user_id()
    address, agent = audit.request_origin()
    at = utcnow()

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    # The canonical form sorts the keys: the parts by organization code, the amounts as
    # sign, whole units and fraction ("%s%d.%02d"; "%s%d" without minor units).
    by_code = sorted(range(len(planned.organization_ids)),
                     key=lambda i: planned.codes_by_organization[i])
    amount = f'"%s%d.%0{places}d"' if places else '"%s%d"'
    shares = ",".join(f"{dump(planned.codes_by_organization[i]).replace('%', '%%')}:{amount}"
                      for i in by_code)
    after_format = ('{"allocation":{' + shares + '},'
                    '"share_version_number":%d,"unallocated":' + amount + ','
                    '"updated_at":' + dump(audit.jsonable(now)).replace("%", "%%") + '}')
    columns: list[list[Any]] = []
    for i in by_code:
        columns.extend(_money_columns(planned.parts[:, i] // scale, places))
    columns.append(planned.numbers.tolist())
    columns.extend(_money_columns(planned.unallocated // scale, places))
    if not places:  # no fraction in the format
        columns = [c for k, c in enumerate(columns) if k % 3 != 2]
    afters = [after_format % values for values in zip(*columns, strict=True)]
    del columns
    ids = planned.ids.tolist()
    head = f'{{"action":"reallocate","address":{dump(address)},"after":'.encode()
    middle = (f',"at":{dump(timestamp(at))},"before":null,"entity":"expense",'
              '"entity_id":').encode()
    tail = (f',"parent_entity":"special_arrangement","parent_id":{sa.id},'
            f'"user_agent":{dump(agent)},"user_id":{dump(user_id)}}}').encode()
    first = {"action": "reallocate", "address": address, "after": json.loads(afters[0]),
             "at": at, "before": None, "entity": "expense", "entity_id": ids[0],
             "parent_entity": "special_arrangement", "parent_id": sa.id,
             "user_agent": agent, "user_id": user_id}
    if canonical(first) != b"".join((head, afters[0].encode(), middle, str(ids[0]).encode(),
                                     tail)):  # a programming error, never a user's
        raise RuntimeError("the re-allocation's audit rows differ from their canonical form")
    connection = db.session.connection()
    prev = audit.chain_head(connection)
    prevs: list[str] = []
    hashes: list[str] = []
    sha = hashlib.sha256
    for expense_id, after in zip(ids, afters, strict=True):
        prevs.append(prev)
        prev = sha(b"".join((prev.encode(), b"\n", head, after.encode(), middle,
                             str(expense_id).encode(), tail))).hexdigest()
        hashes.append(prev)
    audit.move_chain_head(connection, prev)
    report(PHASE_WRITING, len(ids) * 3 // 4, len(ids))
    if _dialect() == "postgresql":
        raw = connection.connection.dbapi_connection
        fixed = "\t".join((_copy_text(at.isoformat(sep=" ")), _copy_text(user_id),
                           "reallocate", "expense"))
        parent = "\t".join(("special_arrangement", str(sa.id), "\\N"))
        client = "\t".join((_copy_text(address), _copy_text(agent)))
        _copy(raw, "COPY audit_entry (at, user_id, action, entity, entity_id, parent_entity, "
                   "parent_id, before, after, address, user_agent, prev_hash, hash) FROM STDIN",
              [f"{fixed}\t{expense_id}\t{parent}\t{after}\t{client}\t{p}\t{h}\n"
               for expense_id, after, p, h in zip(ids, afters, prevs, hashes, strict=True)])
    else:
        stamp = _sqlite_datetime(at)
        cursor = _raw_cursor()
        try:
            cursor.executemany(
                "INSERT INTO audit_entry (at, user_id, action, entity, entity_id, "
                "parent_entity, parent_id, before, after, address, user_agent, prev_hash, "
                "hash) VALUES (?, ?, 'reallocate', 'expense', ?, 'special_arrangement', ?, "
                "NULL, ?, ?, ?, ?, ?)",
                ((stamp, user_id, expense_id, sa.id, after, address, agent, p, h)
                 for expense_id, after, p, h in zip(ids, afters, prevs, hashes, strict=True)))
        finally:
            cursor.close()


def _copy_text(value: Any) -> str:
    """A value in COPY's text format (None as ``\\N``; backslash, tab, newlines escaped)."""
    if value is None:
        return "\\N"
    return (str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))
