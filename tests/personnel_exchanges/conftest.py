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
