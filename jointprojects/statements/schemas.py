"""API shapes: statements, acknowledgements, withdrawals, payments and receipts (API.md
"Statements, payments, closed periods")."""

from __future__ import annotations

from datetime import date

from marshmallow import fields

from jointprojects.api.schemas import (
    Code,
    Day,
    DecimalText,
    InputSchema,
    OutputSchema,
    Query,
    QuerySchema,
    Text,
    WholeNumber,
)
from jointprojects.locales import LANGUAGES
from jointprojects.statements.payments import PaymentData
from jointprojects.vocabulary import (
    PAYMENT_STATUSES,
    STATEMENT_DECISIONS,
    STATEMENT_STATUSES,
    TRANSFER_STATUSES,
)

# --- requests ----------------------------------------------------------------------------------


class StatementIn(InputSchema):
    to = Day(required=True, metadata={"description": "the last day of the period (not after "
                                                     "today)"})
    due_date = Day(metadata={"description": "default: the issue date + the arrangement's "
                                            "payment term (30 days)"})
    languages = fields.List(
        Text(max_length=2, metadata={"enum": list(LANGUAGES)}), metadata={
            "description": "the languages of its workbooks, the first one's SHA-256 being "
                           "`sha256` (default [\"en\", \"fr\"]: English and French)",
            "maxItems": 2})


class AcknowledgementIn(InputSchema):
    organization = Code(required=True, max_length=20)
    decision = Text(required=True, max_length=20, metadata={"enum": list(STATEMENT_DECISIONS)})
    reason = Text(max_length=5000, metadata={"description": "required to dispute"})


class WithdrawalIn(InputSchema):
    reason = Text(required=True, max_length=5000)


class PaymentIn(InputSchema):
    __model__ = PaymentData

    from_org = Code(required=True, max_length=20, data_key="from", attribute="from_org")
    to_org = Code(required=True, max_length=20, data_key="to", attribute="to_org")
    amount = DecimalText(required=True, metadata={"description": "in the arrangement's "
                                                                 "currency"})
    date = Day(required=True)
    reference = Text(required=True, max_length=120,
                     metadata={"description": "the bank reference"})


class PaymentTermIn(InputSchema):
    days = WholeNumber(required=True, metadata={"minimum": 1, "maximum": 366})


class PaymentTermOut(OutputSchema):
    arrangement = fields.String(required=True)
    days = fields.Integer(required=True)


class ReceiptIn(InputSchema):
    organization = Code(required=True, max_length=20)
    date = Day(required=True)


def _day(text: str) -> date:
    return date.fromisoformat(text)


class PreviewQuery(QuerySchema):
    to = Query(_day, "to must be a date written YYYY-MM-DD.", metadata={"format": "date"})


class WorkbookQuery(QuerySchema):
    lang = Query(metadata={"enum": list(LANGUAGES), "description": "the workbook's language "
                           "(default: the statement's first); 404 for a language it was not "
                           "issued in"})


# --- responses ---------------------------------------------------------------------------------


class PartyLine(OutputSchema):
    organization = fields.String(required=True)
    opening_balance = fields.String(required=True)
    share = fields.String(required=True)
    paid = fields.String(required=True)
    balance = fields.String(required=True)
    payments_made = fields.String(required=True)
    payments_received = fields.String(required=True)
    closing_balance = fields.String(required=True)


class TransferOut(OutputSchema):
    from_org = fields.String(data_key="from", required=True)
    to_org = fields.String(data_key="to", required=True)
    amount = fields.String(required=True)
    paid = fields.String(required=True)
    outstanding = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": list(TRANSFER_STATUSES)})
    overdue = fields.Boolean(required=True)
    superseded = fields.Boolean(required=True, metadata={
        "description": "a later statement carries what is outstanding"})


class AcknowledgementOut(OutputSchema):
    organization = fields.String(required=True)
    decision = fields.String(required=True, metadata={"enum": list(STATEMENT_DECISIONS)})
    date = fields.Date(required=True)
    reason = fields.String(required=True)
    recorded_by_admin = fields.Boolean(required=True)


class PaymentOut(OutputSchema):
    id = fields.Integer(required=True)
    statement = fields.Integer(required=True)
    from_org = fields.String(data_key="from", required=True)
    to_org = fields.String(data_key="to", required=True)
    amount = fields.String(required=True)
    currency = fields.String(required=True)
    date = fields.Date(required=True)
    reference = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": list(PAYMENT_STATUSES)})
    received_on = fields.Date(required=True, allow_none=True)
    recorded_by_admin = fields.Boolean(required=True)
    received_by_admin = fields.Boolean(required=True)


class WorkbookOut(OutputSchema):
    __component__ = "StatementWorkbook"

    language = fields.String(required=True, metadata={"enum": list(LANGUAGES)})
    sha256 = fields.String(required=True)
    url = fields.String(required=True)


class StatementOut(OutputSchema):
    number = fields.Integer(required=True)
    arrangement = fields.String(required=True)
    date_from = fields.Date(data_key="from", required=True)
    date_to = fields.Date(data_key="to", required=True)
    due_date = fields.Date(required=True)
    status = fields.String(required=True, metadata={"enum": list(STATEMENT_STATUSES)})
    currency = fields.String(required=True)
    sha256 = fields.String(required=True, metadata={
        "description": "the SHA-256 of the first language's workbook"})
    languages = fields.List(fields.String(metadata={"enum": list(LANGUAGES)}), required=True)
    workbooks = fields.List(fields.Nested(WorkbookOut), required=True)
    unallocated = fields.String(required=True)
    expense_count = fields.Integer(required=True)
    share_versions = fields.List(fields.Integer(), required=True)
    issued_at = fields.DateTime(required=True)
    issued_by = fields.String(required=True, allow_none=True)
    issued_for = fields.String(required=True, allow_none=True,
                               metadata={"description": "null: issued on the command line"})
    issued_by_admin = fields.Boolean(required=True)
    withdrawal_reason = fields.String(required=True, allow_none=True)
    organizations = fields.List(fields.Nested(PartyLine), required=True)
    settlements = fields.List(fields.Nested(TransferOut), required=True)
    acknowledgements = fields.List(fields.Nested(AcknowledgementOut), required=True)
    payments = fields.List(fields.Nested(PaymentOut), required=True)


class PreviewTransfer(OutputSchema):
    from_org = fields.String(data_key="from", required=True)
    to_org = fields.String(data_key="to", required=True)
    amount = fields.String(required=True)


class MissingReceipt(OutputSchema):
    id = fields.Integer(required=True)
    date = fields.Date(required=True)
    reporting_amount = fields.String(required=True)
    description = fields.String(required=True)


class PreviewOut(OutputSchema):
    date_from = fields.Date(data_key="from", required=True)
    date_to = fields.Date(data_key="to", required=True)
    currency = fields.String(required=True)
    unallocated = fields.String(required=True)
    expense_count = fields.Integer(required=True)
    share_versions = fields.List(fields.Integer(), required=True)
    organizations = fields.List(fields.Nested(PartyLine), required=True)
    settlements = fields.List(fields.Nested(PreviewTransfer), required=True)
    missing_receipts = fields.List(fields.Nested(MissingReceipt), required=True, metadata={
        "description": "Expenses of the period the receipt rule requires a receipt for "
                       "that have none: the statement cannot be issued while any is left."})
