"""API shapes: an arrangement's budget lines."""

from __future__ import annotations

from marshmallow import fields

from jointprojects.api.schemas import (
    Code,
    DecimalText,
    InputSchema,
    OutputSchema,
    Text,
    WholeNumber,
)
from jointprojects.vocabulary import EXPENSE_CATEGORIES as CATEGORIES

# --- requests ----------------------------------------------------------------------------------


class BudgetIn(InputSchema):
    category = Text(required=True, max_length=40, metadata={"enum": list(CATEGORIES)})
    year = WholeNumber(required=True, error_messages={
        "invalid": "year must be a year such as 2025."}, metadata={"example": 2025})
    organization = Code(max_length=20, metadata={"description": "the funding party; absent: "
                                                                "the arrangement as a whole"})
    amount = DecimalText(required=True)
    note = Text(max_length=5000)


# --- responses ---------------------------------------------------------------------------------


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
