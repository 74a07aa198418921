"""Never twice for the same event, with two workers at once (issue 16): two sessions racing
on PostgreSQL inside one test, and two ``jointprojects notify`` processes on one database
(a SQLite file; PostgreSQL too with JOINTPROJECTS_TEST_DB=postgres), each delivering to the
test's SMTP server. Then ``jointprojects serve`` with its embedded queue: a signature through
the API, and the mail arrives from the queue's job."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from jointprojects.extensions import db
from jointprojects.notifications import services
from jointprojects.notifications.models import MailAnnouncement, MailMessage
from jointprojects.special_arrangements import services as arrangements
from tests.concurrency import in_other_session
from tests.conftest import USE_POSTGRES, _create_pg_database
from tests.jobs.instance import DEMO_ADMIN, Instance
from tests.notifications.conftest import SmtpServer


@pytest.mark.skipif(not USE_POSTGRES, reason="needs PostgreSQL: two real connections "
                                             "(JOINTPROJECTS_TEST_DB=postgres)")
def test_two_workers_announcing_the_same_event_at_once_make_one_message_each(
        app: Any, make_user: Any, make_arrangement: Any, monkeypatch: Any) -> None:
    un_pm = make_user("programme_manager", "UN")
    interpol = [make_user("programme_manager", "INTERPOL") for _ in range(3)]
    sa = make_arrangement(signed=False)
    arrangements.sign(sa, "UN", date(2025, 1, 10), un_pm, "A. Guterres", "Secretary-General")
    db.session.commit()
    # both workers read "nobody was told" before either writes: only the UNIQUE insert decides
    monkeypatch.setattr(services, "_announced", lambda keys: set())
    start = threading.Barrier(2)

    def worker() -> list[int]:
        items = services.awaited_all()
        start.wait(10)
        return services.announce(items=items)

    threads = [in_other_session(app, worker) for _ in range(2)]
    for thread in threads:
        thread.join(60)
    assert [t.error for t in threads] == [None, None]  # type: ignore[attr-defined]
    made = sorted(i for t in threads for i in t.result)  # type: ignore[attr-defined]
    assert len(made) == 3
    db.session.expire_all()
    recipients = db.session.scalars(select(MailMessage.recipient)).all()
    assert sorted(recipients) == sorted(u.email for u in interpol)
    assert db.session.scalar(select(func.count()).select_from(MailAnnouncement)) == 3


@pytest.fixture()
def instance(tmp_path: Path, smtp: SmtpServer) -> Iterator[Instance]:
    env = {"JOINTPROJECTS_SMTP_URL": smtp.url, "JOINTPROJECTS_MAIL_RETRY_SECONDS": "1",
           "JOINTPROJECTS_BASE_URL": "https://jp.example.org"}
    drop = None
    if USE_POSTGRES:
        url, drop = _create_pg_database()
        env["JOINTPROJECTS_DATABASE_URL"] = url
    made = Instance(tmp_path, **env)
    try:
        yield made
    finally:
        made.remove()
        if drop is not None:
            drop()


def _no_duplicates(smtp: SmtpServer) -> Counter[tuple[str, str]]:
    seen = Counter((r.recipients[0], r.subject) for r in smtp.received)
    assert seen and max(seen.values()) == 1, seen
    return seen


def test_two_notify_processes_at_once_send_each_mail_once(instance: Instance,
                                                           smtp: SmtpServer) -> None:
    instance.prepare()  # the demo has drafts signed by one party: signatures are awaited
    processes = [instance.spawn("notify") for _ in range(2)]
    for process in processes:
        assert process.wait(180) == 0 or "locked" in instance.output(), instance.output()
    # whatever either could not finish, a third run completes; nothing goes out twice
    result = instance.cli("notify")
    assert result.returncode == 0, result.stderr
    seen = _no_duplicates(smtp)
    assert any(to == "pm.interpol@demo.jointprojects.org" and "signature is awaited" in subject
               for to, subject in seen)
    assert all("unodc" not in to for to, _ in seen)  # party to none of those drafts
    for received in smtp.received:
        assert "https://jp.example.org/account/notifications" in received.text
    assert "0 message(s) for newly awaited items made; sent 0" in instance.cli("notify").stdout


def test_a_signature_through_the_api_is_mailed_by_the_servers_queue(instance: Instance,
                                                                     smtp: SmtpServer) -> None:
    smtp.handler.refuse = 1  # the server refuses the first mail: the queue sends it again
    instance.prepare()
    base = instance.serve()
    assert "Mail: SMTP server 127.0.0.1:" in instance.output()
    # the links name another address than this server's: serve says so
    assert "Mail links start with https://jp.example.org (JOINTPROJECTS_BASE_URL)" \
        in instance.output()
    status, sa = instance.call(base, "POST", "/api/v1/arrangements", {
        "reference": "SA-MAIL-1", "project": "JP-2024-001", "title": "Mail test",
        "parties": ["UN", "INTERPOL"], "currency": "USD", "start_date": "2025-01-01",
        "shares": [{"organization": "UN", "percent": "60"},
                   {"organization": "INTERPOL", "percent": "40"}]})
    assert status == 201, sa
    status, body = instance.call(base, "POST", "/api/v1/arrangements/SA-MAIL-1/signatures",
                                 {"organization": "UN", "date": "2025-01-10"})
    assert status == 201, body
    interpol = "pm.interpol@demo.jointprojects.org"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        mine = [r for r in smtp.received
                if "SA-MAIL-1" in r.subject and r.recipients == [interpol]]
        if mine:
            break
        time.sleep(0.3)
    else:
        raise AssertionError("no mail from the queue\n" + instance.output())
    time.sleep(1.0)
    about = [r for r in smtp.received if "SA-MAIL-1" in r.subject]
    # If the queue's announce ran between the creation and UN's signature, UN was told too
    # (its signature was awaited then); nobody else, and INTERPOL once.
    others = [(r.recipients, r.subject) for r in about if r.recipients != [interpol]]
    assert others in ([], [(["pm.un@demo.jointprojects.org"],
                            "UN's signature is awaited on SA-MAIL-1")]), others
    mine = [r for r in about if r.recipients == [interpol]]
    assert len(mine) == 1
    assert mine[0].subject == "INTERPOL's signature is awaited on SA-MAIL-1"
    assert "https://jp.example.org/arrangements/SA-MAIL-1#sign-h" in mine[0].text
    # the refused mail came again from the queue after its backoff (1 s here), once
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not set(smtp.handler.refusals) <= set(
            _no_duplicates(smtp)):
        time.sleep(0.3)
    assert smtp.handler.refused == 1 and set(smtp.handler.refusals) <= set(_no_duplicates(smtp))
    assert DEMO_ADMIN not in {r.recipients[0] for r in smtp.received}
