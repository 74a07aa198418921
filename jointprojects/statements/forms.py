"""Forms of the statement pages: issue (with its confirmation), the payment term, accept or
dispute, withdraw, record a payment, confirm a receipt. Validation is the services' (messages
beside fields)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from jointprojects.forms import DateField
from jointprojects.i18n import lazy_choices
from jointprojects.i18n import lazy_gettext as _l
from jointprojects.vocabulary import STATEMENT_DECISIONS, label

#: The languages a statement can be issued in (issue 17), as the ``languages`` field sends
#: them; English and French unless another is chosen.
LANGUAGE_CHOICES = [("en,fr", _l("English and French")), ("en", _l("English only")),
                    ("fr", _l("French only"))]


class IssueForm(FlaskForm):
    to = DateField(_l("Close the period up to"), validators=[Optional()])
    due_date = DateField(_l("Due date"), validators=[Optional()])
    languages = SelectField(_l("Languages of the workbook"), choices=LANGUAGE_CHOICES,
                            default="en,fr", validate_choice=False)
    confirm = BooleanField(_l("I have checked the figures: issue the statement and close the "
                           "period"))


class PaymentTermForm(FlaskForm):
    days = StringField(_l("Payment term (days after issue)"),
                       render_kw={"inputmode": "numeric", "autocomplete": "off"})


class AcknowledgementForm(FlaskForm):
    organization = SelectField(_l("For"), choices=[], validate_choice=False)
    decision = SelectField(_l("Decision"), choices=lazy_choices((d,
                           label(d)) for d in STATEMENT_DECISIONS),
                           validate_choice=False)
    reason = TextAreaField(_l("Reason (required to dispute)"))


class WithdrawalForm(FlaskForm):
    reason = TextAreaField(_l("Reason"))


class PaymentForm(FlaskForm):
    transfer = SelectField(_l("Transfer"), choices=[], validate_choice=False)
    amount = StringField(_l("Amount"))
    date = DateField(_l("Date"), validators=[Optional()])
    reference = StringField(_l("Bank reference"))


class ReceiptForm(FlaskForm):
    date = DateField(_l("Received on"), validators=[Optional()])
