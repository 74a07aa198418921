"""Migration 5e40d644ec52 (issue 17): the statements issued before it are English only and
keep their workbook's bytes and SHA-256, now under ``language = 'en'``; a second language's
workbook can then be stored beside it, and the downgrade keeps the first language's. On
SQLite (a file) and, with JOINTPROJECTS_TEST_DB=postgres, on a PostgreSQL database of its
own."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

import config
from jointprojects import create_app
from jointprojects.extensions import db as _db
from tests.conftest import USE_POSTGRES, _create_pg_database

BEFORE = "e5f1a8c3d742"
THIS = "5e40d644ec52"
CONTENT = b"PK\x03\x04 the workbook issued before statements had languages"
DIGEST = hashlib.sha256(CONTENT).hexdigest()


@pytest.fixture()
def database(tmp_path: Path) -> Iterator[str]:
    if not USE_POSTGRES:
        yield f"sqlite:///{tmp_path}/migration.db"
        return
    url, drop = _create_pg_database()
    try:
        yield url
    finally:
        drop()


def _workbooks(language: bool = True) -> list[tuple]:
    columns = "statement_id, language" if language else "statement_id"
    rows = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r)
            for r in _db.session.execute(text(
                f"SELECT {columns}, filename, content, sha256 FROM statement_workbook "
                "ORDER BY statement_id"))]
    _db.session.commit()  # no read lock left for the migration that follows (PostgreSQL)
    return rows


def test_an_english_statement_keeps_its_bytes_and_digest(database: str) -> None:
    app = create_app(config.TestingConfig, SQLALCHEMY_DATABASE_URI=database)
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision=BEFORE)
        conn = _db.session.connection()
        # a statement row of its own, without its arrangement (foreign keys off meanwhile)
        if conn.dialect.name == "sqlite":
            conn.execute(text("PRAGMA foreign_keys = OFF"))
        else:
            conn.execute(text("SET session_replication_role = replica"))  # no FK checks
        conn.execute(text(
            "INSERT INTO statement (id, arrangement_id, number, date_from, date_to, due_date, "
            "status, currency, unallocated, expense_count, share_versions, sha256, "
            "issued_by_admin, issued_at, withdrawal_reason) VALUES (7, 1, 1, '2025-01-01', "
            "'2025-03-31', '2025-04-30', 'issued', 'USD', 0, 2, '1', :h, :f, "
            "'2025-04-01 10:00:00', '')"), {"h": DIGEST, "f": False})
        conn.execute(text(
            "INSERT INTO statement_workbook (statement_id, filename, content, sha256) "
            "VALUES (7, 'statement-SA-1-1.xlsx', :c, :h)"), {"c": CONTENT, "h": DIGEST})
        _db.session.commit()

        upgrade(directory=directory, revision=THIS)
        assert _workbooks() == [(7, "en", "statement-SA-1-1.xlsx", CONTENT, DIGEST)]
        assert tuple(_db.session.execute(text(
            "SELECT languages, sha256 FROM statement WHERE id = 7")).one()) == ("en", DIGEST)
        # a French workbook beside it; the same language twice, or another one, is refused
        conn = _db.session.connection()
        conn.execute(text("UPDATE statement SET languages = 'en,fr' WHERE id = 7"))
        conn.execute(text(
            "INSERT INTO statement_workbook (statement_id, language, filename, content, "
            "sha256) VALUES (7, 'fr', 'statement-SA-1-1-fr.xlsx', :c, 'x')"), {"c": b"PK fr"})
        _db.session.commit()
        for language in ("fr", "de"):
            with pytest.raises(IntegrityError):
                _db.session.execute(text(
                    "INSERT INTO statement_workbook (statement_id, language, filename, "
                    "content, sha256) VALUES (7, :l, 'x.xlsx', :c, 'x')"),
                    {"l": language, "c": b"PK"})
                _db.session.flush()
            _db.session.rollback()
        with pytest.raises(IntegrityError):
            _db.session.execute(text("UPDATE statement SET languages = 'de' WHERE id = 7"))
            _db.session.flush()
        _db.session.rollback()

        downgrade(directory=directory, revision=BEFORE)
        assert _workbooks(language=False) == [(7, "statement-SA-1-1.xlsx", CONTENT, DIGEST)]
        upgrade(directory=directory)
        assert _workbooks() == [(7, "en", "statement-SA-1-1.xlsx", CONTENT, DIGEST)]
        _db.session.remove()
        _db.engine.dispose()
