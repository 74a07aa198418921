"""Forms for special arrangements: parties with modalities, share rows, ceilings, signatures."""

from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from jointprojects.forms import DateField
from jointprojects.money import MINOR_UNITS
from jointprojects.vocabulary import EXPENSE_CATEGORY_LABELS, KINDS, choices

CATEGORY_CHOICES = [("", "Default (all categories)"), *choices(EXPENSE_CATEGORY_LABELS)]


class ModalityRow(Form):
    organization = SelectField("Party", choices=[], validate_choice=False)
    role = StringField("Role", validators=[Optional(), Length(max=120)])
    responsibilities = TextAreaField("Responsibilities", validators=[Optional(), Length(max=5000)])
    in_kind_contribution = StringField(
        "In-kind contribution", validators=[Optional(), Length(max=5000)]
    )


class ShareRow(Form):
    category = SelectField("Category", choices=CATEGORY_CHOICES, default="")
    organization = SelectField("Party", choices=[], validate_choice=False)
    percent = StringField("Percent")


class CeilingRow(Form):
    organization = SelectField("Party", choices=[], validate_choice=False)
    amount = StringField("Ceiling")


class ArrangementForm(FlaskForm):
    reference = StringField("Reference", validators=[DataRequired(), Length(max=60)])
    project = SelectField("Joint project", choices=[], validate_choice=False)
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    kind = SelectField("Kind", choices=[(k, f"{v.label} ({v.article})") for k, v in KINDS.items()])
    currency = SelectField(
        "Reporting currency", choices=[(c, c) for c in sorted(MINOR_UNITS)], default="USD"
    )
    start_date = DateField("Start date", validators=[DataRequired()])
    end_date = DateField("End date", validators=[Optional()])
    modalities = FieldList(FormField(ModalityRow), min_entries=0)
    shares = FieldList(FormField(ShareRow), min_entries=0)
    ceilings = FieldList(FormField(CeilingRow), min_entries=0)
    version = HiddenField()


class AmendmentForm(FlaskForm):
    effective_date = DateField("Effective date", validators=[DataRequired()])
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=5000)])
    shares = FieldList(FormField(ShareRow), min_entries=0)
    ceilings = FieldList(FormField(CeilingRow), min_entries=0)


class PartyDateForm(FlaskForm):
    """A signature, a consent or a notice given for one party on one date."""

    organization = SelectField("For", choices=[], validate_choice=False)
    date = DateField("Date", validators=[DataRequired()])


class SignatureForm(PartyDateForm):
    """A party's signature: who signed the instrument for it (name and title, required: the
    service says so beside each field together with a problem of the date) and when."""

    date = DateField("Date", validators=[Optional()])
    signatory_name = StringField("Signatory's name")
    signatory_title = StringField("Signatory's title")
