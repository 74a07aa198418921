"""API: expenses, exchange rates, budgets and the cost split of an arrangement (API.md).

Money is a JSON string with its currency's minor units; an expense's ``allocation`` lists
every party in the arrangement's party order.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import request
from sqlalchemy import func, select

from jointprojects.api import api_user, bp, ensure, list_response, openapi, page_params
from jointprojects.api.inputs import Reader, json_body, run
from jointprojects.auth import policy
from jointprojects.errors import Collector
from jointprojects.expenses import services
from jointprojects.expenses.models import ExchangeRate, Expense
from jointprojects.extensions import db
from jointprojects.money import to_json
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.special_arrangements.services import get_arrangement
from jointprojects.vocabulary import EXPENSE_CATEGORIES
from reports.data import BudgetLine, CostSplit


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def expense_json(e: Expense, sa: SpecialArrangement, parts: dict[str, Any] | None = None,
                 over_budget: bool | None = None) -> dict[str, Any]:
    if parts is None:
        parts = {p.organization.code: p.amount for p in e.parts}
    body: dict[str, Any] = {
        "id": e.id,
        "arrangement": sa.reference,
        "date": e.date.isoformat(),
        "category": e.category,
        "description": e.description,
        "amount": to_json(e.amount, e.currency),
        "currency": e.currency,
        "exchange_rate": services.rate_to_json(e.exchange_rate),
        "rate_source": e.rate_source,
        "paid_by": e.paid_by.code,
        "document_reference": e.document_reference,
        "reporting_amount": to_json(e.reporting_amount, sa.currency),
        "reporting_currency": sa.currency,
        "allocation": [
            {"organization": code, "amount": to_json(parts.get(code, Decimal(0)), sa.currency)}
            for code in sa.party_codes
        ],
        "unallocated": to_json(e.unallocated, sa.currency),
        "share_version": e.share_version_number,
        "version": e.version,
    }
    if over_budget is not None:
        body["over_budget"] = over_budget
    return body


def cost_split_json(split: CostSplit) -> dict[str, Any]:
    c = split.currency
    return {
        "currency": c,
        "from": _iso(split.date_from),
        "to": _iso(split.date_to),
        "total": to_json(split.total, c),
        "unallocated": to_json(split.unallocated, c),
        "expense_count": split.expense_count,
        "organizations": [
            {"organization": p.organization, "share": to_json(p.share, c),
             "paid": to_json(p.paid, c), "balance": to_json(p.balance, c)}
            for p in split.organizations
        ],
        "settlements": [
            {"from": t.from_org, "to": t.to_org, "amount": to_json(t.amount, c)}
            for t in split.settlements
        ],
    }


def rate_json(rate: ExchangeRate) -> dict[str, Any]:
    return {
        "currency": rate.currency,
        "month": rate.month,
        "rate": services.rate_to_json(rate.rate),
        "per": "USD",
        "source": rate.source,
        "entered_by": rate.entered_by.email if rate.entered_by else None,
        "updated_at": rate.updated_at.isoformat() if rate.updated_at else None,
    }


def _period() -> tuple[date | None, date | None]:
    errors = Collector()
    values = []
    for key in ("from", "to"):
        raw = request.args.get(key, "").strip()
        value = None
        if raw:
            try:
                value = date.fromisoformat(raw)
            except ValueError:
                errors.add(key, f"{key} must be a date written YYYY-MM-DD.")
        values.append(value)
    errors.raise_if_any()
    return values[0], values[1]


def _read_expense(body: Reader) -> services.ExpenseData:
    return services.ExpenseData(
        date=body.date("date"),
        category=body.str("category", max_length=40),
        description=body.str("description", required=False, max_length=5000) or "",
        amount=body.data.get("amount"),
        currency=body.str("currency", max_length=3),
        exchange_rate=body.data.get("exchange_rate"),
        paid_by=body.str("paid_by", max_length=20),
        document_reference=body.str("document_reference", required=False, max_length=120) or "",
    )


def _version(value: Any, errors: Collector, required: bool) -> int | None:
    if value is None or value == "":
        if required:
            errors.add("version", "version is required: the version you read, to detect "
                                  "a concurrent change.")
        return None
    if isinstance(value, bool) or not str(value).isdigit():
        errors.add("version", "version must be a whole number.")
        return None
    return int(value)


# --- exchange rates ------------------------------------------------------------------------

@bp.put("/exchange-rates/<currency>/<month>")
def put_exchange_rate(currency: str, month: str):  # type: ignore[no-untyped-def]
    ensure(policy.RATE_WRITE)
    body = Reader(json_body())
    rate = body.data.get("rate")
    if rate is None or rate == "":
        body.errors.add("rate", "rate is required: units of the currency per one US dollar.")
    source = body.str("source", required=False, max_length=300) or ""
    saved = run(body, services.set_rate, currency, month, rate, source, api_user())
    return rate_json(saved), 200


@bp.get("/exchange-rates")
def list_exchange_rates():  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    page, per_page = page_params()
    query = services.rate_query(request.args.get("currency", "").strip(),
                                request.args.get("year", "").strip())
    query = query.order_by(None).order_by(ExchangeRate.month, ExchangeRate.currency)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page))
    return list_response([rate_json(r) for r in items], int(total or 0))


# --- expenses ------------------------------------------------------------------------------

@bp.post("/arrangements/<reference>/expenses")
def create_expense(reference: str):  # type: ignore[no-untyped-def]
    ensure(policy.EXPENSE_WRITE)
    sa = get_arrangement(reference)
    body = Reader(json_body())
    data = _read_expense(body)
    expense = run(body, services.record_expense, sa, data, api_user())
    warnings = services.budget_overruns(expense)
    return {**expense_json(expense, sa, over_budget=bool(warnings)),
            "budget_warnings": warnings}, 201


@bp.get("/arrangements/<reference>/expenses")
def list_expenses(reference: str):  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    sa = get_arrangement(reference)
    page, per_page = page_params()
    date_from, date_to = _period()
    filters = services.ExpenseFilter(
        date_from=date_from, date_to=date_to,
        category=request.args.get("category", "").strip() or None,
        paid_by=request.args.get("paid_by", "").strip() or None,
    )
    query = services.expense_query(sa, filters)
    total = db.session.scalar(select(func.count()).select_from(
        query.order_by(None).subquery()))
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    ids = [e.id for e in items]
    parts = services.parts_of(ids)
    flagged = services.over_budget_ids(sa, ids)
    return list_response(
        [expense_json(e, sa, parts[e.id], over_budget=e.id in flagged) for e in items],
        int(total or 0))


@bp.get("/arrangements/<reference>/expenses/<int:expense_id>")
def get_expense(reference: str, expense_id: int):  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    sa = get_arrangement(reference)
    expense = services.get_expense(expense_id, sa)
    warnings = services.budget_overruns(expense)
    return {**expense_json(expense, sa, over_budget=bool(warnings)),
            "budget_warnings": warnings}


@bp.put("/arrangements/<reference>/expenses/<int:expense_id>")
def update_expense(reference: str, expense_id: int):  # type: ignore[no-untyped-def]
    ensure(policy.EXPENSE_WRITE)
    sa = get_arrangement(reference)
    expense = services.get_expense(expense_id, sa)
    body = Reader(json_body())
    data = _read_expense(body)
    version = _version(body.data.get("version"), body.errors, required=True)
    if version is None:  # report the fields' problems too, then refuse without a version
        run(body, services.check_expense, sa, data)
    run(body, services.update_expense, expense, data, version, api_user())
    warnings = services.budget_overruns(expense)
    return {**expense_json(expense, sa, over_budget=bool(warnings)),
            "budget_warnings": warnings}


@bp.delete("/arrangements/<reference>/expenses/<int:expense_id>")
def delete_expense(reference: str, expense_id: int):  # type: ignore[no-untyped-def]
    ensure(policy.EXPENSE_WRITE)
    sa = get_arrangement(reference)
    expense = services.get_expense(expense_id, sa)
    errors = Collector()
    version = _version(request.args.get("version"), errors, required=False)
    errors.raise_if_any()
    services.delete_expense(expense, version, api_user())
    return "", 204


@bp.get("/arrangements/<reference>/cost-split")
def get_cost_split(reference: str):  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    sa = get_arrangement(reference)
    date_from, date_to = _period()
    return cost_split_json(services.cost_split(sa, date_from, date_to))


# --- budgets -------------------------------------------------------------------------------

def budget_json(line: BudgetLine, currency: str) -> dict[str, Any]:
    return {
        "id": line.id, "category": line.category, "year": line.year,
        "organization": line.organization, "budget": to_json(line.budget, currency),
        "actual": to_json(line.actual, currency), "remaining": to_json(line.remaining, currency),
        "over": line.over, "note": line.note,
    }


@bp.get("/arrangements/<reference>/budgets")
def list_budgets(reference: str):  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    sa = get_arrangement(reference)
    lines = services.budget_vs_actual(sa)
    return list_response([budget_json(line, sa.currency) for line in lines], len(lines))


@bp.put("/arrangements/<reference>/budgets")
def put_budget(reference: str):  # type: ignore[no-untyped-def]
    ensure(policy.BUDGET_WRITE)
    sa = get_arrangement(reference)
    body = Reader(json_body())
    category = body.str("category", max_length=40)
    year = body.data.get("year")
    if year is None:
        body.errors.add("year", "year is required.")
    organization = body.str("organization", required=False, max_length=20) or None
    amount = body.data.get("amount")
    note = body.str("note", required=False, max_length=5000) or ""
    budget = run(body, services.set_budget, sa, category, year, organization, amount,
                 api_user(), note)
    line = next(b for b in services.budget_vs_actual(sa) if b.id == budget.id)
    return budget_json(line, sa.currency), 200


# --- the OpenAPI document ------------------------------------------------------------------

_MONEY = openapi.Money
_EXPENSE_SCHEMA = {
    "type": "object",
    "required": ["date", "category", "amount", "currency", "paid_by"],
    "properties": {
        "date": openapi.Date, "category": {"type": "string", "enum": list(EXPENSE_CATEGORIES)},
        "description": {"type": "string"}, "amount": _MONEY,
        "currency": {"type": "string", "minLength": 3, "maxLength": 3},
        "exchange_rate": {**_MONEY, "nullable": True,
                          "description": "units of the currency per one unit of the "
                                         "reporting currency; absent: the month's rate"},
        "paid_by": {"type": "string"}, "document_reference": {"type": "string"},
        "version": {"type": "integer", "description": "required on PUT"},
        "id": {"type": "integer", "readOnly": True},
        "reporting_amount": {**_MONEY, "readOnly": True},
        "allocation": {"type": "array", "readOnly": True, "items": {
            "type": "object", "properties": {"organization": {"type": "string"},
                                             "amount": _MONEY}}},
        "unallocated": {**_MONEY, "readOnly": True},
        "share_version": {"type": "integer", "readOnly": True},
    },
}
openapi.register("put", "/exchange-rates/{currency}/{month}",
                 "Enter a month's rate: units of the currency per one US dollar",
                 "ExchangeRate", 200, {
                     "type": "object", "required": ["rate"],
                     "properties": {"rate": _MONEY, "source": {"type": "string"}}})
openapi.register("get", "/exchange-rates", "List exchange rates (currency?, year?)")
openapi.register("post", "/arrangements/{reference}/expenses",
                 "Record an expense: converted, allocated to the parties (Art. 5)",
                 "Expense", 201, _EXPENSE_SCHEMA)
openapi.register("get", "/arrangements/{reference}/expenses",
                 "List expenses with their allocation (from?, to?, category?, paid_by?)")
openapi.register("get", "/arrangements/{reference}/expenses/{id}", "Read an expense")
openapi.register("put", "/arrangements/{reference}/expenses/{id}",
                 "Change an expense (send the version you read; 409 if it changed)", "Expense")
openapi.register("delete", "/arrangements/{reference}/expenses/{id}",
                 "Delete an expense (version? as a query parameter)", None, 204)
openapi.register("get", "/arrangements/{reference}/cost-split",
                 "Cost split and settlement for a period (from?, to?)")
openapi.register("get", "/arrangements/{reference}/budgets", "Budget versus actual")
openapi.register("put", "/arrangements/{reference}/budgets",
                 "Set a budget line (category, year, organization?, amount)", "Budget", 200, {
                     "type": "object", "required": ["category", "year", "amount"],
                     "properties": {"category": {"type": "string"}, "year": {"type": "integer"},
                                    "organization": {"type": "string", "nullable": True},
                                    "amount": _MONEY, "note": {"type": "string"}}})
