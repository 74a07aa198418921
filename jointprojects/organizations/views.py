"""Organizations, the framework agreement and its areas of cooperation."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from jointprojects.auth.policy import ORGANIZATION_WRITE, READ, requires
from jointprojects.errors import DomainError
from jointprojects.extensions import db
from jointprojects.money import MINOR_UNITS
from jointprojects.organizations import services

bp = Blueprint("organizations", __name__, url_prefix="/organizations")


class OrganizationForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=20)])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    currency = SelectField("Reporting currency", choices=sorted(MINOR_UNITS), default="USD")


@bp.route("/", methods=["GET", "POST"])
@login_required
@requires(READ)
def index():  # type: ignore[no-untyped-def]
    form = OrganizationForm()
    from flask_login import current_user

    from jointprojects.auth.policy import can

    if form.validate_on_submit():
        if not can(current_user, ORGANIZATION_WRITE):
            from flask import abort

            abort(403)
        try:
            org = services.create_organization(form.code.data, form.name.data, form.currency.data)
            db.session.commit()
            flash(f"Organization {org.code} added.", "success")
            return redirect(url_for(".index"))
        except DomainError as exc:
            db.session.rollback()
            for e in exc.errors:
                getattr(form, e.field or "code").errors.append(e.message)
    return render_template(
        "organizations/index.html",
        organizations=services.list_organizations(),
        agreement=services.reference_agreement(),
        form=form,
    )
