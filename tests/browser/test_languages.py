"""English and French in Chromium (issue 17): a French browser reads French from the login
page on, with French numbers; the switch in the navigation (a plain form) changes the
language and the choice stays with the user, whatever the browser asks next."""

from __future__ import annotations

import re

import pytest

from jointprojects.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

#: INTERPOL's finance user (tests/browser/test_statements.py logs in as it too: the test
#: leaves its choice on English, as it found it).
EMAIL = "finance.interpol@demo.jointprojects.org"


def _french_page(browser, server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=server, locale="fr-FR",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    return context, context.new_page()


def _log_in(page, *, email_label: str, password_label: str, button: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label(email_label).fill(EMAIL)
    page.get_by_label(password_label).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=button).click()
    page.wait_for_url(re.compile(r"/$"))


def test_a_french_browser_reads_french_and_the_switch_keeps_the_choice(browser,
                                                                       server) -> None:
    context, page = _french_page(browser, server)
    try:
        page.goto("/login")
        assert page.locator("html").get_attribute("lang") == "fr"
        _log_in(page, email_label="Courriel", password_label="Mot de passe",
                button="Se connecter")
        assert page.get_by_text("Bienvenue,").is_visible()
        nav = page.locator('nav[aria-label="Navigation principale"]')
        assert nav.get_by_role("link", name="Tableau de bord").is_visible()
        page.goto("/expenses/")
        assert re.search(r"\d\u202f\d{3},\d{2}", page.locator("main").inner_text())

        # The switch: a button in the navigation, no script needed.
        page.get_by_role("button", name="English").click()
        page.wait_for_url(re.compile(r"/expenses/"))
        assert page.locator("html").get_attribute("lang") == "en"
        nav = page.locator('nav[aria-label="Main navigation"]')
        assert nav.get_by_role("link", name="Dashboard").is_visible()
    finally:
        context.close()

    # A new French browser: the user's choice (English) wins over Accept-Language.
    context, page = _french_page(browser, server)
    try:
        _log_in(page, email_label="Courriel", password_label="Mot de passe",
                button="Se connecter")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_text("Welcome,").is_visible()
        page.get_by_role("button", name="Français").click()
        page.wait_for_url(re.compile(r"/$"))
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.locator('nav[aria-label="Navigation principale"]').get_by_role(
            "link", name="Tableau de bord").is_visible()
        page.get_by_role("button", name="English").click()  # as the other tests expect it
        page.wait_for_url(re.compile(r"/$"))
        assert page.locator("html").get_attribute("lang") == "en"
    finally:
        context.close()
