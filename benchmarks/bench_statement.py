"""Issuing a statement and previewing the next one (issue 12) on an arrangement with
1,000,000 expenses (the data of bench_cost_split.py: three parties, five years from
2021-01-01, eight categories, 1 % refunds).

Times, on SQLite (a throwaway file) and optionally PostgreSQL (a database it creates and
drops):

  * issuing statement 1 over 2021-01-01 to 2021-06-30 (about 100,000 expenses): the figures,
    the transfers and the frozen workbook (the period's cost report with the Statement sheet
    in front), committed; beside it, in the same run, writing the plain cost report of the
    same period (the floor: the workbook is most of the work);
  * the preview of the next statement's figures (GET .../statement-preview, the open period
    from 2021-07-01 to today with the carried balances, about 900,000 expenses), beside the
    cost split of the same period (GET .../cost-split), its floor: the preview is the cost
    split plus the carried balances and the payments of the period;
  * the arrangement page (Statements section with the preview, finance section) for
    information.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_statement.py  # --expenses --runs --only --pg-url
    # --languages en,fr (the default: both workbooks), en or fr
"""

from __future__ import annotations

import argparse
import io
import os
import re
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy.exc import OperationalError

import config
from benchmarks.bench_cost_split import PG_URL, bulk_load, database, generate, setup
from jointprojects import create_app
from jointprojects.extensions import db

PERIOD_END = date(2021, 6, 30)


def _median_ms(times: list[float]) -> str:
    return (f"median {statistics.median(times) * 1000:.1f} ms (min {min(times) * 1000:.1f}, "
            f"max {max(times) * 1000:.1f}, {len(times)} runs)")


def _timed_get(client: Any, url: str, headers: dict[str, str], runs: int) -> list[float]:
    assert client.get(url, headers=headers).status_code == 200  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return times


def run(kind: str, count: int, runs: int, pg_url: str, languages: str = "en,fr") -> None:
    from jointprojects.auth.models import User
    from jointprojects.reporting.cost_report import write_cost_report
    from jointprojects.special_arrangements.models import SpecialArrangement
    from jointprojects.statements import services

    with database(kind, pg_url) as url:
        app = create_app(config.TestingConfig, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            dialect = db.engine.dialect.name
            sa, token = setup(app)
            started = time.perf_counter()
            bulk_load(sa, generate(count), dialect)
            print(f"\n{dialect}: {count:,} expenses loaded in "
                  f"{time.perf_counter() - started:.1f} s")
            sa_id = sa.id
            user = db.session.scalar(db.select(User))

            # the floor first: the plain cost report of the same period
            buffer = io.BytesIO()
            started = time.perf_counter()
            write_cost_report(sa, START, PERIOD_END, buffer, generated_by="bench")
            floor = time.perf_counter() - started
            db.session.rollback()
            sa = db.session.get(SpecialArrangement, sa_id)
            started = time.perf_counter()
            st = services.issue_statement(sa, PERIOD_END, None, user, languages=languages)
            db.session.commit()
            issued = time.perf_counter() - started
            sizes = ", ".join(f"{w.language} {len(w.content) / 1e6:.1f} MB"
                              for w in st.workbooks)
            print(f"  statement 1 over {st.date_from} to {st.date_to}: {st.expense_count:,} "
                  f"expenses, {len(st.transfers)} transfers, workbooks {sizes}")
            print(f"    issued in {st.languages} (figures, transfers, "
                  f"{len(st.workbooks)} workbook(s), committed) in {issued:.2f} s; the plain "
                  f"cost report of the period in {floor:.2f} s ({issued / floor:.2f}x the "
                  f"floor, {issued / floor / len(st.workbooks):.2f}x per workbook); load "
                  f"average {os.getloadavg()[0]:.1f}")

            client = app.test_client()
            headers = {"Authorization": f"Bearer {token}"}
            after = (PERIOD_END + timedelta(days=1)).isoformat()
            today = date.today().isoformat()
            preview = client.get("/api/v1/arrangements/SA-BENCH/statement-preview",
                                 headers=headers).get_json()
            split = client.get(f"/api/v1/arrangements/SA-BENCH/cost-split?from={after}"
                               f"&to={today}", headers=headers).get_json()
            closing = {o["organization"]: o["closing_balance"] for o in preview["organizations"]}
            opening = {o["organization"]: o["opening_balance"] for o in preview["organizations"]}
            for o in split["organizations"]:  # preview = carried balance + the cost split
                assert Decimal(closing[o["organization"]]) == (
                    Decimal(opening[o["organization"]]) + Decimal(o["balance"]))
            preview_times = _timed_get(client, "/api/v1/arrangements/SA-BENCH/"
                                       "statement-preview", headers, runs)
            split_times = _timed_get(client, f"/api/v1/arrangements/SA-BENCH/cost-split?"
                                     f"from={after}&to={today}", headers, runs)
            print(f"  preview of statement 2 ({preview['from']} to {preview['to']}, "
                  f"{preview['expense_count']:,} expenses): {_median_ms(preview_times)}")
            ratio = statistics.median(preview_times) / statistics.median(split_times)
            print(f"    the cost split of the same period (floor): {_median_ms(split_times)}"
                  f"; ratio {ratio:.2f}")
            page_client = app.test_client()
            html = page_client.get("/login").get_data(as_text=True)
            csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
            assert page_client.post("/login", data={
                "csrf_token": csrf.group(1) if csrf else "", "email": user.email,
                "password": "bench-password-123"}).status_code == 302
            page_times = _timed_get(page_client, "/arrangements/SA-BENCH", {}, runs)
            print(f"  the arrangement page (finance and Statements sections): "
                  f"{_median_ms(page_times)}")
            db.session.remove()
            db.engine.dispose()


START = date(2021, 1, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--expenses", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--languages", default="en,fr",
                        help="the statement's languages (issue 17): en, fr or en,fr")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}")
    for kind in ("sqlite", "postgres"):
        if args.only not in (None, kind):
            continue
        try:
            run(kind, args.expenses, args.runs, args.pg_url, args.languages)
        except OperationalError as exc:
            if kind != "postgres" or args.only == "postgres":
                raise
            print(f"\npostgresql: skipped, no server at {args.pg_url} ({exc.orig})")


if __name__ == "__main__":
    main()
