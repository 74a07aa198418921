"""Writing the audit trail: one row per change, in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import Connection, and_, event, insert, inspect, or_, select, update
from sqlalchemy.orm import Mapper, defer
from sqlalchemy.orm.attributes import set_committed_value

from jointprojects.audit.models import AuditChainHead, AuditEntry
from jointprojects.auth.models import utcnow
from jointprojects.extensions import db
from reports.evidence import FIELDS, GENESIS, REALLOCATION, row_hash

_HEAD = AuditChainHead.__table__
_ENTRY = AuditEntry.__table__


def chain_head(connection: Connection) -> str:
    """The hash of the newest audit row, the chain-head row locked until the transaction
    ends (FOR UPDATE on PostgreSQL; SQLite serializes writers already). A database without
    the head row (a fresh one, or emptied tables) gets it from the newest audit row."""
    head = connection.execute(
        select(_HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()).scalar_one_or_none()
    if head is not None:
        return str(head)
    last = connection.execute(
        select(_ENTRY.c.hash).order_by(_ENTRY.c.id.desc()).limit(1)).scalar_one_or_none()
    head = str(last) if last else GENESIS
    connection.execute(insert(_HEAD).values(id=1, hash=head))
    return head


def _move_head(connection: Connection, new: str) -> None:
    connection.execute(update(_HEAD).where(_HEAD.c.id == 1).values(hash=new))


def link(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Give each of ``rows`` (about to be inserted in this order) its ``prev_hash`` and
    ``hash``, and move the chain head past them."""
    prev = chain_head(connection)
    for row in rows:
        row["prev_hash"] = prev
        row["hash"] = prev = row_hash(prev, row)
    _move_head(connection, prev)


@event.listens_for(AuditEntry, "before_insert")
def _chain_entry(_mapper: Mapper[AuditEntry], connection: Connection,
                 entry: AuditEntry) -> None:
    """Every ORM insert of an audit row joins the chain, in flush order (= id order)."""
    if entry.at is None:
        entry.at = utcnow()
    row = {name: getattr(entry, name) for name in FIELDS}
    link(connection, [row])
    entry.prev_hash, entry.hash = row["prev_hash"], row["hash"]


def jsonable(value: Any) -> Any:
    """``value`` as :func:`snapshot` writes it (Decimals as strings, ISO dates)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def snapshot(obj: Any, *, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The column values of ``obj`` as JSON-ready data (Decimals as strings)."""
    mapper = inspect(obj).mapper
    data = {attr.key: jsonable(getattr(obj, attr.key)) for attr in mapper.column_attrs}
    if extra:
        data.update({k: jsonable(v) for k, v in extra.items()})
    return data


def _current_user_id() -> int | None:
    if has_request_context() and getattr(current_user, "is_authenticated", False):
        return int(current_user.id)
    try:
        user = g.get("api_user")
    except RuntimeError:
        return None
    return int(user.id) if user is not None else None


def request_origin() -> tuple[str | None, str | None]:
    """The source address and user agent of the current request; ``(None, "command line")``
    outside one."""
    if not has_request_context():
        return None, "command line"
    agent = request.headers.get("User-Agent", "")[:300]
    return (request.remote_addr or "")[:45] or None, agent or None


def security_event(action: str, user: Any | None, *, email: str = "", **details: Any) -> AuditEntry:
    """A security event (login, logout, session end, password change, download...) on the
    user it concerns; ``email`` names the account tried when no user is known."""
    after = {"email": email or (user.email if user is not None else "")}
    after.update({k: jsonable(v) for k, v in details.items()})
    address, agent = request_origin()
    entry = AuditEntry(
        action=action,
        entity="user",
        entity_id=user.id if user is not None else 0,
        parent_entity="user",
        parent_id=user.id if user is not None else None,
        before=None,
        after=after,
        user_id=user.id if user is not None else None,
        address=address,
        user_agent=agent,
    )
    db.session.add(entry)
    return entry


def record(
    action: str,
    obj: Any,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    parent: Any | None = None,
    user: Any | None = None,
) -> AuditEntry:
    """Add an audit row for ``obj``; flush first so that new records have their id."""
    db.session.flush()
    if after is None and action != "delete":
        after = snapshot(obj)
    entity = obj.__tablename__
    parent = parent if parent is not None else obj
    entry = AuditEntry(
        action=action,
        entity=entity,
        entity_id=inspect(obj).identity[0] if inspect(obj).identity else 0,
        parent_entity=parent.__tablename__,
        parent_id=inspect(parent).identity[0] if inspect(parent).identity else None,
        before=before,
        after=after,
        user_id=user.id if user is not None else _current_user_id(),
    )
    entry.address, entry.user_agent = request_origin()
    db.session.add(entry)
    return entry


def record_many(
    action: str,
    rows: Sequence[tuple[str, int, dict[str, Any] | None]],
    *,
    parent: Any,
    user: Any | None = None,
) -> None:
    """Add one audit row per ``(entity, entity_id, after)`` of a batch (e.g. an import),
    all belonging to ``parent``, with one executemany INSERT: the rows :func:`record` would
    write one by one (``before`` empty), without a flush per row."""
    if not rows:
        return
    db.session.flush()  # rows added before these come first in the chain
    parent_id = inspect(parent).identity[0] if inspect(parent).identity else None
    user_id = user.id if user is not None else _current_user_id()
    at = utcnow()
    address, agent = request_origin()
    values = [
        {"at": at, "user_id": user_id, "action": action, "entity": entity,
         "entity_id": entity_id, "parent_entity": parent.__tablename__,
         "parent_id": parent_id, "before": None, "after": after,
         "address": address, "user_agent": agent}
        for entity, entity_id, after in rows
    ]
    link(db.session.connection(), values)
    db.session.execute(insert(AuditEntry.__table__), values)


def records_history(records: Sequence[Any], limit: int = 200) -> list[AuditEntry]:
    """Audit rows of the given records themselves, whatever record they are filed under,
    newest first: a statement's events are filed under its arrangement (whose History shows
    them) and its own page shows them too."""
    conditions = [and_(AuditEntry.entity == r.__tablename__, AuditEntry.entity_id == r.id)
                  for r in records if r.id is not None]
    if not conditions:
        return []
    return list(db.session.scalars(select(AuditEntry).where(or_(*conditions))
                                   .order_by(AuditEntry.id.desc()).limit(limit)))


def history(parent: Any, limit: int = 200) -> list[AuditEntry]:
    """Audit rows of a record and the records that belong to it, newest first. A
    re-allocation's batch rows (megabytes of expense figures each, docs/EVIDENCE.md
    "Re-allocations") come as one entry, its first batch's, whose ``after`` holds only the
    cause, the count and the batch number (what its history line reads), extracted by the
    database; the figures themselves are not loaded."""
    entries = list(
        db.session.scalars(
            select(AuditEntry).options(defer(AuditEntry.after))
            .filter_by(parent_entity=parent.__tablename__, parent_id=parent.id)
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        )
    )
    batches = [e.id for e in entries
               if e.action == "reallocate" and e.entity == "special_arrangement"]
    others = [e.id for e in entries if e.id not in set(batches)]
    afters: dict[int, Any] = {}
    for lo in range(0, len(others), 500):
        afters.update(db.session.execute(select(AuditEntry.id, AuditEntry.after)
                                         .where(AuditEntry.id.in_(others[lo:lo + 500]))).all())
    batch = AuditEntry.after[REALLOCATION]
    for entry_id, cause, count, number in db.session.execute(
            select(AuditEntry.id, batch["cause"], batch["count"].as_integer(),
                   batch["batch"].as_integer()).where(AuditEntry.id.in_(batches))):
        afters[entry_id] = ({REALLOCATION: {"cause": cause, "count": count, "batch": number}}
                            if number is not None else None)
    result = []
    for entry in entries:
        after = afters.get(entry.id)
        if entry.id in set(batches) and after is None:  # an older row: load it whole
            after = db.session.scalar(select(AuditEntry.after).where(AuditEntry.id == entry.id))
        set_committed_value(entry, "after", after)
        if entry.id in set(batches) and after and (after.get(REALLOCATION) or {}).get(
                "batch", 1) != 1:
            continue  # the re-allocation reads as one line: its first batch's
        result.append(entry)
    return result


def move_chain_head(connection: Connection, new: str) -> None:
    """Move the chain head to ``new`` after rows whose links the caller computed under the
    head's lock (:func:`chain_head`), e.g. a bulk re-allocation writing its rows by COPY."""
    _move_head(connection, new)


def current_user_id() -> int | None:
    """The id of the user of the current request (page or API), None outside one."""
    return _current_user_id()
