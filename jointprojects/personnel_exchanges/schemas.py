"""API shapes: personnel exchanges (Art. 8), approvals, extensions, cancellation and costs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from marshmallow import fields

from jointprojects.api.schemas import (
    Code,
    Day,
    DecimalText,
    InputSchema,
    Objects,
    OutputSchema,
    PageQuery,
    Query,
    QuerySchema,
    Text,
    WholeNumber,
)
from jointprojects.personnel_exchanges.models import COST_CATEGORIES
from jointprojects.personnel_exchanges.services import (
    DISPLAY_STATUSES,
    CostData,
    ExchangeData,
)

# --- requests ----------------------------------------------------------------------------------


class CostIn(InputSchema):
    __component__ = "PersonnelCost"
    __model__ = CostData

    category = Text(required=True, metadata={"enum": list(COST_CATEGORIES)})
    borne_by = Code(required=True, metadata={"description": "the bearing organization's code"})
    amount = DecimalText(required=True)
    currency = Text(required=True, metadata={"example": "USD"})
    period_start = Day()
    period_end = Day()


class ExchangeChangeIn(InputSchema):
    """The exchange's own fields (its costs are added and removed on their own)."""

    __component__ = "PersonnelExchangeChange"
    __model__ = ExchangeData

    staff_id = Text(required=True, max_length=60)
    person_name = Text(required=True, max_length=200)
    home_organization = Code(required=True)
    host_organization = Code(required=True)
    position = Text(required=True, max_length=200)
    duty_station = Text(max_length=120)
    start_date = Day(required=True)
    end_date = Day(required=True, metadata={"description": "last day in post (inclusive)"})
    arrangement = Code(metadata={"description": "reference of a special arrangement"})
    return_right_note = Text(max_length=5000)
    version = WholeNumber(strings=False, error_messages={
        "invalid": "version must be the whole number read with the exchange."},
        metadata={"description": "the version read (409 if it changed)"})


class ExchangeIn(ExchangeChangeIn):
    __component__ = "PersonnelExchange"
    costs = Objects(CostIn)

    class Meta(InputSchema.Meta):
        exclude = ("version",)


class ApprovalIn(InputSchema):
    organization = Code(required=True)
    date = Day(required=True)


class ExtensionIn(InputSchema):
    end_date = Day(required=True)
    reason = Text(max_length=5000)


class CancellationIn(InputSchema):
    reason = Text(max_length=5000)


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _status(text: str) -> str:
    if text not in DISPLAY_STATUSES:
        raise ValueError(text)
    return text


def _days(high: int) -> Callable[[str], int]:
    def check(text: str) -> int:
        if not text.isdigit() or int(text) > high:
            raise ValueError(text)
        return int(text)

    return check


class ExchangeQuery(PageQuery):
    active_on = Query(_day, "active_on must be a date written YYYY-MM-DD.", metadata={
        "format": "date", "description": "those not cancelled whose dates cover that day"})
    status = Query(_status, f"status must be one of {', '.join(DISPLAY_STATUSES)}.",
                   metadata={"enum": list(DISPLAY_STATUSES)})
    ending_within = Query(_days(3660), "ending_within must be a number of days (0 to 3660).",
                          metadata={"type": "integer", "minimum": 0, "maximum": 3660})
    organization = Query(metadata={"description": "home or host organization code"})
    arrangement = Query(metadata={"description": "reference of a special arrangement"})


class CostsQuery(QuerySchema):
    arrangement = Query(metadata={"description": "reference: that arrangement's exchanges"})


# --- responses ---------------------------------------------------------------------------------


class Cost(OutputSchema):
    __component__ = "PersonnelCostItem"
    id = fields.Integer(required=True)
    category = fields.String(required=True)
    borne_by = fields.String(required=True)
    amount = fields.String(required=True)
    currency = fields.String(required=True)
    period_start = fields.Date(required=True, allow_none=True)
    period_end = fields.Date(required=True, allow_none=True)
    reporting_currency = fields.String(required=True)
    reporting_amount = fields.String(required=True, allow_none=True, metadata={
        "description": "null while the month's exchange rate is missing"})


class CostTotal(OutputSchema):
    organization = fields.String(required=True)
    currency = fields.String(required=True)
    amount = fields.String(required=True)
    items = fields.Integer(required=True)
    complete = fields.Boolean(required=True, metadata={
        "description": "false when some item's month has no exchange rate yet"})


class Approval(OutputSchema):
    organization = fields.String(required=True)
    date = fields.Date(required=True, allow_none=True)
    recorded_by_admin = fields.Boolean(required=True)


class Extension(OutputSchema):
    old_end_date = fields.Date(required=True, allow_none=True)
    new_end_date = fields.Date(required=True, allow_none=True)
    reason = fields.String(required=True, allow_none=True)
    recorded_at = fields.String(required=True)


class Exchange(OutputSchema):
    __component__ = "PersonnelExchangeRecord"
    id = fields.Integer(required=True)
    article = fields.String(required=True)
    staff_id = fields.String(required=True)
    person_name = fields.String(required=True)
    home_organization = fields.String(required=True)
    host_organization = fields.String(required=True)
    position = fields.String(required=True)
    duty_station = fields.String(required=True, allow_none=True)
    start_date = fields.Date(required=True, allow_none=True)
    end_date = fields.Date(required=True, allow_none=True)
    arrangement = fields.String(required=True, allow_none=True)
    return_right_note = fields.String(required=True, allow_none=True)
    status = fields.String(required=True)
    version = fields.Integer(required=True)
    approvals = fields.List(fields.Nested(Approval), required=True)
    awaiting_approval_from = fields.List(fields.String(), required=True)
    ending_soon = fields.Boolean(required=True)
    extensions = fields.List(fields.Nested(Extension), required=True)
    costs = fields.List(fields.Nested(Cost), required=True)
    totals = fields.List(fields.Nested(CostTotal), required=True)


class CostRow(OutputSchema):
    exchange = fields.Integer(required=True)
    staff_id = fields.String(required=True)
    person_name = fields.String(required=True)
    home_organization = fields.String(required=True)
    host_organization = fields.String(required=True)
    position = fields.String(required=True)
    start_date = fields.Date(required=True, allow_none=True)
    end_date = fields.Date(required=True, allow_none=True)
    status = fields.String(required=True)
    category = fields.String(required=True)
    borne_by = fields.String(required=True)
    amount = fields.String(required=True)
    currency = fields.String(required=True)
    rate_month = fields.String(required=True, allow_none=True)
    reporting_currency = fields.String(required=True)
    reporting_amount = fields.String(required=True, allow_none=True)


class MissingRate(OutputSchema):
    currency = fields.String(required=True)
    month = fields.String(required=True)


class PersonnelCosts(OutputSchema):
    arrangement = fields.String(required=True, allow_none=True)
    complete = fields.Boolean(required=True)
    missing_rates = fields.List(fields.Nested(MissingRate), required=True)
    rows = fields.List(fields.Nested(CostRow), required=True)
    totals = fields.List(fields.Nested(CostTotal), required=True)
