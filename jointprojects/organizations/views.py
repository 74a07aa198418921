"""Organizations, the framework agreement (Art. 10) and its areas of cooperation (Art. 1)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from jointprojects.auth.policy import AMENDMENT_CONSENT, ORGANIZATION_WRITE, READ, can, requires
from jointprojects.forms import DateField
from jointprojects.i18n import _, lazy_choices
from jointprojects.i18n import lazy_gettext as _l
from jointprojects.money import MINOR_UNITS
from jointprojects.organizations import services
from jointprojects.transaction import flashed_errors, form_errors, rehearsal
from jointprojects.vocabulary import N_

bp = Blueprint("organizations", __name__, url_prefix="/organizations")


class OrganizationForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=20)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    currency = SelectField(_l("Reporting currency"), choices=sorted(MINOR_UNITS), default="USD")


class AgreementActForm(FlaskForm):
    """A party's written notification (Art. 10.1) or notice of termination (Art. 10.3)."""

    act = SelectField(
        _l("Act"),
        choices=lazy_choices([
            ("notification", N_("Written notification (Art. 10.1)")),
            ("notice", N_("Notice of termination (Art. 10.3)")),
        ]),
    )
    organization = SelectField(_l("Party"), choices=[], validate_choice=False)
    date = DateField(_l("Date"), validators=[DataRequired()])


class AmendmentForm(FlaskForm):
    """Art. 10.2: an amendment of the agreement, proposed for mutual written consent."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    text = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=20000)])


class ConsentForm(FlaskForm):
    organization = SelectField(_l("Consent for"), choices=[], validate_choice=False)
    date = DateField(_l("Date"), validators=[DataRequired()])


def _page(  # type: ignore[no-untyped-def]
    form: OrganizationForm,
    act_form: AgreementActForm,
    status: int = 200,
    amendment_form: AmendmentForm | None = None,
):
    agreement = services.reference_agreement()
    consent_form = ConsentForm()
    if agreement is not None:
        codes = [p.organization.code for p in agreement.parties]
        act_form.organization.choices = [(c, c) for c in codes]
        consent_form.organization.choices = [
            (c, c) for c in codes if can(current_user, AMENDMENT_CONSENT, c)
        ]
    page = render_template(
        "organizations/index.html",
        organizations=services.list_organizations(),
        agreement=agreement,
        form=form,
        act_form=act_form,
        amendment_form=amendment_form or AmendmentForm(),
        consent_form=consent_form,
    )
    return page, status


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
    with form_errors(form), rehearsal(form) as valid:
        org = services.create_organization(form.code.data, form.name.data, form.currency.data)
        if valid:
            flash(_("Organization %(code)s added.", code=org.code), "success")
            return redirect(url_for(".index"))
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
        with form_errors(form):
            if form.act.data == "notice":
                services.give_agreement_notice(agreement, form.organization.data, form.date.data)
            else:
                services.record_notification(agreement, form.organization.data, form.date.data)
            flash(_("Recorded."), "success")
            return redirect(url_for(".index"))
    return _page(OrganizationForm(), form, 422)


@bp.route("/agreement/amendments", methods=["POST"])
@login_required
@requires(ORGANIZATION_WRITE)
def propose_amendment():  # type: ignore[no-untyped-def]
    agreement = services.reference_agreement() or abort(404)
    form = AmendmentForm()
    if form.validate_on_submit():
        with form_errors(form):
            services.propose_agreement_amendment(
                agreement, form.title.data, form.text.data, current_user
            )
            flash(
                _("Amendment proposed; it is adopted once every party consents in writing."),
                "success",
            )
            return redirect(url_for(".index"))
    return _page(OrganizationForm(), AgreementActForm(), 422, amendment_form=form)


@bp.route("/agreement/amendments/<int:amendment_id>/consents", methods=["POST"])
@login_required
@requires(AMENDMENT_CONSENT)
def consent(amendment_id: int):  # type: ignore[no-untyped-def]
    agreement = services.reference_agreement() or abort(404)
    amendment = next((a for a in agreement.amendments if a.id == amendment_id), None)
    if amendment is None:
        abort(404)
    form = ConsentForm()
    form.organization.choices = [
        (p.organization.code, p.organization.code) for p in agreement.parties
    ]
    if form.validate_on_submit():
        with flashed_errors():
            services.consent_to_agreement_amendment(
                agreement, amendment, form.organization.data, form.date.data, current_user
            )
            flash(
                "Consent recorded."
                + (" The amendment is adopted." if amendment.adopted_on else ""),
                "success",
            )
    else:
        flash(_("Give the date of the written consent."), "danger")
    return redirect(url_for(".index"))
