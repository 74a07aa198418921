"""Upload and download a 20 MB PDF through the running application (``jointprojects serve``,
waitress) on SQLite and PostgreSQL: throughput, and the server process's peak memory (VmHWM,
its peak resident set) before and after, beside a floor measured in the same run (the same
round trip with a 10 kB PDF, after which the baseline is read).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_documents.py   # --size, --runs, --only, --pg-url

Standard library only on the client side: the upload is streamed from a file on disk.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import json
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

CLI = str(Path(__file__).resolve().parent.parent / ".venv" / "bin" / "jointprojects")
BOUNDARY = "bench-" + secrets.token_hex(8)


def vm_hwm_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def make_body(path: Path, size: int) -> tuple[int, str]:
    head = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            'filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n').encode()
    h = hashlib.sha256()
    with path.open("wb") as out:
        out.write(head)
        pdf = b"%PDF-1.4\n"
        out.write(pdf)
        h.update(pdf)
        left, block = size - len(pdf), os.urandom(1 << 20)
        while left > 0:
            part = block[:left]
            out.write(part)
            h.update(part)
            left -= len(part)
        out.write(f"\r\n--{BOUNDARY}--\r\n".encode())
    return path.stat().st_size, h.hexdigest()


class Server:
    def __init__(self, url: str, folder: Path) -> None:
        self.env = dict(os.environ, JOINTPROJECTS_DATABASE_URL=url,
                        JOINTPROJECTS_SECRET_KEY="bench-" + secrets.token_hex(8))
        self.folder = folder

    def cli(self, *args: str) -> str:
        r = subprocess.run([CLI, *args], env=self.env, cwd=self.folder, capture_output=True,
                           text=True, check=True, timeout=300)
        return r.stdout

    def start(self) -> None:
        self.cli("init-db")
        self.cli("create-user", "bench@example.org", "--role", "admin", "--organization", "UN",
                 "--password", "Bench-Amber-Harbor-5820!")
        self.token = self.cli("create-token", "bench@example.org").strip().splitlines()[-1]
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = subprocess.Popen([CLI, "serve", "--port", str(self.port)], env=self.env,
                                     cwd=self.folder, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(150):
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)

    def request(self, method: str, path: str, body: object = None, headers: dict | None = None,
                sink: bool = False) -> tuple[int, object]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        hdrs = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=hdrs)
        response = conn.getresponse()
        if sink:
            h, n = hashlib.sha256(), 0
            while block := response.read(1 << 20):
                h.update(block)
                n += len(block)
            conn.close()
            return response.status, (h.hexdigest(), n)
        data = response.read()
        conn.close()
        return response.status, json.loads(data) if data[:1] in (b"{", b"[") else data

    def setup(self) -> None:
        self.request("POST", "/api/v1/projects", {
            "code": "P-B", "title": "Bench", "areas": ["a"], "lead_organization": "UN",
            "start_date": "2025-01-01"})
        s, _ = self.request("POST", "/api/v1/arrangements", {
            "reference": "SA-B", "project": "P-B", "title": "Bench", "kind": "joint_action",
            "parties": ["UN", "INTERPOL"], "currency": "USD", "start_date": "2025-01-01",
            "modalities": [{"organization": "UN", "role": "a", "responsibilities": "b"},
                           {"organization": "INTERPOL", "role": "a", "responsibilities": "b"}],
            "shares": [{"organization": "UN", "percent": "50"},
                       {"organization": "INTERPOL", "percent": "50"}]})
        assert s == 201, s

    def round_trip(self, body_path: Path, length: int, sha: str) -> tuple[float, float]:
        started = time.perf_counter()
        with body_path.open("rb") as body:
            s, doc = self.request("POST", "/api/v1/arrangements/SA-B/documents", body, {
                "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
                "Content-Length": str(length)})
        upload = time.perf_counter() - started
        assert s == 201, (s, doc)
        assert isinstance(doc, dict) and doc["sha256"] == sha, doc
        started = time.perf_counter()
        s, got = self.request("GET", f"/api/v1/documents/{doc['id']}/content", sink=True)
        download = time.perf_counter() - started
        assert s == 200 and isinstance(got, tuple) and got[0] == sha, (s, got)
        return upload, download


def run(name: str, url: str, folder: Path, size: int, runs: int) -> None:
    server = Server(url, folder)
    server.start()
    try:
        server.setup()
        small_len, small_sha = make_body(folder / "small.bin", 10_000)
        server.round_trip(folder / "small.bin", small_len, small_sha)  # the floor
        floor = vm_hwm_kb(server.proc.pid)
        times = []
        for i in range(runs):
            path = folder / f"big{i}.bin"
            length, sha = make_body(path, size)  # different bytes each run: no deduplication
            times.append(server.round_trip(path, length, sha))
            path.unlink()
        peak = vm_hwm_kb(server.proc.pid)
    finally:
        server.stop()
    up = sorted(t[0] for t in times)[len(times) // 2]
    down = sorted(t[1] for t in times)[len(times) // 2]
    mb = size / 1e6
    print(f"{name:10} upload {mb / up:7.1f} MB/s ({up:.2f} s)  download {mb / down:7.1f} MB/s "
          f"({down:.2f} s)  peak RSS floor {floor / 1024:.1f} MiB -> {peak / 1024:.1f} MiB "
          f"(+{(peak - floor) / 1024:.1f} MiB)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=20_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    if args.only in (None, "sqlite"):
        folder = Path(tempfile.mkdtemp(prefix="bench-docs-"))
        try:
            run("sqlite", f"sqlite:///{folder}/app.db", folder, args.size, args.runs)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if args.only in (None, "postgres"):
        from sqlalchemy import create_engine, text

        name = "bench_docs_" + secrets.token_hex(4)
        admin = create_engine(args.pg_url.replace("postgresql://", "postgresql+psycopg://"),
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        folder = Path(tempfile.mkdtemp(prefix="bench-docs-"))
        try:
            run("postgres", args.pg_url.rsplit("/", 1)[0] + f"/{name}", folder, args.size,
                args.runs)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
