"""Login and logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from jointprojects.audit import services as audit
from jointprojects.auth import services, sessions
from jointprojects.auth.forms import LoginForm
from jointprojects.auth.policy import READ, requires
from jointprojects.auth.throttle import throttle
from jointprojects.extensions import login_manager
from jointprojects.i18n import _, refresh_language
from jointprojects.transaction import flashed_errors, keep_changes

bp = Blueprint("auth", __name__)
bp.before_app_request(sessions.check_session)

TOO_MANY = (
    "Too many failed logins for this e-mail address or from this network. "
    "Wait 15 minutes, then try again."
)

login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to see this page."
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(session_token: str):  # type: ignore[no-untyped-def]
    return services.load_user_by_session_token(session_token)


def _safe_next(target: str | None) -> str:
    if (
        target
        and not urlsplit(target).netloc
        and target.startswith("/")
        and not target.startswith("//")
    ):
        return target
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        address = request.remote_addr or ""
        if throttle().blocked(email, address):
            # No password check while the window lasts; the attempt is audited.
            audit.security_event("login_blocked", None, email=email)
            keep_changes()  # an error status rolls back, but the audit row stays
            form.password.errors.append(TOO_MANY)
            return render_template("auth/login.html", form=form), 429
        user = services.authenticate(email, form.password.data)
        if user is None:
            throttle().failed(email, address)
            audit.security_event("login_failure", None, email=email)
            keep_changes()  # an error status rolls back, but the audit row stays
            form.password.errors.append("E-mail or password is not right.")
            return render_template("auth/login.html", form=form), 400
        sessions.prune()  # opportunistic housekeeping: the rows that no longer hold
        sessions.start(user)  # a new session: the old one's CSRF token is gone
        login_user(user)
        refresh_language()  # from now on the user's own language, if chosen
        audit.security_event("login", user)
        flash(_("Welcome, %(name)s.", name=user.display_name), "success")
        return redirect(_safe_next(form.next.data))
    return render_template("auth/login.html", form=form), (400 if form.errors else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():  # type: ignore[no-untyped-def]
    # This browser's row only: the user's other browsers keep their sessions (each ends on
    # its own, on the "Your sessions" page, or by a password change).
    sessions.end_current("logout")
    audit.security_event("logout", current_user._get_current_object())
    logout_user()
    sessions.forget()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/sessions")
@login_required
@requires(READ)
def sessions_list():  # type: ignore[no-untyped-def]
    return render_template(
        "auth/sessions.html",
        rows=sessions.open_sessions(current_user),
        current=sessions.current_id(),
    )


@bp.route("/account/sessions/<session_id>/end", methods=["POST"])
@login_required
@requires(READ)
def end_session(session_id: str):  # type: ignore[no-untyped-def]
    user = current_user._get_current_object()
    this_one = session_id == sessions.current_id()
    if not sessions.end(user, session_id):
        abort(404)  # not an open session of this user: another user's is not there
    if this_one:
        logout_user()
        sessions.forget()
        flash(_("This session has ended; please log in again."), "info")
        return redirect(url_for("auth.login"))
    flash(_("The session has ended; that browser is logged out."), "success")
    return redirect(url_for("auth.sessions_list"))


@bp.route("/account/language", methods=["POST"])
@login_required
@requires(READ)
def language():  # type: ignore[no-untyped-def]
    """The switch in the navigation (a form with its CSRF token, no script needed): the
    user's language from now on, then back to the page it was chosen on."""
    with flashed_errors():
        services.set_language(current_user._get_current_object(), request.form.get("language", ""))
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/health")
def health():  # type: ignore[no-untyped-def]
    return {"status": "ok"}
