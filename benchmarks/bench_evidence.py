"""The cost of the evidence chain (issue 14, docs/EVIDENCE.md), measured on what users run,
each beside its floor measured in the same run. Prints figures; not a test.

- ``record``: recording one expense through the request path (``POST
  /api/v1/arrangements/<ref>/expenses`` through the Flask test client: token, validation,
  allocation, totals, the audit row, commit), median of many requests, with the chain and
  without it (the floor: :func:`jointprojects.audit.services.link` replaced by one that
  writes constant links, so no chain-head lock and no SHA-256), in alternating rounds on the
  same database.
- ``import``: the whole ``jointprojects import-expenses REF FILE.csv`` process on N rows (by
  default 100,000), each run on a fresh database, with the chain and without it.
- ``verify``: the whole ``jointprojects evidence REF --out F`` and ``jointprojects verify
  F.zip`` processes on the arrangement of those N expenses (imported with the chain), and
  ``jointprojects verify --database``.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_evidence.py [--rows 100000] [--requests 200]
        [--only sqlite|postgres] [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

The chain is switched off only inside this script's own processes (``--no-chain``), never
by the application.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_reporting import (  # noqa: E402 - after the path is set
    PG_URL,
    REFERENCE,
    database,
    make_app,
    make_file,
    setup,
)

GENESIS = "0" * 64


def no_chain() -> None:
    """The floor: audit rows written exactly as before, with constant links instead of the
    chain (no head row read or locked, no hash computed)."""
    from jointprojects.audit import services

    def link(connection: Any, rows: Any) -> None:
        for row in rows:
            row["prev_hash"] = row["hash"] = GENESIS

    services.link = link  # type: ignore[assignment]


def env(url: str, folder: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "JOINTPROJECTS_DATABASE_URL": url,
            "JOINTPROJECTS_SECRET_KEY": "benchmark-secret-key-0123456789",
            "JOINTPROJECTS_SIGNING_KEY": f"{folder}/signing_key.pem"}


def cli(url: str, folder: str, *args: str, chain: bool = True) -> tuple[float, str]:
    """Run the ``jointprojects`` command (through this script, which can switch the chain
    off first) as a process: its wall time and its last line of output."""
    command = [sys.executable, __file__, "--cli", *([] if chain else ["--no-chain"]), "--",
               *args]
    start = time.perf_counter()
    done = subprocess.run(command, check=False, capture_output=True, text=True,
                          env=env(url, folder))
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {done.stderr.strip()[-500:]}")
    return seconds, (done.stdout.strip().splitlines() or [""])[-1]


def case_record(url: str, token: str, requests: int) -> dict[str, float]:
    from jointprojects.audit import services

    app = make_app(url)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    chained = services.link
    times: dict[bool, list[float]] = {True: [], False: []}
    rounds = 10
    for i in range(requests):
        chain = (i // (requests // rounds)) % 2 == 0
        if chain:
            services.link = chained
        else:
            no_chain()
        body = {"date": "2026-03-02", "category": "travel", "amount": f"{100 + i}.00",
                "currency": "USD", "paid_by": "UN", "description": "Mission",
                "document_reference": f"REQ-{i}"}
        start = time.perf_counter()
        response = client.post(f"/api/v1/arrangements/{REFERENCE}/expenses", json=body,
                               headers=headers)
        times[chain].append(time.perf_counter() - start)
        assert response.status_code == 201, response.get_data(as_text=True)[:300]
    services.link = chained
    return {"with": statistics.median(times[True]) * 1000,
            "without": statistics.median(times[False]) * 1000}


def bench(kind: str, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        csv_path = f"{folder}/expenses.csv"
        make_file(args.rows, csv_path)
        imports: dict[bool, list[float]] = {True: [], False: []}
        order = [True, False, False, True][:2 * args.repeat]
        for i, chain in enumerate(order):
            sub = f"{folder}/run{i}"
            os.mkdir(sub)
            with database(kind, args.pg_url, sub) as url:
                token = setup(url)
                seconds, line = cli(url, sub, "import-expenses", REFERENCE, csv_path,
                                    chain=chain)
                imports[chain].append(seconds)
                print(f"  import {'with' if chain else 'without'} the chain: {seconds:.1f} s"
                      f" ({line[:60]})", flush=True)
                if i == 0:  # the chained database: the verifier, then the request path
                    bundle = f"{sub}/bundle.zip"
                    build, _ = cli(url, sub, "evidence", REFERENCE, "--out", bundle)
                    check, verdict = cli(url, sub, "verify", bundle)
                    live, live_verdict = cli(url, sub, "verify", "--database")
                    size = Path(bundle).stat().st_size / 1e6
                    print(f"  evidence (bundle of {size:.0f} MB): {build:.1f} s; verify "
                          f"bundle: {check:.1f} s ({verdict[:70]}); verify --database: "
                          f"{live:.1f} s ({live_verdict[:40]})", flush=True)
                    record = case_record(url, token, args.requests)
                    print(f"  record one expense: {record['with']:.1f} ms with the chain, "
                          f"{record['without']:.1f} ms without "
                          f"({record['with'] / record['without'] - 1:+.1%})", flush=True)
        with_chain = statistics.median(imports[True])
        without = statistics.median(imports[False])
        print(f"{kind}: import of {args.rows:,} rows {with_chain:.1f} s with the chain, "
              f"{without:.1f} s without ({with_chain / without - 1:+.1%})", flush=True)


def main() -> None:
    if "--cli" in sys.argv:
        rest = sys.argv[sys.argv.index("--") + 1:]
        if "--no-chain" in sys.argv[:sys.argv.index("--")]:
            no_chain()
        from jointprojects.cli import main as jointprojects

        sys.argv = ["jointprojects", *rest]
        jointprojects()
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=2, choices=[1, 2],
                        help="imports per variant (fresh database each)")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--pg-url", default=PG_URL)
    args = parser.parse_args()
    for kind in ("sqlite", "postgres"):
        if args.only in (None, kind):
            print(f"{kind}:", flush=True)
            bench(kind, args)


if __name__ == "__main__":
    main()
