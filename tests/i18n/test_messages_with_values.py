"""Messages built with values (issue 17): a flash or an error that names a statement, a
date or an amount is French on a French page, its values written as a French reader writes
them, and stays English, word for word as before, for an English reader.

The pages' walk (``test_pages_in_french``) leaves out the catalog's messages with
placeholders; here each one whose fixed words are long enough to recognise becomes a pattern
(``%(day)s lies in a closed period ...`` -> ``.+ lies in a closed period ...``), and a French
page whose visible text matches one fails: the message was built in English.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from babel.messages.pofile import read_po

from jointprojects.errors import Message
from jointprojects.extensions import db
from jointprojects.i18n import refresh_language, translate
from jointprojects.locales import LongDate, Money, format_money, long_date
from jointprojects.special_arrangements import services as arrangements
from tests.i18n.conftest import PO
from tests.statements.conftest import quarter  # noqa: F401 - fixture
from tests.statements.test_pages import _browser
from tests.web.test_users_words import _Text

_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]")


@cache
def _english_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """A pattern per English message with values whose French differs and whose fixed words
    hold at least three words (so that "%(record)s %(verb)s" recognises nothing)."""
    with PO.open("rb") as source:
        catalog = read_po(source, locale="fr")
    found = []
    for message in catalog:
        if not message.id or not isinstance(message.id, str) or "%(" not in message.id:
            continue
        english = " ".join(message.id.split())
        french = " ".join(str(message.string).split())
        fixed = _PLACEHOLDER.sub(" ", english)
        if english == french or len(re.findall(r"[A-Za-z]{2,}", fixed)) < 3:
            continue
        parts = _PLACEHOLDER.split(english)[::2]  # the fixed text between the placeholders
        pattern = ".+?".join(re.escape(part.replace("%%", "%")) for part in parts)
        found.append((re.compile(pattern), english))
    return tuple(found)


@cache
def _any_pattern() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p.pattern})" for p, _ in _english_patterns()))


def english_text(text: str) -> list[str]:
    """The English messages with values ``text`` (one visible chunk) shows."""
    if not _any_pattern().search(text):
        return []
    return [english for pattern, english in _english_patterns() if pattern.search(text)]


def english_in(html: str) -> list[str]:
    """The English messages with values visible in ``html``."""
    parser = _Text()
    parser.feed(html)
    return sorted({english for chunk in parser.text
                   for english in english_text(" ".join(chunk.split()))})


def test_the_patterns_recognise_a_message_built_in_english() -> None:
    sentence = Message("%(day)s lies in a closed period (%(closed)s): record an adjustment in "
                       "the open period instead.", day=date(2025, 3, 2), closed="closed by x")
    assert english_in(f"<p>{sentence}</p>") == [sentence.msgid]
    assert english_in("<p>Le 2 mars 2025 se trouve dans une période close.</p>") == []


def test_a_message_keeps_its_english_and_is_shown_in_the_readers_language(app: Any) -> None:
    message = Message("The amount %(amount)s is more than the %(outstanding)s outstanding on "
                      "this transfer: a payment cannot exceed what is outstanding.",
                      amount=Money(Decimal("1234.5"), "EUR"),
                      outstanding=Money(Decimal("340"), "EUR"))
    assert message == ("The amount 1,234.50 EUR is more than the 340.00 EUR outstanding on this "
                       "transfer: a payment cannot exceed what is outstanding.")
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        refresh_language()  # the tests share one app context: the locale is cached on g
        french = translate(message)
    assert french == (f"Le montant de {format_money(Decimal('1234.50'), 'EUR', 'fr')} dépasse "
                      f"les {format_money(Decimal('340.00'), 'EUR', 'fr')} restant dus sur ce "
                      "virement : un paiement ne peut pas dépasser ce qui reste dû.")
    assert "1\u202f234,50\u00a0€" in french
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh_language()
        assert translate(message) == message
        nested = Message("The date %(problem)s.", problem=Message("is required"))
        assert translate(nested) == "The date is required."
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        refresh_language()
        assert translate(nested) == "La date est obligatoire."
        assert translate(Message("On %(day)s.", day=LongDate(date(2025, 1, 6)))) == \
            "Le 6 janvier 2025."


def test_errors_and_flashes_with_values_are_french_on_french_pages(
        app: Any, quarter: Any, finance: Any, make_user: Any,  # noqa: F811 - fixture
        make_arrangement: Any) -> None:
    finance.language = "fr"
    interpol_finance = make_user("finance", "INTERPOL")
    interpol_finance.language = "fr"
    db.session.commit()
    un = _browser(app, finance)

    # issuing a statement: the flash names it and the day the period closes, in French
    r = un.post_form("/statements/arrangements/SA-Q/issue", {"to": "2025-03-31", "confirm": "y"},
                     page="/arrangements/SA-Q")
    assert r.status_code == 302
    html = un.get(r.headers["Location"]).get_data(as_text=True)
    assert "Relevé 1 émis : la période jusqu&#39;au 31 mars 2025 est close." in html
    assert english_in(html) == []

    # an expense dated in the closed period: 409, the statement and the dates in words
    r = un.post_form("/expenses/arrangements/SA-Q/new", {
        "date": "2025-03-02", "category": "travel", "amount": "9,00", "currency": "USD",
        "paid_by": "UN"})
    html = r.get_data(as_text=True)
    assert r.status_code == 409
    assert ("Le 2 mars 2025 se trouve dans une période close (close par le relevé 1 de SA-Q, "
            "jusqu&#39;au 31 mars 2025)") in html
    assert "lies in a closed period" not in html and english_in(html) == []

    # a payment above what is outstanding: 422, both amounts as a French reader writes them
    interpol = _browser(app, interpol_finance)
    interpol.post_form("/statements/arrangements/SA-Q/1/acknowledge", {
        "ack-organization": "INTERPOL", "ack-decision": "accept"},
        page="/statements/arrangements/SA-Q/1")
    r = interpol.post_form("/statements/arrangements/SA-Q/1/payments", {
        "payment-transfer": "INTERPOL>UN", "payment-amount": "400,00",
        "payment-date": "2025-04-05", "payment-reference": "BANK-1"},
        page="/statements/arrangements/SA-Q/1")
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    four_hundred = format_money(Decimal("400.00"), "USD", "fr")
    outstanding = format_money(Decimal("340.00"), "USD", "fr")
    assert (f"Le montant de {four_hundred} dépasse les {outstanding} restant dus sur ce "
            "virement") in html.replace("&#39;", "'")
    assert "is more than the" not in html and english_in(html) == []

    # a signature given twice: 409 naming the party and the arrangement
    draft = make_arrangement(signed=False)
    un_pm = make_user("programme_manager", "UN")
    un_pm.language = "fr"
    arrangements.sign(draft, "UN", date(2025, 1, 10), un_pm, "A. Guterres", "Secretary-General")
    db.session.commit()
    pm = _browser(app, un_pm)
    r = pm.post_form(f"/arrangements/{draft.reference}/sign", {
        "sign-organization": "UN", "sign-date": "2025-01-11", "sign-signatory_name": "A. G.",
        "sign-signatory_title": "SG"}, page=f"/arrangements/{draft.reference}")
    html = r.get_data(as_text=True)
    assert r.status_code == 409
    assert f"UN a déjà signé {draft.reference}." in html
    assert "has already signed" not in html and english_in(html) == []


def test_the_same_messages_stay_english_for_an_english_reader(
        app: Any, quarter: Any, finance: Any) -> None:  # noqa: F811 - fixture
    un = _browser(app, finance)
    un.post_form("/statements/arrangements/SA-Q/issue", {"to": "2025-03-31", "confirm": "y"},
                 page="/arrangements/SA-Q")
    r = un.post_form("/expenses/arrangements/SA-Q/new", {
        "date": "2025-03-02", "category": "travel", "amount": "9.00", "currency": "USD",
        "paid_by": "UN"})
    assert r.status_code == 409
    assert ("2025-03-02 lies in a closed period (closed by statement 1 of SA-Q, up to "
            f"{long_date(date(2025, 3, 31))})") in r.get_data(as_text=True)
