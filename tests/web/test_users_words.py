"""Every page of a demo walk speaks the users' words (issue 11 item 4).

The demo is loaded, each demo user logs in and follows the links of every list and record
page (bounded), and no vocabulary code that differs from its label (``in_force``,
``contractual_services``, ``joint_action``, ``programme_manager``, a table's name such as
``special_arrangement``) may appear in the text a reader sees: tags, attribute values and
form values are left out, as a browser shows them.
"""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest

from jointprojects import vocabulary
from jointprojects.auth.models import ROLE_LABELS
from jointprojects.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
from jointprojects.extensions import db
from tests.conftest import WebClient, csrf_from

#: Pages per user: enough to reach every kind of list and record page of the demo.
MAX_PAGES = 90
#: Links whose answer is a file or an action, not a page to read.
SKIP = re.compile(r"^/(api/|static/|logout)|\.xlsx|/download|/report|/export|format=")


def _codes() -> set[str]:
    """Codes a reader must never see: the snake_case ones whose label differs from the code
    (a one-word code such as ``personnel`` is also an English word)."""
    labels: dict[str, str] = {
        **vocabulary.EXPENSE_CATEGORY_LABELS, **vocabulary.COST_ITEM_LABELS,
        **vocabulary.STATUS_LABELS, **ROLE_LABELS,
        **{code: kind.label for code, kind in vocabulary.KINDS.items()},
    }
    codes = {code for code, text in labels.items() if "_" in code and code.lower() != text.lower()}
    # Record types as the database names them (``special_arrangement #4``).
    codes |= {table.name for table in db.metadata.sorted_tables if "_" in table.name}
    return codes


class _Text(HTMLParser):
    """The visible text of a page and the links it holds."""

    HIDDEN = {"script", "style", "textarea", "template", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)


def _walk(web: WebClient, codes: set[str]) -> tuple[int, list[str]]:
    pattern = re.compile(r"(?<![\w-])(" + "|".join(sorted(map(re.escape, codes))) + r")(?![\w-])")
    seen: set[str] = set()
    queue = deque(["/"])
    problems: list[str] = []
    pages = 0
    while queue and pages < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = web.get(url)
        if response.status_code in (301, 302, 303):
            queue.appendleft(urlsplit(response.headers["Location"]).path)
            continue
        if "text/html" not in response.content_type:
            continue
        pages += 1
        assert response.status_code < 500, url
        parser = _Text()
        parser.feed(response.get_data(as_text=True))
        text = " ".join(parser.text)
        for match in pattern.finditer(text):
            start = max(0, match.start() - 40)
            problems.append(f"{url}: {match.group(1)!r} in …{text[start:match.end() + 40]}…")
        for href in parser.links:
            link, _ = urldefrag(href)
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if SKIP.search(link) or "page=" in parts.query:
                continue
            # Filters of a list are worth one visit per path, not one per combination.
            key = link if not parts.query else parts.path + "?" + parts.query.split("&")[0]
            if key not in seen:
                queue.append(key)
    return pages, problems


@pytest.mark.parametrize("email", [email for email, _, _ in DEMO_USERS
                                   if not email.startswith("pm.unodc")])
def test_no_vocabulary_code_in_the_text_of_a_demo_walk(app, client, email) -> None:
    load_demo()
    db.session.commit()
    web = WebClient(client)
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"csrf_token": csrf_from(page), "email": email,
                                           "password": DEMO_PASSWORD})
    assert response.status_code == 302
    pages, problems = _walk(web, _codes())
    assert pages >= 20, f"the walk reached only {pages} pages"
    assert not problems, "\n".join(sorted(set(problems))[:60])


#: Forms posted empty (or with one wrong value): their messages name fields in words.
FORMS = ["/projects/new", "/arrangements/new", "/personnel-exchanges/new", "/expenses/rates"]
SNAKE = re.compile(r"(?<![\w@./-])[a-z]+_[a-z_]+(?![\w@-])")


def test_messages_of_forms_posted_empty_name_no_code(app, client) -> None:
    load_demo()
    db.session.commit()
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"csrf_token": csrf_from(page), "email": DEMO_USERS[0][0],
                                "password": DEMO_PASSWORD})
    sa = "SA-2024-001"
    urls = [*FORMS, f"/expenses/arrangements/{sa}/new", f"/expenses/arrangements/{sa}/budgets",
            f"/arrangements/{sa}/amendments/new"]
    problems = []
    for url in urls:
        form = client.get(url)
        assert form.status_code == 200, url
        response = client.post(url, data={"csrf_token": csrf_from(form.get_data(as_text=True)),
                                          "amount": "1,5x", "end_date": "2000-01-01"})
        assert response.status_code == 422, url
        parser = _Text()
        parser.feed(response.get_data(as_text=True))
        text = " ".join(parser.text)
        assert "invalid-feedback" in response.get_data(as_text=True), url
        problems += [f"{url}: {m.group(0)!r} in …{text[max(0, m.start() - 60):m.end() + 40]}…"
                     for m in SNAKE.finditer(text)]
    assert not problems, "\n".join(problems)
