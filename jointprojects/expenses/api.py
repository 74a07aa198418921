"""API: expenses and the cost split of an arrangement (API.md).

Money is a JSON string with its currency's minor units; an expense's ``allocation`` lists
every party in the arrangement's party order.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from jointprojects.api import api_user, bp, ensure, list_response, page_params
from jointprojects.api.openapi import operation
from jointprojects.api.schemas import Period, read, read_query, run
from jointprojects.auth import policy
from jointprojects.budgets import services as budgets
from jointprojects.exchange_rates import services as rates
from jointprojects.expenses import checks, figures, recording, schemas, services
from jointprojects.expenses.models import Expense
from jointprojects.extensions import db
from jointprojects.money import to_json
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.special_arrangements.services import get_arrangement
from reports.data import CostSplit


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def expense_json(e: Expense, sa: SpecialArrangement, parts: dict[str, Any] | None = None,
                 over_budget: bool | None = None,
                 adjusted_by: list[int] | None = None) -> dict[str, Any]:
    if adjusted_by is None:
        adjusted_by = [a.id for a in e.adjustments]
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
        "exchange_rate": rates.rate_to_json(e.exchange_rate),
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
        "adjusts": e.adjusts_id,
        "reason": e.reason,
        "adjusted_by": adjusted_by,
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


# --- expenses ------------------------------------------------------------------------------

@bp.post("/arrangements/<reference>/expenses")
@operation("Record an expense: converted, allocated to the parties (Art. 5)", status=201,
           body=schemas.ExpenseIn, response=schemas.ExpenseDetail,
           description="409 when the arrangement is not in force on the date.")
def create_expense(reference: str):  # type: ignore[no-untyped-def]
    ensure(policy.EXPENSE_WRITE)
    sa = get_arrangement(reference)
    body = read(schemas.ExpenseIn)
    expense = run(body, recording.record_expense, sa, body.value, api_user())
    warnings = budgets.budget_overruns(expense)
    return {**expense_json(expense, sa, over_budget=bool(warnings)),
            "budget_warnings": warnings}, 201


@bp.get("/arrangements/<reference>/expenses")
@operation("List expenses with their allocation (dates ascending, then recording order)",
           query=schemas.ExpenseQuery, response=schemas.Expense, many=True)
def list_expenses(reference: str):  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    sa = get_arrangement(reference)
    args = read_query(schemas.ExpenseQuery)
    page, per_page = page_params(args)
    filters = figures.ExpenseFilter(
        date_from=args["date_from"], date_to=args["date_to"],
        category=args["category"], paid_by=args["paid_by"],
    )
    query = figures.expense_query(sa, filters)
    total = db.session.scalar(select(func.count()).select_from(
        query.order_by(None).subquery()))
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    ids = [e.id for e in items]
    parts = figures.parts_of(ids)
    flagged = budgets.over_budget_ids(sa, ids)
    corrections = figures.adjustments_of(ids)
    return list_response(
        [expense_json(e, sa, parts[e.id], over_budget=e.id in flagged,
                      adjusted_by=corrections.get(e.id, [])) for e in items],
        int(total or 0))


@bp.get("/arrangements/<reference>/expenses/<int:id>")
@operation("Read an expense", response=schemas.ExpenseDetail)
def get_expense(reference: str, id: int):  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    sa = get_arrangement(reference)
    expense = services.get_expense(id, sa)
    warnings = budgets.budget_overruns(expense)
    return {**expense_json(expense, sa, over_budget=bool(warnings)),
            "budget_warnings": warnings}


@bp.put("/arrangements/<reference>/expenses/<int:id>")
@operation("Change an expense (send the version you read; 409 if it changed)",
           body=schemas.ExpenseChangeIn, response=schemas.ExpenseDetail)
def update_expense(reference: str, id: int):  # type: ignore[no-untyped-def]
    ensure(policy.EXPENSE_WRITE)
    sa = get_arrangement(reference)
    expense = services.get_expense(id, sa)
    body = read(schemas.ExpenseChangeIn)
    data = body.value
    version = body.values.get("version")
    if version is None:  # report the fields' problems too, then refuse without a version
        run(body, checks.check_expense, sa, data)
    run(body, recording.update_expense, expense, data, version, api_user())
    warnings = budgets.budget_overruns(expense)
    return {**expense_json(expense, sa, over_budget=bool(warnings)),
            "budget_warnings": warnings}


@bp.delete("/arrangements/<reference>/expenses/<int:id>")
@operation("Delete an expense", status=204, query=schemas.DeleteQuery)
def delete_expense(reference: str, id: int):  # type: ignore[no-untyped-def]
    ensure(policy.EXPENSE_WRITE)
    sa = get_arrangement(reference)
    expense = services.get_expense(id, sa)
    version = read_query(schemas.DeleteQuery)["version"]
    recording.delete_expense(expense, version, api_user())
    return "", 204


@bp.get("/arrangements/<reference>/cost-split")
@operation("Cost split and settlement for a period", query=Period, response=schemas.CostSplit)
def get_cost_split(reference: str):  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    sa = get_arrangement(reference)
    period = read_query(Period)
    return cost_split_json(figures.cost_split(sa, period["date_from"], period["date_to"]))
