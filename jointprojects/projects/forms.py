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
from jointprojects.vocabulary import PROJECT_STATUSES, STATUS_LABELS


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProjectForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=40)])
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    areas = MultiCheckboxField("Areas of cooperation (Art. 1)", choices=[])
    lead_organization = SelectField("Lead organization", choices=[])
    start_date = DateField("Start date", validators=[DataRequired()])
    end_date = DateField("End date", validators=[Optional()])
    status = SelectField("Status", choices=[(s, STATUS_LABELS[s]) for s in PROJECT_STATUSES])
    version = HiddenField()
