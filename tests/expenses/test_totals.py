"""Derived totals (jointprojects.totals) stay equal to their definitions after every write
path the application has, on SQLite and PostgreSQL, and rebuilding them from scratch gives
what was kept incrementally. The expected figures are computed here in Python, independently
of the SQL that keeps them."""

from __future__ import annotations

import ast
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text

from jointprojects import totals
from jointprojects.auth.models import User
from jointprojects.budgets import services as budget_services
from jointprojects.expenses import recording, services
from jointprojects.projects.services import ProjectData, update_project
from jointprojects.special_arrangements import amendments
from jointprojects.special_arrangements import services as sa_services
from jointprojects.special_arrangements.services import ArrangementData, CeilingData, ShareData
from tests.expenses.conftest import expense, totals_fresh, totals_table

MIGRATIONS = Path(totals.__file__).parent / "migrations" / "versions"

Rows = dict[tuple[Any, ...], tuple[int, ...]]


def _rows(db: Any, sql: str, width: int) -> Rows:
    """Non-zero rows of a query, keyed by their first ``width`` columns (raw integers)."""
    return {tuple(r[:width]): tuple(int(v) for v in r[width:])
            for r in db.session.execute(text(sql)) if any(r[width:])}


def _portfolio_expected(db: Any) -> tuple[Rows, Rows]:
    """portfolio_total and portfolio_budget as their definitions say, summed in Python."""
    arrangements = {i: (currency, project) for i, currency, project in db.session.execute(
        text("SELECT id, currency, project_id FROM special_arrangement"))}
    members: dict[int, list[int]] = defaultdict(lambda: [0])
    for arrangement_id, org in db.session.execute(
            text("SELECT arrangement_id, organization_id FROM arrangement_party")):
        members[arrangement_id].append(org)
    areas: dict[int, list[int]] = defaultdict(lambda: [0])
    for project_id, area in db.session.execute(
            text("SELECT project_id, area_id FROM project_area")):
        areas[project_id].append(area)

    def roll_up(sql: str) -> Rows:
        result: dict[tuple[Any, ...], list[int]] = {}
        for arrangement_id, bucket, org, *measures in db.session.execute(text(sql)):
            currency, project = arrangements[arrangement_id]
            for member in members[arrangement_id]:
                for area in areas[project]:
                    key = (member, area, currency, bucket, org or 0)
                    sums = result.setdefault(key, [0] * len(measures))
                    for i, value in enumerate(measures):
                        sums[i] += int(value)
        return {k: tuple(v) for k, v in result.items() if any(v)}

    return (
        roll_up("SELECT arrangement_id, month, organization_id, share_amount, paid_amount, "
                "unallocated, expense_count FROM expense_total"),
        roll_up("SELECT arrangement_id, year, organization_id, amount FROM budget"),
    )


def _portfolio_stored(db: Any) -> tuple[Rows, Rows]:
    key = "member_id, area_id, currency"
    return (
        _rows(db, f"SELECT {key}, month, organization_id, share_amount, paid_amount, "
                  "unallocated, expense_count FROM portfolio_total", 5),
        _rows(db, f"SELECT {key}, year, organization_id, amount FROM portfolio_budget", 5),
    )


def assert_consistent(db: Any, *arrangements: Any) -> tuple[Rows, Rows]:
    db.session.flush()
    for sa in arrangements:
        assert totals_table(sa.id) == totals_fresh(sa.id), sa.reference
    stored = _portfolio_stored(db)
    assert stored == _portfolio_expected(db)
    return stored


def test_no_migration_imports_application_code():
    """Replaying a migration must do what it did when it was written, whatever the code says
    today: a migration imports alembic, sqlalchemy and the standard library's hashing and
    JSON (the audit chain of c91e4b7a2f05), never jointprojects."""
    files = sorted(MIGRATIONS.glob("*.py"))
    assert len(files) >= 4
    for path in files:
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add((node.module or "").split(".")[0])
        allowed = {"alembic", "sqlalchemy", "hashlib", "json", "datetime", "decimal"}
        assert imported <= allowed, (path.name, imported)
        assert "__import__" not in path.read_text() and "importlib" not in path.read_text()


def test_every_write_path_keeps_the_totals_equal_to_their_definitions(
        db, make_arrangement, make_project, finance):
    sa = make_arrangement(ceilings=[CeilingData("INTERPOL", "150.00")])
    admin = db.session.scalar(db.select(User).filter_by(role="admin"))  # the factory's
    eur = make_arrangement(currency="EUR", project=make_project(areas=["a", "d"]).code)
    assert assert_consistent(db, sa, eur) == ({}, {})

    # Recording: one expense, several at once, and the bulk path of imports.
    a = recording.record_expense(sa, expense(date=date(2025, 2, 3)), finance)
    recording.record_expense(eur, expense(currency="EUR", amount="70.00"), finance)
    recording.record_expenses(sa, [expense(date=date(2025, 3, 9), paid_by="INTERPOL"),
                                  expense(date=date(2025, 3, 20), category="equipment")],
                             finance)
    assert_consistent(db, sa, eur)
    batch = recording.record_expense_batch(sa, [
        expense(date=date(2025, 4, day), amount=f"{day}0.00", paid_by=payer)
        for day, payer in ((1, "UN"), (2, "INTERPOL"), (30, "UN"))], finance)
    assert len(batch) == 3
    # Without ceilings the bulk path allocates before inserting: another branch.
    recording.record_expense_batch(eur, [
        expense(date=date(2025, month, 5), currency="EUR", amount="12.34", category=category)
        for month, category in ((2, "travel"), (6, "equipment"), (6, "travel"))], finance)
    expenses_stored, _ = assert_consistent(db, sa, eur)
    un = a.paid_by_id
    # The whole portfolio's April payments by UN: 10.00 + 300.00 USD in 10^-4 units.
    assert expenses_stored[(0, 0, "USD", "2025-04", un)][1] == 3_100_000

    # Correcting and deleting (under a ceiling, later parts are re-derived).
    b = services.get_expense(batch[1].id)
    recording.update_expense(b, expense(date=date(2025, 5, 2), amount="95.00",
                                       category="equipment"), b.version, finance)
    assert_consistent(db, sa, eur)
    recording.delete_expense(a, a.version, finance)
    assert_consistent(db, sa, eur)

    # Budgets: a line for the whole arrangement, one per party, replaced, then deleted.
    budget_services.set_budget(sa, "travel", 2025, None, "500.00", finance)
    line = budget_services.set_budget(sa, "travel", 2025, "UN", "200.00", finance)
    budget_services.set_budget(eur, "equipment", 2026, "INTERPOL", "80.00", finance)
    budget_services.set_budget(sa, "travel", 2025, "UN", "250.00", finance)
    _, budgets_stored = assert_consistent(db, sa, eur)
    assert budgets_stored[(0, 0, "USD", 2025, un)] == (2_500_000,)
    budget_services.delete_budget(sa, line.id, finance)
    assert_consistent(db, sa, eur)

    # An amendment coming into force re-allocates the expenses it covers.
    version = amendments.propose_amendment(
        sa, date(2025, 3, 1), [ShareData("UN", "30"), ShareData("INTERPOL", "70")], [],
        "More for INTERPOL", admin)
    for org in ("UN", "INTERPOL"):
        amendments.consent(sa, version, org, date(2025, 6, 1), admin)
    assert_consistent(db, sa, eur)

    # The project's areas change; a party gives notice (status only: nothing moves).
    project = sa.project
    update_project(project, ProjectData(
        code=project.code, title=project.title, areas=["a", "f"],
        lead_organization="INTERPOL", start_date=project.start_date), None)
    assert_consistent(db, sa, eur)
    before = _portfolio_stored(db)
    sa_services.give_notice(sa, "UN", date(2025, 6, 15), admin)
    assert assert_consistent(db, sa, eur) == before

    # A draft with budget lines changes parties and currency, then is deleted.
    draft = make_arrangement(signed=False)
    budget_services.set_budget(draft, "other", 2027, "INTERPOL", "40.00", finance)
    assert_consistent(db, draft)
    data = ArrangementData(
        reference=draft.reference, project=draft.project.code, title=draft.title,
        kind=draft.kind, parties=["UN", "INTERPOL"], currency="EUR",
        start_date=draft.start_date, shares=[ShareData("UN", "50"), ShareData("INTERPOL", "50")])
    sa_services.update_arrangement(draft, data, None, admin)
    _, budgets_stored = assert_consistent(db, draft)
    assert any(key[2] == "EUR" and key[3] == 2027 for key in budgets_stored)
    sa_services.delete_arrangement(draft, admin)
    _, budgets_stored = assert_consistent(db, sa, eur)
    assert not any(key[3] == 2027 for key in budgets_stored)

    # Rebuilding everything from scratch gives what was kept incrementally.
    kept = assert_consistent(db, sa, eur)
    kept_totals = {x.id: totals_table(x.id) for x in (sa, eur)}
    for x in (sa, eur):
        totals.refresh_totals(x.id)
    totals.rebuild_rollups(db.session.connection())
    assert {x.id: totals_table(x.id) for x in (sa, eur)} == kept_totals
    assert _portfolio_stored(db) == kept
    assert all(kept) and any(key[1] for key in kept[0])  # figures under an area filter too
