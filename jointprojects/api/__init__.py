"""JSON API v1 (../shared/API.md): bearer tokens, the errors[] body, one transaction a call."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException, NotFound, Unauthorized

from jointprojects.access import guard_api
from jointprojects.api.schemas import PageQuery, read_query
from jointprojects.auth import policy
from jointprojects.auth.services import user_for_token
from jointprojects.error_responses import domain_error_response, http_error_response
from jointprojects.errors import DomainError
from jointprojects.extensions import csrf, db

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@bp.before_request
def refuse_nul_in_path() -> None:
    """No code or reference contains a NUL character (and PostgreSQL cannot compare one)."""
    if "\x00" in request.path:
        raise NotFound()


@bp.before_request
def authenticate() -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    user = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        raise Unauthorized()
    g.api_user = user


bp.before_request(guard_api)  # whose records: after the token, before every view


@bp.after_request
def finish(response: Response) -> Response:
    """One transaction per call: commit on success, roll back otherwise."""
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


@bp.errorhandler(DomainError)
def on_domain_error(error: DomainError):  # type: ignore[no-untyped-def]
    db.session.rollback()
    return domain_error_response(error)


@bp.errorhandler(HTTPException)
def on_http_error(error: HTTPException):  # type: ignore[no-untyped-def]
    db.session.rollback()
    response, status = http_error_response(error)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="jointprojects"'
    return response, status


def api_user() -> Any:
    return g.api_user


def ensure(action: str, organization_code: str | None = None) -> None:
    policy.ensure(g.api_user, action, organization_code)


def list_response(items: list[Any], total: int) -> Response:
    response = jsonify(items)
    response.headers["X-Total-Count"] = str(total)
    return response


def page_params(values: dict[str, Any] | None = None) -> tuple[int, int]:
    """``page`` (1-based) and ``per_page`` (default 100, at most 1000): from ``values`` when a
    view read them with its own :class:`~jointprojects.api.schemas.PageQuery` schema."""
    if values is None:
        values = read_query(PageQuery)
    return values["page"] or 1, values["per_page"] or 100


from jointprojects.api import openapi  # noqa: E402,F401 - routes
from jointprojects.budgets import api as _budgets  # noqa: E402,F401
from jointprojects.dashboard import api as _dashboard  # noqa: E402,F401
from jointprojects.documents import api as _documents  # noqa: E402,F401
from jointprojects.evidence import api as _evidence  # noqa: E402,F401
from jointprojects.exchange_rates import api as _exchange_rates  # noqa: E402,F401
from jointprojects.expenses import api as _expenses  # noqa: E402,F401
from jointprojects.inbox import api as _inbox  # noqa: E402,F401
from jointprojects.jobs import api as _jobs  # noqa: E402,F401
from jointprojects.organizations import api as _organizations  # noqa: E402,F401
from jointprojects.personnel_exchanges import api as _personnel_exchanges  # noqa: E402,F401
from jointprojects.projects import api as _projects  # noqa: E402,F401
from jointprojects.reporting import api as _reporting  # noqa: E402,F401
from jointprojects.special_arrangements import api as _arrangements  # noqa: E402,F401
from jointprojects.statements import api as _statements  # noqa: E402,F401
