"""Request and response shapes of the JSON API, declared once with marshmallow.

A feature declares its shapes in ``jointprojects/<feature>/schemas.py`` from the fields here;
the same classes validate what comes in (:func:`read`, :func:`read_query`) and describe it in
``/api/v1/openapi.json`` (apispec, see :mod:`jointprojects.api.openapi`).

Rules the fields keep (they were those of the hand-written reader before them):

- a key that is absent, ``null`` or ``""`` is missing: required fields say "<field> is
  required.", optional ones take the default of the service's dataclass;
- every problem is reported with its path, nested ones too: ``shares[1].percent``,
  ``modalities[1].role``, ``costs[0]`` for an item that is not an object;
- money and percentages are JSON strings holding decimals (integers tolerated, floats refused:
  they are not exact), read with :func:`jointprojects.money.parse_decimal` (a point is the
  decimal point: ``"1.250"`` is 1.25; ``"1,250"`` is refused as ambiguous); the services check
  the places, signs and ranges;
- keys the schema does not know are ignored (clients may send what they read back).

Input schemas load into the plain dataclasses the services take (``__model__``); a field that
could not be read is passed as missing, so that one answer names the shape's problems together
with the service's own (:func:`run`), and nothing is stored when there is any.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from flask import request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load
from werkzeug.exceptions import BadRequest

from jointprojects.bounds import CODE_PATTERN as CODE_PATTERN  # re-exported for openapi
from jointprojects.bounds import date_problem, text_problem
from jointprojects.errors import Collector, DomainError, message_of
from jointprojects.i18n import translate
from jointprojects.money import MoneyError, parse_decimal
from jointprojects.vocabulary import N_

DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
MONTH_PATTERN = r"^[0-9]{4}-[0-9]{2}$"


# --- fields ------------------------------------------------------------------------------------

class _Named:
    """Error messages may say ``{name}``: the field's key in the JSON object."""

    name: str | None
    data_key: str | None

    def make_error(self, key: str, **kwargs: Any) -> ValidationError:
        name = self.data_key or self.name
        message = getattr(self, "error_messages", {}).get(key)
        if isinstance(message, str):
            # English message ids, in the request's language (Accept-Language); the field's
            # key stays as it is, and so does the path of the error.
            words = {k: translate(v) if k in ("problem", "message") and isinstance(v, str) else v
                     for k, v in kwargs.items()}
            return ValidationError(translate(message).format(name=name, **words))
        return super().make_error(key, name=name, **kwargs)  # type: ignore[misc]


_REQUIRED = {"required": N_("{name} is required."), "null": N_("{name} is required.")}


class Text(_Named, fields.String):
    """A string, stripped; at most ``max_length`` characters (300 unless told)."""

    default_error_messages = {
        **_REQUIRED,
        "invalid": N_("{name} must be a string."),
        "too_long": N_("{name} must be at most {max_length} characters."),
        "nul": N_("{name} {problem}."),
    }

    def __init__(self, *, max_length: int = 300, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).setdefault("maxLength", max_length)
        super().__init__(**kwargs)
        self.max_length = max_length

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if problem := text_problem(value):  # NUL: PostgreSQL cannot store it
            raise self.make_error("nul", problem=problem)
        value = value.strip()
        if len(value) > self.max_length:
            raise self.make_error("too_long", max_length=self.max_length)
        return value


class Code(Text):
    """An organization code, a project code, an arrangement reference (the services check
    that it exists, or that it is new and made of letters, digits, ``-``, ``_``, ``.``)."""


class Day(_Named, fields.Date):
    """A calendar date written ``YYYY-MM-DD``."""

    default_error_messages = {**_REQUIRED,
                              "invalid": N_("{name} must be a date written YYYY-MM-DD."),
                              "range": N_("{name} {problem}.")}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        if isinstance(value, str):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                pass
            else:
                if problem := date_problem(day):
                    raise self.make_error("range", problem=problem)
                return day
        raise self.make_error("invalid")


class DecimalText(_Named, fields.String):
    """Money, a percentage or a rate: a JSON string holding a decimal (``"1234.50"``)."""

    default_error_messages = {**_REQUIRED, "invalid": N_("{name} {problem}."),
                              "too_large": N_("{name} is too large.")}

    def __init__(self, *, below: Decimal | None = None, **kwargs: Any) -> None:
        """``below``: the bound in absolute value that a column can hold."""
        self.below = below
        metadata = kwargs.setdefault("metadata", {})
        metadata.setdefault("pattern", DECIMAL_PATTERN)
        metadata.setdefault("example", "1234.50")
        metadata.setdefault("description", "a decimal written as a string (integers "
                                            "tolerated, floating-point numbers refused)")
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        try:
            # JSON strings hold decimals with a point (API.md): "1.250" is 1.25.
            result = parse_decimal(value, decimal_point=True)
        except MoneyError as exc:
            raise self.make_error("invalid", problem=message_of(exc)) from None
        if self.below is not None and abs(result) >= self.below:
            raise self.make_error("too_large")
        return result


class WholeNumber(_Named, fields.Integer):
    """A whole number: a JSON integer, or (``strings=True``) a string of digits."""

    default_error_messages = {**_REQUIRED, "invalid": N_("{name} must be a whole number.")}

    def __init__(self, *, strings: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.strings = strings

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if self.strings and isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        raise self.make_error("invalid")


class Texts(_Named, fields.List):
    """A list of strings (codes)."""

    default_error_messages = {**_REQUIRED, "invalid": N_("{name} must be a list.")}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(Text(), **kwargs)


class Objects(_Named, fields.List):
    """A list of objects of ``schema``, each loaded into the schema's ``__model__``.

    An item that is not an object is reported at its index (``costs[0]``); the items that are
    go on to the service, partly read ones included, so that every problem is named.
    """

    default_error_messages = {**_REQUIRED, "invalid": N_("{name} must be a list.")}

    def __init__(self, schema: type[Schema], **kwargs: Any) -> None:
        super().__init__(fields.Nested(schema), **kwargs)
        self.item_schema = schema

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        if not isinstance(value, list):
            raise self.make_error("invalid")
        name = self.data_key or self.name
        errors: dict[int, Any] = {}
        items = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                errors[index] = [f"{name}[{index}] must be an object."]
                continue
            values, item_errors = _load(self.item_schema(), item)
            items.append(build(self.item_schema, values))
            if item_errors:
                errors[index] = item_errors
        if errors:
            raise ValidationError(errors, valid_data=items)
        return items


class Query(_Named, fields.String):
    """A query parameter as given (stripped), checked by ``check`` when not blank."""

    default_error_messages = {"invalid": "{message}", "nul": N_("{name} {problem}.")}

    def __init__(self, check: Callable[[str], Any] | None = None, message: str = "",
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check, self.message = check, message

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = str(value).strip()
        if problem := text_problem(text):  # NUL: PostgreSQL cannot compare with it
            raise self.make_error("nul", problem=problem)
        if self.check is None:
            return text or None
        if not text:
            return None
        try:
            return self.check(text)
        except ValueError:
            raise self.make_error("invalid", message=self.message) from None


def whole_number(low: int, high: int) -> Callable[[str], int]:
    def check(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise ValueError
        return value

    return check


# --- schemas -----------------------------------------------------------------------------------

class InputSchema(Schema):
    """A request body (or a nested object of one) loaded into ``__model__``."""

    __model__: ClassVar[type | None] = None

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _blank_is_missing(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, Mapping):
            return {k: v for k, v in data.items() if v is not None and v != ""}
        return data


class QuerySchema(Schema):
    """Query parameters: every one optional, blank is absent."""

    class Meta:
        unknown = EXCLUDE


class OutputSchema(Schema):
    """A response shape: documents exactly the keys the API answers (no others)."""


def build(schema: type[Schema], values: dict[str, Any]) -> Any:
    """``values`` (the fields that could be read) as the schema's ``__model__``: a missing
    field takes the dataclass's default, or None when it has none."""
    model = getattr(schema, "__model__", None)
    if model is None:
        names = [f.attribute or n for n, f in schema().load_fields.items()]
        return {name: values.get(name) for name in names}
    kwargs = {}
    for f in dataclasses.fields(model):
        if f.name in values:
            kwargs[f.name] = values[f.name]
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            kwargs[f.name] = None
    return model(**kwargs)


def _load(schema: Schema, data: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        return schema.load(data), {}
    except ValidationError as exc:
        valid = exc.valid_data if isinstance(exc.valid_data, dict) else {}
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return valid, messages


def field_errors(messages: Mapping[Any, Any], prefix: str = "") -> Collector:
    """marshmallow's nested messages as one error per path (``shares[1].percent``)."""
    errors = Collector()

    def walk(node: Any, path: str) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key == "_schema":
                    walk(value, path)
                elif isinstance(key, int):
                    walk(value, f"{path}[{key}]")
                else:
                    walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list | tuple):
            for item in node:
                walk(item, path)
        else:
            errors.add(path or None, str(node))

    walk(messages, prefix)
    return errors


@dataclasses.dataclass
class Body:
    """A request body read with a schema: ``value`` (the ``__model__``, or a dict of every
    field), ``values`` (the fields that could be read, by name), ``errors`` (the shape's
    problems, by path) and the ``raw`` JSON object."""

    value: Any
    values: dict[str, Any]
    errors: Collector
    raw: dict[str, Any]

    def raise_if_any(self) -> None:
        self.errors.raise_if_any()


def json_body() -> dict[str, Any]:
    """The request's JSON object; 400 when malformed or not an object (too large or too
    deep was refused before parsing: ``web.register_input_bounds``)."""
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest()
    if not isinstance(data, dict):
        raise BadRequest(description="The request body must be a JSON object.")
    return data


def read(schema: type[Schema]) -> Body:
    """Read the request's JSON object with ``schema`` (400 when it is not JSON)."""
    raw = json_body()
    values, messages = _load(schema(), raw)
    return Body(build(schema, values), values, field_errors(messages), raw)


def read_query(schema: type[Schema], args: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The query parameters read with ``schema``; DomainError (422) naming each bad one."""
    values, messages = _load(schema(), dict(args if args is not None else request.args))
    field_errors(messages).raise_if_any()
    return {n: values.get(f.attribute or n) for n, f in schema().load_fields.items()}


def run(body: Body, service: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``service`` and report the body's shape errors together with the service's own.

    A field that could not be read is passed to the service as missing, so a single answer
    names every problem (the shape's message wins for a field both name); nothing is stored
    when there is any (the API rolls back).
    """
    try:
        result = service(*args, **kwargs)
    except DomainError as exc:
        if not body.errors:
            raise
        known = {e.field for e in body.errors.errors}
        merged = body.errors.errors + [e for e in exc.errors if e.field not in known]
        raise DomainError(merged) from exc
    body.raise_if_any()
    return result


# --- the query parameters every list shares ------------------------------------------------------

class PageQuery(QuerySchema):
    """``page`` and ``per_page`` of a list (API.md: default 100 items, at most 1000)."""

    page = Query(whole_number(1, 1_000_000), "page must be a whole number from 1 to 1000000.",
                 metadata={"description": "1-based page (default 1)", "type": "integer",
                           "minimum": 1, "maximum": 1_000_000})
    per_page = Query(whole_number(1, 1000), "per_page must be a whole number from 1 to 1000.",
                     metadata={"description": "items per page (default 100, at most 1000)",
                               "type": "integer", "minimum": 1, "maximum": 1000})


def _day(text: str) -> date:
    return date.fromisoformat(text)


class Period(QuerySchema):
    """Figures for a period: ``from`` and ``to`` inclusive, blank for open."""

    date_from = Query(_day, "from must be a date written YYYY-MM-DD.", data_key="from",
                      metadata={"format": "date"})
    date_to = Query(_day, "to must be a date written YYYY-MM-DD.", data_key="to",
                    metadata={"format": "date"})


class PeriodQuery(Period, PageQuery):
    """A list for a period, by pages."""
