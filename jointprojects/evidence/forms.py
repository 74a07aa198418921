"""Forms of the evidence pages. Validation is the services' (messages beside fields)."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField


class KeyForm(FlaskForm):
    public_key = TextAreaField("Public key (PEM)")


class CheckpointSignatureForm(FlaskForm):
    organization = SelectField("Signing organization", choices=[], validate_choice=False)
    signature = StringField("Signature (base64)")


class ActionForm(FlaskForm):
    """A button (CSRF only)."""
