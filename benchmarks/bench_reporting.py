"""Reports and imports through the application (issue 5): the import of an expense workbook
(read, validate, convert, allocate, insert, audit, commit) and the download of the cost report
(``GET /api/v1/arrangements/<ref>/cost-report.xlsx``: the cost split, the keyset-paged
expenses, the workbook), on SQLite and on PostgreSQL. Prints figures; not a test.

For each database the script creates a throwaway one (a SQLite file in a temporary folder; a
PostgreSQL database it creates and drops), migrates it, creates a signed arrangement in USD
between UN (55 %) and INTERPOL (45 %) from 2020-01-01, the table's EUR and JPY rates for
every month of ten years, and an .xlsx of N expense rows (dates over ten years, USD, EUR and
JPY, a third with a rate given on the row, the others taking the month's rate from the table;
built beforehand, not timed). Each case runs in its own process so that its peak memory
(``ru_maxrss``) is its own:

- ``import``: :func:`jointprojects.reporting.imports.import_expenses` on the file, then the
  commit: what ``jointprojects import-expenses`` and the confirmation of the import page do.
  The time inside ``record_expenses`` (validation against the database, conversion,
  allocation, inserts, monthly totals, audit rows) is reported apart from the reading and
  cell checks of ``reports.imports``.
- ``report``: the API download of the cost report of those N expenses, body read in full.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_reporting.py [--rows 100000]
        [--format xlsx|csv] [--only sqlite|postgres] [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG_URL = os.environ.get("JOINTPROJECTS_BENCH_PG_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REFERENCE = "SA-BENCH"
CATEGORIES = ("personnel", "travel", "equipment", "training", "meetings",
              "contractual_services", "operating", "other")
START = date(2020, 1, 1)
DAYS = 3650
#: Units per USD in the rates table, every month.
TABLE = {"EUR": Decimal("0.9234"), "JPY": Decimal("151.37")}


@contextmanager
def database(kind: str, pg_url: str, folder: str) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder}/bench.db"
        return
    from sqlalchemy import create_engine, text

    name = f"jp_bench_reporting_{os.getpid()}_{secrets.token_hex(3)}"
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


def make_app(url: str):  # type: ignore[no-untyped-def]
    import config
    from jointprojects import create_app

    return create_app(config.DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url,
                      SECRET_KEY="benchmark-secret-key-0123456789")  # noqa: S106 - throwaway


def setup(url: str) -> str:
    """Schema, reference data, the arrangement, the rates, a finance user; its API token."""
    from flask_migrate import upgrade

    from jointprojects.auth.services import create_token, create_user
    from jointprojects.exchange_rates.services import set_rate
    from jointprojects.extensions import db
    from jointprojects.organizations.services import load_reference_data
    from jointprojects.projects.services import ProjectData, create_project
    from jointprojects.special_arrangements import services as sa_services
    from jointprojects.special_arrangements.services import ArrangementData, ShareData

    app = make_app(url)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        load_reference_data()
        admin = create_user("bench-admin@example.org", "benchmark-password", "admin", "UN")
        finance = create_user("bench-finance@example.org", "benchmark-password", "finance",
                              "UN")
        create_project(ProjectData(code="P-BENCH", title="Benchmark", areas=["b"],
                                   lead_organization="UN", start_date=START))
        sa = sa_services.create_arrangement(ArrangementData(
            reference=REFERENCE, project="P-BENCH", title="Benchmark arrangement",
            kind="joint_action", parties=["UN", "INTERPOL"], currency="USD", start_date=START,
            shares=[ShareData("UN", "55"), ShareData("INTERPOL", "45")]), admin)
        for code in ("UN", "INTERPOL"):
            sa_services.sign(sa, code, START, admin)
        for year in range(START.year, START.year + 11):
            for month in range(1, 13):
                for currency, rate in TABLE.items():
                    set_rate(currency, f"{year}-{month:02d}", rate, "benchmark", admin)
        db.session.commit()
        token = create_token(finance.email)
        db.session.commit()
        return token


def make_file(n: int, path: str) -> None:
    """An .xlsx (or, for a path ending in .csv, a CSV) of ``n`` expense rows as a finance
    officer would fill it (not timed)."""
    from openpyxl import Workbook

    if path.endswith(".csv"):
        import csv

        stream = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115 - closed below
        writer = csv.writer(stream)

        class Sheet:
            def append(self, row: list) -> None:
                writer.writerow(["" if v is None else v for v in row])

        ws: object = Sheet()
        wb = None
    else:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Expenses")
    ws.append(["Date", "Category", "Description", "Amount", "Currency", "Exchange rate",
               "Paid by", "Document reference"])
    days = [START + timedelta(days=d) for d in range(DAYS)]
    for i in range(n):
        currency = ("USD", "EUR", "JPY")[i % 3]
        places = 0 if currency == "JPY" else 2
        amount = Decimal(1000 + i * 7919 % 500_000).scaleb(-places)
        given = None
        if currency != "USD" and i % 9 < 3:
            given = Decimal("0.91") if currency == "EUR" else Decimal(150)
        ws.append([days[i * DAYS // n], CATEGORIES[i % 8],
                   f"Invoice {i}: mission support, Lyon and New York", amount, currency,
                   given, ("UN", "INTERPOL")[i % 2], f"DOC-{i:07d}"])
    if wb is None:
        stream.close()
    else:
        wb.save(path)


# -- cases, each in a child process ----------------------------------------------------------


def case_import(url: str, path: str, token: str) -> dict:
    from sqlalchemy import func, select

    from jointprojects.expenses import recording
    from jointprojects.expenses.models import Expense
    from jointprojects.extensions import db
    from jointprojects.reporting import imports
    from jointprojects.special_arrangements.services import get_arrangement

    app = make_app(url)
    timed: dict[str, float] = {}
    record = recording.record_expense_batch

    def timed_record(*args, **kwargs):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return record(*args, **kwargs)
        finally:
            timed["record_expenses"] = (timed.get("record_expenses", 0.0)
                                        + time.perf_counter() - start)

    recording.record_expense_batch = timed_record
    data = Path(path).read_bytes()
    with app.app_context():
        sa = get_arrangement(REFERENCE)
        start = time.perf_counter()
        result = imports.import_expenses(sa, Path(path).name, data, None)
        before_commit = time.perf_counter()
        db.session.commit()
        end = time.perf_counter()
        stored = db.session.scalar(select(func.count()).select_from(Expense))
    assert stored == result.count, (stored, result.count)
    return {"rows": result.count, "seconds": end - start,
            "record_expenses": timed["record_expenses"], "commit": end - before_commit,
            "read_and_check": before_commit - start - timed["record_expenses"],
            "bytes": len(data)}


def case_report(url: str, path: str, token: str) -> dict:
    app = make_app(url)
    client = app.test_client()
    start = time.perf_counter()
    response = client.get(f"/api/v1/arrangements/{REFERENCE}/cost-report.xlsx",
                          headers={"Authorization": f"Bearer {token}"}, buffered=False)
    size = 0
    for chunk in response.response:
        size += len(chunk)
    response.close()
    seconds = time.perf_counter() - start
    assert response.status_code == 200, response.status_code
    return {"seconds": seconds, "bytes": size}


CASES = {"import": case_import, "report": case_report}


def child(case: str, url: str, path: str, token: str) -> None:
    result = CASES[case](url, path, token)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({k: round(v, 2) if isinstance(v, float) else v
                      for k, v in result.items()}))


def run(case: str, url: str, path: str, token: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", case, "--url", url, "--file", path,
         "--token", token], check=False, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    if output.returncode != 0:
        return {"error": (output.stderr.strip().splitlines() or ["?"])[-1][:300]}
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--child")
    parser.add_argument("--url")
    parser.add_argument("--file")
    parser.add_argument("--token")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, args.file, args.token)
        return
    with tempfile.TemporaryDirectory(prefix="bench-reporting-") as folder:
        path = os.path.join(folder, f"expenses.{args.format}")
        make_file(args.rows, path)
        for kind in ("sqlite", "postgres"):
            if args.only and kind != args.only:
                continue
            with database(kind, args.pg_url, folder) as url:
                token = setup(url)
                imported = run("import", url, path, token)
                if "error" in imported:
                    print(f"{kind:8} import of {args.rows:,} rows FAILED: {imported['error']}",
                          flush=True)
                    continue
                print(f"{kind:8} import of {imported['rows']:,} rows "
                      f"({imported['bytes'] / 1e6:.1f} MB .{args.format}): "
                      f"{imported['seconds']:.2f} s "
                      f"(reading and cell checks {imported['read_and_check']:.2f} s, "
                      f"record_expenses {imported['record_expenses']:.2f} s, commit "
                      f"{imported['commit']:.2f} s), peak {imported['peak_mb']:.0f} MB",
                      flush=True)
                report = run("report", url, path, token)
                print(f"{kind:8} cost report of {imported['rows']:,} expenses via the API: "
                      f"{report['seconds']:.2f} s, {report['bytes'] / 1e6:.1f} MB, peak "
                      f"{report['peak_mb']:.0f} MB", flush=True)


if __name__ == "__main__":
    main()
