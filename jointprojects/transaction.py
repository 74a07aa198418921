"""One transaction per page request: the pages' boundary, as the API and the CLI have theirs.

Modelled on indico's ``RH.process`` (``indico/web/rh.py``): the factory wraps every page view
(:func:`init_app`, every endpoint outside the ``api`` blueprint, whose ``after_request`` does
the same for JSON) in :func:`transactional`, which

* **commits** when the view returns a response that is not an error (status below 400);
* **rolls back** when the view raises (``abort(404)``, a ``NotFound`` from a service, a
  ``StaleDataError``...: the error pages in :mod:`jointprojects.web` answer after that), when
  its response is an error (the form re-rendered with 422, a 409), and when the view caught a
  :class:`~jointprojects.errors.DomainError` through :func:`form_errors` or
  :func:`flashed_errors` (a redirect after a refused action stores nothing either).

A view therefore loads (a service getter: its ``NotFound`` is the 404 page app-wide),
validates, calls one service inside ``with form_errors(form):`` (or ``flashed_errors()``),
flashes and redirects; it never calls ``commit()`` or ``rollback()``. Services flush, never
commit. Two needs of the import page have a name here too: :func:`dry_run` (a preview is the
real import, undone) and :func:`keep_changes` (a failed confirmation still uses up its
upload). The one service that ends a transaction early is the cost report on PostgreSQL,
to read from one snapshot (``jointprojects.database.restart_transaction``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Flask, current_app, flash, g, has_request_context, session
from wtforms.form import BaseForm

from jointprojects.errors import DomainError
from jointprojects.extensions import db
from jointprojects.forms import apply_errors
from jointprojects.i18n import translate

__all__ = ["Outcome", "dry_run", "failed", "flashed_errors", "form_errors", "init_app",
           "keep_changes", "rehearsal", "transactional"]

#: The blueprints that keep their own boundary (``jointprojects/api/__init__.py``).
OWN_BOUNDARY = frozenset({"api"})

_FAILED = "transaction_failed"
_KEEP = "transaction_keep"


def transactional(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``view`` as one transaction: commit on a non-error response, roll back otherwise.

    The commit happens inside the view call, so that an error it raises (a ``StaleDataError``
    flushed at commit, an ``IntegrityError``) reaches the error handlers like any other (409,
    500). When the view or the commit raises, the messages the view flashed are withdrawn
    (they announced a success)."""

    @wraps(view)
    def run(*args: Any, **kwargs: Any) -> Any:
        # g lives as long as the app context, which may outlast a request (tests share one).
        g.pop(_FAILED, None)
        g.pop(_KEEP, None)
        flashed = _flash_count()
        try:
            response = current_app.make_response(view(*args, **kwargs))
            if g.pop(_KEEP, False) or (response.status_code < 400 and not g.get(_FAILED)):
                db.session.commit()
            else:
                db.session.rollback()
        except BaseException:
            db.session.rollback()
            # A view flashes its success before the commit: not so, after all.
            _withdraw_flashes(flashed)
            raise
        finally:
            g.pop(_FAILED, None)
            g.pop(_KEEP, None)
        return response

    run.transactional = True  # type: ignore[attr-defined]
    return run


def _flash_count() -> int:
    # ``in`` does not mark the session as read (which would add ``Vary: Cookie``).
    return len(session["_flashes"]) if "_flashes" in session else 0


def _withdraw_flashes(count: int) -> None:
    if _flash_count() > count:
        session["_flashes"] = session["_flashes"][:count]


def init_app(app: Flask) -> None:
    """Wrap every page view registered so far in :func:`transactional` (call it after the
    blueprints are registered). Static files have no transaction."""
    for endpoint, view in list(app.view_functions.items()):
        blueprint, _, name = endpoint.rpartition(".")
        if blueprint in OWN_BOUNDARY or name == "static" or getattr(view, "transactional", False):
            continue
        app.view_functions[endpoint] = transactional(view)


@dataclass
class Outcome:
    """What :func:`form_errors` or :func:`flashed_errors` caught: ``error`` is the
    DomainError the service raised, None when it succeeded."""

    error: DomainError | None = None


def failed() -> None:
    """Undo the transaction now (the page shown next reads the database as it stands) and
    make sure this request commits nothing."""
    db.session.rollback()
    if has_request_context():
        g.setdefault(_FAILED, True)


@contextmanager
def form_errors(form: BaseForm, aliases: dict[str, str] | None = None) -> Iterator[Outcome]:
    """Call the service inside: a :class:`DomainError` it raises is rolled back at once and
    put beside the form's fields (:func:`jointprojects.forms.apply_errors`); the view goes on
    to re-render the form, which then answers 422 (nothing stored)."""
    outcome = Outcome()
    try:
        yield outcome
    except DomainError as exc:
        failed()
        outcome.error = exc
        apply_errors(form, exc, aliases)


@contextmanager
def flashed_errors(category: str = "danger",
                   let_through: tuple[type[DomainError], ...] = ()) -> Iterator[Outcome]:
    """Call the service inside: a :class:`DomainError` it raises is rolled back at once and
    flashed; the view goes on (usually to a redirect), and nothing is committed. The errors
    of ``let_through`` propagate instead (``NotFound``: the 404 page)."""
    outcome = Outcome()
    try:
        yield outcome
    except let_through:
        raise
    except DomainError as exc:
        failed()
        outcome.error = exc
        flash("; ".join(translate(e.message) for e in exc.errors), category)


@contextmanager
def rehearsal(form: BaseForm) -> Iterator[bool]:
    """Validate ``form`` and run the service inside either way, so that one submission
    reports every problem at once: the form's own (a required field, a date that does not
    parse) and the service's (a rule between fields, a code already taken).

    Yields True when the form is valid: the service's work then stands, as usual. When it is
    not, the block runs as a :func:`dry_run` and yields False: whatever the service did is
    undone, its :class:`DomainError` goes beside the fields (under :func:`form_errors`,
    which keeps one message per field, the form's first), and the view re-renders the form::

        if form.is_submitted():
            with form_errors(form), rehearsal(form) as valid:
                project = services.create_project(_data(form))
                if valid:
                    flash(...)
                    return redirect(...)
    """
    if form.validate():
        yield True
        return
    with dry_run():
        yield False


@contextmanager
def dry_run() -> Iterator[None]:
    """Whatever is done inside is undone when the block ends, whether it succeeds or raises
    (a SAVEPOINT rolled back); what the request did before and does after stays."""
    savepoint = db.session.begin_nested()
    try:
        yield
    finally:
        savepoint.rollback()


def keep_changes() -> None:
    """Commit this request's transaction although its response reports an error: for an
    outcome that stands on its own (the upload a failed confirmation used up). Call it after
    :func:`failed`, when what is left in the transaction is that outcome alone."""
    g.setdefault(_KEEP, True)
