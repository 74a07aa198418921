"""The application's PostgreSQL role (migration e5b7d2a94c18, docs/EVIDENCE.md "The
application's role"): it does the application's work, audit rows included, but cannot
change, remove or empty an audit row, not even once the append-only triggers are gone, nor
drop the triggers itself."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from jointprojects.evidence.services import verify_database
from jointprojects.expenses import recording
from jointprojects.expenses.models import Expense
from jointprojects.extensions import db
from reports.evidence import check_chain
from tests.concurrency import POSTGRES_ONLY
from tests.evidence.conftest import chain_rows
from tests.expenses.conftest import expense

pytestmark = POSTGRES_ONLY

MIGRATION = (Path(__file__).parents[2] / "jointprojects" / "migrations" / "versions"
             / "20261201_application_role_e5b7d2a94c18.py")


def _migration() -> Any:
    spec = importlib.util.spec_from_file_location("application_role", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

ROLE = "jointprojects_app"


@contextmanager
def as_application(*, triggers: bool = True) -> Iterator[Connection]:
    """A transaction acting as the application's role (``SET LOCAL ROLE``), rolled back at
    the end; with ``triggers=False`` the superuser first drops the append-only triggers in
    it, as an administrator could."""
    db.session.rollback()  # the test's own session holds no lock on audit_entry
    with db.engine.connect() as conn:
        transaction = conn.begin()
        try:
            if not triggers:
                conn.execute(text("DROP TRIGGER audit_entry_no_update_delete ON audit_entry"))
                conn.execute(text("DROP TRIGGER audit_entry_no_truncate ON audit_entry"))
            conn.execute(text(f"SET LOCAL ROLE {ROLE}"))
            yield conn
        finally:
            transaction.rollback()


def _refused(sql: str, *, triggers: bool) -> str:
    with as_application(triggers=triggers) as conn, pytest.raises(DBAPIError) as refused:
        conn.execute(text(sql))
    return str(refused.value.orig)


@pytest.mark.parametrize("triggers", [True, False], ids=["triggers", "triggers dropped"])
@pytest.mark.parametrize("sql", [
    "UPDATE audit_entry SET action = 'forged'",
    "DELETE FROM audit_entry",
    "TRUNCATE audit_entry",
])
def test_the_role_cannot_change_or_remove_audit_rows(books, sql, triggers):
    before = chain_rows()
    message = _refused(sql, triggers=triggers)
    assert "permission denied for table audit_entry" in message
    assert chain_rows() == before


def test_the_role_cannot_drop_the_triggers(books):
    message = _refused("DROP TRIGGER audit_entry_no_update_delete ON audit_entry",
                       triggers=True)
    assert "must be owner of" in message


def test_the_application_works_as_the_role(books, finance):
    """An expense recorded, changed and deleted through the services (audit rows, the chain
    head, the parts and the totals), all as the role, in one transaction."""
    sa = books["sa"]
    db.session.rollback()
    db.session.execute(text(f"SET LOCAL ROLE {ROLE}"))
    assert db.session.execute(text("SELECT current_user")).scalar_one() == ROLE
    april = date(2025, 4, 10)  # after the period the books' statement closed
    e = recording.record_expense(sa, expense(date=april, amount="33.00"), finance)
    kept = recording.record_expense(sa, expense(date=april, amount="7.00"), finance)
    recording.update_expense(e, expense(date=april, amount="34.00"), e.version, finance)
    recording.delete_expense(e, None, finance)
    assert db.session.get(Expense, kept.id) is not None
    db.session.flush()
    assert check_chain(chain_rows()) is None
    ok, message = verify_database()
    assert ok, message
    db.session.rollback()


def test_the_migration_runs_again_on_a_server_where_the_role_exists(app):
    db.session.rollback()
    with db.engine.begin() as conn:
        for statement in _migration().UPGRADE:  # what a second database's upgrade runs
            conn.execute(text(statement))
        role = conn.execute(text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :r"),
                            {"r": ROLE}).scalars().all()
        rights = conn.execute(text(
            "SELECT string_agg(privilege_type, ',' ORDER BY privilege_type) FROM"
            " information_schema.role_table_grants WHERE grantee = :r AND table_name = :t"),
            {"r": ROLE, "t": "audit_entry"}).scalar_one()
    assert role == [False]  # NOLOGIN: operators grant it to the role the application uses
    assert rights == "INSERT,SELECT"
