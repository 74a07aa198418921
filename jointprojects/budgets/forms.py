"""The form of a budget line. The amount is text: the service parses it exactly and names
what is wrong."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from jointprojects.expenses.forms import CATEGORY_CHOICES


class BudgetForm(FlaskForm):
    category = SelectField("Category", choices=CATEGORY_CHOICES)
    year = StringField("Year", validators=[DataRequired()], render_kw={"inputmode": "numeric"})
    organization = SelectField("Funded by", choices=[], validate_choice=False)
    amount = StringField("Amount", validators=[DataRequired()],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    note = StringField("Note", validators=[Optional(), Length(max=5000)])
