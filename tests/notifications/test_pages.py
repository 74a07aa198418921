"""The preferences page under the user's account, and the admin's mail log."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage
from typing import Any

import pytest
from flask import g
from sqlalchemy import select

from jointprojects.audit.models import AuditEntry
from jointprojects.extensions import db
from jointprojects.notifications import dispatch, services
from jointprojects.notifications.models import MailMessage, MailPreference
from jointprojects.special_arrangements import services as arrangements
from tests.auth.test_object_access import Web


def test_a_user_chooses_per_kind_and_the_defaults_are_shown(make_user: Any, login: Any) -> None:
    user = make_user("finance", "INTERPOL")
    web = login(user)
    assert 'href="/account/notifications"' in web.get("/users/me").get_data(as_text=True)
    page = web.get("/account/notifications")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Mail preferences" in html
    assert "Statement to accept or dispute" in html and "Default: A mail at once." in html
    assert "Ending soon" in html and "Default: In the daily digest only." in html

    modes = {p.kind: p.mode for p in services.preferences(user)}
    response = web.post_form("/account/notifications",
                             {**modes, "statement_acceptance": "none", "ending": "immediate"})
    assert response.status_code == 302
    chosen = {p.kind: p.mode for p in db.session.scalars(
        select(MailPreference).where(MailPreference.user_id == user.id))}
    assert chosen == {"statement_acceptance": "none", "ending": "immediate"}
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "mail_preference")).all()
    assert len(entries) == 2 and {e.user_id for e in entries} == {user.id}
    again = web.get("/account/notifications").get_data(as_text=True)
    assert '<option selected value="none">No mail</option>' in again


def test_a_mode_that_is_not_offered_is_refused_and_nothing_kept(make_user: Any,
                                                                login: Any) -> None:
    user = make_user("finance", "INTERPOL")
    web = login(user)
    modes = {p.kind: p.mode for p in services.preferences(user)}
    response = web.post_form("/account/notifications",
                             {**modes, "statement_acceptance": "hourly"})
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert db.session.scalars(select(MailPreference)).all() == []


def test_the_mail_log_lists_each_message_and_opens_it_as_text_for_admins_only(
        make_user: Any, make_arrangement: Any, login: Any, app: Any) -> None:
    un_pm = make_user("programme_manager", "UN")
    interpol_pm = make_user("programme_manager", "INTERPOL")
    sa = make_arrangement(signed=False)
    arrangements.sign(sa, "UN", date(2025, 1, 10), un_pm, "A. Guterres", "Secretary-General")
    db.session.commit()
    (message_id,) = dispatch.announce()
    dispatch.deliver(message_id)

    admin = make_user("admin", "UN")
    web = login(admin)
    assert 'href="/admin/mail"' in web.get("/audit/").get_data(as_text=True)
    html = web.get("/admin/mail").get_data(as_text=True)
    assert interpol_pm.email in html
    assert f"INTERPOL&#39;s signature is awaited on {sa.reference}" in html
    assert ".eml files in" in html and f"/admin/mail/{message_id}" in html
    assert "sent" in html
    text = web.get(f"/admin/mail/{message_id}")
    assert text.status_code == 200 and text.mimetype == "text/plain"
    assert f"To: {interpol_pm.email}" in text.get_data(as_text=True)
    assert web.get("/admin/mail/999999").status_code == 404

    for user in (interpol_pm, make_user("finance", "UN"), make_user("leadership", "INTERPOL")):
        other = Web(app, user)
        assert other.open("GET", "/admin/mail").status_code == 403
        assert other.open("GET", f"/admin/mail/{message_id}").status_code == 403
    g.pop("_login_user", None)
    assert app.test_client().get("/admin/mail").status_code == 302  # to the login page
    assert db.session.get(MailMessage, message_id) is not None


def test_the_admin_reads_a_message_decoded() -> None:
    message = EmailMessage()
    message["From"], message["To"] = "jointprojects@localhost", "carlos@example.org"
    message["Subject"] = "Carlos Pérez is awaited on SA-2025-007"
    message.set_content("Hello Carlos Pérez,\n\n" + "a personnel exchange awaits " * 6 + "\n")
    text = services.readable(message.as_string())
    assert "Subject: Carlos Pérez is awaited on SA-2025-007" in text
    assert "Hello Carlos Pérez" in text and "=C3=A9" not in text and "=\n" not in text


def test_an_admin_is_told_that_no_mail_comes_to_them(make_user: Any, login: Any) -> None:
    """Mail goes to each organization's users by their role: an admin gets none, so the
    page says so rather than offering choices that would never apply."""
    html = login(make_user("admin", "UN")).get("/account/notifications").get_data(
        as_text=True)
    assert 'id="admin-no-mail"' in html and "you receive no mail" in html
    assert "Save preferences" not in html


@pytest.mark.parametrize(("role", "offered", "not_offered"), [
    ("finance", ["Payment to confirm", "Exchange rate missing", "Transfer overdue"],
     ["Signature awaited", "Consent to an amendment awaited"]),
    ("programme_manager", ["Signature awaited", "Ending soon"],
     ["Payment to confirm", "Receipt missing", "Transfer overdue"]),
    ("leadership", ["Transfer overdue", "Notice of termination given"],
     ["Payment to confirm", "Signature awaited"]),
])
def test_the_preferences_offer_only_the_kinds_the_users_role_receives(
        make_user: Any, login: Any, role: str, offered: list[str],
        not_offered: list[str]) -> None:
    html = login(make_user(role, "INTERPOL")).get("/account/notifications").get_data(
        as_text=True)
    for label in offered:
        assert label in html, label
    for label in not_offered:
        assert label not in html, label


def test_every_kind_of_awaited_item_names_the_roles_it_is_for() -> None:
    from jointprojects.inbox.awaited import KIND_ROLES, kinds_for
    from jointprojects.vocabulary import AWAITED_KINDS

    assert set(KIND_ROLES) == set(AWAITED_KINDS)
    offered = {k for role in ("programme_manager", "finance", "leadership")
               for k in kinds_for(role)}
    assert offered == set(AWAITED_KINDS) and kinds_for("admin") == []
