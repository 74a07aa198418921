"""API: the monthly exchange rates table (API.md): units of a currency per one US dollar."""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import func, select

from jointprojects.api import api_user, bp, ensure, list_response, openapi, page_params
from jointprojects.api.inputs import Reader, json_body, run
from jointprojects.auth import policy
from jointprojects.exchange_rates import services
from jointprojects.exchange_rates.models import ExchangeRate
from jointprojects.extensions import db

_MONEY = openapi.Money


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


openapi.register("put", "/exchange-rates/{currency}/{month}",
                 "Enter a month's rate: units of the currency per one US dollar",
                 "ExchangeRate", 200, {
                     "type": "object", "required": ["rate"],
                     "properties": {"rate": _MONEY, "source": {"type": "string"}}})
openapi.register("get", "/exchange-rates", "List exchange rates (currency?, year?)")
