"""English and French, equally authentic (issue 17): Flask-Babel and the choice of language.

Strings are marked where they are written and translated where they are shown:

* templates: ``{{ _("Dashboard") }}`` / ``{% trans %}``, extracted by ``make translations``;
* views, forms and services: :func:`gettext` (``_``) in a request, :func:`lazy_gettext` for
  what is built at import time (form labels, the navigation);
* the pure layer (``vocabulary.py``, ``dates.py``) stays standard library only: its labels
  are English message ids marked with ``vocabulary.N_`` (an identity function pybabel
  extracts) and translated at render time by message id (:func:`translate`: the ``label``
  filter, ``audit/lines.py``, the workbooks' labels);
* a service's ``DomainError`` messages are English message ids, translated at the boundary
  (the form errors, the flashes and the API's ``errors[].message``; field paths unchanged);
  a message with values is an :class:`~jointprojects.errors.Message` (its message id and its
  values; it reads as its English text), which :func:`translate` fills in the reader's
  language, the values written as they write them (:func:`localized`); a view says the same
  with :func:`msg` / :func:`msg_n`;
* mail is written in its recipient's language (``force_locale``, ``notifications``).

Which language: a download's ``?lang=en|fr``; for the API the request's Accept-Language,
then the user's; for pages the user's choice (``user.language``, the switch in the
navigation), then (anonymous) the session's, then Accept-Language, then English. The CLI
uses ``--lang`` or the locale (``LANG``) through :func:`language_scope`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, has_request_context, request, session
from flask_babel import Babel, LazyString, force_locale, get_locale, lazy_gettext, ngettext, refresh
from flask_babel import gettext as _gettext
from flask_login import current_user
from markupsafe import Markup

from jointprojects import locales
from jointprojects.errors import Message
from jointprojects.locales import DEFAULT_LANGUAGE, LANGUAGES, normalize_language

__all__ = [
    "LANGUAGES",
    "_",
    "babel",
    "current_language",
    "gettext",
    "init_app",
    "language_scope",
    "lazy_choices",
    "lazy_gettext",
    "lazy_translate",
    "localized",
    "msg",
    "msg_n",
    "ngettext",
    "refresh_language",
    "translate",
]

babel = Babel()

#: Where an anonymous visitor's choice is kept (the signed session cookie).
SESSION_KEY = "language"


def gettext(message: str, **variables: Any) -> str:
    """The message in the current language (``%(name)s`` placeholders filled)."""
    return str(_gettext(message, **variables))


_ = gettext


def translate(message: object) -> str:
    """A message id (an English text kept in the pure layer or a ``DomainError``) in the
    current language; a text the catalog does not hold is returned as it is, and so is
    markup (already drawn) or what is not text."""
    if message is None or message == "":
        return ""
    if isinstance(message, Message):
        if not message.params:
            return str(_gettext(message.msgid))
        language = current_language()
        return str(_gettext(message.msgid, **{name: localized(value, language)
                                               for name, value in message.params.items()}))
    if isinstance(message, Markup) or not isinstance(message, str | LazyString):
        return message  # type: ignore[return-value]
    return str(_gettext(str(message)))  # no variables: a literal % is left alone


def localized(value: object, language: str) -> object:
    """A message's value as the reader writes it: a :class:`Message` translated, a date
    ``6 janvier 2025`` and a decimal ``1 234,50`` in French; in English (and for anything
    else: codes, references, numbers of records) the value as the English text wrote it."""
    if isinstance(value, Message):
        return translate(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(localized(item, language)) for item in value)
    if isinstance(value, locales.Money | locales.LongDate | locales.Number):
        return value.localized(language)
    if language == DEFAULT_LANGUAGE:
        return value
    if isinstance(value, date) and not isinstance(value, datetime):
        return locales.long_date(value, language)
    if isinstance(value, Decimal) and value.is_finite():
        return locales.format_amount(value, None, language)
    return value


def msg(msgid: str, **values: object) -> str:
    """``msgid`` with its values in the current language (a flash, a page's sentence): the
    view's counterpart of a service's :class:`Message`."""
    return translate(Message(msgid, **values))


def msg_n(singular: str, plural: str, count: int, **values: object) -> str:
    """:func:`msg` for a sentence whose words follow a number (``%(num)s`` is ``count``;
    French puts 0 and 1 in the singular)."""
    language = current_language()
    return str(ngettext(singular, plural, count,
                        **{name: localized(value, language) for name, value in values.items()}))


def lazy_translate(message: str) -> LazyString:
    """A message id translated when it is shown (a form's label, help text or option)."""
    return LazyString(translate, message)


def lazy_choices(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, Any]]:
    """``(code, English label)`` pairs for a select field, labels read in the reader's
    language when the form is drawn."""
    return [(code, lazy_translate(label)) for code, label in pairs]


def current_language() -> str:
    locale = get_locale()
    if locale is None:
        return DEFAULT_LANGUAGE
    return normalize_language(str(locale)) or DEFAULT_LANGUAGE


def select_language() -> str:
    """Flask-Babel's locale selector (see the module docstring for the order)."""
    if not has_request_context():
        return normalize_language(os.environ.get("LANG")) or DEFAULT_LANGUAGE
    asked = normalize_language(request.args.get("lang"))
    if asked:
        return asked
    browser = request.accept_languages.best_match(LANGUAGES)
    if request.path.startswith("/api/") and request.headers.get("Accept-Language"):
        return browser or DEFAULT_LANGUAGE
    user = current_user
    chosen = getattr(user, "language", None) if getattr(user, "is_authenticated", False) \
        else session.get(SESSION_KEY)
    return normalize_language(chosen) or browser or DEFAULT_LANGUAGE


@contextmanager
def language_scope(language: str | None) -> Iterator[str]:
    """Run a CLI command (or a job) in ``language`` (``en``/``fr``; None: the locale's)."""
    chosen = normalize_language(language) or normalize_language(os.environ.get("LANG")) \
        or DEFAULT_LANGUAGE
    with force_locale(chosen):
        yield chosen


def refresh_language() -> None:
    """Choose the language again in this request (the user just logged in)."""
    refresh()


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    babel.init_app(app, locale_selector=select_language)
    # The chosen locale is cached on ``g``; a test (or a CLI command) that keeps one app
    # context across several requests must not carry one request's language into the next.
    app.before_request(refresh)
