"""API shapes: expenses, exchange rates, budgets and the cost split of an arrangement."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import fields

from jointprojects.api.schemas import (
    MONTH_PATTERN,
    Code,
    Day,
    DecimalText,
    InputSchema,
    OutputSchema,
    PageQuery,
    PeriodQuery,
    Query,
    QuerySchema,
    Text,
    WholeNumber,
)
from jointprojects.expenses.services import ExpenseData
from jointprojects.special_arrangements.models import CATEGORIES

#: Rates are stored with 10 decimals in 64 bits (``jointprojects.types.Rate``): at most about
#: 9.2e8 units per dollar or per unit of the reporting currency; no currency comes near 1e8.
MAX_RATE = Decimal(10) ** 8

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


class RateIn(InputSchema):
    rate = DecimalText(required=True, below=MAX_RATE, error_messages={
        "required": "rate is required: units of the currency per one US dollar.",
        "null": "rate is required: units of the currency per one US dollar."},
        metadata={"example": "0.92", "description": "units of the currency per one US dollar"})
    source = Text()


class RateQuery(PageQuery):
    currency = Query()
    year = Query(metadata={"pattern": "^[0-9]{4}$"})


class BudgetIn(InputSchema):
    category = Text(required=True, max_length=40, metadata={"enum": list(CATEGORIES)})
    year = WholeNumber(required=True, error_messages={
        "invalid": "year must be a year such as 2025."}, metadata={"example": 2025})
    organization = Code(max_length=20, metadata={"description": "the funding party; absent: "
                                                                "the arrangement as a whole"})
    amount = DecimalText(required=True)
    note = Text(max_length=5000)


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


class Rate(OutputSchema):
    currency = fields.String(required=True)
    month = fields.String(required=True, metadata={"pattern": MONTH_PATTERN})
    rate = fields.String(required=True)
    per = fields.String(required=True, metadata={"enum": ["USD"]})
    source = fields.String(required=True, allow_none=True)
    entered_by = fields.String(required=True, allow_none=True)
    updated_at = fields.String(required=True, allow_none=True)


class BudgetLine(OutputSchema):
    id = fields.Integer(required=True)
    category = fields.String(required=True)
    year = fields.Integer(required=True)
    organization = fields.String(required=True, allow_none=True)
    budget = fields.String(required=True)
    actual = fields.String(required=True)
    remaining = fields.String(required=True)
    over = fields.Boolean(required=True)
    note = fields.String(required=True, allow_none=True)
