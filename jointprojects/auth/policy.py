"""The one place where permission decisions are made (DOMAIN.md "Who uses it").

Views, the API and the templates all ask :func:`can`. Rights are named actions; a role holds a
set of them. Acting "for" an organization (a signature, a consent, an approval) additionally
requires being a user of that organization, unless the user is an admin.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import abort
from flask_login import current_user

from jointprojects.errors import Forbidden

READ = "read"
PROJECT_WRITE = "project.write"
ARRANGEMENT_WRITE = "arrangement.write"
ARRANGEMENT_SIGN = "arrangement.sign"
AMENDMENT_PROPOSE = "amendment.propose"
AMENDMENT_CONSENT = "amendment.consent"
TERMINATION_NOTICE = "termination.notice"
EXPENSE_WRITE = "expense.write"
RATE_WRITE = "rate.write"
BUDGET_WRITE = "budget.write"
IMPORT = "import"
REPORT_DOWNLOAD = "report.download"
PERSONNEL_WRITE = "personnel.write"
PERSONNEL_APPROVE = "personnel.approve"
ORGANIZATION_WRITE = "organization.write"
USER_ADMIN = "user.admin"

_PROGRAMME = {
    READ,
    PROJECT_WRITE,
    ARRANGEMENT_WRITE,
    ARRANGEMENT_SIGN,
    AMENDMENT_PROPOSE,
    AMENDMENT_CONSENT,
    TERMINATION_NOTICE,
    BUDGET_WRITE,
    PERSONNEL_WRITE,
    PERSONNEL_APPROVE,
    REPORT_DOWNLOAD,
}
_FINANCE = {READ, EXPENSE_WRITE, RATE_WRITE, BUDGET_WRITE, IMPORT, REPORT_DOWNLOAD}
_LEADERSHIP = {READ, REPORT_DOWNLOAD}

RIGHTS: dict[str, frozenset[str]] = {
    "programme_manager": frozenset(_PROGRAMME),
    "finance": frozenset(_FINANCE),
    "leadership": frozenset(_LEADERSHIP),
}

#: Actions taken "for" one organization: only its own users (or an admin) may take them.
ON_BEHALF = {ARRANGEMENT_SIGN, AMENDMENT_CONSENT, TERMINATION_NOTICE, PERSONNEL_APPROVE}


def can(user: Any, action: str, organization_code: str | None = None) -> bool:
    """Whether ``user`` may take ``action`` (for ``organization_code`` where it applies)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    if user.role == "admin":
        return True
    if action not in RIGHTS.get(user.role, frozenset()):
        return False
    if action in ON_BEHALF and organization_code is not None:
        return bool(user.organization.code == organization_code)  # user is Any (current_user)
    return True


def acts_as_admin(user: Any, organization_code: str) -> bool:
    """True when an admin records something for an organization that is not their own."""
    return bool(user.role == "admin" and user.organization.code != organization_code)


def ensure(user: Any, action: str, organization_code: str | None = None) -> None:
    """Raise :class:`Forbidden` (403) with a sentence a user understands."""
    if can(user, action, organization_code):
        return
    if (
        organization_code is not None
        and action in ON_BEHALF
        and action in RIGHTS.get(getattr(user, "role", ""), frozenset())
    ):
        raise Forbidden(
            f"Only a user of {organization_code} (or an administrator) can do this for "
            f"{organization_code}.",
            field="organization",
        )
    raise Forbidden("Your role does not allow this action.")


def is_party_member(user: Any, party_codes: list[str]) -> bool:
    """Whether ``user`` belongs to one of an arrangement's parties (admins always do)."""
    return bool(getattr(user, "is_authenticated", False)) and (
        user.role == "admin" or user.organization.code in party_codes
    )


def ensure_party_member(user: Any, party_codes: list[str]) -> None:
    """Only the parties' own users (or an admin) shape an arrangement between them."""
    if not is_party_member(user, party_codes):
        raise Forbidden(
            "Only users of the arrangement's parties ("
            + ", ".join(party_codes)
            + ") or an administrator can do this.",
        )


P = ParamSpec("P")
R = TypeVar("R")


def requires(action: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """View decorator: 403 unless the logged-in user holds ``action``."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if not can(current_user, action):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
