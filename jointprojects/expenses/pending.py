"""A re-allocation an arrangement's expenses wait for (issue 15 item 4): when an amendment
comes into force on a big arrangement, the amendment is in force at once but its expenses
are re-allocated by a job afterwards. If that job fails, is cancelled or loses its worker,
the parts must not stay silently stale: a :class:`~jointprojects.expenses.models.
PendingReallocation` row, written with the job in the transaction of the last consent and
deleted by the re-allocation that covers it (in that re-allocation's own transaction), says
so until a re-allocation succeeds.

While the row stands writes to the arrangement's expenses answer 409
(:func:`jointprojects.expenses.checks.ensure_not_reallocating`): "in progress (job N)" while
the job is queued or running, else "pending: job N failed/was cancelled — retry"; the
arrangement's page shows the same with a retry button (:func:`retry`), and
``jointprojects reallocate REF`` settles it from the command line.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select

from jointprojects.auth.models import utcnow
from jointprojects.expenses.models import PendingReallocation
from jointprojects.extensions import db
from jointprojects.jobs import services as jobs
from jointprojects.jobs.models import Job
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.vocabulary import N_

REALLOCATION_JOB = "reallocation"


def reallocation_in_progress(sa: SpecialArrangement) -> int | None:
    """The id of the re-allocation job that holds ``sa``'s expenses (queued, or running and
    still reporting), None if there is none. Derived from the job's state: once it ends
    (done, failed, cancelled, or its worker lost) writes are allowed again."""
    now = utcnow()
    return db.session.scalar(
        select(Job.id).where(
            Job.kind == REALLOCATION_JOB, Job.arrangement_id == sa.id,
            or_(Job.status == "queued",
                and_(Job.status == "running", Job.updated_at >= now - jobs.LOST_AFTER)))
        .order_by(Job.id).limit(1))


#: How the arrangement's page names what became of the job (translated there).
STATUS_WORDS = {
    "running": N_("running"),
    "failed": N_("failed"),
    "cancelled": N_("cancelled"),
    "lost": N_("its worker stopped"),
    "unknown": N_("did not complete"),
}


def pending_of(sa: SpecialArrangement) -> PendingReallocation | None:
    """The re-allocation ``sa``'s expenses wait for, None when their parts follow the
    shares in force."""
    return db.session.get(PendingReallocation, sa.id, populate_existing=True)


def mark(sa: SpecialArrangement, from_date: date | None, job: Job | None,
         share_version: int | None) -> PendingReallocation:
    """Record that ``sa``'s expenses from ``from_date`` (all if None) wait for ``job``; an
    earlier pending re-allocation is merged (the earlier of the two days)."""
    row = pending_of(sa)
    if row is None:
        row = PendingReallocation(arrangement_id=sa.id, from_date=from_date)
        db.session.add(row)
    elif row.from_date is not None and (from_date is None or from_date < row.from_date):
        row.from_date = from_date
    row.job_id = job.id if job is not None else None
    if share_version is not None:
        row.share_version = share_version
    db.session.flush()
    return row


def settle(sa: SpecialArrangement, from_date: date | None) -> None:
    """A re-allocation of ``sa`` from ``from_date`` (all if None) succeeded: the pending
    one it covers is done (in the same transaction)."""
    row = pending_of(sa)
    if row is None:
        return
    if from_date is None or (row.from_date is not None and from_date <= row.from_date):
        db.session.delete(row)
        db.session.flush()


def state(sa: SpecialArrangement) -> dict[str, Any] | None:
    """What the arrangement's page shows: None when nothing waits, else the job (its id and
    status, None once purged) and whether it is still under way."""
    row = pending_of(sa)
    running = reallocation_in_progress(sa)
    if row is None and running is None:
        return None
    job = db.session.get(Job, row.job_id) if row is not None and row.job_id else None
    if running is not None:
        status = "running"
    elif job is None:
        status = "unknown"  # the job was purged
    else:  # failed, cancelled, or queued/running with its worker lost
        status = job.status if job.status in ("failed", "cancelled") else "lost"
    return {"job_id": running or (job.id if job is not None else None), "status": status,
            "status_word": STATUS_WORDS[status],
            "in_progress": running is not None,
            "from_date": row.from_date if row is not None else None}
