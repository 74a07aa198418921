"""Pages: the inbox (to do, for information, read), its badge in the navigation, the
calendar feed's page (address, regenerate, revoke), the feed itself (no login: its secret
is the key) and the single .ics downloads of the deadline pages."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField

from jointprojects.auth.policy import READ, requires
from jointprojects.errors import NotFound
from jointprojects.i18n import lazy_gettext as _l
from jointprojects.inbox import calendar, services
from jointprojects.inbox.awaited import Item, awaited_for
from jointprojects.personnel_exchanges.services import get_exchange
from jointprojects.special_arrangements.services import get_arrangement
from jointprojects.statements.services import get_statement
from jointprojects.transaction import flashed_errors
from jointprojects.vocabulary import AWAITED_KIND_LABELS

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
calendar_bp = Blueprint("calendar", __name__, url_prefix="/calendar")

ICS = "text/calendar; charset=utf-8"
_ITEMS = "jointprojects.inbox_items"


class ReadForm(FlaskForm):
    key = HiddenField(_l("Item"))


class FeedForm(FlaskForm):
    pass


def _awaited() -> list[Item]:
    """The signed-in user's items, computed once per request (the page and its badge)."""
    # in the request's environ, not on g: an app context may outlive a request (tests)
    if _ITEMS not in request.environ:
        request.environ[_ITEMS] = awaited_for(current_user)
    items: list[Item] = request.environ[_ITEMS]
    return items


@bp.app_template_global("inbox_count")
def inbox_count() -> int:
    """The badge: how many items the signed-in user has to do."""
    if not getattr(current_user, "is_authenticated", False):
        return 0
    return sum(1 for item in _awaited() if item.action)


@bp.route("/")
@login_required
@requires(READ)
def index():  # type: ignore[no-untyped-def]
    return render_template("inbox/index.html",
                           inbox=services.inbox(current_user, items=_awaited()),
                           form=ReadForm(), kind_labels=AWAITED_KIND_LABELS)


@bp.route("/read", methods=["POST"])
@login_required
@requires(READ)
def read():  # type: ignore[no-untyped-def]
    form = ReadForm()
    if form.validate_on_submit():
        with flashed_errors(let_through=(NotFound,)) as outcome:
            services.mark_read(current_user, form.key.data)
        if outcome.error is None:
            return redirect(url_for("inbox.index") + "#for-information")
    return redirect(url_for("inbox.index"))


# --- calendars ------------------------------------------------------------------------------


def _ics(body: bytes, filename: str | None = None) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = ICS
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    else:
        response.headers["Cache-Control"] = "private, no-store"
    return response


@calendar_bp.route("/")
@login_required
@requires(READ)
def settings():  # type: ignore[no-untyped-def]
    return render_template("inbox/calendar.html", feed=calendar.live_feed(current_user),
                           secret_url=None, form=FeedForm())


@calendar_bp.route("/new", methods=["POST"])
@login_required
@requires(READ)
def regenerate():  # type: ignore[no-untyped-def]
    form = FeedForm()
    if not form.validate_on_submit():
        return redirect(url_for("calendar.settings"))
    secret = calendar.create_feed(current_user)
    # Shown once, on this answer only (never stored, never put in a cookie or a redirect).
    return render_template("inbox/calendar.html", feed=calendar.live_feed(current_user),
                           secret_url=url_for("calendar.feed", secret=secret, _external=True),
                           form=FeedForm())


@calendar_bp.route("/revoke", methods=["POST"])
@login_required
@requires(READ)
def revoke():  # type: ignore[no-untyped-def]
    form = FeedForm()
    if form.validate_on_submit():
        with flashed_errors():
            calendar.revoke_feed(current_user)
    return redirect(url_for("calendar.settings"))


@calendar_bp.get("/<secret>.ics")
def feed(secret: str):  # type: ignore[no-untyped-def]
    """No login: the secret is the key. Only what its user may see."""
    return _ics(calendar.read_feed(secret, request.url_root))


def _download(deadlines: list[calendar.Deadline], name: str, filename: str) -> Response:
    return _ics(calendar.ics(deadlines, name, request.url_root), filename)


@calendar_bp.get("/arrangements/<reference>.ics")
@login_required
@requires(READ)
def arrangement_ics(reference: str):  # type: ignore[no-untyped-def]
    sa = get_arrangement(reference)
    return _download(calendar.arrangement_deadlines([sa]), f"{sa.reference} deadlines",
                     f"{sa.reference}.ics")


@calendar_bp.get("/personnel-exchanges/<int:exchange_id>.ics")
@login_required
@requires(READ)
def exchange_ics(exchange_id: int):  # type: ignore[no-untyped-def]
    exchange = get_exchange(exchange_id)
    return _download(calendar.exchange_deadlines([exchange]),
                     f"Exchange of {exchange.person_name}", f"exchange-{exchange.id}.ics")


@calendar_bp.get("/statements/<reference>/<int:number>.ics")
@login_required
@requires(READ)
def statement_ics(reference: str, number: int):  # type: ignore[no-untyped-def]
    sa = get_arrangement(reference)
    st = get_statement(sa, number)
    row = calendar.StatementRow(st.id, st.number, st.due_date, st.status, sa.reference)
    return _download(calendar.statement_deadlines([row]),
                     f"{sa.reference} statement {st.number}",
                     f"{sa.reference}-statement-{st.number}.ics")

