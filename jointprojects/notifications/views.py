"""Pages: a user's mail preferences (under their account) and, for administrators, the mail
log: every message made, where it went, and its text (with no SMTP server configured, the
.eml files a newcomer would otherwise not see)."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from jointprojects.auth.policy import READ, USER_ADMIN, requires
from jointprojects.i18n import _
from jointprojects.notifications import services
from jointprojects.notifications.forms import modes_of, preferences_form
from jointprojects.transaction import form_errors
from jointprojects.vocabulary import MAIL_MODE_LABELS
from jointprojects.web import paginate

bp = Blueprint("notifications", __name__)


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
@requires(READ)
def preferences():  # type: ignore[no-untyped-def]
    user = current_user._get_current_object()
    prefs = services.preferences(user)
    form = preferences_form(prefs)
    if form.validate_on_submit():
        with form_errors(form):
            changed = services.set_preferences(user, modes_of(form, prefs))
            flash(_("Your mail preferences are saved.") if changed else
                  _("Nothing changed in your mail preferences."), "success")
            return redirect(url_for(".preferences"))
    return render_template("notifications/preferences.html", form=form, prefs=prefs,
                           mode_labels=MAIL_MODE_LABELS), (422 if form.errors else 200)


@bp.route("/admin/mail")
@login_required
@requires(USER_ADMIN)
def mail_log():  # type: ignore[no-untyped-def]
    page = paginate(services.messages_page_query())
    return render_template("notifications/mail_log.html", page=page,
                           where=services.describe())


@bp.route("/admin/mail/<int:message_id>")
@login_required
@requires(USER_ADMIN)
def mail_message(message_id: int):  # type: ignore[no-untyped-def]
    message = services.get_message(message_id)
    response = Response(services.readable(message.raw), mimetype="text/plain")
    response.headers["Cache-Control"] = "private, no-store"
    return response
