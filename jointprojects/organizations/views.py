"""Organizations, the framework agreement (Art. 10) and its areas of cooperation (Art. 1)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from jointprojects.auth.policy import ORGANIZATION_WRITE, READ, requires
from jointprojects.errors import DomainError
from jointprojects.extensions import db
from jointprojects.forms import apply_errors
from jointprojects.money import MINOR_UNITS
from jointprojects.organizations import services

bp = Blueprint("organizations", __name__, url_prefix="/organizations")


class OrganizationForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=20)])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    currency = SelectField("Reporting currency", choices=sorted(MINOR_UNITS), default="USD")


class AgreementActForm(FlaskForm):
    """A party's written notification (Art. 10.1) or notice of termination (Art. 10.3)."""

    act = SelectField(
        "Act",
        choices=[
            ("notification", "Written notification (Art. 10.1)"),
            ("notice", "Notice of termination (Art. 10.3)"),
        ],
    )
    organization = SelectField("Party", choices=[], validate_choice=False)
    date = DateField("Date", validators=[DataRequired()])


def _page(form: OrganizationForm, act_form: AgreementActForm, status: int = 200):  # type: ignore[no-untyped-def]
    agreement = services.reference_agreement()
    if agreement is not None:
        act_form.organization.choices = [
            (p.organization.code, p.organization.code) for p in agreement.parties
        ]
    return render_template(
        "organizations/index.html",
        organizations=services.list_organizations(),
        agreement=agreement,
        form=form,
        act_form=act_form,
    ), status


@bp.route("/")
@login_required
@requires(READ)
def index():  # type: ignore[no-untyped-def]
    return _page(OrganizationForm(), AgreementActForm())


@bp.route("/", methods=["POST"])
@login_required
@requires(ORGANIZATION_WRITE)
def create():  # type: ignore[no-untyped-def]
    form = OrganizationForm()
    if form.validate_on_submit():
        try:
            org = services.create_organization(form.code.data, form.name.data, form.currency.data)
            db.session.commit()
            flash(f"Organization {org.code} added.", "success")
            return redirect(url_for(".index"))
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
    return _page(form, AgreementActForm(), 422)


@bp.route("/agreement", methods=["POST"])
@login_required
@requires(ORGANIZATION_WRITE)
def agreement_act():  # type: ignore[no-untyped-def]
    agreement = services.reference_agreement()
    form = AgreementActForm()
    form.organization.choices = [
        (p.organization.code, p.organization.code) for p in agreement.parties
    ]
    if form.validate_on_submit():
        try:
            if form.act.data == "notice":
                services.give_agreement_notice(agreement, form.organization.data, form.date.data)
            else:
                services.record_notification(agreement, form.organization.data, form.date.data)
            db.session.commit()
            flash("Recorded.", "success")
            return redirect(url_for(".index"))
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
    return _page(OrganizationForm(), form, 422)
