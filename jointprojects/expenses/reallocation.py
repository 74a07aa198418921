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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    String,
    bindparam,
    func,
    insert,
    select,
    text,
    type_coerce,
)
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from jointprojects.audit import services as audit
from jointprojects.audit.models import AuditEntry
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


def plan(sa: SpecialArrangement, from_date: date | None = None,
         progress: Progress | None = None) -> Plan:
    """Allocate ``sa``'s expenses dated ``from_date`` or later (all if None, and all under
    ceilings) and compare with their stored figures; writes nothing. Raises DomainError if
    the expenses cannot be allocated (a date without a version in force)."""
    import numpy as np  # lazily: numpy is needed by the bulk paths only

    report = progress or _silent
    # On SQLite (no WAL) an open cursor holds a shared lock that a job's progress report,
    # written on a connection of its own, would wait for: report between statements there.
    streaming = _dialect() == "postgresql"
    seen = fingerprint(sa)
    versions = engine_versions(sa)
    ceilings = any(v.ceilings for v in versions)
    parties = sorted((p.organization.code, p.organization_id) for p in sa.parties)
    codes = [code for code, _ in parties]
    org_ids = [organization_id for _, organization_id in parties]
    places = minor_units(sa.currency)
    scale = 10 ** (STORAGE_SCALE - places)
    closed = seen.closed_through

    condition = [Expense.arrangement_id == sa.id]
    if not ceilings:
        if from_date is not None:
            condition.append(Expense.date >= from_date)
        if closed is not None:
            condition.append(Expense.date > closed)  # a closed period never changes (rule 11)
    total = int(db.session.scalar(select(func.count()).select_from(Expense).where(*condition))
                or 0)
    report(PHASE_READING, 0, total)
    ids_list: list[int] = []
    days: list[date] = []
    categories: list[str] = []
    amounts_list: list[int] = []
    old_unallocated: list[int] = []
    old_numbers: list[int] = []
    result = db.session.execute(
        select(Expense.id, Expense.date, Expense.category,
               type_coerce(Expense.reporting_amount, BigInteger),
               type_coerce(Expense.unallocated, BigInteger), Expense.share_version_number)
        .where(*condition).order_by(Expense.date, Expense.id)
        .execution_options(yield_per=_BATCH))
    for chunk in result.partitions():
        for expense_id, day, category, amount, unallocated, number in chunk:
            ids_list.append(expense_id)
            days.append(day)
            categories.append(category)
            amounts_list.append(amount)
            old_unallocated.append(unallocated)
            old_numbers.append(number)
        if streaming:
            report(PHASE_READING, len(ids_list), total)
    report(PHASE_READING, len(ids_list), total)
    count = len(ids_list)
    ids = np.array(ids_list, dtype=np.int64)
    amounts = np.array(amounts_list, dtype=np.int64) // scale
    report(PHASE_ALLOCATING, 0, count)
    try:
        if ceilings:
            results = allocation.allocate_expenses_minor(
                zip(days, categories, amounts.tolist(), strict=True), versions, sa.currency,
                codes)
            numbers = np.fromiter((r[0] for r in results), dtype=np.int64, count=count)
            unallocated_new = np.fromiter((r[2] for r in results), dtype=np.int64,
                                          count=count) * scale
            new_parts = np.array([r[1] for r in results], dtype=np.int64).reshape(
                count, len(codes)) * scale
            del results
        else:
            numbers, new_parts = allocation.allocate_expenses_many_minor(
                np.fromiter((d.toordinal() for d in days), dtype=np.int64, count=count),
                categories, amounts, versions, sa.currency, codes)
            new_parts *= scale
            unallocated_new = np.zeros(count, dtype=np.int64)
    except ValueError as exc:
        raise DomainError(f"The expenses of {sa.reference} cannot be allocated: {exc}.") \
            from None
    report(PHASE_ALLOCATING, count, count)

    # The stored parts, into a matrix of the same shape (-1 marks a part that is missing:
    # a stored part is never negative for a positive expense, and for refunds the test
    # below also compares the missing mask).
    old_parts = np.zeros((count, len(codes)), dtype=np.int64)
    present = np.zeros((count, len(codes)), dtype=np.bool_)
    if count:
        order = np.argsort(ids, kind="stable")
        sorted_ids = ids[order]
        column_of = {organization_id: i for i, organization_id in enumerate(org_ids)}
        part_condition = list(condition)
        if ceilings and closed is not None:
            part_condition.append(Expense.date > closed)
        parts_result = db.session.execute(
            select(ExpensePart.expense_id, ExpensePart.organization_id,
                   type_coerce(ExpensePart.amount, BigInteger))
            .join(Expense, Expense.id == ExpensePart.expense_id)
            .where(*part_condition).execution_options(yield_per=_BATCH * 3))
        for part_chunk in parts_result.partitions():
            rows = np.array([(e, column_of.get(o, -1), a) for e, o, a in part_chunk],
                            dtype=np.int64).reshape(-1, 3)
            rows = rows[rows[:, 1] >= 0]
            at = order[np.searchsorted(sorted_ids, rows[:, 0])]
            old_parts[at, rows[:, 1]] = rows[:, 2]
            present[at, rows[:, 1]] = True
    changed = ((old_parts != new_parts) | ~present).any(axis=1)
    changed |= np.array(old_unallocated, dtype=np.int64).reshape(-1) != unallocated_new
    changed |= np.array(old_numbers, dtype=np.int64).reshape(-1) != numbers
    if ceilings and closed is not None and count:
        ordinal = np.fromiter((d.toordinal() for d in days), dtype=np.int64, count=count)
        changed &= ordinal > closed.toordinal()
    where = np.flatnonzero(changed)
    months = {month_of(day) for day in {days[i] for i in where.tolist()}}
    return Plan(
        fingerprint=seen, considered=count, organization_ids=org_ids,
        codes_by_organization=codes, ids=ids[where], parts=new_parts[where],
        missing=~present[where], unallocated=unallocated_new[where], numbers=numbers[where],
        months=months)


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
        if _dialect() == "postgresql":
            _write_postgresql(planned, now)
        else:
            _write_sqlite(planned, now)
        report(PHASE_WRITING, changed // 2, changed)
        _audit(sa, planned, now, user, report)
        expire_expenses(set(planned.ids.tolist()))
        report(PHASE_WRITING, changed, changed)
    refresh_totals(sa.id, planned.months)


def _part_rows(planned: Plan) -> tuple[Any, Any]:
    """``(expense, organization, amount, missing)`` of every changed part, as numpy arrays."""
    import numpy as np

    changed_parts = planned.parts.shape[1]
    expense = np.repeat(planned.ids, changed_parts)
    organization = np.tile(np.array(planned.organization_ids, dtype=np.int64), len(planned.ids))
    return (np.column_stack([expense, organization, planned.parts.reshape(-1)]),
            planned.missing.reshape(-1))


def _write_sqlite(planned: Plan, now: datetime) -> None:
    session = db.session
    rows, missing = _part_rows(planned)
    session.execute(text("CREATE TEMP TABLE IF NOT EXISTS jp_realloc_part "
                         "(e INTEGER NOT NULL, o INTEGER NOT NULL, a INTEGER NOT NULL, "
                         "PRIMARY KEY (e, o)) WITHOUT ROWID"))
    session.execute(text("CREATE TEMP TABLE IF NOT EXISTS jp_realloc_expense "
                         "(e INTEGER PRIMARY KEY, u INTEGER NOT NULL, v INTEGER NOT NULL)"))
    session.execute(text("DELETE FROM jp_realloc_part"))
    session.execute(text("DELETE FROM jp_realloc_expense"))
    raw: Any = session.connection().connection.dbapi_connection
    cursor = raw.cursor()
    try:
        cursor.executemany("INSERT INTO jp_realloc_part (e, o, a) VALUES (?, ?, ?)",
                           rows[~missing].tolist())
        session.execute(text(
            "UPDATE expense_part SET amount = t.a FROM jp_realloc_part AS t "
            "WHERE expense_part.expense_id = t.e AND expense_part.organization_id = t.o"))
        if missing.any():
            cursor.executemany(
                "INSERT INTO expense_part (expense_id, organization_id, amount) "
                "VALUES (?, ?, ?)", rows[missing].tolist())
        cursor.executemany(
            "INSERT INTO jp_realloc_expense (e, u, v) VALUES (?, ?, ?)",
            zip(planned.ids.tolist(), planned.unallocated.tolist(), planned.numbers.tolist(),
                strict=True))
    finally:
        cursor.close()
    # Derived figures, not a user's edit: the version column does not move.
    session.execute(text(
        "UPDATE expense SET unallocated = t.u, share_version_number = t.v, updated_at = :now "
        "FROM jp_realloc_expense AS t WHERE expense.id = t.e"
    ).bindparams(bindparam("now", type_=DateTime)), {"now": now})
    session.execute(text("DELETE FROM jp_realloc_part"))
    session.execute(text("DELETE FROM jp_realloc_expense"))


def _copy(raw: Any, statement: str, lines: Sequence[str]) -> None:
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for lo in range(0, len(lines), _BATCH):
            copy.write("".join(lines[lo:lo + _BATCH]))


def _write_postgresql(planned: Plan, now: datetime) -> None:
    session = db.session
    rows, missing = _part_rows(planned)
    session.execute(text("CREATE TEMP TABLE IF NOT EXISTS jp_realloc_part "
                         "(e bigint NOT NULL, o bigint NOT NULL, a bigint NOT NULL, "
                         "m boolean NOT NULL) ON COMMIT DELETE ROWS"))
    session.execute(text("CREATE TEMP TABLE IF NOT EXISTS jp_realloc_expense "
                         "(e bigint NOT NULL, u bigint NOT NULL, v integer NOT NULL) "
                         "ON COMMIT DELETE ROWS"))
    session.execute(text("TRUNCATE jp_realloc_part, jp_realloc_expense"))
    raw = session.connection().connection.dbapi_connection
    flags = missing.tolist()
    _copy(raw, "COPY jp_realloc_part (e, o, a, m) FROM STDIN",
          [f"{e}\t{o}\t{a}\t{'t' if m else 'f'}\n"
           for (e, o, a), m in zip(rows.tolist(), flags, strict=True)])
    _copy(raw, "COPY jp_realloc_expense (e, u, v) FROM STDIN",
          [f"{e}\t{u}\t{v}\n" for e, u, v in zip(
              planned.ids.tolist(), planned.unallocated.tolist(), planned.numbers.tolist(),
              strict=True)])
    session.execute(text("ANALYZE jp_realloc_part"))
    session.execute(text("ANALYZE jp_realloc_expense"))
    session.execute(text(
        "UPDATE expense_part AS p SET amount = t.a FROM jp_realloc_part AS t "
        "WHERE p.expense_id = t.e AND p.organization_id = t.o AND NOT t.m"))
    if any(flags):
        session.execute(text(
            "INSERT INTO expense_part (expense_id, organization_id, amount) "
            "SELECT e, o, a FROM jp_realloc_part WHERE m"))
    session.execute(text(
        "UPDATE expense AS x SET unallocated = t.u, share_version_number = t.v, "
        "updated_at = :now FROM jp_realloc_expense AS t WHERE x.id = t.e"
    ).bindparams(bindparam("now", type_=DateTime)), {"now": now})
    session.execute(text("TRUNCATE jp_realloc_part, jp_realloc_expense"))


# --- the audit rows --------------------------------------------------------------------------

def _money_text(places: int) -> Callable[[int], str]:
    """Minor units -> the string :func:`jointprojects.money.to_json` writes."""
    if places == 0:
        return str

    def text_of(units: int) -> str:
        whole, fraction = divmod(abs(units), 10 ** places)
        return f"{'-' if units < 0 else ''}{whole}.{fraction:0{places}d}"

    return text_of


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
    money = _money_text(places)
    user_id = user.id if user is not None else audit.current_user_id()
    address, agent = audit.request_origin()
    at = utcnow()
    updated_at = audit.jsonable(now)
    # The canonical form sorts the keys: the parts by organization code.
    by_code = sorted(range(len(planned.organization_ids)),
                     key=lambda i: planned.codes_by_organization[i])
    sorted_keys = [json.dumps(planned.codes_by_organization[i], ensure_ascii=False)
                   for i in by_code]

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    head = f'{{"action":"reallocate","address":{dump(address)},"after":'
    middle = (f',"at":{dump(timestamp(at))},"before":null,"entity":"expense",'
              '"entity_id":')
    tail = (f',"parent_entity":"special_arrangement","parent_id":{sa.id},'
            f'"user_agent":{dump(agent)},"user_id":{dump(user_id)}}}')
    updated_text = dump(updated_at)
    parts = (planned.parts // scale).tolist()
    ids = planned.ids.tolist()
    unallocated = (planned.unallocated // scale).tolist()
    numbers = planned.numbers.tolist()
    afters: list[str] = []
    canonicals: list[bytes] = []
    for expense_id, amounts, unassigned, number in zip(ids, parts, unallocated, numbers,
                                                       strict=True):
        shares = ",".join(f'{key}:"{money(amounts[i])}"' for key, i in zip(
            sorted_keys, by_code, strict=True))
        after = (f'{{"allocation":{{{shares}}},"share_version_number":{number},'
                 f'"unallocated":"{money(unassigned)}","updated_at":{updated_text}}}')
        afters.append(after)
        canonicals.append(f"{head}{after}{middle}{expense_id}{tail}".encode())
    first = {"action": "reallocate", "address": address, "after": json.loads(afters[0]),
             "at": at, "before": None, "entity": "expense", "entity_id": ids[0],
             "parent_entity": "special_arrangement", "parent_id": sa.id,
             "user_agent": agent, "user_id": user_id}
    if canonical(first) != canonicals[0]:  # a programming error, never a user's
        raise RuntimeError("the re-allocation's audit rows differ from their canonical form")
    connection = db.session.connection()
    prev = audit.chain_head(connection)
    hashes: list[tuple[str, str]] = []
    sha = hashlib.sha256
    for content in canonicals:
        digest = sha(prev.encode("ascii") + b"\n" + content).hexdigest()
        hashes.append((prev, digest))
        prev = digest
    del canonicals
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
              [f"{fixed}\t{expense_id}\t{parent}\t{_copy_text(after)}\t{client}\t{p}\t{h}\n"
               for expense_id, after, (p, h) in zip(ids, afters, hashes, strict=True)])
    else:
        table = AuditEntry.__table__
        stmt = insert(table).values(
            at=bindparam("at"), user_id=bindparam("user_id"), action="reallocate",
            entity="expense", entity_id=bindparam("entity_id"),
            parent_entity="special_arrangement", parent_id=sa.id,
            after=bindparam("after", type_=String), address=address, user_agent=agent,
            prev_hash=bindparam("prev_hash"), hash=bindparam("hash"))
        for lo in range(0, len(ids), _BATCH * 4):
            db.session.execute(stmt, [
                {"at": at, "user_id": user_id, "entity_id": expense_id, "after": after,
                 "prev_hash": p, "hash": h}
                for expense_id, after, (p, h) in zip(
                    ids[lo:lo + _BATCH * 4], afters[lo:lo + _BATCH * 4],
                    hashes[lo:lo + _BATCH * 4], strict=True)])


def _copy_text(value: Any) -> str:
    """A value in COPY's text format (None as ``\\N``; backslash, tab, newlines escaped)."""
    if value is None:
        return "\\N"
    return (str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))
