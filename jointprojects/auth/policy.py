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
from sqlalchemy import and_, exists, false, or_, select, true
from sqlalchemy.orm import aliased

from jointprojects.documents.models import Document, DocumentReader
from jointprojects.errors import Forbidden, Message, NotFound
from jointprojects.expenses.models import Expense
from jointprojects.personnel_exchanges.models import PersonnelExchange
from jointprojects.projects.models import Project
from jointprojects.special_arrangements.models import ArrangementParty, SpecialArrangement

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
STATEMENT_ISSUE = "statement.issue"
STATEMENT_ACKNOWLEDGE = "statement.acknowledge"
PAYMENT_WRITE = "payment.write"
ORGANIZATION_WRITE = "organization.write"
USER_ADMIN = "user.admin"
DOCUMENT_WRITE = "document.write"
#: Register an organization's public key, add its signature to a checkpoint or an
#: acceptance (docs/EVIDENCE.md "Organization keys"): its leadership and finance, or an admin.
EVIDENCE_SIGN = "evidence.sign"

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
    DOCUMENT_WRITE,
}
_FINANCE = {READ, EXPENSE_WRITE, RATE_WRITE, BUDGET_WRITE, IMPORT, REPORT_DOWNLOAD,
            STATEMENT_ISSUE, STATEMENT_ACKNOWLEDGE, PAYMENT_WRITE, DOCUMENT_WRITE, EVIDENCE_SIGN}
_LEADERSHIP = {READ, REPORT_DOWNLOAD, EVIDENCE_SIGN}

RIGHTS: dict[str, frozenset[str]] = {
    "programme_manager": frozenset(_PROGRAMME),
    "finance": frozenset(_FINANCE),
    "leadership": frozenset(_LEADERSHIP),
}

#: Actions taken "for" one organization: only its own users (or an admin) may take them.
ON_BEHALF = {ARRANGEMENT_SIGN, AMENDMENT_CONSENT, TERMINATION_NOTICE, PERSONNEL_APPROVE,
             STATEMENT_ACKNOWLEDGE, PAYMENT_WRITE, EVIDENCE_SIGN}


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
            Message("Only a user of %(code)s (or an administrator) can do this for %(code)s.",
                    code=organization_code),
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


# --- whose records (DOMAIN.md "Whose records") ---------------------------------------------
#
# The role says what a user may do; the organization says on what. Every page, API call and
# export asks these functions (through ``jointprojects.access`` for every URL that names an
# arrangement, expense, budget, project or exchange; through the ``visible_*_clause`` for
# every list, search, dashboard figure and workbook). The command line acts as the operator
# (an administrator): it sees everything. Leadership sees what its organization is party to,
# like every other role: there is no cross-organization reader but the admin.


def _signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and getattr(user, "active", False))


def _is_admin(user: Any) -> bool:
    return _signed_in(user) and user.role == "admin"


def _hidden(what: str) -> NotFound:
    return NotFound(Message("Unknown %(what)s.", what=what), field="id")


def can_see_arrangement(user: Any, sa: SpecialArrangement) -> bool:
    """Users of the arrangement's parties and admins; to anyone else it does not exist."""
    if not _signed_in(user):
        return False
    return _is_admin(user) or any(p.organization_id == user.organization_id for p in sa.parties)


def ensure_sees_arrangement(user: Any, sa: SpecialArrangement) -> None:
    """:class:`NotFound` (the app's 404) unless ``user`` may see ``sa`` and what is under it."""
    if not can_see_arrangement(user, sa):
        raise _hidden("special arrangement")


def visible_arrangements_clause(user: Any) -> Any:
    """SQL condition on ``special_arrangement`` for lists: a party row for the user's
    organization (EXISTS on the (organization, arrangement) index), or true for admins."""
    if _is_admin(user):
        return true()
    if not _signed_in(user):
        return false()
    party = aliased(ArrangementParty)
    return exists().where(party.arrangement_id == SpecialArrangement.id,
                          party.organization_id == user.organization_id)


def visible_expenses_clause(user: Any) -> Any:
    """SQL condition on ``expense``: those of the arrangements the user sees."""
    if _is_admin(user):
        return true()
    return Expense.arrangement_id.in_(
        select(SpecialArrangement.id).where(visible_arrangements_clause(user)))


def portfolio_scope(user: Any) -> int | None:
    """The id of the organization whose portfolio the dashboard figures and the portfolio
    workbook show to ``user``: None (everything) for admins and the operator; otherwise the
    user's own organization, whatever the role (leadership included): the arrangements it
    is party to, the projects it leads or takes part in, the exchanges it sends or hosts,
    which are exactly what the visible_*_clause functions let it see."""
    if user is None or _is_admin(user):
        return None
    return int(user.organization_id)


def can_see_project(user: Any, project: Project) -> bool:
    """Users of the lead organization and of the parties to its arrangements, and admins."""
    if not _signed_in(user):
        return False
    if _is_admin(user) or project.lead_organization_id == user.organization_id:
        return True
    return any(p.organization_id == user.organization_id
               for sa in project.arrangements for p in sa.parties)


def visible_arrangements(user: Any, project: Project) -> list[SpecialArrangement]:
    """The project's arrangements that ``user`` sees (a project's page lists no other)."""
    return [sa for sa in project.arrangements if can_see_arrangement(user, sa)]


def ensure_sees_project(user: Any, project: Project) -> None:
    if not can_see_project(user, project):
        raise _hidden("project")


def can_change_project(user: Any, project: Project) -> bool:
    """A programme manager of the project's lead organization, or an admin (the project
    page offers Edit and Delete to them only)."""
    return can(user, PROJECT_WRITE) and (
        _is_admin(user) or project.lead_organization_id == user.organization_id)


def ensure_changes_project(user: Any, project: Project) -> None:
    """404 when the project is not visible; 403 unless a programme manager (or admin) of its
    lead organization."""
    ensure_sees_project(user, project)
    ensure(user, PROJECT_WRITE)
    if not _is_admin(user) and project.lead_organization_id != user.organization_id:
        raise Forbidden("Only the lead organization's programme managers (or an administrator) "
                        "can change this project.")


def ensure_leads(user: Any, organization_code: str | None) -> None:
    """A project is led by the organization of the programme manager who creates or edits it
    (unless an admin records it)."""
    if organization_code and not _is_admin(user) \
            and organization_code != user.organization.code:
        raise Forbidden("A project can only be created for your own organization.",
                        field="lead_organization")


def visible_projects_clause(user: Any) -> Any:
    if _is_admin(user):
        return true()
    if not _signed_in(user):
        return false()
    arrangement, party = aliased(SpecialArrangement), aliased(ArrangementParty)
    return or_(Project.lead_organization_id == user.organization_id,
               exists().where(arrangement.project_id == Project.id,
                              party.arrangement_id == arrangement.id,
                              party.organization_id == user.organization_id))


def can_see_exchange(user: Any, exchange: PersonnelExchange) -> bool:
    """Users of the home and host organizations, and admins (they read and change it)."""
    if not _signed_in(user):
        return False
    return _is_admin(user) or user.organization_id in (exchange.home_organization_id,
                                                       exchange.host_organization_id)


def ensure_sees_exchange(user: Any, exchange: PersonnelExchange) -> None:
    if not can_see_exchange(user, exchange):
        raise _hidden("personnel exchange")


def ensure_exchange_between(user: Any, home_id: int | None, host_id: int | None) -> None:
    """A new (or edited) exchange stays one the user's organization takes part in."""
    if _is_admin(user) or user.organization_id in (home_id, host_id):
        return
    raise Forbidden("Only users of the home or host organization (or an administrator) can "
                    "record this exchange.", field="home_organization")


def visible_exchanges_clause(user: Any) -> Any:
    if _is_admin(user):
        return true()
    if not _signed_in(user):
        return false()
    return or_(PersonnelExchange.home_organization_id == user.organization_id,
               PersonnelExchange.host_organization_id == user.organization_id)


# --- documents and their confidentiality labels (DOMAIN.md rule 14) -------------------------
#
# ``parties``: the users of the arrangement's parties (of an exchange's home and host
# organizations); ``restricted``: the users of the organizations named on the document;
# ``public``: every user. Admins see every document. To anyone else a document does not exist:
# a 404, and no list, count or search of theirs includes it (``visible_documents_clause``).


def _owner_organization_ids(document: Document) -> set[int]:
    if document.arrangement is not None:
        return {p.organization_id for p in document.arrangement.parties}
    if document.exchange is not None:
        return {document.exchange.home_organization_id, document.exchange.host_organization_id}
    return set()


def can_see_document(user: Any, document: Document) -> bool:
    if not _signed_in(user):
        return False
    if _is_admin(user) or document.label == "public":
        return True
    if document.label == "restricted":
        return any(r.organization_id == user.organization_id for r in document.readers)
    return user.organization_id in _owner_organization_ids(document)


def ensure_sees_document(user: Any, document: Document) -> None:
    if not can_see_document(user, document):
        raise _hidden("document")


def visible_documents_clause(user: Any) -> Any:
    """SQL condition on ``document`` matching :func:`can_see_document`."""
    if _is_admin(user):
        return true()
    if not _signed_in(user):
        return false()
    party, reader = aliased(ArrangementParty), aliased(DocumentReader)
    org = user.organization_id
    of_parties = or_(
        exists().where(party.arrangement_id == Document.arrangement_id,
                       party.organization_id == org),
        and_(Document.arrangement_id.is_(None), Document.exchange_id.in_(
            select(PersonnelExchange.id).where(or_(
                PersonnelExchange.home_organization_id == org,
                PersonnelExchange.host_organization_id == org)))),
    )
    return or_(
        Document.label == "public",
        and_(Document.label == "parties", of_parties),
        and_(Document.label == "restricted",
             exists().where(reader.document_id == Document.id, reader.organization_id == org)),
    )


def ensure_manages_document(user: Any, document: Document) -> None:
    """A document's label is changed, and the document deleted, only by a user of the
    uploader's organization (with the right to upload) or an admin."""
    ensure(user, DOCUMENT_WRITE)
    if not _is_admin(user) and user.organization_id != document.organization_id:
        raise Forbidden(Message("Only a user of %(code)s (which uploaded it) or an "
                                "administrator can change or delete this document.",
                                code=document.organization.code))


def can_see_job(user: Any, job: Any) -> bool:
    """A job (issue 15) is its owner's: it may hold a report of what they alone may see.
    Admins see every job; to anyone else it does not exist."""
    return _signed_in(user) and (_is_admin(user) or job.owner_id == user.id)


def ensure_sees_job(user: Any, job: Any) -> None:
    if not can_see_job(user, job):
        raise _hidden("job")


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
