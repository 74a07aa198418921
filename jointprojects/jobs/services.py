"""Jobs: create, read, cancel and purge them; what a worker writes while it runs one.

A request creates a job (:func:`create_job`, in its own transaction, audited) and the queue
receives the job's id once that transaction commits (:func:`jointprojects.jobs.queue.
enqueue_after_commit`). A worker then claims it (:func:`claim`: one ``UPDATE ... WHERE
status = 'queued'``, so two workers never run the same job), reports its progress
(:class:`Reporter`, each report committed at once on a connection of its own, so that every
process sees it while the work's own transaction goes on), and ends it (:func:`finish`,
:func:`fail`, :func:`mark_cancelled`). Flushes, never commits, except the worker's writes,
which are the worker's own boundary.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import OperationalError

from jointprojects.audit import services as audit
from jointprojects.auth.models import utcnow
from jointprojects.database import locked
from jointprojects.errors import Conflict, Message, NotFound
from jointprojects.extensions import db
from jointprojects.i18n import current_language
from jointprojects.jobs import queue
from jointprojects.jobs.models import FINISHED, Job
from jointprojects.vocabulary import JOB_KINDS

#: How many jobs "My jobs" lists.
LIST_LIMIT = 50
#: A running job whose worker has not reported for this long is taken as lost.
LOST_AFTER = timedelta(minutes=30)
#: A queued job not taken within this long is handed to the queue again (a lost message).
REQUEUE_AFTER = timedelta(minutes=5)


class JobCancelled(Exception):
    """Raised inside a job's work when its owner pressed cancel."""


def job_snapshot(job: Job) -> dict[str, Any]:
    return {"id": job.id, "kind": job.kind, "status": job.status,
            "arrangement_id": job.arrangement_id, "params": job.params,
            "owner_id": job.owner_id}


def create_job(kind: str, owner: Any, *, arrangement: Any = None,
               params: dict[str, Any] | None = None) -> Job:
    """A queued job of ``kind`` for ``owner``; sent to the queue when the transaction
    commits (never before: a worker must find its row)."""
    if kind not in JOB_KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    # The worker writes in the language of the request that asked (issue 17).
    params = {"lang": current_language(), **(params or {})}
    job = Job(kind=kind, owner_id=owner.id,
              arrangement_id=arrangement.id if arrangement is not None else None,
              params=params, status="queued", progress=0, phase="")
    db.session.add(job)
    db.session.flush()
    audit.record("create", job, after=job_snapshot(job), parent=arrangement or job,
                 user=owner)
    queue.enqueue_after_commit(job.id)
    return job


def get_job(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None:
        raise NotFound("Unknown job.", "id")
    return job


def jobs_of(user: Any, limit: int = LIST_LIMIT, offset: int = 0, *,
            arrangement: Any = None) -> list[Job]:
    """The user's own jobs, newest first ("My jobs"); only those about ``arrangement`` when
    given (the arrangement page's panel)."""
    query = select(Job).where(Job.owner_id == user.id)
    if arrangement is not None:
        query = query.where(Job.arrangement_id == arrangement.id)
    return list(db.session.scalars(
        query.order_by(Job.created_at.desc(), Job.id.desc()).offset(offset).limit(limit)))


def count_jobs_of(user: Any) -> int:
    return int(db.session.scalar(select(func.count(Job.id)).where(Job.owner_id == user.id))
               or 0)


def cancel_job(job: Job, user: Any) -> Job:
    """Cancel a queued job at once; a running one stops at its worker's next report."""
    if job.finished:
        raise Conflict(Message("This job is %(status)s already: there is nothing to cancel.",
                               status=job.status),
                       "status")
    before = job_snapshot(job)
    if job.status == "queued":
        job.status = "cancelled"
        job.finished_at = utcnow()
        job.phase = "cancelled before it started"
    else:
        job.cancel_requested = True
        job.phase = "stopping at the next step (cancel requested)"
    db.session.flush()
    audit.record("cancel", job, before=before, after=job_snapshot(job),
                 parent=job.arrangement or job, user=user)
    return job


@dataclass(frozen=True)
class Timing:
    """Elapsed and estimated time left of a job, in seconds (None where unknown)."""

    elapsed: float | None
    remaining: float | None


def timing(job: Job, now: datetime | None = None) -> Timing:
    """Elapsed since it started (or until it ended); time left from its rate so far."""
    now = now or utcnow()
    if job.started_at is None:
        return Timing(None, None)
    end = job.finished_at or now
    elapsed = max(0.0, (end - job.started_at).total_seconds())
    remaining = None
    if job.status == "running" and job.progress > 0 and elapsed > 0:
        remaining = elapsed * (100 - job.progress) / job.progress
    return Timing(elapsed, remaining)


def phase_text(job: Job) -> str:
    """The phase in words: "writing the Expenses sheet: 412,000 of 1,000,000"."""
    if job.status == "queued":
        return "waiting for a worker"
    text = job.phase or ""
    if job.status == "running" and job.total_count and job.done_count is not None:
        text += f": {job.done_count:,} of {job.total_count:,}"
    return text


# --- the worker's side: each write commits on its own connection ----------------------------


#: SQLite has one writer at a time: a progress report waits at most this long for the write
#: lock (another job's transaction, e.g. an import's check) and is skipped if it is still
#: held; the next report tries again. Reports are only news; the work never waits on them.
REPORT_WAIT_SECONDS = 0.2
#: After a report was skipped for the lock, the next one is tried no sooner than this.
REPORT_BACKOFF_SECONDS = 5.0
#: A job's claim and its end (done, failed, cancelled) must be written: on SQLite they are
#: tried again while another transaction holds the write lock, for at most this long.
END_WAIT_SECONDS = 20 * 60.0


def _sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def _update(job_id: int, values: dict[str, Any], *, status: str = "running",
            wait: float | None = None) -> bool:
    """One UPDATE of the job's row committed on a connection of its own (never the work's
    transaction). ``wait``: on SQLite, how long to wait for the write lock (None: the
    connection's own busy timeout); OperationalError when it is still held."""
    with db.engine.connect() as conn:
        previous = None
        if wait is not None and conn.dialect.name == "sqlite":
            previous = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {max(0, int(wait * 1000))}")
            conn.commit()
        try:
            with conn.begin():
                result = conn.execute(update(Job.__table__).where(
                    Job.id == job_id, Job.status == status).values(**values))
                return bool(result.rowcount == 1)
        finally:
            if previous is not None:
                conn.rollback()
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(previous)}")
                conn.commit()


def _retrying(write: Any, *, sleep: Any = time.sleep, clock: Any = time.monotonic) -> bool:
    """``write()``, tried again on SQLite while another transaction holds the write lock
    (up to :data:`END_WAIT_SECONDS`): a job's end is never lost to a busy database."""
    deadline = clock() + END_WAIT_SECONDS
    pause = 0.05
    while True:
        try:
            return bool(write())
        except OperationalError as exc:
            if not (_sqlite() and locked(exc)) or clock() >= deadline:
                raise
        sleep(pause)
        pause = min(pause * 2, 2.0)


def _must_write(job_id: int, values: dict[str, Any], *, status: str = "running") -> bool:
    return _retrying(lambda: _update(job_id, values, status=status))


def claim(job_id: int) -> bool:
    """Mark a queued job running; False when it was cancelled or another worker took it."""
    now = utcnow()
    return _must_write(job_id, {"status": "running", "started_at": now, "updated_at": now,
                                "phase": "starting", "progress": 0}, status="queued")


def _write(job_id: int, *, wait: float | None = None, **values: Any) -> bool | None:
    """Update the running job's row (committed at once on a connection of its own).
    ``wait`` None: the write must land (tried again while SQLite's write lock is held);
    otherwise one try, waiting at most ``wait`` seconds for that lock: None when it was
    still held (a progress report, skipped)."""
    values = {"updated_at": utcnow(), **values}
    if wait is None:
        return _must_write(job_id, values)
    try:
        return _update(job_id, values, wait=wait)
    except OperationalError as exc:
        if _sqlite() and locked(exc):
            return None
        raise


def finish(job_id: int, content: bytes, name: str, mimetype: str) -> bool:
    return bool(_write(job_id, status="done", progress=100, phase="done", result=content,
                  result_name=name, result_mimetype=mimetype, result_size=len(content),
                  finished_at=utcnow()))


#: Bytes copied at a time from a result's file into its row (SQLite).
RESULT_CHUNK = 1024 * 1024


def finish_from_file(job_id: int, stream: IO[bytes], name: str, mimetype: str) -> bool:
    """:func:`finish` with the result read from the binary file ``stream`` (from its start).

    On SQLite the bytes go into the row in chunks (a blob of the right size, then written
    through SQLite's incremental blob I/O, in the same transaction): a worker never holds a
    large workbook in memory, nor the driver's copy of it. Elsewhere they are read at once
    (the driver sends a parameter whole)."""
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if not _sqlite():
        return finish(job_id, stream.read(), name, mimetype)

    def store() -> bool:
        stream.seek(0)
        with db.engine.connect() as conn, conn.begin():
            result = conn.execute(update(Job.__table__).where(
                Job.id == job_id, Job.status == "running").values(
                result=func.zeroblob(size), updated_at=utcnow()))
            if result.rowcount != 1:
                return False
            raw = conn.connection.dbapi_connection
            if size:
                with raw.blobopen("job", "result", job_id) as blob:  # type: ignore[union-attr]
                    while chunk := stream.read(RESULT_CHUNK):
                        blob.write(chunk)
            return True

    # The bytes first, then the status: the result is offered only once the job is done.
    if not _retrying(store):
        return False
    return bool(_write(job_id, status="done", progress=100, phase="done", result_name=name,
                       result_mimetype=mimetype, result_size=size, finished_at=utcnow()))


def fail(job_id: int, message: str) -> bool:
    return bool(_write(job_id, status="failed", error=message[:2000], phase="failed",
                       finished_at=utcnow()))


def mark_cancelled(job_id: int) -> bool:
    return bool(_write(job_id, status="cancelled", phase="cancelled", finished_at=utcnow()))


def cancel_requested(job_id: int) -> bool:
    with db.engine.connect() as conn:
        return bool(conn.scalar(select(Job.cancel_requested).where(Job.id == job_id)))


def write_progress(job_id: int, **values: Any) -> bool | None:
    """A progress report: True written, False the job is no longer running, None skipped
    because SQLite's write lock stayed held past :data:`REPORT_WAIT_SECONDS`."""
    return _write(job_id, wait=REPORT_WAIT_SECONDS, **values)


class Reporter:
    """What a job's work calls with its progress: ``reporter(phase, done, total)``. Writes
    at most every ``interval`` seconds (and at each new phase); raises :class:`JobCancelled`
    once the owner has asked to cancel.

    Each report is committed at once on a connection of its own. On SQLite, where another
    job's transaction may hold the write lock for minutes (an import being checked), a
    report waits for it at most :data:`REPORT_WAIT_SECONDS` and is otherwise skipped (tried
    again after :data:`REPORT_BACKOFF_SECONDS`): the work goes on, and a report never fails
    the job."""

    #: No report before this time (a report was skipped for the lock).
    _retry_at = float("-inf")
    #: Reports skipped because the database's write lock was held.
    skipped = 0

    def __init__(self, job_id: int, *, interval: float = 0.5,
                 clock: Any = time.monotonic) -> None:
        self.job_id = job_id
        self.interval = interval
        self.clock = clock
        self._last = float("-inf")
        self._phase: str | None = None

    @property
    def blocks_while_writing(self) -> bool:
        """Whether a report would wait for the work's own write transaction (SQLite has one
        writer at a time): work that writes then reports only before and after."""
        return db.engine.dialect.name == "sqlite"

    def __call__(self, phase: str, done: int = 0, total: int = 0) -> None:
        now = self.clock()
        if phase == self._phase and now - self._last < self.interval:
            return
        if now < self._retry_at:
            return
        self._phase, self._last = phase, now
        progress = min(99, int(done * 100 / total)) if total > 0 else 0
        try:
            cancelled = cancel_requested(self.job_id)
        except OperationalError as exc:
            if not (_sqlite() and locked(exc)):
                raise
            cancelled = False  # read again at the next report
        if cancelled:
            raise JobCancelled()
        written = write_progress(self.job_id, phase=phase[:200],
                                 done_count=done if total else None,
                                 total_count=total or None, progress=progress)
        if written is None:
            self.skipped += 1
            self._retry_at = now + REPORT_BACKOFF_SECONDS
            self._phase = None  # the phase is written with the next report that lands


def purge_old_jobs(keep_days: float, now: datetime | None = None) -> int:
    """Delete the jobs (and their results) that ended more than ``keep_days`` ago."""
    cutoff = (now or utcnow()) - timedelta(days=keep_days)
    result = db.session.execute(delete(Job).where(
        Job.status.in_(FINISHED), Job.finished_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]  # a DELETE's CursorResult


def lost_jobs(now: datetime | None = None) -> int:
    """Running jobs whose worker stopped reporting (it died): failed, in plain words."""
    now = now or utcnow()
    result = db.session.execute(update(Job).where(
        Job.status == "running", Job.updated_at < now - LOST_AFTER).values(
        status="failed", finished_at=now, phase="failed",
        error="The worker running this job stopped (it was restarted or it crashed). "
              "Nothing was kept; start the job again."))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def forgotten_jobs(now: datetime | None = None) -> list[int]:
    """Queued jobs not taken for a while: their queue message may be lost (the queue was
    down when they were created). Sending them again is harmless: :func:`claim` runs a job
    once."""
    now = now or utcnow()
    return list(db.session.scalars(select(Job.id).where(
        Job.status == "queued", Job.created_at < now - REQUEUE_AFTER)))


def duration_text(seconds: float | None) -> str:
    """``75`` -> ``"1 min 15 s"``; ``""`` when unknown (``static/jobs.js`` writes the same)."""
    if seconds is None:
        return ""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"
