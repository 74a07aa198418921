"""Shared pieces of the web interface: error pages, pagination, template filters."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Flask, current_app, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import Select, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug import exceptions as werkzeug_exceptions
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from jointprojects import bounds, locales, vocabulary
from jointprojects.audit import lines as audit_lines
from jointprojects.auth import policy
from jointprojects.auth.models import ROLE_LABELS
from jointprojects.error_responses import domain_error_response, error_response, http_error_response
from jointprojects.errors import NotFound
from jointprojects.extensions import db
from jointprojects.i18n import current_language, translate
from jointprojects.vocabulary import N_

log = logging.getLogger(__name__)


#: Ids and page numbers beyond this are not ours: a 404 or a clear message, never an overflow.
MAX_INT = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """``<int:id>`` that answers 404 for numbers no database column could hold."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def page_args(default_per_page: int | None = None, max_per_page: int = 1000) -> tuple[int, int]:
    per_default = default_per_page or current_app.config.get("PER_PAGE", 25)
    try:
        page = min(MAX_INT // max(per_default, 1), max(1, int(request.args.get("page", 1))))
    except ValueError:
        page = 1
    try:
        per_page = min(max_per_page, max(1, int(request.args.get("per_page", per_default))))
    except ValueError:
        per_page = per_default
    return page, per_page


def paginate(query: Select[Any], *, scalars: bool = True) -> Page:
    page, per_page = page_args()
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = query.limit(per_page).offset((page - 1) * per_page)
    items = list(db.session.scalars(rows) if scalars else db.session.execute(rows))
    return Page(items, page, per_page, int(total or 0))


def wants_json() -> bool:
    return request.path.startswith("/api/")


#: Scripts only from our own static folder (no inline script runs); nothing may frame a page
#: where a signature or a consent is recorded.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


#: HSTS: a year, subdomains included (sent in production only: see :func:`uses_hsts`).
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def uses_hsts(app: Flask) -> bool:
    """HSTS is sent by a production instance: ``STRICT_TRANSPORT_SECURITY`` when configured,
    otherwise whenever the session cookie is Secure (``ProductionConfig``, unless
    ``JOINTPROJECTS_INSECURE_COOKIES=1`` says it is served over plain HTTP), never in debug
    or testing."""
    configured = app.config.get("STRICT_TRANSPORT_SECURITY")
    if configured is not None:
        return bool(configured)
    return bool(app.config.get("SESSION_COOKIE_SECURE")) and not app.debug and not app.testing


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response: Any) -> Any:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if uses_hsts(current_app):
            headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        if headers.get("Content-Disposition", "").startswith("attachment"):
            # Every download (cost report, portfolio, template…) holds financial data: no
            # cache may keep it, not even one that revalidates (send_file says no-cache).
            headers["Cache-Control"] = "private, no-store"
        elif request.path.startswith("/api/") or response.mimetype == "text/html":
            # Pages and API answers carry personal and financial data: never cache them.
            headers.setdefault("Cache-Control", "no-store")
        if response.status_code == 405 and "Allow" not in headers:
            headers["Allow"] = ", ".join(allowed_methods())
        return response


def allowed_methods() -> list[str]:
    """The methods the current URL answers (for the ``Allow`` header of a 405)."""
    error = request.routing_exception
    methods = getattr(error, "valid_methods", None)
    if not methods:
        try:
            adapter = current_app.url_map.bind_to_environ(request.environ)
            methods = adapter.allowed_methods(request.path)
        except HTTPException:
            methods = []
    return sorted(set(methods))


def register_input_bounds(app: Flask) -> None:
    """Refuse, before any view runs, what no field may hold (:mod:`jointprojects.bounds`):
    a JSON body too large or too deep (400, before it is parsed), and a query argument or
    form field with a NUL, a lone surrogate or a control character (422 naming it)."""

    @app.before_request
    def input_bounds() -> Any:
        if request.is_json and (problem := bounds.json_problem(request.get_data(cache=True))):
            if wants_json():
                return error_response(400, None, problem)
            return render_template("errors/error.html", code=400, title=N_("Request refused"),
                                   message=problem), 400
        for source in (request.args, request.form):
            for name, value in source.items(multi=True):
                problem = bounds.text_problem(name or "") or bounds.text_problem(value or "")
                if problem is None:
                    continue
                message = f"{name} {problem}." if bounds.text_problem(name or "") is None else \
                    f"A field name {problem}."
                if wants_json():
                    return error_response(422, name, message)
                return render_template("errors/error.html", code=422, title=N_("Input refused"),
                                       message=message), 422
        return None


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):  # type: ignore[no-untyped-def]
        return render_template(
            "errors/error.html",
            code=400,
            title=N_("Form expired"),
            message=N_("The form was missing its security token or it expired. "
                       "Go back, reload the page and try again."),
        ), 400

    @app.errorhandler(StaleDataError)
    def stale_data(error: StaleDataError):  # type: ignore[no-untyped-def]
        """Two users saved the same versioned record at once: the later save is refused with
        409 rather than silently overwriting the first (no lost updates)."""
        db.session.rollback()
        message = (
            N_("Someone else changed this record while you were editing it, so your change was "
               "not saved. Reload the page to see their version, then apply your change again.")
        )
        if wants_json():
            return error_response(409, "version", message)
        return render_template(
            "errors/error.html", code=409, title=N_("Changed by someone else"), message=message
        ), 409

    @app.errorhandler(NotFound)
    def not_found(error: NotFound):  # type: ignore[no-untyped-def]
        """A service's NotFound (an unknown reference or id) is the 404 page, so that a view
        calls the getter directly. The API's own handler answers first with its JSON."""
        db.session.rollback()
        if wants_json():
            return domain_error_response(error)
        return http_error(werkzeug_exceptions.NotFound())

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        if wants_json():
            return http_error_response(error)
        titles = {
            403: N_("Not allowed"),
            404: N_("Not found"),
            405: N_("Not allowed here"),
            413: N_("File too large"),
        }
        messages = {
            403: N_("Your role does not allow this page or action. Ask an administrator if you "
                    "need it."),
            404: N_("There is nothing at this address. It may have been deleted or mistyped."),
            413: N_("The file is larger than the application accepts."),
        }
        code = error.code or 500
        return render_template(
            "errors/error.html",
            code=code,
            title=titles.get(code, error.name),
            message=messages.get(code, error.description),
        ), code

    @app.errorhandler(OperationalError)
    def database_busy(error: OperationalError):  # type: ignore[no-untyped-def]
        """SQLite (the embedded default) refuses a write with "database is locked" when
        another change is being saved at the same moment and waiting cannot settle it: the
        request was rolled back whole, so it is the user's to send again (503, Retry-After),
        not an internal error."""
        if "locked" not in str(error.orig if error.orig is not None else error).lower():
            return server_error(error)
        log.warning("database busy on %s %s: %s", request.method, request.path, error.orig)
        db.session.rollback()
        message = N_("Another change was being saved at the same moment, so yours was not "
                     "saved. Send it again.")
        headers = {"Retry-After": "2"}
        if wants_json():
            return *error_response(503, None, message), headers
        return render_template("errors/error.html", code=503, title=N_("Busy"),
                               message=message), 503, headers

    @app.errorhandler(Exception)
    def server_error(error: Exception):  # type: ignore[no-untyped-def]
        log.exception("unhandled error on %s", request.path)
        db.session.rollback()
        if wants_json():
            return error_response(500, None, "An internal error occurred; nothing was stored.")
        return render_template(
            "errors/error.html",
            code=500,
            title=N_("Something went wrong"),
            message=N_("An internal error occurred and nothing was stored. "
                       "Please try again; if it persists, tell an administrator."),
        ), 500


#: The navigation bar: (endpoint, label, right). Items of features not registered are skipped.
#: Labels are English message ids (``N_``), shown in the reader's language.
NAV: list[tuple[str, str, str]] = [
    ("dashboard.index", N_("Dashboard"), "read"),
    ("inbox.index", N_("Inbox"), "read"),
    ("projects.index", N_("Projects"), "read"),
    ("arrangements.index", N_("Arrangements"), "read"),
    ("expenses.index", N_("Expenses"), "read"),
    ("exchange_rates.rates", N_("Rates"), "read"),
    ("reporting.imports", N_("Imports"), "import"),
    ("personnel_exchanges.index", N_("Personnel"), "read"),
    ("statements.settlement", N_("Settlement"), "read"),
    ("organizations.index", N_("Organizations"), "read"),
    ("jobs.index", N_("Jobs"), "read"),
    ("users.index", N_("Users"), "user.admin"),
    ("audit.index", N_("Audit"), "user.admin"),
]


#: The dashboard charts' words (static/dashboard.js), in the page's language.
CHART_WORDS: tuple[str, ...] = (
    N_("Projects"), N_("In force"), N_("Signed, not yet in force"), N_("Partly signed"),
    N_("Not signed"), N_("Under notice"), N_("Terminated"), N_("Expired"), N_("Arrangements"),
    N_("Budget"), N_("Share"), N_("Paid"), N_("Spend in the month"), N_("Cumulative"),
    N_("Ending ≤ %(days)s days"), N_("%(currency)s per month"),
)


def chart_words() -> dict[str, Any]:
    """What dashboard.js needs to draw its charts in the reader's language."""
    language = current_language()
    words: dict[str, Any] = {"messages": {w: translate(w) for w in CHART_WORDS}}
    if language != "en":
        words["months"] = [locales.month_name(m, language) for m in range(1, 13)]
    return words


class TranslatedLabels(dict[str, str]):
    """Code -> English label (the message id), read in the reader's language."""

    def __getitem__(self, code: str) -> str:
        return translate(super().__getitem__(code))

    def get(self, code: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return self[code] if code in self.keys() else default


def register_template_helpers(app: Flask) -> None:
    # Numbers and dates in the reader's language (jointprojects.locales; English as before).
    @app.template_filter("money")
    def money_filter(amount: Decimal | None, currency: str | None = None) -> str:
        return locales.format_money(amount, currency, current_language())

    @app.template_filter("amount")
    def amount_filter(amount: Decimal | None, currency: str | None = None) -> str:
        return locales.format_amount(amount, currency, current_language())

    @app.template_filter("percent")
    def percent_filter(value: Decimal | None) -> str:
        return locales.format_percent(value, current_language())

    @app.template_filter("day")
    def day_filter(value: date | None) -> str:
        """A date as people read it: "6 January 2025", "6 janvier 2025"."""
        return locales.long_date(value, current_language())

    @app.template_filter("month")
    def month_filter(value: str | None) -> str:
        """``"2025-03"`` -> "March 2025", "mars 2025"."""
        return locales.month_label(value, current_language()) if value else ""

    @app.template_filter("isodate")
    def isodate(value: date | None) -> str:
        return value.isoformat() if value else ""

    @app.template_filter("tr")
    def tr_filter(message: str | None) -> str:
        """An English message id kept as data (a vocabulary label, a service's message) in
        the reader's language."""
        return translate(message)

    @app.template_filter("label")
    def label_filter(code: str | None) -> str:
        return translate(vocabulary.label(code))

    def can(action: str, organization: str | None = None) -> bool:
        return policy.can(current_user, action, organization)

    def page_url(page: int) -> str:
        args = {**request.args.to_dict(), **(request.view_args or {}), "page": str(page)}
        return url_for(request.endpoint or "dashboard.index", **args)

    def nav_items() -> list[tuple[str, str, str]]:
        return [(endpoint, translate(label), right) for endpoint, label, right in NAV
                if endpoint in current_app.view_functions and can(right)]

    # Globals (not a context processor) so that imported macros see them too.
    app.jinja_env.globals.update(
        can=can,
        page_url=page_url,
        nav_items=nav_items,
        audit_lines=audit_lines.lines,
        security_actions=audit_lines.SECURITY_LABELS,
        policy=policy,
        role_labels=TranslatedLabels(ROLE_LABELS),
        languages=locales.LANGUAGE_NAMES,
        current_language=current_language,
        chart_words=chart_words,
    )

    @app.context_processor
    def inject() -> dict[str, Any]:
        return {"today": date.today()}
