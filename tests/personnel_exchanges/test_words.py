"""The personnel exchange messages speak as the rest of the application does ("Enter the start
date.", "Choose the host organization."): no field code, no "is required"."""

from __future__ import annotations

import re
from datetime import date

import pytest

from jointprojects.errors import DomainError
from jointprojects.personnel_exchanges import services
from jointprojects.personnel_exchanges.services import CostData, ExchangeData
from tests.personnel_exchanges.conftest import exchange_data

#: A field's code as the API names it (snake_case), in the text of a message.
FIELD_CODE = re.compile(r"\b[a-z]+_[a-z_]+\b")


def _messages(call) -> dict[str | None, str]:
    with pytest.raises(DomainError) as exc:
        call()
    result: dict[str | None, str] = {}
    for e in exc.value.errors:
        assert e.message[0].isupper() and e.message.endswith("."), (e.field, e.message)
        result[e.field] = f"{result[e.field]} | {e.message}" if e.field in result else e.message
    return result


def _in_users_words(messages: dict[str | None, str]) -> None:
    for field, message in messages.items():
        assert "is required" not in message, (field, message)
        assert not FIELD_CODE.search(message.replace("daily_subsistence", "")), (field, message)


def test_an_empty_exchange_is_told_what_to_enter(app, admin):
    messages = _messages(lambda: services.create_exchange(ExchangeData(), admin))
    _in_users_words(messages)
    assert messages["staff_id"] == "Enter the staff id."
    assert messages["person_name"] == "Enter the name."
    assert messages["position"] == "Enter the position."
    assert messages["home_organization"] == "Choose the home organization."
    assert messages["host_organization"] == "Choose the host organization."
    assert messages["start_date"] == "Enter the start date."
    assert messages["end_date"].startswith("Enter the end date")


def test_dates_outside_the_kept_range_and_long_texts_are_named_in_words(app, admin):
    messages = _messages(lambda: services.create_exchange(exchange_data(
        start_date=date(1800, 1, 1), person_name="x" * 201), admin))
    _in_users_words(messages)
    assert messages["start_date"].startswith("The start date must be between ")
    assert messages["person_name"] == "Enter a name of at most 200 characters."


def test_a_bad_cost_item_is_told_what_to_enter(app, admin):
    costs = [CostData(None, None, "", ""),
             CostData("travel", "UN", "10", "USD", date(1800, 1, 1), None)]
    messages = _messages(lambda: services.create_exchange(exchange_data(costs=costs), admin))
    _in_users_words(messages)
    assert messages["costs[0].borne_by"] == "Choose the organization that bears the cost."
    assert messages["costs[0].amount"] == "Enter the amount."
    assert messages["costs[0].currency"].startswith("Choose a known currency")
    assert messages["costs[0].category"].startswith("Choose a category: salary")
    assert "The period start must be between " in messages["costs[1].period_start"]


def test_an_approval_without_date_or_organization_is_told_what_to_give(app, admin):
    exchange = services.create_exchange(exchange_data(), admin)
    messages = _messages(lambda: services.approve(exchange, None, None, admin))
    _in_users_words(messages)
    assert messages == {"date": "Enter the date.", "organization": "Choose the organization."}
