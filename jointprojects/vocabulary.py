"""The domain's words, once: every code the database stores and the label people read.

Standard library only (no Flask, no SQLAlchemy), so that models (their CHECK constraints),
services (their checks and messages), forms (their choices), templates (the ``label``
filter), the API (its enums) and ``reports/`` (its workbooks) all take the same lists from
here. The order of each list is the order pages and workbooks show.

``tests/test_vocabulary.py`` fails when any of them drifts from these lists (the migrated
database's CHECK constraints included).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

__all__ = [
    "AGREEMENT_STATUSES",
    "AMENDMENT_STATUSES",
    "AREAS",
    "AREA_CODES",
    "ARRANGEMENT_DISPLAY_STATUSES",
    "ARRANGEMENT_KINDS",
    "ARRANGEMENT_STATUSES",
    "AUDIT_ACTION_LABELS",
    "AUDIT_ENTITY_LABELS",
    "AWAITED_ACTS",
    "AWAITED_KINDS",
    "AWAITED_KIND_LABELS",
    "AWAITED_LABELS",
    "COST_ITEM_CATEGORIES",
    "COST_ITEM_LABELS",
    "DOCUMENT_LABELS",
    "DOCUMENT_LABEL_NAMES",
    "DOCUMENT_RECORD_KINDS",
    "DOCUMENT_RECORD_LABELS",
    "EXCHANGE_DISPLAY_STATUSES",
    "EXCHANGE_STATUSES",
    "EXPENSE_CATEGORIES",
    "EXPENSE_CATEGORY_LABELS",
    "EXPENSE_FIELD_LABELS",
    "JOB_KINDS",
    "JOB_KIND_LABELS",
    "JOB_STATUSES",
    "JOB_STATUS_LABELS",
    "KINDS",
    "KIND_ARTICLES",
    "PAYMENT_STATUSES",
    "PROJECT_STATUSES",
    "RATE_SOURCE_LABELS",
    "SECURITY_EVENT_LABELS",
    "SESSION_END_REASONS",
    "STATEMENT_DECISIONS",
    "STATEMENT_STATUSES",
    "STATUS_LABELS",
    "TRANSFER_DISPLAY_STATUSES",
    "TRANSFER_STATUSES",
    "Kind",
    "check_in",
    "choices",
    "label",
    "phrase",
]


def _generic_label(code: str) -> str:
    """``"in_force"`` -> ``"In force"``: the label of a code without a listed one."""
    return code.replace("_", " ").capitalize()


# -- expense categories (API.md) ----------------------------------------------------------------

#: Expense category -> label, in the order forms and the cost report list them.
EXPENSE_CATEGORY_LABELS: dict[str, str] = {
    "personnel": "Personnel",
    "travel": "Travel",
    "equipment": "Equipment",
    "training": "Training",
    "meetings": "Meetings",
    "contractual_services": "Contractual services",
    "operating": "Operating",
    "other": "Other",
}
EXPENSE_CATEGORIES: tuple[str, ...] = tuple(EXPENSE_CATEGORY_LABELS)

# -- personnel exchanges (Art. 8): cost items ---------------------------------------------------

#: Category of a personnel exchange's cost item -> label.
COST_ITEM_LABELS: dict[str, str] = {
    "salary": "Salary",
    "allowances": "Allowances",
    "travel": "Travel",
    "daily_subsistence": "Daily subsistence",
    "relocation": "Relocation",
    "insurance": "Insurance",
    "other": "Other",
}
COST_ITEM_CATEGORIES: tuple[str, ...] = tuple(COST_ITEM_LABELS)

# -- supporting documents (DOMAIN.md rule 14) ---------------------------------------------------

#: Confidentiality label of a document -> label people read.
DOCUMENT_LABEL_NAMES: dict[str, str] = {
    "parties": "Parties",
    "restricted": "Restricted",
    "public": "Public",
}
DOCUMENT_LABELS: tuple[str, ...] = tuple(DOCUMENT_LABEL_NAMES)

#: The kind of record a document is attached to -> label people read.
DOCUMENT_RECORD_LABELS: dict[str, str] = {
    "arrangement": "Arrangement",
    "signature": "Signature",
    "amendment": "Amendment",
    "consent": "Consent",
    "notice": "Termination notice",
    "expense": "Expense",
    "statement": "Statement",
    "payment": "Payment",
    "personnel_exchange": "Personnel exchange",
}
DOCUMENT_RECORD_KINDS: tuple[str, ...] = tuple(DOCUMENT_RECORD_LABELS)

# -- kinds of special arrangement ---------------------------------------------------------------


class Kind(NamedTuple):
    """A kind of special arrangement: its label and the article of the 1997 agreement it
    comes from (``kind[0]``, ``kind[1]`` read the same)."""

    label: str
    article: str


#: Kind of special arrangement -> (label, article) (API.md).
KINDS: dict[str, Kind] = {
    "joint_action": Kind("Joint action", "Art. 5"),
    "personnel": Kind("Exchange of personnel", "Art. 8"),
    "supplementary": Kind("Supplementary arrangement", "Art. 9"),
    "technical_cooperation": Kind("Technical cooperation", "Art. 4"),
}
ARRANGEMENT_KINDS: tuple[str, ...] = tuple(KINDS)
#: Kind -> the article it comes from.
KIND_ARTICLES: dict[str, str] = {code: kind.article for code, kind in KINDS.items()}

# -- areas of cooperation, Art. 1 (a)-(f) -------------------------------------------------------

#: Area code -> short title (the seed's ``reference.json`` holds the same titles with the
#: article's full text).
AREAS: dict[str, str] = {
    "a": "National and transnational crime",
    "b": "Crime prevention, police training and awareness",
    "c": "Organized crime, trafficking and environmental crime",
    "d": "International judicial institutions",
    "e": "Peace-keeping and police-related matters",
    "f": "Common or linked computerized databases",
}
AREA_CODES: tuple[str, ...] = tuple(AREAS)

# -- statuses -----------------------------------------------------------------------------------

#: A special arrangement as stored: ``in_force`` once every party signed; ``status_on`` reads
#: signed (entry into force still ahead) / terminated / expired from the dates.
ARRANGEMENT_STATUSES: tuple[str, ...] = ("draft", "in_force", "terminated", "expired")
#: A special arrangement as it stands on a day (DOMAIN.md), in lifecycle order: ``signed``
#: by every party with the entry into force still ahead, never ``in_force`` before it.
ARRANGEMENT_DISPLAY_STATUSES: tuple[str, ...] = (
    "draft", "signed", "in_force", "terminated", "expired",
)
#: A share version (an amendment): pending until every party consented.
AMENDMENT_STATUSES: tuple[str, ...] = ("pending", "in_force", "withdrawn")
#: A joint project.
PROJECT_STATUSES: tuple[str, ...] = ("planned", "active", "completed", "cancelled")
#: The framework agreement (Art. 10).
AGREEMENT_STATUSES: tuple[str, ...] = ("signed", "in_force", "terminated")
#: A personnel exchange as stored.
EXCHANGE_STATUSES: tuple[str, ...] = ("proposed", "approved", "cancelled")
#: A personnel exchange as read on a day: an approved one is active, then completed.
EXCHANGE_DISPLAY_STATUSES: tuple[str, ...] = (
    "proposed", "approved", "active", "completed", "cancelled",
)

#: What a party may be awaited for (``special_arrangements.queries.awaited_parties``;
#: ``approval``: of a personnel exchange, by its home or host organization) -> the words
#: after "Awaiting UN's ...".
AWAITED_LABELS: dict[str, str] = {
    "signature": "signature",
    "consent": "consent to the amendment",
    "approval": "approval",
}
AWAITED_ACTS: tuple[str, ...] = tuple(AWAITED_LABELS)
#: What an organization's inbox holds (issue 16, ``inbox.awaited``): things to do and things
#: to know, computed from the records -> the heading people read.
AWAITED_KIND_LABELS: dict[str, str] = {
    "signature": "Signature awaited",
    "consent": "Consent to an amendment awaited",
    "approval": "Approval of a personnel exchange awaited",
    "statement_acceptance": "Statement to accept or dispute",
    "payment_confirmation": "Payment to confirm",
    "transfer_overdue": "Transfer overdue",
    "notice_given": "Notice of termination given",
    "ending": "Ending soon",
    "missing_rate": "Exchange rate missing",
    "missing_receipt": "Receipt missing",
}
AWAITED_KINDS: tuple[str, ...] = tuple(AWAITED_KIND_LABELS)
#: A statement of a period (DOMAIN.md rules 10-12): issued, then agreed once every party
#: accepted, disputed as soon as one disputes; withdrawn by its issuer (the period opens again).
STATEMENT_STATUSES: tuple[str, ...] = ("issued", "agreed", "disputed", "withdrawn")
#: A party's decision on a statement (rule 12).
STATEMENT_DECISIONS: tuple[str, ...] = ("accept", "dispute")
#: A payment between parties (rule 13): sent by the payer, received once the payee confirms.
PAYMENT_STATUSES: tuple[str, ...] = ("sent", "received")
#: A statement's settlement transfer as payments arrive (rule 13); ``overdue`` is read from
#: the due date, never stored.
TRANSFER_STATUSES: tuple[str, ...] = ("outstanding", "partly_paid", "paid")
#: A transfer as read on a day: ``overdue`` past the statement's due date, something unpaid.
TRANSFER_DISPLAY_STATUSES: tuple[str, ...] = (*TRANSFER_STATUSES, "overdue")
#: A job (long work off the request path, issue 15): waiting in the queue, being done by a
#: worker, then one of the three ends.
JOB_STATUSES: tuple[str, ...] = ("queued", "running", "done", "failed", "cancelled")
#: The word a job's status reads as (a job that is "done" reads "Ready", its result waits).
JOB_STATUS_LABELS: dict[str, str] = {
    "queued": "Waiting for a worker",
    "running": "Running",
    "done": "Ready",
    "failed": "Failed",
    "cancelled": "Cancelled",
}
#: What a job does -> label (``My jobs`` and the job page name it).
JOB_KIND_LABELS: dict[str, str] = {
    "cost_report": "Cost report",
    "import_preview": "Import check",
    "import_expenses": "Import of expenses",
    "portfolio_workbook": "Portfolio workbook",
    "statement": "Statement",
    "reallocation": "Re-allocation",
    "verify_chain": "Verification of the audit chain",
}
JOB_KINDS: tuple[str, ...] = tuple(JOB_KIND_LABELS)

#: Every status -> label (one status word reads the same wherever it appears).
STATUS_LABELS: dict[str, str] = {
    "draft": "Draft",
    "in_force": "In force",
    "terminated": "Terminated",
    "expired": "Expired",
    "pending": "Pending",
    "withdrawn": "Withdrawn",
    "planned": "Planned",
    "active": "Active",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "signed": "Signed, not yet in force",
    "proposed": "Proposed",
    "approved": "Approved",
    "issued": "Issued",
    "agreed": "Agreed",
    "disputed": "Disputed",
    "sent": "Sent",
    "received": "Received",
    "outstanding": "Outstanding",
    "partly_paid": "Partly paid",
    "paid": "Paid",
    "overdue": "Overdue",
    "accept": "Accepted",
    "dispute": "Disputed",
}

# -- the audit trail (audit/lines.py reads entries with these) -----------------------------------

#: Record type (table) -> the word for it.
AUDIT_ENTITY_LABELS: dict[str, str] = {
    "special_arrangement": "Arrangement",
    "project": "Project",
    "expense": "Expense",
    "budget": "Budget",
    "signature": "Signature",
    "consent": "Consent",
    "share_version": "Share version",
    "personnel_exchange": "Personnel exchange",
    "exchange_approval": "Approval",
    "exchange_cost_item": "Cost item",
    "exchange_extension": "Extension",
    "exchange_rate": "Exchange rate",
    "organization": "Organization",
    "agreement": "Cooperation Agreement",
    "agreement_amendment": "Amendment of the Agreement",
    "agreement_consent": "Consent to the amendment of the Agreement",
    "user": "User",
    "api_token": "API token",
    "statement": "Statement",
    "statement_acknowledgement": "Decision on the statement",
    "payment": "Payment",
    "inbox_read": "Read mark",
    "calendar_feed": "Calendar feed",
    "organization_key": "Organization key",
    "checkpoint": "Checkpoint",
    "checkpoint_signature": "Signature of a checkpoint",
    "acceptance_signature": "Signature of a decision on a statement",
}

#: Action -> what happened (``{}`` is the record's word where the phrase names it).
AUDIT_ACTION_LABELS: dict[str, str] = {
    "create": "created",
    "update": "changed",
    "delete": "deleted",
    "sign": "recorded",
    "consent": "recorded",
    "propose": "proposed",
    "notice": "notice of termination given",
    "notify": "notification recorded",
    "withdraw": "withdrawn",
    "approve": "recorded",
    "cancel": "cancelled",
    "extend": "recorded",
    "download": "downloaded",
    "issue": "issued",
    "accept": "accepted",
    "dispute": "disputed",
    "receive": "receipt confirmed",
    "read": "marked as read",
    "revoke": "revoked",
}

#: Security events (``audit.security_event``): the whole phrase.
SECURITY_EVENT_LABELS: dict[str, str] = {
    "login": "Logged in",
    "login_failure": "Login failed",
    "login_blocked": "Login refused: too many failed attempts",
    "logout": "Logged out",
    "session_end": "Session ended",
    "password_change": "Password changed",
    "deactivate": "User deactivated",
    "reactivate": "User reactivated",
    "token_create": "API token created",
    "token_revoke": "API token revoked",
}

#: Why a session ended (``auth.sessions``).
SESSION_END_REASONS: dict[str, str] = {
    "idle": "idle too long",
    "absolute": "open too long",
    "ended_by_user": "ended by the user",
    "password_change": "password changed",
    "logout": "logged out",
}

# -- how an expense's rate was found, and an expense's fields (the cost report) ------------------

#: ``expense.rate_source`` -> label: the rate given with the expense, the month's rate of the
#: rates table, or no conversion (the expense is in the reporting currency).
RATE_SOURCE_LABELS: dict[str, str] = {
    "given": "Given with the expense",
    "table": "Rates table",
    "same": "Same currency",
}

#: An expense's recorded fields -> label, in the order a change lists them.
EXPENSE_FIELD_LABELS: dict[str, str] = {
    "date": "Date",
    "category": "Category",
    "description": "Description",
    "amount": "Amount",
    "currency": "Currency",
    "exchange_rate": "Rate",
    "rate_source": "Rate source",
    "reporting_amount": "Reporting amount",
    "paid_by": "Paid by",
    "document_reference": "Document reference",
    "unallocated": "Unallocated",
    "share_version_number": "Version of the shares",
    "allocation": "Parts",
}

# Codes the ``label`` filter knows. Kinds are not among them ("personnel" is also a
# category): a kind's label is ``KINDS[kind].label``.
_LABELS: dict[str, str] = {**COST_ITEM_LABELS, **EXPENSE_CATEGORY_LABELS, **STATUS_LABELS}


def label(code: str | None) -> str:
    """The label of a category, cost item or status code (``"in_force"`` -> ``"In force"``);
    any other code reads with its underscores as spaces, capitalized; None reads ``""``."""
    if not code:
        return ""
    return _LABELS.get(code) or _generic_label(code)


def phrase(code: str | None) -> str:
    """The label as it reads inside a sentence: ``"daily_subsistence"`` -> ``"daily
    subsistence"`` ("The daily subsistence cost item's period ...")."""
    return label(code).lower()


def choices(labels: Mapping[str, str]) -> list[tuple[str, str]]:
    """``(code, label)`` pairs for a select field, in the vocabulary's order."""
    return list(labels.items())


def check_in(column: str, codes: Iterable[str]) -> str:
    """The SQL of a CHECK constraint that ``column`` is one of ``codes``:
    ``check_in("status", ("a", "b"))`` -> ``"status IN ('a', 'b')"``."""
    quoted = ", ".join(f"'{code}'" for code in codes)
    return f"{column} IN ({quoted})"


# --- E-mail (issue 16; jointprojects.notifications) -----------------------------------------
#: A mail is an event's (something newly awaited) or a digest.
MAIL_KINDS: tuple[str, ...] = ("event", "digest")
#: A mail's state in the mail log: ``sending`` while a worker holds it.
MAIL_STATUSES: tuple[str, ...] = ("queued", "sending", "sent", "failed")
#: What a user wants for a kind of awaited item.
MAIL_MODE_LABELS: dict[str, str] = {
    "immediate": "A mail at once",
    "digest": "In the daily digest only",
    "none": "No mail",
}
MAIL_MODES: tuple[str, ...] = tuple(MAIL_MODE_LABELS)
AUDIT_ENTITY_LABELS["mail_preference"] = "Mail preference"
