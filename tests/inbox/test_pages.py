"""The inbox page, its badge in the navigation, "Mark as read", and its JSON twin."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from jointprojects.audit.models import AuditEntry
from jointprojects.auth.models import User
from jointprojects.demo import DEMO_PASSWORD, load_demo
from jointprojects.extensions import db
from jointprojects.inbox import awaited
from jointprojects.inbox.models import InboxRead
from jointprojects.organizations.services import create_organization
from jointprojects.special_arrangements import services as sa_services

BADGE = re.compile(r'id="inbox-badge">(\d+)<')


def _badge(html: str) -> int | None:
    match = BADGE.search(html)
    return int(match.group(1)) if match else None


def test_the_badge_counts_what_is_to_do_and_drops_when_it_is_done(
        make_arrangement: Callable[..., Any], make_user: Callable[..., Any],
        login: Callable[..., Any]) -> None:
    first = make_arrangement(signed=False)
    make_arrangement(signed=False)
    pm = make_user("programme_manager", "INTERPOL")
    web = login(pm)
    page = web.get("/projects/").get_data(as_text=True)  # any page shows it
    assert _badge(page) == 2
    inbox = web.get("/inbox/").get_data(as_text=True)
    assert f"INTERPOL&#39;s signature is awaited on {first.reference}" in inbox
    assert f'href="/arrangements/{first.reference}#sign-h"' in inbox
    sa_services.sign(first, "INTERPOL", date(2025, 1, 1), pm, "Jan Berg", "Director")
    db.session.commit()
    after = web.get("/inbox/").get_data(as_text=True)
    assert _badge(after) == 1
    assert f"signature is awaited on {first.reference}" not in after


def test_no_badge_when_nothing_is_to_do(make_user: Callable[..., Any],
                                        login: Callable[..., Any]) -> None:
    web = login(make_user("leadership", "UN"))
    page = web.get("/inbox/").get_data(as_text=True)
    assert _badge(page) is None and "Nothing is waiting for you." in page


def _ending_world(make_arrangement: Callable[..., Any], days: int) -> Any:
    return make_arrangement(end_date=date.today() + timedelta(days=days))


def test_mark_as_read_greys_an_information_item_until_its_key_changes(
        make_arrangement: Callable[..., Any], make_user: Callable[..., Any],
        login: Callable[..., Any]) -> None:
    sa = _ending_world(make_arrangement, 45)
    user = make_user("finance", "UN")
    web = login(user)
    page = web.get("/inbox/").get_data(as_text=True)
    key = re.search(r'name="key" value="(ending:[^"]+)"', page)
    assert key and key.group(1).endswith(":60:UN")
    response = web.post_form("/inbox/read", {"key": key.group(1)}, page="/inbox/")
    assert response.status_code == 302
    page = web.get("/inbox/").get_data(as_text=True)
    read = page.split('id="read"', 1)
    assert len(read) == 2 and sa.reference in read[1]
    assert f'name="key" value="{key.group(1)}"' not in page
    assert db.session.scalar(select(func.count()).select_from(InboxRead)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.entity == "inbox_read", AuditEntry.action == "read")) == 1
    # marking twice changes nothing
    web.post_form("/inbox/read", {"key": key.group(1)}, page="/inbox/")
    assert db.session.scalar(select(func.count()).select_from(InboxRead)) == 1
    # the end date moves within 30 days: a new key, shown again as unread
    sa.end_date = date.today() + timedelta(days=20)
    db.session.commit()
    page = web.get("/inbox/").get_data(as_text=True)
    assert re.search(r'name="key" value="ending:[^"]+:30:UN"', page)
    assert 'id="read"' not in page


def test_an_item_to_do_or_of_someone_else_cannot_be_marked(
        make_arrangement: Callable[..., Any], make_user: Callable[..., Any],
        login: Callable[..., Any]) -> None:
    sa = make_arrangement(signed=False)
    web = login(make_user("programme_manager", "UN"))
    response = web.post_form("/inbox/read", {"key": f"signature:{sa.reference}:UN"},
                             page="/inbox/")
    assert response.status_code == 302
    page = web.get("/inbox/").get_data(as_text=True)
    assert "cannot be marked as read" in page
    assert web.post_form("/inbox/read", {"key": f"signature:{sa.reference}:INTERPOL"},
                         page="/inbox/").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(InboxRead)) == 0


def test_the_api_twin_gives_the_same_items(make_arrangement: Callable[..., Any],
                                           make_user: Callable[..., Any],
                                           api: Callable[..., Any]) -> None:
    draft = make_arrangement(signed=False)
    ending = _ending_world(make_arrangement, 5)
    pm = make_user("programme_manager", "INTERPOL")
    body = api(user=pm).get("/api/v1/inbox").get_json()
    assert body["count"] == 1
    assert [i["key"] for i in body["to_do"]] == [f"signature:{draft.reference}:INTERPOL"]
    assert body["to_do"][0]["url"] == f"/arrangements/{draft.reference}#sign-h"
    assert body["to_do"][0]["due"] == "2025-01-01"
    info = body["for_information"]
    assert [i["key"] for i in info] == [
        f"ending:{ending.reference}:{ending.end_date.isoformat()}:7:INTERPOL"]
    assert info[0]["read"] is False and info[0]["action"] is False
    # UN has not signed the draft either; a third organization's user has nothing at all
    assert api("programme_manager", "UN").get("/api/v1/inbox").get_json()["count"] == 1
    create_organization("WCO", "World Customs Organization", "EUR")
    db.session.commit()
    third = api("programme_manager", "WCO").get("/api/v1/inbox").get_json()
    assert third == {"count": 0, "to_do": [], "for_information": []}


def test_the_api_requires_a_token(client: Any) -> None:
    assert client.get("/api/v1/inbox").status_code == 401


def test_the_dashboard_is_not_served_as_not_modified_once_the_badge_changed(
        make_arrangement: Callable[..., Any], make_user: Callable[..., Any],
        login: Callable[..., Any]) -> None:
    from jointprojects.expenses import recording
    from jointprojects.statements import services as statements
    from tests.statements.conftest import expense

    sa = make_arrangement()
    fin = make_user("finance", "UN")
    recording.record_expense(sa, expense(date(2025, 2, 10), "1000.00", "UN"), fin)
    st = statements.issue_statement(sa, date(2025, 3, 31), None, fin, today=date(2025, 4, 5))
    db.session.commit()
    web = login(fin)
    web.get("/")  # the welcome message (a page with a message is never "not modified")
    first = web.get("/")
    assert _badge(first.get_data(as_text=True)) == 1 and first.headers.get("ETag")
    again = web.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304  # nothing changed
    statements.acknowledge(sa, st, "UN", "accept", None, fin)
    db.session.commit()
    after = web.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and _badge(after.get_data(as_text=True)) is None


def test_every_item_of_the_demo_links_to_a_place_that_exists_on_its_page(
        app: Any, login: Callable[..., Any]) -> None:
    """Each inbox link of the demo portfolio opens a page that holds its anchor (the signing
    panel, the notice given, the statement to accept...), for each role of both parties."""
    load_demo()
    db.session.commit()
    checked = 0
    for email in ("pm.un@demo.jointprojects.org", "pm.interpol@demo.jointprojects.org",
                  "finance.un@demo.jointprojects.org",
                  "finance.interpol@demo.jointprojects.org"):
        user = db.session.scalar(select(User).filter_by(email=email))
        assert user is not None
        web = login(user, DEMO_PASSWORD)
        for item in awaited.awaited_for(user):
            path, _, anchor = item.url.partition("#")
            page = web.get(path)
            assert page.status_code == 200, (email, item.url)
            if anchor:
                assert f'id="{anchor}"' in page.get_data(as_text=True), (email, item.kind,
                                                                         item.url)
            checked += 1
        web.post_form("/logout", {})
    assert checked > 10
