"""API: an arrangement's budget lines against the actual (API.md)."""

from __future__ import annotations

from typing import Any

from jointprojects.api import api_user, bp, ensure, list_response, openapi
from jointprojects.api.inputs import Reader, json_body, run
from jointprojects.auth import policy
from jointprojects.budgets import services
from jointprojects.money import to_json
from jointprojects.special_arrangements.services import get_arrangement

_MONEY = openapi.Money


def budget_json(line: services.BudgetLine, currency: str) -> dict[str, Any]:
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


openapi.register("get", "/arrangements/{reference}/budgets", "Budget versus actual")
openapi.register("put", "/arrangements/{reference}/budgets",
                 "Set a budget line (category, year, organization?, amount)", "Budget", 200, {
                     "type": "object", "required": ["category", "year", "amount"],
                     "properties": {"category": {"type": "string"}, "year": {"type": "integer"},
                                    "organization": {"type": "string", "nullable": True},
                                    "amount": _MONEY, "note": {"type": "string"}}})
