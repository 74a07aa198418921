"""Getting past the append-only triggers of ``audit_entry`` (migration c91e4b7a2f05), as only
the table's owner can: the fixtures empty the table between tests, and the tampering tests
act as an insider with the owner role would (docs/EVIDENCE.md, "Who can do what")."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text


@contextmanager
def triggers_off(conn: Connection) -> Iterator[None]:
    """Inside the transaction of ``conn``: on PostgreSQL ``session_replication_role =
    replica`` (superuser only: ordinary triggers do not fire), on SQLite the triggers are
    dropped and created again from their own SQL."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        yield
        conn.execute(text("SET LOCAL session_replication_role = origin"))
        return
    saved = conn.execute(text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_entry'"
    )).fetchall()
    for name, _sql in saved:
        conn.execute(text(f'DROP TRIGGER "{name}"'))
    try:
        yield
    finally:
        for _name, sql in saved:
            conn.execute(text(sql))
