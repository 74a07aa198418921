"""Database helpers shared by services: SQLite pragmas, transactions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, scoped_session


def enable_sqlite_foreign_keys(engine: Engine) -> None:
    """SQLite enforces foreign keys only when asked, per connection."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def locked(exc: OperationalError) -> bool:
    """SQLite's "database is locked" (or busy): another connection holds the write lock."""
    text = str(exc.orig if exc.orig is not None else exc).lower()
    return "locked" in text or "busy" in text


def restart_transaction(session: Session | scoped_session[Any], isolation_level: str) -> None:
    """Commit what ``session``'s transaction holds and begin the next one at
    ``isolation_level`` (which only the first statement of a transaction can set). Services
    flush and leave the commit to the boundary (jointprojects.transaction, the API, the CLI);
    this is the exception for a read that must see one snapshot (the cost report), and the
    boundary then ends the new transaction as it would have the first."""
    session.commit()
    session.connection(execution_options={"isolation_level": isolation_level})
