"""Reverse proxies (JOINTPROJECTS_TRUSTED_PROXIES): by default X-Forwarded-For is ignored by
the per-address login limit and the audit trail (a client cannot pick the address it is
counted under); behind one trusted proxy the address it forwards is the client's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, request

import config
from jointprojects import create_app, trusted_proxies
from jointprojects.audit.models import AuditEntry
from jointprojects.extensions import db as _db
from tests.conftest import PASSWORD, csrf_from


def attempt(client: Any, email: str, password: str, forwarded: str | None = None) -> Any:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    html = client.get("/login", headers=headers).get_data(as_text=True)
    return client.post("/login", headers=headers, data={
        "csrf_token": csrf_from(html), "email": email, "password": password})


def _addresses(email: str) -> list[str | None]:
    return [e.address for e in _db.session.scalars(
        _db.select(AuditEntry).order_by(AuditEntry.id))
        if e.after and e.after.get("email") == email]


@pytest.fixture()
def behind_one_proxy(app: Flask) -> Iterator[Flask]:
    """A second instance of the application configured with one trusted proxy (its own
    in-memory database with the reference data and one user)."""
    from jointprojects.auth.services import create_user
    from jointprojects.organizations.services import load_reference_data

    proxied = create_app(config.TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://",
                         TRUSTED_PROXIES="1", LOGIN_ADDRESS_LIMIT="3 per 15 minutes")
    with proxied.app_context():
        _db.create_all()
        load_reference_data()
        create_user("pm@example.org", PASSWORD, "programme_manager", "UN")
        _db.session.commit()
    try:
        yield proxied
    finally:
        with proxied.app_context():
            _db.session.remove()
            _db.engine.dispose()


def test_by_default_x_forwarded_for_is_ignored_by_the_address_limit_and_the_audit(
        app, client, make_user, db):
    saved = app.config["LOGIN_ADDRESS_LIMIT"]
    app.config["LOGIN_ADDRESS_LIMIT"] = "3 per 15 minutes"
    app.extensions.pop("jointprojects_login_throttle", None)
    try:
        user = make_user()
        assert app.config["TRUSTED_PROXIES"] == 0
        for n in range(3):  # a new forged address for every guess
            assert attempt(client, f"guess{n}@example.org", "wrong-password",
                           f"198.51.100.{n}").status_code == 400
        # still one address: the socket's; the right password is not even checked
        assert attempt(client, user.email, PASSWORD, "198.51.100.99").status_code == 429
        assert _addresses("guess0@example.org") == ["127.0.0.1"]
        with client:
            client.get("/login", headers={"X-Forwarded-For": "198.51.100.7",
                                          "X-Forwarded-Proto": "https",
                                          "X-Forwarded-Host": "evil.example"})
            assert request.remote_addr == "127.0.0.1"
            assert request.scheme == "http" and request.host == "localhost"
    finally:
        app.config["LOGIN_ADDRESS_LIMIT"] = saved
        app.extensions.pop("jointprojects_login_throttle", None)


def test_behind_one_trusted_proxy_the_forwarded_address_is_the_clients(behind_one_proxy):
    client = behind_one_proxy.test_client()
    with behind_one_proxy.app_context():
        for n in range(3):
            assert attempt(client, f"guess{n}@example.org", "wrong-password",
                           "203.0.113.7").status_code == 400
        # that client is limited ...
        assert attempt(client, "pm@example.org", PASSWORD, "203.0.113.7").status_code == 429
        # ... another one behind the same proxy is not
        assert attempt(client, "pm@example.org", PASSWORD, "203.0.113.8").status_code == 302
        assert _addresses("guess0@example.org") == ["203.0.113.7"]
        assert _addresses("pm@example.org") == ["203.0.113.7", "203.0.113.8"]
    # only the last hop (the one proxy's) is trusted: a value the client put before it is not
    with client:
        client.get("/login", headers={"X-Forwarded-For": "10.6.6.6, 203.0.113.9",
                                      "X-Forwarded-Proto": "https",
                                      "X-Forwarded-Host": "jp.example.org"})
        assert request.remote_addr == "203.0.113.9"
        assert request.scheme == "https" and request.host == "jp.example.org"


@pytest.mark.parametrize(("value", "count"), [("0", 0), ("", 0), (" 2 ", 2), (1, 1)])
def test_the_number_of_proxies_is_read_from_the_setting(value, count):
    assert trusted_proxies(value) == count


@pytest.mark.parametrize("value", ["yes", "-1", "1.5", "11"])
def test_a_bad_number_of_proxies_stops_the_start_with_a_clear_message(value):
    with pytest.raises(RuntimeError, match="JOINTPROJECTS_TRUSTED_PROXIES must be the number"):
        create_app(config.TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://",
                   TRUSTED_PROXIES=value)
