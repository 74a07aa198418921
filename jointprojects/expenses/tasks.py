"""Re-allocation as a job (issue 15): when an amendment comes into force on an arrangement
with more than ``REALLOCATION_JOB_THRESHOLD`` expenses to re-allocate, a worker does it.

While the job is queued or running, writes to the arrangement's expenses (page, API,
import) answer 409 "Re-allocation in progress (job N)"
(:func:`jointprojects.expenses.checks.ensure_not_reallocating`); reads go on. The job is
queued with a :mod:`~jointprojects.expenses.pending` row in the same transaction, which the
job's own commit removes: if the job fails, is cancelled or loses its worker, writes stay
refused ("Re-allocation pending (job N)") and the arrangement's page offers to retry
(:func:`retry`), since the amendment is in force but the parts may keep the old shares.
Below the threshold the re-allocation stays in the request that brought the amendment into
force.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import current_app

from jointprojects.auth.models import User
from jointprojects.errors import Conflict, Message, NotFound
from jointprojects.expenses import pending, reallocation
from jointprojects.expenses.pending import REALLOCATION_JOB, reallocation_in_progress
from jointprojects.extensions import db
from jointprojects.jobs import runner
from jointprojects.jobs import services as jobs
from jointprojects.jobs.models import Job
from jointprojects.special_arrangements.models import SpecialArrangement

#: Default of ``REALLOCATION_JOB_THRESHOLD``: above this many expenses to re-allocate, an
#: amendment coming into force re-allocates them as a job.
DEFAULT_THRESHOLD = 20_000


def job_threshold() -> int:
    return int(current_app.config.get("REALLOCATION_JOB_THRESHOLD", DEFAULT_THRESHOLD))


def open_from(sa: SpecialArrangement, from_date: date | None) -> date | None:
    """``from_date`` moved past a closed period (rule 11: re-allocation never changes it)."""
    closed = sa.closed_through
    if closed is not None and (from_date is None or from_date <= closed):
        return closed + timedelta(days=1)
    return from_date


def start_reallocation_job(sa: SpecialArrangement, from_date: date | None, user: Any,
                           cause: dict[str, Any] | None = None) -> Job:
    """Queue the re-allocation of ``sa``'s expenses from ``from_date`` (all if None), owned
    by ``user`` (who brought the amendment into force); sent once the transaction commits.
    The arrangement's expenses wait for it (:func:`pending.mark`) until it succeeds."""
    cause = cause or reallocation.cause_of("command")
    job = jobs.create_job(REALLOCATION_JOB, user, arrangement=sa, params={
        "from": from_date.isoformat() if from_date else None, "cause": cause})
    pending.mark(sa, from_date, job, cause.get("share_version"))
    return job


def retry(sa: SpecialArrangement, user: Any) -> Job | None:
    """Retry the pending re-allocation of ``sa`` (its job failed, was cancelled or lost its
    worker): as a job above the threshold (returned), else at once (None). Conflict (409)
    if one is under way already; nothing to do if none is pending."""
    running = reallocation_in_progress(sa)
    if running is not None:
        raise Conflict(Message("Re-allocation in progress (job %(job)s): it is already "
                               "under way.", job=running))
    row = pending.pending_of(sa)
    if row is None:
        return None
    from_date = open_from(sa, row.from_date)
    cause = reallocation.cause_of("retry", row.share_version)
    if reallocation.expense_count(sa, from_date) > job_threshold():
        return start_reallocation_job(sa, from_date, user, cause)
    reallocation.reallocate_arrangement(sa, from_date, user=user, cause=cause)
    return None


def reallocate_on_amendment(_sender: Any, *, arrangement: SpecialArrangement,
                            effective_date: date, user: Any = None) -> None:
    """Receiver of :data:`jointprojects.special_arrangements.signals.amendment_in_force`
    (the factory connects it): the expenses the amendment covers are re-allocated, never
    those of a closed period (rule 11); in the request below the threshold, else as a job
    (owned by the user who gave the last consent)."""
    from_date = open_from(arrangement, effective_date)
    versions = reallocation.fingerprint(arrangement).versions
    cause = reallocation.cause_of("amendment", max(versions, default=None))
    if user is not None and reallocation.expense_count(arrangement, from_date) > job_threshold():
        start_reallocation_job(arrangement, from_date, user, cause)
        return
    reallocation.reallocate_arrangement(arrangement, from_date, user=user, cause=cause)


@runner.handler(REALLOCATION_JOB)
def run_reallocation(job: Job, reporter: jobs.Reporter) -> runner.Result:
    """What a worker runs: the re-allocation, its progress reported to the job's row, its
    writes committed here (the runner rolls back what a job leaves uncommitted)."""
    sa = job.arrangement
    if sa is None:
        raise NotFound("The arrangement of this re-allocation no longer exists.", "arrangement")
    raw = job.params.get("from")
    from_date = open_from(sa, date.fromisoformat(raw) if raw else None)
    owner = db.session.get(User, job.owner_id)
    sqlite = db.session.get_bind().dialect.name == "sqlite"

    def progress(phase: str, done: int, total: int) -> None:
        # On SQLite the writes hold the database's lock until the commit, and a report is
        # written on a connection of its own: it would wait for that lock. The job's page
        # shows "writing" until the job is done.
        if not (sqlite and phase == reallocation.PHASE_WRITING and done):
            reporter(phase, done, total)

    cause = job.params.get("cause")
    changed = reallocation.reallocate_arrangement(
        sa, from_date, progress=progress, user=owner,
        cause=cause if isinstance(cause, dict) else None)
    reference = sa.reference
    db.session.commit()
    summary = (f"Re-allocation of {reference}: {changed:,} expense"
               f"{'' if changed == 1 else 's'} re-allocated.\n")
    return runner.Result(summary.encode(), f"reallocation-{reference}.txt",
                         "text/plain; charset=utf-8")
