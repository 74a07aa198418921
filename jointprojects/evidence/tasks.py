"""The evidence feature's long work: the audit page's "Verify now" (a job, its outcome kept
as a :class:`~jointprojects.evidence.models.ChainVerification` the pages show) and the
daily checkpoint (a periodic task of the jobs runner)."""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from jointprojects.audit.models import AuditEntry
from jointprojects.auth import policy
from jointprojects.evidence import services, signatures
from jointprojects.evidence.models import ChainVerification
from jointprojects.extensions import db
from jointprojects.jobs import queue, runner
from jointprojects.jobs import services as jobs
from jointprojects.jobs.models import Job

log = logging.getLogger(__name__)

KIND = "verify_chain"
DAILY = "jointprojects.daily_checkpoint"
_ROW = re.compile(r"audit row #(\d+)")


def start_verification(user: Any) -> Job:
    """Queue a verification of the whole live database (admins)."""
    policy.ensure(user, policy.USER_ADMIN)
    return jobs.create_job(KIND, user)


def record_verification(ok: bool, message: str, last_row: int) -> ChainVerification:
    """Keep a run's outcome (the first broken row read from its message)."""
    found = None if ok else _ROW.search(message)
    run = ChainVerification(ok=ok, message=message, last_row=last_row,
                            broken_row=int(found.group(1)) if found else None)
    db.session.add(run)
    db.session.flush()
    return run


def newest_row() -> int:
    return int(db.session.scalar(select(func.max(AuditEntry.id))) or 0)


@runner.handler(KIND)
def verify_chain(job: Job, reporter: jobs.Reporter) -> runner.Result:
    last = newest_row()
    ok, message = services.verify_database()
    db.session.rollback()  # the check reads only; keep its outcome in a transaction of its own
    record_verification(ok, message, last)
    db.session.commit()
    return runner.Result(message.encode("utf-8"), "verification.txt", "text/plain")


def appended_since(sequence: int) -> int:
    """How many audit rows after ``sequence`` are not checkpoints' own."""
    return int(db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.id > sequence, AuditEntry.entity != "checkpoint")) or 0)


def daily_checkpoint(app: Flask) -> None:
    """Sign the chain head once a day, unless nothing was appended since the last one."""
    with app.app_context():
        try:
            latest = signatures.latest_checkpoint()
            if latest is None or appended_since(latest.sequence):
                cp = signatures.make_checkpoint(signatures.DAILY_JOB)
                db.session.commit()
                log.info("checkpoint %s: audit row #%s", cp.id, cp.sequence)
        finally:
            db.session.remove()


def install() -> None:
    """Register the daily checkpoint, 02:07 UTC (the factory calls it before the queue is
    made)."""
    queue.periodic(DAILY, daily_checkpoint, minute="7", hour="2")
