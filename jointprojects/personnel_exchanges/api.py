"""API: personnel exchanges (Art. 8), their approvals, extensions, cancellation and costs.

``GET /personnel-exchanges?active_on=YYYY-MM-DD`` lists the exchanges that are not cancelled
and whose dates cover that day, proposed or approved: the register shows who is planned to be
away whether or not both organizations have approved yet (each item's ``status`` tells).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import request
from sqlalchemy import func, select

from jointprojects.api import api_user, bp, ensure, list_response, page_params
from jointprojects.api.inputs import Reader, json_body
from jointprojects.api.openapi import Date, Money, register
from jointprojects.auth import policy
from jointprojects.errors import Collector
from jointprojects.extensions import db
from jointprojects.money import to_json
from jointprojects.personnel_exchanges import services
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
from jointprojects.vocabulary import COST_ITEM_CATEGORIES


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
        "ending_soon": services.is_ending_soon(exchange, on),
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


def _costs(body: Reader, key: str = "costs") -> list[services.CostData]:
    return [_cost(r) for r in body.objects(key, required=False)]


def _cost(r: Reader) -> services.CostData:
    return services.CostData(
        category=r.str("category"), borne_by=r.str("borne_by"), amount=r.data.get("amount"),
        currency=r.str("currency"), period_start=r.date("period_start", required=False),
        period_end=r.date("period_end", required=False),
    )


def _data(body: Reader) -> services.ExchangeData:
    return services.ExchangeData(
        staff_id=body.str("staff_id", max_length=60),
        person_name=body.str("person_name", max_length=200),
        home_organization=body.str("home_organization"),
        host_organization=body.str("host_organization"),
        position=body.str("position", max_length=200),
        duty_station=body.str("duty_station", required=False, max_length=120),
        start_date=body.date("start_date"),
        end_date=body.date("end_date"),
        arrangement=body.str("arrangement", required=False) or None,
        return_right_note=body.str("return_right_note", required=False, max_length=5000),
    )


def _query_date(name: str, errors: Collector) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.add(name, f"{name} must be a date written YYYY-MM-DD.")
        return None


@bp.get("/personnel-exchanges")
def list_exchanges():  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    page, per_page = page_params()
    errors = Collector()
    active_on = _query_date("active_on", errors)
    status = request.args.get("status", "").strip() or None
    if status and status not in services.DISPLAY_STATUSES:
        errors.add("status", f"status must be one of {', '.join(services.DISPLAY_STATUSES)}.")
    ending = request.args.get("ending_within", "").strip()
    ending_within = None
    if ending:
        if ending.isdigit() and int(ending) <= 3660:
            ending_within = int(ending)
        else:
            errors.add("ending_within", "ending_within must be a number of days (0 to 3660).")
    errors.raise_if_any()
    query = services.exchange_query(
        active_on=active_on, status=status, ending_within=ending_within,
        organization=request.args.get("organization", "").strip() or None,
        arrangement=request.args.get("arrangement", "").strip() or None,
    )
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    query = query.options(
        *cost_loader_options()
    ).limit(per_page).offset((page - 1) * per_page)
    items = list(db.session.scalars(query))
    on = services.current_day()
    lines = {r.cost_item_id: r for r in cost_lines(items, on).rows}
    return list_response([exchange_json(x, on, lines) for x in items], int(total or 0))


@bp.get("/personnel-exchanges/<int:exchange_id>")
def get_exchange(exchange_id: int):  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    return exchange_json(services.get_exchange(exchange_id))


@bp.post("/personnel-exchanges")
def create_exchange():  # type: ignore[no-untyped-def]
    ensure(policy.PERSONNEL_WRITE)
    body = Reader(json_body())
    data = _data(body)
    data.costs = _costs(body)
    body.errors.raise_if_any()
    exchange = services.create_exchange(data, api_user())
    return exchange_json(exchange), 201


@bp.put("/personnel-exchanges/<int:exchange_id>")
def update_exchange(exchange_id: int):  # type: ignore[no-untyped-def]
    ensure(policy.PERSONNEL_WRITE)
    exchange = services.get_exchange(exchange_id)
    body = Reader(json_body())
    data = _data(body)
    version = body.data.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        body.errors.add("version", "version must be the whole number read with the exchange.")
        version = None
    if "costs" in body.data:
        body.errors.add("costs", "Cost items are added with POST and removed with DELETE on "
                                 f"/api/v1/personnel-exchanges/{exchange_id}/costs.")
    body.errors.raise_if_any()
    services.update_exchange(exchange, data, version, api_user())
    return exchange_json(exchange)


@bp.post("/personnel-exchanges/<int:exchange_id>/approvals")
def approve_exchange(exchange_id: int):  # type: ignore[no-untyped-def]
    ensure(policy.PERSONNEL_APPROVE)
    exchange = services.get_exchange(exchange_id)
    body = Reader(json_body())
    organization, on = body.str("organization"), body.date("date")
    body.errors.raise_if_any()
    services.approve(exchange, organization, on, api_user())
    return exchange_json(exchange), 201


@bp.post("/personnel-exchanges/<int:exchange_id>/extensions")
def extend_exchange(exchange_id: int):  # type: ignore[no-untyped-def]
    ensure(policy.PERSONNEL_WRITE)
    exchange = services.get_exchange(exchange_id)
    body = Reader(json_body())
    end, reason = body.date("end_date"), body.str("reason", required=False, max_length=5000)
    body.errors.raise_if_any()
    services.extend(exchange, end, reason, api_user())
    return exchange_json(exchange), 201


@bp.post("/personnel-exchanges/<int:exchange_id>/cancellation")
def cancel_exchange(exchange_id: int):  # type: ignore[no-untyped-def]
    ensure(policy.PERSONNEL_WRITE)
    exchange = services.get_exchange(exchange_id)
    body = Reader(json_body())
    reason = body.str("reason", required=False, max_length=5000)
    body.errors.raise_if_any()
    services.cancel(exchange, reason, api_user())
    return exchange_json(exchange), 201


@bp.post("/personnel-exchanges/<int:exchange_id>/costs")
def add_cost(exchange_id: int):  # type: ignore[no-untyped-def]
    ensure(policy.PERSONNEL_WRITE)
    exchange = services.get_exchange(exchange_id)
    body = Reader(json_body())
    cost = _cost(body)
    body.errors.raise_if_any()
    item = services.add_cost(exchange, cost, api_user())
    lines = {r.cost_item_id: r for r in cost_lines([exchange]).rows}
    return cost_json(item, lines[item.id]), 201


@bp.delete("/personnel-exchanges/<int:exchange_id>/costs/<int:item_id>")
def remove_cost(exchange_id: int, item_id: int):  # type: ignore[no-untyped-def]
    ensure(policy.PERSONNEL_WRITE)
    exchange = services.get_exchange(exchange_id)
    services.remove_cost(exchange, item_id, api_user())
    return "", 204


@bp.get("/personnel-exchanges/costs")
def personnel_costs():  # type: ignore[no-untyped-def]
    """Cost rows and per-organization totals, optionally of one arrangement's exchanges."""
    ensure(policy.READ)
    reference = request.args.get("arrangement", "").strip()
    arrangement_id = None
    if reference:
        from jointprojects.special_arrangements.services import get_arrangement

        arrangement_id = get_arrangement(reference).id
    costs = personnel_cost_rows(arrangement_id)
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


# --- the OpenAPI document --------------------------------------------------------------------

_COST = {"type": "object", "required": ["category", "borne_by", "amount", "currency"],
         "properties": {
             "category": {"type": "string", "enum": list(COST_ITEM_CATEGORIES)},
             "borne_by": {"type": "string", "description": "Organization code"},
             "amount": Money, "currency": {"type": "string", "minLength": 3, "maxLength": 3},
             "period_start": Date, "period_end": Date}}
_EXCHANGE = {"type": "object", "required": [
    "staff_id", "person_name", "home_organization", "host_organization", "position",
    "start_date", "end_date"], "properties": {
    "staff_id": {"type": "string"}, "person_name": {"type": "string"},
    "home_organization": {"type": "string"}, "host_organization": {"type": "string"},
    "position": {"type": "string"}, "duty_station": {"type": "string"},
    "start_date": Date, "end_date": {**Date, "description": "Last day in post (inclusive)"},
    "arrangement": {"type": "string", "nullable": True,
                    "description": "Reference of a special arrangement"},
    "return_right_note": {"type": "string"},
    "costs": {"type": "array", "items": {"$ref": "#/components/schemas/PersonnelCost"}},
    "version": {"type": "integer", "description": "On PUT: the version read (409 if stale)"},
    "status": {"type": "string", "readOnly": True, "enum": list(services.DISPLAY_STATUSES)}}}

register("get", "/personnel-exchanges",
         "List personnel exchanges (Art. 8); active_on=YYYY-MM-DD keeps those not cancelled "
         "whose dates cover that day; also organization, status, ending_within, arrangement")
register("post", "/personnel-exchanges", "Register a personnel exchange (Art. 8) with its costs",
         "PersonnelExchange", 201, _EXCHANGE)
register("get", "/personnel-exchanges/costs",
         "Personnel cost rows and per-organization totals (arrangement=REF to filter)")
register("get", "/personnel-exchanges/{id}", "Read a personnel exchange")
register("put", "/personnel-exchanges/{id}", "Edit a personnel exchange", "PersonnelExchange")
register("post", "/personnel-exchanges/{id}/approvals",
         "Record the home or host organization's approval", "Signature", 201)
register("post", "/personnel-exchanges/{id}/extensions", "Amend the end date (extension)",
         "PersonnelExtension", 201, {"type": "object", "required": ["end_date"], "properties": {
             "end_date": Date, "reason": {"type": "string"}}})
register("post", "/personnel-exchanges/{id}/cancellation", "Cancel a personnel exchange",
         "PersonnelCancellation", 201, {"type": "object", "properties": {
             "reason": {"type": "string"}}})
register("post", "/personnel-exchanges/{id}/costs", "Add a cost item", "PersonnelCost", 201,
         _COST)
register("delete", "/personnel-exchanges/{id}/costs/{item_id}", "Remove a cost item", None, 204)
