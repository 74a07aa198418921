"""The contract's error body: ``{"errors": [{"field": ..., "message": ...}]}``.

Below both the API (its handlers) and :mod:`jointprojects.web` (the app-wide error pages answer
JSON clients with it), so that neither imports the other."""

from __future__ import annotations

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException

from jointprojects.errors import DomainError
from jointprojects.i18n import translate
from jointprojects.vocabulary import N_


def error_response(status: int, field: str | None, message: str) -> tuple[Response, int]:
    """``message`` (an English message id) in the request's language (Accept-Language)."""
    return jsonify({"errors": [{"field": field, "message": translate(message)}]}), status


def domain_error_response(error: DomainError) -> tuple[Response, int]:
    errors = [{"field": e.field, "message": translate(e.message)} for e in error.errors]
    return jsonify({"errors": errors}), error.status


def http_error_response(error: HTTPException) -> tuple[Response, int]:
    code = error.code or 500
    messages = {
        400: N_("The request body is not valid JSON."),
        401: N_("Authentication required: send 'Authorization: Bearer <token>'."),
        403: N_("Your role does not allow this action."),
        404: N_("Not found."),
        405: N_("Method not allowed on this resource."),
        413: N_("The request body is too large."),
    }
    # A description of our own (not werkzeug's default for the code) says more than the stock one.
    default = type(error).description
    if error.description and error.description != default:
        return error_response(code, None, error.description)
    return error_response(code, None, messages.get(code, error.description or error.name))
