"""Issue 11 item 8: an id is never handed out twice, on SQLite (AUTOINCREMENT) as on
PostgreSQL (sequences): after "delete expense #130" no other expense is ever #130."""

from __future__ import annotations

import importlib.util
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import event, text

import config
from jointprojects import MIGRATIONS_DIR, create_app
from jointprojects.audit import services as audit_services
from jointprojects.audit.models import AuditEntry
from jointprojects.extensions import db as _db

MIGRATION = Path(MIGRATIONS_DIR) / "versions" / "20261201_ids_never_reused_3f6a9c1d2b74.py"
BODY = {"date": "2025-02-03", "category": "travel", "amount": "10.00", "currency": "USD",
        "paid_by": "UN", "description": "Mission"}


def _migration_tables() -> tuple[str, ...]:
    spec = importlib.util.spec_from_file_location("ids_never_reused", MIGRATION)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return tuple(module.TABLES)


def _previous_revision() -> str:
    """The revision the migration follows (the data below is written with today's models,
    so the migration must stay the last one that changes the columns of the tables used)."""
    spec = importlib.util.spec_from_file_location("ids_never_reused", MIGRATION)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.down_revision)


def test_the_newest_expense_deleted_its_id_is_not_given_to_the_next(api, make_arrangement):
    sa = make_arrangement()
    finance = api("finance", "UN")
    base = f"/api/v1/arrangements/{sa.reference}/expenses"
    first = finance.post(base, BODY).get_json()["id"]
    newest = finance.post(base, BODY | {"description": "Second mission"}).get_json()["id"]
    assert newest > first
    assert finance.delete(f"{base}/{newest}").status_code == 204
    another = finance.post(base, BODY | {"description": "Another mission"}).get_json()["id"]
    assert another > newest
    assert finance.get(f"{base}/{newest}").status_code == 404  # the old number stays gone


def test_nor_is_a_deleted_budget_line_or_user_token_id(app, db, make_arrangement, make_user):
    from jointprojects.auth.models import ApiToken
    from jointprojects.auth.services import create_token
    from jointprojects.budgets.services import delete_budget, set_budget

    sa = make_arrangement()
    admin = make_user("admin")
    line = set_budget(sa, "travel", 2025, None, "100", admin)
    db.session.commit()
    gone = line.id
    delete_budget(sa, gone, admin)
    db.session.commit()
    assert set_budget(sa, "meetings", 2025, None, "50", admin).id > gone
    create_token(admin.email)
    db.session.commit()
    token = db.session.scalars(db.select(ApiToken).order_by(ApiToken.id.desc())).first()
    gone = token.id
    db.session.delete(token)
    db.session.commit()
    create_token(admin.email)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.max(ApiToken.id))) > gone


def test_the_models_declare_what_the_migration_does():
    """A fresh create_all makes the same AUTOINCREMENT tables as the migrations."""
    declared = {t.name for t in _db.metadata.sorted_tables
                if t.dialect_options["sqlite"]["autoincrement"]}
    # Tables that came with later features are created AUTOINCREMENT by their own migration.
    own = {"statement", "statement_acknowledgement", "payment",  # d3a7c5e91b24
           "organization_key", "checkpoint", "checkpoint_signature",  # e4b9d2a7c613
           "acceptance_signature",  # e4b9d2a7c613
           "document",  # a7d3e9c41b20
           "job",  # d4a7c9e1b2f6
           "inbox_read", "calendar_feed",  # e5b2c8d41f37
           "mail_message"}  # e5b8d2c7a913
    assert declared == set(_migration_tables()) | own
    for name in ("expense", "budget", "personnel_exchange", "signature", "share_version",
                 "user", "api_token", "audit_entry"):
        assert name in declared


def _schema(path: Path) -> dict[tuple[str, str], str]:
    with sqlite3.connect(path) as c:
        return {(t, n): s for t, n, s in c.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")}


def test_the_migration_recreates_the_tables_keeping_rows_indexes_triggers_and_keys(tmp_path):
    """On a SQLite file at the previous head with data: every listed table becomes
    AUTOINCREMENT; the rows, every index and every trigger (the dashboard's budget roll-up)
    are still there and still work; foreign keys are on again and hold; and it goes back."""
    path = tmp_path / "old.db"
    app = create_app(config.TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision=_previous_revision())
        from jointprojects.organizations.services import load_reference_data
        from jointprojects.projects.services import ProjectData, create_project
        from jointprojects.special_arrangements import services as sa_services
        from jointprojects.special_arrangements.services import ArrangementData, ShareData

        # The schema is older than the audit hash chain (c91e4b7a2f05): the models' two
        # columns of it are added bare, and audit rows written without their links.
        for column in ("prev_hash", "hash"):
            _db.session.execute(text(f"ALTER TABLE audit_entry ADD COLUMN {column} VARCHAR(64)"))
        event.remove(AuditEntry, "before_insert", audit_services._chain_entry)
        try:
            load_reference_data()
            create_project(ProjectData(code="P-1", title="Training", areas=["b"],
                                       lead_organization="UN", start_date=date(2025, 1, 1)))
            sa = sa_services.create_arrangement(ArrangementData(
                reference="SA-1", project="P-1", title="T", kind="joint_action",
                parties=["UN", "INTERPOL"], currency="USD", start_date=date(2025, 1, 1),
                shares=[ShareData("UN", "50"), ShareData("INTERPOL", "50")]))
            _db.session.commit()
        finally:
            event.listen(AuditEntry, "before_insert", audit_services._chain_entry)
        sa_id = sa.id
        _db.session.remove()
    before = _schema(path)
    counts = {}
    with sqlite3.connect(path) as c:
        for table in ("organization", "project", "special_arrangement", "share_version",
                      "share", "arrangement_party", "audit_entry"):
            counts[table] = c.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    with app.app_context():
        upgrade(directory=directory, revision="3f6a9c1d2b74")  # this migration, no later one
        assert _db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        _db.session.remove()
    after = _schema(path)
    assert set(after) == set(before)  # no table, index or trigger lost
    assert {k: v for k, v in after.items() if k[0] == "trigger"} == \
        {k: v for k, v in before.items() if k[0] == "trigger"}
    for table in _migration_tables():
        assert "AUTOINCREMENT" in after[("table", table)], table
    assert "AUTOINCREMENT" not in after[("table", "share")]
    with sqlite3.connect(path) as c:
        for table, count in counts.items():
            assert c.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == count, table
        assert c.execute("PRAGMA foreign_key_check").fetchall() == []
        # the budget roll-up trigger still runs on the recreated budget table
        c.execute("INSERT INTO budget (arrangement_id, category, year, amount, note) "
                  "VALUES (?, 'travel', 2025, 1000000, '')", (sa_id,))
        assert c.execute("SELECT count(*) FROM portfolio_budget").fetchone()[0] > 0
        # a CHECK constraint came along
        with pytest.raises(sqlite3.IntegrityError):
            c.execute("UPDATE project SET status = 'nonsense'")
    with app.app_context():
        downgrade(directory=directory, revision=_previous_revision())
        _db.session.remove()
        _db.engine.dispose()
    assert "AUTOINCREMENT" not in _schema(path)[("table", "expense")]
    assert set(_schema(path)) == set(before)
