"""Personnel exchanges between the organizations (Art. 8 of the Cooperation Agreement).

Art. 8: the organizations "examine the possibility of organizing the exchange of personnel on
a temporary basis" and "enter into special arrangements, if necessary". The rules
(../shared/DOMAIN.md, personnel exchange rules, and issue 4):

* home and host differ and are both parties of the cooperation agreement;
* the end date is required and after the start date. **Both dates are days in post**: the
  exchange covers ``start_date`` to ``end_date`` inclusive (``status_on`` says ``active`` on
  the end date, and an exchange ending on 31 August and the next one starting on 1 September
  do not overlap);
* the duration is at most ``PERSONNEL_MAX_MONTHS`` calendar months (24 by default). Since the
  end day is a day in post, N months starting on day D end at the latest on the day before
  the same date N months later: :func:`latest_end_date` (``add_months(start, N) - 1 day``,
  with the end-of-month clamping of DOMAIN.md rule 8);
* one staff member (a staff id within its home organization) is never on two exchanges that
  share a day; cancelled exchanges do not count;
* status: ``proposed`` until both the home and the host organization have recorded their
  approval (only that organization's users, or an admin, marked as such), then ``approved``;
  from the dates it reads ``active`` / ``completed``; ``cancelled`` at any time before it is
  completed;
* extensions amend the end date; each is kept (``ExchangeExtension``) and checked against
  the maximum and the overlap rule again;
* cost items are borne wholly by one organization (never split by an arrangement's shares);
  totals per organization are converted into that organization's reporting currency with the
  monthly rate table (:func:`~jointprojects.exchange_rates.services.convert_amount`).

Services take plain data, validate everything first and raise one :class:`DomainError`;
they flush and never commit. Every change writes an audit row in the same transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from jointprojects import bounds
from jointprojects.audit import services as audit
from jointprojects.auth import policy
from jointprojects.dates import span_end as latest_end_date
from jointprojects.errors import Collector, Conflict, DomainError, Message, NotFound, message_of
from jointprojects.extensions import db
from jointprojects.money import MoneyError, is_currency, parse_decimal, parse_money
from jointprojects.organizations.models import Organization
from jointprojects.organizations.services import reference_agreement
from jointprojects.personnel_exchanges.models import (
    ExchangeApproval,
    ExchangeCostItem,
    ExchangeExtension,
    PersonnelExchange,
)
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.vocabulary import COST_ITEM_CATEGORIES as COST_CATEGORIES
from jointprojects.vocabulary import N_, phrase

ARTICLE = "Art. 8"
DEFAULT_MAX_MONTHS = 24
#: Days ahead in which an ending exchange is flagged (issue 4, alerts).
ENDING_SOON_DAYS = 60
#: Statuses as read on a day (``PersonnelExchange.status_on``).

CONFLICT_MESSAGE = (
    "Someone else changed this exchange while you were editing it. "
    "Reload the page to see their changes, then apply yours again."
)
CANCELLED_MESSAGE = "This exchange was cancelled; it can no longer be changed."


def current_day() -> date:
    return date.today()  # the organizations work in the server's calendar day


def max_months() -> int:
    """The longest exchange in calendar months (``PERSONNEL_MAX_MONTHS``, default 24)."""
    if has_app_context():
        return int(current_app.config.get("PERSONNEL_MAX_MONTHS", DEFAULT_MAX_MONTHS))
    return DEFAULT_MAX_MONTHS


# --- plain data in ----------------------------------------------------------------------------

@dataclass
class CostData:
    category: str | None
    borne_by: str | None
    amount: Any  # a Decimal, or text to parse
    currency: str | None
    period_start: date | None = None
    period_end: date | None = None


@dataclass
class ExchangeData:
    staff_id: str | None = None
    person_name: str | None = None
    home_organization: str | None = None
    host_organization: str | None = None
    position: str | None = None
    duty_station: str | None = ""
    start_date: date | None = None
    end_date: date | None = None
    #: Reference of a special arrangement (any kind), or None.
    arrangement: str | None = None
    return_right_note: str | None = ""
    costs: list[CostData] = field(default_factory=list)


# --- loading ----------------------------------------------------------------------------------

def get_exchange(exchange_id: int) -> PersonnelExchange:
    exchange = db.session.get(PersonnelExchange, exchange_id)
    if exchange is None:
        raise NotFound(Message("There is no personnel exchange number %(exchange_id)s.",
                               exchange_id=exchange_id), field="id")
    return exchange


def agreement_parties() -> dict[str, Organization]:
    """The parties of the cooperation agreement, by code (UN, INTERPOL for the 1997 one)."""
    agreement = reference_agreement()
    if agreement is None:
        return {}
    return {p.organization.code: p.organization for p in agreement.parties}


def _lock_staff_member(home: str, staff_id: str) -> None:
    """Serialise writes for one staff member across processes (PostgreSQL advisory lock,
    released at commit), so two concurrent requests cannot both pass the overlap check.
    SQLite allows a single writer at a time anyway."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    member = f"personnel:{home}:{staff_id.strip().upper()}"
    digest = hashlib.blake2b(member.encode(), digest_size=8).digest()
    key = int.from_bytes(digest, "big", signed=True)
    db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _lock(exchange: PersonnelExchange) -> None:
    """Re-read the exchange under a row lock (PostgreSQL) before a change that depends on
    its approvals or dates, so concurrent approvals cannot miss each other."""
    db.session.refresh(exchange, with_for_update=True)
    db.session.expire(exchange, ["approvals", "cost_items", "extensions"])


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(CONFLICT_MESSAGE) from None
    except IntegrityError:
        raise Conflict(
            "This change collides with another one recorded at the same moment. "
            "Reload the page and try again.",
        ) from None


# --- validation -------------------------------------------------------------------------------

def _text(errors: Collector, name: str, value: str | None, label: str, max_length: int,
          required: bool = True) -> str:
    """``label`` as a sentence names it: "staff id" ("Enter the staff id.")."""
    value = (value or "").strip()
    if required and not value:
        errors.add(name, Message("Enter the %(label)s.", label=label))
    elif len(value) > max_length:
        errors.add(name, Message("Enter a %(label)s of at most %(max_length)s characters.",
                                 label=label, max_length=max_length))
    return value


def _dates_within_bounds(errors: Collector, prefix: str = "", **named: date | None) -> None:
    """:func:`bounds.check_dates` in words: "The period start must be between ..."."""
    for name, value in named.items():
        if isinstance(value, date) and (problem := bounds.date_problem(value)):
            errors.add(f"{prefix}{name}", Message("The %(value)s %(problem)s.",
                                                  value=name.replace('_', ' '), problem=problem))


def _organization(errors: Collector, name: str, code: str | None, label: str,
                  parties: dict[str, Organization]) -> Organization | None:
    """``label`` as a sentence names it: "host organization" ("Choose the host
    organization.")."""
    if not code:
        errors.add(name, Message("Choose the %(label)s.", label=label))
        return None
    org = parties.get(code)
    if org is None:
        known = db.session.scalar(select(Organization.id).filter_by(code=code))
        if known is None:
            errors.add(name, Message("Unknown organization %(code)r.", code=code))
        else:
            errors.add(name, Message("%(code)s is not a party to the cooperation agreement "
                                     "(parties: %(value)s).",
                                     code=code, value=', '.join(sorted(parties))))
    return org


def find_overlap(staff_id: str, home_organization_id: int, start: date, end: date,
                 exclude_id: int | None = None) -> PersonnelExchange | None:
    """The first exchange of the same staff member that shares a day with [start, end].
    Staff ids compare without regard to case or surrounding spaces ("un-1" is "UN-1")."""
    query = (
        select(PersonnelExchange)
        .where(
            func.upper(PersonnelExchange.staff_id) == staff_id.strip().upper(),
            PersonnelExchange.home_organization_id == home_organization_id,
            PersonnelExchange.status != "cancelled",
            PersonnelExchange.start_date <= end,
            PersonnelExchange.end_date >= start,
        )
        .order_by(PersonnelExchange.start_date, PersonnelExchange.id)
        .limit(1)
    )
    if exclude_id is not None:
        query = query.where(PersonnelExchange.id != exclude_id)
    return db.session.scalar(query)


def _check_period(errors: Collector, staff_id: str, home: Organization | None,
                  start: date | None, end: date | None, exclude_id: int | None = None,
                  start_field: str = "start_date", end_field: str = "end_date") -> None:
    """End required and after start, at most the maximum duration, no overlap."""
    if start is None:
        errors.add(start_field, "Enter the start date.")
    if end is None:
        errors.add(end_field, "Enter the end date: an exchange under Art. 8 is temporary.")
    if start is None or end is None:
        return
    outside = [(f, p) for f, d in ((start_field, start), (end_field, end))
               if (p := bounds.date_problem(d))]
    for key, problem in outside:
        errors.add(key, Message("The %(value)s %(problem)s.",
                                value=key.replace('_', ' '), problem=problem))
    if outside:
        return
    if end <= start:
        errors.add(end_field, "End date must be after the start date.")
        return
    months = max_months()
    try:
        latest = latest_end_date(start, months)
    except OverflowError:
        latest = date.max
    if end > latest:
        errors.add(end_field, Message("An exchange lasts at most %(months)s months (Art. 8: \"on "
                                      "a temporary basis\"): starting on %(start)s, it must end "
                                      "on or before %(latest)s.",
                                      months=months, start=start, latest=latest))
        return
    if not staff_id or home is None:
        return
    other = find_overlap(staff_id, home.id, start, end, exclude_id)
    if other is not None:
        name = start_field if start >= other.start_date else end_field
        errors.add(name, (
            Message("Staff member %(staff_id)s of %(code)s is already on exchange no. %(id)s "
                    "(%(code2)s, %(start_date)s to %(end_date)s); two exchanges of the same "
                    "person cannot share a day. Choose dates that do not overlap, or cancel the "
                    "other exchange.",
                    staff_id=staff_id, code=home.code, id=other.id,
                    code2=other.host_organization.code, start_date=other.start_date,
                    end_date=other.end_date)
        ))


def _arrangement(errors: Collector, reference: str | None, home: Organization | None,
                 host: Organization | None) -> SpecialArrangement | None:
    if not reference:
        return None
    sa = db.session.scalar(select(SpecialArrangement).filter_by(reference=reference))
    if sa is None:
        errors.add("arrangement", Message("Unknown special arrangement %(reference)r.",
                                          reference=reference))
        return None
    missing = [o.code for o in (home, host) if o is not None and o.code not in sa.party_codes]
    if missing:
        errors.add("arrangement", Message(
            N_("%(codes)s is not a party to %(reference)s (parties: %(parties)s).")
            if len(missing) == 1
            else N_("%(codes)s are not a party to %(reference)s (parties: %(parties)s)."),
            codes=" and ".join(missing), reference=reference, parties=", ".join(sa.party_codes)))
    return sa


def _validate_exchange(data: ExchangeData, errors: Collector, parties: dict[str, Organization],
                       exclude_id: int | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "staff_id": _text(errors, "staff_id", data.staff_id, "staff id", 60),
        "person_name": _text(errors, "person_name", data.person_name, "name", 200),
        "position": _text(errors, "position", data.position, "position", 200),
        "duty_station": _text(errors, "duty_station", data.duty_station, "duty station", 120,
                              required=False),
        "return_right_note": _text(errors, "return_right_note", data.return_right_note,
                                   "return-right note", 5000, required=False),
    }
    home = _organization(errors, "home_organization", data.home_organization,
                         "home organization", parties)
    host = _organization(errors, "host_organization", data.host_organization,
                         "host organization", parties)
    if home is not None and host is not None and home.id == host.id:
        errors.add("host_organization",
                   "The host organization must differ from the home organization.")
    _check_period(errors, values["staff_id"], home, data.start_date, data.end_date, exclude_id)
    values.update(
        home_organization=home, host_organization=host, start_date=data.start_date,
        end_date=data.end_date,
        arrangement=_arrangement(errors, data.arrangement, home, host),
    )
    return values


def _validate_cost(errors: Collector, cost: CostData, parties: dict[str, Organization],
                   start: date | None, end: date | None, prefix: str = "") -> dict[str, Any] | None:
    before = len(errors.errors)
    category = cost.category or ""
    if category not in COST_CATEGORIES:
        errors.add(f"{prefix}category", Message("Choose a category: %(value)s.",
                                                value=', '.join(COST_CATEGORIES)))
    borne_by = _organization(errors, f"{prefix}borne_by", cost.borne_by,
                             "organization that bears the cost", parties)
    currency = (cost.currency or "").strip().upper()
    amount: Decimal | None = None
    if not is_currency(currency):
        errors.add(f"{prefix}currency", "Choose a known currency (an ISO 4217 code such as "
                                        "USD or EUR).")
    try:
        amount = parse_money(cost.amount, currency) if is_currency(currency) else \
            parse_decimal(cost.amount)
    except MoneyError as exc:
        errors.add(f"{prefix}amount", Message("Enter the amount.") if str(exc) == "is required"
                   else Message("The amount %(problem)s.", problem=message_of(exc)))
    if amount is not None and amount <= 0:
        errors.add(f"{prefix}amount", "Enter an amount greater than zero.")
    if cost.period_start and cost.period_end and cost.period_end < cost.period_start:
        errors.add(f"{prefix}period_end", "The period must not end before it starts.")
    _dates_within_bounds(errors, prefix, period_start=cost.period_start,
                         period_end=cost.period_end)
    if start and end:
        for key, day in (("period_start", cost.period_start), ("period_end", cost.period_end)):
            if day is not None and not start <= day <= end:
                errors.add(f"{prefix}{key}",
                           Message("The period must fall within the exchange (%(start)s to "
                                   "%(end)s).",
                                   start=start, end=end))
    if len(errors.errors) > before:
        return None
    return {"category": category, "borne_by": borne_by, "amount": amount, "currency": currency,
            "period_start": cost.period_start, "period_end": cost.period_end}


# --- snapshots for the audit trail ----------------------------------------------------------

def exchange_snapshot(exchange: PersonnelExchange) -> dict[str, Any]:
    return audit.snapshot(exchange, extra={
        "home_organization": exchange.home_organization.code,
        "host_organization": exchange.host_organization.code,
        "arrangement": exchange.arrangement.reference if exchange.arrangement else None,
    })


def cost_snapshot(item: ExchangeCostItem) -> dict[str, Any]:
    return audit.snapshot(item, extra={"borne_by": item.borne_by.code})


# --- writing ----------------------------------------------------------------------------------

def _ensure_involved(user: Any, values: dict[str, Any]) -> None:
    """Whose records: the new terms stay an exchange of the user's organization (home or
    host) under an arrangement it sees. ``user`` None: the operator (command line)."""
    if user is None:
        return
    policy.ensure_exchange_between(user, values["home_organization"].id,
                                   values["host_organization"].id)
    if values["arrangement"] is not None:
        policy.ensure_sees_arrangement(user, values["arrangement"])


def create_exchange(data: ExchangeData, user: Any = None) -> PersonnelExchange:
    """Register a proposed exchange with its cost items. Raises DomainError (422) listing
    every broken rule; nothing is stored then."""
    if data.staff_id and data.home_organization:
        _lock_staff_member(data.home_organization, data.staff_id.strip())
    errors = Collector()
    parties = agreement_parties()
    values = _validate_exchange(data, errors, parties)
    costs = [
        _validate_cost(errors, cost, parties, data.start_date, data.end_date,
                       prefix=f"costs[{index}].")
        for index, cost in enumerate(data.costs)
    ]
    errors.raise_if_any()
    _ensure_involved(user, values)
    exchange = PersonnelExchange(status="proposed", created_by_id=getattr(user, "id", None),
                                 **values)
    exchange.cost_items = [ExchangeCostItem(**c) for c in costs if c is not None]
    db.session.add(exchange)
    _flush()
    audit.record("create", exchange, after=exchange_snapshot(exchange), user=user)
    for item in exchange.cost_items:
        audit.record("create", item, parent=exchange, after=cost_snapshot(item), user=user)
    return exchange


CORE_TERMS = ("staff_id", "home_organization", "host_organization", "start_date", "end_date")


@dataclass
class UpdateResult:
    exchange: PersonnelExchange
    #: Organizations whose approval was withdrawn because the terms they approved changed.
    withdrawn_approvals: list[str] = field(default_factory=list)


def update_exchange(exchange: PersonnelExchange, data: ExchangeData,
                    expected_version: int | None, user: Any = None) -> UpdateResult:
    """Edit an exchange (costs are added and removed separately).

    Once both organizations have approved it, its staff member, organizations and dates are
    fixed (the end date changes by :func:`extend`); on a proposed exchange, changing them
    withdraws the approvals already recorded, since they were given for other terms.
    Raises Conflict (409) when ``expected_version`` is stale.
    """
    if expected_version is not None and expected_version != exchange.version:
        raise Conflict(CONFLICT_MESSAGE)
    if data.staff_id and data.home_organization:
        _lock_staff_member(data.home_organization, data.staff_id.strip())
    if exchange.status == "cancelled":
        raise Conflict(CANCELLED_MESSAGE)
    errors = Collector()
    parties = agreement_parties()
    values = _validate_exchange(data, errors, parties, exclude_id=exchange.id)
    for item in exchange.cost_items:
        for day in (item.period_start, item.period_end):
            if day is not None and data.start_date and data.end_date and \
                    not data.start_date <= day <= data.end_date:
                errors.add(None, Message("The %(value)s cost item's period (%(value2)s) would "
                                         "fall outside the new dates; change or remove that "
                                         "cost item first.",
                                         value=phrase(item.category), value2=_period(item)))
                break
    errors.raise_if_any()
    _ensure_involved(user, values)
    changed_terms = [k for k in CORE_TERMS if getattr(exchange, k) != values[k]]
    if exchange.status == "approved" and changed_terms:
        raise Conflict(
            "Both organizations have approved this exchange: its staff member, organizations "
            "and dates are fixed. Amend the end date with an extension, or cancel the exchange "
            "and propose a new one.",
        )
    result = UpdateResult(exchange)
    before = exchange_snapshot(exchange)
    if changed_terms and exchange.approvals:
        for approval in list(exchange.approvals):
            result.withdrawn_approvals.append(approval.organization.code)
            audit.record("withdraw", approval, parent=exchange,
                         before=audit.snapshot(approval), after=None, user=user)
            exchange.approvals.remove(approval)
    for key, value in values.items():
        setattr(exchange, key, value)
    _flush()
    audit.record("update", exchange, before=before, after=exchange_snapshot(exchange),
                 user=user)
    return result


def approve(exchange: PersonnelExchange, organization_code: str | None, on: date | None,
            user: Any) -> ExchangeApproval:
    """Record the approval of the home or the host organization; once both have approved,
    the exchange is ``approved``. Only that organization's users (or an admin, marked as such)
    may record it: Forbidden (403) otherwise."""
    errors = Collector()
    if on is None:
        errors.add("date", "Enter the date.")
    _dates_within_bounds(errors, date=on)
    codes = (exchange.home_organization.code, exchange.host_organization.code)
    if not organization_code:
        errors.add("organization", "Choose the organization.")
    elif organization_code not in codes:
        errors.add("organization", Message("%(code)s is neither the home (%(value)s) nor the "
                                           "host (%(value2)s) organization of this exchange.",
                                           code=organization_code, value=codes[0],
                                           value2=codes[1]))
    errors.raise_if_any()
    policy.ensure(user, policy.PERSONNEL_APPROVE, organization_code)
    _lock(exchange)
    if exchange.status == "cancelled":
        raise Conflict(CANCELLED_MESSAGE)
    if any(a.organization.code == organization_code for a in exchange.approvals):
        raise Conflict(Message("%(code)s has already approved this exchange.",
                               code=organization_code),
                       field="organization")
    organization = (exchange.home_organization if organization_code == codes[0]
                    else exchange.host_organization)
    approval = ExchangeApproval(
        organization=organization, date=on, recorded_by_id=getattr(user, "id", None),
        recorded_by_admin=policy.acts_as_admin(user, organization_code),  # type: ignore[arg-type]  # not None: raise_if_any() raised otherwise
    )
    exchange.approvals.append(approval)
    _flush()
    audit.record("approve", approval, parent=exchange, user=user)
    if {a.organization.code for a in exchange.approvals} >= set(codes):
        before = exchange_snapshot(exchange)
        exchange.status = "approved"
        _flush()
        audit.record("update", exchange, before=before, after=exchange_snapshot(exchange),
                     user=user)
    return approval


def missing_approvals(exchange: PersonnelExchange) -> list[str]:
    """Codes of the organizations (home, host) that have not approved yet (proposed
    exchanges; ``queries.awaiting_approval_clause`` in SQL)."""
    approved = {a.organization_id for a in exchange.approvals}
    return [o.code for o in (exchange.home_organization, exchange.host_organization)
            if o.id not in approved]


def extend(exchange: PersonnelExchange, new_end: date | None, reason: str | None,
           user: Any = None) -> ExchangeExtension:
    """Amend the end date (an extension, or an earlier return). Each amendment is kept as an
    :class:`ExchangeExtension` and checked against the maximum duration and the overlap rule."""
    _lock_staff_member(exchange.home_organization.code, exchange.staff_id)
    _lock(exchange)
    if exchange.status == "cancelled":
        raise Conflict(CANCELLED_MESSAGE)
    errors = Collector()
    reason = _text(errors, "reason", reason, "reason", 5000, required=False)
    if new_end is not None and new_end == exchange.end_date:
        errors.add("end_date", Message("The exchange already ends on %(new_end)s.",
                                       new_end=new_end))
    else:
        _check_period(errors, exchange.staff_id, exchange.home_organization,
                      exchange.start_date, new_end, exclude_id=exchange.id)
    if new_end is not None:
        for item in exchange.cost_items:
            if any(d is not None and d > new_end for d in (item.period_start, item.period_end)):
                errors.add("end_date", Message("The %(value)s cost item's period (%(value2)s) "
                                               "runs past %(new_end)s; change that cost item "
                                               "first.",
                                               value=phrase(item.category),
                                               value2=_period(item), new_end=new_end))
    errors.raise_if_any()
    assert new_end is not None  # noqa: S101 - checked above; narrows the type
    extension = ExchangeExtension(old_end_date=exchange.end_date, new_end_date=new_end,
                                  reason=reason, recorded_by_id=getattr(user, "id", None))
    before = exchange_snapshot(exchange)
    exchange.extensions.append(extension)
    exchange.end_date = new_end
    _flush()
    audit.record("extend", extension, parent=exchange, user=user)
    audit.record("update", exchange, before=before, after=exchange_snapshot(exchange),
                 user=user)
    return extension


def cancel(exchange: PersonnelExchange, reason: str | None = "", user: Any = None,
           on: date | None = None) -> PersonnelExchange:
    """Cancel a proposed or approved exchange that is not completed yet."""
    _lock(exchange)
    on = on or current_day()
    if exchange.status == "cancelled":
        raise Conflict("This exchange is already cancelled.")
    if exchange.status_on(on) == "completed":
        raise Conflict("This exchange is completed; a completed exchange cannot be cancelled.")
    errors = Collector()
    reason = _text(errors, "reason", reason, "reason", 5000, required=False)
    errors.raise_if_any()
    before = exchange_snapshot(exchange)
    exchange.status = "cancelled"
    _flush()
    audit.record("cancel", exchange, before=before,
                 after={**exchange_snapshot(exchange), "reason": reason}, user=user)
    return exchange


def add_cost(exchange: PersonnelExchange, cost: CostData, user: Any = None) -> ExchangeCostItem:
    """Add a cost item borne wholly by one organization."""
    if exchange.status == "cancelled":
        raise Conflict(CANCELLED_MESSAGE)
    errors = Collector()
    values = _validate_cost(errors, cost, agreement_parties(), exchange.start_date,
                            exchange.end_date)
    errors.raise_if_any()
    item = ExchangeCostItem(**(values or {}))
    exchange.cost_items.append(item)
    _flush()
    audit.record("create", item, parent=exchange, after=cost_snapshot(item), user=user)
    return item


def remove_cost(exchange: PersonnelExchange, item_id: int, user: Any = None) -> None:
    if exchange.status == "cancelled":
        raise Conflict(CANCELLED_MESSAGE)
    item = next((c for c in exchange.cost_items if c.id == item_id), None)
    if item is None:
        raise NotFound(Message("This exchange has no cost item number %(item_id)s.",
                               item_id=item_id), field="id")
    audit.record("delete", item, parent=exchange, before=cost_snapshot(item), after=None,
                 user=user)
    exchange.cost_items.remove(item)
    _flush()


def _period(item: ExchangeCostItem) -> str:
    start = item.period_start.isoformat() if item.period_start else "…"
    end = item.period_end.isoformat() if item.period_end else "…"
    return f"{start} to {end}"


__all__ = [
    "ARTICLE", "CostData", "DomainError", "ExchangeData",
    "add_cost", "approve", "cancel", "create_exchange",
    "extend", "get_exchange", "latest_end_date",
    "missing_approvals", "remove_cost", "update_exchange",
]
