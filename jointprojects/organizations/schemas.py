"""API shapes: organizations."""

from __future__ import annotations

from marshmallow import fields

from jointprojects.api.schemas import Code, InputSchema, OutputSchema, Text


class OrganizationIn(InputSchema):
    code = Code(required=True, metadata={"example": "UNODC"})
    name = Text(required=True, max_length=200)
    currency = Text(required=True, metadata={"example": "USD",
                                             "description": "ISO 4217 reporting currency"})


class Organization(OutputSchema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    currency = fields.String(required=True)
