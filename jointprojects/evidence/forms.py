"""Forms of the evidence pages. Validation is the services' (messages beside fields)."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from jointprojects.i18n import lazy_gettext as _l


class KeyForm(FlaskForm):
    public_key = TextAreaField(_l("Public key (PEM)"))


class CheckpointSignatureForm(FlaskForm):
    organization = SelectField(_l("Signing organization"), choices=[], validate_choice=False)
    signature = StringField(_l("Signature (base64)"))


class ActionForm(FlaskForm):
    """A button (CSRF only)."""
