"""Forms of the statement pages: issue (with its confirmation), the payment term, accept or
dispute, withdraw, record a payment, confirm a receipt. Validation is the services' (messages
beside fields)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from jointprojects.forms import DateField
from jointprojects.vocabulary import STATEMENT_DECISIONS, label


class IssueForm(FlaskForm):
    to = DateField("Close the period up to", validators=[Optional()])
    due_date = DateField("Due date", validators=[Optional()])
    confirm = BooleanField("I have checked the figures: issue the statement and close the "
                           "period")


class PaymentTermForm(FlaskForm):
    days = StringField("Payment term (days after issue)",
                       render_kw={"inputmode": "numeric", "autocomplete": "off"})


class AcknowledgementForm(FlaskForm):
    organization = SelectField("For", choices=[], validate_choice=False)
    decision = SelectField("Decision", choices=[(d, label(d)) for d in STATEMENT_DECISIONS],
                           validate_choice=False)
    reason = TextAreaField("Reason (required to dispute)")


class WithdrawalForm(FlaskForm):
    reason = TextAreaField("Reason")


class PaymentForm(FlaskForm):
    transfer = SelectField("Transfer", choices=[], validate_choice=False)
    amount = StringField("Amount")
    date = DateField("Date", validators=[Optional()])
    reference = StringField("Bank reference")


class ReceiptForm(FlaskForm):
    date = DateField("Received on", validators=[Optional()])
