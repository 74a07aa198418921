"""Re-allocating 1,000,000 expenses (issue 15 item 4), on SQLite and PostgreSQL, the whole
path as a user runs it, beside a floor measured in the same run.

For each database the script makes a throwaway one and loads the arrangement of
``bench_cost_split.py`` (three parties 40/35/25, travel 60/25/15, 1,000,000 expenses over five
years, 1 % refunds, 3,000,000 parts). Then, each time with an amendment effective from the
first day that changes every part (so every expense is written, with its audit row):

  (a) the command: ``jointprojects reallocate SA-BENCH`` in a process of its own (start-up,
      reads, allocation, writes, audit rows, totals, commit), wall time and peak memory;
  (b) the job: the amendment's last consent above ``REALLOCATION_JOB_THRESHOLD`` queues it
      and :func:`jointprojects.jobs.runner.run_job` runs it as a worker does (claim, progress
      reports, the work, its commit, the job's end), with the time the arrangement's lock
      was held (from taking it to the job's end);
  (c) the floor: one bare ``UPDATE expense_part SET amount = amount + 0`` of the same
      3,000,000 parts, committed (no reading, no computing, no audit rows).

After (a) and (b) the parts are checked against the engine (``allocate_many_minor`` on the
generated data, every part compared) and the audit rows counted.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_reallocation.py [--expenses N]
        [--only sqlite|postgres] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cost_split import (
    CATEGORIES,
    PG_URL,
    START,
    STORAGE,
    bulk_load,
    database,
    generate,
    setup,
)

import config
from jointprojects import create_app
from jointprojects.extensions import db
from jointprojects.special_arrangements.allocation import allocate_many_minor

ROOT = Path(__file__).resolve().parents[1]
COMMAND = str(Path(sys.executable).with_name("jointprojects"))
#: Two share sets that differ in every part of every expense (amounts of at least 1.00).
AMENDMENTS = (
    {"default": (("INTERPOL", 3000), ("UN", 5000), ("UNODC", 2000)),
     "travel": (("INTERPOL", 2000), ("UN", 7000), ("UNODC", 1000))},
    {"default": (("INTERPOL", 3300), ("UN", 4200), ("UNODC", 2500)),
     "travel": (("INTERPOL", 2800), ("UN", 5700), ("UNODC", 1500))},
)


def amend(sa: Any, shares: dict[str, tuple[tuple[str, int], ...]]) -> int | None:
    """An amendment from the first day with ``shares``, every party consenting; returns the
    job its last consent queued (the threshold is 0 here)."""
    from jointprojects.auth.models import User
    from jointprojects.jobs.models import Job
    from jointprojects.special_arrangements import amendments
    from jointprojects.special_arrangements.services import ShareData

    user = db.session.scalar(db.select(User))
    rows = [ShareData(org, f"{pct / 100:.2f}") for org, pct in shares["default"]]
    rows += [ShareData(org, f"{pct / 100:.2f}", "travel") for org, pct in shares["travel"]]
    version = amendments.propose_amendment(sa, START, rows, [], "benchmark", user)
    for code in ("UN", "INTERPOL", "UNODC"):
        amendments.consent(sa, version, code, START, user)
    db.session.commit()
    return db.session.scalar(db.select(Job.id).where(Job.kind == "reallocation",
                                                     Job.status == "queued"))


def check(sa_id: int, data: dict[str, Any], shares: dict[str, Any]) -> str:
    """Every part equals the engine's (allocate_many_minor on the generated data)."""
    from jointprojects.organizations.models import Organization

    org = {o.id: o.code for o in db.session.scalars(db.select(Organization))}
    codes = [code for code, _ in shares["default"]]
    expected = np.empty((len(data["amounts"]), 3), dtype=np.int64)
    travel = data["categories"] == CATEGORIES.index("travel")
    for key, mask in (("travel", travel), ("default", ~travel)):
        expected[mask] = allocate_many_minor(data["amounts"][mask], shares[key])
    got = np.zeros_like(expected)
    rows = db.session.execute(text(
        "SELECT p.expense_id, p.organization_id, p.amount FROM expense_part p "
        "JOIN expense e ON e.id = p.expense_id WHERE e.arrangement_id = :a"), {"a": sa_id})
    column = {org_id: codes.index(code) for org_id, code in org.items() if code in codes}
    for expense_id, organization_id, amount in rows:
        got[expense_id - 1, column[organization_id]] = amount // STORAGE
    assert (got == expected).all(), "the parts differ from the engine's"
    # The last re-allocation's audit rows (its batches) give every expense the engine's
    # parts too: the evidence replays them exactly.
    from jointprojects.audit.models import AuditEntry
    from reports.evidence import reallocated

    audits = db.session.scalar(text("SELECT count(*) FROM audit_entry WHERE action = "
                                    "'reallocate'"))
    last = db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action == "reallocate", AuditEntry.entity == "special_arrangement")
        .order_by(AuditEntry.id.desc())).first()
    assert last is not None
    batches = int(last.after["reallocation"]["batches"])
    logged = np.zeros_like(expected)
    seen = 0
    for entry in db.session.scalars(db.select(AuditEntry).where(
            AuditEntry.action == "reallocate", AuditEntry.entity == "special_arrangement")
            .order_by(AuditEntry.id.desc()).limit(batches)):
        parties = entry.after["reallocation"]["parties"]
        order = [parties.index(code) for code in codes]
        for expense_id, figures in reallocated(entry.after):
            logged[expense_id - 1] = [int(Decimal(figures["allocation"][parties[i]])
                                          * 10 ** 2) for i in order]
            seen += 1
    assert seen == len(expected) and (logged == expected).all(), \
        "the audit rows differ from the engine's"
    db.session.rollback()
    return (f"every part equals the engine's, and so does every part its audit rows give; "
            f"{audits:,} reallocate audit rows in all ({batches} for this re-allocation)")


def floor(sa_id: int) -> float:
    started = time.perf_counter()
    db.session.execute(text(
        "UPDATE expense_part SET amount = amount + 0 WHERE expense_id IN "
        "(SELECT id FROM expense WHERE arrangement_id = :a)"), {"a": sa_id})
    db.session.commit()
    return time.perf_counter() - started


def run(kind: str, count: int, pg_url: str) -> None:
    from jointprojects.expenses import reallocation
    from jointprojects.jobs import runner, services
    from jointprojects.special_arrangements.models import SpecialArrangement

    with database(kind, pg_url) as url, tempfile.TemporaryDirectory() as instance:
        app = create_app(config.TestingConfig, SQLALCHEMY_DATABASE_URI=url,
                         REALLOCATION_JOB_THRESHOLD=0)
        app.instance_path = instance
        with app.app_context():
            dialect = db.engine.dialect.name
            sa, _token = setup(app)
            started = time.perf_counter()
            data = generate(count)
            bulk_load(sa, data, dialect)
            print(f"\n{dialect}: {count:,} expenses and {3 * count:,} parts loaded in "
                  f"{time.perf_counter() - started:.1f} s")
            sa_id = sa.id

            # (a) the command, in its own process
            job_id = amend(db.session.get(SpecialArrangement, sa_id), AMENDMENTS[0])
            assert job_id is not None
            services.cancel_job(services.get_job(job_id), None)  # the command does it instead
            db.session.commit()
            env = dict(os.environ, JOINTPROJECTS_DATABASE_URL=url,
                       JOINTPROJECTS_SECRET_KEY=secrets.token_hex(32),
                       JOINTPROJECTS_CONFIG="development")
            started = time.perf_counter()
            done = subprocess.run([COMMAND, "reallocate", "SA-BENCH"], env=env, cwd=instance,
                                  capture_output=True, text=True, check=False)
            command = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            assert done.returncode == 0, done.stderr
            print(f"      load average {os.getloadavg()[0]:.1f}")
            print(f"  (a) `jointprojects reallocate SA-BENCH` (whole process): {command:.1f} s, "
                  f"peak {peak:.0f} MB: {done.stdout.strip()}")
            print(f"      {check(sa_id, data, AMENDMENTS[0])}")

            # (b) the job
            job_id = amend(db.session.get(SpecialArrangement, sa_id), AMENDMENTS[1])
            assert job_id is not None
            db.session.remove()
            locked: list[float] = []
            lock = reallocation.lock_arrangement

            def timed_lock(arrangement: Any) -> None:
                locked.append(time.perf_counter())
                lock(arrangement)

            reallocation.lock_arrangement = timed_lock  # type: ignore[assignment]
            started = time.perf_counter()
            status = runner.run_job(job_id)
            ended = time.perf_counter()
            reallocation.lock_arrangement = lock
            job = services.get_job(job_id)
            assert status == "done", job.error
            print(f"  (b) the job (run_job, as a worker runs it): {ended - started:.1f} s, "
                  f"the arrangement's lock held {ended - locked[-1]:.1f} s: "
                  f"{(job.result or b'').decode().strip()}")
            db.session.rollback()
            print(f"      {check(sa_id, data, AMENDMENTS[1])}")

            # (c) the floor
            bare = floor(sa_id)
            print(f"      load average {os.getloadavg()[0]:.1f}")
            print(f"  (c) floor: a bare UPDATE of the same {3 * count:,} parts: {bare:.1f} s; "
                  f"ratios (a) {command / bare:.2f}x, (b) {(ended - started) / bare:.2f}x")
            db.session.remove()
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--expenses", type=int, default=1_000_000)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--pg-url", default=PG_URL)
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}")
    for kind in ("sqlite", "postgres"):
        if args.only not in (None, kind):
            continue
        try:
            run(kind, args.expenses, args.pg_url)
        except OperationalError as exc:
            if kind != "postgres" or args.only == "postgres":
                raise
            print(f"\npostgresql: skipped, no server at {args.pg_url} ({exc.orig})")


if __name__ == "__main__":
    main()
