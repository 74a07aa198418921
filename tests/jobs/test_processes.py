"""Several processes serving (issue 15): two ``jointprojects serve`` instances on one
PostgreSQL database and one Redis, the first with gunicorn (two web processes) running the
jobs, the second with waitress running none. A login made through one holds on the other,
expenses written through both at once are all there with the right totals, and a job
started through one is followed and downloaded through the other."""

from __future__ import annotations

import http.cookiejar
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import redis

from jointprojects.demo import DEMO_PASSWORD
from tests.conftest import _create_pg_database, csrf_from
from tests.jobs.instance import Instance, redis_or_skip

REFERENCE = "SA-2024-001"


@pytest.fixture()
def shared(tmp_path: Path) -> Iterator[Instance]:
    url = redis_or_skip()
    database, drop = _create_pg_database()
    name = f"jp-two-{secrets.token_hex(6)}"
    instance = Instance(tmp_path, JOINTPROJECTS_DATABASE_URL=database,
                        JOINTPROJECTS_REDIS_URL=url, JOINTPROJECTS_QUEUE_NAME=name)
    try:
        yield instance
    finally:
        instance.remove()
        drop()
        client = redis.Redis.from_url(url)
        client.delete(*(client.keys(f"huey.*.{name.replace('-', '')}*") or ["-"]))


class Browser:
    """A browser with its own cookie jar, pointed at any of the servers."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, url: str) -> tuple[int, str]:
        with self.opener.open(url, timeout=30) as response:
            return response.status, response.read().decode()

    def post(self, url: str, data: dict[str, str]) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(url, data=body)  # noqa: S310 - our own http server
        with self.opener.open(request, timeout=30) as response:
            return response.status, response.read().decode()


def _expense(i: int) -> dict[str, Any]:
    return {"date": "2025-03-10", "category": "travel", "description": f"Concurrent {i}",
            "amount": "10.00", "currency": "USD", "paid_by": "UN" if i % 2 else "INTERPOL"}


def test_two_servers_on_one_database_and_one_redis(shared: Instance) -> None:
    shared.prepare()
    first = shared.serve("--workers", "2", "--jobs")  # gunicorn, jobs run in its processes
    second = shared.serve("--workers", "1", "--no-jobs")  # waitress, no jobs
    log = shared.output()
    assert "2 web processes (gunicorn)" in log and "Redis queue" in log

    # a login through the first holds on the second (sessions are rows of the database)
    browser = Browser()
    _, page = browser.get(first + "/login")
    status, page = browser.post(first + "/login", {
        "csrf_token": csrf_from(page), "email": "finance.un@demo.jointprojects.org",
        "password": DEMO_PASSWORD})
    assert status == 200 and "Log out" in page
    status, page = browser.get(second + "/expenses/")
    assert status == 200 and "Log out" in page and 'name="password"' not in page

    # expenses written through both servers at once: none lost, the split still exact
    path = f"/api/v1/arrangements/{REFERENCE}/cost-split"
    before = shared.call(first, "GET", path)[1]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(
            lambda i: shared.call((first, second)[i % 2], "POST",
                                  f"/api/v1/arrangements/{REFERENCE}/expenses", _expense(i)),
            range(24)))
    assert [status for status, _ in answers] == [201] * 24, answers
    for base in (first, second):
        after = shared.call(base, "GET", path)[1]
        assert after["expense_count"] == before["expense_count"] + 24
        assert Decimal(after["total"]) == Decimal(before["total"]) + Decimal("240.00")
        shares = sum(Decimal(o["share"]) for o in after["organizations"])
        paid = sum(Decimal(o["paid"]) for o in after["organizations"])
        assert shares + Decimal(after["unallocated"]) == Decimal(after["total"]) == paid

    # a job started through the second (which runs none) is run by the first's processes,
    # followed and downloaded through either
    status, job = shared.call(second, "POST", f"/api/v1/arrangements/{REFERENCE}/cost-report-jobs",
                              {})
    assert status == 202
    state = shared.wait_for_job(first, int(job["id"]))
    assert state["status"] == "done", state
    status, content = shared.call(second, "GET", state["result_url"])
    assert status == 200 and content[:2] == b"PK"
    # the page of the job, through the browser logged in on the first server: another user's
    status, page = _status(browser, second + f"/jobs/{job['id']}")
    assert status == 404
    assert re.search(r"/jobs/", browser.get(second + "/jobs/")[1])


def _status(browser: Browser, url: str) -> tuple[int, str]:
    try:
        return browser.get(url)
    except urllib.error.HTTPError as error:
        return error.code, ""


@pytest.fixture()
def realloc_shared(tmp_path: Path) -> Iterator[Instance]:
    """One PostgreSQL database and one Redis, every amendment re-allocating as a job."""
    url = redis_or_skip()
    database, drop = _create_pg_database()
    name = f"jp-realloc-{secrets.token_hex(6)}"
    instance = Instance(tmp_path, JOINTPROJECTS_DATABASE_URL=database,
                        JOINTPROJECTS_REDIS_URL=url, JOINTPROJECTS_QUEUE_NAME=name,
                        JOINTPROJECTS_REALLOCATION_JOB_THRESHOLD="-1")
    try:
        yield instance
    finally:
        instance.remove()
        drop()
        client = redis.Redis.from_url(url)
        client.delete(*(client.keys(f"huey.*.{name.replace('-', '')}*") or ["-"]))


def test_a_reallocation_job_holds_the_writes_of_every_process(
        realloc_shared: Instance) -> None:
    shared = realloc_shared
    shared.prepare()
    first = shared.serve("--workers", "1", "--no-jobs")
    second = shared.serve("--workers", "1", "--no-jobs")
    base = f"/api/v1/arrangements/{REFERENCE}"
    status, amendment = shared.call(first, "POST", f"{base}/amendments", {
        "effective_date": "2025-03-01", "reason": "Revised contributions",
        "shares": [{"organization": "UN", "percent": "50"},
                   {"organization": "INTERPOL", "percent": "50"}]})
    assert status == 201, amendment
    for code in ("UN", "INTERPOL"):
        status, body = shared.call(first, "POST",
                                   f"{base}/amendments/{amendment['number']}/consents",
                                   {"organization": code, "date": "2025-03-01"})
        assert status == 201, body
    # the last consent, through the first server, queued the re-allocation: a write through
    # the second answers 409 naming the job; reads go on
    status, body = shared.call(second, "POST", f"{base}/expenses", _expense(1))
    assert status == 409, body
    found = re.search(r"Re-allocation in progress \(job (\d+)\)", body["errors"][0]["message"])
    assert found, body
    assert shared.call(second, "GET", f"{base}/expenses")[0] == 200
    # a worker, a process of its own, runs it; then both servers take writes again
    shared.spawn("worker")
    # every re-allocation of the arrangement ends: the one this consent queued, and the one
    # the demo's own amendment queued when it was loaded (the threshold is -1 here)
    status, mine = shared.call(second, "GET", "/api/v1/jobs")
    assert status == 200, mine
    ours = {job["id"] for job in mine if job["kind"] == "reallocation"}
    assert ours, mine
    for job_id in sorted(ours | {int(found.group(1))}):
        state = shared.wait_for_job(second, job_id)
        assert state["status"] == "done", state
    for server in (first, second):
        status, body = shared.call(server, "POST", f"{base}/expenses", _expense(2))
        assert status == 201, body
    status, split = shared.call(first, "GET", f"{base}/cost-split")
    shares = sum(Decimal(o["share"]) for o in split["organizations"])
    assert shares + Decimal(split["unallocated"]) == Decimal(split["total"])
