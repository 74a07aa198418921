"""Two users at once: a second session and connection in a thread (PostgreSQL only)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from jointprojects.extensions import db
from tests.conftest import USE_POSTGRES

#: ``pytestmark`` of a module whose tests need two real connections.
POSTGRES_ONLY = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not USE_POSTGRES, reason="needs PostgreSQL: two real connections "
                                                "(JOINTPROJECTS_TEST_DB=postgres)"),
]


def in_other_session(app: Any, work: Any) -> threading.Thread:
    """Run ``work()`` in a thread with its own application context, hence its own session
    and connection, and commit; its result is kept in ``thread.result`` and what it raises
    in ``thread.error``."""

    def run() -> None:
        with app.app_context():
            try:
                thread.result = work()
                db.session.commit()
            except Exception as exc:  # kept for the test to inspect
                db.session.rollback()
                thread.error = exc
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.result, thread.error = None, None  # type: ignore[attr-defined]
    thread.start()
    return thread
