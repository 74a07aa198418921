"""Re-allocation as a job (issue 15): when an amendment comes into force on an arrangement
with more than ``REALLOCATION_JOB_THRESHOLD`` expenses to re-allocate, a worker does it.

While the job is queued or running, writes to the arrangement's expenses (page, API,
import) answer 409 "Re-allocation in progress (job N)"
(:func:`jointprojects.expenses.checks.ensure_not_reallocating`); reads go on. Nothing is
flagged: the answer is derived from the job's state, so once the job is done, failed or
cancelled, or its worker stopped reporting (the jobs' lost-job detection), writes are
allowed again. Below the threshold the re-allocation stays in the request that brought the
amendment into force.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import current_app

from jointprojects.auth.models import User
from jointprojects.errors import NotFound
from jointprojects.expenses import reallocation
from jointprojects.expenses.checks import REALLOCATION_JOB
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


def start_reallocation_job(sa: SpecialArrangement, from_date: date | None, user: Any) -> Job:
    """Queue the re-allocation of ``sa``'s expenses from ``from_date`` (all if None), owned
    by ``user`` (who brought the amendment into force); sent once the transaction commits."""
    return jobs.create_job(REALLOCATION_JOB, user, arrangement=sa, params={
        "from": from_date.isoformat() if from_date else None})


def reallocate_on_amendment(_sender: Any, *, arrangement: SpecialArrangement,
                            effective_date: date, user: Any = None) -> None:
    """Receiver of :data:`jointprojects.special_arrangements.signals.amendment_in_force`
    (the factory connects it): the expenses the amendment covers are re-allocated, never
    those of a closed period (rule 11); in the request below the threshold, else as a job
    (owned by the user who gave the last consent)."""
    from_date = open_from(arrangement, effective_date)
    if user is not None and reallocation.expense_count(arrangement, from_date) > job_threshold():
        start_reallocation_job(arrangement, from_date, user)
        return
    reallocation.reallocate_arrangement(arrangement, from_date, user=user)


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

    changed = reallocation.reallocate_arrangement(sa, from_date, progress=progress,
                                                  user=owner)
    reference = sa.reference
    db.session.commit()
    summary = (f"Re-allocation of {reference}: {changed:,} expense"
               f"{'' if changed == 1 else 's'} re-allocated.\n")
    return runner.Result(summary.encode(), f"reallocation-{reference}.txt",
                         "text/plain; charset=utf-8")
