"""API: the monthly exchange rates table (API.md): units of a currency per one US dollar."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from jointprojects.api import api_user, bp, ensure, list_response, page_params
from jointprojects.api.openapi import operation
from jointprojects.api.schemas import read, read_query, run
from jointprojects.auth import policy
from jointprojects.exchange_rates import schemas, services
from jointprojects.exchange_rates.models import ExchangeRate
from jointprojects.extensions import db


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
@operation("Enter a month's rate (YYYY-MM): units of the currency per one US dollar",
           body=schemas.RateIn, response=schemas.Rate)
def put_exchange_rate(currency: str, month: str):  # type: ignore[no-untyped-def]
    ensure(policy.RATE_WRITE)
    body = read(schemas.RateIn)
    saved = run(body, services.set_rate, currency, month, body.value["rate"],
                body.value["source"] or "", api_user())
    return rate_json(saved), 200


@bp.get("/exchange-rates")
@operation("List exchange rates", query=schemas.RateQuery, response=schemas.Rate, many=True)
def list_exchange_rates():  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    args = read_query(schemas.RateQuery)
    page, per_page = page_params(args)
    query = services.rate_query(args["currency"] or "", args["year"] or "")
    query = query.order_by(None).order_by(ExchangeRate.month, ExchangeRate.currency)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page))
    return list_response([rate_json(r) for r in items], int(total or 0))
