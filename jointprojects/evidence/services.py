"""Reading the chain and the live records the way the verifier compares them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from jointprojects.audit import services as audit
from jointprojects.audit.models import AuditEntry
from jointprojects.budgets.models import Budget
from jointprojects.documents.models import Document, DocumentReader
from jointprojects.documents.services import document_snapshot
from jointprojects.evidence import seals
from jointprojects.exchange_rates.models import ExchangeRate
from jointprojects.expenses.models import Expense, ExpensePart
from jointprojects.expenses.recording import expense_row_snapshot, expense_snapshot
from jointprojects.extensions import db
from jointprojects.organizations.models import (
    Agreement,
    AgreementAmendment,
    AgreementConsent,
    AgreementParty,
    Organization,
)
from jointprojects.organizations.services import agreement_snapshot
from jointprojects.personnel_exchanges.models import ExchangeCostItem, PersonnelExchange
from jointprojects.personnel_exchanges.services import cost_snapshot, exchange_snapshot
from jointprojects.special_arrangements.models import (
    ArrangementParty,
    Ceiling,
    Consent,
    Share,
    ShareVersion,
    Signature,
    SpecialArrangement,
)
from jointprojects.special_arrangements.services import arrangement_snapshot, version_snapshot
from jointprojects.statements.models import (
    Payment,
    Statement,
    StatementAcknowledgement,
    StatementParty,
    StatementTransfer,
    StatementWorkbook,
)
from jointprojects.statements.payments import payment_snapshot
from jointprojects.statements.services import statement_snapshot
from reports.evidence import (
    LANGUAGE_NAMES,
    REFERENCE_KINDS,
    Problem,
    check_chain,
    compare,
    replay,
    sha256,
)

_BATCH = 2000
_ENTRY = AuditEntry.__table__


def _none() -> list[Any]:
    return []


@dataclass(frozen=True)
class Kind:
    """An audited kind whose live rows are compared with the replay of the log: the model,
    the snapshot the log writes of it, the loader options that make it cheap, and how to
    select the records of one arrangement (None: the kind belongs to no arrangement and a
    bundle carries all of it)."""

    model: Any
    snapshot: Callable[[Any], dict[str, Any]]
    options: Callable[[], list[Any]] = _none
    of_arrangement: Callable[[Any, int], Any] | None = None
    where: Callable[[], list[Any]] = _none
    #: Instead of the ORM: the snapshots of every record (of one arrangement id, or all)
    #: read with plain SQL, equal to ``snapshot``'s (for the kinds with many rows).
    bulk: Callable[[int | None], list[dict[str, Any]]] | None = None


def _by_column(model: Any) -> Callable[[Any, int], Any]:
    return lambda query, sa_id: query.where(model.arrangement_id == sa_id)


def _exchanges_of(sa_id: int) -> Any:
    return select(PersonnelExchange.id).where(PersonnelExchange.arrangement_id == sa_id)


def _documents_of(query: Any, sa_id: int) -> Any:
    return query.where(or_(Document.arrangement_id == sa_id,
                           Document.exchange_id.in_(_exchanges_of(sa_id))))


def _statements_of(sa_id: int) -> Any:
    return select(Statement.id).where(Statement.arrangement_id == sa_id)


def _arrangement_options() -> list[Any]:
    return [selectinload(SpecialArrangement.parties).joinedload(ArrangementParty.organization),
            selectinload(SpecialArrangement.share_versions).options(
                selectinload(ShareVersion.shares).joinedload(Share.organization),
                selectinload(ShareVersion.ceilings).joinedload(Ceiling.organization))]


def _version_options() -> list[Any]:
    return [selectinload(ShareVersion.shares).joinedload(Share.organization),
            selectinload(ShareVersion.ceilings).joinedload(Ceiling.organization)]


def _statement_options() -> list[Any]:
    return [selectinload(Statement.parties).joinedload(StatementParty.organization),
            selectinload(Statement.transfers).options(
                selectinload(StatementTransfer.from_organization),
                selectinload(StatementTransfer.to_organization)),
            selectinload(Statement.acknowledgements)
            .joinedload(StatementAcknowledgement.organization),
            selectinload(Statement.workbooks)]  # their SHA-256, not their bytes (deferred)


def _expense_records(sa_id: int | None) -> list[dict[str, Any]]:
    """:func:`expense_snapshot` of every expense (of one arrangement), read with two plain
    queries instead of an ORM object per expense and per part."""
    table, parts_table = Expense.__table__, ExpensePart.__table__
    code_of = {int(i): str(code) for i, code in db.session.execute(
        select(Organization.id, Organization.code))}
    currency_of = {int(i): str(currency) for i, currency in db.session.execute(
        select(SpecialArrangement.id, SpecialArrangement.currency))}
    query = select(table).order_by(table.c.id)
    part_query = select(parts_table.c.expense_id, parts_table.c.organization_id,
                        parts_table.c.amount).order_by(parts_table.c.expense_id,
                                                       parts_table.c.organization_id)
    if sa_id is not None:
        query = query.where(table.c.arrangement_id == sa_id)
        part_query = part_query.where(parts_table.c.expense_id.in_(
            select(table.c.id).where(table.c.arrangement_id == sa_id)))
    parts: dict[int, dict[str, Decimal]] = {}
    for expense_id, organization_id, amount in db.session.execute(part_query):
        parts.setdefault(expense_id, {})[code_of[organization_id]] = amount
    return [expense_row_snapshot(row, code_of[row["paid_by_id"]],
                                 currency_of[row["arrangement_id"]], parts.get(row["id"], {}))
            for row in db.session.execute(query).mappings()]


#: Every record that carries money or obligations (DOMAIN.md rule 15, docs/EVIDENCE.md
#: "Complete enough to replay"), by its table's name (the ``entity`` of its log rows). The
#: parties and version 1's shares and ceilings are part of the arrangement's snapshot, an
#: amendment's shares and ceilings of its share version's, an expense's parts of the
#: expense's (``allocation``), a statement's lines and transfers of the statement's.
KINDS: dict[str, Kind] = {
    "special_arrangement": Kind(SpecialArrangement, arrangement_snapshot, _arrangement_options,
                                lambda q, sa_id: q.where(SpecialArrangement.id == sa_id)),
    # version 1 comes with the arrangement and is logged in its snapshot
    "share_version": Kind(ShareVersion, version_snapshot, _version_options,
                          _by_column(ShareVersion), lambda: [ShareVersion.number > 1]),
    "consent": Kind(Consent, audit.snapshot, _none, lambda q, sa_id: q.where(
        Consent.share_version_id.in_(select(ShareVersion.id)
                                     .where(ShareVersion.arrangement_id == sa_id)))),
    "signature": Kind(Signature, audit.snapshot, _none, _by_column(Signature)),
    "expense": Kind(Expense, expense_snapshot, lambda: [
        selectinload(Expense.parts).joinedload(ExpensePart.organization),
        selectinload(Expense.paid_by), selectinload(Expense.arrangement)], _by_column(Expense),
        bulk=lambda sa_id: _expense_records(sa_id)),
    "exchange_rate": Kind(ExchangeRate, audit.snapshot),
    "budget": Kind(Budget, audit.snapshot, _none, _by_column(Budget)),
    "statement": Kind(Statement, statement_snapshot, _statement_options, _by_column(Statement)),
    "statement_acknowledgement": Kind(
        StatementAcknowledgement, audit.snapshot, _none,
        lambda q, sa_id: q.where(StatementAcknowledgement.statement_id.in_(_statements_of(sa_id)))),
    "payment": Kind(Payment, payment_snapshot, lambda: [
        selectinload(Payment.statement), selectinload(Payment.from_organization),
        selectinload(Payment.to_organization)], _by_column(Payment)),
    "document": Kind(Document, document_snapshot, lambda: [
        selectinload(Document.readers).joinedload(DocumentReader.organization),
        selectinload(Document.organization)], _documents_of),
    "personnel_exchange": Kind(PersonnelExchange, exchange_snapshot, lambda: [
        selectinload(PersonnelExchange.home_organization),
        selectinload(PersonnelExchange.host_organization),
        selectinload(PersonnelExchange.arrangement)], _by_column(PersonnelExchange)),
    "exchange_cost_item": Kind(
        ExchangeCostItem, cost_snapshot, lambda: [selectinload(ExchangeCostItem.borne_by)],
        lambda q, sa_id: q.where(ExchangeCostItem.exchange_id.in_(_exchanges_of(sa_id)))),
    # the framework agreement: its parties' notifications, its notice, its amendments and
    # their consents (Art. 10), shared by every arrangement
    "agreement": Kind(Agreement, agreement_snapshot, lambda: [
        selectinload(Agreement.parties).joinedload(AgreementParty.organization)]),
    "agreement_amendment": Kind(AgreementAmendment, audit.snapshot),
    "agreement_consent": Kind(AgreementConsent, audit.snapshot),
}


def log_rows(arrangement: SpecialArrangement | None = None) -> Iterator[dict[str, Any]]:
    """The audit rows in id order, as plain dicts, read in batches. Of one arrangement: those
    filed under it, under its documents and personnel exchanges, and the exchange rates'
    (shared by every arrangement)."""
    query = select(_ENTRY).order_by(_ENTRY.c.id)
    if arrangement is not None:
        sa_id = arrangement.id
        query = query.where(or_(
            (_ENTRY.c.parent_entity == SpecialArrangement.__tablename__)
            & (_ENTRY.c.parent_id == sa_id),
            (_ENTRY.c.parent_entity == Document.__tablename__)
            & _ENTRY.c.parent_id.in_(_documents_of(select(Document.id), sa_id)),
            (_ENTRY.c.parent_entity == PersonnelExchange.__tablename__)
            & _ENTRY.c.parent_id.in_(_exchanges_of(sa_id)),
            *[_ENTRY.c.entity == kind for kind, k in KINDS.items() if k.of_arrangement is None],
        ))
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
    for name, kind in KINDS.items():
        if kind.bulk is not None:
            records[name] = kind.bulk(arrangement.id if arrangement is not None else None)
            continue
        query = select(kind.model).options(*kind.options()).where(*kind.where())
        if arrangement is not None and kind.of_arrangement is not None:
            query = kind.of_arrangement(query, arrangement.id)
        records[name] = [kind.snapshot(obj) for obj in
                         db.session.scalars(query.order_by(kind.model.id))]
    return records


def check_workbooks() -> Problem | None:
    """The first statement whose stored workbook's bytes no longer hash to the SHA-256 the
    statement froze (and the log holds): the first language's, ``statement.sha256``; every
    other language's (issue 17), the one recorded beside it (the log holds it in the
    statement's ``workbooks``, compared by the replay)."""
    frozen = select(Statement.id, Statement.sha256, Statement.languages,
                    StatementWorkbook.language, StatementWorkbook.sha256,
                    StatementWorkbook.content).join(
        StatementWorkbook, StatementWorkbook.statement_id == Statement.id).order_by(
        Statement.id, StatementWorkbook.language)
    for statement_id, digest, languages, language, recorded, content in \
            db.session.execute(frozen):
        first = (languages or "en").split(",")[0] == language
        actual = sha256(content)
        if actual != recorded or (first and actual != digest):
            return Problem(f"statement #{statement_id}: its workbook's SHA-256 differs from "
                           "the one the statement froze (the "
                           f"{LANGUAGE_NAMES.get(language, language)} workbook)")
    return None


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
    problem = compare(replayed, live, KINDS, unlogged=REFERENCE_KINDS) or check_workbooks()
    if problem:
        return False, problem.message
    problem, signers = seals.check_database_signatures(kept)
    if problem:
        return False, problem.message
    by = f", signatures by {', '.join(sorted(signers))}" if signers else ""
    return True, (f"verified: {len(live)} records, {count} log rows, "
                  f"{len(records['statement'])} statements, the chain unbroken{by}")
