"""Benchmark of the leadership dashboard and the arrangement list under load (issue 6).

Loads a throwaway database in bulk (10,000 special arrangements, 1,000,000 expenses with
their parts and ``expense_total`` rows, 5,000 personnel exchanges), serves it with
``jointprojects serve`` on 127.0.0.1 and loads it with wrk (or, without wrk, a small Python
load generator), logged in as leadership with a session cookie, each run time-bounded.
Prints, per database: p50/p95/p99 latencies with one connection, requests per second and
p95 at 16 connections, and each endpoint's requests per second relative to ``/health`` of
the same server in the same run. Not a test.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_dashboard.py                 # both databases
    PYTHONPATH=. .venv/bin/python benchmarks/bench_dashboard.py --db sqlite --duration 5
    PYTHONPATH=. .venv/bin/python benchmarks/bench_dashboard.py --arrangements 1000 \\
        --expenses 100000 --exchanges 500                                      # a quick look

The SQLite file goes to ``benchmarks/data/``; the PostgreSQL database (on
``JOINTPROJECTS_BENCH_PG_URL``, default the local server) is created, then dropped; ``--keep``
keeps both for a closer look.

Bulk loading writes the tables directly (executemany on SQLite, COPY on PostgreSQL) with the
portfolio roll-up's triggers removed, then re-installs them and rebuilds the roll-up in one
statement, as an operator would after an import. The application's own write path (triggers
on) is timed separately: a few expenses recorded through the JSON API on the loaded data.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import json
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT / "benchmarks" / "data"
PG_ADMIN_URL = os.environ.get("JOINTPROJECTS_BENCH_PG_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PASSWORD = "bench-password-2026"  # noqa: S105 - a throwaway benchmark user
LEADERSHIP = "bench.leadership@example.org"
FINANCE = "bench.finance@example.org"
CATEGORIES = ("personnel", "travel", "equipment", "training", "meetings",
              "contractual_services", "operating", "other")
KINDS = ("joint_action", "joint_action", "joint_action", "personnel", "supplementary",
         "technical_cooperation")
EXTRA_ORGS = (("UNODC", "United Nations Office on Drugs and Crime", "USD"),
              ("OSCE", "Organization for Security and Co-operation in Europe", "EUR"),
              ("EUROPOL", "European Union Agency for Law Enforcement Cooperation", "EUR"))
PARTY_SETS = ((("UN", "INTERPOL"), (5000, 5000)), (("UN", "INTERPOL"), (5500, 4500)),
              (("UN", "INTERPOL"), (6000, 4000)), (("UN", "INTERPOL"), (7000, 3000)),
              (("UN", "INTERPOL", "UNODC"), (4000, 3500, 2500)),
              (("INTERPOL", "EUROPOL"), (5000, 5000)), (("UN", "OSCE"), (6000, 4000)))
SCALE = 10_000  # money is stored as integers of 10^-4 units
RATE_ONE = 10**10  # exchange rates: 10^-10 units


# --- the data -----------------------------------------------------------------------------------

def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


class Portfolio:
    """Deterministic synthetic data, streamed table by table as tuples of plain values."""

    def __init__(self, arrangements: int, expenses: int, exchanges: int, orgs: dict[str, int],
                 areas: dict[str, int], user_id: int, seed: int = 2026) -> None:
        self.n_arrangements, self.n_expenses, self.n_exchanges = arrangements, expenses, exchanges
        self.orgs, self.areas, self.user_id = orgs, areas, user_id
        self.rng = random.Random(seed)
        self.today = date.today()
        self.now = datetime(2026, 1, 1, 12, 0, 0)  # noqa: DTZ001 - stored naive UTC, as utcnow()
        self._plan()

    def _plan(self) -> None:
        rng, today = self.rng, self.today
        self.projects = []
        self.arrangements = []
        n_projects = max(1, self.n_arrangements // 4)
        for p in range(1, n_projects + 1):
            start = date(2021, 1, 1) + timedelta(days=rng.randrange(5 * 365))
            status = rng.choices(("active", "planned", "completed", "cancelled"),
                                 (70, 15, 10, 5))[0]
            areas = rng.sample(sorted(self.areas), rng.choice((1, 1, 2)))
            self.projects.append((p, f"BP-{p:05d}", start, status, areas,
                                  rng.choice(("UN", "INTERPOL"))))
        for a in range(1, self.n_arrangements + 1):
            project = self.projects[(a - 1) % n_projects]
            parties, percents = rng.choice(PARTY_SETS)
            currency = "EUR" if parties[0] == "INTERPOL" or rng.random() < 0.25 else "USD"
            state = rng.choices(("unsigned", "partly", "expired", "terminated", "notice",
                                 "ending", "in_force"), (8, 4, 6, 5, 3, 2, 72))[0]
            start = date(2022, 1, 1) + timedelta(days=rng.randrange(4 * 365))
            end = notice = effective = None
            if state == "expired":
                start = date(2020, 1, 1) + timedelta(days=rng.randrange(700))
                end = start + timedelta(days=400 + rng.randrange(400))
            elif state == "terminated":
                notice = start + timedelta(days=200 + rng.randrange(300))
                effective = _add_months(notice, 6)
                if effective >= today:
                    state = "in_force"
                    notice = effective = None
            elif state == "notice":
                notice = today - timedelta(days=rng.randrange(150))
                start = min(start, notice - timedelta(days=30))
                effective = _add_months(notice, 6)
            elif state == "ending":
                end = today + timedelta(days=rng.randrange(1, 90))
                start = min(start, today - timedelta(days=400))
            elif state == "in_force" and rng.random() < 0.5:
                end = today + timedelta(days=200 + rng.randrange(1200))
            if state in ("unsigned", "partly"):
                start = max(start, today - timedelta(days=100))
            start = min(start, today - timedelta(days=1)) if state not in (
                "unsigned", "partly") else start
            signed = state not in ("unsigned", "partly")
            self.arrangements.append({
                "id": a, "project": project[0], "parties": parties, "percents": percents,
                "currency": currency, "state": state, "start": start, "end": end,
                "notice": notice, "effective": effective, "signed": signed,
                "kind": rng.choice(KINDS),
                "pending": signed and state == "in_force" and rng.random() < 0.02,
            })
        signed = [a for a in self.arrangements if a["signed"]]
        weights = [max(1, (_last_day(a, today) - a["start"]).days) for a in signed]
        counts = [0] * len(signed)
        for i in rng.choices(range(len(signed)), weights, k=self.n_expenses):
            counts[i] += 1
        for a, n in zip(signed, counts, strict=True):
            a["expenses"] = n

    # Each method yields the rows of one table, in the column order of ``COLUMNS``.

    def organizations(self) -> Iterator[tuple]:
        for code, name, currency in EXTRA_ORGS:
            yield (self.orgs[code], code, name, currency)

    def project_rows(self) -> Iterator[tuple]:
        for pid, code, start, status, _areas, lead in self.projects:
            yield (pid, code, f"Benchmark project {pid}", "", self.orgs[lead], start,
                   start + timedelta(days=3 * 365), status, self.now, 1)

    def project_areas(self) -> Iterator[tuple]:
        for pid, _code, _start, _status, areas, _lead in self.projects:
            for code in areas:
                yield (pid, self.areas[code])

    def arrangement_rows(self) -> Iterator[tuple]:
        for a in self.arrangements:
            status = "in_force" if a["signed"] else "draft"
            status = "expired" if a["state"] == "expired" and self.rng.random() < 0.5 else status
            yield (a["id"], f"SA-B-{a['id']:05d}", a["project"],
                   f"Benchmark arrangement {a['id']}", a["kind"], a["currency"], a["start"],
                   a["end"], status, a["start"] if a["signed"] else None, a["notice"],
                   a["effective"], self.orgs[a["parties"][-1]] if a["notice"] else None,
                   self.now, 1)

    def parties(self) -> Iterator[tuple]:
        n = 0
        for a in self.arrangements:
            for code in a["parties"]:
                n += 1
                yield (n, a["id"], self.orgs[code], "Party", "", "")

    def versions(self) -> Iterator[tuple]:
        for a in self.arrangements:
            yield (a["id"], a["id"], 1, a["start"], "in_force", "Original arrangement",
                   self.user_id, self.now, None)
            if a["pending"]:
                yield (self.n_arrangements + a["id"], a["id"], 2, self.today, "pending",
                       "Mid-term review", self.user_id, self.now, None)

    def shares(self) -> Iterator[tuple]:
        n = 0
        for a in self.arrangements:
            versions = [a["id"]] + ([self.n_arrangements + a["id"]] if a["pending"] else [])
            for version in versions:
                for code, percent in zip(a["parties"], a["percents"], strict=True):
                    n += 1
                    yield (n, version, None, self.orgs[code], percent)

    def signatures(self) -> Iterator[tuple]:
        n = 0
        for a in self.arrangements:
            signers = a["parties"] if a["signed"] else (
                a["parties"][:1] if a["state"] == "partly" else ())
            for code in signers:
                n += 1
                yield (n, a["id"], self.orgs[code], a["start"], "Signatory", self.user_id,
                       False, self.now)

    def consents(self) -> Iterator[tuple]:
        for a in self.arrangements:
            if a["pending"]:
                yield (a["id"], self.n_arrangements + a["id"], self.orgs[a["parties"][0]],
                       self.today, self.user_id, False, self.now)

    def budgets(self) -> Iterator[tuple]:
        n = 0
        for a in self.arrangements:
            if not a["signed"]:
                continue
            for year in range(max(a["start"].year, 2024), 2027):
                n += 1
                yield (n, a["id"], "other", year, None,
                       self.rng.randrange(50_000, 500_000) * SCALE, "")
                if self.rng.random() < 0.3:
                    n += 1
                    yield (n, a["id"], "travel", year, self.orgs[a["parties"][0]],
                           self.rng.randrange(5_000, 50_000) * SCALE, "")

    def expenses(self) -> Iterator[tuple[str, tuple]]:
        """("expense" | "expense_part" | "expense_total", row), arrangement by arrangement."""
        rng, n = self.rng, 0
        for a in self.arrangements:
            count = a.get("expenses", 0)
            if not count:
                continue
            first, last = a["start"], _last_day(a, self.today)
            span = max(1, (last - first).days)
            orgs = [self.orgs[c] for c in a["parties"]]
            totals: dict[tuple[str, str, int], list[int]] = defaultdict(lambda: [0, 0, 0])
            for day_offset in sorted(rng.randrange(span) for _ in range(count)):
                n += 1
                day = first + timedelta(days=day_offset)
                category = rng.choice(CATEGORIES)
                cents = rng.randrange(1_000, 2_000_000)
                payer = rng.choice(orgs)
                amount = cents * 100
                yield "expense", (n, a["id"], day, category, "", amount, a["currency"],
                                  RATE_ONE, "same", amount, payer, "", 0, 1, None, self.now,
                                  self.now, 1)
                parts = [cents * p // 10_000 for p in a["percents"]]
                parts[0] += cents - sum(parts)
                month = _month(day)
                for org, part in zip(orgs, parts, strict=True):
                    yield "expense_part", (n, org, part * 100)
                    totals[month, category, org][0] += part * 100
                entry = totals[month, category, payer]
                entry[1] += amount
                entry[2] += 1
            for (month, category, org), (share, paid, number) in totals.items():
                yield "expense_total", (a["id"], month, category, org, share, paid, 0, number)

    def exchanges(self) -> Iterator[tuple[str, tuple]]:
        rng, today = self.rng, self.today
        un, interpol = self.orgs["UN"], self.orgs["INTERPOL"]
        approval = 0
        for n in range(1, self.n_exchanges + 1):
            home, host = (un, interpol) if rng.random() < 0.5 else (interpol, un)
            start = today - timedelta(days=rng.randrange(-200, 700))
            end = start + timedelta(days=60 + rng.randrange(640))
            status = rng.choices(("approved", "proposed", "cancelled"), (70, 20, 10))[0]
            linked = rng.randrange(1, self.n_arrangements + 1) if rng.random() < 0.5 else None
            yield "personnel_exchange", (n, f"B{n:06d}", f"Staff member {n}", home, host,
                                         "Analyst", "Lyon", start, end, linked, "", status,
                                         self.user_id, self.now, 1)
            yield "exchange_cost_item", (n, n, "salary", home,
                                         rng.randrange(20_000, 200_000) * SCALE, "USD", None,
                                         None)
            if status == "approved":
                for org in (home, host):
                    approval += 1
                    yield "exchange_approval", (approval, n, org, start, self.user_id, False)


def _add_months(day: date, months: int) -> date:
    from jointprojects.dates import add_months

    return add_months(day, months)


def _last_day(a: dict[str, Any], today: date) -> date:
    days = [today - timedelta(days=1)]
    if a["end"]:
        days.append(a["end"])
    if a["effective"]:
        days.append(a["effective"] - timedelta(days=1))
    return max(a["start"], min(days))


COLUMNS = {
    "organization": "id, code, name, currency",
    "project": "id, code, title, description, lead_organization_id, start_date, end_date, "
               "status, created_at, version",
    "project_area": "project_id, area_id",
    "special_arrangement": "id, reference, project_id, title, kind, currency, start_date, "
                           "end_date, status, entry_into_force, termination_notice_date, "
                           "termination_effective_date, terminated_by_id, created_at, version",
    "arrangement_party": "id, arrangement_id, organization_id, role, responsibilities, "
                         "in_kind_contribution",
    "share_version": "id, arrangement_id, number, effective_date, status, reason, "
                     "proposed_by_id, proposed_at, in_force_since",
    "share": "id, share_version_id, category, organization_id, percent",
    "signature": "id, arrangement_id, organization_id, date, signatory, recorded_by_id, "
                 "recorded_by_admin, recorded_at",
    "consent": "id, share_version_id, organization_id, date, recorded_by_id, "
               "recorded_by_admin, recorded_at",
    "budget": "id, arrangement_id, category, year, organization_id, amount, note",
    "expense": "id, arrangement_id, date, category, description, amount, currency, "
               "exchange_rate, rate_source, reporting_amount, paid_by_id, document_reference, "
               "unallocated, share_version_number, created_by_id, created_at, updated_at, "
               "version",
    "expense_part": "expense_id, organization_id, amount",
    "expense_total": "arrangement_id, month, category, organization_id, share_amount, "
                     "paid_amount, unallocated, expense_count",
    "personnel_exchange": "id, staff_id, person_name, home_organization_id, "
                          "host_organization_id, position, duty_station, start_date, end_date, "
                          "arrangement_id, return_right_note, status, created_by_id, "
                          "created_at, version",
    "exchange_cost_item": "id, exchange_id, category, borne_by_id, amount, currency, "
                          "period_start, period_end",
    "exchange_approval": "id, exchange_id, organization_id, date, recorded_by_id, "
                         "recorded_by_admin",
}


# --- bulk writing -------------------------------------------------------------------------------

class Writer:
    """Buffered bulk inserts: executemany on SQLite, COPY on PostgreSQL."""

    CHUNK = 50_000

    def __init__(self, raw: Any, dialect: str) -> None:
        self.raw, self.dialect = raw, dialect
        self.buffers: dict[str, list[tuple]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)

    def add(self, table: str, row: tuple) -> None:
        buffer = self.buffers[table]
        buffer.append(row)
        if len(buffer) >= self.CHUNK:
            self.flush()  # every table, parents first (foreign keys)

    def add_all(self, table: str, rows: Iterable[tuple]) -> None:
        for row in rows:
            self.add(table, row)
        self.flush(table)

    def flush(self, table: str | None = None) -> None:
        for name in [table] if table else [t for t in COLUMNS if t in self.buffers]:
            rows = self.buffers.pop(name, [])
            if not rows:
                continue
            self.counts[name] += len(rows)
            columns = COLUMNS[name]
            quoted = f'"{name}"'
            cursor = self.raw.cursor()
            if self.dialect == "postgresql":
                with cursor.copy(f"COPY {quoted} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(columns.split(",")))
                cursor.executemany(f"INSERT INTO {quoted} ({columns}) VALUES ({marks})",  # noqa: S608
                                   [_sqlite_row(r) for r in rows])
            cursor.close()


def _sqlite_row(row: tuple) -> tuple:
    """Values as SQLAlchemy stores them on SQLite (ISO dates, microsecond datetimes)."""
    out = []
    for value in row:
        if isinstance(value, datetime):
            out.append(value.strftime("%Y-%m-%d %H:%M:%S.%f"))
        elif isinstance(value, date):
            out.append(value.isoformat())
        else:
            out.append(value)
    return tuple(out)


# --- the database -------------------------------------------------------------------------------

def run_cli(env: dict[str, str], *args: str) -> str:
    script = Path(sys.executable).with_name("jointprojects")
    result = subprocess.run([str(script) if script.exists() else "jointprojects", *args],
                            env=env, capture_output=True, text=True, check=False)
    if result.returncode:
        raise SystemExit(f"jointprojects {args[0]} failed: {result.stderr.strip()}")
    return result.stdout


def prepare(url: str, env: dict[str, str], sizes: tuple[int, int, int]) -> dict[str, Any]:
    """Schema, users and the bulk data; returns counts and timings."""
    from sqlalchemy import create_engine, text

    from jointprojects import totals

    started = time.perf_counter()
    run_cli(env, "init-db")
    for email, role in ((LEADERSHIP, "leadership"), (FINANCE, "finance")):
        run_cli(env, "create-user", email, "--role", role, "--organization", "UN",
                "--password", PASSWORD)
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    dialect = engine.dialect.name
    with engine.begin() as conn:
        orgs = dict(conn.execute(text("SELECT code, id FROM organization")).all())
        areas = dict(conn.execute(text("SELECT code, id FROM area")).all())
        user_id = conn.execute(text('SELECT id FROM "user" WHERE email = :e'),
                               {"e": LEADERSHIP}).scalar_one()
        totals.drop_triggers(conn)
    next_id = max(orgs.values()) + 1
    for offset, (code, _, _) in enumerate(EXTRA_ORGS):
        orgs[code] = next_id + offset
    data = Portfolio(*sizes, orgs=orgs, areas=areas, user_id=user_id)
    generated = time.perf_counter()

    raw = engine.raw_connection()
    try:
        if dialect == "sqlite":
            raw.execute("PRAGMA synchronous = OFF")
        writer = Writer(raw, dialect)
        for table, rows in (("organization", data.organizations()),
                            ("project", data.project_rows()),
                            ("project_area", data.project_areas()),
                            ("special_arrangement", data.arrangement_rows()),
                            ("arrangement_party", data.parties()),
                            ("share_version", data.versions()), ("share", data.shares()),
                            ("signature", data.signatures()), ("consent", data.consents()),
                            ("budget", data.budgets())):
            writer.add_all(table, rows)
        for table, row in data.expenses():
            writer.add(table, row)
        writer.flush()
        for table, row in data.exchanges():
            writer.add(table, row)
        writer.flush()
        raw.commit()
    finally:
        raw.close()
    loaded = time.perf_counter()
    with engine.begin() as conn:
        totals.install_triggers(conn)
        totals.rebuild_rollups(conn)
        if dialect == "postgresql":
            for table in ("project", "special_arrangement", "arrangement_party", "share_version",
                          "share", "signature", "consent", "budget", "expense",
                          "personnel_exchange", "exchange_cost_item", "exchange_approval",
                          "organization"):
                conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM \"{table}\"))"))
        rollup_rows = conn.execute(text("SELECT count(*) FROM portfolio_total")).scalar_one()
    rolled = time.perf_counter()
    if dialect == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    return {"counts": dict(writer.counts), "rollup_rows": rollup_rows,
            "generate_s": generated - started, "load_s": loaded - generated,
            "rollup_s": rolled - loaded, "analyze_s": time.perf_counter() - rolled,
            "sample": next(a for a in data.arrangements
                           if a["signed"] and a["state"] == "in_force")}


# --- the server and the load ---------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(env: dict[str, str], port: int, log: Path,
                 workers: int | None = None) -> subprocess.Popen:
    script = Path(sys.executable).with_name("jointprojects")
    extra = ["--workers", str(workers)] if workers else []
    process = subprocess.Popen(
        [str(script) if script.exists() else "jointprojects", "serve", "--host", "127.0.0.1",
         "--port", str(port), *extra], env=env, stdout=log.open("w"),
        stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"jointprojects serve stopped: {log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("jointprojects serve did not answer within 60 s")


def log_in(base: str, email: str) -> str:
    """Log in through the form; returns the Cookie header of the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "email": email,
                                   "password": PASSWORD}).encode()
    page = opener.open(f"{base}/login", data=body).read().decode()
    assert "Portfolio" in page, "login failed"
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def check(base: str, path: str, headers: dict[str, str], expect: str) -> None:
    request = urllib.request.Request(base + path, headers=headers)  # noqa: S310 - http://127.0.0.1
    with urllib.request.urlopen(request) as response:  # noqa: S310
        body = response.read().decode()
        assert response.status == 200 and expect in body, (path, response.status)


WRK_SCRIPT = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body) if status ~= 200 then bad = bad + 1 end end
function done(summary, latency, requests)
  local b = 0
  for _, t in ipairs(threads) do b = b + t:get("bad") end
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"socket_errors": %d, "not_200": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, b))
end
"""


def load(base: str, path: str, headers: dict[str, str], connections: int,
         duration: float) -> dict[str, float]:
    """Time-bounded load on one URL: requests/s and latency percentiles (ms)."""
    wrk = shutil.which("wrk")
    if wrk:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT)
        seconds = max(1, round(duration))
        args = [wrk, f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s",
                "--timeout", "10s", "-s", script.name]
        for name, value in headers.items():
            args += ["-H", f"{name}: {value}"]
        out = subprocess.run([*args, base + path], capture_output=True, text=True,
                             check=True).stdout
        os.unlink(script.name)
        raw = json.loads(out.split("RESULT ", 1)[1])
        seconds = raw["duration_us"] / 1e6
        result = {"rps": raw["requests"] / seconds, "p50": raw["p50_us"] / 1000,
                  "p95": raw["p95_us"] / 1000, "p99": raw["p99_us"] / 1000,
                  "errors": raw["socket_errors"] + raw["not_200"], "requests": raw["requests"]}
    else:
        result = _python_load(base, path, headers, connections, duration)
    return result


def _python_load(base: str, path: str, headers: dict[str, str], connections: int,
                 duration: float) -> dict[str, float]:
    """The fallback without wrk: one keep-alive connection per thread."""
    host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def worker() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=10)
        mine = []
        while time.monotonic() < deadline:
            t = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - t)
            if response.status != 200:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000

    return {"rps": len(latencies) / elapsed, "p50": pct(0.5), "p95": pct(0.95),
            "p99": pct(0.99), "errors": errors[0], "requests": len(latencies)}


def timed_writes(base: str, token: str, reference: str, currency: str, payer: str,
                 n: int = 20) -> list[float]:
    """Record ``n`` expenses through the API (triggers on); milliseconds each."""
    host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
    conn = http.client.HTTPConnection(host, port, timeout=30)
    times = []
    for i in range(n):
        body = json.dumps({"date": (date.today() - timedelta(days=1 + i)).isoformat(),
                           "category": "travel", "description": "benchmark write",
                           "amount": f"{100 + i}.25", "currency": currency, "paid_by": payer})
        t = time.perf_counter()
        conn.request("POST", f"/api/v1/arrangements/{reference}/expenses", body=body,
                     headers={"Authorization": f"Bearer {token}",
                              "Content-Type": "application/json"})
        response = conn.getresponse()
        text = response.read()
        times.append((time.perf_counter() - t) * 1000)
        assert response.status == 201, text[:300]
    conn.close()
    return times


# --- one database -------------------------------------------------------------------------------

def bench(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import create_engine, text

    drop = None
    if kind == "sqlite":
        DATA.mkdir(parents=True, exist_ok=True)
        path = DATA / "bench_dashboard.db"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        name = f"jp_bench_{os.getpid()}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = :n"), {"n": name})
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            admin.dispose()

    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTPROJECTS_")}
    env.update(JOINTPROJECTS_DATABASE_URL=url.replace("postgresql+psycopg://", "postgresql://"),
               JOINTPROJECTS_SECRET_KEY=secrets.token_hex(24),
               JOINTPROJECTS_CONFIG="production", JOINTPROJECTS_INSECURE_COOKIES="1")
    if args.redis:
        env["JOINTPROJECTS_REDIS_URL"] = args.redis
    server = None
    try:
        print(f"\n== {kind}: loading {args.arrangements:,} arrangements, "
              f"{args.expenses:,} expenses, {args.exchanges:,} exchanges", flush=True)
        prepared = prepare(url, env, (args.arrangements, args.expenses, args.exchanges))
        counts = prepared["counts"]
        print("   rows: " + ", ".join(f"{t} {n:,}" for t, n in sorted(counts.items()))
              + f", portfolio_total {prepared['rollup_rows']:,}")
        print(f"   generate+schema {prepared['generate_s']:.1f} s, bulk load "
              f"{prepared['load_s']:.1f} s, roll-up rebuild {prepared['rollup_s']:.1f} s, "
              f"analyze {prepared['analyze_s']:.1f} s", flush=True)

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = Path(tempfile.gettempdir()) / f"bench_dashboard_{kind}.log"
        server = start_server(env, port, log, args.workers)
        print(f"   serve: {log.read_text().strip().splitlines()[-1] if log.exists() else ''}"
              f" ({args.workers or 'default'} web processes"
              f"{', Redis ' + args.redis if args.redis else ''})", flush=True)
        cookie = {"Cookie": log_in(base, LEADERSHIP)}
        token = run_cli(env, "create-token", LEADERSHIP).strip().splitlines()[-1]
        bearer = {"Authorization": f"Bearer {token}"}
        endpoints = [
            ("health", "/health", {}, "ok"),
            ("dashboard", "/", cookie, "Portfolio"),
            ("dashboard, filtered", "/?from=2025-01&to=2025-12&organization=INTERPOL&area=c",
             cookie, "Portfolio"),
            ("arrangement list p.1, filtered",
             "/arrangements/?status=in_force&organization=INTERPOL&kind=joint_action",
             cookie, "SA-B-"),
            ("JSON /api/v1/dashboard", "/api/v1/dashboard", bearer, '"money"'),
        ]
        for _, path, headers, expect in endpoints:
            check(base, path, headers, expect)
            load(base, path, headers, 2, 1)  # warm up
        results: dict[str, Any] = {"kind": kind, "prepared": prepared, "single": {},
                                   "many": {}}
        print(f"   latency, 1 connection, {args.duration:g} s each (ms):")
        for label, path, headers, _ in endpoints:
            r = load(base, path, headers, 1, args.duration)
            results["single"][label] = r
            print(f"     {label:<32} p50 {r['p50']:7.1f}  p95 {r['p95']:7.1f}  "
                  f"p99 {r['p99']:7.1f}  ({r['requests']:,} requests, {r['errors']} errors)",
                  flush=True)
        print(f"   {args.connections} connections, {args.duration:g} s each:")
        for label, path, headers, _ in endpoints:
            r = load(base, path, headers, args.connections, args.duration)
            results["many"][label] = r
            health = results["many"]["health"]["rps"]
            print(f"     {label:<32} {r['rps']:8.1f} req/s  ({r['rps'] / health:6.1%} of /health)"
                  f"  p95 {r['p95']:7.1f} ms  ({r['errors']} errors)", flush=True)
        sample = prepared["sample"]
        finance = run_cli(env, "create-token", FINANCE).strip().splitlines()[-1]
        writes = timed_writes(base, finance, f"SA-B-{sample['id']:05d}", sample["currency"],
                              sample["parties"][0])
        results["writes"] = writes
        print(f"   recording an expense through the API (triggers on): median "
              f"{statistics.median(writes):.1f} ms, max {max(writes):.1f} ms over {len(writes)}")
        return results
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        if args.keep:
            print(f"   kept: {url}")
        elif drop is not None:
            drop()
        else:
            (DATA / "bench_dashboard.db").unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--arrangements", type=int, default=10_000)
    parser.add_argument("--expenses", type=int, default=1_000_000)
    parser.add_argument("--exchanges", type=int, default=5_000)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=None,
                        help="web processes of serve (default: serve's, the cores in production)")
    parser.add_argument("--redis", default="",
                        help="JOINTPROJECTS_REDIS_URL for the server (shared dashboard cache)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the SQLite file and the PostgreSQL database")
    args = parser.parse_args()
    print(f"load generator: {'wrk' if shutil.which('wrk') else 'Python threads (no wrk)'}; "
          f"{os.cpu_count()} CPUs")
    for kind in (("sqlite", "postgres") if args.db == "both" else (args.db,)):
        bench(kind, args)


if __name__ == "__main__":
    main()
