"""The one error type that services raise (STYLE.md habit 4).

A :class:`DomainError` carries every problem found at once as field-level messages. Views map
the fields back onto their forms; the API turns them into ``{"errors": [...]}`` with the
status the contract names (422 validation, 404 unknown reference, 409 conflict).
"""

from __future__ import annotations

from dataclasses import dataclass


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
