"""API shapes: the exchange rates table."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import fields

from jointprojects.api.schemas import (
    MONTH_PATTERN,
    DecimalText,
    InputSchema,
    OutputSchema,
    PageQuery,
    Query,
    Text,
)

#: Rates are stored with 10 decimals in 64 bits (``jointprojects.types.Rate``): at most about
#: 9.2e8 units per dollar or per unit of the reporting currency; no currency comes near 1e8.
MAX_RATE = Decimal(10) ** 8

# --- requests ----------------------------------------------------------------------------------


class RateIn(InputSchema):
    rate = DecimalText(required=True, below=MAX_RATE, error_messages={
        "required": "rate is required: units of the currency per one US dollar.",
        "null": "rate is required: units of the currency per one US dollar."},
        metadata={"example": "0.92", "description": "units of the currency per one US dollar"})
    source = Text()


class RateQuery(PageQuery):
    currency = Query()
    year = Query(metadata={"pattern": "^[0-9]{4}$"})


# --- responses ---------------------------------------------------------------------------------


class Rate(OutputSchema):
    currency = fields.String(required=True)
    month = fields.String(required=True, metadata={"pattern": MONTH_PATTERN})
    rate = fields.String(required=True)
    per = fields.String(required=True, metadata={"enum": ["USD"]})
    source = fields.String(required=True, allow_none=True)
    entered_by = fields.String(required=True, allow_none=True)
    updated_at = fields.String(required=True, allow_none=True)
