"""Payments against a statement's transfers and the confirmation of their receipt (DOMAIN.md
rule 13).

The paying party records a payment against one of the latest statement's transfers, dated in
the open period and not above what is outstanding; the receiving party confirms it arrived.
Same contract as :mod:`jointprojects.statements.services`: plain data in, everything checked
first, one :class:`DomainError` (422), a :class:`Conflict` (409) for a state that forbids the
action, :class:`Forbidden` (403) for a right the user lacks; flush, never commit, an audit row
per change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from jointprojects.audit import services as audit
from jointprojects.auth import policy
from jointprojects.errors import Collector, Conflict, DomainError, Message, NotFound, message_of
from jointprojects.expenses import recording as expense_recording
from jointprojects.extensions import db
from jointprojects.locales import LongDate
from jointprojects.money import (
    MAX_AMOUNT,
    MoneyError,
    minor_units,
    parse_decimal,
    quantum,
    round_money,
    to_json,
)
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.statements import ledger
from jointprojects.statements import services as statements
from jointprojects.statements.models import Payment, Statement, StatementTransfer


def get_payment(payment_id: int) -> Payment:
    payment = db.session.get(Payment, payment_id) if 0 < payment_id < 2**31 else None
    if payment is None:
        raise NotFound(Message("Unknown payment %(id)s.", id=payment_id), "id")
    return payment



@dataclass
class PaymentData:
    """A payment as typed or sent: ``amount`` is text, parsed here."""

    from_org: str | None = None
    to_org: str | None = None
    amount: Any = None
    date: date | None = None
    reference: str | None = None


@dataclass(frozen=True)
class TransferState:
    """A statement's transfer as payments arrive."""

    transfer: StatementTransfer
    paid: Decimal
    outstanding: Decimal
    status: str
    overdue: bool
    #: True when a later statement carries what is outstanding (no payment against it).
    superseded: bool
    payments: list[Payment]


def transfer_states(st: Statement, today: date | None = None) -> list[TransferState]:
    today = today or date.today()
    latest = statements.latest_statement(st.arrangement)
    superseded = st.status == "withdrawn" or latest is None or latest.id != st.id
    by_transfer: dict[int, list[Payment]] = {}
    for p in st.payments:
        by_transfer.setdefault(p.transfer_id, []).append(p)
    states = []
    for t in st.transfers:
        payments = by_transfer.get(t.id, [])
        line = ledger.transfer_line(t.from_organization.code, t.to_organization.code,
                                    round_money(t.amount, st.currency),
                                    [round_money(p.amount, st.currency) for p in payments])
        states.append(TransferState(
            transfer=t, paid=line.paid, outstanding=line.outstanding, status=line.status,
            overdue=not superseded and ledger.is_overdue(line.outstanding, st.due_date, today),
            superseded=superseded, payments=payments))
    return states


def _amount(raw: Any, currency: str, errors: Collector) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        errors.add("amount", "Enter the amount.")
        return None
    try:
        amount = parse_decimal(raw)
    except MoneyError as exc:
        errors.add("amount", Message("amount %(problem)s.", problem=message_of(exc)))
        return None
    places = minor_units(currency)
    if amount != amount.quantize(quantum(places), rounding=ROUND_HALF_UP):
        errors.add("amount", Message("An amount in %(currency)s has at most %(places)s decimals.",
                                     currency=currency, places=places))
        return None
    if amount <= 0:
        errors.add("amount", "The amount must be more than zero.")
        return None
    if amount >= MAX_AMOUNT:
        errors.add("amount", "The amount is too large.")
        return None
    return amount.quantize(quantum(places))


def record_payment(sa: SpecialArrangement, st: Statement, data: PaymentData, user: Any,
                   today: date | None = None) -> Payment:
    """The paying party records a payment against one of the latest statement's transfers,
    dated in the open period, not above what is outstanding (rule 13)."""
    today = today or date.today()
    errors = Collector()
    payer_code = (data.from_org or "").strip()
    payee_code = (data.to_org or "").strip()
    payer = sa.party(payer_code) if payer_code else None
    payee = sa.party(payee_code) if payee_code else None
    for field, code, party in (("from", payer_code, payer), ("to", payee_code, payee)):
        if not code and field == "from":
            errors.add(field, "Choose the paying party.")
        elif not code:
            errors.add(field, "Choose the receiving party.")
        elif party is None:
            errors.add(field, Message("%(code)s is not a party to %(reference)s.", code=code,
                                      reference=sa.reference))
    amount = _amount(data.amount, sa.currency, errors)
    reference = (data.reference or "").strip()
    if not reference:
        errors.add("reference", "Enter the bank reference of the payment.")
    elif len(reference) > 120:
        errors.add("reference", "The bank reference has at most 120 characters.")
    day = data.date
    if day is None:
        errors.add("date", "Enter the date of the payment.")
    elif day > today:
        errors.add("date", "The date cannot be in the future: record a payment once made.")
    elif day <= st.date_to:
        errors.add("date", Message("A payment is dated in the open period, after statement "
                                   "%(number)s ends on %(end)s.", number=st.number,
                                   end=LongDate(st.date_to)))
    errors.raise_if_any()
    policy.ensure(user, policy.PAYMENT_WRITE, payer_code)
    assert payer is not None and payee is not None and amount is not None  # noqa: S101
    expense_recording.lock_arrangement(sa)  # one payer at a time checks what is outstanding
    if st.status == "withdrawn":
        raise Conflict(Message("Statement %(number)s is withdrawn: no payment can refer to it.",
                               number=st.number))
    latest = statements.latest_statement(sa)
    if latest is None or latest.id != st.id:
        raise Conflict(Message("Statement %(number)s is followed by statement %(latest)s, which "
                               "carries what was outstanding: record the payment against the "
                               "latest statement.", number=st.number,
                               latest=latest.number if latest else "?"))
    if day is not None and (closed := sa.closed_message(day)):
        raise Conflict(closed, "date")
    state = next((s for s in transfer_states(st, today)
                  if s.transfer.from_organization.code == payer_code
                  and s.transfer.to_organization.code == payee_code), None)
    if state is None:
        raise DomainError(Message("Statement %(number)s has no transfer from %(payer)s to "
                                  "%(payee)s.", number=st.number, payer=payer_code,
                                  payee=payee_code), "to")
    if problem := ledger.payment_problem(state.outstanding, amount, sa.currency):
        raise DomainError(problem, "amount")
    payment = Payment(
        arrangement_id=sa.id, statement=st, transfer=state.transfer,
        from_organization=payer.organization, to_organization=payee.organization,
        amount=amount, date=day, reference=reference, status="sent", recorded_by=user,
        recorded_by_admin=policy.acts_as_admin(user, payer_code))
    db.session.add(payment)
    db.session.flush()
    audit.record("create", payment, parent=sa, after=payment_snapshot(payment), user=user)
    return payment


def payment_snapshot(payment: Payment) -> dict[str, Any]:
    return audit.snapshot(payment, extra={
        "amount": to_json(payment.amount, payment.statement.currency),
        "from": payment.from_organization.code, "to": payment.to_organization.code,
        "statement": payment.statement.number})


def confirm_receipt(payment: Payment, organization: str | None, on: date | None, user: Any,
                    today: date | None = None) -> Payment:
    """The receiving party confirms that the payment arrived (rule 13)."""
    today = today or date.today()
    errors = Collector()
    code = (organization or "").strip()
    payee = payment.to_organization.code
    if not code:
        errors.add("organization", "Choose the receiving party.")
    elif code != payee:
        errors.add("organization", Message("Only the receiving party (%(payee)s) confirms the "
                                           "receipt of this payment.", payee=payee))
    if on is None:
        errors.add("date", "Enter the date the payment arrived.")
    elif on > today:
        errors.add("date", "The date cannot be in the future.")
    elif on < payment.date:
        errors.add("date", Message("The date is before the payment was made (%(day)s).",
                                   day=LongDate(payment.date)))
    errors.raise_if_any()
    policy.ensure(user, policy.PAYMENT_WRITE, code)
    if payment.status == "received":
        raise Conflict(Message("The receipt of payment %(id)s is already confirmed.",
                               id=payment.id))
    before = payment_snapshot(payment)
    payment.status = "received"
    payment.received_on = on
    payment.received_by = user
    payment.received_by_admin = policy.acts_as_admin(user, code)
    payment.received_at = datetime.now(UTC).replace(tzinfo=None)
    db.session.flush()
    audit.record("receive", payment, parent=payment.statement.arrangement, before=before,
                 after=payment_snapshot(payment), user=user)
    return payment
