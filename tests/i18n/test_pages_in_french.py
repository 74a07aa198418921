"""A French reader sees French (issue 17): every page of a demo walk, as each role.

The demo is loaded; each demo user's browser asks for French (Accept-Language) and follows
the links of every list and record page (bounded, as ``tests/web/test_users_words.py``). A
visible text that is an English message of the catalog, shown as it is while its French
differs, fails the walk: the string was marked but not translated, or drawn outside the
catalog's language. Proper names and codes (``UN``, ``USD``, the references) are not catalog
strings; words the same in both languages ("Total", "Documents") are allowed by the catalog
itself (their French is the English).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from jointprojects.audit.models import AuditEntry
from jointprojects.auth.models import User
from jointprojects.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
from jointprojects.extensions import db
from tests.conftest import WebClient, csrf_from
from tests.i18n.conftest import PO
from tests.i18n.test_messages_with_values import english_text
from tests.web.test_users_words import _Text, _walk

FRENCH = "fr-FR,fr;q=0.9,en;q=0.5"


def _english_shown_in_french() -> dict[str, str]:
    """English message -> its French, for the messages whose French differs (whitespace
    collapsed as a browser shows it); messages with placeholders are matched by their
    fixed words only where they have no placeholder."""
    with PO.open("rb") as source:
        catalog = read_po(source, locale="fr")
    found = {}
    for message in catalog:
        if not message.id or not isinstance(message.id, str) or "%(" in message.id:
            continue
        english = " ".join(message.id.split())
        french = " ".join(str(message.string).split())
        if english != french and re.search(r"[A-Za-z]{2}", english):
            found[english] = french
    return found


def _log_in(client: Any, email: str) -> WebClient:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = FRENCH
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"csrf_token": csrf_from(page), "email": email,
                                           "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return WebClient(client)


def _untranslated(web: WebClient, english: dict[str, str]) -> tuple[int, list[str]]:
    """Walk the demo (the shared walker) and collect each visible text that is an English
    catalog message."""
    problems: list[str] = []
    original_get = web.get

    def get(url: str, **kw: Any) -> Any:
        response = original_get(url, **kw)
        if "text/html" in response.content_type and response.status_code == 200:
            html = response.get_data(as_text=True)
            assert '<html lang="fr">' in html, url
            parser = _Text()
            parser.feed(html)
            for chunk in parser.text:
                text = " ".join(chunk.split())
                if text in english:
                    problems.append(f"{url}: {text!r} (French: {english[text]!r})")
                # a message built with values (a flash, an error, an inbox title)
                problems.extend(f"{url}: {text!r} (built in English from {m!r})"
                                for m in english_text(text))
        return response

    web.get = get  # type: ignore[method-assign]
    pages, _ = _walk(web, {"no_code_is_looked_for_here"})
    return pages, problems


@pytest.mark.parametrize("email", [email for email, _, _ in DEMO_USERS
                                   if not email.startswith("pm.unodc")])
def test_a_french_browser_sees_no_english_catalog_string_in_a_demo_walk(app, client,
                                                                         email) -> None:
    load_demo()
    db.session.commit()
    web = _log_in(client, email)
    # Records' own words are data, not interface: a user's name is not translated.
    names = set(db.session.scalars(select(User.name)))
    english = {k: v for k, v in _english_shown_in_french().items() if k not in names}
    pages, problems = _untranslated(web, english)
    assert pages >= 20, f"the walk reached only {pages} pages"
    assert not problems, "\n".join(sorted(set(problems))[:60])


def test_the_same_records_read_in_english_for_an_english_browser(app, client) -> None:
    load_demo()
    db.session.commit()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-GB,en;q=0.9"
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"csrf_token": csrf_from(page), "email": DEMO_USERS[1][0],
                                "password": DEMO_PASSWORD})
    html = client.get("/arrangements/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Special arrangements" in html and "Arrangements particuliers" not in html


def test_the_switch_in_the_navigation_keeps_the_users_language(app, client) -> None:
    """The switch is a form (CSRF, no script): the choice is stored on the user, audited,
    and wins over the browser's Accept-Language from then on."""
    load_demo()
    db.session.commit()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-US,en;q=0.9"
    email = DEMO_USERS[2][0]
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"csrf_token": csrf_from(page), "email": email,
                                "password": DEMO_PASSWORD})
    html = client.get("/projects/").get_data(as_text=True)
    assert 'aria-label="Français"' in html and "Tableau de bord" not in html
    refused = client.post("/account/language", data={"language": "fr", "next": "/projects/"})
    assert refused.status_code == 400  # no CSRF token: nothing changes
    response = client.post("/account/language", data={
        "csrf_token": csrf_from(html), "language": "fr", "next": "/projects/"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/projects/")
    user = db.session.scalar(select(User).filter_by(email=email))
    db.session.refresh(user)
    assert user.language == "fr"
    entry = db.session.scalars(select(AuditEntry).filter_by(entity="user", entity_id=user.id)
                               .order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.after["language"] == "fr"
    french = client.get("/projects/").get_data(as_text=True)
    assert '<html lang="fr">' in french and "Tableau de bord" in french
    assert 'aria-label="English"' in french
    # An unknown language is refused in words, and the choice stays.
    client.post("/account/language", data={"csrf_token": csrf_from(french), "language": "de"})
    db.session.refresh(user)
    assert user.language == "fr"
    assert "Choisissez l&#39;anglais ou le français." in client.get("/projects/").get_data(
        as_text=True)


def test_french_pages_write_numbers_and_dates_as_french_readers_do(app, client) -> None:
    load_demo()
    db.session.commit()
    _log_in(client, DEMO_USERS[3][0])  # finance, UN
    html = client.get("/expenses/").get_data(as_text=True)
    assert re.search(r"\d{1,3}\u202f\d{3},\d{2}", html), "no French amount (1 234,50)"
    assert not re.search(r"\b\d{1,3},\d{3}\.\d{2}\b", html), "an English amount on a French page"
    months = ("janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|"
              "décembre")
    detail = client.get("/arrangements/SA-2024-001").get_data(as_text=True)
    assert re.search(rf"\b\d{{1,2}} ({months}) 20\d\d\b", detail), "no French date"
    assert not re.search(r"\b\d{1,2} (January|February|March|April|June|July|August|"
                         r"September|October|November|December) 20\d\d\b", detail)


def test_the_dashboard_names_months_and_chart_words_in_french(app, client) -> None:
    import json

    load_demo()
    db.session.commit()
    _log_in(client, DEMO_USERS[5][0])  # leadership
    html = client.get("/").get_data(as_text=True)
    words = json.loads(re.search(r'id="dashboard-words">(.*?)</script>', html).group(1))
    assert words["months"][0] == "janvier" and words["messages"]["Cumulative"] == "Cumul"
    months = ("janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|"
              "décembre")
    assert re.search(rf">({months}) 20\d\d</", html), "no month name in the burn table"
