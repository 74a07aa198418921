"""DOMAIN.md rule 9 on every surface that reads a typed amount: "1.250" and "1,250" are
refused alike (a thousand or a fraction?); "1.25" and "1250" are read.

The JSON API reads its strings as decimals written with a point (API.md; its own answers
write 1.25 KWD as "1.250"): "1.250" there is 1.25, "1,250" is refused as ambiguous.
Spreadsheet imports follow the rule in text cells (CSV, or text in an xlsx cell), not in
numeric cells (the number is exact, nothing to guess).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from jointprojects.expenses.models import Expense
from jointprojects.extensions import db
from reports.imports import parse_expense_rows, read_table
from tests.reporting.conftest import HEADER, csv_bytes, xlsx

FORM = {"date": "2025-02-03", "category": "training", "currency": "USD", "exchange_rate": "",
        "paid_by": "UN", "description": "Venue hire", "document_reference": "INV-9"}


def stored() -> list[Decimal]:
    return [e.amount for e in db.session.scalars(db.select(Expense).order_by(Expense.id))]


def amount_errors(html: str) -> list[str]:
    block = html.split('name="amount"', 1)[1][:1500]
    return re.findall(r'<div class="invalid-feedback d-block"[^>]*>([^<]+)</div>', block)[:1]


@pytest.fixture()
def sa(make_arrangement):  # type: ignore[no-untyped-def]
    return make_arrangement()


def test_the_expense_form_refuses_1_250_both_ways_with_the_same_message(sa, login, finance):
    web = login(finance)
    url = f"/expenses/arrangements/{sa.reference}/new"
    messages = []
    for typed in ("1.250", "1,250"):
        response = web.post_form(url, {**FORM, "amount": typed})
        assert response.status_code == 422
        found = amount_errors(response.get_data(as_text=True).replace("&#39;", "'"))
        assert found and "ambiguous" in found[0], found
        messages.append(found[0].replace(f"'{typed}'", "<typed>"))
        assert f'value="{typed}"' in response.get_data(as_text=True)
    assert messages[0] == messages[1]
    assert stored() == []
    for typed in ("1.25", "1250", "1,234.50", "1.234,50", "1 234,50"):
        assert web.post_form(url, {**FORM, "amount": typed}).status_code == 302, typed
    assert stored() == [Decimal("1.25"), Decimal("1250"), Decimal("1234.50"),
                        Decimal("1234.50"), Decimal("1234.50")]


def test_the_api_reads_a_point_as_the_decimal_point_and_refuses_a_lone_comma(sa, api):
    client = api("finance", "UN")
    url = f"/api/v1/arrangements/{sa.reference}/expenses"
    body = {**FORM, "amount": "1.250"}
    del body["exchange_rate"]
    created = client.post(url, json=body)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["amount"] == "1.25"
    refused = client.post(url, json={**body, "amount": "1,250"})
    assert refused.status_code == 422
    message = {e["field"]: e["message"] for e in refused.get_json()["errors"]}["amount"]
    assert "ambiguous" in message
    assert stored() == [Decimal("1.25")]


def _amount_problems(data: bytes, name: str) -> tuple[list[Decimal], list[str]]:
    good, errors = parse_expense_rows(read_table(name, data), currencies={"USD", "EUR"},
                                      parties={"UN", "INTERPOL"})
    return [g.amount for g in good], [e.message for e in errors if e.column == "amount"]


def _row(amount: object) -> list[object]:
    return [date(2025, 2, 10), "travel", "Taxi", amount, "USD", None, "UN", "T-1"]


def test_imports_refuse_1_250_in_text_cells_whatever_the_separator():
    for name, data in (("a.csv", csv_bytes([_row("1.250"), _row("1,250")])),
                       ("a.xlsx", xlsx([_row("1.250"), _row("1,250")]))):
        good, problems = _amount_problems(data, name)
        assert good == [], name
        assert len(problems) == 2 and all("ambiguous" in p for p in problems), problems
        assert problems[0].replace("'1.250'", "<v>") == problems[1].replace("'1,250'", "<v>")
    good, problems = _amount_problems(csv_bytes([_row("1.25"), _row("1250")]), "b.csv")
    assert problems == [] and good == [Decimal("1.25"), Decimal("1250")]


def test_numeric_xlsx_cells_are_exact_numbers_and_read_as_such():
    good, problems = _amount_problems(xlsx([_row(1.25), _row(1250)]), "c.xlsx")
    assert problems == [] and good == [Decimal("1.25"), Decimal("1250")]
    assert HEADER[3].lower() == "amount"
