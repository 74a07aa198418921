from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from jointprojects.audit.models import AuditEntry
from jointprojects.extensions import db
from reports.evidence import FIELDS


@pytest.fixture()
def finance(make_user: Callable[..., Any]) -> Any:
    return make_user("finance")


def chain_rows() -> list[dict[str, Any]]:
    """Every audit row as the verifier reads it, in id order."""
    db.session.expire_all()
    return [{"id": e.id, "prev_hash": e.prev_hash, "hash": e.hash,
             **{name: getattr(e, name) for name in FIELDS}}
            for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
