"""The arithmetic of statements and payments (DOMAIN.md rules 7, 10 and 13), on plain data.

Standard library only (and the pure allocation module): no database, no Flask. Money is
:class:`~decimal.Decimal` in the arrangement's reporting currency, already at its minor units.

For each party of a period:
``closing = opening + balance + payments_made - payments_received`` where ``balance = paid -
share`` (rule 7; positive: the others owe the party). The opening balances are the previous
statement's closing balances (zero for the first). The closing balances sum to the
unallocated amounts so far (zero without ceilings), and the transfers that settle them
follow rule 7's algorithm (:func:`jointprojects.special_arrangements.allocation.settle`).

A transfer is ``outstanding``, ``partly_paid`` or ``paid`` by the payments recorded against it;
a payment above what is outstanding is refused (:func:`payment_problem`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from jointprojects.errors import Message
from jointprojects.locales import Money
from jointprojects.special_arrangements import allocation

ZERO = Decimal(0)


@dataclass(frozen=True)
class PartyPeriod:
    """What the cost split of the period says of one party (rule 7)."""

    organization: str
    share: Decimal
    paid: Decimal


@dataclass(frozen=True)
class Movement:
    """A payment as the ledger sees it: from one party to another, on a day."""

    from_org: str
    to_org: str
    amount: Decimal
    day: date


@dataclass(frozen=True)
class PartyLine:
    """One party's figures in a statement."""

    organization: str
    opening_balance: Decimal
    share: Decimal
    paid: Decimal
    balance: Decimal
    payments_made: Decimal
    payments_received: Decimal
    closing_balance: Decimal


@dataclass(frozen=True)
class TransferLine:
    """A settlement transfer of the closing balances, with what is paid of it so far."""

    from_org: str
    to_org: str
    amount: Decimal
    paid: Decimal
    outstanding: Decimal
    status: str


def party_lines(periods: Sequence[PartyPeriod], opening: Mapping[str, Decimal],
                payments: Iterable[Movement]) -> list[PartyLine]:
    """Each party's line, in the order of ``periods``: the period's balance, the opening
    balance carried, the payments it made and received (those given: the caller passes the
    payments dated in the period), the closing balance."""
    made: dict[str, Decimal] = {}
    received: dict[str, Decimal] = {}
    for p in payments:
        made[p.from_org] = made.get(p.from_org, ZERO) + p.amount
        received[p.to_org] = received.get(p.to_org, ZERO) + p.amount
    lines = []
    for period in periods:
        code = period.organization
        balance = period.paid - period.share
        start = opening.get(code, ZERO)
        out, into = made.get(code, ZERO), received.get(code, ZERO)
        lines.append(PartyLine(
            organization=code, opening_balance=start, share=period.share, paid=period.paid,
            balance=balance, payments_made=out, payments_received=into,
            closing_balance=start + balance + out - into,
        ))
    return lines


def settlement(lines: Sequence[PartyLine]) -> list[allocation.Transfer]:
    """The transfers that settle the closing balances (rule 7, at most n-1)."""
    return allocation.settle({line.organization: line.closing_balance for line in lines})


def transfer_status(amount: Decimal, paid: Decimal) -> str:
    """``outstanding`` (nothing paid), ``partly_paid`` or ``paid``."""
    if paid <= 0:
        return "outstanding"
    if paid < amount:
        return "partly_paid"
    return "paid"


def transfer_line(from_org: str, to_org: str, amount: Decimal,
                  payments: Iterable[Decimal]) -> TransferLine:
    """A transfer with the sum of the payments recorded against it."""
    paid = sum(payments, ZERO)
    return TransferLine(from_org, to_org, amount, paid, amount - paid,
                        transfer_status(amount, paid))


def payment_problem(outstanding: Decimal, amount: Decimal, currency: str = "") -> str | None:
    """Why a payment of ``amount`` cannot be recorded against a transfer with
    ``outstanding`` left (rule 13), or None when it can."""
    if amount <= 0:
        return "The amount must be more than zero."
    if outstanding <= 0:
        return "This transfer is paid: nothing is outstanding."
    if amount > outstanding:
        return Message("The amount %(amount)s is more than the %(outstanding)s outstanding on "
                       "this transfer: a payment cannot exceed what is outstanding.",
                       amount=Money(amount, currency or None),
                       outstanding=Money(outstanding, currency or None))
    return None


def is_overdue(outstanding: Decimal, due_date: date, today: date) -> bool:
    """Past the due date with something outstanding (rule 13)."""
    return outstanding > 0 and today > due_date
