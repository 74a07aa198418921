"""Helpers of the statement tests: an arrangement with a first quarter of expenses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from jointprojects.expenses import recording
from jointprojects.expenses.checks import ExpenseData
from jointprojects.extensions import db
from tests.libreoffice import libreoffice, soffice  # noqa: F401 - fixtures


def expense(day: date, amount: str = "100.00", paid_by: str = "UN", **extra: Any) -> ExpenseData:
    return ExpenseData(date=day, category="travel", amount=amount, currency="USD",
                       paid_by=paid_by, description="Mission", **extra)


@pytest.fixture()
def finance(make_user: Callable[..., Any]) -> Any:
    return make_user("finance", "UN")


@pytest.fixture()
def quarter(make_arrangement: Callable[..., Any], finance: Any) -> Any:
    """SA-Q (UN 55 / INTERPOL 45, in force 2025-01-01) with a UN expense of 1000.00 on
    10 February and an INTERPOL one of 200.00 on 20 March 2025."""
    sa = make_arrangement(reference="SA-Q")
    recording.record_expense(sa, expense(date(2025, 2, 10), "1000.00", "UN"), finance)
    recording.record_expense(sa, expense(date(2025, 3, 20), "200.00", "INTERPOL"), finance)
    db.session.commit()
    return sa
