"""Form pieces shared by the features: decimal input, mapping service errors onto fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from wtforms import DateField as _DateField
from wtforms import Field, StringField
from wtforms.form import BaseForm
from wtforms.validators import StopValidation, ValidationError

from jointprojects.bounds import date_problem
from jointprojects.errors import DomainError, FieldError, message_of
from jointprojects.i18n import msg, translate
from jointprojects.money import MoneyError, parse_decimal


class DecimalTextField(StringField):
    """A decimal typed as text: accepts "1 234,50" as well as "1234.50"; never a float."""

    def __init__(self, *args: Any, places: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.places = places
        self.decimal: Decimal | None = None

    def pre_validate(self, form: Any) -> None:
        self.decimal = None
        if self.data and self.data.strip():
            try:
                self.decimal = parse_decimal(self.data, places=self.places)
            except MoneyError as exc:
                raise ValidationError(msg("%(label)s %(problem)s.", label=self.label.text,
                                          problem=message_of(exc))) from None


class DateField(_DateField):
    """A date between ``bounds.MIN_DATE`` and ``bounds.MAX_DATE`` (every page form uses it;
    text fields are checked for control characters app-wide, ``web.register_input_bounds``)."""

    def pre_validate(self, form: Any) -> None:
        super().pre_validate(form)
        if self.process_errors and any((raw or "").strip() for raw in self.raw_data or []):
            # Said here, so that a required field's "This field is required." does not
            # replace it: the date was typed, it just does not read as one.
            self.errors[:] = []  # type: ignore[index]  # WTForms' own "Not a valid date value."
            raise StopValidation(msg("%(label)s is not a date: pick one, or type it as "
                                     "2025-01-06.", label=self.label.text))
        if self.data is not None and (problem := date_problem(self.data)):
            raise ValidationError(msg("%(label)s %(problem)s.", label=self.label.text,
                                      problem=problem))


#: WTForms' messages that say less than the service's message for the same field.
GENERIC_MESSAGES = frozenset({"This field is required.", "Not a valid choice."})


def apply_errors(form: BaseForm, error: DomainError, aliases: dict[str, str] | None = None) -> None:
    """Put a service's field errors beside the form's fields.

    A service names fields as the API does (``shares[2].percent``); a form whose FieldList is
    named the same resolves that path. What matches no field is shown above the form.
    """
    aliases = aliases or {}
    # The service's messages are English message ids: shown in the reader's language.
    error = DomainError([FieldError(e.field, translate(e.message)) for e in error.errors])
    form_errors: list[str] = getattr(form, "form_errors", [])
    # One message per field: the form's own one (a date that does not parse) stands when
    # the service says the same thing in other words ("Enter the start date.").
    # WTForms' bare "This field is required." gives way to the service's words.
    checked = set()
    for item in error.errors:
        target = _resolve(form, aliases.get(item.field or "", item.field or ""))
        if target is not None and target.errors and not _is_list(target):
            if set(target.errors) <= GENERIC_MESSAGES:
                target.errors = []
            else:
                checked.add(id(target))
    for item in error.errors:
        target = _resolve(form, aliases.get(item.field or "", item.field or ""))
        if target is None:
            if item.message not in form_errors:
                form_errors.append(item.message)
        elif id(target) not in checked and item.message not in (target.errors or []):
            target.errors = [*list(target.errors or []), item.message]
    form.form_errors = form_errors  # type: ignore[attr-defined]


def _is_list(field: Field) -> bool:
    """A FieldList collects the problems of its rows and sets (several at once)."""
    return hasattr(field, "entries")


def _resolve(form: Any, path: str) -> Field | None:
    if not path:
        return None
    node: Any = form
    for part in path.replace("]", "").split("."):
        name, _, index = part.partition("[")
        node = getattr(node, name, None) if not hasattr(node, "_fields") else node._fields.get(name)
        if node is None:
            return None
        if index:
            entries = getattr(node, "entries", None)
            if entries is None or int(index) >= len(entries):
                return node if isinstance(node, Field) else None
            node = entries[int(index)]
            if hasattr(node, "form"):
                node = node.form
    if isinstance(node, Field):
        return node
    return None
