"""The preferences form: one choice per kind of awaited item."""

from __future__ import annotations

from collections.abc import Sequence

from flask_wtf import FlaskForm
from wtforms import SelectField

from jointprojects.notifications.services import Preference
from jointprojects.vocabulary import MAIL_MODE_LABELS, choices


class PreferencesForm(FlaskForm):
    """Fields are added per kind by :func:`preferences_form`."""


def preferences_form(prefs: Sequence[Preference]) -> PreferencesForm:
    class Form(PreferencesForm):
        pass

    for p in prefs:
        setattr(Form, p.kind, SelectField(p.label, choices=choices(MAIL_MODE_LABELS),
                                          default=p.mode))
    return Form()


def modes_of(form: PreferencesForm, prefs: Sequence[Preference]) -> dict[str, str | None]:
    return {p.kind: getattr(form, p.kind).data for p in prefs}
