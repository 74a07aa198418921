"""User administration (admins) and one's own password."""

from jointprojects.audit.models import AuditEntry
from jointprojects.auth.models import User
from jointprojects.auth.services import create_token, user_for_token
from tests.conftest import PASSWORD


def test_an_admin_adds_a_user_and_it_is_audited(login, make_user, db):
    web = login(make_user("admin"))
    response = web.post_form(
        "/users/",
        {
            "email": "new@example.org",
            "name": "New Person",
            "role": "finance",
            "organization": "INTERPOL",
            "password": "a-long-password-1",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(db.select(User).filter_by(email="new@example.org"))
    assert user.organization.code == "INTERPOL"
    entry = db.session.scalar(db.select(AuditEntry).filter_by(entity="user", entity_id=user.id))
    assert entry.action == "create" and "password_hash" not in entry.after


def test_a_short_password_is_refused_beside_the_field(login, make_user, db):
    web = login(make_user("admin"))
    response = web.post_form(
        "/users/",
        {"email": "x@example.org", "role": "finance", "organization": "UN", "password": "short"},
    )
    assert "at least 12 characters" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(User).filter_by(email="x@example.org")) is None


def test_deactivating_a_user_ends_their_sessions_and_tokens(client, login, make_user, db):
    target = make_user("finance")
    token = create_token(target.email)
    db.session.commit()
    web = login(make_user("admin"))
    response = web.post_form(f"/users/{target.id}/active", {}, page="/users/")
    assert response.status_code == 302
    db.session.refresh(target)
    assert target.active is False and user_for_token(token) is None


def test_only_admins_reach_user_administration(login, make_user):
    web = login(make_user("programme_manager"))
    assert web.get("/users/").status_code == 403
    assert web.get("/users/me").status_code == 200


def test_changing_ones_password(client, login, make_user, db):
    user = make_user("finance")
    web = login(user)
    response = web.post_form(
        "/users/me", {"current_password": "wrong-password", "new_password": "another-long-password"}
    )
    assert "current password is not right" in response.get_data(as_text=True)
    response = web.post_form(
        "/users/me", {"current_password": PASSWORD, "new_password": "another-long-password"}
    )
    assert response.status_code == 302
    assert web.get("/projects/").status_code == 200
