"""Sessions (issue 10, item 4): a new session and CSRF token at login, idle and absolute
expiry with a controlled clock, a password change revokes the API tokens."""

from __future__ import annotations

from typing import Any

import pytest
from flask import g

from jointprojects.audit.models import AuditEntry
from jointprojects.auth import sessions
from jointprojects.auth.services import create_token, user_for_token
from tests.conftest import PASSWORD, csrf_from


class Clock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, minutes: float) -> None:
        self.t += minutes * 60


@pytest.fixture()
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(sessions, "now", clock)
    return clock


def logged_in(response: Any) -> bool:
    return response.status_code == 200


def test_the_session_and_csrf_token_are_new_after_login(client, make_user):
    user = make_user()
    html = client.get("/login").get_data(as_text=True)
    before_token = csrf_from(html)
    before_cookie = client.get_cookie("session").value
    response = client.post("/login", data={"csrf_token": before_token, "email": user.email,
                                           "password": PASSWORD})
    assert response.status_code == 302
    assert client.get_cookie("session").value != before_cookie
    after_token = csrf_from(client.get("/users/me").get_data(as_text=True))
    assert after_token != before_token
    # The token of the page before login (e.g. planted by an attacker) no longer works.
    response = client.post("/logout", data={"csrf_token": before_token})
    assert response.status_code == 400


def test_two_browsers_of_one_user_get_different_sessions(app, make_user):
    user = make_user()
    cookies = []
    for _ in range(2):
        # The tests share one app context: forget the user Flask-Login keeps in g.
        g.pop("_login_user", None)
        g.pop("csrf_token", None)
        browser = app.test_client()
        html = browser.get("/login").get_data(as_text=True)
        browser.post("/login", data={"csrf_token": csrf_from(html), "email": user.email,
                                     "password": PASSWORD})
        cookies.append(browser.get_cookie("session").value)
    assert cookies[0] != cookies[1]


def test_a_session_ends_after_30_idle_minutes(login, make_user, clock, db):
    user = make_user()
    web = login(user)
    clock.advance(29)
    assert logged_in(web.get("/projects/"))
    clock.advance(29)  # 58 minutes after login, but never 30 without a request
    assert logged_in(web.get("/projects/"))
    clock.advance(31)
    response = web.get("/projects/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert not logged_in(web.get("/projects/"))
    entry = db.session.scalar(db.select(AuditEntry).filter_by(action="session_end"))
    assert entry is not None and entry.user_id == user.id and entry.after["reason"] == "idle"


def test_a_session_ends_12_hours_after_login_however_busy(login, make_user, clock, db):
    web = login(make_user())
    for _ in range(35):  # a request every 20 minutes: 11 h 40 min
        clock.advance(20)
        assert logged_in(web.get("/projects/"))
    clock.advance(25)  # 12 h 5 min
    response = web.get("/projects/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    entry = db.session.scalar(db.select(AuditEntry).filter_by(action="session_end"))
    assert entry.after["reason"] == "absolute"


def test_the_limits_are_configurable(app, login, make_user, clock):
    saved = app.config["SESSION_IDLE_MINUTES"]
    app.config["SESSION_IDLE_MINUTES"] = 5
    try:
        web = login(make_user())
        clock.advance(6)
        assert web.get("/projects/").status_code == 302
    finally:
        app.config["SESSION_IDLE_MINUTES"] = saved


def test_a_password_change_revokes_the_api_tokens_and_says_so(client, login, make_user, db):
    user = make_user("finance")
    token = create_token(user.email)
    db.session.commit()
    assert client.get("/api/v1/arrangements",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 200
    web = login(user)
    response = web.post_form(
        "/users/me", {"current_password": PASSWORD, "new_password": "another-long-secret-9"},
        follow_redirects=True,
    )
    assert "API token(s) were revoked" in response.get_data(as_text=True)
    assert user_for_token(token) is None
    assert client.get("/api/v1/arrangements",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert logged_in(web.get("/projects/"))  # this session goes on, with a new cookie
