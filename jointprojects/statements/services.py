"""Statements, acknowledgements and withdrawals (DOMAIN.md rules 10-12; payments, rule 13, in
:mod:`jointprojects.statements.payments`).

Services take plain data, check everything first, raise one :class:`DomainError` (422), a
:class:`Conflict` (409) for a state that forbids the action, :class:`Forbidden` (403) for a
right the user lacks; they flush, never commit, and write an audit row per change.

Closed periods without a backwards import: issuing a statement sets
``special_arrangement.closed_through`` (and ``closed_by_statement``) in its own transaction,
under the arrangement's row lock (:func:`jointprojects.expenses.recording.lock_arrangement`,
the lock every expense write takes); the expenses, amendments and re-allocations read that
column. A withdrawal sets it back to the previous statement's end.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from jointprojects.audit import services as audit
from jointprojects.audit import signing
from jointprojects.auth import policy
from jointprojects.documents import receipts
from jointprojects.errors import Collector, Conflict, DomainError, Forbidden, Message, NotFound
from jointprojects.expenses import figures as expense_figures
from jointprojects.expenses import recording as expense_recording
from jointprojects.expenses.models import Expense
from jointprojects.extensions import db
from jointprojects.i18n import language_scope, translate
from jointprojects.locales import LANGUAGES, Money
from jointprojects.money import to_json
from jointprojects.organizations.models import Organization
from jointprojects.reporting.cost_report import cost_report
from jointprojects.special_arrangements import allocation
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.statements import ledger
from jointprojects.statements.models import (
    Payment,
    Statement,
    StatementAcknowledgement,
    StatementParty,
    StatementTransfer,
    StatementWorkbook,
)
from jointprojects.vocabulary import N_, STATEMENT_DECISIONS, phrase
from reports.cost_split import write_cost_split
from reports.evidence import ACCEPTANCE_FORMAT, timestamp
from reports.statement import (
    LANGUAGE_WORDS,
    StatementAdjustment,
    StatementSheet,
    StatementSheetParty,
    StatementSheetTransfer,
    statement_front,
)

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: What a statement is issued in when nothing is chosen: English and French, "each text
#: being equally authentic" (issue 17), English first (its workbook's SHA-256 is ``sha256``).
DEFAULT_LANGUAGES: tuple[str, ...] = ("en", "fr")
#: Who issued a statement from the command line.
OPERATOR = "command line (jointprojects statement)"


# --- reading -----------------------------------------------------------------------------------

def statements_of(sa: SpecialArrangement) -> list[Statement]:
    """Every statement of ``sa`` (withdrawn ones too), by number."""
    return list(db.session.scalars(
        select(Statement).where(Statement.arrangement_id == sa.id).order_by(Statement.number)))


def get_statement(sa: SpecialArrangement, number: int) -> Statement:
    st = db.session.scalar(select(Statement).where(Statement.arrangement_id == sa.id,
                                                   Statement.number == number))
    if st is None:
        raise NotFound(Message("%(reference)s has no statement number %(number)s.",
                               reference=sa.reference, number=number), "number")
    return st


def latest_statement(sa: SpecialArrangement) -> Statement | None:
    """The latest statement in force (not withdrawn): the one that closed the period."""
    return db.session.scalar(
        select(Statement).where(Statement.arrangement_id == sa.id,
                                Statement.status != "withdrawn")
        .order_by(Statement.number.desc()).limit(1)
        .execution_options(populate_existing=True))


def next_period_start(sa: SpecialArrangement) -> date | None:
    """The first day of the next statement: the day after the latest one ends, or the
    entry into force (None while the arrangement is not in force)."""
    latest = latest_statement(sa)
    if latest is not None:
        return latest.date_to + timedelta(days=1)
    return sa.entry_into_force


def workbook_of(st: Statement, language: str | None = None) -> StatementWorkbook:
    """The frozen workbook of ``st`` in ``language`` (None: its first language's); 404
    naming the languages it was issued in for any other."""
    wanted = language or st.language_list[0]
    workbook = db.session.get(StatementWorkbook, (st.id, wanted)) \
        if wanted in LANGUAGES else None
    if workbook is None:
        raise NotFound(Message(
            "Statement %(number)s was not issued in %(language)s: its workbook is in "
            "%(issued)s (lang=%(codes)s).", number=st.number,
            language=Message(LANGUAGE_WORDS.get(wanted, repr(wanted))),
            issued=[Message(LANGUAGE_WORDS.get(code, code)) for code in st.language_list],
            codes=",".join(st.language_list)), "lang")
    return workbook


def parse_languages(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """The languages to issue a statement in: ``"en"``, ``"fr"``, ``"en,fr"`` or a list of
    them, the first one first; None or empty: :data:`DEFAULT_LANGUAGES`. DomainError
    (field ``languages``) for anything else."""
    if value is None or value == "" or value == []:
        return DEFAULT_LANGUAGES
    items = value.split(",") if isinstance(value, str) else list(value)
    codes = [str(item).strip().lower() for item in items]
    if not codes or any(code not in LANGUAGES for code in codes) or len(set(codes)) != \
            len(codes):
        raise DomainError("Choose the statement's languages: English, French, or English "
                          "and French.", "languages")
    return tuple(codes)


# --- the figures of a period ---------------------------------------------------------------------

@dataclass(frozen=True)
class PeriodFigures:
    """What a statement of ``date_from`` to ``date_to`` would freeze (plain data)."""

    date_from: date
    date_to: date
    currency: str
    parties: list[ledger.PartyLine]
    transfers: list[allocation.Transfer]
    unallocated: Decimal
    expense_count: int
    share_versions: list[int]


def _versions_in(sa: SpecialArrangement, date_from: date, date_to: date) -> list[int]:
    versions = expense_recording.engine_versions(sa)
    numbers = []
    for index, v in enumerate(versions):
        following = versions[index + 1].effective_date if index + 1 < len(versions) else None
        if v.effective_date > date_to or (following is not None and following <= date_from):
            continue
        numbers.append(v.number)
    return numbers


def _opening(sa: SpecialArrangement) -> dict[str, Decimal]:
    latest = latest_statement(sa)
    if latest is None:
        return {}
    return {line.organization.code: line.closing_balance for line in latest.parties}


def payments_between(sa: SpecialArrangement, date_from: date | None,
                     date_to: date | None) -> list[ledger.Movement]:
    """The payments of ``sa`` dated in the period (rule 13: a statement counts them)."""
    payer, payee = aliased(Organization), aliased(Organization)
    condition = [Payment.arrangement_id == sa.id]
    if date_from is not None:
        condition.append(Payment.date >= date_from)
    if date_to is not None:
        condition.append(Payment.date <= date_to)
    rows = db.session.execute(
        select(payer.code, payee.code, Payment.amount, Payment.date)
        .join(payer, payer.id == Payment.from_organization_id)
        .join(payee, payee.id == Payment.to_organization_id)
        .where(*condition).order_by(Payment.date, Payment.id))
    return [ledger.Movement(a, b, amount, day) for a, b, amount, day in rows]


def period_figures(sa: SpecialArrangement, date_from: date, date_to: date) -> PeriodFigures:
    """The cost split of the period (the figures of the cost-split API), the balances
    carried from the latest statement and the payments of the period (rules 7, 10, 13)."""
    split = expense_figures.cost_split(sa, date_from, date_to)
    lines = ledger.party_lines(
        [ledger.PartyPeriod(p.organization, p.share, p.paid) for p in split.organizations],
        _opening(sa), payments_between(sa, date_from, date_to))
    return PeriodFigures(
        date_from=date_from, date_to=date_to, currency=sa.currency, parties=lines,
        transfers=ledger.settlement(lines), unallocated=split.unallocated,
        expense_count=split.expense_count, share_versions=_versions_in(sa, date_from, date_to))


def _period(sa: SpecialArrangement, to: date | None, today: date) -> tuple[date, date]:
    """The next statement's period ending on ``to``; 422 naming ``to``, 409 when the day is
    already closed, or the arrangement not in force."""
    if sa.entry_into_force is None:
        raise Conflict(Message("%(reference)s is not in force yet: a statement closes a period "
                               "from its entry into force.", reference=sa.reference))
    start = next_period_start(sa)
    assert start is not None  # noqa: S101 - in force: the entry into force is known
    if to is None:
        raise DomainError("Enter the last day of the period to close.", "to")
    if sa.closed_through is not None and to <= sa.closed_through:
        raise Conflict(Message("%(to)s is already in a period %(closed)s: the next statement "
                               "starts on %(start)s.", to=to, closed=sa.closed_phrase,
                               start=start), "to")
    if to < start:
        raise DomainError(Message("to (%(to)s) is before the period starts (%(start)s).",
                                  to=to, start=start), "to")
    if to > today:
        raise DomainError(Message("to (%(to)s) is after today (%(today)s): a statement closes a "
                                  "period that has ended.", to=to, today=today), "to")
    return start, to


#: How many expenses a refusal names one by one (the rest are counted).
NAMED_EXPENSES = 20


def missing_receipts(sa: SpecialArrangement, date_from: date, date_to: date) -> list[Expense]:
    """The expenses of the period that the arrangement's receipt rule requires a receipt for
    and that have none (issue 13, item 5): every current document counts, whoever may see
    it, so that a statement is not blocked by a receipt its issuer may not see."""
    return receipts.missing_receipts(sa, date_to, since=date_from)


def missing_receipts_message(sa: SpecialArrangement, expenses: list[Expense]) -> str:
    """The sentence naming the expenses that block a statement."""
    named: list[Message] = [
        Message("expense %(id)s of %(day)s (%(amount)s)", id=e.id, day=e.date,
                amount=Money(e.reporting_amount, sa.currency))
        for e in expenses[:NAMED_EXPENSES]]
    more = len(expenses) - len(named)
    if more:
        named.append(Message("and %(count)s more", count=more))
    return Message(N_("A receipt is required for %(count)s expense of the period that has none: "
                      "%(named)s. Attach the receipts before issuing the statement.")
                   if len(expenses) == 1 else
                   N_("A receipt is required for %(count)s expenses of the period that have "
                      "none: %(named)s. Attach the receipts before issuing the statement."),
                   count=len(expenses), named=named)


def suggested_end(sa: SpecialArrangement, today: date | None = None) -> date:
    """The day the issue form proposes to close the period up to: the last day of the
    previous month, else yesterday, else today (the earliest the period allows). A payment
    is dated after the period's end (rule 13): a period closed through today would hold
    every payment until tomorrow."""
    today = today or date.today()
    start = next_period_start(sa)
    month_end = today.replace(day=1) - timedelta(days=1)
    for day in (month_end, today - timedelta(days=1)):
        if start is None or day >= start:
            return day
    return today


def preview(sa: SpecialArrangement, to: date | None = None,
            today: date | None = None) -> PeriodFigures | None:
    """The figures of the next statement if it were issued up to ``to`` (default today);
    None when there is nothing to close yet (not in force, or nothing since the latest)."""
    today = today or date.today()
    start = next_period_start(sa)
    if start is None or start > (to or today):
        return None
    return period_figures(sa, start, to or today)


# --- issuing ---------------------------------------------------------------------------------

def statement_snapshot(st: Statement) -> dict[str, Any]:
    c = st.currency
    return audit.snapshot(st, extra={
        "unallocated": to_json(st.unallocated, c),
        "parties": {line.organization.code: {
            "opening_balance": to_json(line.opening_balance, c),
            "share": to_json(line.share, c), "paid": to_json(line.paid, c),
            "balance": to_json(line.balance, c),
            "payments_made": to_json(line.payments_made, c),
            "payments_received": to_json(line.payments_received, c),
            "closing_balance": to_json(line.closing_balance, c)} for line in st.parties},
        "transfers": [{"from": t.from_organization.code, "to": t.to_organization.code,
                       "amount": to_json(t.amount, c)} for t in st.transfers],
        "acknowledgements": {a.organization.code: a.decision for a in st.acknowledgements},
        # the SHA-256 of each language's workbook (issue 17), in the log and replayed
        "workbooks": st.workbook_digests(),
    })


def _set_closed(sa: SpecialArrangement, through: date | None, number: int | None,
                user: Any) -> None:
    """The closed-through day, written without moving the arrangement's version (closing a
    period is not an edit of the arrangement's terms)."""
    db.session.execute(update(SpecialArrangement).where(SpecialArrangement.id == sa.id)
                       .values(closed_through=through, closed_by_statement=number))
    set_committed_value(sa, "closed_through", through)
    set_committed_value(sa, "closed_by_statement", number)
    # in the log too, so that its replay rebuilds the arrangement (docs/EVIDENCE.md)
    audit.record("update", sa, after={"closed_through": audit.jsonable(through),
                                      "closed_by_statement": number}, user=user)


def _adjustments(sa: SpecialArrangement, date_from: date, date_to: date
                 ) -> list[StatementAdjustment]:
    original = aliased(Expense)
    rows = db.session.execute(
        select(Expense, original)
        .join(original, original.id == Expense.adjusts_id)
        .where(Expense.arrangement_id == sa.id, Expense.date >= date_from,
               Expense.date <= date_to)
        .order_by(Expense.date, Expense.id))
    return [StatementAdjustment(
        expense_id=e.id, date=e.date, category=e.category, description=e.description,
        paid_by=e.paid_by.code, reporting_amount=e.reporting_amount, adjusts_id=o.id,
        adjusts_date=o.date, adjusts_amount=o.reporting_amount, reason=e.reason,
    ) for e, o in rows]


def statement_filename(sa: SpecialArrangement, number: int, language: str = "en") -> str:
    """``statement-SA-1-2.xlsx`` (English, as always), ``statement-SA-1-2-fr.xlsx``."""
    reference = "".join(ch if ch.isalnum() or ch in "._-" else "-" for ch in sa.reference)
    suffix = "" if language == "en" else f"-{language}"
    return f"statement-{reference}-{number}{suffix}.xlsx"


def _workbook(sa: SpecialArrangement, st: Statement, figures: PeriodFigures,
              issued_by: str, reader: Any | None, language: str = "en",
              languages: Sequence[str] = ("en",)) -> bytes:
    """The frozen workbook in ``language``: the cost report of the period with the Statement
    sheet in front, every word, sheet name and long date in that language, the figures the
    same in each; each expense lists the documents ``reader`` (the issuer; None: the
    operator) may see when it is issued."""
    with language_scope(language):
        return _workbook_in_scope(sa, st, figures, issued_by, reader, language, languages)


def _workbook_in_scope(sa: SpecialArrangement, st: Statement, figures: PeriodFigures,
                       issued_by: str, reader: Any | None, language: str,
                       languages: Sequence[str]) -> bytes:
    names = {p.organization.code: p.organization.name for p in sa.parties}
    sheet = StatementSheet(
        reference=sa.reference, title=sa.title, number=st.number, date_from=st.date_from,
        date_to=st.date_to, due_date=st.due_date, currency=st.currency,
        issued_at=st.issued_at, issued_by=issued_by,
        parties=[StatementSheetParty(
            organization=line.organization, name=names.get(line.organization, ""),
            opening_balance=line.opening_balance, share=line.share, paid=line.paid,
            payments_made=line.payments_made, payments_received=line.payments_received,
            balance=line.balance, closing_balance=line.closing_balance)
            for line in figures.parties],
        transfers=[StatementSheetTransfer(t.from_org, t.to_org, t.amount)
                   for t in figures.transfers],
        unallocated=figures.unallocated, share_versions=figures.share_versions,
        adjustments=_adjustments(sa, st.date_from, st.date_to),
        expense_count=figures.expense_count,
        language=language, languages=tuple(languages), translate=translate,
    )
    buffer = io.BytesIO()
    write_cost_split(cost_report(sa, st.date_from, st.date_to, generated_by=issued_by,
                                 now=st.issued_at.replace(tzinfo=UTC), reader=reader),
                     buffer, front=statement_front(sheet))
    return buffer.getvalue()


def issue_statement(sa: SpecialArrangement, to: date | None, due_date: date | None,
                    user: Any, today: date | None = None,
                    languages: str | Sequence[str] | None = None) -> Statement:
    """Issue the next statement of ``sa`` up to ``to`` (rule 10): its figures and workbook
    frozen, the period closed (rule 11). One workbook per language of ``languages`` (see
    :func:`parse_languages`; default English and French), each with its own SHA-256;
    ``sha256`` is the first one's (issue 17). Takes the arrangement's lock first, so an expense
    written at the same moment either commits before (and is counted) or is refused; a
    second issuer waiting on the lock finds the period closed (409). Refused (422, field
    ``receipts``, naming them) while an expense of the period misses the receipt the
    arrangement's rule requires."""
    if user is not None:  # None: the operator, on the command line
        policy.ensure(user, policy.STATEMENT_ISSUE)
    today = today or date.today()
    chosen = parse_languages(languages)
    expense_recording.lock_arrangement(sa)  # reads closed_through afresh, under the lock
    date_from, date_to = _period(sa, to, today)
    if missing := missing_receipts(sa, date_from, date_to):
        raise DomainError(missing_receipts_message(sa, missing), "receipts")
    if due_date is None:
        due_date = today + timedelta(days=sa.statement_due_days)
    elif due_date < today:
        raise DomainError(Message("due_date (%(day)s) is before today.", day=due_date),
                          "due_date")
    figures = period_figures(sa, date_from, date_to)
    orgs = {p.organization.code: p.organization for p in sa.parties}
    number = int(db.session.scalar(select(func.coalesce(func.max(Statement.number), 0))
                                   .where(Statement.arrangement_id == sa.id)) or 0) + 1
    own = user.organization.code if user is not None else None
    st = Statement(
        arrangement_id=sa.id, number=number, date_from=date_from, date_to=date_to,
        due_date=due_date, status="issued", currency=sa.currency,
        unallocated=figures.unallocated, expense_count=figures.expense_count,
        share_versions=",".join(str(n) for n in figures.share_versions), sha256="",
        languages=",".join(chosen),
        issued_by_id=getattr(user, "id", None),
        issued_for_id=getattr(user, "organization_id", None),
        issued_by_admin=own not in orgs,
        issued_at=datetime.now(UTC).replace(tzinfo=None, microsecond=0),
    )
    for line in figures.parties:
        st.parties.append(StatementParty(
            organization=orgs[line.organization], opening_balance=line.opening_balance,
            share=line.share, paid=line.paid, balance=line.balance,
            payments_made=line.payments_made, payments_received=line.payments_received,
            closing_balance=line.closing_balance))
    for position, t in enumerate(figures.transfers, 1):
        st.transfers.append(StatementTransfer(
            position=position, from_organization=orgs[t.from_org],
            to_organization=orgs[t.to_org], amount=t.amount))
    issuer = getattr(user, "email", "") or OPERATOR
    contents = {code: _workbook(sa, st, figures, issuer, user, code, chosen)
                for code in chosen}
    st.sha256 = hashlib.sha256(contents[chosen[0]]).hexdigest()
    db.session.add(st)
    db.session.flush()
    for code, content in contents.items():
        db.session.add(StatementWorkbook(
            statement_id=st.id, language=code, filename=statement_filename(sa, number, code),
            content=content, sha256=hashlib.sha256(content).hexdigest()))
    db.session.flush()
    db.session.expire(st, ["workbooks"])  # the snapshot below lists them
    _set_closed(sa, date_to, number, user)
    audit.record("issue", st, parent=sa, after=statement_snapshot(st), user=user)
    return st


def set_payment_term(sa: SpecialArrangement, days: int | None, user: Any) -> None:
    """How many days after its issue a statement of ``sa`` is due (default 30)."""
    policy.ensure(user, policy.STATEMENT_ISSUE)
    if days is None or not 1 <= days <= 366:
        raise DomainError("Enter the payment term: a whole number of days from 1 to 366.",
                          "days")
    before = {"statement_due_days": sa.statement_due_days}
    db.session.execute(update(SpecialArrangement).where(SpecialArrangement.id == sa.id)
                       .values(statement_due_days=days))
    set_committed_value(sa, "statement_due_days", days)
    audit.record("update", sa, before=before, after={"statement_due_days": days}, user=user)


# --- acceptance and withdrawal (rule 12) ---------------------------------------------------------

def acknowledge(sa: SpecialArrangement, st: Statement, organization: str | None,
                decision: str | None, reason: str | None, user: Any,
                today: date | None = None) -> StatementAcknowledgement:
    """A party accepts or disputes a statement (its finance users, or an admin, marked):
    ``agreed`` once every party accepted, ``disputed`` as soon as one disputes."""
    errors = Collector()
    code = (organization or "").strip()
    party = sa.party(code) if code else None
    if not code:
        errors.add("organization", "Choose the party that decides.")
    elif party is None:
        errors.add("organization", Message("%(code)s is not a party to %(reference)s.",
                                           code=code, reference=sa.reference))
    if decision not in STATEMENT_DECISIONS:
        errors.add("decision", "Choose to accept or to dispute the statement.")
    text = (reason or "").strip()
    if decision == "dispute" and not text:
        errors.add("reason", "Say which figure is wrong and why: a dispute needs its "
                             "reason.")
    if len(text) > 5000:
        errors.add("reason", "The reason has at most 5,000 characters.")
    errors.raise_if_any()
    policy.ensure(user, policy.STATEMENT_ACKNOWLEDGE, code)
    assert party is not None  # noqa: S101 - narrowed by the errors above
    if st.status == "withdrawn":
        raise Conflict(Message("Statement %(number)s is withdrawn: it cannot be accepted or "
                               "disputed.", number=st.number))
    done = next((a for a in st.acknowledgements if a.organization.code == code), None)
    if done is not None:
        raise Conflict(Message(N_("%(code)s has already accepted statement %(number)s.")
                               if done.decision == "accept" else
                               N_("%(code)s has already disputed statement %(number)s."),
                               code=code, number=st.number), "organization")
    before = statement_snapshot(st)
    record = StatementAcknowledgement(
        organization=party.organization, decision=decision, date=today or date.today(),
        reason=text, recorded_by=user, recorded_by_admin=policy.acts_as_admin(user, code))
    st.acknowledgements.append(record)
    record.seal = acceptance_seal(sa, st, code, decision or "accept")
    record.seal_signature = signing.sign(record.seal)
    decisions = {a.organization.code: a.decision for a in st.acknowledgements}
    if "dispute" in decisions.values():
        st.status = "disputed"
    elif set(decisions) == set(sa.party_codes):
        st.status = "agreed"
    db.session.flush()
    audit.record(decision or "accept", record, parent=sa, user=user)
    audit.record("update", st, parent=sa, before=before, after=statement_snapshot(st),
                 user=user)
    return record


#: The statement's columns an acceptance seals (its frozen figures; not its status).
SEALED_FIGURES = ("number", "date_from", "date_to", "currency", "unallocated",
                  "expense_count", "share_versions", "sha256", "parties", "transfers")


def acceptance_seal(sa: SpecialArrangement, st: Statement, organization: str,
                    decision: str) -> dict[str, Any]:
    """What the instance signs when ``organization`` accepts (or disputes) ``st``
    (docs/EVIDENCE.md "Acceptances"): the statement's frozen figures as the log's snapshot
    writes them, its workbook's SHA-256 and every language's (``workbooks_sha256``, issue
    17), and the chain head at that moment (the newest audit
    row before the decision's own rows, its hash)."""
    snap = statement_snapshot(st)
    head_id, head_hash = signing.head_now()
    return {"format": ACCEPTANCE_FORMAT, "arrangement": sa.reference,
            "statement_id": st.id, "organization": organization, "decision": decision,
            "figures": {name: snap[name] for name in SEALED_FIGURES},
            "workbook_sha256": st.sha256, "workbooks_sha256": st.workbook_digests(),
            "head_id": head_id, "head_hash": head_hash,
            "at": timestamp(datetime.now(UTC))}


def withdraw_statement(sa: SpecialArrangement, st: Statement, reason: str | None,
                       user: Any) -> Statement:
    """The issuer withdraws the latest statement while no payment refers to it (rule 12):
    the period opens again; the statement stays readable, its number is not reused."""
    policy.ensure(user, policy.STATEMENT_ISSUE)
    if user.role != "admin" and user.organization_id != st.issued_for_id:
        issuer = st.issued_for.code if st.issued_for else Message("the operator")
        raise Forbidden(Message("Only the issuer (%(issuer)s) or an administrator can withdraw "
                                "this statement.", issuer=issuer))
    text = (reason or "").strip()
    if not text:
        raise DomainError("Say why the statement is withdrawn.", "reason")
    if len(text) > 5000:
        raise DomainError("The reason has at most 5,000 characters.", "reason")
    expense_recording.lock_arrangement(sa)
    if st.status == "withdrawn":
        raise Conflict(Message("Statement %(number)s is already withdrawn.", number=st.number))
    latest = latest_statement(sa)
    if latest is None or latest.id != st.id:
        raise Conflict(Message("Only the latest statement can be withdrawn; statement "
                               "%(number)s is followed by statement %(latest)s.",
                               number=st.number, latest=latest.number if latest else "?"))
    count = db.session.scalar(select(func.count()).select_from(Payment)
                              .where(Payment.statement_id == st.id)) or 0
    if count:
        raise Conflict(Message("%(count)s payment(s) refer to statement %(number)s: it cannot be "
                               "withdrawn.", count=count, number=st.number))
    before = statement_snapshot(st)
    st.status = "withdrawn"
    st.withdrawn_at = datetime.now(UTC).replace(tzinfo=None)
    st.withdrawn_by_id = user.id
    st.withdrawal_reason = text
    db.session.flush()
    previous = latest_statement(sa)
    _set_closed(sa, previous.date_to if previous else None,
                previous.number if previous else None, user)
    audit.record("withdraw", st, parent=sa, before=before, after=statement_snapshot(st),
                 user=user)
    return st


def status_phrase(st: Statement) -> str:
    return phrase(st.status)
