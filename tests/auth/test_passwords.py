"""The password rules (issue 10, item 5) in every place a password is set."""

from __future__ import annotations

import pytest

from jointprojects.auth.models import User
from jointprojects.auth.passwords import common_passwords
from jointprojects.auth.services import create_user
from jointprojects.errors import DomainError
from tests.conftest import PASSWORD


def test_the_common_list_is_installed_and_large():
    assert len(common_passwords()) >= 10_000
    assert "password" in common_passwords()


@pytest.mark.parametrize(("password", "message"), [
    ("aaaaaaaaaaaa", "too common"),
    ("password1234", "too common"),
    ("iloveyou2026!", "too common"),
    ("123456789012", "too common"),
    ("passwordpassword", "too common"),
    ("x" * 129 + "yz-9!", "at most 128 characters"),
    ("a" * 1_000_000, "at most 128 characters"),
    ("short-1", "at least 12 characters"),
    ("maria.rossi-2026!", "name of the e-mail address"),
])
def test_weak_passwords_are_refused_naming_the_field(app, password, message):
    with pytest.raises(DomainError) as caught:
        create_user("maria.rossi@example.org", password, "finance", "UN")
    assert [e.field for e in caught.value.errors] == ["password"]
    assert message in caught.value.errors[0].message


def test_a_long_password_that_merely_mentions_the_e_mail_name_is_accepted(app, db):
    """Without the name, twelve characters or more remain: the name does not carry it."""
    user = create_user("smoke@example.org", "Smoke-Amber-Harbor-5820!", "admin", "UN")
    assert user.email == "smoke@example.org"


def test_a_good_password_of_128_characters_is_accepted(app, db):
    password = ("Quiet-river-stones " * 7)[:128]
    assert create_user("ok@example.org", password, "finance", "UN").email == "ok@example.org"


def test_the_admin_page_refuses_a_common_password(login, make_user, db):
    web = login(make_user("admin"))
    response = web.post_form("/users/", {"email": "new@example.org", "role": "finance",
                                         "organization": "UN", "password": "password1234"})
    assert response.status_code == 422
    assert "too common" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(User).filter_by(email="new@example.org")) is None


def test_the_cli_refuses_a_common_password(runner, db):
    result = runner.invoke(args=["create-user", "cli@example.org", "--role", "finance",
                                 "--organization", "UN", "--password", "aaaaaaaaaaaa"])
    assert result.exit_code != 0
    assert "password: This password is too common" in result.output
    assert db.session.scalar(db.select(User).filter_by(email="cli@example.org")) is None


def test_a_password_change_refuses_one_containing_the_e_mail_name(login, make_user):
    user = make_user("finance", email="jdoe.finance@example.org")
    web = login(user)
    response = web.post_form("/users/me", {"current_password": PASSWORD,
                                           "new_password": "JDoe.Finance-is-me"})
    assert response.status_code == 422
    assert "name of the e-mail address" in response.get_data(as_text=True)
