"""Forms for documents: upload (several files), new version, label, delete, receipt rule."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import HiddenField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from jointprojects.i18n import lazy_choices
from jointprojects.i18n import lazy_gettext as _l
from jointprojects.vocabulary import DOCUMENT_LABEL_NAMES, choices

LABEL_CHOICES = choices(DOCUMENT_LABEL_NAMES)


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UploadForm(FlaskForm):
    kind = HiddenField()
    key = HiddenField()
    file = MultipleFileField(_l("Files"))
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)],
                        description=_l("For one file; several files take their names."))
    label = RadioField(_l("Who may see it"), choices=lazy_choices(LABEL_CHOICES), default="parties")
    organizations = CheckboxesField(_l("Organizations (restricted)"), choices=[],
                                    validate_choice=False)


class VersionForm(FlaskForm):
    file = FileField(_l("New version"))
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])


class LabelForm(FlaskForm):
    label = RadioField(_l("Label"), choices=lazy_choices(LABEL_CHOICES))
    organizations = CheckboxesField(_l("Organizations (restricted)"), choices=[],
                                    validate_choice=False)
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=500)])


class DeleteForm(FlaskForm):
    pass


class ReceiptRuleForm(FlaskForm):
    threshold = StringField(_l("A receipt is required for expenses of at least"),
                            validators=[Optional(), Length(max=40)],
                            render_kw={"inputmode": "decimal", "autocomplete": "off"},
                            description=_l("Blank: no rule."))
