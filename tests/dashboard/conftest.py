"""A small portfolio in every state the dashboard tells apart, dated relative to today."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from jointprojects.budgets.models import Budget
from jointprojects.expenses.models import ExpenseTotal
from jointprojects.organizations.models import Organization
from jointprojects.special_arrangements import amendments
from jointprojects.special_arrangements import services as sa_services
from jointprojects.special_arrangements.services import ShareData


def org_id(db: Any, code: str) -> int:
    return int(db.session.scalar(select(Organization.id).filter_by(code=code)))


def add_total(db: Any, sa: Any, month: str, org: str, share: str, paid: str = "0",
              unallocated: str = "0", count: int = 1, category: str = "travel") -> None:
    """Write an expense_total row as the expense feature keeps them."""
    db.session.add(ExpenseTotal(
        arrangement_id=sa.id, month=month, category=category, organization_id=org_id(db, org),
        share_amount=Decimal(share), paid_amount=Decimal(paid),
        unallocated=Decimal(unallocated), expense_count=count))


def add_budget(db: Any, sa: Any, year: int, amount: str, org: str | None = None,
               category: str = "travel") -> None:
    db.session.add(Budget(arrangement_id=sa.id, category=category, year=year,
                          organization_id=org_id(db, org) if org else None,
                          amount=Decimal(amount)))


@dataclass
class Portfolio:
    today: date
    arrangements: dict[str, Any] = field(default_factory=dict)
    projects: dict[str, Any] = field(default_factory=dict)


@pytest.fixture()
def portfolio(db: Any, make_user: Callable[..., Any], make_project: Callable[..., Any],
              make_arrangement: Callable[..., Any]) -> Portfolio:
    """Projects P1 (areas b, c; planned), P2 (a; active), P3 (d; completed) and arrangements:

    A1 in force (USD; expenses and budgets), A2 in force ending in 30 days, A3 in force under
    notice (effective in about five months), A4 terminated (notice effective long ago),
    A5 expired, A6 partly signed, A7 not signed, A8 in force with an amendment awaiting
    INTERPOL's consent, A9 in force in EUR (expenses), A10 UN and UNODC on P2.
    """
    today = date.today()
    admin = make_user("admin", "UN")
    db.session.add(Organization(code="UNODC", name="UN Office on Drugs and Crime",
                                currency="USD"))
    db.session.commit()
    result = Portfolio(today)
    p1 = make_project(code="P1", areas=["b", "c"])
    p2 = make_project(code="P2", areas=["a"], lead_organization="UN", status="active")
    p3 = make_project(code="P3", areas=["d"], status="completed")
    result.projects = {"P1": p1, "P2": p2, "P3": p3}
    old = date(2020, 1, 1)

    def arrangement(ref: str, project: Any, **kw: Any) -> Any:
        sa = make_arrangement(reference=ref, project=project.code, **kw)
        result.arrangements[ref] = sa
        return sa

    a1 = arrangement("A1", p1, start_date=date(2024, 1, 1))
    arrangement("A2", p1, start_date=old, end_date=today + timedelta(days=30))
    a3 = arrangement("A3", p2, start_date=old)
    sa_services.give_notice(a3, "INTERPOL", today - timedelta(days=30), admin)
    a4 = arrangement("A4", p2, start_date=old)
    sa_services.give_notice(a4, "UN", date(2021, 1, 1), admin)
    arrangement("A5", p3, start_date=old, end_date=date(2021, 12, 31))
    a6 = arrangement("A6", p3, signed=False, start_date=old)
    sa_services.sign(a6, "UN", old, admin)
    arrangement("A7", p3, signed=False, start_date=old)
    a8 = arrangement("A8", p1, start_date=old)
    version = amendments.propose_amendment(
        a8, date(2024, 1, 1), [ShareData("UN", "60"), ShareData("INTERPOL", "40")], [],
        "Rebalance after the mid-term review", admin)
    amendments.consent(a8, version, "UN", date(2024, 1, 1), admin)
    a9 = arrangement("A9", p1, start_date=date(2024, 1, 1), currency="EUR")
    arrangement("A10", p2, start_date=old, parties=["UN", "UNODC"],
                shares=[ShareData("UN", "50"), ShareData("UNODC", "50")])
    db.session.commit()

    # Money (what the expense feature writes): USD on A1, EUR on A9.
    add_total(db, a1, "2025-01", "UN", "55.00", paid="100.00")
    add_total(db, a1, "2025-01", "INTERPOL", "45.00")
    add_total(db, a1, "2025-03", "UN", "11.00", category="equipment")
    add_total(db, a1, "2025-03", "INTERPOL", "9.00", paid="20.00", category="equipment")
    add_total(db, a9, "2025-02", "UN", "30.00")
    add_total(db, a9, "2025-02", "INTERPOL", "70.00", paid="100.00")
    add_budget(db, a1, 2025, "1000.00", "UN")
    add_budget(db, a1, 2025, "500.00", None, "other")
    add_budget(db, a1, 2026, "999.00", "UN")
    add_budget(db, a9, 2025, "300.00", "INTERPOL")
    db.session.commit()
    return result
