"""Calendar feeds (issue 16, item 4), parsed by the ``icalendar`` package: stable UIDs, a new
SEQUENCE when a date moves, cancelled events marked, revoked secrets 404, and only what the
feed's user may see."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import select

from jointprojects.expenses import recording
from jointprojects.extensions import db
from jointprojects.inbox import calendar
from jointprojects.inbox.models import CalendarFeed
from jointprojects.organizations.services import create_organization
from jointprojects.personnel_exchanges import services as exchanges
from jointprojects.personnel_exchanges.services import ExchangeData
from jointprojects.special_arrangements import services as sa_services
from jointprojects.statements import services as statements
from tests.statements.conftest import expense

FEED = re.compile(r'value="(http://localhost/calendar/[^"]+\.ics)"')


def _events(body: bytes) -> dict[str, Any]:
    parsed = Calendar.from_ical(body)
    return {str(e["UID"]): e for e in parsed.walk("VEVENT")}


def _new_feed(web: Any) -> str:
    response = web.post_form("/calendar/new", {}, page="/calendar/")
    assert response.status_code == 200
    match = FEED.search(response.get_data(as_text=True))
    assert match, "the new address is shown once"
    return match.group(1).removeprefix("http://localhost")


@pytest.fixture()
def anonymous(app: Any) -> Any:
    """A calendar application: no session, no login."""
    return app.test_client()


def test_the_feed_lists_the_deadlines_with_stable_uids_and_a_new_sequence_on_change(
        make_arrangement: Callable[..., Any], make_user: Callable[..., Any],
        login: Callable[..., Any], anonymous: Any) -> None:
    sa = make_arrangement(end_date=date(2027, 6, 30))
    user = make_user("programme_manager", "UN")
    url = _new_feed(login(user))
    response = anonymous.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    events = _events(response.data)
    entry, end = (f"arrangement-{sa.id}-entry-into-force@jointprojects",
                  f"arrangement-{sa.id}-end@jointprojects")
    assert set(events) == {entry, end}
    assert events[end].decoded("DTSTART") == date(2027, 6, 30)
    assert events[entry].decoded("DTSTART") == date(2025, 1, 1)
    assert int(events[end]["SEQUENCE"]) == 0 and str(events[end]["STATUS"]) == "CONFIRMED"
    assert str(events[end]["URL"]) == f"http://localhost/arrangements/{sa.reference}"
    first_modified = events[end].decoded("LAST-MODIFIED")

    # read again, nothing changed: same sequence
    assert int(_events(anonymous.get(url).data)[end]["SEQUENCE"]) == 0

    sa.end_date = date(2027, 9, 30)
    db.session.commit()
    events = _events(anonymous.get(url).data)
    assert set(events) == {entry, end}  # the same UIDs
    assert events[end].decoded("DTSTART") == date(2027, 9, 30)
    assert int(events[end]["SEQUENCE"]) == 1
    assert events[end].decoded("LAST-MODIFIED") >= first_modified
    assert int(events[entry]["SEQUENCE"]) == 0


def test_a_notice_cancels_the_end_date_and_adds_its_effective_date(
        make_arrangement: Callable[..., Any], make_user: Callable[..., Any],
        login: Callable[..., Any], anonymous: Any) -> None:
    sa = make_arrangement(end_date=date(2028, 12, 31))
    pm = make_user("programme_manager", "INTERPOL")
    url = _new_feed(login(pm))
    end = f"arrangement-{sa.id}-end@jointprojects"
    assert end in _events(anonymous.get(url).data)
    sa_services.give_notice(sa, "INTERPOL", date(2026, 1, 15), pm)
    db.session.commit()
    events = _events(anonymous.get(url).data)
    notice = f"arrangement-{sa.id}-notice-effective@jointprojects"
    assert events[notice].decoded("DTSTART") == date(2026, 7, 15)
    assert str(events[end]["STATUS"]) == "CANCELLED"
    assert int(events[end]["SEQUENCE"]) == 1


def test_a_withdrawn_statement_and_a_cancelled_exchange_are_cancelled_events(
        make_arrangement: Callable[..., Any], make_user: Callable[..., Any],
        login: Callable[..., Any], anonymous: Any) -> None:
    sa = make_arrangement()
    fin = make_user("finance", "UN")
    admin = make_user("admin", "UN")
    recording.record_expense(sa, expense(date(2025, 2, 10), "1000.00", "UN"), fin)
    st = statements.issue_statement(sa, date(2025, 3, 31), date(2025, 5, 15), fin,
                                    today=date(2025, 4, 5))
    exchange = exchanges.create_exchange(ExchangeData(
        staff_id="UN-9", person_name="Amina Diallo", home_organization="UN",
        host_organization="INTERPOL", position="Liaison officer", duty_station="Lyon",
        start_date=date(2026, 3, 1), end_date=date(2026, 8, 31)), admin)
    db.session.commit()
    url = _new_feed(login(fin))
    due, back = (f"statement-{st.id}-due@jointprojects",
                 f"exchange-{exchange.id}-end@jointprojects")
    events = _events(anonymous.get(url).data)
    assert events[due].decoded("DTSTART") == date(2025, 5, 15)
    assert events[back].decoded("DTSTART") == date(2026, 8, 31)
    statements.withdraw_statement(sa, st, "Wrong period", fin)
    exchanges.cancel(exchange, "No longer needed", admin)
    db.session.commit()
    events = _events(anonymous.get(url).data)
    assert str(events[due]["STATUS"]) == "CANCELLED"
    assert str(events[back]["STATUS"]) == "CANCELLED"


def test_the_feed_shows_only_what_its_user_may_see(
        make_arrangement: Callable[..., Any], make_user: Callable[..., Any],
        login: Callable[..., Any], anonymous: Any) -> None:
    make_arrangement(end_date=date(2027, 6, 30))
    create_organization("WCO", "World Customs Organization", "EUR")
    db.session.commit()
    url = _new_feed(login(make_user("programme_manager", "WCO")))
    assert _events(anonymous.get(url).data) == {}


def test_the_secret_is_kept_hashed_revocable_and_regenerable(
        make_arrangement: Callable[..., Any], make_user: Callable[..., Any],
        login: Callable[..., Any], anonymous: Any) -> None:
    make_arrangement(end_date=date(2027, 6, 30))
    web = login(make_user("finance", "UN"))
    url = _new_feed(web)
    secret = url.removeprefix("/calendar/").removesuffix(".ics")
    stored = db.session.scalars(select(CalendarFeed.token_hash)).all()
    assert len(stored) == 1 and secret not in stored[0] and len(stored[0]) == 64
    page = web.get("/calendar/").get_data(as_text=True)
    assert secret not in page  # never shown again
    assert anonymous.get(url).status_code == 200

    newer = _new_feed(web)
    assert newer != url
    assert anonymous.get(url).status_code == 404  # the old address stops working
    assert anonymous.get(newer).status_code == 200

    assert web.post_form("/calendar/revoke", {}, page="/calendar/").status_code == 302
    assert anonymous.get(newer).status_code == 404
    assert anonymous.get("/calendar/not-a-secret.ics").status_code == 404


def test_a_deactivated_user_s_feed_is_gone(make_user: Callable[..., Any],
                                           login: Callable[..., Any], anonymous: Any) -> None:
    user = make_user("finance", "UN")
    url = _new_feed(login(user))
    user.active = False
    db.session.commit()
    assert anonymous.get(url).status_code == 404


def test_each_deadline_page_offers_its_single_ics(
        make_arrangement: Callable[..., Any], make_user: Callable[..., Any],
        login: Callable[..., Any]) -> None:
    sa = make_arrangement(end_date=date(2027, 6, 30))
    web = login(make_user("programme_manager", "UN"))
    page = web.get(f"/arrangements/{sa.reference}").get_data(as_text=True)
    assert f'href="/calendar/arrangements/{sa.reference}.ics"' in page
    response = web.get(f"/calendar/arrangements/{sa.reference}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="{sa.reference}.ics"'
    assert set(_events(response.data)) == {
        f"arrangement-{sa.id}-entry-into-force@jointprojects",
        f"arrangement-{sa.id}-end@jointprojects"}


def test_publishing_unchanged_deadlines_again_changes_no_sequence(
        make_arrangement: Callable[..., Any], make_user: Callable[..., Any]) -> None:
    sa = make_arrangement(end_date=date(2027, 6, 30))
    user = make_user("finance", "UN")
    deadlines = calendar.deadlines_for(user)
    first = calendar.publish(user, deadlines)
    second = calendar.publish(user, deadlines)
    assert [e.uid for e in first] == [e.uid for e in second]
    assert all(e.sequence == 0 for e in second)
    assert f"arrangement-{sa.id}-end@jointprojects" in {e.uid for e in second}
