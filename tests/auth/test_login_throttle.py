"""Login anti-automation (issue 10, item 3): failures per e-mail and per address, shared
storage, and the same answer time for known and unknown e-mails."""

from __future__ import annotations

import os
import secrets
import statistics
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

import config
from jointprojects import create_app
from jointprojects.audit.models import AuditEntry
from jointprojects.auth.throttle import LoginThrottle
from tests.conftest import PASSWORD, csrf_from

REDIS_URL = os.environ.get("JOINTPROJECTS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def attempt(client: Any, email: str, password: str) -> Any:
    html = client.get("/login").get_data(as_text=True)
    return client.post(
        "/login", data={"csrf_token": csrf_from(html), "email": email, "password": password}
    )


@pytest.fixture()
def throttle_config(app: Flask) -> Iterator[dict[str, Any]]:
    """Change the throttle's configuration for one test (a new throttle is made from it)."""
    saved = {k: app.config.get(k) for k in (
        "LOGIN_FAILURE_LIMIT", "LOGIN_ADDRESS_LIMIT", "LOGIN_THROTTLE_STORAGE",
        "LOGIN_THROTTLE_PREFIX", "PASSWORD_HASH_METHOD")}
    yield app.config
    app.config.update(saved)
    app.extensions.pop("jointprojects_login_throttle", None)


def test_five_failures_then_429_even_with_the_right_password(client, make_user, db):
    user = make_user()
    for _ in range(5):
        assert attempt(client, user.email, "not-the-password").status_code == 400
    response = attempt(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert b"Too many failed logins" in response.data
    assert client.get("/").status_code == 302  # not logged in
    actions = [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))
               if e.after and e.after.get("email") == user.email]
    assert actions == ["login_failure"] * 5 + ["login_blocked"]


def test_the_failures_of_another_e_mail_do_not_block(client, make_user):
    victim, other = make_user(), make_user()
    for _ in range(5):
        attempt(client, victim.email, "not-the-password")
    assert attempt(client, other.email, PASSWORD).status_code == 302


def test_after_the_window_the_right_password_works_again(client, make_user, throttle_config):
    throttle_config["LOGIN_FAILURE_LIMIT"] = "5 per 1 second"
    user = make_user()
    for _ in range(5):
        attempt(client, user.email, "not-the-password")
    assert attempt(client, user.email, PASSWORD).status_code == 429
    time.sleep(1.2)
    assert attempt(client, user.email, PASSWORD).status_code == 302


def test_one_address_trying_many_e_mails_is_limited(client, make_user, throttle_config):
    throttle_config["LOGIN_ADDRESS_LIMIT"] = "8 per 15 minutes"
    user = make_user()
    for n in range(8):
        assert attempt(client, f"guess{n}@example.org", "not-the-password").status_code == 400
    assert attempt(client, user.email, PASSWORD).status_code == 429


def _redis_or_skip() -> None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        if os.environ.get("CI") == "true":
            raise RuntimeError(f"Redis is required under CI=true: {exc}") from exc
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")


def test_two_app_instances_sharing_redis_see_each_others_failures(
    client, make_user, throttle_config
):
    _redis_or_skip()
    prefix = f"jp-test-{secrets.token_hex(4)}"
    throttle_config.update(LOGIN_THROTTLE_STORAGE=REDIS_URL, LOGIN_THROTTLE_PREFIX=prefix)
    user = make_user()
    # A second process of the same deployment: its own app and database, the same Redis.
    other = create_app(config.TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://",
                       LOGIN_THROTTLE_STORAGE=REDIS_URL, LOGIN_THROTTLE_PREFIX=prefix)
    from jointprojects.extensions import db as _db

    with other.app_context():
        _db.create_all()
    try:
        other_client = other.test_client()
        for _ in range(5):
            assert attempt(other_client, user.email, "not-the-password").status_code == 400
        assert attempt(client, user.email, PASSWORD).status_code == 429
    finally:
        LoginThrottle(REDIS_URL, "5/minute", "5/minute", prefix).reset()
        with other.app_context():
            _db.session.remove()
            _db.engine.dispose()


def test_known_and_unknown_e_mails_take_the_same_time(client, make_user, throttle_config):
    # A slow hash, as in production, so that skipping it would show.
    throttle_config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:300000"
    user = make_user()

    def timed(email: str) -> float:
        html = client.get("/login").get_data(as_text=True)
        started = time.perf_counter()
        client.post("/login", data={"csrf_token": csrf_from(html), "email": email,
                                    "password": "not-the-password"})
        return time.perf_counter() - started

    known = statistics.median(timed(user.email) for _ in range(3))
    unknown = statistics.median(timed(f"nobody{n}@example.org") for n in range(3))
    assert 0.5 < unknown / known < 2, (known, unknown)
