"""Time ``GET /api/v1/arrangements/<ref>/cost-split`` on an arrangement with 1,000,000
expenses, on SQLite and on PostgreSQL.

For each database the script creates a throwaway one (a SQLite file in a temporary folder; a
PostgreSQL database it creates and drops), migrates it, creates a signed arrangement between
three parties (40/35/25, travel 60/25/15), and bulk-loads the expenses with their parts
(executemany on SQLite, COPY on PostgreSQL; the parts come from the engine's vectorized
``allocate_many_minor``), then fills ``expense_total`` with the services' own
``refresh_totals``. It checks the API's answer against a plain SUM over every part, then times
the call through the Flask test client (the whole stack: token, SQL, JSON): the median of
``--runs`` runs after one warm-up, over the arrangement's life and over a period with partial
first and last months. Last, it times recording one more expense through the API.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_cost_split.py [--expenses N] [--runs 7]
        [--only sqlite|postgres] [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.exc import OperationalError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import config
from jointprojects import create_app
from jointprojects.extensions import db
from jointprojects.special_arrangements.allocation import allocate_many_minor

PG_URL = os.environ.get("JOINTPROJECTS_BENCH_PG_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
START = date(2021, 1, 1)
DAYS = 5 * 365
CATEGORIES = ("personnel", "travel", "equipment", "training", "meetings",
              "contractual_services", "operating", "other")
SHARES = {"default": (("INTERPOL", 3500), ("UN", 4000), ("UNODC", 2500)),
          "travel": (("INTERPOL", 2500), ("UN", 6000), ("UNODC", 1500))}
STORAGE = 100  # cents -> the Money column's 10^-4 units
EXPENSE_COLUMNS = ("id", "arrangement_id", "date", "category", "description", "amount",
                   "currency", "exchange_rate", "rate_source", "reporting_amount", "paid_by_id",
                   "document_reference", "unallocated", "share_version_number",
                   "created_by_id", "created_at", "updated_at", "version")


@contextmanager
def database(kind: str, pg_url: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-cost-split-") as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    from sqlalchemy import create_engine, text

    name = f"jp_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield pg_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :n"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def setup(app: Any) -> tuple[Any, str]:
    """Schema, reference data, a user with a token, a signed three-party arrangement."""
    from flask_migrate import upgrade

    from jointprojects.auth.services import create_token, create_user
    from jointprojects.organizations.models import Organization
    from jointprojects.organizations.services import load_reference_data
    from jointprojects.projects.services import ProjectData, create_project
    from jointprojects.special_arrangements import services as sa_services
    from jointprojects.special_arrangements.services import ArrangementData, ShareData

    upgrade(directory=app.extensions["migrate"].directory)
    load_reference_data()
    db.session.add(Organization(code="UNODC", name="UN Office on Drugs and Crime",
                                currency="USD"))
    db.session.flush()
    user = create_user("bench@example.org", "bench-password-123", "admin", "UN")
    create_project(ProjectData(code="P-BENCH", title="Benchmark project", areas=["c"],
                               lead_organization="UN", start_date=START))
    shares = [ShareData(org, f"{pct / 100:.2f}") for org, pct in SHARES["default"]]
    shares += [ShareData(org, f"{pct / 100:.2f}", "travel") for org, pct in SHARES["travel"]]
    sa = sa_services.create_arrangement(ArrangementData(
        reference="SA-BENCH", project="P-BENCH", title="A million expenses",
        parties=["UN", "INTERPOL", "UNODC"], currency="USD", start_date=START, shares=shares,
    ), user)
    for code in ("UN", "INTERPOL", "UNODC"):
        sa_services.sign(sa, code, START, user)
    token = create_token(user.email)
    db.session.commit()
    return sa, token


def generate(count: int, seed: int = 1997) -> dict[str, Any]:
    """Expenses (in date order) and their parts, as numpy arrays of cents."""
    rng = np.random.default_rng(seed)
    days = np.sort(rng.integers(0, DAYS, count))
    amounts = rng.integers(100, 5_000_000, count)  # 1.00 to 50,000.00 USD
    amounts[rng.random(count) < 0.01] *= -1  # 1 % refunds
    categories = rng.integers(0, len(CATEGORIES), count)
    payers = rng.integers(0, 3, count)
    parts = np.empty((count, 3), dtype=np.int64)
    travel = categories == CATEGORIES.index("travel")
    for key, mask in (("travel", travel), ("default", ~travel)):
        parts[mask] = allocate_many_minor(amounts[mask], SHARES[key])
    return {"days": days, "amounts": amounts, "categories": categories, "payers": payers,
            "parts": parts}


def bulk_load(sa: Any, data: dict[str, Any], kind: str) -> None:
    """Insert the expenses and parts without the ORM, then fill ``expense_total``."""
    from jointprojects.organizations.models import Organization
    from jointprojects.totals import refresh_totals

    org = {o.code: o.id for o in db.session.scalars(db.select(Organization))}
    codes = [code for code, _ in SHARES["default"]]  # the order of the parts' columns
    payer_ids = [org[c] for c in ("UN", "INTERPOL", "UNODC")]
    sa_id = sa.id
    now = "2026-01-01 00:00:00"
    dates = [(START + timedelta(days=int(d))).isoformat() for d in range(DAYS)]
    count = len(data["amounts"])

    def expense_rows(lo: int, hi: int) -> Iterator[tuple[Any, ...]]:
        for i in range(lo, hi):
            raw = int(data["amounts"][i]) * STORAGE
            yield (i + 1, sa_id, dates[data["days"][i]], CATEGORIES[data["categories"][i]],
                   "", raw, "USD", 10**10, "same", raw, payer_ids[data["payers"][i]], "", 0,
                   1, None, now, now, 1)

    def part_rows(lo: int, hi: int) -> Iterator[tuple[int, int, int]]:
        parts = data["parts"]
        ids = [org[c] for c in codes]
        for i in range(lo, hi):
            row = parts[i]
            for j in range(3):
                yield (i + 1, ids[j], int(row[j]) * STORAGE)

    db.session.commit()
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        chunk = 100_000
        if kind == "sqlite":
            cursor.execute("PRAGMA synchronous = OFF")
            marks = ", ".join("?" * len(EXPENSE_COLUMNS))
            for lo in range(0, count, chunk):
                hi = min(count, lo + chunk)
                cursor.executemany(
                    f"INSERT INTO expense ({', '.join(EXPENSE_COLUMNS)}) "  # noqa: S608
                    f"VALUES ({marks})", expense_rows(lo, hi))
                cursor.executemany("INSERT INTO expense_part (expense_id, organization_id, "
                                   "amount) VALUES (?, ?, ?)", part_rows(lo, hi))
            raw.commit()
            cursor.execute("PRAGMA synchronous = FULL")
        else:
            for lo in range(0, count, chunk):
                hi = min(count, lo + chunk)
                for table, columns, rows in (
                    ("expense", EXPENSE_COLUMNS, expense_rows(lo, hi)),
                    ("expense_part", ("expense_id", "organization_id", "amount"),
                     part_rows(lo, hi)),
                ):
                    buffer = io.StringIO()
                    for row in rows:
                        buffer.write("\t".join(r"\N" if v is None else str(v) for v in row))
                        buffer.write("\n")
                    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        copy.write(buffer.getvalue())
            cursor.execute("SELECT setval(pg_get_serial_sequence('expense', 'id'), %s)",
                           (count,))
            raw.commit()
    finally:
        raw.close()
    refresh_totals(sa_id)
    db.session.commit()
    with db.engine.connect() as conn:
        if kind == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()


def plain_sums(sa_id: int, date_from: date | None, date_to: date | None) -> dict[str, Any]:
    """The figures computed the slow way: one SUM over every part and every expense."""
    where = "e.arrangement_id = :a"
    params: dict[str, Any] = {"a": sa_id}
    if date_from:
        where += " AND e.date >= :f"
        params["f"] = date_from
    if date_to:
        where += " AND e.date <= :t"
        params["t"] = date_to
    from sqlalchemy import text

    shares = dict(db.session.execute(text(
        "SELECT o.code, SUM(p.amount) FROM expense_part p JOIN expense e ON e.id = p.expense_id "  # noqa: S608
        f"JOIN organization o ON o.id = p.organization_id WHERE {where} GROUP BY o.code"),
        params).all())
    paid = dict(db.session.execute(text(
        "SELECT o.code, SUM(e.reporting_amount) FROM expense e "  # noqa: S608
        f"JOIN organization o ON o.id = e.paid_by_id WHERE {where} GROUP BY o.code"),
        params).all())
    cents = Decimal(STORAGE)
    return {
        code: (f"{Decimal(int(shares.get(code, 0))) / cents / 100:.2f}",
               f"{Decimal(int(paid.get(code, 0))) / cents / 100:.2f}")
        for code in ("UN", "INTERPOL", "UNODC")
    }


def time_calls(client: Any, url: str, token: str, runs: int) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(url, headers=headers).status_code == 200  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200
    return times


def time_reallocation(sa_id: int) -> None:
    """An amendment effective from the first day, consented by every party: every expense
    is re-allocated and every part changes."""
    import resource

    from jointprojects.auth.models import User
    from jointprojects.special_arrangements import amendments
    from jointprojects.special_arrangements.models import SpecialArrangement
    from jointprojects.special_arrangements.services import ShareData

    sa = db.session.get(SpecialArrangement, sa_id)
    user = db.session.scalar(db.select(User))
    version = amendments.propose_amendment(
        sa, START, [ShareData("UN", "50"), ShareData("INTERPOL", "30"),
                    ShareData("UNODC", "20")], [], "benchmark", user)
    for code in ("UN", "INTERPOL"):
        amendments.consent(sa, version, code, START, user)
    db.session.commit()
    started = time.perf_counter()
    amendments.consent(sa, version, "UNODC", START, user)
    db.session.commit()
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  an amendment from the first day coming into force (every part rewritten): "
          f"{elapsed:.1f} s; peak memory of the process {peak:.0f} MB")


def run(kind: str, count: int, runs: int, pg_url: str, reallocate: bool = False) -> None:
    with database(kind, pg_url) as url:
        app = create_app(config.TestingConfig, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            dialect = db.engine.dialect.name
            sa, token = setup(app)
            started = time.perf_counter()
            data = generate(count)
            generated = time.perf_counter() - started
            started = time.perf_counter()
            bulk_load(sa, data, dialect)
            loaded = time.perf_counter() - started
            print(f"\n{dialect}: {count:,} expenses and {3 * count:,} parts generated in "
                  f"{generated:.1f} s, loaded (with expense_total) in {loaded:.1f} s")
            client = app.test_client()
            base = "/api/v1/arrangements/SA-BENCH/cost-split"
            for label, query, period in (
                ("the arrangement's life", "", (None, None)),
                ("2022-03-15 to 2024-08-20", "?from=2022-03-15&to=2024-08-20",
                 (date(2022, 3, 15), date(2024, 8, 20))),
            ):
                answer = client.get(base + query,
                                    headers={"Authorization": f"Bearer {token}"}).get_json()
                started = time.perf_counter()
                expected = plain_sums(sa.id, *period)
                plain = time.perf_counter() - started
                got = {o["organization"]: (o["share"], o["paid"])
                       for o in answer["organizations"]}
                assert got == expected, (got, expected)
                times = time_calls(client, base + query, token, runs)
                print(f"  cost split over {label}: {answer['expense_count']:,} expenses, "
                      f"total {answer['total']} USD, settlements {len(answer['settlements'])}")
                print(f"    median {statistics.median(times) * 1000:.1f} ms "
                      f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f}, "
                      f"{runs} runs); the same figures by a plain SUM over every part: "
                      f"{plain * 1000:.0f} ms")
            times = []
            headers = {"Authorization": f"Bearer {token}"}
            for i in range(runs):
                body = {"date": f"2023-06-{10 + i:02d}", "category": "travel",
                        "amount": "1234.56", "currency": "USD", "paid_by": "UNODC"}
                started = time.perf_counter()
                response = client.post("/api/v1/arrangements/SA-BENCH/expenses", json=body,
                                       headers=headers)
                times.append(time.perf_counter() - started)
                assert response.status_code == 201, response.get_json()
            print(f"  recording one more expense (POST, allocation and its month's totals): "
                  f"median {statistics.median(times) * 1000:.1f} ms "
                  f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f})")
            if reallocate:
                time_reallocation(sa.id)
            db.session.remove()
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--expenses", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--reallocate", action="store_true",
                        help="also time an amendment re-allocating every expense (slow)")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}")
    for kind in ("sqlite", "postgres"):
        if args.only not in (None, kind):
            continue
        try:
            run(kind, args.expenses, args.runs, args.pg_url, args.reallocate)
        except OperationalError as exc:
            if kind != "postgres" or args.only == "postgres":
                raise
            print(f"\npostgresql: skipped, no server at {args.pg_url} ({exc.orig})")


if __name__ == "__main__":
    main()
