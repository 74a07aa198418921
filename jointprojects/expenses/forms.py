"""Forms for expenses. Amounts are text: the services parse them
exactly ("1 234,50" as well as "1234.50") and name what is wrong."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from jointprojects.forms import DateField
from jointprojects.i18n import lazy_choices
from jointprojects.i18n import lazy_gettext as _l
from jointprojects.money import MINOR_UNITS
from jointprojects.vocabulary import EXPENSE_CATEGORY_LABELS, choices

CATEGORY_CHOICES = choices(EXPENSE_CATEGORY_LABELS)
CURRENCY_CHOICES = [(c, c) for c in sorted(MINOR_UNITS)]


class ExpenseForm(FlaskForm):
    date = DateField(_l("Date"), validators=[DataRequired()])
    category = SelectField(_l("Category"), choices=lazy_choices(CATEGORY_CHOICES))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    amount = StringField(_l("Amount"), validators=[DataRequired()],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    currency = SelectField(_l("Currency"), choices=CURRENCY_CHOICES, default="USD")
    exchange_rate = StringField(_l("Exchange rate"), validators=[Optional(), Length(max=40)],
                                render_kw={"inputmode": "decimal", "autocomplete": "off"})
    paid_by = SelectField(_l("Paid by"), choices=[], validate_choice=False)
    document_reference = StringField(_l("Document reference"),
                                     validators=[Optional(), Length(max=120)])
    adjusts = StringField(_l("Adjusts expense"), validators=[Optional(), Length(max=12)],
                          render_kw={"inputmode": "numeric", "autocomplete": "off"})
    reason = TextAreaField(_l("Reason of the adjustment"), validators=[Optional(),
                           Length(max=5000)])
    version = HiddenField()


class DeleteForm(FlaskForm):
    version = HiddenField()
