"""Fixtures for the application's reports and imports: an arrangement with expenses in three
currencies, spreadsheet files built in memory, and LibreOffice (tests/libreoffice.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import openpyxl
import pytest

from jointprojects.exchange_rates import services as rate_services
from jointprojects.expenses import recording
from jointprojects.expenses.checks import ExpenseData
from jointprojects.extensions import db
from jointprojects.special_arrangements.services import CeilingData
from tests.libreoffice import libreoffice, soffice  # noqa: F401 - fixtures

#: Text a spreadsheet would run if it were written as a formula.
FORMULA_TEXTS = ('=HYPERLINK("http://evil.example","click")', "+1+1", "@SUM(1,2)", "-2+3")
HEADER = ["Date", "Category", "Description", "Amount", "Currency", "Exchange rate", "Paid by",
          "Document reference"]


@pytest.fixture()
def finance(make_user: Callable[..., Any]) -> Any:
    return make_user("finance", "UN")


@pytest.fixture()
def rates(app: Any, make_user: Callable[..., Any]) -> None:
    """Table rates (units per USD) for EUR and JPY, January to June 2025."""
    user = make_user("finance", "INTERPOL")
    for month in range(1, 7):
        rate_services.set_rate("EUR", f"2025-{month:02d}", "0.9234", "UN ORE", user)
        rate_services.set_rate("JPY", f"2025-{month:02d}", "151.37", "UN ORE", user)
    db.session.commit()


@pytest.fixture()
def arrangement(make_arrangement: Callable[..., Any], finance: Any, rates: None) -> Any:
    """SA in USD between UN (55 %) and INTERPOL (45 %), capped at 3,500 and 1,000 USD, in force
    from 2025-01-01, with expenses in USD, EUR and JPY: table rates and given rates, a
    refund, two expenses on one day, descriptions that look like formulas, and one
    expense past both ceilings (unallocated)."""
    sa = make_arrangement(ceilings=[CeilingData("INTERPOL", "1000"), CeilingData("UN", "3500")])
    rows = [
        (date(2025, 1, 15), "travel", "Flights Lyon - New York", "1234.56", "EUR", None,
         "INTERPOL"),
        (date(2025, 1, 31), "equipment", FORMULA_TEXTS[0], "250000", "JPY", None, "UN"),
        (date(2025, 2, 3), "training", FORMULA_TEXTS[1], "333.33", "USD", None, "UN"),
        (date(2025, 2, 3), "meetings", FORMULA_TEXTS[2], "99.99", "EUR", "0.91", "INTERPOL"),
        (date(2025, 3, 3), "operating", FORMULA_TEXTS[3], "-45.10", "EUR", None, "INTERPOL"),
        (date(2025, 3, 31), "personnel", "Analyst, March", "777.77", "USD", None, "UN"),
        (date(2025, 4, 2), "other", "Over the ceiling", "1500.00", "USD", None, "INTERPOL"),
        (date(2025, 5, 20), "travel", "Tokyo mission", "12345", "JPY", "150", "UN"),
    ]
    for day, category, description, amount, currency, rate, paid_by in rows:
        recording.record_expense(sa, ExpenseData(
            date=day, category=category, description=description, amount=amount,
            currency=currency, exchange_rate=rate, paid_by=paid_by,
            document_reference=f"DOC-{day.isoformat()}"), finance)
    db.session.commit()
    return sa


def xlsx(rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER) -> bytes:
    """A workbook whose first sheet holds ``header`` then ``rows``."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(header))
    for number, row in enumerate(rows, 2):
        for column, value in enumerate(row, 1):
            cell = ws.cell(row=number, column=column, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # typed text, even "=1+2 laptops" (openpyxl: a formula)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER,
              delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


#: A month of expenses as finance staff keep them: real dates, numbers, ISO text.
GOOD_ROWS = [
    [date(2025, 2, 10), "travel", "Train Lyon - Geneva", 412.5, "EUR", None, "INTERPOL", "T-1"],
    ["2025-02-11", "Meetings", "Room hire", "1 250,00", "usd", None, "UN", "M-7"],
    [date(2025, 2, 12), "equipment", "=1+2 laptops", 180000, "JPY", 150, "UN", ""],
]
