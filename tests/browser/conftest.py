"""Browser tests: Playwright driving Debian's Chromium against ``jointprojects serve``.

The application runs as it does in production: the console script serves a SQLite file
prepared with ``jointprojects init-db`` and ``jointprojects demo`` on 127.0.0.1 and a free
port. One browser for the whole session, a fresh context (cookies) per test. A failing test
leaves a screenshot under ``test-artifacts/``.

They test the web interface, not the database: the PostgreSQL pass of the suite skips them
(the SQLite pass runs them). Under ``CI=true`` a missing Chromium fails the run.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CI = os.environ.get("CI") == "true"
DEMO_PASSWORD = "demo-password-2026"  # jointprojects.demo.DEMO_PASSWORD
USERS = {
    "admin": "admin@demo.jointprojects.org",
    "programme_manager": "pm.un@demo.jointprojects.org",
    "programme_manager_interpol": "pm.interpol@demo.jointprojects.org",
    "finance": "finance.un@demo.jointprojects.org",
    "leadership": "leadership@demo.jointprojects.org",
    "finance_interpol": "finance.interpol@demo.jointprojects.org",
}


def _unavailable(reason: str) -> None:
    if CI:
        pytest.fail(f"{reason}: the browser tests must run under CI=true", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> str:
    if os.environ.get("JOINTPROJECTS_TEST_DB", "sqlite") == "postgres":
        pytest.skip("browser tests exercise the web interface against their own SQLite "
                    "server; they run in the SQLite pass of the suite")
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _command(name: str) -> str:
    """The console script installed next to this interpreter."""
    path = Path(sys.executable).with_name(name)
    return str(path) if path.exists() else name


@pytest.fixture(scope="session")
def server(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``jointprojects serve`` on a demo database; yields its base URL."""
    folder = tmp_path_factory.mktemp("browser-server")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTPROJECTS_")}
    env.update(JOINTPROJECTS_DATABASE_URL=f"sqlite:///{folder / 'jointprojects.db'}",
               JOINTPROJECTS_SECRET_KEY=secrets.token_hex(24))
    cli = _command("jointprojects")
    for step in ("init-db", "demo"):
        subprocess.run([cli, step], env=env, check=True, capture_output=True, timeout=120)
    port = _free_port()
    log = (folder / "serve.log").open("w")
    process = subprocess.Popen([cli, "serve", "--host", "127.0.0.1", "--port", str(port)],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"jointprojects serve stopped: {(folder / 'serve.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=1) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("jointprojects serve did not answer /health within 30 s")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS,
                                              headless=True)
        yield instance
        instance.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@dataclass
class Watch:
    """What went wrong in the page: console errors, uncaught errors, failed requests and
    server errors, since the last :meth:`assert_clean`."""

    problems: list[str] = field(default_factory=list)
    downloads: set[str] = field(default_factory=set)

    def assert_clean(self, where: str = "") -> None:
        problems, self.problems = self.problems, []
        assert not problems, f"{where}: " + "; ".join(problems)


@pytest.fixture()
def page(browser: Any, server: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900},
                                  accept_downloads=True, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    watch = Watch()
    page.watch = watch

    def on_console(message: Any) -> None:
        if message.type == "error":
            watch.problems.append(f"console error on {page.url}: {message.text}")

    def on_request_failed(req: Any) -> None:
        # "Aborted" is the browser cancelling a request itself: a page left before its favicon
        # arrived, or a link answered with an attachment. Anything else is a failure.
        if req.failure != "net::ERR_ABORTED" and req.url not in watch.downloads:
            watch.problems.append(f"request failed: {req.url} ({req.failure})")

    def on_response(response: Any) -> None:
        if response.status >= 500 or (
            response.status >= 400 and response.request.resource_type != "document"
        ):  # a missing script, style sheet or image is a failed request too
            watch.problems.append(f"HTTP {response.status} for {response.url}")
        if "attachment" in (response.headers.get("content-disposition") or ""):
            watch.downloads.add(response.url)

    page.on("console", on_console)
    page.on("pageerror", lambda error: watch.problems.append(f"uncaught error: {error}"))
    page.on("requestfailed", on_request_failed)
    page.on("response", on_response)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid.split("::", 1)[-1])
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        except Exception as exc:  # the test's own failure matters more
            print(f"no screenshot: {exc}")
    context.close()


def log_in(page: Any, role: str) -> None:
    """Log in through the form, as a person would."""
    page.goto("/login")
    page.get_by_label("E-mail").fill(USERS[role])
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))
    assert page.get_by_text("Welcome,").is_visible()
    page.watch.assert_clean(f"logging in as {role}")


def log_out(page: Any) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login"))
