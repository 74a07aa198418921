"""Factories for personnel exchanges (Art. 8)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from jointprojects.extensions import db
from jointprojects.personnel_exchanges import services
from jointprojects.personnel_exchanges.services import CostData, ExchangeData


def exchange_data(**overrides: Any) -> ExchangeData:
    """A six-month secondment of a UN officer to INTERPOL in Lyon."""
    data = ExchangeData(
        staff_id="UN-4711", person_name="Amina Diallo", home_organization="UN",
        host_organization="INTERPOL", position="Liaison officer", duty_station="Lyon",
        start_date=date(2025, 3, 1), end_date=date(2025, 8, 31),
        return_right_note="Returns to her UNODC post in Vienna.",
    )
    for key, value in overrides.items():
        setattr(data, key, value)
    return data


@pytest.fixture()
def admin(make_user: Callable[..., Any]) -> Any:
    return make_user("admin", "UN")


@pytest.fixture()
def make_exchange(app: Any, admin: Any) -> Callable[..., Any]:
    """Create (and commit) an exchange; ``approved=True`` records both approvals."""

    def make(approved: bool = False, costs: list[CostData] | None = None,
             **overrides: Any) -> Any:
        data = exchange_data(**overrides)
        data.costs = costs or []
        exchange = services.create_exchange(data, admin)
        if approved:
            services.approve(exchange, data.home_organization, data.start_date, admin)
            services.approve(exchange, data.host_organization, data.start_date, admin)
        db.session.commit()
        return exchange

    return make


@pytest.fixture()
def login_as(app: Any) -> Callable[..., Any]:
    """Like ``login`` but each user gets a browser of its own (two users side by side).

    The tests run inside one application context, where Flask-Login and Flask-WTF cache the
    last request's user and CSRF token in ``g``; each call here forgets them so that this
    browser's cookie decides."""
    from flask import g

    from tests.conftest import PASSWORD, WebClient

    def forget() -> None:
        g.pop("_login_user", None)
        g.pop("csrf_token", None)

    class OwnBrowser(WebClient):
        def get(self, url: str, **kw: Any) -> Any:
            forget()
            return super().get(url, **kw)

        def post_form(self, url: str, data: dict[str, Any], page: str | None = None,
                      **kw: Any) -> Any:
            forget()
            return super().post_form(url, data, page, **kw)

    def do(user: Any) -> WebClient:
        web = OwnBrowser(app.test_client(), user)
        response = web.post_form("/login", {"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        return web

    return do
