"""A page never waits for SQLite's write lock to note that its session was seen: while
another transaction holds the lock (an import job recording its rows, for minutes), the
page answers at once and the note is taken by a later request. These tests use a database
file of their own (a lock needs two connections), whatever database the suite runs on."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import config
from jointprojects import create_app
from jointprojects.auth.models import utcnow
from jointprojects.extensions import db
from tests.conftest import PASSWORD, WebClient


@pytest.fixture()
def file_app(tmp_path: Path) -> Iterator[tuple[Flask, Path]]:
    path = tmp_path / "app.db"
    app = create_app(config.TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        from flask_migrate import upgrade

        from jointprojects.auth.services import create_user
        from jointprojects.organizations.services import load_reference_data

        upgrade(directory=app.extensions["migrate"].directory)
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode = WAL")
        load_reference_data()
        create_user("finance@un.example", PASSWORD, "finance", "UN")
        db.session.commit()
        db.session.remove()
    yield app, path
    with app.app_context():
        db.engine.dispose()


def _seen(path: Path) -> datetime:
    with sqlite3.connect(path) as conn:
        return datetime.fromisoformat(conn.execute(
            "SELECT last_seen_at FROM user_session").fetchone()[0])


def _age(path: Path, minutes: int) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE user_session SET last_seen_at = ?",
                     ((utcnow() - timedelta(minutes=minutes)).isoformat(" "),))


def test_a_page_answers_at_once_while_another_writer_holds_the_lock(
        file_app: tuple[Flask, Path]) -> None:
    app, path = file_app
    web = WebClient(app.test_client())
    answer = web.post_form("/login", {"email": "finance@un.example", "password": PASSWORD})
    assert answer.status_code == 302
    _age(path, 5)
    before = _seen(path)
    writer: Any = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # as an import's transaction holds it
        started = time.monotonic()
        page = web.get("/")
        waited = time.monotonic() - started
        assert page.status_code == 200
        assert waited < 2, f"the page waited {waited:.1f} s for the write lock"
        assert _seen(path) == before  # not noted while the lock is held
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert web.get("/").status_code == 200
    assert _seen(path) > before  # the next request notes it
