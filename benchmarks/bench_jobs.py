"""Long work as jobs (issue 15), measured as a user runs it, each beside its floor in the same
run. Prints figures; not a test. SQLite (a throwaway file), the embedded queue.

1. The cost report of 1,000,000 expenses: ``jointprojects report cost-split`` (the
   synchronous build, its whole process) against the same report as a job
   (``tasks.start_cost_report_job``, committed, taken by a ``jointprojects worker`` started
   beforehand, polled until done): total time and the worker process's peak RSS (VmHWM).
2. ``jointprojects import-expenses`` of a 100,000-row CSV and ``jointprojects report
   cost-split`` of 100,000 expenses, whole processes, against a bare openpyxl write-only
   script writing the same number of rows (8 and 15 columns), whole process too.
3. While a cost report job of 1,000,000 expenses and an import job of 100,000 rows run in a
   worker, the p99 of the dashboard (``/``) and a list (``/arrangements/``) through
   ``jointprojects serve --no-jobs`` (waitress), against the same p99 with nothing running.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_jobs.py   # --expenses, --rows, --port, --only
"""

from __future__ import annotations

import argparse
import csv
import http.cookiejar
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import config
from benchmarks.bench_cost_split import CATEGORIES, DAYS, START, bulk_load, generate, setup
from jointprojects import create_app
from jointprojects.extensions import db

BIN = Path(sys.executable).parent
PASSWORD = "bench-password-123"  # noqa: S105 - bench_cost_split.setup's user
SECRET = "bench-secret-key-0123"  # noqa: S105 - a throwaway database
FLOOR = r"""
import sys
from datetime import date, timedelta
from decimal import Decimal
from openpyxl import Workbook
rows, columns, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
wb = Workbook(write_only=True)
ws = wb.create_sheet("Expenses")
ws.append([f"Column {i}" for i in range(columns)])
start = date(2021, 1, 1)
for i in range(rows):
    base = [start + timedelta(days=i % 1800), "travel", f"Mission {i}",
            Decimal(i % 50000) / 100, "USD", None, "UN", f"R-{i}"]
    ws.append((base + [Decimal(i % 977) / 100] * columns)[:columns])
wb.save(out)
"""


def child_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(JOINTPROJECTS_DATABASE_URL=url, JOINTPROJECTS_SECRET_KEY=SECRET,
               JOINTPROJECTS_CONFIG="development", JOINTPROJECTS_REDIS_URL="",
               PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    return env


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """A whole process: wall seconds and peak RSS (MB)."""
    started = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{args} failed: {process.stderr.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


def make_app(url: str) -> Any:
    return create_app(config.DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url,
                      SECRET_KEY=SECRET)


def prepare(url: str, count: int) -> None:
    app = make_app(url)
    with app.app_context():
        sa, _ = setup(app)
        bulk_load(sa, generate(count), db.engine.dialect.name)
        db.session.commit()
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode = WAL")


def write_csv(path: Path, rows: int, offset: int = 0) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Date", "Category", "Description", "Amount", "Currency",
                         "Exchange rate", "Paid by", "Document reference"])
        for i in range(rows):
            day = START + timedelta(days=(i * 7) % DAYS)
            writer.writerow([day.isoformat(), CATEGORIES[i % len(CATEGORIES)],
                             f"Imported mission {i}", f"{(i % 49_999) + 1}.{i % 100:02d}",
                             "USD", "", ("UN", "INTERPOL", "UNODC")[i % 3],
                             f"IMP-{offset + i}"])


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_worker(env: dict[str, str], log: Path, threads: int = 1) -> subprocess.Popen:
    process = subprocess.Popen([str(BIN / "jointprojects"), "worker", "--threads",
                                str(threads)], env=env, stdout=log.open("w"),
                               stderr=subprocess.STDOUT)
    time.sleep(3)  # imported, consuming
    if process.poll() is not None:
        raise SystemExit(f"worker stopped: {log.read_text()}")
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_done(app: Any, job_ids: list[int], limit: float = 1800) -> dict[int, Any]:
    from jointprojects.jobs.models import Job

    deadline = time.monotonic() + limit
    ended: dict[int, Any] = {}
    while time.monotonic() < deadline and len(ended) < len(job_ids):
        with app.app_context():
            for job in db.session.scalars(db.select(Job).where(Job.id.in_(job_ids))):
                if job.finished and job.id not in ended:
                    ended[job.id] = (job.status, job.error, time.perf_counter(),
                                     job.started_at, job.finished_at)
            db.session.remove()
        time.sleep(0.2)
    return ended


def cost_report_job(app: Any) -> int:
    from jointprojects.auth.models import User
    from jointprojects.reporting import tasks
    from jointprojects.special_arrangements.models import SpecialArrangement

    with app.app_context():
        sa = db.session.scalar(db.select(SpecialArrangement).filter_by(reference="SA-BENCH"))
        user = db.session.scalar(db.select(User).filter_by(email="bench@example.org"))
        job = tasks.start_cost_report_job(sa, None, None, user)
        db.session.commit()
        job_id = job.id
        db.session.remove()
    return job_id


def import_job(app: Any, path: Path) -> int:
    from jointprojects.auth.models import User
    from jointprojects.reporting import tasks
    from jointprojects.special_arrangements.models import SpecialArrangement

    with app.app_context():
        sa = db.session.scalar(db.select(SpecialArrangement).filter_by(reference="SA-BENCH"))
        user = db.session.scalar(db.select(User).filter_by(email="bench@example.org"))
        job = tasks.start_import_check(sa, path.name, path.read_bytes(), user)
        db.session.commit()
        job_id = job.id
        db.session.remove()
    return job_id


# --- 1. the cost report of 1,000,000 expenses: synchronous and as a job ------------------------

def bench_cost_report_job(url: str, folder: Path) -> dict[str, float]:
    env = child_env(url)
    out = folder / "sync.xlsx"
    sync, sync_rss = timed([str(BIN / "jointprojects"), "report", "cost-split", "SA-BENCH",
                            "--out", str(out), "--no-progress"], env)
    print(f"  synchronous build (whole command): {sync:.1f} s, peak {sync_rss:.0f} MB",
          flush=True)
    app = make_app(url)
    worker = start_worker(env, folder / "worker.log")
    try:
        started = time.perf_counter()
        job_id = cost_report_job(app)
        ended = wait_done(app, [job_id])
        total = ended[job_id][2] - started
        rss = peak_rss_mb(worker.pid)
        status, error = ended[job_id][0], ended[job_id][1]
    finally:
        stop(worker)
    if status != "done":
        raise SystemExit(f"the job ended {status}: {error}")
    print(f"  as a job (created -> done, worker already running): {total:.1f} s "
          f"= {total / sync:.2f}x; worker peak RSS {rss:.0f} MB", flush=True)
    return {"sync": sync, "sync_rss": sync_rss, "job": total, "ratio": total / sync,
            "worker_rss": rss}


# --- 2. commands of 100,000 rows against a bare openpyxl script --------------------------------

def bench_commands(url: str, folder: Path, rows: int) -> dict[str, float]:
    env = child_env(url)
    floor_script = folder / "floor.py"
    floor_script.write_text(FLOOR)
    figures: dict[str, float] = {}
    # the report first: the import then adds its rows to the same arrangement
    floor15, _ = timed([sys.executable, str(floor_script), str(rows), "15",
                        str(folder / "floor15.xlsx")], env)
    report, report_rss = timed([str(BIN / "jointprojects"), "report", "cost-split",
                                "SA-BENCH", "--out", str(folder / "small.xlsx"),
                                "--no-progress"], env)
    print(f"  report cost-split {rows:,} expenses: {report:.1f} s (peak {report_rss:.0f} MB) "
          f"vs floor {floor15:.1f} s = {report / floor15:.2f}x", flush=True)
    path = folder / "import.csv"
    write_csv(path, rows)
    floor8, _ = timed([sys.executable, str(floor_script), str(rows), "8",
                       str(folder / "floor8.xlsx")], env)
    imported, imported_rss = timed([str(BIN / "jointprojects"), "import-expenses", "SA-BENCH",
                                    str(path), "--no-progress"], env)
    print(f"  import-expenses {rows:,} rows: {imported:.1f} s (peak {imported_rss:.0f} MB) "
          f"vs floor {floor8:.1f} s = {imported / floor8:.2f}x", flush=True)
    figures.update(import_s=imported, import_floor=floor8, import_rss=imported_rss,
                   report_s=report, report_floor=floor15, report_rss=report_rss)
    return figures


# --- 3. pages while jobs run --------------------------------------------------------------------

def log_in(base: str) -> urllib.request.OpenerDirector:
    """A logged-in client; raises if the login is refused."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "email": "bench@example.org",
                                   "password": PASSWORD}).encode()
    with opener.open(f"{base}/login", data=body) as answer:
        if answer.geturl().rstrip("/").endswith("/login"):
            raise SystemExit("the benchmark's login was refused")
    return opener


def sample(base: str, paths: list[str], stop_when: Any, minimum: float) -> dict[str, list]:
    """One client thread per path, each request after the previous one, until
    ``stop_when()`` (and at least ``minimum`` seconds). Every failure is counted, and the
    first of each kind kept (status or exception, with the answer's first line)."""
    times: dict[str, list] = {p: [] for p in paths}
    errors: dict[str, int] = dict.fromkeys(paths, 0)
    kinds: dict[str, dict[str, int]] = {p: {} for p in paths}
    started = time.monotonic()

    def failed(path: str, kind: str) -> None:
        errors[path] += 1
        kinds[path][kind] = kinds[path].get(kind, 0) + 1

    def run(path: str) -> None:
        opener = log_in(base)
        while time.monotonic() - started < minimum or not stop_when():
            t = time.perf_counter()
            try:
                with opener.open(base + path, timeout=60) as response:
                    response.read()
                    if response.status != 200:
                        failed(path, f"status {response.status}")
                    elif response.geturl().rstrip("/").endswith("/login"):
                        failed(path, "sent to the login page")
            except urllib.error.HTTPError as exc:
                failed(path, f"HTTP {exc.code}: {exc.read()[:120]!r}")
            except Exception as exc:  # a benchmark counts every failure
                failed(path, f"{type(exc).__name__}: {exc}"[:160])
            times[path].append(time.perf_counter() - t)

    threads = [threading.Thread(target=run, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in paths:
        if kinds[p]:
            print(f"    {p} failures: {kinds[p]}", flush=True)
    return {p: [times[p], errors[p]] for p in paths}


def p99(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def bench_pages_under_jobs(url: str, folder: Path, rows: int, port: int) -> dict[str, Any]:
    env = child_env(url)
    log = (folder / "serve.log").open("w")
    server = subprocess.Popen([str(BIN / "jointprojects"), "serve", "--host", "127.0.0.1",
                               "--port", str(port), "--no-jobs"], env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(f"{base}/health", timeout=1).read()  # noqa: S310
            break
        except OSError:
            time.sleep(0.2)
    else:
        stop(server)
        raise SystemExit(f"the server did not answer /health in 2 minutes (see {log.name})")
    paths = ["/", "/arrangements/"]
    app = make_app(url)
    worker = None
    try:
        quiet = sample(base, paths, lambda: True, 20.0)
        path = folder / "import-job.csv"
        write_csv(path, rows, offset=10_000_000)
        worker = start_worker(env, folder / "worker2.log", threads=2)
        jobs = [cost_report_job(app), import_job(app, path)]
        ended: dict[int, Any] = {}

        def finished() -> bool:
            ended.update(wait_done(app, jobs, limit=0.01))
            return len(ended) == len(jobs)

        busy = sample(base, paths, finished, 20.0)
        ended.update(wait_done(app, jobs))
    finally:
        if worker is not None:
            stop(worker)
        stop(server)
    result: dict[str, Any] = {"jobs": {j: ended.get(j, ("?", ""))[:2] for j in jobs}}
    for p in paths:
        q, b = quiet[p][0], busy[p][0]
        result[p] = {"quiet_p99": p99(q), "busy_p99": p99(b), "quiet_n": len(q),
                     "busy_n": len(b), "busy_max": max(b), "errors": quiet[p][1] + busy[p][1]}
        print(f"  {p}: p99 {p99(q) * 1000:.0f} ms quiet ({len(q)} requests) vs "
              f"{p99(b) * 1000:.0f} ms while the jobs ran ({len(b)} requests, max "
              f"{max(b) * 1000:.0f} ms, {result[p]['errors']} errors)", flush=True)
    print(f"  jobs ended: {result['jobs']}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--expenses", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=5731)
    parser.add_argument("--only", choices=("report", "commands", "pages"))
    parser.add_argument("--big-db", type=Path, default=None,
                        help="a SQLite file prepared before by this script's prepare() with "
                             "--expenses expenses, used as it is instead of preparing one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-jobs-") as tmp:
        folder = Path(tmp)
        if args.only in (None, "commands"):
            small = f"sqlite:///{folder}/small.db"
            print(f"preparing {args.rows:,} expenses ...", flush=True)
            prepare(small, args.rows)
            print("commands of 100,000 rows against a bare openpyxl script:", flush=True)
            bench_commands(small, folder, args.rows)
        if args.only in (None, "report", "pages"):
            if args.big_db is not None:
                big = f"sqlite:///{args.big_db.resolve()}"
                print(f"using {args.big_db} ({args.expenses:,} expenses)", flush=True)
            else:
                big = f"sqlite:///{folder}/big.db"
                started = time.perf_counter()
                print(f"preparing {args.expenses:,} expenses ...", flush=True)
                prepare(big, args.expenses)
                print(f"  ({time.perf_counter() - started:.0f} s)", flush=True)
            if args.only in (None, "report"):
                print(f"cost report of {args.expenses:,} expenses:", flush=True)
                bench_cost_report_job(big, folder)
            if args.only in (None, "pages"):
                print("pages while a cost report job and an import job run:", flush=True)
                bench_pages_under_jobs(big, folder, args.rows, args.port)


if __name__ == "__main__":
    main()
