"""The inbox in Chromium (issue 16): the badge in the navigation and the page, at 390 px (a
phone) and on a desktop, and "Mark as read" moving an item to the read ones."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _no_horizontal_scroll(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, scroll


def test_at_390_px_the_badge_shows_beside_the_menu_and_opens_the_inbox(page):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "programme_manager_interpol")
    badge = page.locator("#inbox-badge-small")
    assert badge.is_visible()
    box = badge.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    count = int(badge.locator(".badge").inner_text().split()[0])
    assert count >= 1
    badge.click()
    page.wait_for_url("**/inbox/")
    assert page.get_by_role("heading", name="To do").is_visible()
    items = page.locator("#to-do li")
    assert items.count() == count
    assert "INTERPOL's signature is awaited on SA-2025-007" in page.locator("#to-do").inner_text()
    link = page.get_by_role("link", name="INTERPOL's signature is awaited on SA-2025-007")
    link_box = link.bounding_box()
    assert link_box is not None and link_box["x"] + link_box["width"] <= 390, link_box
    _no_horizontal_scroll(page, 390)
    page.watch.assert_clean("the inbox at 390 px")
    link.click()
    page.wait_for_url("**/arrangements/SA-2025-007#sign-h")
    assert page.locator("#sign-h").is_visible()


def test_on_a_desktop_the_badge_sits_in_the_navigation_and_mark_as_read_works(page):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, "programme_manager")
    assert not page.locator("#inbox-badge-small").is_visible()
    nav = page.locator('nav[aria-label="Main navigation"]')
    badge = nav.locator("#inbox-badge")
    assert badge.is_visible()
    count = int(badge.inner_text().split()[0])
    page.get_by_role("link", name="Inbox").first.click()
    page.wait_for_url("**/inbox/")
    assert page.locator("#to-do li").count() == count
    info = page.locator("#for-information li")
    if info.count():
        first = info.first
        key = first.get_attribute("data-key")
        first.get_by_role("button", name="Mark as read").click()
        page.wait_for_url("**/inbox/#for-information")
        assert page.locator(f'#read li[data-key="{key}"]').is_visible()
        assert page.locator(f'#for-information > ul:not(#read) li[data-key="{key}"]').count() == 0
    _no_horizontal_scroll(page, 1366)
    page.watch.assert_clean("the inbox on a desktop")
