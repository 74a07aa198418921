"""Security events in the audit trail with source address and user agent (issue 10, item 7)."""

from __future__ import annotations

from typing import Any

from jointprojects.audit.models import AuditEntry
from jointprojects.auth.models import User
from tests.conftest import PASSWORD, csrf_from

AGENT = {"User-Agent": "Mozilla/5.0 (audit test)"}
ADDRESS = {"REMOTE_ADDR": "192.0.2.7"}


def events(db: Any, action: str) -> list[AuditEntry]:
    return list(db.session.scalars(db.select(AuditEntry).filter_by(action=action)))


def test_login_failure_success_and_logout_are_audited_with_address_and_agent(client, make_user,
                                                                              db):
    user = make_user()
    for password in ("not-the-password", PASSWORD):
        html = client.get("/login").get_data(as_text=True)
        client.post("/login", headers=AGENT, environ_base=ADDRESS,
                    data={"csrf_token": csrf_from(html), "email": user.email,
                          "password": password})
    html = client.get("/projects/").get_data(as_text=True)
    client.post("/logout", headers=AGENT, environ_base=ADDRESS,
                data={"csrf_token": csrf_from(html)})
    for action, user_id in (("login_failure", None), ("login", user.id), ("logout", user.id)):
        [entry] = events(db, action)
        assert entry.user_id == user_id and entry.after["email"] == user.email
        assert entry.address == "192.0.2.7" and entry.user_agent == AGENT["User-Agent"]


def test_a_failure_for_an_unknown_e_mail_is_audited(client, db):
    html = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"csrf_token": csrf_from(html), "email": "nobody@example.org",
                                "password": "whatever-it-is"})
    [entry] = events(db, "login_failure")
    assert entry.after["email"] == "nobody@example.org" and entry.address == "127.0.0.1"


def test_password_change_token_creation_and_revocation_are_audited(runner, login, make_user, db):
    user = make_user("finance")
    result = runner.invoke(args=["create-token", user.email])
    assert result.exit_code == 0, result.output
    web = login(user)
    web.post_form("/users/me", {"current_password": PASSWORD,
                                "new_password": "another-long-secret-9"})
    [created] = events(db, "token_create")
    assert created.user_id == user.id and created.user_agent == "command line"
    [revoked] = events(db, "token_revoke")
    [changed] = events(db, "password_change")
    assert revoked.user_id == changed.user_id == user.id
    assert changed.after["tokens_revoked"] == 1 and changed.address == "127.0.0.1"


def test_users_created_from_the_cli_and_deactivated_are_audited(runner, login, make_user, db):
    result = runner.invoke(args=["create-user", "cli.made@example.org", "--role", "finance",
                                 "--organization", "UN", "--password", "Quiet-river-stones-7"])
    assert result.exit_code == 0, result.output
    made = db.session.scalar(db.select(User).filter_by(email="cli.made@example.org"))
    entry = db.session.scalar(db.select(AuditEntry).filter_by(
        action="create", entity="user", entity_id=made.id))
    assert entry is not None and entry.user_agent == "command line"
    assert "password_hash" not in entry.after
    admin = make_user("admin")
    web = login(admin)
    web.post_form(f"/users/{made.id}/active", {}, page="/users/")
    [entry] = events(db, "deactivate")
    assert entry.entity_id == made.id and entry.after["by"] == admin.email


def test_a_cost_report_download_is_audited_who_what_when(login, make_user, make_arrangement, db):
    sa = make_arrangement()
    user = make_user("finance")
    web = login(user)
    response = web.get(f"/expenses/arrangements/{sa.reference}/cost-report.xlsx", headers=AGENT)
    assert response.status_code == 200, response.status_code
    [entry] = events(db, "download")
    assert entry.user_id == user.id and entry.entity == "special_arrangement"
    assert entry.entity_id == sa.id and entry.after["report"].endswith(".xlsx")
    assert entry.at is not None and entry.user_agent == AGENT["User-Agent"]
