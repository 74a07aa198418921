"""Forms for personnel exchanges (Art. 8): the exchange with its cost rows, approvals,
end-date amendments, cancellation and single cost items."""

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
from jointprojects.vocabulary import COST_ITEM_LABELS, choices

COST_CATEGORY_CHOICES = choices(COST_ITEM_LABELS)
CURRENCY_CHOICES = [(c, c) for c in sorted(MINOR_UNITS)]


class CostFields:
    """The fields of one cost item, shared by the rows of the exchange form and the single
    cost form of the detail page. Validation is the service's (messages beside the fields)."""

    category = SelectField("Category", choices=COST_CATEGORY_CHOICES, validate_choice=False)
    borne_by = SelectField("Borne by", choices=[], validate_choice=False)
    amount = StringField("Amount")
    currency = SelectField("Currency", choices=CURRENCY_CHOICES, default="USD",
                           validate_choice=False)
    period_start = DateField("Period from", validators=[Optional()])
    period_end = DateField("Period to", validators=[Optional()])


class CostRow(CostFields, Form):
    pass


class CostForm(CostFields, FlaskForm):
    pass


class ExchangeForm(FlaskForm):
    staff_id = StringField("Staff id", validators=[Length(max=60)])
    person_name = StringField("Name", validators=[Length(max=200)])
    home_organization = SelectField("Home organization", choices=[], validate_choice=False)
    host_organization = SelectField("Host organization", choices=[], validate_choice=False)
    position = StringField("Position", validators=[Length(max=200)])
    duty_station = StringField("Duty station", validators=[Optional(), Length(max=120)])
    start_date = DateField("Start date (first day in post)", validators=[Optional()])
    end_date = DateField("End date (last day in post)", validators=[Optional()])
    arrangement = SelectField("Special arrangement (optional)", choices=[],
                              validate_choice=False)
    return_right_note = TextAreaField("Return right", validators=[Optional(), Length(max=5000)])
    costs = FieldList(FormField(CostRow), min_entries=0)
    version = HiddenField()


class ApprovalForm(FlaskForm):
    organization = SelectField("For", choices=[], validate_choice=False)
    date = DateField("Date", validators=[DataRequired()])


class ExtensionForm(FlaskForm):
    end_date = DateField("New end date", validators=[DataRequired()])
    reason = TextAreaField("Reason", validators=[Optional(), Length(max=5000)])


class CancelForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[Optional(), Length(max=5000)])
