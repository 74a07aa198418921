"""Issue 11 item 6: amendments are numbered 1, 2, ... (the first amendment is "Amendment 1");
the versions of the shares stay as they are (version 1 is the original, amendment n brings
version n + 1). Pages, API, history and the dashboard say the same number."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

from jointprojects.special_arrangements import amendments
from jointprojects.special_arrangements.services import ShareData

BASE = "/api/v1/arrangements"
SHARES = [{"organization": "UN", "percent": "40"}, {"organization": "INTERPOL", "percent": "60"}]


def test_the_api_numbers_the_first_amendment_1_and_its_consents_use_that_number(
        api, make_arrangement, db):
    sa = make_arrangement()
    un, interpol = api("programme_manager", "UN"), api("programme_manager", "INTERPOL")
    r = un.post(f"{BASE}/{sa.reference}/amendments", {
        "effective_date": "2025-03-01", "reason": "More for INTERPOL", "shares": SHARES})
    assert r.status_code == 201, r.get_json()
    assert (r.get_json()["number"], r.get_json()["version"], r.get_json()["status"]) == (
        1, 2, "pending")
    # there is no amendment 2 (nor 0) yet
    for missing in (0, 2):
        assert un.post(f"{BASE}/{sa.reference}/amendments/{missing}/consents",
                       {"organization": "UN", "date": "2025-03-05"}).status_code == 404
    consents = f"{BASE}/{sa.reference}/amendments/1/consents"
    assert un.post(consents, {"organization": "UN", "date": "2025-03-05"}).status_code == 201
    done = interpol.post(consents, {"organization": "INTERPOL", "date": "2025-03-06"})
    assert done.status_code == 201 and done.get_json()["status"] == "in_force"
    assert (done.get_json()["number"], done.get_json()["version"]) == (1, 2)
    versions = un.get(f"{BASE}/{sa.reference}").get_json()["versions"]
    assert [(v["number"], v["amendment"]) for v in versions] == [(1, None), (2, 1)]
    # the second amendment is number 2 (version 3)
    r = un.post(f"{BASE}/{sa.reference}/amendments", {
        "effective_date": "2025-06-01", "reason": "Back to even", "shares": [
            {"organization": "UN", "percent": "50"},
            {"organization": "INTERPOL", "percent": "50"}]})
    assert (r.get_json()["number"], r.get_json()["version"]) == (2, 3)
    again = un.post(consents, {"organization": "UN", "date": "2025-06-02"})
    assert again.status_code == 409
    assert "Amendment 1 is already" in str(again.get_json())


def test_the_pages_and_the_history_call_the_first_amendment_amendment_1(
        login, make_user, make_arrangement):
    sa = make_arrangement()
    web = login(make_user("programme_manager", "UN"))
    response = web.post_form(f"/arrangements/{sa.reference}/amendments/new", {
        "effective_date": "2025-03-01", "reason": "More for INTERPOL",
        "shares-0-category": "", "shares-0-organization": "UN", "shares-0-percent": "40",
        "shares-1-category": "", "shares-1-organization": "INTERPOL", "shares-1-percent": "60",
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert response.headers["Location"].endswith(f"/arrangements/{sa.reference}/amendments/1")
    page = unescape(web.get(response.headers["Location"]).get_data(as_text=True))
    assert f"Amendment 1 to {sa.reference}" in page and "Amendment 1 proposed" in page
    assert "Version 1 (before)" in page and "Version 2 (this amendment)" in page
    assert "Amendment 2" not in page
    detail = unescape(web.get(f"/arrangements/{sa.reference}").get_data(as_text=True))
    assert f'href="/arrangements/{sa.reference}/amendments/1">amendment 1</a>' in detail
    assert "Version 2" in detail and "Version 1" in detail  # versions as they were
    text = re.sub(r"<[^>]+>", "", detail)
    assert f"Amendment 1 to {sa.reference} proposed" in text  # the history line
    assert web.get(f"/arrangements/{sa.reference}/amendments/2").status_code == 404
    assert web.get(f"/arrangements/{sa.reference}/amendments/0").status_code == 404


def test_the_dashboard_links_the_pending_amendment_by_its_number(
        login, api, make_user, make_arrangement, db):
    sa = make_arrangement()
    admin = make_user("admin")
    amendments.propose_amendment(sa, date(2025, 3, 1), [ShareData("UN", "40"),
                                 ShareData("INTERPOL", "60")], [], "More for INTERPOL", admin)
    db.session.commit()
    reader = make_user("leadership", "UN")
    html = unescape(login(reader).get("/").get_data(as_text=True))
    assert (f'href="/arrangements/{sa.reference}/amendments/1">{sa.reference} no. 1</a>'
            in html)
    figures = api(user=reader).get("/api/v1/dashboard").get_json()
    items = figures["amendments_awaiting_consent"]["items"]
    assert [(i["reference"], i["number"]) for i in items] == [(sa.reference, 1)]
