"""Benchmark of what is awaited (issue 16): the inbox's JSON twin and a page with the
navigation badge, on the demo portfolio and on a large one, beside floors of the same run.

The large portfolio is the dashboard benchmark's (``bench_dashboard.prepare``: 10,000
arrangements in every state, 1,000,000 expenses, 5,000 exchanges by default), served by
``jointprojects serve`` on 127.0.0.1; the demo is ``jointprojects demo``. Each is read by a UN
programme manager (signatures, consents and approvals awaited) and a UN finance user.
Floors measured in the same run, on the same server: ``/health`` (the server's own ceiling)
and ``GET /api/v1/organizations`` (a signed-in JSON request that reads one small table: the
token check, the session, the JSON). The difference is the cost of the awaited items.
Not a test.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_inbox.py                   # both databases
    PYTHONPATH=. .venv/bin/python benchmarks/bench_inbox.py --db sqlite --duration 5 \\
        --arrangements 1000 --expenses 100000 --exchanges 500                  # a quick look
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_dashboard import (  # noqa: E402 - the path above
    DATA,
    PASSWORD,
    PG_ADMIN_URL,
    free_port,
    load,
    log_in,
    prepare,
    run_cli,
    start_server,
)

PM = "bench.pm@example.org"
FIN = "bench.finance@example.org"


def _count(base: str, headers: dict[str, str]) -> dict[str, int]:
    request = urllib.request.Request(base + "/api/v1/inbox", headers=headers)  # noqa: S310
    with urllib.request.urlopen(request) as response:  # noqa: S310 - http://127.0.0.1
        body = json.loads(response.read())
    return {"to_do": len(body["to_do"]), "for_information": len(body["for_information"])}


def measure(kind: str, portfolio: str, url: str, env: dict[str, str],
            args: argparse.Namespace) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path(tempfile.gettempdir()) / f"bench_inbox_{kind}_{portfolio}.log"
    server = start_server(env, port, log, 1)
    try:
        rows: list[tuple[str, str, dict[str, str]]] = [("floor: /health", "/health", {})]
        for who, email in (("programme manager", PM), ("finance", FIN)):
            token = run_cli(env, "create-token", email).strip().splitlines()[-1]
            bearer = {"Authorization": f"Bearer {token}"}
            cookie = {"Cookie": log_in(base, email)}
            print(f"   {who}: {_count(base, bearer)}", flush=True)
            rows += [
                (f"floor: {who} /api/v1/organizations", "/api/v1/organizations", bearer),
                (f"{who} /api/v1/inbox", "/api/v1/inbox", bearer),
                (f"{who} /calendar/ (page + badge)", "/calendar/", cookie),
                (f"{who} /inbox/ (page + badge)", "/inbox/", cookie),
            ]
        for _, path, headers in rows:
            load(base, path, headers, 1, 1)  # warm up
        print(f"   {kind} {portfolio}, 1 connection, {args.duration:g} s each (ms):")
        for label, path, headers in rows:
            r = load(base, path, headers, 1, args.duration)
            print(f"     {label:<46} p50 {r['p50']:7.1f}  p95 {r['p95']:7.1f}  "
                  f"({r['requests']:,} requests, {r['errors']} errors)", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=20)


def _users(env: dict[str, str]) -> None:
    for email, role in ((PM, "programme_manager"), (FIN, "finance")):
        with contextlib.suppress(SystemExit):  # there already (the large portfolio's finance)
            run_cli(env, "create-user", email, "--role", role, "--organization", "UN",
                    "--password", PASSWORD)


def bench(kind: str, args: argparse.Namespace) -> None:
    from sqlalchemy import create_engine, text

    for portfolio in ("demo", "large"):
        drop = None
        if kind == "sqlite":
            DATA.mkdir(parents=True, exist_ok=True)
            path = DATA / f"bench_inbox_{portfolio}.db"
            path.unlink(missing_ok=True)
            url = f"sqlite:///{path}"
        else:
            name = f"jp_bench_inbox_{os.getpid()}_{portfolio}"
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

            def drop(name: str = name, admin: Any = admin) -> None:
                with admin.connect() as conn:
                    conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                      "WHERE datname = :n"), {"n": name})
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                admin.dispose()

        env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTPROJECTS_")}
        env.update(JOINTPROJECTS_DATABASE_URL=url.replace("postgresql+psycopg://",
                                                          "postgresql://"),
                   JOINTPROJECTS_SECRET_KEY=secrets.token_hex(24),
                   JOINTPROJECTS_CONFIG="production", JOINTPROJECTS_INSECURE_COOKIES="1")
        try:
            if portfolio == "demo":
                run_cli(env, "init-db")
                run_cli(env, "demo")
            else:
                print(f"\n== {kind}: loading {args.arrangements:,} arrangements, "
                      f"{args.expenses:,} expenses, {args.exchanges:,} exchanges", flush=True)
                prepare(url, env, (args.arrangements, args.expenses, args.exchanges))
            _users(env)
            measure(kind, portfolio, url, env, args)
        finally:
            if drop is not None:
                drop()
            elif kind == "sqlite":
                (DATA / f"bench_inbox_{portfolio}.db").unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--arrangements", type=int, default=10_000)
    parser.add_argument("--expenses", type=int, default=1_000_000)
    parser.add_argument("--exchanges", type=int, default=5_000)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per run")
    args = parser.parse_args()
    for kind in (("sqlite", "postgres") if args.db == "both" else (args.db,)):
        bench(kind, args)


if __name__ == "__main__":
    main()
