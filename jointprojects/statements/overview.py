"""The finance "Settlement" overview across the arrangements a user sees (issue 12, item 5):
statements awaiting the user's organization, payments it has to confirm, overdue transfers,
and what is outstanding per counterparty and currency, netted per pair of organizations
(information only: each arrangement still settles on its own)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from jointprojects.auth import policy
from jointprojects.extensions import db
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.statements.models import Payment, Statement
from jointprojects.statements.payments import TransferState, transfer_states


@dataclass(frozen=True)
class OpenTransfer:
    arrangement: SpecialArrangement
    statement: Statement
    state: TransferState


@dataclass
class Overview:
    to_accept: list[Statement] = field(default_factory=list)
    to_confirm: list[Payment] = field(default_factory=list)
    overdue: list[OpenTransfer] = field(default_factory=list)
    outstanding: list[OpenTransfer] = field(default_factory=list)
    #: (organization, counterparty, currency) -> net amount the organization is owed
    #: (negative: it owes), over the latest statements' outstanding transfers.
    net: dict[tuple[str, str, str], Decimal] = field(default_factory=dict)


def _latest_statements(user: Any) -> list[Statement]:
    """The latest statement in force of every arrangement ``user`` sees."""
    rows = db.session.scalars(
        select(Statement).join(SpecialArrangement,
                               SpecialArrangement.id == Statement.arrangement_id)
        .where(policy.visible_arrangements_clause(user), Statement.status != "withdrawn")
        .order_by(SpecialArrangement.reference, Statement.number.desc()))
    latest: dict[int, Statement] = {}
    for st in rows:
        latest.setdefault(st.arrangement_id, st)
    return list(latest.values())


def overview(user: Any, today: date | None = None) -> Overview:
    today = today or date.today()
    own = user.organization.code
    admin = user.role == "admin"
    result = Overview()
    for st in _latest_statements(user):
        sa = st.arrangement
        decided = {a.organization.code for a in st.acknowledgements}
        if st.status == "issued" and (admin or (own in sa.party_codes and own not in decided)):
            result.to_accept.append(st)
        for state in transfer_states(st, today):
            if state.outstanding <= 0:
                continue
            t = state.transfer
            item = OpenTransfer(sa, st, state)
            result.outstanding.append(item)
            if state.overdue:
                result.overdue.append(item)
            payer, payee = t.from_organization.code, t.to_organization.code
            for org, other, sign in ((payee, payer, 1), (payer, payee, -1)):
                if admin or org == own:
                    key = (org, other, st.currency)
                    result.net[key] = result.net.get(key, Decimal(0)) + sign * state.outstanding
    condition = [Payment.status == "sent"]
    if not admin:
        condition.append(Payment.to_organization_id == user.organization_id)
    result.to_confirm = list(db.session.scalars(
        select(Payment).join(SpecialArrangement,
                             SpecialArrangement.id == Payment.arrangement_id)
        .where(policy.visible_arrangements_clause(user), *condition)
        .order_by(Payment.date, Payment.id)))
    return result


@dataclass(frozen=True)
class PartyOutstanding:
    """What one party owes (``owes``) and is owed (``owed``) in one currency on the latest
    statements, and how much of what it owes is overdue."""

    organization: str
    currency: str
    owes: Decimal
    owed: Decimal
    overdue: Decimal


def outstanding_by_party(user: Any, today: date | None = None) -> list[PartyOutstanding]:
    """The dashboard's settlement figures, per party and currency, over the arrangements
    ``user`` sees."""
    zero = Decimal(0)
    sums: dict[tuple[str, str], list[Decimal]] = {}
    for item in overview(user, today).outstanding:
        t, state, currency = item.state.transfer, item.state, item.statement.currency
        payer = sums.setdefault((t.from_organization.code, currency), [zero, zero, zero])
        payee = sums.setdefault((t.to_organization.code, currency), [zero, zero, zero])
        payer[0] += state.outstanding
        payee[1] += state.outstanding
        if state.overdue:
            payer[2] += state.outstanding
    return [PartyOutstanding(org, currency, *figures)
            for (org, currency), figures in sorted(sums.items())]
