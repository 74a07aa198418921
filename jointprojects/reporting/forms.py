"""Forms of the import page. The file is checked by reports.imports (size, type, content)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField

from jointprojects.i18n import lazy_choices
from jointprojects.i18n import lazy_gettext as _l

KIND_CHOICES = [("expenses", "Expenses of an arrangement"),
                ("rates", "Exchange rates (units per 1 USD)")]


class ImportForm(FlaskForm):
    kind = SelectField(_l("What the file holds"), choices=lazy_choices(KIND_CHOICES),
                       default="expenses")
    arrangement = SelectField(_l("Special arrangement (for expenses)"), choices=[],
                              validate_choice=False)
    file = FileField(_l("Spreadsheet (.xlsx or .csv)"),
                     validators=[FileRequired("Choose the .xlsx or .csv file to import.")],
                     render_kw={"accept": ".xlsx,.csv,text/csv,application/vnd."
                                          "openxmlformats-officedocument.spreadsheetml.sheet"})


class ConfirmForm(FlaskForm):
    """Confirm or cancel an upload: the CSRF token (the upload's token is in the URL), and
    the explicit "store them anyway" for rows marked as duplicates."""

    store_duplicates = BooleanField(_l("Store them anyway: the rows marked as duplicates are "
                                    "meant to be recorded again"))
