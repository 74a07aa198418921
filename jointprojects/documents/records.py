"""The records a document may be attached to, and whether each may still change.

A document names its record by ``(kind, key)`` (vocabulary.DOCUMENT_RECORD_KINDS). This module
finds the record (NotFound when the arrangement has no such one) and says whether it may
still change: a document is deleted only while its record may (a signed arrangement's signed
text stays, an amendment's consents once it is in force, a receipt once its expense may no
longer be edited).

Features that come later in the order answer through two signals the factory connects,
without this module knowing them: :data:`record_exists` (statements and payments: does the
arrangement have this one?) and :data:`record_locked` (a closed period: why a record may no
longer change). Until a receiver answers, a statement or payment key is taken as given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from blinker import Namespace
from flask import current_app

from jointprojects.documents.models import Document
from jointprojects.errors import Message, NotFound
from jointprojects.expenses.models import Expense
from jointprojects.extensions import db
from jointprojects.personnel_exchanges.models import PersonnelExchange
from jointprojects.special_arrangements.models import (
    Consent,
    ShareVersion,
    Signature,
    SpecialArrangement,
)
from jointprojects.vocabulary import DOCUMENT_RECORD_LABELS

_signals = Namespace()
#: ``send(app, kind=, arrangement=, key=)``: a receiver answers True (it exists), False (it
#: does not) or None (not its kind).
record_exists = _signals.signal("document-record-exists")
#: ``send(app, kind=, arrangement=, key=, expense=)``: a receiver answers a sentence saying
#: why the record may no longer change, or None.
record_locked = _signals.signal("document-record-locked")

#: Kinds that need a key, and the word the key is (an id or a number).
KEYS = {"expense": "id", "amendment": "number", "consent": "id", "signature": "id",
        "statement": "number", "payment": "id"}
#: Ids and numbers beyond this are not ours (jointprojects.web.MAX_INT).
MAX_KEY = 2**31 - 1
ARRANGEMENT_KINDS = ("arrangement", "signature", "amendment", "consent", "notice", "expense",
                     "statement", "payment")


@dataclass(frozen=True)
class Target:
    """The record a document is attached to."""

    kind: str
    key: int | None
    expense: Expense | None = None

    @property
    def description(self) -> str:
        label = DOCUMENT_RECORD_LABELS[self.kind]
        if self.key is None:
            return label
        word = KEYS.get(self.kind, "id")
        return f"{label} {self.key}" if word == "number" else f"{label} #{self.key}"


def _app() -> Any:
    return current_app._get_current_object()  # type: ignore[attr-defined]


def resolve(sa: SpecialArrangement | None, exchange: PersonnelExchange | None, kind: str,
            key: int | None) -> Target:
    """The record ``(kind, key)`` of the arrangement (or the exchange); NotFound naming the
    field when there is none."""
    if exchange is not None:
        if kind != "personnel_exchange":
            raise NotFound("A personnel exchange's documents are attached to the exchange.",
                           "record")
        return Target(kind, None)
    if sa is None or kind not in ARRANGEMENT_KINDS:
        raise NotFound(Message("Unknown kind of record %(kind)r.", kind=kind), "record")
    if kind in KEYS:
        if key is None:
            raise NotFound(Message("Name the %(value)s (%(value2)s).",
                                   value=DOCUMENT_RECORD_LABELS[kind].lower(),
                                   value2=KEYS[kind]),
                           kind)
        if not 0 < key <= MAX_KEY:  # no record has it (and no column could hold it)
            raise NotFound(Message("%(reference)s has no %(kind)s %(key)s.",
                                   reference=sa.reference, kind=kind, key=key), kind)
    else:
        key = None
    if kind == "expense":
        expense = db.session.get(Expense, key)
        if expense is None or expense.arrangement_id != sa.id:
            raise NotFound(Message("%(reference)s has no expense %(key)s.",
                                   reference=sa.reference, key=key), "expense")
        return Target(kind, key, expense)
    if kind == "amendment":
        if not any(v.amendment_number == key for v in sa.share_versions):
            raise NotFound(Message("%(reference)s has no amendment %(key)s.",
                                   reference=sa.reference, key=key), "amendment")
    elif kind == "consent":
        consent = db.session.get(Consent, key)
        if consent is None or consent.share_version.arrangement_id != sa.id:
            raise NotFound(Message("%(reference)s has no consent %(key)s.",
                                   reference=sa.reference, key=key), "consent")
    elif kind == "signature":
        signature = db.session.get(Signature, key)
        if signature is None or signature.arrangement_id != sa.id:
            raise NotFound(Message("%(reference)s has no signature %(key)s.",
                                   reference=sa.reference, key=key), "signature")
    elif kind == "notice":
        if sa.termination_notice_date is None:
            raise NotFound(Message("No notice of termination was given for %(reference)s.",
                                   reference=sa.reference), "notice")
    elif kind in ("statement", "payment"):
        answers = [answer for _r, answer in record_exists.send(
            _app(), kind=kind, arrangement=sa, key=key)]
        if False in answers or key is None or key < 1:
            raise NotFound(Message("%(reference)s has no %(kind)s %(key)s.",
                                   reference=sa.reference, kind=kind, key=key), kind)
    return Target(kind, key)


def target_of(document: Document) -> Target:
    expense = db.session.get(Expense, document.expense_id) if document.expense_id else None
    return Target(document.record_kind, document.record_key, expense)


def _version(sa: SpecialArrangement, number: int | None) -> ShareVersion | None:
    """The version of amendment ``number`` (amendment n is version n + 1)."""
    return next((v for v in sa.share_versions
                 if number is not None and v.amendment_number == number), None)


def lock_reason(document: Document, today: date | None = None) -> str | None:
    """Why the document's record may no longer change (so the document stays), or None."""
    today = today or date.today()
    kind, sa = document.record_kind, document.arrangement
    if document.exchange is not None:
        x = document.exchange
        if x.status == "cancelled":
            return "The exchange is cancelled: its documents stay."
        if x.end_date < today:
            return "The exchange is over: its documents stay."
        return None
    if sa is None:
        return None
    reason: str | None = None
    if kind in ("arrangement", "signature") and (sa.status != "draft" or sa.entry_into_force):
        reason = f"{sa.reference} is signed: its signed text and signatures' documents stay."
    elif kind in ("amendment", "consent"):
        if kind == "consent":
            consent = db.session.get(Consent, document.record_key)
            version = consent.share_version if consent is not None else None
        else:
            version = _version(sa, document.record_key)
        if version is not None and version.status != "pending":
            status = version.status.replace("_", " ")
            reason = (f"Amendment {version.amendment_number} is {status}: its "
                      "documents stay.")
    elif kind == "notice" and sa.status_on(today) == "terminated":
        reason = "The termination has taken effect: the notice's documents stay."
    elif kind == "expense" and document.expense_id is None:
        reason = "The expense was deleted: its documents stay as evidence."
    if reason is None:
        for _r, answer in record_locked.send(_app(), kind=kind, arrangement=sa,
                                             key=document.record_key,
                                             expense=target_of(document).expense):
            if answer:
                return str(answer)
    return reason
