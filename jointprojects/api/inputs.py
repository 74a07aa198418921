"""Reading JSON bodies into plain data, naming the field of every problem.

The API accepts money and percentages as JSON strings (numbers that are integers are tolerated;
floating-point numbers are refused because they are not exact).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest

from jointprojects.errors import Collector
from jointprojects.money import MoneyError, parse_decimal


def json_body() -> dict[str, Any]:
    """The request's JSON object; 400 when malformed or not an object."""
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest()
    if not isinstance(data, dict):
        raise BadRequest(description="The request body must be a JSON object.")
    return data


class Reader:
    """Reads typed fields out of a JSON object, collecting every error."""

    def __init__(self, data: dict[str, Any], errors: Collector | None = None, prefix: str = ""):
        self.data = data
        self.errors = errors or Collector()
        self.prefix = prefix

    def _name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def _get(self, key: str, required: bool) -> Any:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                self.errors.add(self._name(key), f"{key} is required.")
            return None
        return value

    def str(self, key: str, *, required: bool = True, max_length: int = 300) -> str | None:
        value = self._get(key, required)
        if value is None:
            return None if required else ""
        if not isinstance(value, str):
            self.errors.add(self._name(key), f"{key} must be a string.")
            return None
        value = value.strip()
        if len(value) > max_length:
            self.errors.add(self._name(key), f"{key} must be at most {max_length} characters.")
            return None
        return value

    def date(self, key: str, *, required: bool = True) -> date | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.errors.add(self._name(key), f"{key} must be a date written YYYY-MM-DD.")
        return None

    def decimal(self, key: str, *, required: bool = True) -> Decimal | None:
        value = self._get(key, required)
        if value is None:
            return None
        try:
            return parse_decimal(value)
        except MoneyError as exc:
            self.errors.add(self._name(key), f"{key} {exc}.")
            return None

    def list(self, key: str, *, required: bool = True) -> list[Any]:
        value = self._get(key, required)
        if value is None:
            return []
        if not isinstance(value, list):
            self.errors.add(self._name(key), f"{key} must be a list.")
            return []
        return value

    def objects(self, key: str, *, required: bool = True) -> list[Reader]:
        readers = []
        for index, item in enumerate(self.list(key, required=required)):
            name = f"{self._name(key)}[{index}]"
            if not isinstance(item, dict):
                self.errors.add(name, f"{name} must be an object.")
                continue
            readers.append(Reader(item, self.errors, prefix=f"{name}."))
        return readers


def run(body: Reader, service: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``service`` and report the body's type errors together with the service's own.

    A field that could not be read is passed to the service as missing, so a single answer
    names every problem; nothing is stored when there is any (the API rolls back).
    """
    from jointprojects.errors import DomainError

    try:
        result = service(*args, **kwargs)
    except DomainError as exc:
        if not body.errors:
            raise
        known = {e.field for e in body.errors.errors}
        merged = body.errors.errors + [e for e in exc.errors if e.field not in known]
        raise DomainError(merged) from exc
    body.errors.raise_if_any()
    return result
