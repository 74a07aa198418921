"""Sessions (issue 10, item 4): a new session and CSRF token at login, idle and absolute
expiry with a controlled clock, a password change revokes the API tokens."""

from __future__ import annotations

from typing import Any

import pytest
from flask import g

from jointprojects.audit.models import AuditEntry
from jointprojects.auth import sessions
from jointprojects.auth.models import UserSession
from jointprojects.auth.services import create_token, user_for_token
from tests.conftest import PASSWORD, WebClient, csrf_from


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


# --- one row per browser: the "Your sessions" page ----------------------------------------

class Browser(WebClient):
    """A browser of its own; the tests share one app context, so forget the user and CSRF
    token Flask-Login and Flask-WTF keep in g before each request."""

    def _fresh(self) -> None:
        g.pop("_login_user", None)
        g.pop("csrf_token", None)

    def get(self, url: str, **kw: Any) -> Any:
        self._fresh()
        return super().get(url, **kw)

    def post_form(self, url: str, data: dict[str, Any], page: str | None = None, **kw: Any) -> Any:
        self._fresh()
        html = self.client.get(page or url).get_data(as_text=True)
        self._fresh()
        return self.client.post(url, data={"csrf_token": csrf_from(html), **data}, **kw)


def browser(app: Any, user: Any, agent: str) -> Browser:
    web = Browser(app.test_client(), user)
    web.client.environ_base["HTTP_USER_AGENT"] = agent
    response = web.post_form("/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return web


def rows_of(db: Any, user: Any) -> list[UserSession]:
    return list(db.session.scalars(
        db.select(UserSession).filter_by(user_id=user.id).order_by(UserSession.created_at)))


def test_each_browser_gets_its_own_row_and_the_page_lists_both(app, make_user, clock, db):
    user = make_user()
    first = browser(app, user, "Firefox/first")
    clock.advance(2)
    second = browser(app, user, "Chrome/second")
    rows = rows_of(db, user)
    assert len(rows) == 2 and all(r.ended_at is None for r in rows)
    assert rows[0].id != rows[1].id
    html = first.get("/account/sessions").get_data(as_text=True)
    assert "Firefox/first" in html and "Chrome/second" in html
    assert html.count("This session") == 1 and html.count("End this session") == 2
    assert "This session" in second.get("/account/sessions").get_data(as_text=True)
    # the cookie holds a token, the table only its digest
    assert all(r.id not in first.client.get_cookie("session").value for r in rows)


def test_ending_the_other_session_logs_that_browser_out(app, make_user, clock, db):
    user = make_user()
    first = browser(app, user, "Agent-First")
    clock.advance(2)
    second = browser(app, user, "Agent-Second")
    other = rows_of(db, user)[1]
    response = first.post_form(f"/account/sessions/{other.id}/end", {},
                               page="/account/sessions")
    assert response.status_code == 302
    response = second.get("/projects/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert first.get("/projects/").status_code == 200
    db.session.expire_all()
    assert db.session.get(UserSession, other.id).end_reason == "ended_by_user"
    entry = db.session.scalar(db.select(AuditEntry).filter_by(action="session_end"))
    assert entry.user_id == user.id and entry.after["reason"] == "ended_by_user"
    assert "Agent-Second" not in first.get("/account/sessions").get_data(as_text=True)


def test_logout_ends_the_row_and_its_cookie_no_longer_works(app, make_user, db):
    user = make_user()
    web = browser(app, user, "Agent-First")
    cookie = web.client.get_cookie("session").value
    assert web.post_form("/logout", {}, page="/projects/").status_code == 302
    assert [r.end_reason for r in rows_of(db, user)] == ["logout"]
    web.client.set_cookie("session", cookie)  # the cookie from before the logout, replayed
    assert web.get("/projects/").status_code == 302


def test_logging_out_in_one_browser_leaves_the_others_logged_in(app, make_user, clock, db):
    user = make_user()
    first = browser(app, user, "Agent-First")
    clock.advance(2)
    second = browser(app, user, "Agent-Second")
    assert first.post_form("/logout", {}, page="/projects/").status_code == 302
    assert second.get("/projects/").status_code == 200
    assert sorted(str(r.end_reason) for r in rows_of(db, user)) == ["None", "logout"]


def test_a_password_change_ends_the_other_sessions_not_this_one(app, make_user, clock, db):
    user = make_user()
    first = browser(app, user, "Agent-First")
    clock.advance(2)
    second = browser(app, user, "Agent-Second")
    response = first.post_form(
        "/users/me", {"current_password": PASSWORD, "new_password": "another-long-secret-9"},
        follow_redirects=True,
    )
    assert "your other sessions were ended (1)" in response.get_data(as_text=True)
    assert first.get("/projects/").status_code == 200
    response = second.get("/projects/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    html = first.get("/account/sessions").get_data(as_text=True)
    assert html.count("End this session") == 1 and "Agent-Second" not in html


def test_another_users_session_is_404_and_stays_open(app, make_user, db):
    alice, bob = make_user(), make_user()
    web = browser(app, alice, "alice")
    browser(app, bob, "bob")
    bobs = rows_of(db, bob)[0]
    response = web.post_form(f"/account/sessions/{bobs.id}/end", {}, page="/account/sessions")
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(UserSession, bobs.id).ended_at is None
    assert web.post_form("/account/sessions/nonsense/end", {},
                         page="/account/sessions").status_code == 404


def test_ending_needs_the_csrf_token(app, make_user, db):
    user = make_user()
    web = browser(app, user, "x")
    row = rows_of(db, user)[0]
    web._fresh()
    assert web.client.post(f"/account/sessions/{row.id}/end").status_code == 400
    db.session.expire_all()
    assert db.session.get(UserSession, row.id).ended_at is None


def test_idle_expiry_uses_the_row_and_last_seen_is_written_at_most_once_a_minute(
        app, make_user, clock, db):
    user = make_user()
    web = browser(app, user, "x")
    row = rows_of(db, user)[0]
    login_seen = row.last_seen_at
    clock.advance(0.5)
    assert web.get("/projects/").status_code == 200
    db.session.expire_all()
    assert db.session.get(UserSession, row.id).last_seen_at == login_seen  # no write
    clock.advance(20)
    assert web.get("/projects/").status_code == 200
    db.session.expire_all()
    assert db.session.get(UserSession, row.id).last_seen_at > login_seen
    clock.advance(31)
    response = web.get("/projects/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    db.session.expire_all()
    assert db.session.get(UserSession, row.id).end_reason == "idle"


# --- expired sessions: never listed, pruned -------------------------------------------------

def test_an_idle_session_is_not_listed_although_its_browser_never_came_back(
        app, make_user, clock, db):
    user = make_user()
    first = browser(app, user, "Agent-Busy")
    clock.advance(2)
    browser(app, user, "Agent-Gone")  # never seen again
    for _ in range(2):
        clock.advance(20)
        assert first.get("/projects/").status_code == 200
    html = first.get("/account/sessions").get_data(as_text=True)  # 40 min after login
    assert "Agent-Busy" in html and "Agent-Gone" not in html
    assert html.count("End this session") == 1
    # nor can it be "ended" from the page any more: it has ended on its own
    gone = next(r for r in rows_of(db, user) if r.user_agent == "Agent-Gone")
    assert first.post_form(f"/account/sessions/{gone.id}/end", {},
                           page="/account/sessions").status_code == 404


def test_a_session_past_its_lifetime_is_not_listed_though_seen_minutes_ago(
        app, make_user, clock, db):
    user = make_user()
    old = browser(app, user, "Agent-Old")
    for _ in range(35):  # busy for 11 h 40 min
        clock.advance(20)
        assert old.get("/projects/").status_code == 200
    fresh = browser(app, user, "Agent-Fresh")
    clock.advance(18)  # 11 h 58 min: its last request within its lifetime
    assert old.get("/projects/").status_code == 200
    assert "Agent-Old" in fresh.get("/account/sessions").get_data(as_text=True)
    clock.advance(7)  # 12 h 5 min after its login, seen 7 minutes ago: not idle
    row = next(r for r in rows_of(db, user) if r.user_agent == "Agent-Old")
    assert sessions.expired_reason(row) == "absolute" and row.ended_at is None
    html = fresh.get("/account/sessions").get_data(as_text=True)
    assert "Agent-Fresh" in html and "Agent-Old" not in html


def _prune_world(app: Any, make_user: Any, clock: Clock) -> tuple[Any, dict[str, Browser]]:
    """Four browsers of one user: one logged out, one idle, one past its lifetime, one alive
    (every login prunes: no row has ended or expired at any of these logins)."""
    user = make_user()
    b = {"old": browser(app, user, "Agent-Old")}
    for _ in range(35):  # busy for 11 h 40 min
        clock.advance(20)
        assert b["old"].get("/projects/").status_code == 200
    b["idle"] = browser(app, user, "Agent-Idle")
    b["out"] = browser(app, user, "Agent-Out")
    clock.advance(15)
    b["alive"] = browser(app, user, "Agent-Alive")
    assert b["out"].post_form("/logout", {}, page="/projects/").status_code == 302
    clock.advance(20)  # old: 12 h 15 min after its login; idle: 35 min; alive: 20 min
    return user, b


def test_prune_from_the_command_line_deletes_the_rows_that_no_longer_hold_and_audits_them(
        app, make_user, clock, db):
    user, _ = _prune_world(app, make_user, clock)
    before = {r.user_agent: r.id for r in rows_of(db, user)}
    assert len(before) == 4
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["sessions", "prune"])
    assert result.exit_code == 0, result.output
    assert "Pruned 3 session(s), 2 of them expired without a logout." in result.output
    db.session.expire_all()
    assert [r.user_agent for r in rows_of(db, user)] == ["Agent-Alive"]
    ends = db.session.scalars(db.select(AuditEntry).filter_by(action="session_end")).all()
    assert sorted((e.after["reason"], e.after.get("pruned")) for e in ends) == [
        ("absolute", True), ("idle", True)]
    assert all(e.user_id == user.id and e.user_agent == "command line" for e in ends)
    # safe to run again (and from a cron job): nothing left to do
    again = app.test_cli_runner().invoke(args=["sessions", "prune"])
    assert again.exit_code == 0 and "Pruned 0 session(s), 0 of them" in again.output
    assert len(db.session.scalars(
        db.select(AuditEntry).filter_by(action="session_end")).all()) == 2


def test_every_login_prunes_and_a_pruned_browser_is_sent_to_log_in_again(
        app, make_user, clock, db):
    user, b = _prune_world(app, make_user, clock)
    other = make_user()
    browser(app, other, "Agent-Other")  # any user's login prunes
    db.session.expire_all()
    assert sorted(r.user_agent for r in rows_of(db, user)) == ["Agent-Alive"]
    for name in ("old", "idle", "out"):
        response = b[name].get("/projects/")
        assert response.status_code == 302 and "/login" in response.headers["Location"], name
    assert b["alive"].get("/projects/").status_code == 200
    # the two expired ones are audited once each, at the prune (not again when they return)
    ends = db.session.scalars(db.select(AuditEntry).filter_by(action="session_end")).all()
    assert sorted(e.after["reason"] for e in ends) == ["absolute", "idle"]


def test_a_row_pruned_by_another_process_during_its_browsers_request_is_no_server_error(
        app, make_user, clock, db, monkeypatch):
    """The prune of another process lands between this request's check and its write (the
    session crossed its idle limit in between): the write finds no row, nothing fails, and
    the next request logs in again."""
    from sqlalchemy import delete

    user = make_user()
    web = browser(app, user, "x")
    checked = sessions.expired_reason

    def pruned_meanwhile(row):
        reason = checked(row)
        db.session.execute(delete(UserSession).where(UserSession.id == row.id)
                           .execution_options(synchronize_session=False))
        return reason

    monkeypatch.setattr(sessions, "expired_reason", pruned_meanwhile)
    clock.advance(5)  # last_seen_at is due to be written
    assert web.get("/projects/").status_code == 200
    monkeypatch.setattr(sessions, "expired_reason", checked)
    response = web.get("/projects/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
