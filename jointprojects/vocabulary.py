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
    "AREA_TEXTS",
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
    "N_",
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


def N_(message: str) -> str:
    """Marks an English label as a message id for ``make translations`` (pybabel ``-k N_``)
    and returns it unchanged: this module stays standard library only, and the label is
    translated where it is shown (the ``label`` filter, ``i18n.translate``), by message id."""
    return message


def _generic_label(code: str) -> str:
    """``"in_force"`` -> ``"In force"``: the label of a code without a listed one."""
    return code.replace("_", " ").capitalize()


# -- expense categories (API.md) ----------------------------------------------------------------

#: Expense category -> label, in the order forms and the cost report list them.
EXPENSE_CATEGORY_LABELS: dict[str, str] = {
    "personnel": N_("Personnel"),
    "travel": N_("Travel"),
    "equipment": N_("Equipment"),
    "training": N_("Training"),
    "meetings": N_("Meetings"),
    "contractual_services": N_("Contractual services"),
    "operating": N_("Operating"),
    "other": N_("Other"),
}
EXPENSE_CATEGORIES: tuple[str, ...] = tuple(EXPENSE_CATEGORY_LABELS)

# -- personnel exchanges (Art. 8): cost items ---------------------------------------------------

#: Category of a personnel exchange's cost item -> label.
COST_ITEM_LABELS: dict[str, str] = {
    "salary": N_("Salary"),
    "allowances": N_("Allowances"),
    "travel": N_("Travel"),
    "daily_subsistence": N_("Daily subsistence"),
    "relocation": N_("Relocation"),
    "insurance": N_("Insurance"),
    "other": N_("Other"),
}
COST_ITEM_CATEGORIES: tuple[str, ...] = tuple(COST_ITEM_LABELS)

# -- supporting documents (DOMAIN.md rule 14) ---------------------------------------------------

#: Confidentiality label of a document -> label people read.
DOCUMENT_LABEL_NAMES: dict[str, str] = {
    "parties": N_("Parties"),
    "restricted": N_("Restricted"),
    "public": N_("Public"),
}
DOCUMENT_LABELS: tuple[str, ...] = tuple(DOCUMENT_LABEL_NAMES)

#: The kind of record a document is attached to -> label people read.
DOCUMENT_RECORD_LABELS: dict[str, str] = {
    "arrangement": N_("Arrangement"),
    "signature": N_("Signature"),
    "amendment": N_("Amendment"),
    "consent": N_("Consent"),
    "notice": N_("Termination notice"),
    "expense": N_("Expense"),
    "statement": N_("Statement"),
    "payment": N_("Payment"),
    "personnel_exchange": N_("Personnel exchange"),
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
    "joint_action": Kind(N_("Joint action"), "Art. 5"),
    "personnel": Kind(N_("Exchange of personnel"), "Art. 8"),
    "supplementary": Kind(N_("Supplementary arrangement"), "Art. 9"),
    "technical_cooperation": Kind(N_("Technical cooperation"), "Art. 4"),
}
ARRANGEMENT_KINDS: tuple[str, ...] = tuple(KINDS)
#: Kind -> the article it comes from.
KIND_ARTICLES: dict[str, str] = {code: kind.article for code, kind in KINDS.items()}

# -- areas of cooperation, Art. 1 (a)-(f) -------------------------------------------------------

#: Area code -> short title (the seed's ``reference.json`` holds the same titles with the
#: article's full text).
AREAS: dict[str, str] = {
    "a": N_("National and transnational crime"),
    "b": N_("Crime prevention, police training and awareness"),
    "c": N_("Organized crime, trafficking and environmental crime"),
    "d": N_("International judicial institutions"),
    "e": N_("Peace-keeping and police-related matters"),
    "f": N_("Common or linked computerized databases"),
}
AREA_CODES: tuple[str, ...] = tuple(AREAS)

#: Area code -> the paragraph of Art. 1 (the seed's ``reference.json`` holds the same text,
#: ``tests/i18n`` checks it): message ids, so that pages show the French working translation.
AREA_TEXTS: dict[str, str] = {
    "a": N_(
        "Responding to the needs of the international community in the face of both "
        "national and transnational crime;"),
    "b": N_(
        "Assisting the international community in achieving the goals of preventing "
        "crime within and among States and improving the response to crime, in "
        "particular, through police training and public awareness campaigns aimed at "
        "alerting the public to the considerable threat posed by certain types of "
        "crime;"),
    "c": N_(
        "Assisting States, in particular in their efforts to combat organized criminal "
        "groups involved in such forms of crime as money-laundering, illicit traffic in "
        "human beings, offenses against minors, drug trafficking, as well as violations "
        "of international environmental and humanitarian laws;"),
    "d": N_(
        "Cooperating, where appropriate, in the implementation of the mandates of "
        "international judicial institutions such as the International Tribunal for the "
        "Prosecution of Persons Responsible for Serious Violations of International "
        "Humanitarian Law Committed in the Territory of the Former Yugoslavia since "
        "1991 and the International Criminal Tribunal for the Prosecution of Persons "
        "Responsible for Genocide and Other Serious Violations of International "
        "Humanitarian Law Committed in the Territory of Rwanda and Rwandan Citizens "
        "Responsible for Genocide and Other Such Violations Committed in the Territory "
        "of Neighbouring States between 1 January and 31 December 1994, which have been "
        "or may be established by the United Nations;"),
    "e": N_(
        "Cooperating, when requested by the United Nations and as appropriate, in "
        "respect of carrying out investigations and any other police-related matters in "
        "the context of peace-keeping and similar operations;"),
    "f": N_(
        "Examining the possibility of establishing through special arrangements with "
        "Offices and Programmes concerned common or linked computerized databases "
        "relating to penal law, to avoid undesirable duplication between them with "
        "respect to the collection and analysis of such information."),
}

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
    "signature": N_("signature"),
    "consent": N_("consent to the amendment"),
    "approval": N_("approval"),
}
AWAITED_ACTS: tuple[str, ...] = tuple(AWAITED_LABELS)
#: What an organization's inbox holds (issue 16, ``inbox.awaited``): things to do and things
#: to know, computed from the records -> the heading people read.
AWAITED_KIND_LABELS: dict[str, str] = {
    "signature": N_("Signature awaited"),
    "consent": N_("Consent to an amendment awaited"),
    "approval": N_("Approval of a personnel exchange awaited"),
    "statement_acceptance": N_("Statement to accept or dispute"),
    "payment_confirmation": N_("Payment to confirm"),
    "transfer_overdue": N_("Transfer overdue"),
    "notice_given": N_("Notice of termination given"),
    "ending": N_("Ending soon"),
    "missing_rate": N_("Exchange rate missing"),
    "missing_receipt": N_("Receipt missing"),
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
    "queued": N_("Waiting for a worker"),
    "running": N_("Running"),
    "done": N_("Ready"),
    "failed": N_("Failed"),
    "cancelled": N_("Cancelled"),
}
#: What a job does -> label (``My jobs`` and the job page name it).
JOB_KIND_LABELS: dict[str, str] = {
    "cost_report": N_("Cost report"),
    "import_preview": N_("Import check"),
    "import_expenses": N_("Import of expenses"),
    "portfolio_workbook": N_("Portfolio workbook"),
    "statement": N_("Statement"),
    "reallocation": N_("Re-allocation"),
    "verify_chain": N_("Verification of the audit chain"),
}
JOB_KINDS: tuple[str, ...] = tuple(JOB_KIND_LABELS)

#: Every status -> label (one status word reads the same wherever it appears).
STATUS_LABELS: dict[str, str] = {
    "draft": N_("Draft"),
    "in_force": N_("In force"),
    "terminated": N_("Terminated"),
    "expired": N_("Expired"),
    "pending": N_("Pending"),
    "withdrawn": N_("Withdrawn"),
    "planned": N_("Planned"),
    "active": N_("Active"),
    "completed": N_("Completed"),
    "cancelled": N_("Cancelled"),
    "signed": N_("Signed, not yet in force"),
    "proposed": N_("Proposed"),
    "approved": N_("Approved"),
    "issued": N_("Issued"),
    "agreed": N_("Agreed"),
    "disputed": N_("Disputed"),
    "sent": N_("Sent"),
    "received": N_("Received"),
    "outstanding": N_("Outstanding"),
    "partly_paid": N_("Partly paid"),
    "paid": N_("Paid"),
    "overdue": N_("Overdue"),
    "accept": N_("Accepted"),
    "dispute": N_("Disputed"),
}

# -- the audit trail (audit/lines.py reads entries with these) -----------------------------------

#: Record type (table) -> the word for it.
AUDIT_ENTITY_LABELS: dict[str, str] = {
    "special_arrangement": N_("Arrangement"),
    "project": N_("Project"),
    "expense": N_("Expense"),
    "budget": N_("Budget"),
    "signature": N_("Signature"),
    "consent": N_("Consent"),
    "share_version": N_("Share version"),
    "personnel_exchange": N_("Personnel exchange"),
    "exchange_approval": N_("Approval"),
    "exchange_cost_item": N_("Cost item"),
    "exchange_extension": N_("Extension"),
    "exchange_rate": N_("Exchange rate"),
    "organization": N_("Organization"),
    "agreement": N_("Cooperation Agreement"),
    "agreement_amendment": N_("Amendment of the Agreement"),
    "agreement_consent": N_("Consent to the amendment of the Agreement"),
    "user": N_("User"),
    "api_token": N_("API token"),
    "statement": N_("Statement"),
    "statement_acknowledgement": N_("Decision on the statement"),
    "payment": N_("Payment"),
    "inbox_read": N_("Read mark"),
    "calendar_feed": N_("Calendar feed"),
    "organization_key": N_("Organization key"),
    "checkpoint": N_("Checkpoint"),
    "checkpoint_signature": N_("Signature of a checkpoint"),
    "acceptance_signature": N_("Signature of a decision on a statement"),
}

#: Action -> what happened (``{}`` is the record's word where the phrase names it).
AUDIT_ACTION_LABELS: dict[str, str] = {
    "create": N_("created"),
    "update": N_("changed"),
    "delete": N_("deleted"),
    "sign": N_("recorded"),
    "consent": N_("recorded"),
    "propose": N_("proposed"),
    "notice": N_("notice of termination given"),
    "notify": N_("notification recorded"),
    "withdraw": N_("withdrawn"),
    "approve": N_("recorded"),
    "cancel": N_("cancelled"),
    "extend": N_("recorded"),
    "download": N_("downloaded"),
    "issue": N_("issued"),
    "accept": N_("accepted"),
    "dispute": N_("disputed"),
    "receive": N_("receipt confirmed"),
    "read": N_("marked as read"),
    "revoke": N_("revoked"),
}

#: Security events (``audit.security_event``): the whole phrase.
SECURITY_EVENT_LABELS: dict[str, str] = {
    "login": N_("Logged in"),
    "login_failure": N_("Login failed"),
    "login_blocked": N_("Login refused: too many failed attempts"),
    "logout": N_("Logged out"),
    "session_end": N_("Session ended"),
    "password_change": N_("Password changed"),
    "deactivate": N_("User deactivated"),
    "reactivate": N_("User reactivated"),
    "token_create": N_("API token created"),
    "token_revoke": N_("API token revoked"),
}

#: Why a session ended (``auth.sessions``).
SESSION_END_REASONS: dict[str, str] = {
    "idle": N_("idle too long"),
    "absolute": N_("open too long"),
    "ended_by_user": N_("ended by the user"),
    "password_change": N_("password changed"),
    "logout": N_("logged out"),
}

# -- how an expense's rate was found, and an expense's fields (the cost report) ------------------

#: ``expense.rate_source`` -> label: the rate given with the expense, the month's rate of the
#: rates table, or no conversion (the expense is in the reporting currency).
RATE_SOURCE_LABELS: dict[str, str] = {
    "given": N_("Given with the expense"),
    "table": N_("Rates table"),
    "same": N_("Same currency"),
}

#: An expense's recorded fields -> label, in the order a change lists them.
EXPENSE_FIELD_LABELS: dict[str, str] = {
    "date": N_("Date"),
    "category": N_("Category"),
    "description": N_("Description"),
    "amount": N_("Amount"),
    "currency": N_("Currency"),
    "exchange_rate": N_("Rate"),
    "rate_source": N_("Rate source"),
    "reporting_amount": N_("Reporting amount"),
    "paid_by": N_("Paid by"),
    "document_reference": N_("Document reference"),
    "unallocated": N_("Unallocated"),
    "share_version_number": N_("Version of the shares"),
    "allocation": N_("Parts"),
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
    "immediate": N_("A mail at once"),
    "digest": N_("In the daily digest only"),
    "none": N_("No mail"),
}
MAIL_MODES: tuple[str, ...] = tuple(MAIL_MODE_LABELS)
AUDIT_ENTITY_LABELS["mail_preference"] = "Mail preference"
