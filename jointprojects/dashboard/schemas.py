"""API shapes: the leadership dashboard's figures (``GET /api/v1/dashboard``)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from jointprojects.api.schemas import MONTH_PATTERN, OutputSchema, Query, QuerySchema


class DashboardQuery(QuerySchema):
    """The page's filters; :func:`jointprojects.dashboard.services.read_filters` checks them."""

    date_from = Query(data_key="from", metadata={"description": "first month, YYYY-MM",
                                                 "pattern": MONTH_PATTERN})
    date_to = Query(data_key="to", metadata={"description": "last month, YYYY-MM",
                                             "pattern": MONTH_PATTERN})
    organization = Query(metadata={"description": "organization code"})
    area = Query(metadata={"description": "area of cooperation, a to f"})


def _str(nullable: bool = False) -> fields.Field[Any]:
    return fields.String(required=True, allow_none=nullable)


def _int() -> fields.Field[Any]:
    return fields.Integer(required=True)


def _day(nullable: bool = True) -> fields.Field[Any]:
    return fields.Date(required=True, allow_none=nullable)


def _list(schema: type[OutputSchema]) -> fields.Field[Any]:
    return fields.List(fields.Nested(schema), required=True)


class DashboardFilters(OutputSchema):
    date_from = fields.String(data_key="from", required=True, allow_none=True)
    date_to = fields.String(data_key="to", required=True, allow_none=True)
    organization = _str(True)
    area = _str(True)


class StatusCount(OutputSchema):
    status, count = _str(), _int()


class AreaCount(OutputSchema):
    area, label, count = _str(), _str(), _int()


class OrganizationCount(OutputSchema):
    organization, count = _str(), _int()


class DashboardProjects(OutputSchema):
    total = _int()
    by_status = _list(StatusCount)
    by_area = _list(AreaCount)


class PartlySignedItem(OutputSchema):
    reference, title = _str(), _str()
    awaited = _str()


class AwaitingSignature(OutputSchema):
    total, partly_signed, unsigned = _int(), _int(), _int()
    partly_signed_items = _list(PartlySignedItem)


class NoticeItem(OutputSchema):
    reference, title, effective_date, note = _str(), _str(), _day(), _str(True)


class UnderNotice(OutputSchema):
    count = _int()
    items = _list(NoticeItem)


class ExpiringItem(OutputSchema):
    reference, title, last_day, reason = _str(), _str(), _day(), _str(True)


class Expiring(OutputSchema):
    count = _int()
    items = _list(ExpiringItem)


class DashboardArrangements(OutputSchema):
    total, in_force = _int(), _int()
    signed = fields.Integer(required=True, metadata={
        "description": "signed by every party, entry into force still ahead"})
    awaiting_signature = fields.Nested(AwaitingSignature, required=True)
    under_notice = fields.Nested(UnderNotice, required=True)
    expiring_within_days = _int()
    expiring = fields.Nested(Expiring, required=True)
    terminated, expired = _int(), _int()


class AmendmentItem(OutputSchema):
    reference, number, effective_date = _str(), _int(), _day()
    awaiting = fields.List(fields.String(), required=True)


class AmendmentsAwaiting(OutputSchema):
    count = _int()
    by_organization = _list(OrganizationCount)
    items = _list(AmendmentItem)


class PartyMoney(OutputSchema):
    organization, budget, share, paid, balance = _str(), _str(), _str(), _str(), _str()


class BurnMonth(OutputSchema):
    month, spend, cumulative = _str(), _str(), _str()


class CurrencyMoney(OutputSchema):
    currency, budget, budget_unassigned, spend = _str(), _str(), _str(), _str()
    remaining, unallocated, expense_count = _str(), _str(), _int()
    parties = _list(PartyMoney)
    burn = _list(BurnMonth)


class EndingItem(OutputSchema):
    staff, home, host, position, end_date = _str(), _str(), _str(), _str(True), _day()


class Ending(OutputSchema):
    count = _int()
    items = _list(EndingItem)


class DashboardPersonnel(OutputSchema):
    on_exchange_today = _int()
    on_exchange_by_host = _list(OrganizationCount)
    ending_within_days = _int()
    ending = fields.Nested(Ending, required=True)
    awaiting_approval = _int()


class Dashboard(OutputSchema):
    as_of = fields.Date(required=True)
    filters = fields.Nested(DashboardFilters, required=True)
    projects = fields.Nested(DashboardProjects, required=True)
    arrangements = fields.Nested(DashboardArrangements, required=True)
    amendments_awaiting_consent = fields.Nested(AmendmentsAwaiting, required=True)
    money = _list(CurrencyMoney)
    personnel = fields.Nested(DashboardPersonnel, required=True)
