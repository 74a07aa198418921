"""The navigation bar and the rights agree: a user sees a section's link exactly when the
section's page opens for them (no page reachable only by typing its address, no link to a
403)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import url_for

from jointprojects.auth.models import ROLES
from jointprojects.web import NAV

_NAV = re.compile(r'<ul class="navbar-nav[^"]*">(.*?)</ul>', re.DOTALL)


@pytest.mark.parametrize("role", ROLES)
def test_a_section_is_in_the_navigation_exactly_when_its_page_opens(
        app: Any, make_user: Any, login: Any, role: str) -> None:
    web = login(make_user(role, "UN"))
    match = _NAV.search(web.get("/").get_data(as_text=True))
    assert match, "no navigation bar"
    links = set(re.findall(r'href="([^"]+)"', match.group(1)))
    checked = 0
    for endpoint, label, _right in NAV:
        if endpoint not in app.view_functions:
            continue
        with app.test_request_context():
            url = url_for(endpoint)
        status = web.get(url).status_code
        assert status in (200, 403), (label, status)
        assert (url in links) == (status == 200), (
            f"{label} ({url}): page {status}, link {'shown' if url in links else 'hidden'}")
        checked += 1
    assert checked >= 10
