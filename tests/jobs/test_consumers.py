"""Real consumers (issue 15): the embedded queue consumed by ``jointprojects serve`` itself
(``make run``), and Redis consumed by ``jointprojects worker`` processes while the server
runs none (``serve --no-jobs``). Each instance is its own processes on its own database."""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
import redis

from tests.jobs.instance import Instance, redis_or_skip


@pytest.fixture()
def instance(tmp_path: Path) -> Iterator[Instance]:
    made = Instance(tmp_path)
    try:
        yield made
    finally:
        made.remove()


def _clean(name: str) -> str:
    """Huey's Redis key for a queue name (letters, digits and _ only)."""
    return re.sub(r"[^A-Za-z0-9_]", "", name)


def _report_job(instance: Instance, base: str) -> dict[str, object]:
    status, job = instance.call(base, "POST", "/api/v1/arrangements/SA-2024-001/cost-report-jobs",
                                {})
    assert status == 202, job
    assert job["status"] == "queued" and job["url"] == f"/api/v1/jobs/{job['id']}"
    state = instance.wait_for_job(base, int(job["id"]))
    assert state["status"] == "done", state
    status, content = instance.call(base, "GET", state["result_url"])
    assert status == 200
    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    assert "Expenses" in wb.sheetnames
    wb.close()
    return state


def test_the_embedded_queue_is_consumed_by_the_server_itself(instance: Instance) -> None:
    instance.prepare()
    base = instance.serve()
    state = _report_job(instance, base)
    assert state["progress"] == 100
    log = instance.output()
    assert "Jobs: embedded queue in" in log and "run by this server" in log
    assert (instance.folder / "app.db.queue").exists()


def test_redis_workers_run_the_jobs_of_a_server_that_runs_none(tmp_path: Path) -> None:
    url = redis_or_skip()
    name = f"jp-test-{secrets.token_hex(6)}"
    instance = Instance(tmp_path, JOINTPROJECTS_REDIS_URL=url, JOINTPROJECTS_QUEUE_NAME=name)
    try:
        instance.prepare()
        base = instance.serve("--no-jobs")
        assert "run by `jointprojects worker` processes" in instance.output()
        # nobody consumes yet: the job waits in Redis
        status, job = instance.call(base, "POST",
                                    "/api/v1/arrangements/SA-2024-001/cost-report-jobs", {})
        assert status == 202
        assert redis.Redis.from_url(url).llen(f"huey.redis.{_clean(name)}") == 1
        assert instance.call(base, "GET", job["url"])[1]["status"] == "queued"
        for _ in range(2):  # two workers share the queue
            instance.spawn("worker")
        state = instance.wait_for_job(base, int(job["id"]))
        assert state["status"] == "done", state
        second = _report_job(instance, base)
        assert second["status"] == "done"
        # the workers' first line (output() keeps only each log's last 3,000 characters,
        # which the queue's mail tasks can fill)
        assert any("jobs from the Redis queue" in log.read_text(errors="replace")
                   for log in instance.logs if log.exists()), instance.output()
    finally:
        instance.remove()
        client = redis.Redis.from_url(url)
        client.delete(*(client.keys(f"huey.*.{_clean(name)}*") or ["-"]))
