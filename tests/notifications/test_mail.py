"""Mail (issue 16 item 3) through a real SMTP server on 127.0.0.1: who receives what, once;
the retry after a refusal; the digest; the preferences; the .eml fallback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from jointprojects.extensions import db
from jointprojects.locales import long_date
from jointprojects.notifications import dispatch, services
from jointprojects.notifications.models import MailAnnouncement, MailMessage
from jointprojects.notifications.transport import parse_smtp_url
from jointprojects.organizations.services import create_organization
from jointprojects.special_arrangements import services as arrangements
from tests.notifications.conftest import SmtpServer

PREFERENCES = "http://127.0.0.1:5000/account/notifications"


@dataclass
class People:
    interpol_pms: list[Any]
    interpol_finance: Any
    un_pm: Any
    wco_pm: Any


@pytest.fixture()
def people(make_user: Any) -> People:
    create_organization("WCO", "World Customs Organization", "EUR")
    db.session.commit()
    return People(
        interpol_pms=[make_user("programme_manager", "INTERPOL") for _ in range(2)],
        interpol_finance=make_user("finance", "INTERPOL"),
        un_pm=make_user("programme_manager", "UN"),
        wco_pm=make_user("programme_manager", "WCO"),
    )


def _un_signs(sa: Any, user: Any) -> None:
    arrangements.sign(sa, "UN", date(2025, 1, 10), user, "A. Guterres", "Secretary-General")
    db.session.commit()


def _run() -> dict[str, int]:
    """What the queue's tasks do: announce, then one delivery attempt per message."""
    return dispatch.deliver_all(dispatch.announce())


def test_un_signs_and_interpol_programme_managers_are_told_their_signature_is_awaited(
        mail_to: SmtpServer, people: People, make_arrangement: Any, login: Any) -> None:
    sa = make_arrangement(signed=False)
    assert _run() == {}  # a draft nobody has signed: nothing is asked of anyone yet
    _un_signs(sa, people.un_pm)
    assert _run() == {"sent": 2}

    got = {r.recipients[0]: r for r in mail_to.received}
    assert set(got) == {u.email for u in people.interpol_pms}
    for user in people.interpol_pms:
        mail = got[user.email]
        assert mail.message["To"] == user.email
        assert mail.subject == f"INTERPOL's signature is awaited on {sa.reference}"
        assert f"INTERPOL's signature is awaited on {sa.reference}." in mail.text
        link = f"http://127.0.0.1:5000/arrangements/{sa.reference}#sign-h"
        assert link in mail.text and PREFERENCES in mail.text
    # nobody of a third organization, nor UN (it signed), nor INTERPOL's finance officer
    for someone in (people.wco_pm, people.un_pm, people.interpol_finance):
        assert mail_to.to(someone.email) == []

    # the link opens the signing panel for INTERPOL's programme manager
    page = login(people.interpol_pms[0]).get(f"/arrangements/{sa.reference}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="sign-h"' in html and "Record signature" in html

    # computed again (the periodic job, the next write): no second mail for the same event
    assert _run() == {}
    assert len(mail_to.received) == 2


def test_a_refused_mail_is_sent_again_after_its_backoff(
        mail_to: SmtpServer, people: People, make_arrangement: Any, app: Any) -> None:
    mail_to.handler.refuse = 1
    sa = make_arrangement(signed=False)
    _un_signs(sa, people.un_pm)
    first, second = dispatch.announce()
    app.config["MAIL_RETRY_SECONDS"] = 3600.0
    try:
        outcome = dispatch.deliver(first)
        assert outcome.status == "retry" and outcome.retry_in == 3600.0
        message = db.session.get(MailMessage, first)
        assert message is not None
        assert message.status == "queued" and message.attempts == 1
        assert "451" in (message.error or "")
        # not due yet: a worker picking it up early leaves it alone
        assert dispatch.deliver(first).status == "skipped"
        assert first not in services.due_messages()
    finally:
        app.config["MAIL_RETRY_SECONDS"] = 0.0
    db.session.execute(db.update(MailMessage).where(MailMessage.id == first)
                       .values(next_attempt_at=None))
    db.session.commit()
    assert dispatch.deliver(first).status == "sent"
    assert dispatch.deliver(second).status == "sent"
    assert mail_to.handler.refused == 1
    assert sorted(r.recipients[0] for r in mail_to.received) == sorted(
        u.email for u in people.interpol_pms)
    db.session.expire_all()
    message = db.session.get(MailMessage, first)
    assert message is not None and message.status == "sent" and message.attempts == 2
    assert message.error is None and message.location == mail_to.url.split("//")[1]


def test_after_the_last_attempt_the_mail_is_failed_with_the_reason(
        mail_to: SmtpServer, people: People, make_arrangement: Any, app: Any) -> None:
    mail_to.handler.refuse = 100
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    try:
        sa = make_arrangement(signed=False)
        _un_signs(sa, people.un_pm)
        first = dispatch.announce()[0]
        assert dispatch.deliver(first).status == "retry"
        assert dispatch.deliver(first).status == "failed"
        assert dispatch.deliver(first).status == "skipped"
    finally:
        app.config["MAIL_MAX_ATTEMPTS"] = 6
    message = db.session.get(MailMessage, first)
    assert message is not None and message.status == "failed" and "451" in (message.error or "")
    assert mail_to.received == []


def test_preferences_none_sends_nothing_and_digest_keeps_it_for_the_digest(
        mail_to: SmtpServer, people: People, make_arrangement: Any) -> None:
    quiet, digest_only = people.interpol_pms
    services.set_preferences(quiet, {"signature": "none"})
    services.set_preferences(digest_only, {"signature": "digest"})
    db.session.commit()
    sa = make_arrangement(signed=False)
    _un_signs(sa, people.un_pm)
    assert _run() == {}
    assert mail_to.received == []
    # both are announced (a later change of mind does not bring old events back)
    assert db.session.scalar(select(func.count()).select_from(MailAnnouncement)) == 2

    made = dispatch.digest(date(2025, 1, 11))
    assert dispatch.deliver_all(made) == {"sent": 1}
    (digest,) = mail_to.received
    assert digest.recipients == [digest_only.email]
    assert digest.subject == "Your daily digest, 11 January 2025: 1 to do, 0 for information"
    assert f"INTERPOL's signature is awaited on {sa.reference}" in digest.text


def test_the_digest_lists_what_is_open_what_is_new_and_what_was_done(
        mail_to: SmtpServer, people: People, make_arrangement: Any) -> None:
    first = make_arrangement(signed=False)
    _un_signs(first, people.un_pm)
    dispatch.deliver_all(dispatch.digest(date(2025, 1, 11)))
    pm = people.interpol_pms[0]
    (day1,) = mail_to.to(pm.email)
    assert "To do (1):" in day1.text
    # each open item once, the new ones marked as such; dates in words
    assert day1.text.count(f"signature is awaited on {first.reference}") == 1
    assert f"[new] INTERPOL's signature is awaited on {first.reference}" in day1.text
    assert "1 item is new since your last digest" in day1.text
    assert "Your daily digest of 11 January 2025." in day1.text
    # the same day again: no second digest
    assert dispatch.digest(date(2025, 1, 11)) == []

    second = make_arrangement(signed=False)
    _un_signs(second, people.un_pm)
    arrangements.sign(first, "INTERPOL", date(2025, 1, 12), pm, "J. Stock", "Secretary General")
    db.session.commit()
    dispatch.deliver_all(dispatch.digest(date(2025, 1, 12)))
    day2 = mail_to.to(pm.email)[-1]
    head, rest = day2.text.split("Done since your last digest:")
    assert first.reference not in head and second.reference not in head
    done, open_now = rest.split("To do (1):")
    assert first.reference in done and first.reference not in open_now
    assert f"[new] INTERPOL's signature is awaited on {second.reference}" in open_now
    assert open_now.count(second.reference) == 2  # its sentence, and its link
    assert f"http://127.0.0.1:5000/arrangements/{second.reference}#sign-h" in open_now
    assert mail_to.to(people.wco_pm.email) == []


def test_without_smtp_each_mail_is_an_eml_file_in_the_instance_folder(
        app: Any, people: People, make_arrangement: Any) -> None:
    assert not app.config["MAIL_SMTP_URL"]
    sa = make_arrangement(signed=False)
    _un_signs(sa, people.un_pm)
    ids = dispatch.announce()
    assert dispatch.deliver_all(ids) == {"sent": 2}
    for message_id in ids:
        message = db.session.get(MailMessage, message_id)
        assert message is not None and message.transport == "file"
        path = Path(message.location)
        assert path.parent == Path(app.instance_path) / "mail" and path.suffix == ".eml"
        text = path.read_text()
        assert f"Subject: INTERPOL's signature is awaited on {sa.reference}" in text
        assert message.recipient in text
    assert "files in" in services.describe() and "/admin/mail" in services.describe()


def test_the_smtp_url_is_read_with_its_tls_and_credentials() -> None:
    s = parse_smtp_url("smtp://mailer%40un.org:p%3Ass@mail.un.org:587?starttls=1")
    assert (s.host, s.port, s.starttls, s.implicit_tls) == ("mail.un.org", 587, True, False)
    assert (s.user, s.password) == ("mailer@un.org", "p:ss")
    s = parse_smtp_url("smtps://relay.example.org")
    assert (s.port, s.implicit_tls, s.starttls) == (465, True, False)
    assert parse_smtp_url("smtp://localhost").port == 25
    with pytest.raises(ValueError, match="smtp:// or smtps://"):
        parse_smtp_url("http://mail.example.org")
    with pytest.raises(ValueError, match="names no host"):
        parse_smtp_url("smtp://")


def test_notify_digest_on_the_command_line(mail_to: SmtpServer, people: People,
                                           make_arrangement: Any, runner: Any) -> None:
    sa = make_arrangement(signed=False)
    _un_signs(sa, people.un_pm)
    result = runner.invoke(args=["notify", "--digest", "--day", "2025-01-11"])
    assert result.exit_code == 0, result.output
    assert "2 digest(s) made; sent 2" in result.output
    assert sorted(r.recipients[0] for r in mail_to.received) == sorted(
        u.email for u in people.interpol_pms)
    again = runner.invoke(args=["notify", "--digest", "--day", "2025-01-11"])
    assert "0 digest(s) made; sent 0" in again.output
    result = runner.invoke(args=["notify"])
    assert "2 message(s) for newly awaited items made; sent 2" in result.output
    assert f"SMTP server {mail_to.url.split('//')[1]} (plain)" in result.output


def test_a_write_queues_the_announcement_after_its_commit_and_a_broken_queue_fails_nothing(
        app: Any, api: Any, make_arrangement: Any, monkeypatch: Any) -> None:
    sa = make_arrangement(signed=False)
    admin = api()
    calls: list[Any] = []
    monkeypatch.setattr(dispatch, "enqueue_announce", lambda app=None: calls.append(app))
    app.config["MAIL_ANNOUNCE_AFTER_WRITES"] = True
    try:
        assert admin.get(f"/api/v1/arrangements/{sa.reference}").status_code == 200
        assert calls == []  # a read: nothing to announce
        response = admin.post(f"/api/v1/arrangements/{sa.reference}/signatures",
                              json={"organization": "UN", "date": "2025-01-10"})
        assert response.status_code == 201 and len(calls) == 1

        def broken(app: Any = None) -> None:
            raise ConnectionError("the queue is down")

        monkeypatch.setattr(dispatch, "enqueue_announce", broken)
        response = admin.post(f"/api/v1/arrangements/{sa.reference}/signatures",
                              json={"organization": "INTERPOL", "date": "2025-01-11"})
        assert response.status_code == 201, response.get_data(as_text=True)
    finally:
        app.config["MAIL_ANNOUNCE_AFTER_WRITES"] = False
    db.session.expire_all()
    assert {s.organization.code for s in db.session.get(type(sa), sa.id).signatures} == {
        "UN", "INTERPOL"}


def test_the_command_line_sends_a_batch_over_one_connection_and_retries_the_refused_one(
        mail_to: SmtpServer, people: People, make_arrangement: Any) -> None:
    mail_to.handler.refuse = 1
    sa = make_arrangement(signed=False)
    _un_signs(sa, people.un_pm)
    ids = dispatch.announce()
    assert dispatch.deliver_all(ids) == {"retry": 1, "sent": 1}
    # the refused one is due again at once here (MAIL_RETRY_SECONDS 0); the other is done
    assert dispatch.deliver_all(ids) == {"skipped": 1, "sent": 1}
    assert dispatch.send_due() == []
    assert sorted(r.recipients[0] for r in mail_to.received) == sorted(
        u.email for u in people.interpol_pms)


def test_a_job_or_a_token_queues_no_announcement(app: Any, api: Any, make_arrangement: Any,
                                                  make_user: Any, monkeypatch: Any) -> None:
    sa = make_arrangement()
    pm = make_user("programme_manager", "INTERPOL")
    admin = api()
    calls: list[Any] = []
    monkeypatch.setattr(dispatch, "enqueue_announce", lambda app=None: calls.append(app))
    monkeypatch.setattr("jointprojects.jobs.queue.enqueue", lambda job_id, app=None: None)
    app.config["MAIL_ANNOUNCE_AFTER_WRITES"] = True
    try:
        response = admin.post(f"/api/v1/arrangements/{sa.reference}/cost-report-jobs", json={})
        assert response.status_code == 202, response.get_data(as_text=True)
        services.set_preferences(pm, {"signature": "none"})
        db.session.commit()  # not a request: the operator's write
    finally:
        app.config["MAIL_ANNOUNCE_AFTER_WRITES"] = False
    assert calls == []


def test_each_recipient_reads_the_mail_and_the_digest_in_their_own_language(
        mail_to: SmtpServer, people: People, make_arrangement: Any) -> None:
    french, english = people.interpol_pms
    french.language = "fr"
    db.session.commit()
    sa = make_arrangement(signed=False)
    _un_signs(sa, people.un_pm)
    assert _run() == {"sent": 2}
    (fr,) = mail_to.to(french.email)
    (en,) = mail_to.to(english.email)
    assert fr.subject == f"INTERPOL : signature attendue sur {sa.reference}"
    assert fr.text.startswith("Bonjour ") and "Hello" not in fr.text
    assert f"À faire au plus tard le {long_date(sa.start_date, 'fr')}." in fr.text
    assert "Ouvrez-le ici :" in fr.text and "signature is awaited" not in fr.text
    # who never chose a language reads the instance's default: English
    assert english.language is None
    assert en.subject == f"INTERPOL's signature is awaited on {sa.reference}"
    assert en.text.startswith("Hello ") and "Bonjour" not in en.text
    assert f"Due by {long_date(sa.start_date)}." in en.text

    dispatch.deliver_all(dispatch.digest(date(2025, 1, 11)))
    fr_digest, en_digest = mail_to.to(french.email)[-1], mail_to.to(english.email)[-1]
    assert fr_digest.subject == ("Votre récapitulatif quotidien du 11 janvier 2025 : 1 à faire, "
                                 "0 pour information")
    assert f"[nouveau] INTERPOL : signature attendue sur {sa.reference}" in fr_digest.text
    assert "À faire (1) :" in fr_digest.text and "To do" not in fr_digest.text
    assert en_digest.subject == ("Your daily digest, 11 January 2025: 1 to do, "
                                 "0 for information")
    assert "To do (1):" in en_digest.text
