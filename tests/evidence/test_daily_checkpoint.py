"""The daily checkpoint: a periodic task of the jobs runner that signs the chain head, once a
day, unless nothing was appended since the last checkpoint."""

from __future__ import annotations

from sqlalchemy import func, select

from jointprojects.audit.models import AuditEntry
from jointprojects.evidence import signatures, tasks
from jointprojects.evidence.models import Checkpoint
from jointprojects.extensions import db
from jointprojects.jobs import queue


def _count() -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.count()).select_from(Checkpoint)) or 0)


def test_the_queue_runs_the_daily_checkpoint(app):
    huey = queue.get_queue(app)
    periodic = {t.name: t for t in huey._registry.periodic_tasks}
    assert tasks.DAILY in periodic
    assert periodic[queue.HOUSEKEEPING] is not None


def test_the_daily_checkpoint_signs_the_head_and_skips_when_nothing_was_appended(
        app, make_arrangement):
    make_arrangement()
    db.session.commit()
    tasks.daily_checkpoint(app)
    assert _count() == 1
    cp = signatures.latest_checkpoint()
    assert cp is not None and cp.made_by == signatures.DAILY_JOB
    newest = db.session.scalar(select(func.max(AuditEntry.id)))
    assert newest is not None and cp.sequence < newest  # its own audit row follows it
    tasks.daily_checkpoint(app)
    assert _count() == 1  # only the checkpoint's own row since: nothing new to sign
    make_arrangement()
    db.session.commit()
    tasks.daily_checkpoint(app)
    assert _count() == 2
    assert signatures.latest_checkpoint().sequence > cp.sequence
