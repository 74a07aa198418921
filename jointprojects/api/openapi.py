"""The OpenAPI 3 document of the JSON API, served at /api/v1/openapi.json.

Generated (apispec with its marshmallow plugin) from the application's routes and the shapes
each view declares with :func:`operation`: the request body and query schemas the view reads
with, the response schema of its answer. A route of the ``api`` blueprint without an
:func:`operation` is left out of the document, and ``tests/api/test_openapi.py`` fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app
from marshmallow import Schema, fields

from jointprojects.api import bp
from jointprojects.api.schemas import CODE_PATTERN, OutputSchema
from jointprojects.web import MAX_INT

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FieldErrorSchema(OutputSchema):
    __component__ = "FieldError"

    field = fields.String(required=True, allow_none=True,
                          metadata={"description": "the field or its path "
                                                   "(shares[1].percent), or null"})
    message = fields.String(required=True)


class ErrorSchema(OutputSchema):
    errors = fields.List(fields.Nested(FieldErrorSchema), required=True)


_ERRORS = {
    400: "The body is not a JSON object",
    401: "No or bad token",
    413: "A file or the request is larger than the cap",
    403: "Your role does not allow this action",
    404: "Unknown reference",
    409: "Duplicate reference, or a state that forbids the action",
    422: "Validation: every problem named with its field or path",
    405: "An id beyond 2147483647 (no record can have it): the routing refuses the method",
}


@dataclass
class Operation:
    summary: str
    status: int = 200
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    response: type[Schema] | Schema | None = None
    many: bool = False
    content_type: str | tuple[str, ...] = "application/json"
    #: ``multipart/form-data`` for an upload (the body schema lists its parts).
    body_content_type: str = "application/json"
    description: str = ""
    errors: tuple[int, ...] = field(default=())

    def openapi(self, path_params: list[dict[str, Any]], method: str = "get"
                ) -> dict[str, Any]:
        responses: dict[str, Any] = {}
        success: dict[str, Any] = {"description": "Success"}
        if self.status != 204:
            if self.content_type == "application/json":
                schema: Any = self.response if self.response is not None else {"type": "object"}
                if self.many:
                    schema = {"type": "array", "items": schema}
                success["content"] = {"application/json": {"schema": schema}}
            else:
                types = (self.content_type,) if isinstance(self.content_type, str) \
                    else self.content_type
                success["content"] = {t: {"schema": {"type": "string", "format": "binary"}}
                                      for t in types}
        if self.many:
            success["headers"] = {"X-Total-Count": {
                "description": "How many items the whole list has",
                "schema": {"type": "string", "pattern": "^[0-9]+$"}}}
        responses[str(self.status)] = success
        # 404: an unknown reference, in the path, the body or a query parameter
        codes = {401, 403, 404, 422, *self.errors}
        if method != "get":
            codes.add(409)
            if any(p["schema"]["type"] == "integer" for p in path_params):
                # werkzeug answers 405, not 404, to a non-GET whose <int:...> is out of range
                codes.add(405)
        if self.body is not None:
            codes.add(400)
        for code in sorted(codes):
            description = _ERRORS[code]
            if code == 422 and self.query is not None and self.body is None:
                description = "A bad query parameter, named in field (e.g. page, per_page)"
            responses[str(code)] = {"description": description, "content": {
                "application/json": {"schema": "Error"}}}
        operation: dict[str, Any] = {"summary": self.summary, "responses": responses}
        if self.description:
            operation["description"] = self.description
        parameters = list(path_params)
        if self.query is not None:
            parameters.append({"in": "query", "schema": self.query})
        if parameters:
            operation["parameters"] = parameters
        if self.body is not None:
            operation["requestBody"] = {"required": True, "content": {
                self.body_content_type: {"schema": self.body}}}
        return operation


def operation(summary: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a view's place in the document: ``status`` of success, ``body`` and ``query``
    schemas, ``response`` schema (``many`` for a list with ``X-Total-Count``), ``errors``
    beyond the usual ones."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        view.api_operation = Operation(summary, **kwargs)  # type: ignore[attr-defined]
        return view

    return decorate


_ARGUMENT = re.compile(r"<(?:(?P<converter>[a-z]+):)?(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>")


def _path_parameters(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params = []
    for match in _ARGUMENT.finditer(rule):
        if match["converter"] == "int":
            schema: dict[str, Any] = {"type": "integer", "minimum": 0, "maximum": MAX_INT}
        else:
            schema = {"type": "string", "pattern": CODE_PATTERN, "maxLength": 60}
        params.append({"name": match["name"], "in": "path", "required": True,
                       "schema": schema})
    return _ARGUMENT.sub(lambda m: "{" + m["name"] + "}", rule), params


def component_name(schema: type[Schema] | Schema) -> str:
    """A schema's name under ``components/schemas``: its ``__component__``, or its class name."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = getattr(cls, "__component__", None) or cls.__name__
    if not isinstance(schema, type) and (schema.only or schema.exclude):
        name += "Part"
    return str(name)


def document() -> dict[str, Any]:
    spec = APISpec(
        title="jointprojects API",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin(schema_name_resolver=component_name)],
        info={"description": "Joint projects and cost sharing under special arrangements "
                             "(UN-Interpol Cooperation Agreement, 1997). The contract: "
                             "API.md; money and percentages are JSON strings."},
        security=[{"bearer": []}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorSchema)
    paths: dict[str, dict[str, Any]] = {}
    for rule in current_app.url_map.iter_rules():
        if not rule.endpoint.startswith(f"{bp.name}."):
            continue
        op = getattr(current_app.view_functions[rule.endpoint], "api_operation", None)
        if op is None:
            continue
        path, params = _path_parameters(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = op.openapi(params, method.lower())
    for path in sorted(paths):
        spec.path(path=path, operations=paths[path])
    return spec.to_dict()


@bp.get("/openapi.json")
@operation("This document (OpenAPI 3)")
def openapi_json():  # type: ignore[no-untyped-def]
    return document()
