"""The dashboard, its JSON twin and the lists issue as many SQL statements for 10 rows as
for 40 (no N+1), counted with SQLAlchemy's ``before_cursor_execute`` event."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from jointprojects.personnel_exchanges.models import PersonnelExchange
from jointprojects.special_arrangements import amendments
from jointprojects.special_arrangements import services as sa_services
from jointprojects.special_arrangements.services import ShareData
from tests.dashboard.conftest import add_budget, add_total, org_id

URLS = [
    "/",
    "/?from=2025-01&to=2025-12&organization=INTERPOL&area=b",
    "/api/v1/dashboard",
    "/api/v1/dashboard?organization=UN&area=c",
    "/projects/",
    "/projects/?organization=UN&area=b",
    "/arrangements/",
    "/arrangements/?status=in_force&organization=INTERPOL",
    "/arrangements/?due=consent&awaiting=INTERPOL",
    "/portfolio.xlsx?organization=INTERPOL",
]


@contextmanager
def statements(db) -> Iterator[list[str]]:
    seen: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def grow(db, make_user, make_project, make_arrangement, n: int) -> None:
    """n more projects, each with an arrangement in force (expenses, budget, an amendment
    awaiting consent, a termination notice every other one) and a personnel exchange."""
    admin = make_user("admin", "UN")
    today = date.today()
    un, interpol = org_id(db, "UN"), org_id(db, "INTERPOL")
    for i in range(n):
        project = make_project(areas=["b", "c"] if i % 2 else ["a", "b"])
        sa = make_arrangement(project=project.code, start_date=date(2020, 1, 1),
                              end_date=today + timedelta(days=40 + i) if i % 3 == 0 else None)
        if i % 2:
            sa_services.give_notice(sa, "UN", today - timedelta(days=20), admin)
        else:
            version = amendments.propose_amendment(
                sa, date(2024, 1, 1), [ShareData("UN", "50"), ShareData("INTERPOL", "50")], [],
                "Review", admin)
            amendments.consent(sa, version, "UN", date(2024, 1, 1), admin)
        add_total(db, sa, f"2025-{i % 12 + 1:02d}", "UN", "10.00", paid="20.00")
        add_total(db, sa, f"2025-{i % 12 + 1:02d}", "INTERPOL", "10.00")
        add_budget(db, sa, 2025, "100.00", "INTERPOL")
        db.session.add(PersonnelExchange(
            staff_id=f"S{i}", person_name=f"Person {i}", home_organization_id=un,
            host_organization_id=interpol, position="Analyst", start_date=today - timedelta(days=5),
            end_date=today + timedelta(days=10 + i), status="approved"))
    db.session.commit()


@pytest.fixture()
def counts(db, login, make_user, api):
    web = login(make_user("leadership"))
    token = api("leadership")

    def measure() -> dict[str, int]:
        result = {}
        for url in URLS:
            client = token if url.startswith("/api/") else web
            client.get(url)  # warm up: the first request may load what later ones reuse
            with statements(db) as seen:
                response = client.get(url)
            assert response.status_code == 200, url
            result[url] = len(seen)
        return result

    return measure


def test_statement_counts_do_not_grow_with_the_data(db, counts, make_user, make_project,
                                                    make_arrangement):
    grow(db, make_user, make_project, make_arrangement, 10)
    small = counts()
    grow(db, make_user, make_project, make_arrangement, 30)
    large = counts()
    assert large == small
    # And they stay few: a page is a handful of aggregates, not a loop.
    assert max(small.values()) <= 30, small
