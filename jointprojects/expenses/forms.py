"""Forms for expenses. Amounts are text: the services parse them
exactly ("1 234,50" as well as "1234.50") and name what is wrong."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from jointprojects.forms import DateField
from jointprojects.money import MINOR_UNITS
from jointprojects.vocabulary import EXPENSE_CATEGORY_LABELS, choices

CATEGORY_CHOICES = choices(EXPENSE_CATEGORY_LABELS)
CURRENCY_CHOICES = [(c, c) for c in sorted(MINOR_UNITS)]


class ExpenseForm(FlaskForm):
    date = DateField("Date", validators=[DataRequired()])
    category = SelectField("Category", choices=CATEGORY_CHOICES)
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    amount = StringField("Amount", validators=[DataRequired()],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    currency = SelectField("Currency", choices=CURRENCY_CHOICES, default="USD")
    exchange_rate = StringField("Exchange rate", validators=[Optional(), Length(max=40)],
                                render_kw={"inputmode": "decimal", "autocomplete": "off"})
    paid_by = SelectField("Paid by", choices=[], validate_choice=False)
    document_reference = StringField("Document reference",
                                     validators=[Optional(), Length(max=120)])
    adjusts = StringField("Adjusts expense", validators=[Optional(), Length(max=12)],
                          render_kw={"inputmode": "numeric", "autocomplete": "off"})
    reason = TextAreaField("Reason of the adjustment", validators=[Optional(), Length(max=5000)])
    version = HiddenField()


class DeleteForm(FlaskForm):
    version = HiddenField()
