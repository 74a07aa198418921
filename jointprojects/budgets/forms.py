"""The form of a budget line. The amount is text: the service parses it exactly and names
what is wrong."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from jointprojects.expenses.forms import CATEGORY_CHOICES
from jointprojects.i18n import lazy_choices
from jointprojects.i18n import lazy_gettext as _l


class BudgetForm(FlaskForm):
    category = SelectField(_l("Category"), choices=lazy_choices(CATEGORY_CHOICES))
    year = StringField(_l("Year"), validators=[DataRequired()], render_kw={"inputmode": "numeric"})
    organization = SelectField(_l("Funded by"), choices=[], validate_choice=False)
    amount = StringField(_l("Amount"), validators=[DataRequired()],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    note = StringField(_l("Note"), validators=[Optional(), Length(max=5000)])
