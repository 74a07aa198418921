"""API: an arrangement's budget lines against the actual (API.md)."""

from __future__ import annotations

from typing import Any

from jointprojects.api import api_user, bp, ensure, list_response
from jointprojects.api.openapi import operation
from jointprojects.api.schemas import read, run
from jointprojects.auth import policy
from jointprojects.budgets import schemas, services
from jointprojects.money import to_json
from jointprojects.special_arrangements.services import get_arrangement
from reports.data import BudgetLine


def budget_json(line: BudgetLine, currency: str) -> dict[str, Any]:
    return {
        "id": line.id, "category": line.category, "year": line.year,
        "organization": line.organization, "budget": to_json(line.budget, currency),
        "actual": to_json(line.actual, currency), "remaining": to_json(line.remaining, currency),
        "over": line.over, "note": line.note,
    }


@bp.get("/arrangements/<reference>/budgets")
@operation("Budget versus actual", response=schemas.BudgetLine, many=True)
def list_budgets(reference: str):  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    sa = get_arrangement(reference)
    lines = services.budget_vs_actual(sa)
    return list_response([budget_json(line, sa.currency) for line in lines], len(lines))


@bp.put("/arrangements/<reference>/budgets")
@operation("Set a budget line (replaces the line of that category, year and organization)",
           body=schemas.BudgetIn, response=schemas.BudgetLine)
def put_budget(reference: str):  # type: ignore[no-untyped-def]
    ensure(policy.BUDGET_WRITE)
    sa = get_arrangement(reference)
    body = read(schemas.BudgetIn)
    v = body.value
    budget = run(body, services.set_budget, sa, v["category"], v["year"],
                 v["organization"] or None, v["amount"], api_user(), v["note"] or "")
    line = next(b for b in services.budget_vs_actual(sa) if b.id == budget.id)
    return budget_json(line, sa.currency), 200
