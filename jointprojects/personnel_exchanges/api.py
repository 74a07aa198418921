"""API: personnel exchanges (Art. 8), their approvals, extensions, cancellation and costs.

``GET /personnel-exchanges?active_on=YYYY-MM-DD`` lists the exchanges that are not cancelled
and whose dates cover that day, proposed or approved: the register shows who is planned to be
away whether or not both organizations have approved yet (each item's ``status`` tells).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from jointprojects.api import api_user, bp, ensure, list_response, page_params
from jointprojects.api.openapi import operation
from jointprojects.api.schemas import read, read_query
from jointprojects.auth import policy
from jointprojects.errors import Message
from jointprojects.extensions import db
from jointprojects.money import to_json
from jointprojects.personnel_exchanges import queries, schemas, services
from jointprojects.personnel_exchanges.costs import (
    OrganizationCostTotal,
    PersonnelCostRow,
    cost_lines,
    cost_loader_options,
    personnel_cost_rows,
    totals_of,
)
from jointprojects.personnel_exchanges.models import (
    ExchangeCostItem,
    PersonnelExchange,
)
from jointprojects.special_arrangements.services import get_arrangement


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def cost_json(item: ExchangeCostItem, line: PersonnelCostRow | None = None
              ) -> dict[str, Any]:
    return {
        "id": item.id,
        "category": item.category,
        "borne_by": item.borne_by.code,
        "amount": to_json(item.amount, item.currency),
        "currency": item.currency,
        "period_start": _iso(item.period_start),
        "period_end": _iso(item.period_end),
        "reporting_currency": item.borne_by.currency,
        "reporting_amount": (to_json(line.reporting_amount, line.reporting_currency)
                             if line is not None and line.reporting_amount is not None
                             else None),
    }


def exchange_json(exchange: PersonnelExchange, on: date | None = None,
                  lines: dict[int, PersonnelCostRow] | None = None) -> dict[str, Any]:
    """The exchange as JSON; ``lines`` (cost rows by cost item id) when already computed for a
    whole page, so that the rates are read once."""
    on = on or services.current_day()
    if lines is None:
        lines = {r.cost_item_id: r for r in cost_lines([exchange], on).rows}
    rows = [lines[item.id] for item in exchange.cost_items]
    return {
        "id": exchange.id,
        "article": services.ARTICLE,
        "staff_id": exchange.staff_id,
        "person_name": exchange.person_name,
        "home_organization": exchange.home_organization.code,
        "host_organization": exchange.host_organization.code,
        "position": exchange.position,
        "duty_station": exchange.duty_station,
        "start_date": _iso(exchange.start_date),
        "end_date": _iso(exchange.end_date),
        "arrangement": exchange.arrangement.reference if exchange.arrangement else None,
        "return_right_note": exchange.return_right_note,
        "status": exchange.status_on(on),
        "version": exchange.version,
        "approvals": [
            {"organization": a.organization.code, "date": _iso(a.date),
             "recorded_by_admin": a.recorded_by_admin}
            for a in exchange.approvals
        ],
        "awaiting_approval_from": (services.missing_approvals(exchange)
                                   if exchange.status == "proposed" else []),
        "ending_soon": queries.is_ending_soon(exchange, on),
        "extensions": [
            {"old_end_date": _iso(e.old_end_date), "new_end_date": _iso(e.new_end_date),
             "reason": e.reason, "recorded_at": e.recorded_at.isoformat() + "Z"}
            for e in exchange.extensions
        ],
        "costs": [cost_json(item, line) for item, line in zip(exchange.cost_items, rows,
                                                                strict=True)],
        "totals": totals_json(totals_of(rows)),
    }


def totals_json(totals: list[OrganizationCostTotal]) -> list[dict[str, Any]]:
    """Per bearing organization, in its reporting currency; ``complete`` is false when some
    item's month has no exchange rate yet (that item is left out of ``amount``)."""
    return [
        {"organization": t.organization, "currency": t.currency,
         "amount": to_json(t.amount, t.currency), "items": t.items,
         "complete": t.missing_rates == 0}
        for t in totals
    ]


@bp.get("/personnel-exchanges")
@operation("List personnel exchanges (Art. 8)", query=schemas.ExchangeQuery,
           response=schemas.Exchange, many=True)
def list_exchanges():  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    args = read_query(schemas.ExchangeQuery)
    page, per_page = page_params(args)
    query = queries.exchange_query(
        active_on=args["active_on"], status=args["status"],
        ending_within=args["ending_within"], organization=args["organization"],
        arrangement=args["arrangement"],
    ).where(policy.visible_exchanges_clause(api_user()))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    query = query.options(
        *cost_loader_options()
    ).limit(per_page).offset((page - 1) * per_page)
    items = list(db.session.scalars(query))
    on = services.current_day()
    lines = {r.cost_item_id: r for r in cost_lines(items, on).rows}
    return list_response([exchange_json(x, on, lines) for x in items], int(total or 0))


@bp.get("/personnel-exchanges/<int:id>")
@operation("Read a personnel exchange", response=schemas.Exchange)
def get_exchange(id: int):  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    return exchange_json(services.get_exchange(id))


@bp.post("/personnel-exchanges")
@operation("Register a personnel exchange (Art. 8) with its costs", status=201,
           body=schemas.ExchangeIn, response=schemas.Exchange)
def create_exchange():  # type: ignore[no-untyped-def]
    ensure(policy.PERSONNEL_WRITE)
    body = read(schemas.ExchangeIn)
    body.raise_if_any()
    exchange = services.create_exchange(body.value, api_user())
    return exchange_json(exchange), 201


@bp.put("/personnel-exchanges/<int:id>")
@operation("Edit a personnel exchange (its costs have their own endpoints)",
           body=schemas.ExchangeChangeIn, response=schemas.Exchange)
def update_exchange(id: int):  # type: ignore[no-untyped-def]
    ensure(policy.PERSONNEL_WRITE)
    exchange = services.get_exchange(id)
    body = read(schemas.ExchangeChangeIn)
    if "costs" in body.raw:
        body.errors.add("costs", Message("Cost items are added with POST and removed with DELETE "
                                         "on %(path)s.",
                                         path=f"/api/v1/personnel-exchanges/{id}/costs"))
    body.raise_if_any()
    services.update_exchange(exchange, body.value, body.values.get("version"), api_user())
    return exchange_json(exchange)


@bp.post("/personnel-exchanges/<int:id>/approvals")
@operation("Record the home or host organization's approval", status=201,
           body=schemas.ApprovalIn, response=schemas.Exchange)
def approve_exchange(id: int):  # type: ignore[no-untyped-def]
    ensure(policy.PERSONNEL_APPROVE)
    exchange = services.get_exchange(id)
    body = read(schemas.ApprovalIn)
    body.raise_if_any()
    services.approve(exchange, body.value["organization"], body.value["date"], api_user())
    return exchange_json(exchange), 201


@bp.post("/personnel-exchanges/<int:id>/extensions")
@operation("Amend the end date (extension)", status=201, body=schemas.ExtensionIn,
           response=schemas.Exchange)
def extend_exchange(id: int):  # type: ignore[no-untyped-def]
    ensure(policy.PERSONNEL_WRITE)
    exchange = services.get_exchange(id)
    body = read(schemas.ExtensionIn)
    body.raise_if_any()
    services.extend(exchange, body.value["end_date"], body.value["reason"] or "", api_user())
    return exchange_json(exchange), 201


@bp.post("/personnel-exchanges/<int:id>/cancellation")
@operation("Cancel a personnel exchange", status=201, body=schemas.CancellationIn,
           response=schemas.Exchange)
def cancel_exchange(id: int):  # type: ignore[no-untyped-def]
    ensure(policy.PERSONNEL_WRITE)
    exchange = services.get_exchange(id)
    body = read(schemas.CancellationIn)
    body.raise_if_any()
    services.cancel(exchange, body.value["reason"] or "", api_user())
    return exchange_json(exchange), 201


@bp.post("/personnel-exchanges/<int:id>/costs")
@operation("Add a cost item", status=201, body=schemas.CostIn, response=schemas.Cost)
def add_cost(id: int):  # type: ignore[no-untyped-def]
    ensure(policy.PERSONNEL_WRITE)
    exchange = services.get_exchange(id)
    body = read(schemas.CostIn)
    body.raise_if_any()
    item = services.add_cost(exchange, body.value, api_user())
    lines = {r.cost_item_id: r for r in cost_lines([exchange]).rows}
    return cost_json(item, lines[item.id]), 201


@bp.delete("/personnel-exchanges/<int:id>/costs/<int:item_id>")
@operation("Remove a cost item", status=204)
def remove_cost(id: int, item_id: int):  # type: ignore[no-untyped-def]
    ensure(policy.PERSONNEL_WRITE)
    exchange = services.get_exchange(id)
    services.remove_cost(exchange, item_id, api_user())
    return "", 204


@bp.get("/personnel-exchanges/costs")
@operation("Personnel cost rows and per-organization totals", query=schemas.CostsQuery,
           response=schemas.PersonnelCosts)
def personnel_costs():  # type: ignore[no-untyped-def]
    """Cost rows and per-organization totals, optionally of one arrangement's exchanges."""
    ensure(policy.READ)
    reference = read_query(schemas.CostsQuery)["arrangement"] or ""
    arrangement_id = None
    if reference:
        arrangement = get_arrangement(reference)
        policy.ensure_sees_arrangement(api_user(), arrangement)
        arrangement_id = arrangement.id
    costs = personnel_cost_rows(arrangement_id, visible=policy.visible_exchanges_clause(api_user()))
    return {
        "arrangement": reference or None,
        "complete": costs.complete,
        "missing_rates": [{"currency": c, "month": m} for c, m in costs.missing_rates],
        "rows": [
            {"exchange": r.exchange_id, "staff_id": r.staff_id, "person_name": r.person_name,
             "home_organization": r.home, "host_organization": r.host, "position": r.position,
             "start_date": _iso(r.start), "end_date": _iso(r.end), "status": r.status,
             "category": r.category, "borne_by": r.borne_by,
             "amount": to_json(r.amount, r.currency), "currency": r.currency,
             "rate_month": r.rate_month, "reporting_currency": r.reporting_currency,
             "reporting_amount": (to_json(r.reporting_amount, r.reporting_currency)
                                  if r.reporting_amount is not None else None)}
            for r in costs.rows
        ],
        "totals": totals_json(costs.totals),
    }
