"""Whose records, at the door: every request whose URL names an arrangement, an expense, a
project, a personnel exchange, a document or a job asks :mod:`jointprojects.auth.policy` before
its view runs.

This is the one pattern (docs/ARCHITECTURE.md "The boundaries"): the factory registers
:func:`guard_web` for the pages and the API blueprint registers :func:`guard_api` after its
token check, so a route added tomorrow is covered by what its URL names, and the matrix test
(``tests/auth/test_object_access.py``) fails for a route it does not know. The views still
load their records with the service getters; the session's identity map makes the second
load of the same row free. Lists, searches, the dashboard and the workbook filter in SQL with
the policy's ``visible_*_clause``. The command line acts as the operator (an admin) and is
not guarded.
"""

from __future__ import annotations

from typing import Any

from flask import abort, g, request
from flask_login import current_user

from jointprojects.auth import policy
from jointprojects.documents.services import get_document
from jointprojects.errors import Forbidden
from jointprojects.expenses.services import get_expense
from jointprojects.jobs.services import get_job
from jointprojects.personnel_exchanges.services import get_exchange
from jointprojects.projects.services import get_project
from jointprojects.special_arrangements.services import get_arrangement
from jointprojects.statements.payments import get_payment

_READING = {"GET", "HEAD", "OPTIONS"}


def check(user: Any, endpoint: str, rule: str, values: dict[str, Any], method: str) -> None:
    """Raise the policy's NotFound (404) or Forbidden (403) for ``user`` on this URL."""
    if "reference" in values:
        policy.ensure_sees_arrangement(user, get_arrangement(values["reference"]))
    expense_id = values.get("expense_id")
    if expense_id is None and "/expenses/" in rule:
        expense_id = values.get("id")
    if expense_id is not None:
        policy.ensure_sees_arrangement(user, get_expense(expense_id).arrangement)
    payment_id = values.get("payment_id")
    if payment_id is None and rule.startswith("/api/v1/payments/"):
        payment_id = values.get("id")
    if payment_id is not None:
        policy.ensure_sees_arrangement(user, get_payment(payment_id).statement.arrangement)
    exchange_id = values.get("exchange_id")
    if exchange_id is None and "/personnel-exchanges/" in rule:
        exchange_id = values.get("id")
    if exchange_id is not None:
        policy.ensure_sees_exchange(user, get_exchange(exchange_id))
    document_id = values.get("document_id")
    if document_id is None and "/documents/<" in rule:
        document_id = values.get("id")
    if document_id is not None:
        policy.ensure_sees_document(user, get_document(document_id))
    if "job_id" in values:
        policy.ensure_sees_job(user, get_job(values["job_id"]))
    if "code" in values and endpoint.split(".")[0] in {"projects", "api"} \
            and "/projects/" in rule:
        project = get_project(values["code"])
        if method in _READING and endpoint.rsplit(".", 1)[-1] not in {"edit", "delete"}:
            policy.ensure_sees_project(user, project)
        else:
            policy.ensure_changes_project(user, project)


def _here(user: Any) -> None:
    if request.url_rule is None or not request.view_args:
        return
    check(user, request.endpoint or "", request.url_rule.rule, request.view_args,
          request.method)


def guard_web() -> None:
    """Pages: only for a signed-in user (the views' login_required redirects the others)."""
    if request.blueprint == "api" or not current_user.is_authenticated:
        return
    try:
        _here(current_user)
    except Forbidden:
        abort(403)


def guard_api() -> None:
    """API: after the bearer token is read (``g.api_user``)."""
    _here(g.api_user)
