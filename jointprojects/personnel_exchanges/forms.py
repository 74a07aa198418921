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
from jointprojects.i18n import lazy_choices
from jointprojects.i18n import lazy_gettext as _l
from jointprojects.money import MINOR_UNITS
from jointprojects.vocabulary import COST_ITEM_LABELS, choices

COST_CATEGORY_CHOICES = choices(COST_ITEM_LABELS)
CURRENCY_CHOICES = [(c, c) for c in sorted(MINOR_UNITS)]


class CostFields:
    """The fields of one cost item, shared by the rows of the exchange form and the single
    cost form of the detail page. Validation is the service's (messages beside the fields)."""

    category = SelectField(_l("Category"), choices=lazy_choices(COST_CATEGORY_CHOICES),
                           validate_choice=False)
    borne_by = SelectField(_l("Borne by"), choices=[], validate_choice=False)
    amount = StringField(_l("Amount"))
    currency = SelectField(_l("Currency"), choices=CURRENCY_CHOICES, default="USD",
                           validate_choice=False)
    period_start = DateField(_l("Period from"), validators=[Optional()])
    period_end = DateField(_l("Period to"), validators=[Optional()])


class CostRow(CostFields, Form):
    pass


class CostForm(CostFields, FlaskForm):
    pass


class ExchangeForm(FlaskForm):
    staff_id = StringField(_l("Staff id"), validators=[Length(max=60)])
    person_name = StringField(_l("Name"), validators=[Length(max=200)])
    home_organization = SelectField(_l("Home organization"), choices=[], validate_choice=False)
    host_organization = SelectField(_l("Host organization"), choices=[], validate_choice=False)
    position = StringField(_l("Position"), validators=[Length(max=200)])
    duty_station = StringField(_l("Duty station"), validators=[Optional(), Length(max=120)])
    start_date = DateField(_l("Start date (first day in post)"), validators=[Optional()])
    end_date = DateField(_l("End date (last day in post)"), validators=[Optional()])
    arrangement = SelectField(_l("Special arrangement (optional)"), choices=[],
                              validate_choice=False)
    return_right_note = TextAreaField(_l("Return right"), validators=[Optional(), Length(max=5000)])
    costs = FieldList(FormField(CostRow), min_entries=0)
    version = HiddenField()


class ApprovalForm(FlaskForm):
    organization = SelectField(_l("For"), choices=[], validate_choice=False)
    date = DateField(_l("Date"), validators=[DataRequired()])


class ExtensionForm(FlaskForm):
    end_date = DateField(_l("New end date"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=5000)])


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=5000)])
