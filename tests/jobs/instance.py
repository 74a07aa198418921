"""A whole jointprojects instance in processes of its own, driven like the contract smoke
test: ``jointprojects init-db``, ``demo``, ``create-token``, ``serve`` and ``worker``, each a
real process of the console script, talking to each other only through the database, the
queue (the embedded SQLite file or Redis) and HTTP."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

EXE = str(Path(sys.executable).with_name("jointprojects"))
DEMO_ADMIN = "admin@demo.jointprojects.org"
REDIS_URL = os.environ.get("JOINTPROJECTS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_or_skip() -> str:
    """The test Redis; under CI=true its absence fails rather than skips."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        if os.environ.get("CI") == "true":
            raise RuntimeError(f"Redis is required under CI=true: {exc}") from exc
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    return REDIS_URL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Instance:
    def __init__(self, folder: Path, **env: str) -> None:
        self.folder = folder
        base = {k: v for k, v in os.environ.items() if not k.startswith("JOINTPROJECTS_")}
        self.env = {**base, "JOINTPROJECTS_DATABASE_URL": f"sqlite:///{folder}/app.db",
                    "JOINTPROJECTS_SECRET_KEY": "instance-secret-" + folder.name, **env}
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []
        self.token = ""

    def cli(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([EXE, *args], env=self.env, cwd=self.folder, capture_output=True,
                              text=True, timeout=timeout, check=False)

    def prepare(self) -> None:
        """Schema, reference data, the demo portfolio and an admin's API token."""
        for args in (["init-db"], ["demo"]):
            result = self.cli(*args)
            assert result.returncode == 0, result.stderr[-2000:]
        result = self.cli("create-token", DEMO_ADMIN)
        assert result.returncode == 0, result.stderr[-2000:]
        self.token = result.stdout.strip().splitlines()[-1]

    def spawn(self, *args: str) -> subprocess.Popen[bytes]:
        log = self.folder / f"process-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            process = subprocess.Popen([EXE, *args], env=self.env, cwd=self.folder,
                                       stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.processes.append(process)
        return process

    def serve(self, *args: str) -> str:
        """Start ``jointprojects serve`` on a free port; its base URL once it answers."""
        port = free_port()
        process = self.spawn("serve", "--host", "127.0.0.1", "--port", str(port), *args)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), \
                    urllib.request.urlopen(base + "/health", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    return base
            assert process.poll() is None, self.output()
            time.sleep(0.2)
        raise AssertionError("serve did not answer within 60 s\n" + self.output())

    def output(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}"
                         for log in self.logs if log.exists())

    def call(self, base: str, method: str, path: str, body: Any = None,
             token: str | None = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(base + path, data=data, method=method)  # noqa: S310
        request.add_header("Authorization", f"Bearer {self.token if token is None else token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=60) as r:  # noqa: S310
                raw, status, kind = r.read(), r.status, r.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            raw, status, kind = e.read(), e.code, e.headers.get("Content-Type", "")
        return status, (json.loads(raw or b"null") if "json" in kind else raw)

    def wait_for_job(self, base: str, job_id: int, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        state: dict[str, Any] = {}
        while time.monotonic() < deadline:
            status, state = self.call(base, "GET", f"/api/v1/jobs/{job_id}")
            assert status == 200, state
            if state["status"] in ("done", "failed", "cancelled"):
                return state
            time.sleep(0.3)
        raise AssertionError(f"job {job_id} still {state.get('status')}\n" + self.output())

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        self.processes.clear()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
