"""The task queue (Huey): embedded by default, shared through Redis in production.

* ``JOINTPROJECTS_REDIS_URL`` set: a :class:`huey.RedisHuey`; every web process and every
  ``jointprojects worker``, on any machine, shares it.
* otherwise (the embedded default, ``make run``): a :class:`huey.SqliteHuey` in a file next
  to the SQLite database (or, for another database, in the instance folder), consumed by
  ``jointprojects serve`` itself (:func:`start_embedded_consumer`) and by any
  ``jointprojects worker`` on the same host.

The queue name is derived from the database URL (``JOINTPROJECTS_QUEUE_NAME`` overrides it),
so two installations sharing one Redis never run each other's jobs. A message carries a
job's id and nothing else: the job's state is a row of the application's database
(:mod:`jointprojects.jobs.models`). The message is sent after the transaction that created
the job commits (:func:`enqueue_after_commit`), never before.

Huey runs one task here, ``jointprojects.run_job(job_id)`` (:mod:`jointprojects.jobs.runner`
finds what the job's kind does), and one periodic task, the hourly housekeeping (purge the
results older than ``JOBS_KEEP_DAYS``, fail the jobs whose worker died, send again the
messages that were lost).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.signals import SIGNAL_INTERRUPTED
from sqlalchemy import event
from sqlalchemy.orm import Session

from jointprojects.extensions import db

log = logging.getLogger(__name__)

_PENDING = "jointprojects_jobs_to_enqueue"
_EXTENSION = "jointprojects_queue"
#: The task Huey runs; set by :func:`jointprojects.jobs.runner` (registered in the factory).
RUN_JOB = "jointprojects.run_job"
HOUSEKEEPING = "jointprojects.jobs_housekeeping"

#: Called by the consumer with (app, job_id) and (app,): set by :func:`set_handlers`.
_handlers: dict[str, Callable[..., Any]] = {}
#: Features' own tasks (the mail: ``jointprojects.notifications.dispatch``), registered on each
#: application's queue when it is made: ``register(app, huey)``.
_task_makers: list[Callable[[Flask, Huey], None]] = []


def add_tasks(register: Callable[[Flask, Huey], None]) -> None:
    """Let a feature register its tasks and periodic tasks on every queue made from now on."""
    if register not in _task_makers:
        _task_makers.append(register)


#: Further periodic tasks a feature registers (:func:`periodic`): name -> (crontab
#: arguments, what to run with the application).
_PERIODIC: dict[str, tuple[dict[str, str], Callable[[Flask], None]]] = {}


def periodic(name: str, run: Callable[[Flask], None], **schedule: str) -> None:
    """Run ``run(app)`` on ``schedule`` (:func:`huey.crontab` arguments) in the consumer,
    beside the housekeeping (the evidence feature's daily checkpoint). Registered before the
    queue is first made (the factory's ``register_compositions``)."""
    _PERIODIC[name] = (dict(schedule), run)


def set_handlers(run_job: Callable[[Flask, int], None],
                 housekeeping: Callable[[Flask], None],
                 interrupted: Callable[[Flask, int], None]) -> None:
    _handlers["run_job"] = run_job
    _handlers["housekeeping"] = housekeeping
    _handlers["interrupted"] = interrupted


def queue_name(app: Flask) -> str:
    configured = str(app.config.get("JOBS_QUEUE_NAME") or "")
    if configured:
        return configured
    digest = hashlib.sha256(str(app.config["SQLALCHEMY_DATABASE_URI"]).encode()).hexdigest()
    return f"jointprojects-{digest[:12]}"


def queue_file(app: Flask) -> Path:
    """Where the embedded queue lives: beside a SQLite database file, else in the instance
    folder under the queue's name."""
    uri = str(app.config["SQLALCHEMY_DATABASE_URI"])
    prefix = "sqlite:///"
    if uri.startswith(prefix) and len(uri) > len(prefix) and ":memory:" not in uri:
        database = Path(uri[len(prefix):].split("?", 1)[0])
        return database.with_name(database.name + ".queue")
    folder = Path(app.instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{queue_name(app)}.queue"


def describe(app: Flask) -> str:
    """Where jobs run, in words (``make run`` and ``jointprojects worker`` print it)."""
    url = str(app.config.get("JOBS_REDIS_URL") or "")
    if url:
        return f"Redis queue {queue_name(app)!r} at {_safe_url(url)}"
    return f"embedded queue in {queue_file(app)}"


def _safe_url(url: str) -> str:
    """The Redis URL without its password."""
    if "@" in url:
        scheme, _, rest = url.partition("://")
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return url


def _make(app: Flask) -> Huey:
    name = queue_name(app)
    url = str(app.config.get("JOBS_REDIS_URL") or "")
    huey: Huey
    if url:
        huey = RedisHuey(name, url=url, results=False, utc=True)
    else:
        huey = SqliteHuey(name, filename=str(queue_file(app)), results=False, utc=True,
                          timeout=30)

    def run_job(job_id: int) -> None:
        _handlers["run_job"](app, job_id)

    def housekeeping() -> None:
        _handlers["housekeeping"](app)

    def interrupted(signal: str, task: Any, *args: Any) -> None:
        # The consumer was stopped while running this job: say so rather than leave it
        # running for ever.
        if task.name == RUN_JOB and task.args:
            _handlers["interrupted"](app, int(task.args[0]))

    app.extensions[_EXTENSION + "_run_job"] = huey.task(name=RUN_JOB)(run_job)
    huey.periodic_task(crontab(minute="*/10"), name=HOUSEKEEPING)(housekeeping)
    for name, (schedule, run) in _PERIODIC.items():
        huey.periodic_task(crontab(**schedule), name=name)(_bound(app, run))
    huey.signal(SIGNAL_INTERRUPTED)(interrupted)
    for register in _task_makers:
        register(app, huey)
    return huey


def _bound(app: Flask, run: Callable[[Flask], None]) -> Callable[[], None]:
    def task() -> None:
        run(app)

    return task


def get_queue(app: Flask | None = None) -> Huey:
    """The application's queue, made on first use (the instance folder is known by then)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    huey = app.extensions.get(_EXTENSION)
    if huey is None:
        huey = app.extensions[_EXTENSION] = _make(app)
    return huey


def enqueue(job_id: int, app: Flask | None = None) -> None:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    get_queue(app)
    app.extensions[_EXTENSION + "_run_job"](job_id)


def enqueue_after_commit(job_id: int) -> None:
    """Send ``job_id`` to the queue once the current transaction commits (dropped if it
    rolls back)."""
    db.session.info.setdefault(_PENDING, []).append(job_id)


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending or not has_app_context():
        return
    for job_id in pending:
        try:
            enqueue(job_id)
        except Exception:  # the housekeeping sends it again (forgotten_jobs)
            log.exception("could not send job %s to the queue", job_id)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


class EmbeddedConsumer:
    """A Huey consumer inside this process (threads, no signal handlers of its own: the
    web server keeps its own)."""

    def __init__(self, app: Flask, workers: int = 1) -> None:
        self.consumer = get_queue(app).create_consumer(
            workers=workers, worker_type="thread", periodic=True, initial_delay=0.1,
            max_delay=1.0, check_worker_health=False)

    def start(self) -> None:
        self.consumer.scheduler.start()
        for _, thread in self.consumer.worker_threads:
            thread.start()

    def stop(self) -> None:
        self.consumer.stop(graceful=False)


def start_embedded_consumer(app: Flask, workers: int = 1) -> EmbeddedConsumer:
    consumer = EmbeddedConsumer(app, workers)
    consumer.start()
    return consumer


def run_consumer(app: Flask, workers: int = 2) -> None:
    """``jointprojects worker``: a consumer in the foreground until SIGINT or SIGTERM."""
    consumer = get_queue(app).create_consumer(
        workers=workers, worker_type="thread", periodic=True, initial_delay=0.1,
        max_delay=1.0)
    consumer.run()
