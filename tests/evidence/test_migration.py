"""Migration c91e4b7a2f05 chains the audit rows already there, in id order, with the same
canonical form as the application (the verifier accepts the result)."""

from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

import config
from jointprojects import create_app
from jointprojects.evidence.services import verify_database
from jointprojects.extensions import db as _db
from reports.evidence import GENESIS


def test_the_migration_chains_the_existing_rows(tmp_path):
    app = create_app(config.TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/a.db")
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="a7d3e9c41b20")
        for i in (1, 2, 3):
            _db.session.execute(text(
                "INSERT INTO audit_entry (at, action, entity, entity_id, parent_entity,"
                " parent_id, \"after\") VALUES (:at, 'create', 'project', :i, 'project', :i,"
                " :after)"), {"at": f"2026-01-0{i} 10:00:00.00000{i}", "i": i,
                              "after": '{"title": "Formation \\u00e0 Lyon", "n": 2}'})
        _db.session.commit()
        upgrade(directory=directory)
        rows = _db.session.execute(text(
            "SELECT id, prev_hash, hash FROM audit_entry ORDER BY id")).fetchall()
        assert rows[0][1] == GENESIS and rows[1][1] == rows[0][2] and rows[2][1] == rows[1][2]
        assert verify_database() == (True, "verified: 0 records, 3 log rows, 0 statements, "
                                           "the chain unbroken")
        with pytest.raises(DBAPIError, match="append-only"):
            _db.session.execute(text("DELETE FROM audit_entry WHERE id = 1"))
        _db.session.rollback()
        _db.session.remove()
        _db.engine.dispose()
