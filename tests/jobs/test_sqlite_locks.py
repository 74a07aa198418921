"""Two jobs side by side on one SQLite file (issue 15): SQLite has one writer at a time, and
a job's progress reports are committed on a connection of their own while another job's
transaction may hold the write lock for minutes (an import's check records every row
inside a savepoint). Neither job may fail for it: a report waits a moment and is skipped,
a job's end waits for the lock, and an import takes the write lock before it reads, so a
report committed meanwhile cannot make its first write fail ("database is locked").

These tests use a database file of their own (locks need two connections), whatever
database the rest of the suite runs on."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

import config
from jointprojects import create_app
from jointprojects.expenses import recording
from jointprojects.expenses.models import Expense
from jointprojects.extensions import db
from jointprojects.jobs import services
from jointprojects.jobs.models import Job
from jointprojects.reporting import imports
from tests.reporting.conftest import csv_bytes
from tests.reporting.test_import_jobs import rows


@pytest.fixture(scope="module")
def file_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, Path]]:
    path = tmp_path_factory.mktemp("locks") / "app.db"
    app = create_app(config.TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=app.extensions["migrate"].directory)
        with db.engine.connect() as conn:  # as bench_jobs.py runs it; readers never wait
            conn.exec_driver_sql("PRAGMA journal_mode = WAL")
        db.session.remove()
    yield app, path
    with app.app_context():
        db.engine.dispose()


@pytest.fixture()
def world(file_app: tuple[Flask, Path]) -> Iterator[dict[str, Any]]:
    """A user, a signed arrangement (UN 55, INTERPOL 45) and a running job, committed."""
    from jointprojects.auth.services import create_user
    from jointprojects.organizations.services import load_reference_data
    from jointprojects.projects.services import ProjectData, create_project
    from jointprojects.special_arrangements import services as arrangements
    from jointprojects.special_arrangements.services import ArrangementData, ShareData

    app, path = file_app
    with app.app_context():
        load_reference_data()
        suffix = str(time.monotonic_ns())[-8:]
        user = create_user(f"locks-{suffix}@example.org", "locks-password-123", "admin", "UN")
        create_project(ProjectData(code=f"P-{suffix}", title="Locks", areas=["c"],
                                   lead_organization="UN", start_date=date(2025, 1, 1)))
        sa = arrangements.create_arrangement(ArrangementData(
            reference=f"SA-{suffix}", project=f"P-{suffix}", title="Locks",
            kind="joint_action", parties=["UN", "INTERPOL"], currency="USD",
            start_date=date(2025, 1, 1),
            shares=[ShareData("UN", "55"), ShareData("INTERPOL", "45")]), user)
        for code in ("UN", "INTERPOL"):
            arrangements.sign(sa, code, date(2025, 1, 1), user)
        job = services.create_job("cost_report", user, arrangement=sa)
        db.session.commit()
        assert services.claim(job.id)
        yield {"app": app, "path": path, "user": user, "sa": sa, "job": job.id}
        db.session.rollback()
        db.session.remove()


def hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another process's write transaction (e.g. an import being recorded)."""
    other = sqlite3.connect(path, timeout=0.1, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    return other


def job_row(job_id: int) -> Job:
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert job is not None
    return job


def test_a_report_while_another_transaction_holds_the_write_lock_is_skipped_not_fatal(
        world: dict[str, Any]) -> None:
    other = hold_write_lock(world["path"])
    try:
        reporter = services.Reporter(world["job"], interval=0)
        started = time.monotonic()
        reporter("writing the Expenses sheet", 1_000, 10_000)  # must not raise
        waited = time.monotonic() - started
        assert reporter.skipped == 1
        assert waited < 2.0, f"a report waited {waited:.1f} s for the lock"
        reporter("writing the Expenses sheet", 2_000, 10_000)  # backing off: not even tried
        assert reporter.skipped == 1
    finally:
        other.rollback()
        other.close()
    # The lock released, the next report lands (after the back-off).
    reporter._retry_at = float("-inf")
    reporter("writing the Expenses sheet", 3_000, 10_000)
    job = job_row(world["job"])
    assert (job.phase, job.done_count, job.total_count, job.progress) == (
        "writing the Expenses sheet", 3_000, 10_000, 30)


def test_a_jobs_end_waits_for_the_write_lock_rather_than_failing(
        world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    other = hold_write_lock(world["path"])
    # The busy timeout of the job's connection, shortened so that the end must be tried
    # again several times before the other transaction ends.
    monkeypatch.setattr(services, "_update", _with_busy_timeout(services._update, 0.2))
    monkeypatch.setattr(services, "END_WAIT_SECONDS", 20.0)  # fail rather than hang
    releaser = threading.Timer(1.5, lambda: (other.rollback(), other.close()))
    releaser.start()
    try:
        assert services.finish(world["job"], b"workbook", "report.xlsx", "application/x")
    finally:
        releaser.join()
    job = job_row(world["job"])
    assert (job.status, job.result_name, job.result_size) == ("done", "report.xlsx", 8)


def _with_busy_timeout(update: Any, seconds: float) -> Any:
    def shortened(job_id: int, values: dict[str, Any], **kwargs: Any) -> bool:
        kwargs.setdefault("wait", seconds)
        return bool(update(job_id, values, **kwargs))

    return shortened


def test_an_import_check_beside_another_jobs_reports_is_not_refused_by_sqlite(
        world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The trial of bench_jobs.py: the check read inside its savepoint, a cost report's
    progress was committed, and the check's first INSERT failed at once."""
    job_id = world["job"]
    real = recording.record_expense_batch
    reports: list[str] = []

    def with_a_report_in_between(*args: Any, **kwargs: Any) -> Any:
        if not reports:
            # The check's transaction reads (as record_expense_batch does first) ...
            db.session.execute(select(func.count(Expense.id))).scalar()

            def report() -> None:  # ... and another job reports its progress meanwhile
                with world["app"].app_context():
                    written = services.write_progress(job_id, phase="reporting",
                                                      progress=5)
                    reports.append("skipped" if written is None else "written")

            thread = threading.Thread(target=report)
            thread.start()
            thread.join(5)
        return real(*args, **kwargs)

    monkeypatch.setattr(recording, "record_expense_batch", with_a_report_in_between)
    sa = db.session.merge(world["sa"])
    data = csv_bytes([[*r[:4], "USD", *r[5:]] for r in rows(12)])  # no rate needed
    checked = imports.check_expense_file(sa, "twelve.csv", data, world["user"])
    assert checked.preview.count == 12
    db.session.rollback()  # a preview stores nothing
    assert reports == ["skipped"], "the check must hold the write lock before it reads"
    assert db.session.scalar(select(func.count(Expense.id)).where(
        Expense.arrangement_id == sa.id)) == 0
    # Once the check's transaction ended, reports land again.
    assert services.write_progress(job_id, phase="reporting", progress=6)
    assert job_row(job_id).progress == 6
