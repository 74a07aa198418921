"""API: statements, acknowledgements, withdrawals, payments and receipts (API.md
"Statements, payments, closed periods"; DOMAIN.md rules 10-13)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import url_for

from jointprojects.api import api_user, bp, ensure, list_response, page_params
from jointprojects.api.openapi import XLSX, operation
from jointprojects.api.schemas import PageQuery, read, read_query, run
from jointprojects.auth import policy
from jointprojects.errors import Message, NotFound
from jointprojects.money import to_json
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.special_arrangements.services import get_arrangement
from jointprojects.statements import payments, schemas, services
from jointprojects.statements.download import statement_workbook_response
from jointprojects.statements.models import Payment, Statement


def payment_json(p: Payment) -> dict[str, Any]:
    return {
        "id": p.id, "statement": p.statement.number, "from": p.from_organization.code,
        "to": p.to_organization.code, "amount": to_json(p.amount, p.statement.currency),
        "currency": p.statement.currency, "date": p.date.isoformat(),
        "reference": p.reference, "status": p.status,
        "received_on": p.received_on.isoformat() if p.received_on else None,
        "recorded_by_admin": p.recorded_by_admin, "received_by_admin": p.received_by_admin,
    }


def party_json(line: Any, c: str) -> dict[str, Any]:
    return {"organization": line.organization if isinstance(line.organization, str)
            else line.organization.code,
            **{name: to_json(getattr(line, name), c) for name in (
                "opening_balance", "share", "paid", "balance", "payments_made",
                "payments_received", "closing_balance")}}


def statement_json(sa: SpecialArrangement, st: Statement,
                   today: date | None = None) -> dict[str, Any]:
    c = st.currency
    digests = st.workbook_digests()
    return {
        "number": st.number, "arrangement": sa.reference,
        "from": st.date_from.isoformat(), "to": st.date_to.isoformat(),
        "due_date": st.due_date.isoformat(), "status": st.status, "currency": c,
        "sha256": st.sha256, "languages": st.language_list,
        "workbooks": [{
            "language": code, "sha256": digests.get(code),
            "url": url_for("api.get_statement_workbook", reference=sa.reference,
                           number=st.number, lang=code)} for code in st.language_list],
        "unallocated": to_json(st.unallocated, c),
        "expense_count": st.expense_count,
        "share_versions": [int(n) for n in st.share_versions.split(",") if n],
        "issued_at": st.issued_at.isoformat(),
        "issued_by": st.issued_by.email if st.issued_by else None,
        "issued_for": st.issued_for.code if st.issued_for else None,
        "issued_by_admin": st.issued_by_admin,
        "withdrawal_reason": st.withdrawal_reason or None,
        "organizations": [party_json(line, c) for line in st.parties],
        "settlements": [{
            "from": s.transfer.from_organization.code, "to": s.transfer.to_organization.code,
            "amount": to_json(s.transfer.amount, c), "paid": to_json(s.paid, c),
            "outstanding": to_json(s.outstanding, c), "status": s.status,
            "overdue": s.overdue, "superseded": s.superseded,
        } for s in payments.transfer_states(st, today)],
        "acknowledgements": [{
            "organization": a.organization.code, "decision": a.decision,
            "date": a.date.isoformat(), "reason": a.reason,
            "recorded_by_admin": a.recorded_by_admin} for a in st.acknowledgements],
        "payments": [payment_json(p) for p in st.payments],
    }


@bp.post("/arrangements/<reference>/statements")
@operation("Issue the next statement up to `to`: its figures and workbook frozen, the "
           "period closed (rules 10-11)", status=201, body=schemas.StatementIn,
           response=schemas.StatementOut,
           description="422 for `to` before the period starts or after today, or while an "
                       "expense of the period misses the receipt the arrangement's rule "
                       "requires (field `receipts`, naming them); 409 when the day is "
                       "already closed (another statement was just issued).")
def issue_statement(reference: str):  # type: ignore[no-untyped-def]
    ensure(policy.STATEMENT_ISSUE)
    sa = get_arrangement(reference)
    body = read(schemas.StatementIn)
    st = run(body, services.issue_statement, sa, body.values.get("to"),
             body.values.get("due_date"), api_user(),
             languages=body.values.get("languages"))
    return statement_json(sa, st), 201


@bp.get("/arrangements/<reference>/statements")
@operation("The statements of an arrangement, by number (withdrawn ones marked)",
           query=PageQuery, response=schemas.StatementOut, many=True)
def list_statements(reference: str):  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    sa = get_arrangement(reference)
    page, per_page = page_params()
    items = services.statements_of(sa)
    shown = items[(page - 1) * per_page:page * per_page]
    return list_response([statement_json(sa, st) for st in shown], len(items))


@bp.get("/arrangements/<reference>/statement-preview")
@operation("The figures the next statement would freeze if issued up to `to` (default "
           "today)", query=schemas.PreviewQuery, response=schemas.PreviewOut,
           description="404 when there is no period to close yet.")
def preview_statement(reference: str):  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    sa = get_arrangement(reference)
    figures = services.preview(sa, read_query(schemas.PreviewQuery)["to"])
    if figures is None:
        raise NotFound(Message("%(reference)s has no period to close yet.",
                               reference=sa.reference), "to")
    c = figures.currency
    return {
        "from": figures.date_from.isoformat(), "to": figures.date_to.isoformat(),
        "currency": c, "unallocated": to_json(figures.unallocated, c),
        "expense_count": figures.expense_count, "share_versions": figures.share_versions,
        "organizations": [party_json(line, c) for line in figures.parties],
        "settlements": [{"from": t.from_org, "to": t.to_org, "amount": to_json(t.amount, c)}
                        for t in figures.transfers],
        "missing_receipts": [{
            "id": e.id, "date": e.date.isoformat(),
            "reporting_amount": to_json(e.reporting_amount, c),
            "description": e.description or ""}
            for e in services.missing_receipts(sa, figures.date_from, figures.date_to)],
    }


@bp.put("/arrangements/<reference>/payment-term")
@operation("How many days after its issue a statement is due (default 30)",
           body=schemas.PaymentTermIn, response=schemas.PaymentTermOut)
def put_payment_term(reference: str):  # type: ignore[no-untyped-def]
    ensure(policy.STATEMENT_ISSUE)
    sa = get_arrangement(reference)
    body = read(schemas.PaymentTermIn)
    run(body, services.set_payment_term, sa, body.values.get("days"), api_user())
    return {"arrangement": sa.reference, "days": sa.statement_due_days}


@bp.get("/arrangements/<reference>/statements/<int:number>")
@operation("A statement with its transfers, acknowledgements and payments",
           response=schemas.StatementOut)
def get_statement(reference: str, number: int):  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    sa = get_arrangement(reference)
    return statement_json(sa, services.get_statement(sa, number))


@bp.get("/arrangements/<reference>/statements/<int:number>.xlsx")
@operation("The statement's frozen workbook in one of its languages (`lang`, default the "
           "first): the same bytes every time, their SHA-256 equal to that language's in "
           "`workbooks` (the first one's is `sha256`)", content_type=XLSX,
           query=schemas.WorkbookQuery,
           description="404 for a language the statement was not issued in.")
def get_statement_workbook(reference: str, number: int):  # type: ignore[no-untyped-def]
    ensure(policy.REPORT_DOWNLOAD)
    sa = get_arrangement(reference)
    st = services.get_statement(sa, number)
    language = read_query(schemas.WorkbookQuery)["lang"]
    return statement_workbook_response(st, api_user(), language)


@bp.post("/arrangements/<reference>/statements/<int:number>/acknowledgements")
@operation("A party accepts or disputes the statement (rule 12)", status=201,
           body=schemas.AcknowledgementIn, response=schemas.StatementOut)
def acknowledge_statement(reference: str, number: int):  # type: ignore[no-untyped-def]
    ensure(policy.STATEMENT_ACKNOWLEDGE)
    sa = get_arrangement(reference)
    st = services.get_statement(sa, number)
    body = read(schemas.AcknowledgementIn)
    v = body.values
    run(body, services.acknowledge, sa, st, v.get("organization"), v.get("decision"),
        v.get("reason"), api_user())
    return statement_json(sa, st), 201


@bp.post("/arrangements/<reference>/statements/<int:number>/withdrawal")
@operation("The issuer withdraws the latest statement (no payment refers to it): the "
           "period opens again", status=201, body=schemas.WithdrawalIn,
           response=schemas.StatementOut,
           description="409 when a payment refers to it or it is not the latest.")
def withdraw_statement(reference: str, number: int):  # type: ignore[no-untyped-def]
    ensure(policy.STATEMENT_ISSUE)
    sa = get_arrangement(reference)
    st = services.get_statement(sa, number)
    body = read(schemas.WithdrawalIn)
    run(body, services.withdraw_statement, sa, st, body.values.get("reason"), api_user())
    return statement_json(sa, st), 201


@bp.post("/arrangements/<reference>/statements/<int:number>/payments")
@operation("The paying party records a payment against one of the statement's transfers "
           "(rule 13)", status=201, body=schemas.PaymentIn, response=schemas.PaymentOut,
           description="422 above the transfer's outstanding amount or for a transfer that "
                       "does not exist.")
def record_payment(reference: str, number: int):  # type: ignore[no-untyped-def]
    ensure(policy.PAYMENT_WRITE)
    sa = get_arrangement(reference)
    st = services.get_statement(sa, number)
    body = read(schemas.PaymentIn)
    payment = run(body, payments.record_payment, sa, st, body.value, api_user())
    return payment_json(payment), 201


@bp.post("/payments/<int:id>/receipt")
@operation("The receiving party confirms a payment's receipt", status=201,
           body=schemas.ReceiptIn, response=schemas.PaymentOut)
def confirm_receipt(id: int):  # type: ignore[no-untyped-def]
    ensure(policy.PAYMENT_WRITE)
    payment = payments.get_payment(id)
    body = read(schemas.ReceiptIn)
    run(body, payments.confirm_receipt, payment, body.values.get("organization"),
        body.values.get("date"), api_user())
    return payment_json(payment), 201
