"""User administration for admins, and each user's own password."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required, login_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from jointprojects.auth import services, sessions
from jointprojects.auth.models import ROLE_LABELS, User
from jointprojects.auth.policy import READ, USER_ADMIN, requires
from jointprojects.extensions import db
from jointprojects.i18n import _, lazy_choices, msg
from jointprojects.i18n import lazy_gettext as _l
from jointprojects.organizations.services import list_organizations
from jointprojects.transaction import flashed_errors, form_errors, rehearsal
from jointprojects.vocabulary import N_

bp = Blueprint("users", __name__, url_prefix="/users")


class UserForm(FlaskForm):
    email = StringField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    role = SelectField(_l("Role"), choices=lazy_choices(ROLE_LABELS.items()))
    organization = SelectField(_l("Organization"), choices=[], validate_choice=False)
    password = PasswordField(_l("Initial password"), validators=[DataRequired()])


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password (12 to 128 characters)"), validators=[DataRequired()]
    )


@bp.route("/", methods=["GET", "POST"])
@login_required
@requires(USER_ADMIN)
def index():  # type: ignore[no-untyped-def]
    form = UserForm()
    form.organization.choices = [(o.code, o.code) for o in list_organizations()]
    if form.is_submitted():
        with form_errors(form), rehearsal(form) as valid:
            user = services.create_user_audited(
                form.email.data,
                form.password.data,
                form.role.data,
                form.organization.data,
                form.name.data or "",
                acting=current_user,
            )
            if valid:
                flash(_("User %(email)s created.", email=user.email), "success")
                return redirect(url_for(".index"))
    return render_template("auth/users.html", users=services.list_users(), form=form), (
        422 if form.errors or getattr(form, "form_errors", None) else 200)


@bp.route("/<int:user_id>/active", methods=["POST"])
@login_required
@requires(USER_ADMIN)
def toggle_active(user_id: int):  # type: ignore[no-untyped-def]
    user = db.session.get(User, user_id) or abort(404)
    with flashed_errors():
        services.set_active(user, not user.active, current_user)
        flash(msg(N_("%(email)s is now active.") if user.active
                  else N_("%(email)s is now deactivated."), email=user.email), "success")
    return redirect(url_for(".index"))


@bp.route("/me", methods=["GET", "POST"])
@login_required
@requires(READ)
def me():  # type: ignore[no-untyped-def]
    form = PasswordForm()
    if form.validate_on_submit():
        with form_errors(form):
            revoked = services.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
            user = current_user._get_current_object()
            ended = sessions.end_others(user)  # this browser stays logged in
            sessions.end_current("renewed")
            sessions.start(user)  # a fresh session cookie and CSRF token
            login_user(user)
            flash(
                f"Your password was changed; your other sessions were ended ({ended})"
                + (f" and your {revoked} API token(s) were revoked." if revoked else "."),
                "success",
            )
            return redirect(url_for(".me"))
    return render_template("auth/me.html", form=form), (422 if form.errors else 200)
