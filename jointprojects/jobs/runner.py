"""Running a job in a worker: claim it, call what its kind does, keep the outcome.

A feature registers what a kind of job does with :func:`handler` (the cost report:
``jointprojects.reporting.tasks``). The work receives the job and a :class:`~.services.
Reporter` and returns a :class:`Result` (the bytes to keep and their file name); it reads
the database through ``db.session`` as any service does, and its transaction is rolled back
afterwards (a job's writes, if it had any, would commit through its own service call). A
:class:`~jointprojects.errors.DomainError` is the job's error in plain words; any other
exception is logged and reads as an internal error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from flask import Flask, current_app

from jointprojects.errors import DomainError
from jointprojects.extensions import db
from jointprojects.i18n import language_scope
from jointprojects.jobs import queue, services
from jointprojects.jobs.models import Job

log = logging.getLogger(__name__)

INTERNAL_ERROR = ("An internal error stopped the job and nothing was kept. Start it again; "
                  "if it fails again, tell an administrator.")


@dataclass(frozen=True)
class Result:
    """What a job keeps: ``content``, or the binary file ``stream`` (read from its start
    into the job's row in chunks, then closed: a large workbook never held whole)."""

    content: bytes
    name: str
    mimetype: str
    stream: IO[bytes] | None = None


Work = Callable[[Job, services.Reporter], Result]
_WORK: dict[str, Work] = {}


def handler(kind: str) -> Callable[[Work], Work]:
    """Register what jobs of ``kind`` do."""

    def register(work: Work) -> Work:
        _WORK[kind] = work
        return work

    return register


def run_job(job_id: int) -> str:
    """Run one job (in an application context); returns the status it ended with."""
    if not services.claim(job_id):
        return "skipped"  # cancelled meanwhile, or another worker has it
    reporter = services.Reporter(job_id,
                                 interval=float(current_app.config.get("JOBS_REPORT_SECONDS",
                                                                       0.5)))
    try:
        job = services.get_job(job_id)
        work = _WORK.get(job.kind)
        if work is None:
            services.fail(job_id, f"No worker here knows how to do a {job.kind!r} job.")
            return "failed"
        with language_scope(job.params.get("lang")):  # the language the job was asked in
            result = work(job, reporter)
        db.session.rollback()
        if result.stream is not None:
            try:
                services.finish_from_file(job_id, result.stream, result.name,
                                          result.mimetype)
            finally:
                result.stream.close()
        else:
            services.finish(job_id, result.content, result.name, result.mimetype)
        return "done"
    except services.JobCancelled:
        db.session.rollback()
        services.mark_cancelled(job_id)
        return "cancelled"
    except DomainError as exc:
        db.session.rollback()
        services.fail(job_id, str(exc))
        return "failed"
    except Exception:
        log.exception("job %s failed", job_id)
        db.session.rollback()
        services.fail(job_id, INTERNAL_ERROR)
        return "failed"


def housekeeping() -> None:
    """The periodic job: purge old results, fail lost jobs, send forgotten ones again."""
    keep_days = float(current_app.config.get("JOBS_KEEP_DAYS", 7))
    purged = services.purge_old_jobs(keep_days)
    lost = services.lost_jobs()
    forgotten = services.forgotten_jobs()
    db.session.commit()
    for job_id in forgotten:
        queue.enqueue(job_id)
    if purged or lost or forgotten:
        log.info("jobs: %s purged, %s lost, %s sent again", purged, lost, len(forgotten))


def interrupted(job_id: int) -> None:
    services.fail(job_id, "The worker was stopped while it ran this job; nothing was kept. "
                          "Start the job again.")


def _in_app(app: Flask, fn: Callable[..., Any], *args: Any) -> None:
    with app.app_context():
        try:
            fn(*args)
        finally:
            db.session.remove()


def install() -> None:
    """Let the queue's tasks call the functions above (the factory calls it)."""
    queue.set_handlers(lambda app, job_id: _in_app(app, run_job, job_id),
                       lambda app: _in_app(app, housekeeping),
                       lambda app, job_id: _in_app(app, interrupted, job_id))
