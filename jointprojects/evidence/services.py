"""Reading the chain and the live records the way the verifier compares them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from jointprojects.audit import services as audit
from jointprojects.audit.models import AuditEntry
from jointprojects.evidence import seals
from jointprojects.expenses.models import Expense, ExpensePart
from jointprojects.expenses.recording import expense_snapshot
from jointprojects.extensions import db
from jointprojects.special_arrangements.models import Signature, SpecialArrangement
from jointprojects.statements.models import Statement, StatementParty
from jointprojects.statements.services import statement_snapshot
from reports.evidence import check_chain, compare, replay

_BATCH = 2000
_ENTRY = AuditEntry.__table__


def _statement_options() -> list[Any]:
    return [selectinload(Statement.parties).joinedload(StatementParty.organization),
            selectinload(Statement.transfers), selectinload(Statement.acknowledgements)]


#: The audited kinds whose live rows are compared with the replay of the log: the model,
#: the snapshot the log writes of it, and the loader options that make it cheap.
KINDS: dict[str, tuple[Any, Callable[[Any], dict[str, Any]], Callable[[], list[Any]]]] = {
    "expense": (Expense, expense_snapshot, lambda: [
        selectinload(Expense.parts).joinedload(ExpensePart.organization),
        selectinload(Expense.paid_by), selectinload(Expense.arrangement)]),
    "signature": (Signature, audit.snapshot, list),
    "statement": (Statement, statement_snapshot, _statement_options),
}


def log_rows(arrangement: SpecialArrangement | None = None) -> Iterator[dict[str, Any]]:
    """The audit rows in id order (of one arrangement: those whose parent it is), as plain
    dicts, read in batches."""
    query = select(_ENTRY).order_by(_ENTRY.c.id)
    if arrangement is not None:
        query = query.where(_ENTRY.c.parent_entity == SpecialArrangement.__tablename__,
                            _ENTRY.c.parent_id == arrangement.id)
    yield from _stream(query)


def _stream(query: Any) -> Iterator[dict[str, Any]]:
    result = db.session.execute(query.execution_options(yield_per=_BATCH))
    try:
        for row in result.mappings():
            yield dict(row)
    finally:
        result.close()  # a check that stops at the first broken row leaves no open cursor


def chain_links() -> Iterator[dict[str, Any]]:
    """Every row's id and links, no content (what a bundle shows of other records' rows)."""
    yield from _stream(select(_ENTRY.c.id, _ENTRY.c.prev_hash, _ENTRY.c.hash)
                       .order_by(_ENTRY.c.id))


def live_records(arrangement: SpecialArrangement | None = None) -> dict[str, list[dict[str, Any]]]:
    """The current state of the records of :data:`KINDS` (of one arrangement, or all), each
    as the log's snapshot of it."""
    records: dict[str, list[dict[str, Any]]] = {}
    for kind, (model, snap, options) in KINDS.items():
        query = select(model).options(*options()).order_by(model.id)
        if arrangement is not None:
            query = query.where(model.arrangement_id == arrangement.id)
        records[kind] = [snap(obj) for obj in db.session.scalars(query)]
    return records


def verify_database(kept: Sequence[bytes] = ()) -> tuple[bool, str]:
    """Re-compute the whole chain and replay the log against the live records, check every
    signature (and the checkpoints an organization kept, ``kept``): ``(True,
    "verified: ...")`` or ``(False, the first thing that does not hold)``."""
    count = 0

    def counted() -> Iterator[dict[str, Any]]:
        nonlocal count
        for row in log_rows():
            count += 1
            yield row

    problem = check_chain(counted())
    if problem:
        return False, problem.message
    replayed = replay(r for r in log_rows() if r["entity"] in KINDS)
    records = live_records()
    live = {(kind, int(rec["id"])): rec for kind, recs in records.items() for rec in recs}
    problem = compare(replayed, live, KINDS)
    if problem:
        return False, problem.message
    problem, signers = seals.check_database_signatures(kept)
    if problem:
        return False, problem.message
    by = f", signatures by {', '.join(sorted(signers))}" if signers else ""
    return True, (f"verified: {len(live)} records, {count} log rows, "
                  f"{len(records['statement'])} statements, the chain unbroken{by}")
