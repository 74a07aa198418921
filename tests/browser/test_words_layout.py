"""Issue 11 items 9 and 11 in Chromium: the share matrix (type, see the total, submit), the
navigation on one line at 1366 px for every role, the expenses' amounts in view at 390 px,
and a visible 3 px focus outline on buttons, links and inputs despite Bootstrap."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("role", ["admin", "programme_manager", "finance", "leadership"])
def test_the_navigation_fits_on_one_line_at_1366_px(page, role):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, role)
    items = page.locator('nav[aria-label="Main navigation"] .navbar-nav > li')
    tops = items.evaluate_all("els => els.map(e => Math.round(e.getBoundingClientRect().top))")
    assert len(tops) >= 5 and len(set(tops)) == 1, tops
    height = page.locator('nav[aria-label="Main navigation"]').evaluate(
        "n => n.getBoundingClientRect().height")
    assert height < 70, height  # one line: about 56 px; two lines would be about 96
    logout = page.get_by_role("button", name="Log out")
    assert logout.evaluate("b => b.getBoundingClientRect().right") <= 1366


def test_at_390_px_the_expenses_table_keeps_the_amounts_in_view(page):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "finance")
    page.goto("/expenses/")
    cell = page.locator("table.expenses-table tbody tr").first.locator("[data-amount]")
    assert cell.is_visible()
    box = cell.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert re.search(r"\d", cell.inner_text())


def _outline(locator):
    return locator.evaluate(
        "e => { const s = getComputedStyle(e); "
        "return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor]; }")


def test_a_focused_button_link_and_input_show_a_3_px_outline(page):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, "programme_manager")
    page.goto("/projects/new")
    title = page.locator("#title")
    title.focus()
    style, width, colour = _outline(title)
    assert style == "solid" and width >= 3, (style, width)
    # Keyboard focus on a button and a link (focus-visible), as a keyboard user gets it.
    page.locator("#status").focus()
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "BUTTON":
            break
    button = page.locator(":focus")
    assert button.evaluate("e => e.tagName") == "BUTTON"
    style, width, colour = _outline(button)
    assert style == "solid" and width >= 3 and colour != "rgba(0, 0, 0, 0)", (style, width)
    page.goto("/projects/")
    page.keyboard.press("Tab")  # the first link of the page ("Skip to content")
    link = page.locator(":focus")
    assert link.evaluate("e => e.tagName") == "A"
    style, width, _ = _outline(link)
    assert style == "solid" and width >= 3, (style, width)


def test_shares_typed_in_the_matrix_show_their_total_and_are_saved(page):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, "programme_manager")
    page.goto("/arrangements/new")
    page.get_by_label("Reference").fill("SA-MATRIX-1")
    page.locator("#project").select_option(index=1)
    page.get_by_label("Title").fill("Matrix typed in the browser")
    page.get_by_label("Start date").fill("2026-03-01")
    matrix = page.locator("[data-share-matrix]")
    default = matrix.locator("tbody tr").first
    total = default.locator("[data-total]")
    assert total.inner_text() == "100.00"
    default.get_by_label("UN").fill("60")
    assert total.inner_text() == "110.00"
    assert "text-danger" in (total.get_attribute("class") or "")
    default.get_by_label("INTERPOL").fill("40")
    assert total.inner_text() == "100.00"
    assert "text-danger" not in (total.get_attribute("class") or "")
    # A category row: added, typed, its own total.
    page.get_by_role("button", name="Add a category row").click()
    travel = matrix.locator("tbody tr").nth(1)
    travel.get_by_label("Category").select_option("travel")
    travel.get_by_label("UN").fill("70")
    assert travel.locator("[data-total]").inner_text() == "70.00"
    travel.get_by_label("INTERPOL").fill("30")
    assert travel.locator("[data-total]").inner_text() == "100.00"
    # A row added and removed again: focus goes to the next row, not to the page.
    page.get_by_role("button", name="Add a category row").click()
    extra = matrix.locator("tbody tr").nth(2)
    extra.get_by_role("button", name="Remove this share row").click()
    assert page.evaluate("document.activeElement !== document.body")
    assert matrix.locator("tbody tr").count() == 2
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/arrangements/SA-MATRIX-1$"))
    body = page.locator("main").inner_text()
    assert "60 %" in body and "70 %" in body and "Travel" in body
    page.watch.assert_clean("the share matrix")


def test_removing_a_share_row_moves_focus_to_the_next_row(page):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, "programme_manager")
    page.goto("/arrangements/new")
    add = page.get_by_role("button", name="Add a category row")
    add.click()
    add.click()
    rows = page.locator("[data-share-matrix] tbody tr")
    assert rows.count() == 3
    rows.nth(1).get_by_role("button", name="Remove this share row").click()
    focused = page.evaluate("document.activeElement.name")
    assert focused == "matrix-2-category", focused


@pytest.mark.parametrize("role", ["admin", "programme_manager_interpol", "finance"])
def test_in_french_at_1280_px_the_navigation_wraps_rather_than_leave_the_window(page, role):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, role)
    page.goto("/projects/?lang=fr")
    logout = page.get_by_role("button", name="Se déconnecter")
    assert logout.evaluate("b => b.getBoundingClientRect().right") <= 1280
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.watch.assert_clean("the French navigation at 1280 px")
