"""The one error type that services raise (STYLE.md habit 4).

A :class:`DomainError` carries every problem found at once as field-level messages. Views map
the fields back onto their forms; the API turns them into ``{"errors": [...]}`` with the
status the contract names (422 validation, 404 unknown reference, 409 conflict).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


class Message(str):
    """A message with values, kept as its message id and its values so that it is shown in
    the reader's language (issue 17): ``Message("%(code)s has already signed %(reference)s.",
    code="UN", reference="SA-1")``.

    It *is* its English text (``str``): logs, ``str(exc)``, the tests and whatever stores it
    read the English, exactly as the f-string it replaces wrote it. Where it is shown,
    :func:`jointprojects.i18n.translate` looks the message id up in the catalog and fills the
    values as the reader writes them (dates, decimals; a value that is itself a
    :class:`Message` is translated too). ``make translations`` extracts ``Message(...)``.
    Placeholders are named (``%(name)s``, ``%(name)r``); a literal percent sign is ``%%``. A
    list (or tuple) value is written as its items joined by ", " (each one translated).
    """

    msgid: str
    params: Mapping[str, object]

    def __new__(cls, msgid: str, /, **params: object) -> Message:
        english = {name: ", ".join(map(str, value)) if isinstance(value, list | tuple) else value
                   for name, value in params.items()}
        self = super().__new__(cls, msgid % english if params else msgid)
        self.msgid = msgid
        self.params = params
        return self

    def __reduce__(self) -> tuple[object, ...]:  # pickled (a job's payload) as plain English
        return (str, (str(self),))


def message_of(exc: BaseException) -> str:
    """What ``exc`` says, kept a :class:`Message` when it was raised with one (``str(exc)``
    would give its English text only): the value of another message (``%(problem)s``)."""
    first = exc.args[0] if len(exc.args) == 1 else None
    return first if isinstance(first, str) else str(exc)


@dataclass(frozen=True)
class FieldError:
    field: str | None
    message: str

    def as_dict(self) -> dict[str, str | None]:
        return {"field": self.field, "message": self.message}


class DomainError(Exception):
    status = 422

    def __init__(self, errors: list[FieldError] | str, field: str | None = None) -> None:
        if isinstance(errors, str):
            errors = [FieldError(field, errors)]
        self.errors = errors
        super().__init__("; ".join(e.message for e in errors))


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Forbidden(DomainError):
    status = 403


class Collector:
    """Gather validation errors, then raise them together: the required fields, the rules
    between fields and the clashes with stored records (a code already taken) come in one
    answer, never in rounds."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []
        self._conflicts = 0

    def add(self, field: str | None, message: str) -> None:
        self.errors.append(FieldError(field, message))

    def conflict(self, field: str | None, message: str) -> None:
        """A clash with what is stored (a duplicate code): a :class:`Conflict` (409) when it
        is the only kind of problem, one of the messages of the :class:`DomainError`
        otherwise."""
        self.add(field, message)
        self._conflicts += 1

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            if self._conflicts == len(self.errors):
                raise Conflict(list(self.errors))
            raise DomainError(list(self.errors))
