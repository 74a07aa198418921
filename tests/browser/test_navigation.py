"""Every role logs in through the form and opens every link of its navigation bar: no server
error, no console error, no failed request, and each page has a title and a heading."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in, log_out

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("role", ["admin", "programme_manager", "finance", "leadership"])
def test_every_navigation_link_works(page, role):
    log_in(page, role)
    links = page.locator('nav[aria-label="Main navigation"] a.nav-link')
    hrefs = links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert "/" in hrefs and "/projects/" in hrefs and "/arrangements/" in hrefs
    for href in hrefs:
        response = page.goto(href)
        assert response is not None and response.status == 200, href
        assert page.title().endswith("· jointprojects"), href
        assert page.locator("main h1").count() == 1, href
        # The current page is marked in the navigation, and only it.
        current = page.locator('nav[aria-label="Main navigation"] [aria-current="page"]')
        assert current.count() == 1 and current.get_attribute("href") == href
        page.watch.assert_clean(href)
    log_out(page)
    assert page.get_by_text("You are logged out.").is_visible()
    page.watch.assert_clean("logging out")
