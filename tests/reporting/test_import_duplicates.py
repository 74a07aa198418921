"""Imports and duplicates (issue 11 item 7): a file uploaded twice, or a row repeated in one
file, is marked in the preview and stored only after an explicit "store them anyway"; the
command line refuses it unless --allow-duplicates. The preview shows the good rows beside
the bad ones, and stores nothing."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from jointprojects.expenses.models import Expense
from jointprojects.extensions import db
from jointprojects.reporting import imports as importer
from jointprojects.reporting.models import PendingImport
from reports.imports import ExpenseRow
from tests.conftest import csrf_from
from tests.reporting.conftest import GOOD_ROWS, csv_bytes, xlsx
from tests.reporting.test_imports import confirm, token_of, upload


@pytest.fixture()
def sa(make_arrangement, rates):  # as in test_imports: the table's EUR and JPY rates of 2025
    return make_arrangement()


@pytest.fixture()
def web(login, finance):
    return login(finance)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def duplicates_marked(html: str) -> dict[str, str]:
    """Row number -> what it repeats, as the preview's lines mark them."""
    return dict(re.findall(r'<tr data-row="(\d+)" data-duplicate="([^"]+)"', html))


def confirm_anyway(web, html: str):
    return web.client.post(f"/expenses/imports/{token_of(html)}/confirm",
                           data={"csrf_token": csrf_from(html), "store_duplicates": "y"},
                           follow_redirects=True)


def test_the_same_file_twice_is_marked_and_needs_store_them_anyway(web, sa):
    data = xlsx(GOOD_ROWS)
    first = upload(web, sa, data).get_data(as_text=True)
    assert duplicates_marked(first) == {}
    assert 'id="store-duplicates"' not in first
    confirm(web, first)
    recorded = {e.date: e.id for e in db.session.scalars(select(Expense))}
    assert len(recorded) == 3

    again = upload(web, sa, data)
    html = again.get_data(as_text=True)
    assert again.status_code == 200
    # Every row repeats an expense already recorded: each is marked with that expense.
    assert duplicates_marked(html) == {
        "2": str(recorded[date(2025, 2, 10)]), "3": str(recorded[date(2025, 2, 11)]),
        "4": str(recorded[date(2025, 2, 12)])}
    assert "3 rows may be stored twice" in html
    assert f"Repeats expense #{recorded[date(2025, 2, 10)]}" in html
    assert 'id="store-duplicates"' in html

    # Confirmed without the box ticked: nothing stored, the upload kept, the preview again.
    refused = confirm(web, html)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Nothing was stored: tick" in text
    assert duplicates_marked(text).keys() == {"2", "3", "4"}
    assert count(Expense) == 3 and count(PendingImport) == 1

    # Ticked: stored, as asked.
    stored = confirm_anyway(web, text)
    assert "3 expenses from february.xlsx recorded in" in stored.get_data(as_text=True)
    assert count(Expense) == 6 and count(PendingImport) == 0


def test_a_row_repeating_another_row_of_the_file_is_marked(web, sa):
    same = [date(2025, 2, 10), "travel", "Train Lyon - Geneva", 412.5, "EUR", None,
            "INTERPOL", "T-1"]
    other_reference = [*same[:7], "T-2"]
    html = upload(web, sa, xlsx([same, other_reference, same])).get_data(as_text=True)
    assert duplicates_marked(html) == {"4": "row 2"}
    assert "Repeats row 2 of this file" in html
    stored = confirm_anyway(web, html)
    assert "3 expenses from february.xlsx recorded" in stored.get_data(as_text=True)


def test_the_preview_shows_the_good_rows_while_some_are_bad(web, sa):
    rows = [*GOOD_ROWS,
            [date(2025, 2, 13), "travle", "Typo in the category", 10, "USD", None, "UN", ""]]
    response = upload(web, sa, xlsx(rows))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was stored from february.xlsx" in html
    good = html[html.index('id="import-good-rows"'):]
    assert "The 3 rows without a problem" in good
    assert re.findall(r'<tr data-row="(\d+)"', good) == ["2", "3", "4"]
    line = re.search(r'<tr data-row="2">.*?</tr>', good, re.S).group(0)
    assert 'data-org="UN">245.70<' in line and 'data-org="INTERPOL">201.02<' in line
    assert "/confirm" not in html  # nothing to store until every row is good
    assert count(Expense) == 0 and count(PendingImport) == 0


def test_the_command_line_refuses_duplicates_unless_allowed(runner, sa, tmp_path):
    path = tmp_path / "february.csv"
    path.write_bytes(csv_bytes(GOOD_ROWS))
    assert runner.invoke(args=["import-expenses", sa.reference, str(path)]).exit_code == 0
    first_id = db.session.scalar(select(func.min(Expense.id)))

    again = runner.invoke(args=["import-expenses", sa.reference, str(path)])
    assert again.exit_code == 1
    lines = again.stderr.strip().splitlines()
    assert lines[0] == (f"february.csv: row 2: Repeats expense #{first_id}, already recorded "
                        "with the same date, amount, currency, payer and document reference.")
    assert lines[-1] == ("Error: nothing imported from february.csv: 3 rows repeat expenses "
                         "already recorded or other rows of the file; run again with "
                         "--allow-duplicates to store them anyway.")
    assert count(Expense) == 3

    allowed = runner.invoke(args=["import-expenses", sa.reference, str(path),
                                  "--allow-duplicates"])
    assert allowed.exit_code == 0, allowed.output
    assert "Imported 3 expenses" in allowed.output
    assert "3 of them repeat an expense already recorded" in allowed.output
    assert count(Expense) == 6


def test_what_counts_as_a_duplicate(sa):
    def row(number: int, amount: str, reference: str = "R-1", payer: str = "UN",
            day: date = date(2025, 2, 10), currency: str = "USD") -> ExpenseRow:
        return ExpenseRow(day, "travel", "x", Decimal(amount), currency, None, payer,
                          reference, row=number)

    found = importer.find_duplicates(sa, [
        row(2, "1.5"), row(3, "1.50"),  # the same amount written twice: a duplicate
        row(4, "1.50", reference="R-2"),  # another document: not one
        row(5, "1.50", payer="INTERPOL"),  # another payer: not one
        row(6, "1.50", day=date(2025, 2, 11)),  # another day: not one
        row(7, "1.50", currency="EUR"),  # another currency: not one
    ])
    assert [(d.row, d.first_row, d.expense_id) for d in found] == [(3, 2, None)]
