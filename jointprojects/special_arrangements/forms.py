"""Forms for special arrangements: parties with modalities, share rows, ceilings, signatures."""

import re
from typing import Any

from flask_babel import LazyString
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from jointprojects.forms import DateField
from jointprojects.i18n import lazy_choices, translate
from jointprojects.i18n import lazy_gettext as _l
from jointprojects.money import MINOR_UNITS
from jointprojects.vocabulary import EXPENSE_CATEGORY_LABELS, KINDS, Kind, choices

CATEGORY_CHOICES = [("", "Default (all categories)"), *choices(EXPENSE_CATEGORY_LABELS)]

_MATRIX_CELL = re.compile(r"^matrix-(\d{1,4})-(.+)$")


def matrix_formdata(formdata: Any) -> Any:
    """The share matrix as the form posts it, as the share rows the forms read.

    The page shows shares as a category x party matrix: row ``R`` posts
    ``matrix-R-category`` (empty for the default set) and ``matrix-R-<party code>`` per
    column. They become ``shares-N-category``, ``shares-N-organization`` and
    ``shares-N-percent``, one per filled cell, row by row and party by party, so that the
    service checks them (and names their problems) as it checks the API's list. A row left
    empty is no row; an empty cell of a row that has others is a missing share. Posts
    without a matrix (the flat rows) pass unchanged.
    """
    if not any(key.startswith("matrix-") for key in formdata):
        return formdata
    rows: dict[int, dict[str, str]] = {}
    for key in formdata:
        if match := _MATRIX_CELL.match(key):
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = formdata.get(key, "")
    flat = MultiDict([(k, v) for k, v in formdata.items(multi=True)
                      if not k.startswith(("matrix-", "shares-"))])
    index = 0
    for number in sorted(rows):
        cells = rows[number]
        category = cells.pop("category", "")
        if not any((v or "").strip() for v in cells.values()):
            continue
        for organization, percent in cells.items():
            flat.add(f"shares-{index}-category", category)
            flat.add(f"shares-{index}-organization", organization)
            flat.add(f"shares-{index}-percent", percent)
            index += 1
    return flat


def kind_label(kind: Kind) -> LazyString:
    """"Joint action (Art. 5)", "Action commune (Art. 5)": drawn in the reader's language."""
    return LazyString(lambda: f"{translate(kind.label)} ({kind.article})")


class ModalityRow(Form):
    organization = SelectField(_l("Party"), choices=[], validate_choice=False)
    role = StringField(_l("Role"), validators=[Optional(), Length(max=120)])
    responsibilities = TextAreaField(_l("Responsibilities"), validators=[Optional(),
                                     Length(max=5000)])
    in_kind_contribution = StringField(
        _l("In-kind contribution"), validators=[Optional(), Length(max=5000)]
    )


class ShareRow(Form):
    category = SelectField(_l("Category"), choices=lazy_choices(CATEGORY_CHOICES), default="")
    organization = SelectField(_l("Party"), choices=[], validate_choice=False)
    percent = StringField(_l("Percent"))


class CeilingRow(Form):
    organization = SelectField(_l("Party"), choices=[], validate_choice=False)
    amount = StringField(_l("Ceiling"))


class ArrangementForm(FlaskForm):
    reference = StringField(_l("Reference"), validators=[DataRequired(), Length(max=60)])
    project = SelectField(_l("Joint project"), choices=[], validate_choice=False)
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    kind = SelectField(_l("Kind"), choices=[(k, kind_label(v)) for k, v in KINDS.items()])
    currency = SelectField(
        _l("Reporting currency"), choices=[(c, c) for c in sorted(MINOR_UNITS)], default="USD"
    )
    start_date = DateField(_l("Start date"), validators=[DataRequired()])
    end_date = DateField(_l("End date"), validators=[Optional()])
    modalities = FieldList(FormField(ModalityRow), min_entries=0)
    shares = FieldList(FormField(ShareRow), min_entries=0)
    ceilings = FieldList(FormField(CeilingRow), min_entries=0)
    version = HiddenField()


class AmendmentForm(FlaskForm):
    effective_date = DateField(_l("Effective date"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=5000)])
    shares = FieldList(FormField(ShareRow), min_entries=0)
    ceilings = FieldList(FormField(CeilingRow), min_entries=0)


class PartyDateForm(FlaskForm):
    """A signature, a consent or a notice given for one party on one date."""

    organization = SelectField(_l("For"), choices=[], validate_choice=False)
    date = DateField(_l("Date"), validators=[DataRequired()])


class SignatureForm(PartyDateForm):
    """A party's signature: who signed the instrument for it (name and title, required: the
    service says so beside each field together with a problem of the date) and when."""

    date = DateField(_l("Date"), validators=[Optional()])
    signatory_name = StringField(_l("Signatory's name"))
    signatory_title = StringField(_l("Signatory's title"))
