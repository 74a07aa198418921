"""The audit trail in the users' words: history lines and the audit page.

An :class:`~jointprojects.audit.models.AuditEntry` stores codes (``special_arrangement``,
``in_force``, ISO dates, organization ids). :func:`lines` turns a page of them into
:class:`Line` s that read "Expense #130 of SA-2025-004 changed · Amount: 1,200.00 → 1,250.00",
"Status: Draft → In force; Entry into force: — → 1 January 2027", "Logged in": the record
named by its reference, with the page it is on, values with their labels and dates as
"6 January 2025". The references are read with one query per kind of record for the whole
page, whatever its length.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from jointprojects import vocabulary
from jointprojects.audit.models import AuditEntry
from jointprojects.auth.models import ROLE_LABELS, User
from jointprojects.errors import Message
from jointprojects.expenses.models import Expense
from jointprojects.extensions import db
from jointprojects.i18n import current_language, msg, msg_n, translate
from jointprojects.locales import long_date, month_name
from jointprojects.organizations.models import Organization
from jointprojects.personnel_exchanges.models import PersonnelExchange
from jointprojects.projects.models import Project
from jointprojects.special_arrangements.models import ShareVersion, SpecialArrangement
from jointprojects.vocabulary import AUDIT_ACTION_LABELS as ACTION_LABELS
from jointprojects.vocabulary import AUDIT_ENTITY_LABELS as ENTITY_LABELS
from jointprojects.vocabulary import N_, SESSION_END_REASONS
from jointprojects.vocabulary import SECURITY_EVENT_LABELS as SECURITY_LABELS
from reports.evidence import REALLOCATION, is_reallocation

__all__ = ["ACTION_LABELS", "ENTITY_LABELS", "SECURITY_LABELS", "Change", "Line", "lines",
           "value_text"]

#: Keys of a snapshot that no reader needs (bookkeeping, or shown under another name).
_HIDDEN = {"id", "version", "updated_at", "created_at", "recorded_at", "recorded_by_admin",
           "password_hash", "token_hash"}
#: Keys that hold an organization's id -> the label the line shows.
_ORGANIZATION_KEYS = {
    "organization_id": "Organization",
    "paid_by_id": "Paid by",
    "borne_by_id": "Borne by",
    "terminated_by_id": "Terminated by",
    "home_organization_id": "Home organization",
    "host_organization_id": "Host organization",
    "lead_organization_id": "Lead organization",
}
#: Keys whose values are codes of the vocabulary -> their labels.
_CODED: dict[str, dict[str, str]] = {
    "status": vocabulary.STATUS_LABELS,
    "category": {**vocabulary.COST_ITEM_LABELS, **vocabulary.EXPENSE_CATEGORY_LABELS},
    "kind": {code: kind.label for code, kind in vocabulary.KINDS.items()},
    "role": ROLE_LABELS,
    "reason": SESSION_END_REASONS,
}
#: Field labels where the generic one ("Exchange rate") would not do.
_FIELD_LABELS = {
    "entry_into_force": "Entry into force",
    "document_reference": "Document reference",
    "display_name": "Name",
    "email": "E-mail",
    "is_active": "Active",
    "share_version_number": "Share version",
    "from": "From",
    "to": "To",
}
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_MONTH = re.compile(r"^\d{4}-\d{2}$")


#: A page: (endpoint, its arguments) for ``url_for``.
Link = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass
class Line:
    """One audit row as a reader reads it."""

    entry: AuditEntry
    #: The record: "Expense #130 of SA-2025-004".
    record: str
    #: What happened to it: "changed"; a security event's whole phrase: "Logged in".
    verb: str
    #: The page of the record (endpoint, arguments), None when it has none (or is gone).
    link: Link | None = None
    changes: list[Change] = field(default_factory=list)
    #: Details of a creation, a deletion or a security event: "Account tried: x@y.org".
    details: list[str] = field(default_factory=list)
    #: The record is the one whose history this is (its name is left out of the line).
    own: bool = False

    @property
    def at(self) -> datetime:
        return self.entry.at

    @property
    def when(self) -> str:
        return msg("%(day)s, %(time)s", day=_day(self.entry.at.date()),
                   time=f"{self.entry.at:%H:%M}")

    @property
    def who(self) -> str:
        return self.entry.user.display_name if self.entry.user else translate(N_("System"))

    @property
    def action(self) -> str:
        """The action with its record: "Expense #130 of SA-2025-004 changed"."""
        if self.entry.action in SECURITY_LABELS:
            return self.verb
        return msg("%(record)s %(verb)s", record=self.record, verb=self.verb).strip()

    @property
    def summary(self) -> str:
        """"Status: Draft → In force; Entry into force: — → 1 January 2027"."""
        return "; ".join(msg("%(label)s: %(before)s → %(after)s", label=c.label, before=c.before,
                             after=c.after) for c in self.changes)


def _day(day: date) -> str:
    """"6 January 2025", "6 janvier 2025": in the reader's language."""
    return long_date(day, current_language())


def field_label(key: str) -> str:
    return translate(_FIELD_LABELS.get(key) or _ORGANIZATION_KEYS.get(key)
                     or vocabulary.label(key))


def value_text(key: str, value: Any, organizations: dict[int, str] | None = None) -> str:
    """A snapshot's value as a reader reads it: labels for codes, "6 January 2025" for
    dates, "—" for nothing."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return translate(N_("Yes") if value else N_("No"))
    if key in _ORGANIZATION_KEYS and isinstance(value, int):
        return (organizations or {}).get(value, f"#{value}")
    if key == "kind" and value in vocabulary.KINDS:
        kind = vocabulary.KINDS[value]
        return msg("%(kind)s (%(article)s)", kind=Message(kind.label), article=kind.article)
    if key in _CODED and isinstance(value, str):
        return translate(_CODED[key].get(value) or vocabulary.label(value))
    if isinstance(value, list):
        if all(isinstance(v, str) for v in value):
            return ", ".join(value)
        return msg_n("%(num)s row", "%(num)s rows", len(value))
    if isinstance(value, dict):
        return translate(N_("(details)"))
    if isinstance(value, str):
        if _ISO_DAY.match(value):
            return _day(date.fromisoformat(value))
        if _ISO_TIME.match(value):
            stamp = datetime.fromisoformat(value)
            return msg("%(day)s, %(time)s", day=_day(stamp.date()), time=f"{stamp:%H:%M}")
        if _MONTH.match(value) and key == "month":
            year, month = value.split("-")
            return f"{month_name(int(month), current_language())} {year}"
    return str(value)


def _changes(before: dict[str, Any], after: dict[str, Any],
             organizations: dict[int, str]) -> list[Change]:
    changes = []
    for key, new in after.items():
        old = before.get(key)
        if key in _HIDDEN or old == new:
            continue
        if key.endswith("_id") and key not in _ORGANIZATION_KEYS:
            continue
        if key.endswith("_id") and key[:-3] in after:
            continue  # the code is shown under its own key ("borne_by")
        if isinstance(new, list) and new and not all(isinstance(v, str) for v in new):
            changes.append(Change(field_label(key), translate(N_("as before")),
                                  translate(N_("changed"))))
            continue
        changes.append(Change(field_label(key), value_text(key, old, organizations),
                              value_text(key, new, organizations)))
    return changes


class _References:
    """The references of the records a page of entries names, read once per kind."""

    def __init__(self, entries: Sequence[AuditEntry]) -> None:
        wanted: dict[str, set[int]] = defaultdict(set)
        for entry in entries:
            wanted[entry.entity].add(entry.entity_id)
            if entry.parent_entity and entry.parent_id is not None:
                wanted[entry.parent_entity].add(entry.parent_id)
            for data in (entry.before, entry.after):
                if data and isinstance(data.get("arrangement_id"), int):
                    wanted["special_arrangement"].add(data["arrangement_id"])
        self.arrangements: dict[int, str] = {}
        self.expenses: dict[int, int] = {}
        self.projects: dict[int, str] = {}
        self.exchanges: dict[int, str] = {}
        self.versions: dict[int, tuple[int, int]] = {}
        self.users: dict[int, str] = {}
        if ids := wanted.get("expense"):
            self.expenses = {eid: aid for eid, aid in db.session.execute(
                select(Expense.id, Expense.arrangement_id).where(Expense.id.in_(ids)))}
            wanted["special_arrangement"].update(self.expenses.values())
        if ids := wanted.get("share_version"):
            self.versions = {vid: (aid, number) for vid, aid, number in db.session.execute(
                select(ShareVersion.id, ShareVersion.arrangement_id, ShareVersion.number)
                .where(ShareVersion.id.in_(ids)))}
            wanted["special_arrangement"].update(a for a, _ in self.versions.values())
        if ids := wanted.get("special_arrangement"):
            self.arrangements = {aid: ref for aid, ref in db.session.execute(
                select(SpecialArrangement.id, SpecialArrangement.reference)
                .where(SpecialArrangement.id.in_(ids)))}
        if ids := wanted.get("project"):
            self.projects = {pid: code for pid, code in db.session.execute(
                select(Project.id, Project.code).where(Project.id.in_(ids)))}
        if ids := wanted.get("personnel_exchange"):
            self.exchanges = {pid: name for pid, name in db.session.execute(
                select(PersonnelExchange.id, PersonnelExchange.person_name)
                .where(PersonnelExchange.id.in_(ids)))}
        if ids := wanted.get("user"):
            self.users = {uid: email for uid, email in db.session.execute(
                select(User.id, User.email).where(User.id.in_(ids)))}
        self.organizations: dict[int, str] = {oid: code for oid, code in db.session.execute(
            select(Organization.id, Organization.code))}

    def arrangement(self, arrangement_id: int | None) -> tuple[str, Link | None]:
        reference, link = self.arrangement_reference(arrangement_id)
        return msg("Arrangement %(reference)s", reference=reference), link

    def arrangement_reference(self, arrangement_id: int | None) -> tuple[str, Link | None]:
        """"SA-2025-004" and its page ("#12" when it is gone)."""
        reference = self.arrangements.get(arrangement_id or 0)
        if reference is None:
            return f"#{arrangement_id}", None
        return reference, ("arrangements.detail", {"reference": reference})

    def name(self, entry: AuditEntry) -> tuple[str, Link | None]:
        """The record an entry is about, and its page."""
        data = entry.after or entry.before or {}
        entity, rid = entry.entity, entry.entity_id
        word = translate(ENTITY_LABELS.get(entity) or vocabulary.label(entity))
        if entity == "special_arrangement":
            reference = self.arrangements.get(rid) or data.get("reference")
            if reference and rid in self.arrangements:
                return (msg("Arrangement %(reference)s", reference=reference),
                        ("arrangements.detail", {"reference": reference}))
            return msg("Arrangement %(reference)s", reference=reference or f"#{rid}"), None
        if entity == "project":
            code = self.projects.get(rid) or data.get("code")
            link = ("projects.detail", {"code": code}) if rid in self.projects else None
            return msg("Project %(code)s", code=code or f"#{rid}"), link
        if entity == "expense":
            arrangement_id = self.expenses.get(rid) or data.get("arrangement_id")
            reference = self.arrangements.get(arrangement_id or 0)
            link = ("expenses.detail", {"expense_id": rid}) if rid in self.expenses else None
            if reference:
                return msg("Expense #%(id)s of %(reference)s", id=rid, reference=reference), link
            return msg("Expense #%(id)s", id=rid), link
        if entity == "personnel_exchange":
            person = self.exchanges.get(rid) or data.get("person_name")
            link = (("personnel_exchanges.detail", {"exchange_id": rid})
                    if rid in self.exchanges else None)
            if person:
                return msg("Personnel exchange #%(id)s (%(person)s)", id=rid, person=person), link
            return msg("Personnel exchange #%(id)s", id=rid), link
        if entity == "user":
            email = self.users.get(rid) or data.get("email")
            return msg("User %(email)s", email=email or f"#{rid}"), None
        if entity == "exchange_rate":
            month = value_text("month", data.get("month"))
            return msg("Exchange rate %(currency)s %(month)s", currency=data.get("currency", ""),
                       month=month).strip(), ("exchange_rates.rates", {})
        if entity == "share_version":
            arrangement_id, number = self.versions.get(rid, (None, data.get("number")))
            reference, link = self.arrangement_reference(arrangement_id or (
                entry.parent_id if entry.parent_entity == "special_arrangement" else None))
            if isinstance(number, int) and number > 1:  # amendment n is version n + 1
                return msg("Amendment %(number)s to %(reference)s", number=number - 1,
                           reference=reference), link
            return msg("Share version %(number)s of %(reference)s", number=number or "",
                       reference=reference), link
        # A record that belongs to another one: "Signature of UN on SA-2025-004".
        organization = self.organizations.get(data.get("organization_id") or 0)
        parent, link = self.parent(entry)
        if entity == "budget" and data.get("year"):
            word = f"{word} {data['year']}"
        if organization:
            word = msg("%(record)s of %(organization)s", record=word, organization=organization)
        if parent:
            word = msg("%(record)s on %(parent)s", record=word, parent=parent)
        return word, link

    def parent(self, entry: AuditEntry) -> tuple[str, Link | None]:
        if entry.parent_entity == "special_arrangement":
            return self.arrangement_reference(entry.parent_id)
        if entry.parent_entity == "personnel_exchange" and entry.parent_id is not None:
            link = (("personnel_exchanges.detail", {"exchange_id": entry.parent_id})
                    if entry.parent_id in self.exchanges else None)
            return msg("personnel exchange #%(id)s", id=entry.parent_id), link
        if entry.parent_entity == "project" and entry.parent_id is not None:
            code = self.projects.get(entry.parent_id)
            return ((msg("project %(code)s", code=code), ("projects.detail", {"code": code}))
                    if code else ("", None))
        return "", None


def _details(entry: AuditEntry, organizations: dict[int, str]) -> list[str]:
    after = entry.after or {}
    if entry.action in SECURITY_LABELS:
        details = []
        if entry.action in ("login_failure", "login_blocked") and after.get("email"):
            details.append(msg("Account tried: %(email)s", email=after["email"]))
        if after.get("reason"):
            details.append(msg("Why: %(reason)s", reason=value_text("reason", after["reason"])))
        if after.get("tokens_revoked"):
            details.append(msg("API tokens revoked: %(count)s", count=after["tokens_revoked"]))
        return details
    if entry.entity == "signature" and after.get("signatory"):
        return [msg("Signatory: %(name)s", name=after["signatory"]), *(
            [msg("Signed on %(day)s", day=value_text("date", after["date"]))]
            if after.get("date") else [])]
    if entry.action == "download":
        parts = [msg("%(label)s: %(value)s", label=field_label(k),
                     value=value_text(k, v, organizations))
                 for k, v in after.items() if k in ("from", "to") and v]
        return [msg("Report: %(report)s",
                    report=translate(vocabulary.label(str(after.get("report", ""))))), *parts]
    return []


def reallocation_cause(cause: Any) -> str:
    """Why a re-allocation ran, as a history line says it: "re-allocated by amendment 2"."""
    cause = cause if isinstance(cause, dict) else {}
    version = cause.get("share_version")
    amendment = version - 1 if isinstance(version, int) and version > 1 else None
    kind = cause.get("kind")
    if kind == "ceiling":
        return translate(N_("re-allocated: a ceiling reached or freed by another expense"))
    if kind == "amendment" and amendment:
        return translate(N_("re-allocated by amendment %(number)s")) % {"number": amendment}
    if kind == "retry" and amendment:
        return translate(N_("re-allocated by amendment %(number)s (retried)")) % {
            "number": amendment}
    return translate(N_("re-allocated"))


def lines(entries: Sequence[AuditEntry]) -> list[Line]:
    """``entries`` as :class:`Line` s (a record's own rows in its history read "Created",
    "Changed" without repeating its name: ``Line.own``). A re-allocation written in several
    batch rows reads as one line (its first batch's), with the number of expenses it
    changed; an expense's share of one (``reallocate`` on the expense, ``after.cause``, see
    :func:`jointprojects.expenses.services.expense_history`) says its cause."""
    entries = [e for e in entries if not is_reallocation({
        "action": e.action, "entity": e.entity, "after": e.after})
        or e.after[REALLOCATION].get("batch", 1) == 1]  # type: ignore[index]
    refs = _References(entries)
    result = []
    for entry in entries:
        record, link = refs.name(entry)
        batch = (entry.after or {}).get(REALLOCATION) if entry.action == "reallocate" else None
        if entry.action == "reallocate" and (batch or "cause" in (entry.after or {})):
            cause = (batch or entry.after or {}).get("cause")
            count = batch.get("count") if isinstance(batch, dict) else None
            result.append(Line(
                entry=entry, record=record, verb=reallocation_cause(cause), link=link,
                own=(entry.entity, entry.entity_id) == (entry.parent_entity, entry.parent_id),
                details=[translate(N_("Expenses re-allocated: %(count)s")) % {
                    "count": f"{count:,}"}] if isinstance(count, int) else []))
            continue
        if entry.action in SECURITY_LABELS:
            verb = SECURITY_LABELS[entry.action]
        elif entry.entity == "user" and entry.action == "create":
            verb = "created"
        else:
            verb = ACTION_LABELS.get(entry.action) or vocabulary.phrase(entry.action)
        data = entry.after or {}
        signer = refs.organizations.get(data.get("organization_id") or 0)
        if entry.entity == "signature" and entry.action == "sign" and signer:
            # "UN signed SA-2025-004", the signatory among the details.
            record, verb = msg("%(code)s signed %(record)s", code=signer,
                               record=refs.parent(entry)[0]), ""
        line = Line(entry=entry, record=record, verb=translate(verb), link=link,
                    own=(entry.entity, entry.entity_id)
                    == (entry.parent_entity, entry.parent_id),
                    details=_details(entry, refs.organizations))
        if entry.before and entry.after:
            line.changes = _changes(entry.before, entry.after, refs.organizations)
        result.append(line)
    return result
