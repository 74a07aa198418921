from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from jointprojects.forms import DateField
from jointprojects.i18n import lazy_choices
from jointprojects.i18n import lazy_gettext as _l
from jointprojects.vocabulary import PROJECT_STATUSES, STATUS_LABELS


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProjectForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    areas = MultiCheckboxField(_l("Areas of cooperation (Art. 1)"), choices=[])
    lead_organization = SelectField(_l("Lead organization"), choices=[])
    start_date = DateField(_l("Start date"), validators=[DataRequired()])
    end_date = DateField(_l("End date"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=lazy_choices((s,
                         STATUS_LABELS[s]) for s in PROJECT_STATUSES))
    version = HiddenField()
