"""The form of a month's exchange rate. The rate is text: the service parses it exactly and
names what is wrong."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from jointprojects.exchange_rates.models import RATE_BASE_CURRENCY
from jointprojects.i18n import lazy_gettext as _l
from jointprojects.money import MINOR_UNITS


class RateForm(FlaskForm):
    currency = SelectField(_l("Currency"),
                           choices=[(c, c) for c in sorted(MINOR_UNITS) if c != RATE_BASE_CURRENCY],
                           default="EUR")
    month = StringField(_l("Month"), validators=[DataRequired()],
                        render_kw={"type": "month", "placeholder": "YYYY-MM"})
    rate = StringField(_l("Units per 1 USD"), validators=[DataRequired()],
                       render_kw={"inputmode": "decimal", "autocomplete": "off"})
    source = StringField(_l("Source"), validators=[Optional(), Length(max=300)])
