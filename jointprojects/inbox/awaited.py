"""What is awaited from each organization, and what it should know (issue 16, item 1).

Computed from the records only: nothing is stored beside them, so an item disappears by
itself when the record changes (a signature recorded, a payment confirmed, a rate entered).
One set-based query per kind, whatever the size of the portfolio.

Interface (stable; the inbox page, its API twin, the nav badge and e-mail build on it):

``Item`` (frozen dataclass)
    ``key``: stable and unique per (event, organization), e.g.
    ``"signature:SA-2025-007:INTERPOL"``; it changes when the event changes (a new notice
    date, a new "ending within" threshold), so a read mark on the old key no longer hides it.
    ``kind``: one of :data:`~jointprojects.vocabulary.AWAITED_KINDS`.
    ``action``: True "to do" (the organization must act), False "for information".
    ``organization_id`` / ``organization``: the organization that must act or is told (id,
    code). ``roles``: the roles whose users act or are told (``programme_manager``,
    ``finance``, ``leadership``; admins of the organization see every item of it).
    ``title``: one sentence in the users' words. ``url``: the path of the page (and anchor)
    where it is done. ``due``: the day by which, or on which, it happens (None when there
    is none). ``arrangement_id``: the arrangement it is about (None for a personnel exchange
    or an exchange rate).

``awaited_all(today=None) -> list[Item]``
    Every item of every organization (the operator's view: mail, digests).
``awaited_for(user, today=None) -> list[Item]``
    The items of ``user``'s organization for ``user``'s role, only about records ``user``
    may see (``policy.visible_*_clause``): equal to the items of :func:`awaited_all` whose
    ``organization_id`` is the user's and whose ``roles`` hold the user's role.
``count_to_do(user, today=None) -> int``
    How many of :func:`awaited_for` are to do (the navigation badge).

Ordered: to do first, then by due date (none last), then by key.

What is awaited, and from whom:

- ``signature``: a party of a draft arrangement that has not signed (programme managers;
  due: the start date). To do.
- ``consent``: a party that has not consented to a pending amendment (programme managers;
  due: the effective date). To do.
- ``approval``: the home or host organization of a proposed personnel exchange that has not
  approved it (programme managers; due: the start date). To do.
- ``statement_acceptance``: a party that has neither accepted nor disputed an issued or
  disputed statement (finance; due: the statement's due date). To do.
- ``payment_confirmation``: the receiving party of a payment whose receipt is not confirmed
  (finance). To do.
- ``transfer_overdue``: a transfer of an arrangement's latest statement with something
  outstanding past the due date: to do for the payer (finance), for information to the payee
  (finance, leadership).
- ``notice_given``: a notice of termination given by another party, not yet effective
  (every role; due: the effective date). For information.
- ``ending``: an arrangement in force (its end date or the day before its termination takes
  effect) or an approved personnel exchange ending within 60, 30 or 7 days (every role of
  its parties, home and host; the key names the threshold). For information.
- ``missing_rate``: no rate in the table for a currency and a month in which an
  arrangement of the organization has expenses in that currency, or reports in it, converted
  with a rate typed by hand (``rate_source`` "given": a "table" rate was in the table when
  the expense was recorded, a "same" currency needs none) (finance of its parties). To do.
- ``missing_receipt``: expenses of an arrangement with a receipt rule that miss their
  receipt, per paying organization (its finance). To do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import exists, func, literal_column, not_, or_, select
from sqlalchemy.orm import aliased

from jointprojects.auth import policy
from jointprojects.documents.models import ReceiptRule
from jointprojects.documents.services import has_document_clause
from jointprojects.errors import Message
from jointprojects.exchange_rates.models import RATE_BASE_CURRENCY, ExchangeRate
from jointprojects.expenses.models import Expense
from jointprojects.extensions import db
from jointprojects.locales import LongDate, Money
from jointprojects.organizations.models import Organization
from jointprojects.personnel_exchanges.models import ExchangeApproval, PersonnelExchange
from jointprojects.special_arrangements.models import (
    ArrangementParty,
    Consent,
    ShareVersion,
    Signature,
    SpecialArrangement,
)
from jointprojects.statements.models import (
    Payment,
    Statement,
    StatementAcknowledgement,
    StatementTransfer,
)
from jointprojects.totals import month_expression
from jointprojects.vocabulary import N_

PROGRAMME = frozenset({"programme_manager"})
FINANCE = frozenset({"finance"})
FINANCE_AND_LEADERSHIP = frozenset({"finance", "leadership"})
EVERYONE = frozenset({"programme_manager", "finance", "leadership"})
#: Each kind and the roles its items are for (the mail preferences offer a user the kinds of
#: their role only).
KIND_ROLES: dict[str, frozenset[str]] = {
    "signature": PROGRAMME, "consent": PROGRAMME, "approval": PROGRAMME,
    "statement_acceptance": FINANCE, "payment_confirmation": FINANCE,
    "transfer_overdue": FINANCE_AND_LEADERSHIP, "notice_given": EVERYONE, "ending": EVERYONE,
    "missing_rate": FINANCE, "missing_receipt": FINANCE,
}
#: "Ending within" thresholds, in days: an item's key changes as each one is crossed.
ENDING_THRESHOLDS = (7, 30, 60)


@dataclass(frozen=True)
class Item:
    key: str
    kind: str
    action: bool
    organization_id: int
    organization: str
    roles: frozenset[str]
    title: str
    url: str
    due: date | None
    arrangement_id: int | None

    @property
    def overdue(self) -> bool:
        """To do and past its due date (shown as such)."""
        return self.action and self.due is not None and self.due < date.today()


def _path(endpoint: str, anchor: str = "", **values: Any) -> str:
    """The path of ``endpoint`` (built without a request: mail and the worker call it too;
    one adapter per application: a large portfolio has thousands of items)."""
    adapter = current_app.extensions.get(_URLS)
    if adapter is None:
        adapter = current_app.extensions[_URLS] = current_app.url_map.bind("localhost")
    path = str(adapter.build(endpoint, values))
    return f"{path}#{anchor}" if anchor else path


_URLS = "jointprojects_inbox_urls"


class _Scope:
    """Which records a computation looks at: all of them (``viewer`` None, the operator), or
    those ``viewer`` may see, for ``viewer``'s organization only."""

    def __init__(self, viewer: Any | None) -> None:
        self.viewer = viewer
        self.organization_id: int | None = (
            int(viewer.organization_id) if viewer is not None else None)
        # Built once per computation (an expression is immutable, so every query may share
        # it): making the policy's clause costs more than running a query on a small portfolio.
        self._arrangements = ([] if viewer is None
                              else [policy.visible_arrangements_clause(viewer)])
        self._exchanges = [] if viewer is None else [policy.visible_exchanges_clause(viewer)]

    def arrangements(self) -> list[Any]:
        return self._arrangements

    def exchanges(self) -> list[Any]:
        return self._exchanges

    def organization(self, column: Any) -> list[Any]:
        return [] if self.organization_id is None else [column == self.organization_id]

    def wants(self, organization_id: int) -> bool:
        return self.organization_id is None or organization_id == self.organization_id


def _codes() -> dict[int, str]:
    return dict(db.session.execute(select(Organization.id, Organization.code)).all())


def _signatures(scope: _Scope, codes: dict[int, str]) -> list[Item]:
    sa, party = SpecialArrangement, ArrangementParty
    rows = db.session.execute(
        select(sa.id, sa.reference, sa.start_date, party.organization_id)
        .join(party, party.arrangement_id == sa.id)
        .where(sa.status == "draft",
               ~exists().where(Signature.arrangement_id == sa.id,
                               Signature.organization_id == party.organization_id),
               *scope.arrangements(), *scope.organization(party.organization_id)))
    items = []
    for arrangement_id, reference, start, org in rows:
        code = codes[org]
        items.append(Item(
            f"signature:{reference}:{code}", "signature", True, org, code, PROGRAMME,
            Message("%(code)s's signature is awaited on %(reference)s", code=code,
                    reference=reference),
            _path("arrangements.detail", "sign-h", reference=reference), start, arrangement_id))
    return items


def _consents(scope: _Scope, codes: dict[int, str]) -> list[Item]:
    sa, party, version = SpecialArrangement, ArrangementParty, ShareVersion
    rows = db.session.execute(
        select(sa.id, sa.reference, version.number, version.effective_date,
               party.organization_id)
        .join(version, version.arrangement_id == sa.id)
        .join(party, party.arrangement_id == sa.id)
        .where(version.status == "pending",
               ~exists().where(Consent.share_version_id == version.id,
                               Consent.organization_id == party.organization_id),
               *scope.arrangements(), *scope.organization(party.organization_id)))
    items = []
    for arrangement_id, reference, number, effective, org in rows:
        code, amendment = codes[org], number - 1
        items.append(Item(
            f"consent:{reference}:{amendment}:{code}", "consent", True, org, code, PROGRAMME,
            Message("%(code)s's consent to amendment %(number)s of %(reference)s is awaited "
                    "(effective %(day)s)", code=code, number=amendment, reference=reference,
                    day=LongDate(effective)),
            _path("arrangements.amendment", reference=reference, number=amendment),
            effective, arrangement_id))
    return items


def _approvals(scope: _Scope, codes: dict[int, str]) -> list[Item]:
    ex = PersonnelExchange
    rows = db.session.execute(
        select(ex.id, ex.person_name, ex.start_date, ex.home_organization_id,
               ex.host_organization_id)
        .where(ex.status == "proposed", *scope.exchanges()))
    exchanges = list(rows)
    if not exchanges:
        return []
    approved = set(db.session.execute(
        select(ExchangeApproval.exchange_id, ExchangeApproval.organization_id)
        .join(ex, ex.id == ExchangeApproval.exchange_id)
        .where(ex.status == "proposed", *scope.exchanges())).all())
    items = []
    for exchange_id, person, start, home, host in exchanges:
        for org in (home, host):
            if (exchange_id, org) in approved or not scope.wants(org):
                continue
            code = codes[org]
            items.append(Item(
                f"approval:exchange-{exchange_id}:{code}", "approval", True, org, code,
                PROGRAMME, Message("%(code)s's approval of the exchange of %(person)s is awaited",
                                   code=code, person=person),
                _path("personnel_exchanges.detail", "approvals-h", exchange_id=exchange_id),
                start, None))
    return items


def _statements(scope: _Scope, codes: dict[int, str]) -> list[Item]:
    sa, party, st = SpecialArrangement, ArrangementParty, Statement
    rows = db.session.execute(
        select(sa.id, sa.reference, st.number, st.due_date, party.organization_id)
        .join(st, st.arrangement_id == sa.id)
        .join(party, party.arrangement_id == sa.id)
        .where(st.status.in_(("issued", "disputed")),
               ~exists().where(StatementAcknowledgement.statement_id == st.id,
                               StatementAcknowledgement.organization_id
                               == party.organization_id),
               *scope.arrangements(), *scope.organization(party.organization_id)))
    items = []
    for arrangement_id, reference, number, due, org in rows:
        code = codes[org]
        items.append(Item(
            f"statement_acceptance:{reference}:{number}:{code}", "statement_acceptance", True,
            org, code, FINANCE,
            Message("%(code)s is to accept or dispute statement %(number)s of %(reference)s",
                    code=code, number=number, reference=reference),
            _path("statements.detail", "ack-form", reference=reference, number=number),
            due, arrangement_id))
    return items


def _payments(scope: _Scope, codes: dict[int, str]) -> list[Item]:
    sa, st, pay = SpecialArrangement, Statement, Payment
    rows = db.session.execute(
        select(sa.id, sa.reference, st.number, pay.id, pay.from_organization_id,
               pay.to_organization_id, pay.amount, st.currency, pay.date)
        .join(st, st.id == pay.statement_id).join(sa, sa.id == pay.arrangement_id)
        .where(pay.status == "sent", *scope.arrangements(),
               *scope.organization(pay.to_organization_id)))
    items = []
    for arrangement_id, reference, number, payment_id, payer, org, amount, currency, day in rows:
        code = codes[org]
        items.append(Item(
            f"payment_confirmation:payment-{payment_id}:{code}", "payment_confirmation", True,
            org, code, FINANCE,
            Message("%(code)s is to confirm the receipt of %(amount)s from %(payer)s paid on "
                    "%(day)s (%(reference)s statement %(number)s)", code=code,
                    amount=Money(amount, currency), payer=codes[payer], day=LongDate(day),
                    reference=reference, number=number),
            _path("statements.detail", f"payment-{payment_id}", reference=reference,
                  number=number), None, arrangement_id))
    return items


def _overdue(scope: _Scope, codes: dict[int, str], today: date) -> list[Item]:
    sa, st, t = SpecialArrangement, Statement, StatementTransfer
    later = aliased(Statement)
    paid = (select(func.coalesce(func.sum(Payment.amount), 0))
            .where(Payment.transfer_id == t.id).correlate(t).scalar_subquery())
    involved = ([] if scope.organization_id is None else
                [or_(t.from_organization_id == scope.organization_id,
                     t.to_organization_id == scope.organization_id)])
    rows = db.session.execute(
        select(sa.id, sa.reference, st.number, st.due_date, st.currency, t.position,
               t.from_organization_id, t.to_organization_id, t.amount, paid)
        .join(st, st.id == t.statement_id).join(sa, sa.id == st.arrangement_id)
        .where(st.status != "withdrawn", st.due_date < today,
               # the latest statement in force carries what earlier ones left outstanding
               ~exists().where(later.arrangement_id == st.arrangement_id,
                               later.status != "withdrawn", later.number > st.number),
               *scope.arrangements(), *involved))
    items = []
    for (arrangement_id, reference, number, due, currency, position, payer, payee, amount,
         paid_raw) in rows:
        outstanding = amount - _money(paid_raw)
        if outstanding <= 0:
            continue
        url = _path("statements.detail", "transfers", reference=reference, number=number)
        sentence = Message("%(payer)s owes %(payee)s %(amount)s on %(reference)s statement "
                           "%(number)s, due %(day)s", payer=codes[payer], payee=codes[payee],
                           amount=Money(outstanding, currency), reference=reference,
                           number=number, day=LongDate(due))
        for org, action, roles in ((payer, True, FINANCE),
                                   (payee, False, FINANCE_AND_LEADERSHIP)):
            if scope.wants(org):
                items.append(Item(
                    f"transfer_overdue:{reference}:{number}:{position}:{codes[org]}",
                    "transfer_overdue", action, org, codes[org], roles, sentence, url, due,
                    arrangement_id))
    return items


def _money(raw: Any) -> Decimal:
    """A SUM over a Money column comes back as the stored integer of 10^-4 units."""
    if isinstance(raw, Decimal):
        return raw
    return Decimal(int(raw or 0)).scaleb(-4)


def _notices(scope: _Scope, codes: dict[int, str], today: date) -> list[Item]:
    sa, party = SpecialArrangement, ArrangementParty
    rows = db.session.execute(
        select(sa.id, sa.reference, sa.termination_notice_date, sa.termination_effective_date,
               sa.terminated_by_id, party.organization_id)
        .join(party, party.arrangement_id == sa.id)
        .where(sa.termination_notice_date.is_not(None),
               sa.termination_effective_date >= today,
               party.organization_id != func.coalesce(sa.terminated_by_id, 0),
               *scope.arrangements(), *scope.organization(party.organization_id)))
    items = []
    for arrangement_id, reference, notice, effective, by, org in rows:
        code, giver = codes[org], codes.get(by) if by else None
        items.append(Item(
            f"notice_given:{reference}:{notice}:{code}", "notice_given", False,
            org, code, EVERYONE,
            Message("%(giver)s gave notice of termination of %(reference)s on %(notice)s: it "
                    "takes effect on %(day)s", giver=giver or Message("A party"),
                    reference=reference, notice=LongDate(notice), day=LongDate(effective)),
            _path("arrangements.detail", "termination", reference=reference), effective,
            arrangement_id))
    return items


def _threshold(days: int) -> int:
    return next(limit for limit in ENDING_THRESHOLDS if days <= limit)


def _ending(scope: _Scope, codes: dict[int, str], today: date) -> list[Item]:
    sa, party = SpecialArrangement, ArrangementParty
    horizon = today + timedelta(days=max(ENDING_THRESHOLDS))
    rows = db.session.execute(
        select(sa.id, sa.reference, sa.end_date, sa.termination_effective_date,
               party.organization_id)
        .join(party, party.arrangement_id == sa.id)
        .where(sa.status == "in_force",
               or_(sa.end_date.between(today, horizon),
                   sa.termination_effective_date.between(today + timedelta(days=1),
                                                         horizon + timedelta(days=1))),
               *scope.arrangements(), *scope.organization(party.organization_id)))
    items = []
    for arrangement_id, reference, end, effective, org in rows:
        days = [d for d in (end, effective - timedelta(days=1) if effective else None) if d]
        last = min(days)
        if not today <= last <= horizon:
            continue
        within, code = _threshold((last - today).days), codes[org]
        items.append(Item(
            f"ending:{reference}:{last.isoformat()}:{within}:{code}", "ending", False, org,
            code, EVERYONE, Message("%(reference)s ends on %(day)s (within %(days)s days)",
                                    reference=reference, day=LongDate(last), days=within),
            _path("arrangements.detail", reference=reference), last, arrangement_id))
    ex = PersonnelExchange
    exchanges = db.session.execute(
        select(ex.id, ex.person_name, ex.end_date, ex.home_organization_id,
               ex.host_organization_id)
        .where(ex.status == "approved", ex.end_date.between(today, horizon), *scope.exchanges()))
    for exchange_id, person, end, home, host in exchanges:
        within = _threshold((end - today).days)
        for org in (home, host):
            if not scope.wants(org):
                continue
            code = codes[org]
            items.append(Item(
                f"ending:exchange-{exchange_id}:{end.isoformat()}:{within}:{code}", "ending",
                False, org, code, EVERYONE,
                Message("The exchange of %(person)s ends on %(day)s (within %(days)s days)",
                        person=person, day=LongDate(end), days=within),
                _path("personnel_exchanges.detail", exchange_id=exchange_id), end, None))
    return items


def _missing_rates(scope: _Scope, codes: dict[int, str]) -> list[Item]:
    sa, party = SpecialArrangement, ArrangementParty
    month = month_expression(Expense.date)
    found: set[tuple[str, str, int]] = set()
    # the expense's own currency, and the arrangement's when a cross rate needs it
    for currency in (Expense.currency, sa.currency):
        rows = db.session.execute(
            select(currency, month, party.organization_id).distinct()
            .join(sa, sa.id == Expense.arrangement_id)
            .join(party, party.arrangement_id == sa.id)
            # "table": the rate was there when it was recorded; "same": none is needed. The
            # literal lets both databases use the partial index ix_expense_rate_given.
            .where(Expense.rate_source == literal_column("'given'"),
                   currency != RATE_BASE_CURRENCY, Expense.currency != sa.currency,
                   ~exists().where(ExchangeRate.currency == currency,
                                   ExchangeRate.month == month),
                   *scope.arrangements(), *scope.organization(party.organization_id)))
        found.update((str(c), str(m), int(o)) for c, m, o in rows)
    items = []
    for currency_code, month_text, org in found:
        code = codes[org]
        items.append(Item(
            f"missing_rate:{currency_code}:{month_text}:{code}", "missing_rate", True, org,
            code, FINANCE,
            Message("No exchange rate of %(currency)s for %(month)s: expenses of that month "
                    "need it", currency=currency_code, month=month_text),
            _path("exchange_rates.rates", "rate-h"), None, None))
    return items


def _missing_receipts(scope: _Scope, codes: dict[int, str]) -> list[Item]:
    sa = SpecialArrangement
    rows = db.session.execute(
        select(sa.id, sa.reference, Expense.paid_by_id, func.count(Expense.id))
        .join(sa, sa.id == Expense.arrangement_id)
        .join(ReceiptRule, ReceiptRule.arrangement_id == sa.id)
        .where(Expense.reporting_amount >= ReceiptRule.threshold,
               not_(has_document_clause(Expense.id)),
               *scope.arrangements(), *scope.organization(Expense.paid_by_id))
        .group_by(sa.id, sa.reference, Expense.paid_by_id))
    items = []
    for arrangement_id, reference, org, count in rows:
        code = codes[org]
        items.append(Item(
            f"missing_receipt:{reference}:{code}", "missing_receipt", True, org, code, FINANCE,
            Message(N_("%(count)s expense of %(reference)s paid by %(code)s miss the required "
                       "receipt") if count == 1 else
                    N_("%(count)s expenses of %(reference)s paid by %(code)s miss the required "
                       "receipt"), count=count, reference=reference, code=code),
            _path("expenses.arrangement", reference=reference), None, arrangement_id))
    return items


def _sort_key(item: Item) -> tuple[bool, date, str]:
    return (not item.action, item.due or date.max, item.key)


#: Each kind's query and the roles its items can be for: a user's inbox runs only the queries
#: that can give items for the user's role (an admin's, every one).
_QUERIES: tuple[tuple[frozenset[str], Callable[[_Scope, dict[int, str], date], list[Item]]],
                ...] = (
    (KIND_ROLES["signature"], lambda scope, codes, today: _signatures(scope, codes)),
    (KIND_ROLES["consent"], lambda scope, codes, today: _consents(scope, codes)),
    (KIND_ROLES["approval"], lambda scope, codes, today: _approvals(scope, codes)),
    (KIND_ROLES["statement_acceptance"], lambda scope, codes, today: _statements(scope, codes)),
    (KIND_ROLES["payment_confirmation"], lambda scope, codes, today: _payments(scope, codes)),
    (KIND_ROLES["transfer_overdue"], _overdue),
    (KIND_ROLES["notice_given"], _notices),
    (KIND_ROLES["ending"], _ending),
    (KIND_ROLES["missing_rate"], lambda scope, codes, today: _missing_rates(scope, codes)),
    (KIND_ROLES["missing_receipt"], lambda scope, codes, today: _missing_receipts(scope, codes)),
)


def kinds_for(role: str) -> list[str]:
    """The kinds of items a user of ``role`` is told of (an admin: none; admins receive no
    mail, and see their organization's items on the inbox page)."""
    return [kind for kind, roles in KIND_ROLES.items() if role in roles]


def _compute(scope: _Scope, today: date, role: str | None = None) -> list[Item]:
    codes = _codes()
    items = [item for roles, query in _QUERIES
             if role is None or role == "admin" or role in roles
             for item in query(scope, codes, today)]
    return sorted(items, key=_sort_key)


def awaited_all(today: date | None = None) -> list[Item]:
    """Every item of every organization (the operator's view, for mail and digests)."""
    return _compute(_Scope(None), today or date.today())


def for_role(items: list[Item], user: Any) -> list[Item]:
    """The items of ``user``'s organization that ``user``'s role acts on or is told of
    (an admin: every item of the organization)."""
    admin = user.role == "admin"
    return [i for i in items if i.organization_id == user.organization_id
            and (admin or user.role in i.roles)]


def awaited_for(user: Any, today: date | None = None) -> list[Item]:
    """What ``user``'s organization and role must do or know, about records ``user`` may see
    (nothing for a user who is not signed in or not active)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "active", False):
        return []
    return for_role(_compute(_Scope(user), today or date.today(), user.role), user)


def count_to_do(user: Any, today: date | None = None) -> int:
    """The navigation badge: how many of :func:`awaited_for` are to do."""
    return sum(1 for item in awaited_for(user, today) if item.action)


__all__ = ["ENDING_THRESHOLDS", "Item", "awaited_all", "awaited_for", "count_to_do",
           "for_role"]
