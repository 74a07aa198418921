"""Mail (issue 16) on a portfolio with many things awaited: the whole ``jointprojects
notify`` path (what the five-minute periodic job and the command line run) beside its floor
measured in the same run, and the cost the after-write hook adds to a user's request.

On a throwaway SQLite file: the demo portfolio, ``--drafts`` more drafts signed by UN (each
awaiting INTERPOL's signature) and ``--users`` INTERPOL programme managers, so the first run
makes drafts x users messages, delivered to an SMTP server (aiosmtpd) on 127.0.0.1:5761
that accepts and counts them.

  * (a) ``jointprojects notify`` as a process, the first time: awaited items, one
    announcement row and one message per (event, recipient), each delivered (an .eml file);
  * (b) the same command again: nothing new (the floor of every periodic run: start, compute
    what is awaited, compare with what was announced);
  * (c) ``jointprojects notify --help``: the process start alone;
  * (d) a signature recorded through the API with the after-write hook on and off (it only
    puts a message on the embedded queue, nobody consuming it here; the mail is the queue's
    work).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_mail.py   # --drafts 200 --users 20 --runs 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiosmtpd.controller import Controller

import config
from jointprojects import create_app
from jointprojects.auth.services import create_token, create_user
from jointprojects.demo import load_demo
from jointprojects.extensions import db
from jointprojects.organizations.services import load_reference_data
from jointprojects.special_arrangements import services as arrangements
from jointprojects.special_arrangements.services import ArrangementData, ShareData

EXE = str(Path(sys.executable).with_name("jointprojects"))
SECRET = "bench-mail-secret-key"  # noqa: S105 - a throwaway instance


class Counting:
    def __init__(self) -> None:
        self.received: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(envelope.content)
        return "250 OK"


def _prepare(folder: Path, drafts: int, users: int) -> dict[str, str]:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("JOINTPROJECTS_")},
           "JOINTPROJECTS_DATABASE_URL": f"sqlite:///{folder}/app.db",
           "JOINTPROJECTS_SECRET_KEY": SECRET,
           "JOINTPROJECTS_SMTP_URL": "smtp://127.0.0.1:5761"}
    subprocess.run([EXE, "init-db"], env=env, cwd=folder, check=True, capture_output=True)
    app = create_app(config.DevelopmentConfig,
                     SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/app.db",
                     SECRET_KEY=SECRET)
    app.instance_path = str(folder / "instance")
    with app.app_context():
        load_reference_data()
        load_demo()
        db.session.commit()
        admin = create_user("bench-admin@example.org", "correct-horse-battery", "admin", "UN")
        for i in range(users):
            create_user(f"pm{i}.interpol@example.org", "correct-horse-battery",
                        "programme_manager", "INTERPOL")
        db.session.commit()
        for i in range(drafts):
            sa = arrangements.create_arrangement(ArrangementData(
                reference=f"SA-B-{i:04d}", project="JP-2024-001", title=f"Bench {i}",
                kind="joint_action", parties=["UN", "INTERPOL"], currency="USD",
                start_date=date(2025, 1, 1),
                shares=[ShareData("UN", "50"), ShareData("INTERPOL", "50")]), admin)
            arrangements.sign(sa, "UN", date(2025, 1, 2), admin, "A. Guterres", "SG")
        db.session.commit()
        env["BENCH_TOKEN"] = create_token(admin.email)
        db.session.commit()
    return env


def _run(env: dict[str, str], folder: Path, *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run([EXE, *args], env=env, cwd=folder, capture_output=True, text=True,
                            check=False)
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr[-2000:]
    return elapsed, result.stdout.strip()


def _signature_ms(env: dict[str, str], folder: Path, hook: bool, runs: int) -> list[float]:
    app = create_app(config.DevelopmentConfig, MAIL_ANNOUNCE_AFTER_WRITES=hook,
                     SQLALCHEMY_DATABASE_URI=env["JOINTPROJECTS_DATABASE_URL"],
                     SECRET_KEY=SECRET)
    app.instance_path = str(folder / "instance")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {env['BENCH_TOKEN']}"}
    times = []
    for i in range(runs):
        reference = f"SA-S-{int(hook)}-{i:03d}"
        body: dict[str, Any] = {
            "reference": reference, "project": "JP-2024-001", "title": "Signature bench",
            "parties": ["UN", "INTERPOL"], "currency": "USD", "start_date": "2025-01-01",
            "shares": [{"organization": "UN", "percent": "50"},
                       {"organization": "INTERPOL", "percent": "50"}]}
        assert client.post("/api/v1/arrangements", json=body, headers=headers).status_code == 201
        started = time.perf_counter()
        response = client.post(f"/api/v1/arrangements/{reference}/signatures", headers=headers,
                               json={"organization": "UN", "date": "2025-01-10"})
        times.append(time.perf_counter() - started)
        assert response.status_code == 201, response.get_data(as_text=True)
    return times


def _ms(times: list[float]) -> str:
    return (f"median {statistics.median(times) * 1000:.1f} ms (min {min(times) * 1000:.1f}, "
            f"max {max(times) * 1000:.1f}, {len(times)} runs)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--drafts", type=int, default=200)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    handler = Counting()
    controller = Controller(handler, hostname="127.0.0.1", port=5761)
    controller.start()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = _prepare(folder, args.drafts, args.users)
        first, out = _run(env, folder, "notify")
        print(f"(a) notify, first run: {first:.2f} s: {out}")
        again = [_run(env, folder, "notify")[0] for _ in range(args.runs)]
        print(f"(b) notify, nothing new: {_ms(again)}")
        start = [_run(env, folder, "notify", "--help")[0] for _ in range(args.runs)]
        print(f"(c) process start (notify --help): {_ms(start)}")
        print(f"    messages received by the SMTP server: {len(handler.received)}")
        off = _signature_ms(env, folder, False, args.runs * 4)
        on = _signature_ms(env, folder, True, args.runs * 4)
        print(f"(d) POST .../signatures, hook off: {_ms(off)}")
        print(f"    POST .../signatures, hook on:  {_ms(on)}")
    controller.stop()


if __name__ == "__main__":
    main()
