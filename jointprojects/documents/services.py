"""Attach, version, relabel, delete and read documents (DOMAIN.md rule 14; issue 13).

Services take plain data, check everything first and raise one DomainError naming every field
(every file), flush, never commit, and write an audit row per change (the SHA-256 in it).
Who may see a document is decided by :mod:`jointprojects.auth.policy` (``can_see_document``,
``visible_documents_clause``); these functions take the acting user and ask it. A document's
audit rows belong to the document itself (``parent``), not to its arrangement, so that the
arrangement's History panel never shows a document its reader may not see.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO, Any

from flask import current_app
from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import aliased, selectinload

from jointprojects.audit import services as audit
from jointprojects.auth import policy
from jointprojects.auth.models import utcnow
from jointprojects.bounds import text_problem
from jointprojects.documents import records, sniff, storage
from jointprojects.documents.models import Document, DocumentBlob, DocumentReader
from jointprojects.documents.records import Target
from jointprojects.errors import Collector, Conflict, DomainError, Message, NotFound, message_of
from jointprojects.extensions import db
from jointprojects.organizations.models import Organization
from jointprojects.personnel_exchanges.models import PersonnelExchange
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.vocabulary import DOCUMENT_LABELS

#: Defaults of the caps (configurable: DOCUMENTS_MAX_FILE_BYTES, DOCUMENTS_MAX_REQUEST_BYTES).
MAX_FILE_BYTES = 25_000_000
MAX_REQUEST_BYTES = 110_000_000
#: Files per upload request.
MAX_FILES = 20
TITLE_LENGTH = 200
FILENAME_LENGTH = 200


class FileTooLarge(DomainError):
    """A file over the cap: 413."""

    status = 413


@dataclass
class Upload:
    """One uploaded file: its bytes (a seekable stream, spooled to disk by the server when
    large) and the name the client gave it."""

    stream: IO[bytes]
    filename: str = ""


@dataclass
class DocumentData:
    """What the uploader says about the files: the record they support, a title (default:
    the file's name), the label and, for ``restricted``, the organizations."""

    kind: str = "arrangement"
    key: int | None = None
    title: str | None = None
    label: str | None = None
    organizations: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Owner:
    """What a document belongs to: an arrangement, or a personnel exchange."""

    arrangement: SpecialArrangement | None = None
    exchange: PersonnelExchange | None = None

    @property
    def organization_codes(self) -> list[str]:
        if self.arrangement is not None:
            return list(self.arrangement.party_codes)
        if self.exchange is None:
            return []
        return [self.exchange.home_organization.code, self.exchange.host_organization.code]

    @property
    def record(self) -> Any:
        return self.arrangement if self.arrangement is not None else self.exchange


def max_file_bytes() -> int:
    return int(current_app.config.get("DOCUMENTS_MAX_FILE_BYTES", MAX_FILE_BYTES))


def max_request_bytes() -> int:
    return int(current_app.config.get("DOCUMENTS_MAX_REQUEST_BYTES", MAX_REQUEST_BYTES))


# --- names -------------------------------------------------------------------------------------

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*;]')
_SPACES = re.compile(r"\s+")


def safe_filename(name: str | None, file_type: sniff.FileType | None = None) -> str:
    """A name fit to store and to offer in a download: the last part of any path, NFC, no
    control, path or shell characters, no leading dots, at most :data:`FILENAME_LENGTH`
    characters, ending in an extension of the type the bytes were found to be."""
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf", "Cs"))
    text = _SPACES.sub(" ", _UNSAFE.sub("_", text)).strip(" .")
    if not text:
        text = "document"
    if file_type is not None and not text.lower().endswith(file_type.extensions):
        text += file_type.extensions[0]
    stem, suffix = PurePosixPath(text).stem, PurePosixPath(text).suffix
    if len(text) > FILENAME_LENGTH:
        text = stem[: FILENAME_LENGTH - len(suffix)] + suffix
    return text


def _default_title(filename: str) -> str:
    return (PurePosixPath(filename).stem or filename)[:TITLE_LENGTH]


# --- checks ------------------------------------------------------------------------------------

@dataclass
class _CheckedFile:
    upload: Upload
    digest: storage.Digest
    file_type: sniff.FileType
    filename: str


def _check_label(owner: Owner, data: DocumentData, user: Any, errors: Collector
                 ) -> tuple[str, list[Organization]]:
    label = (data.label or "parties").strip()
    if label not in DOCUMENT_LABELS:
        errors.add("label", "label must be one of " + ", ".join(DOCUMENT_LABELS) + ".")
        return label, []
    codes = [c.strip() for c in data.organizations if c and c.strip()]
    if label != "restricted":
        if codes:
            errors.add("organizations", "organizations are named only for a restricted "
                                        "document.")
        return label, []
    if not codes:
        errors.add("organizations", "A restricted document names the organizations whose "
                                    "users may see it.")
        return label, []
    allowed = owner.organization_codes
    unknown = [c for c in codes if c not in allowed]
    if unknown:
        errors.add("organizations", ", ".join(unknown) + " "
                   + ("is not a party" if len(unknown) == 1 else "are not parties")
                   + " (" + ", ".join(allowed) + ").")
        return label, []
    if user.role != "admin" and user.organization.code not in codes:
        errors.add("organizations", Message("Name your own organization (%(code)s) too, or you "
                                            "could not see the document yourself.",
                                            code=user.organization.code))
    orgs = list(db.session.scalars(select(Organization).where(Organization.code.in_(codes))))
    return label, orgs


def _check_title(title: str | None, errors: Collector) -> str | None:
    text = (title or "").strip()
    if problem := text_problem(text):
        errors.add("title", Message("title %(problem)s.", problem=problem))
    if len(text) > TITLE_LENGTH:
        errors.add("title", Message("title must be at most %(TITLE_LENGTH)s characters.",
                                    TITLE_LENGTH=TITLE_LENGTH))
    return text or None


def _check_files(uploads: Sequence[Upload], errors: Collector) -> list[_CheckedFile]:
    if not uploads:
        errors.add("file", "Choose a file to upload.")
        return []
    if len(uploads) > MAX_FILES:
        errors.add("file", Message("At most %(limit)s files at once.", limit=MAX_FILES))
        return []
    cap, checked, too_large = max_file_bytes(), [], Collector()
    for upload in uploads:
        shown = safe_filename(upload.filename)
        try:
            found = storage.digest(upload.stream, cap)
        except storage.TooLarge:
            too_large.add("file", Message("%(file)s: the file is larger than %(size)s MB, the "
                                          "largest accepted.", file=shown, size=f"{cap / 1e6:g}"))
            continue
        try:
            file_type = sniff.detect(upload.stream, upload.filename or "")
        except sniff.TypeRefused as exc:
            errors.add("file", Message("%(shown)s: %(problem)s",
                                       shown=shown, problem=message_of(exc)))
            continue
        checked.append(_CheckedFile(upload, found, file_type,
                                safe_filename(upload.filename, file_type)))
    if too_large:
        raise FileTooLarge(too_large.errors)
    return checked


# --- writing -----------------------------------------------------------------------------------

def document_snapshot(d: Document) -> dict[str, Any]:
    return audit.snapshot(d, extra={"readers": d.reader_codes,
                                    "organization": d.organization.code})


def attach_documents(owner: Owner, data: DocumentData, uploads: Sequence[Upload],
                     user: Any) -> list[Document]:
    """Store each upload as a document of the record ``(data.kind, data.key)``.

    Raises DomainError (422) naming the label, the organizations, the title and each file
    refused (with its reason), FileTooLarge (413) for a file over the cap, NotFound (404)
    for a record the arrangement does not have, Forbidden (403) without the right. Nothing is
    stored unless every file is accepted."""
    policy.ensure(user, policy.DOCUMENT_WRITE)
    errors = Collector()
    target = records.resolve(owner.arrangement, owner.exchange,
                             data.kind if owner.exchange is None else "personnel_exchange",
                             data.key)
    label, readers = _check_label(owner, data, user, errors)
    title = _check_title(data.title, errors)
    checked = _check_files(uploads, errors)
    errors.raise_if_any()
    return [_create(owner, target, c, title if len(checked) == 1 else None, label, readers,
                    user, version=1) for c in checked]


def _create(owner: Owner, target: Target, c: _CheckedFile, title: str | None, label: str,
            readers: list[Organization], user: Any, version: int) -> Document:
    blob = storage.store(c.upload.stream, c.digest)
    document = Document(
        arrangement=owner.arrangement, exchange=owner.exchange, record_kind=target.kind,
        record_key=target.key, expense_id=target.expense.id if target.expense else None,
        title=title or _default_title(c.filename), filename=c.filename,
        content_type=c.file_type.content_type, size=c.digest.size, sha256=blob.sha256,
        label=label, organization_id=user.organization_id, uploaded_by_id=user.id,
        version=version,
    )
    document.readers = [DocumentReader(organization=o) for o in readers]
    db.session.add(document)
    db.session.flush()
    audit.record("upload", document, parent=document, after=document_snapshot(document),
                 user=user)
    return document


def _owner(document: Document) -> Owner:
    return Owner(document.arrangement, document.exchange)


def add_version(document: Document, upload: Upload, user: Any, title: str | None = None
                ) -> Document:
    """A new version of ``document``: same record, label and organizations; the old one stays,
    marked superseded. Only the current version is replaced (Conflict otherwise)."""
    policy.ensure(user, policy.DOCUMENT_WRITE)
    policy.ensure_sees_document(user, document)
    if not document.current:
        raise Conflict("A newer version of this document exists; replace that one.", "id")
    errors = Collector()
    new_title = _check_title(title, errors)
    checked = _check_files([upload], errors)
    errors.raise_if_any()
    target = records.target_of(document)
    readers = [r.organization for r in document.readers]
    new = _create(_owner(document), target, checked[0], new_title or document.title,
                  document.label, readers, user, version=document.version + 1)
    before = document_snapshot(document)
    document.superseded_by_id, document.superseded_at = new.id, utcnow()
    audit.record("supersede", document, parent=document, before=before,
                 after=document_snapshot(document), user=user)
    return new


def change_label(document: Document, label: str | None, organizations: Sequence[str],
                 reason: str | None, user: Any) -> Document:
    """Relabel a document (every version of it); only the uploader's organization or an
    admin, with a reason, audited."""
    policy.ensure_sees_document(user, document)
    policy.ensure_manages_document(user, document)
    errors = Collector()
    new_label, readers = _check_label(_owner(document), DocumentData(
        label=label, organizations=list(organizations)), user, errors)
    text = (reason or "").strip()
    if not text:
        errors.add("reason", "Say why the label changes.")
    elif problem := text_problem(text):
        errors.add("reason", Message("reason %(problem)s.", problem=problem))
    elif len(text) > 500:
        errors.add("reason", "reason must be at most 500 characters.")
    errors.raise_if_any()
    for version in versions(document):
        before = document_snapshot(version)
        version.label = new_label
        version.readers = [DocumentReader(organization=o) for o in readers]
        db.session.flush()
        audit.record("relabel", version, parent=version, before=before,
                     after={**document_snapshot(version), "reason": text}, user=user)
    return document


def delete_document(document: Document, user: Any) -> None:
    """Delete the current version of a document: only the uploader's organization (or an
    admin), only while its record may still change (Conflict saying why not). The version
    it replaced becomes current again; bytes no document names any more are dropped."""
    policy.ensure_sees_document(user, document)
    policy.ensure_manages_document(user, document)
    if not document.current:
        raise Conflict("Only the latest version of a document can be deleted.", "id")
    if reason := records.lock_reason(document):
        raise Conflict(reason, "id")
    audit.record("delete", document, parent=document, before=document_snapshot(document),
                 after=None, user=user)
    previous = db.session.scalar(select(Document).where(Document.superseded_by_id == document.id))
    if previous is not None:
        previous.superseded_by_id, previous.superseded_at = None, None
    blob = document.blob
    db.session.delete(document)
    db.session.flush()
    if not db.session.scalar(select(exists().where(Document.sha256 == blob.sha256))):
        storage.discard(blob)
        db.session.flush()


# --- reading -----------------------------------------------------------------------------------

def get_document(document_id: int) -> Document:
    document = db.session.get(Document, document_id)
    if document is None:
        raise NotFound("Unknown document.", "id")
    return document


def visible_document(document_id: int, user: Any) -> Document:
    """The document, or NotFound (404) when it does not exist or ``user`` may not see it."""
    document = get_document(document_id)
    policy.ensure_sees_document(user, document)
    return document


def versions(document: Document) -> list[Document]:
    """Every version of the document, oldest first (the chain of ``superseded_by_id``)."""
    chain = [document]
    while True:
        older = db.session.scalar(select(Document).where(
            Document.superseded_by_id == chain[0].id))
        if older is None:
            break
        chain.insert(0, older)
    while chain[-1].superseded_by_id is not None:
        newer = db.session.get(Document, chain[-1].superseded_by_id)
        if newer is None:
            break
        chain.append(newer)
    return chain


def content(document: Document, user: Any) -> Iterator[bytes]:
    """The document's bytes, a chunk at a time; the download is audited (who, which
    document and its SHA-256, when, from where)."""
    policy.ensure_sees_document(user, document)
    audit.record("download", document, parent=document,
                 after={"title": document.title, "filename": document.filename,
                        "sha256": document.sha256}, user=user)
    blob = db.session.get(DocumentBlob, document.sha256)
    if blob is None:
        raise NotFound("The document's content is missing.", "id")
    return storage.chunks(blob)


@dataclass
class DocumentFilter:
    kind: str | None = None
    label: str | None = None
    content_type: str | None = None
    key: int | None = None
    include_superseded: bool = False


def document_query(owner: Owner, user: Any, filters: DocumentFilter | None = None
                   ) -> Select[Document]:
    """The owner's documents ``user`` may see, oldest first (then recording order).

    ``user`` None is the operator (the command line, a statement issued there): every
    document, as :func:`has_document_clause` counts them. Pages and the API always pass the
    signed-in user. A caller wanting a few columns of many records (the cost report's
    Documents column) narrows the query with ``.where(...)`` and
    ``.with_only_columns(...)``: one query for a page of records, never one per record."""
    filters = filters or DocumentFilter()
    query = select(Document)
    if user is not None:
        query = query.where(policy.visible_documents_clause(user))
    if owner.arrangement is not None:
        query = query.where(Document.arrangement_id == owner.arrangement.id)
    elif owner.exchange is not None:
        query = query.where(Document.exchange_id == owner.exchange.id)
    else:
        raise NotFound("A document belongs to an arrangement or a personnel exchange.", "id")
    if filters.kind:
        query = query.where(Document.record_kind == filters.kind)
    if filters.key is not None:
        query = query.where(Document.record_key == filters.key)
    if filters.label:
        query = query.where(Document.label == filters.label)
    if filters.content_type:
        query = query.where(Document.content_type == filters.content_type)
    if not filters.include_superseded:
        query = query.where(Document.superseded_by_id.is_(None))
    return query.options(selectinload(Document.readers).joinedload(DocumentReader.organization),
                         selectinload(Document.uploaded_by), selectinload(Document.organization)
                         ).order_by(Document.uploaded_at, Document.id)


def documents_of(owner: Owner, kind: str, key: int | None, user: Any) -> list[Document]:
    """The current documents of one record that ``user`` may see."""
    return list(db.session.scalars(document_query(owner, user, DocumentFilter(
        kind=kind, key=key))))


def document_counts(sa: SpecialArrangement, kind: str, keys: Sequence[int], user: Any
                    ) -> dict[int, int]:
    """How many current documents ``user`` may see for each record of a kind (a list page's
    column); records without any are absent."""
    if not keys:
        return {}
    rows = db.session.execute(
        select(Document.record_key, func.count()).where(
            Document.arrangement_id == sa.id, Document.record_kind == kind,
            Document.record_key.in_(list(keys)), Document.superseded_by_id.is_(None),
            policy.visible_documents_clause(user))
        .group_by(Document.record_key))
    return {int(k): int(n) for k, n in rows if k is not None}


def attached_to(document: Document) -> dict[str, Any]:
    """The record as the API names it."""
    kind = document.record_kind
    if kind == "personnel_exchange":
        return {"kind": kind, "id": document.exchange_id}
    if kind in ("arrangement", "notice"):
        return {"kind": kind, "reference": document.arrangement.reference
                if document.arrangement else None}
    word = records.KEYS.get(kind, "id")
    return {"kind": kind, word: document.record_key}


def has_document_clause(expense_id_column: Any, user: Any | None = None) -> Any:
    """SQL: the expense has a current document (one ``user`` may see, when given)."""
    d = aliased(Document)
    condition = and_(d.expense_id == expense_id_column, d.superseded_by_id.is_(None))
    if user is not None:
        condition = and_(condition, d.id.in_(
            select(Document.id).where(policy.visible_documents_clause(user))))
    return exists().where(condition)
