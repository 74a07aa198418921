"""API shapes: expenses and the cost split of an arrangement."""

from __future__ import annotations

from marshmallow import fields

from jointprojects.api.schemas import (
    Code,
    Day,
    DecimalText,
    InputSchema,
    OutputSchema,
    PeriodQuery,
    Query,
    QuerySchema,
    Text,
    WholeNumber,
)
from jointprojects.exchange_rates.schemas import MAX_RATE
from jointprojects.expenses.checks import ExpenseData
from jointprojects.vocabulary import EXPENSE_CATEGORIES as CATEGORIES

# --- requests ----------------------------------------------------------------------------------


class ExpenseIn(InputSchema):
    __model__ = ExpenseData

    date = Day(required=True)
    category = Text(required=True, max_length=40, metadata={"enum": list(CATEGORIES)})
    description = Text(max_length=5000)
    amount = DecimalText(required=True, metadata={"description": "in currency; a refund is "
                                                                 "negative"})
    currency = Text(required=True, max_length=3, metadata={"example": "EUR"})
    exchange_rate = DecimalText(below=MAX_RATE, metadata={
        "description": "units of the currency per one unit of the reporting currency; "
                       "absent: the month's rate of the exchange rates table",
        "example": "0.92"})
    paid_by = Code(required=True, max_length=20)
    document_reference = Text(max_length=120)
    adjusts = WholeNumber(strings=False, metadata={
        "description": "the id of the expense this one corrects (an adjustment of a closed "
                       "period, DOMAIN.md rule 11); requires a reason"})
    reason = Text(max_length=5000, metadata={"description": "why the adjustment is made"})


class ExpenseChangeIn(ExpenseIn):
    version = WholeNumber(required=True, error_messages={
        "required": "version is required: the version you read, to detect a concurrent "
                    "change.",
        "null": "version is required: the version you read, to detect a concurrent change."})


class ExpenseQuery(PeriodQuery):
    category = Query(metadata={"enum": list(CATEGORIES)})
    paid_by = Query(metadata={"description": "the paying party's code"})


def _digits(text: str) -> int:
    if not text.isdigit():
        raise ValueError(text)
    return int(text)


class DeleteQuery(QuerySchema):
    version = Query(_digits, "version must be a whole number.",
                    metadata={"description": "the version you read (409 if it changed)",
                              "type": "integer", "minimum": 0})


# --- responses ---------------------------------------------------------------------------------


class Allocation(OutputSchema):
    organization = fields.String(required=True)
    amount = fields.String(required=True)


class Expense(OutputSchema):
    id = fields.Integer(required=True)
    arrangement = fields.String(required=True)
    date = fields.Date(required=True)
    category = fields.String(required=True)
    description = fields.String(required=True, allow_none=True)
    amount = fields.String(required=True)
    currency = fields.String(required=True)
    exchange_rate = fields.String(required=True)
    rate_source = fields.String(required=True, metadata={"enum": ["given", "table", "same"]})
    paid_by = fields.String(required=True)
    document_reference = fields.String(required=True, allow_none=True)
    reporting_amount = fields.String(required=True)
    reporting_currency = fields.String(required=True)
    allocation = fields.List(fields.Nested(Allocation), required=True,
                             metadata={"description": "every party, in the party order"})
    unallocated = fields.String(required=True)
    share_version = fields.Integer(required=True)
    version = fields.Integer(required=True)
    adjusts = fields.Integer(required=True, allow_none=True,
                             metadata={"description": "the expense this adjustment corrects"})
    reason = fields.String(required=True)
    adjusted_by = fields.List(fields.Integer(), required=True,
                              metadata={"description": "the adjustments correcting it"})
    over_budget = fields.Boolean()


class ExpenseDetail(Expense):
    budget_warnings = fields.List(fields.String(), required=True)


class PartyFigures(OutputSchema):
    organization = fields.String(required=True)
    share = fields.String(required=True)
    paid = fields.String(required=True)
    balance = fields.String(required=True)


class Settlement(OutputSchema):
    from_org = fields.String(data_key="from", required=True)
    to_org = fields.String(data_key="to", required=True)
    amount = fields.String(required=True)


class CostSplit(OutputSchema):
    currency = fields.String(required=True)
    date_from = fields.Date(data_key="from", required=True, allow_none=True)
    date_to = fields.Date(data_key="to", required=True, allow_none=True)
    total = fields.String(required=True)
    unallocated = fields.String(required=True)
    expense_count = fields.Integer(required=True)
    organizations = fields.List(fields.Nested(PartyFigures), required=True)
    settlements = fields.List(fields.Nested(Settlement), required=True)
