"""The mail's work on the task queue, and the commits between its steps.

Tasks (registered on the application's Huey queue, :func:`jointprojects.jobs.queue.add_tasks`):

* ``jointprojects.mail_announce``: compare what is awaited with what was announced, queue a
  message per new (event, recipient). Enqueued after the commit of a user's write (a page
  or API request) that audited a change to a record what is awaited is computed from (every
  change is audited; jobs, users, tokens and preferences are left out), and run every five
  minutes (``mail_periodic``, which also sends
  again the messages that are due or were lost).
* ``jointprojects.mail_send(message_id)``: one attempt; a refusal schedules the next attempt
  after the backoff (``MAIL_RETRY_SECONDS`` doubled at each attempt, ``MAIL_MAX_ATTEMPTS``).
* ``jointprojects.mail_digest``: the daily digest, at ``MAIL_DIGEST_HOUR`` UTC.

A failure here never reaches the user's request: the after-commit hook only puts a message
on the queue, and logs (never raises) if even that fails; the periodic run catches up.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Flask, current_app, has_app_context, has_request_context
from huey import Huey, crontab
from sqlalchemy import event
from sqlalchemy.orm import Session

from jointprojects.audit.models import AuditEntry
from jointprojects.extensions import db
from jointprojects.jobs import queue
from jointprojects.notifications import services

log = logging.getLogger(__name__)

SEND = "jointprojects.mail_send"
ANNOUNCE = "jointprojects.mail_announce"
PERIODIC = "jointprojects.mail_periodic"
DIGEST = "jointprojects.mail_digest"
_TASKS = "jointprojects_mail_tasks"
_WROTE = "jointprojects_mail_announce_after_commit"


# --- the steps, each committing its own work ----------------------------------------------


def announce(today: date | None = None) -> list[int]:
    """New messages for what is newly awaited, committed; returns their ids."""
    try:
        ids = services.announce(today)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return ids


def deliver(message_id: int) -> services.Delivery:
    """Claim (committed, so that another worker skips it), then one attempt (committed)."""
    if not services.claim(message_id):
        db.session.rollback()
        return services.Delivery("skipped")
    db.session.commit()
    try:
        outcome = services.send_claimed(message_id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return outcome


def digest(today: date | None = None) -> list[int]:
    ids = services.make_digests(today)
    db.session.commit()
    return ids


def send_due() -> list[int]:
    ids = services.due_messages()
    db.session.commit()
    return ids


def deliver_all(ids: list[int], batch: int = 200) -> dict[str, int]:
    """Deliver ``ids`` in this process (the command line): claimed a batch at a time (one
    commit), sent over one SMTP connection, the outcomes committed together. Counts per
    outcome; those another worker holds count as skipped."""
    counts: dict[str, int] = {}
    with contextlib.ExitStack() as stack:
        through = services.connection()
        if through is not None:
            stack.enter_context(through)
        for start in range(0, len(ids), batch):
            chunk = ids[start:start + batch]
            taken = services.claim_many(chunk)
            db.session.commit()
            counts["skipped"] = counts.get("skipped", 0) + len(chunk) - len(taken)
            try:
                outcomes = [services.send_claimed(i, through) for i in taken]
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise
            for outcome in outcomes:
                counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return {k: v for k, v in counts.items() if v}


# --- the queue ----------------------------------------------------------------------------


def _tasks(app: Flask) -> dict[str, Any]:
    queue.get_queue(app)
    tasks: dict[str, Any] = app.extensions[_TASKS]
    return tasks


def enqueue_send(message_ids: list[int], app: Flask | None = None) -> None:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    send = _tasks(app)["send"]
    for message_id in message_ids:
        send(message_id)


def enqueue_announce(app: Flask | None = None) -> None:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    _tasks(app)["announce"]()


def _in_app(app: Flask, fn: Callable[..., Any], *args: Any) -> Any:
    with app.app_context():
        try:
            return fn(*args)
        finally:
            db.session.remove()


def _send_task(app: Flask, message_id: int) -> None:
    outcome = deliver(message_id)
    if outcome.retry_in is not None:
        _tasks(app)["send"].schedule(args=(message_id,), delay=outcome.retry_in)
    elif outcome.status == "failed":
        log.warning("mail %s failed for good", message_id)


def _announce_task(app: Flask) -> None:
    enqueue_send(announce(), app)


def _periodic_task(app: Flask) -> None:
    enqueue_send(announce(), app)
    enqueue_send(send_due(), app)


def _digest_task(app: Flask) -> None:
    enqueue_send(digest(), app)


def register(app: Flask, huey: Huey) -> None:
    """The mail's tasks on ``app``'s queue (called when the queue is made)."""
    hour = int(app.config.get("MAIL_DIGEST_HOUR", 6))
    app.extensions[_TASKS] = {
        "send": huey.task(name=SEND)(
            lambda message_id: _in_app(app, _send_task, app, message_id)),
        "announce": huey.task(name=ANNOUNCE)(lambda: _in_app(app, _announce_task, app)),
    }
    huey.periodic_task(crontab(minute="*/5"), name=PERIODIC)(
        lambda: _in_app(app, _periodic_task, app))
    huey.periodic_task(crontab(hour=str(hour), minute="0"), name=DIGEST)(
        lambda: _in_app(app, _digest_task, app))


def install() -> None:
    """Called by the factory."""
    queue.add_tasks(register)


# --- after a write ------------------------------------------------------------------------


#: Audited records whose changes never change what is awaited (a job, a user, a token, a
#: preference), and actions that change nothing (a download).
QUIET_ENTITIES = frozenset({"job", "user", "api_token", "user_session", "mail_preference"})
QUIET_ACTIONS = frozenset({"download"})


def _may_change_what_is_awaited(obj: object) -> bool:
    return (isinstance(obj, AuditEntry) and obj.entity not in QUIET_ENTITIES
            and obj.action not in QUIET_ACTIONS)


@event.listens_for(Session, "before_flush")
def _note_write(session: Session, flush_context: Any, instances: Any) -> None:
    # A user's write (a page or the API); the command line's writes are the operator's, and
    # the periodic run (or `jointprojects notify`) announces what they changed.
    if has_request_context() and any(_may_change_what_is_awaited(o) for o in session.new):
        session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
def _announce_after_commit(session: Session) -> None:
    if not session.info.pop(_WROTE, False) or not has_app_context():
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("MAIL_ANNOUNCE_AFTER_WRITES", True):
        return
    try:
        enqueue_announce(app)
    except Exception:  # the periodic run announces it within five minutes
        log.exception("could not queue the mail announcement")


@event.listens_for(Session, "after_soft_rollback")
def _forget_write(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_WROTE, None)
