"""API: documents (API.md "Documents"; DOMAIN.md rule 14).

Uploads are multipart (``file`` may repeat); a user who may not see a document gets 404 from
every route, and no list or count includes it.
"""

from __future__ import annotations

import io
from typing import Any

from flask import request
from sqlalchemy import func, select

from jointprojects.api import api_user, bp, ensure, list_response, page_params
from jointprojects.api.openapi import operation
from jointprojects.api.schemas import _load, field_errors, read, read_query, run
from jointprojects.auth import policy
from jointprojects.documents import schemas, services, sniff
from jointprojects.documents.models import Document
from jointprojects.documents.services import DocumentData, Owner, Upload
from jointprojects.documents.transfer import accepts_uploads, download_response
from jointprojects.errors import Collector, DomainError
from jointprojects.extensions import db
from jointprojects.personnel_exchanges.services import get_exchange
from jointprojects.special_arrangements.services import get_arrangement

MULTIPART = "multipart/form-data"
CONTENT_TYPES = tuple(t.content_type for t in sniff.TYPES)
_RECORD_FIELDS = ("expense", "statement", "amendment", "payment", "consent", "signature")


def document_json(d: Document) -> dict[str, Any]:
    return {
        "id": d.id,
        "title": d.title,
        "filename": d.filename,
        "content_type": d.content_type,
        "size": d.size,
        "sha256": d.sha256,
        "label": d.label,
        "organizations": d.reader_codes,
        "attached_to": services.attached_to(d),
        "arrangement": d.arrangement.reference if d.arrangement is not None else None,
        "personnel_exchange": d.exchange_id,
        "version": d.version,
        "superseded_by": d.superseded_by_id,
        "uploaded_by_organization": d.organization.code,
        "uploaded_at": d.uploaded_at.isoformat(timespec="seconds"),
    }


def _form(schema: type[Any]) -> tuple[dict[str, Any], Collector]:
    values, messages = _load(schema(partial=("file",)), {k: v for k, v in request.form.items()
                                        if k != "file"})
    return values, field_errors(messages)


def _uploads() -> list[Upload]:
    return [Upload(f.stream, f.filename or "") for f in request.files.getlist("file")
            if f.filename or f.content_length]


def _codes(text: str | None) -> list[str]:
    return [c.strip() for c in (text or "").split(",") if c.strip()]


def _raise(shape: Collector, exc: DomainError | None = None) -> None:
    if exc is None:
        shape.raise_if_any()
        return
    if not shape:
        raise exc
    known = {e.field for e in shape.errors}
    raise DomainError(shape.errors + [e for e in exc.errors if e.field not in known]) from exc


def _record(values: dict[str, Any], shape: Collector) -> tuple[str, int | None]:
    given = [(name, values[name]) for name in _RECORD_FIELDS if values.get(name) is not None]
    if str(values.get("notice") or "").lower() in ("true", "1", "yes"):
        given.append(("notice", None))
    if len(given) > 1:
        shape.add(given[1][0], "Name one record: " + ", ".join(n for n, _ in given) + ".")
    return given[0] if given else ("arrangement", None)


def _attach(owner: Owner, schema: type[Any]) -> tuple[dict[str, Any], int]:
    ensure(policy.DOCUMENT_WRITE)
    values, shape = _form(schema)
    kind, key = _record(values, shape) if owner.arrangement is not None \
        else ("personnel_exchange", None)
    data = DocumentData(kind=kind, key=key, title=values.get("title"),
                        label=values.get("label"),
                        organizations=_codes(values.get("organizations")))
    try:
        documents = services.attach_documents(owner, data, _uploads(), api_user())
    except DomainError as exc:
        _raise(shape, exc)
        raise
    _raise(shape)
    if len(documents) == 1:
        return document_json(documents[0]), 201
    return {"documents": [document_json(d) for d in documents]}, 201  # several files at once


def _list(owner: Owner) -> Any:
    ensure(policy.READ)
    args = read_query(schemas.DocumentQuery)
    page, per_page = page_params(args)
    query = services.document_query(owner, api_user(), services.DocumentFilter(
        kind=args["kind"], label=args["label"], content_type=args["content_type"],
        include_superseded=args["superseded"] == "true"))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page))
    return list_response([document_json(d) for d in items], int(total or 0))


@bp.post("/arrangements/<reference>/documents")
@operation("Attach a document (multipart: file, title, label, organizations, the record)",
           status=201, body=schemas.DocumentIn, body_content_type=MULTIPART,
           response=schemas.Document, errors=(413,),
           description="The record: one of expense (id), amendment (number), consent (id), "
                       "signature (id), statement (number), payment (id), notice=true; none: "
                       "the arrangement itself. 413 over the size cap; 422 for a type that is "
                       "not accepted (the reason named). Several file parts give "
                       "{documents: [...]}.")
@accepts_uploads
def create_document(reference: str):  # type: ignore[no-untyped-def]
    return _attach(Owner(arrangement=get_arrangement(reference)), schemas.DocumentIn)


@bp.get("/arrangements/<reference>/documents")
@operation("The arrangement's documents this user may see (current versions unless "
           "superseded=true)", query=schemas.DocumentQuery, response=schemas.Document, many=True)
def list_documents(reference: str):  # type: ignore[no-untyped-def]
    return _list(Owner(arrangement=get_arrangement(reference)))


@bp.post("/personnel-exchanges/<int:id>/documents")
@operation("Attach a document to a personnel exchange (multipart)", status=201,
           body=schemas.ExchangeDocumentIn, body_content_type=MULTIPART,
           response=schemas.Document, errors=(413,))
@accepts_uploads
def create_exchange_document(id: int):  # type: ignore[no-untyped-def]
    return _attach(Owner(exchange=get_exchange(id)), schemas.ExchangeDocumentIn)


@bp.get("/personnel-exchanges/<int:id>/documents")
@operation("A personnel exchange's documents this user may see", query=schemas.DocumentQuery,
           response=schemas.Document, many=True, errors=(405,))
def list_exchange_documents(id: int):  # type: ignore[no-untyped-def]
    return _list(Owner(exchange=get_exchange(id)))


@bp.get("/documents/<int:id>")
@operation("A document's metadata (404 to a user who may not see it)",
           response=schemas.Document)
def get_document(id: int):  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    return document_json(services.visible_document(id, api_user()))


@bp.get("/documents/<int:id>/content")
@operation("A document's bytes, as an attachment (the download is audited)",
           content_type=CONTENT_TYPES)
def get_document_content(id: int):  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    document = services.visible_document(id, api_user())
    return download_response(document, services.content(document, api_user()))


@bp.post("/documents/<int:id>/versions")
@operation("Upload a new version (the old one stays, marked superseded)", status=201,
           body=schemas.VersionIn, body_content_type=MULTIPART, response=schemas.Document,
           errors=(413,))
@accepts_uploads
def add_document_version(id: int):  # type: ignore[no-untyped-def]
    ensure(policy.DOCUMENT_WRITE)
    document = services.visible_document(id, api_user())
    values, shape = _form(schemas.VersionIn)
    uploads = _uploads()
    try:
        if len(uploads) > 1:
            raise DomainError("A new version is one file.", "file")
        new = services.add_version(document, uploads[0] if uploads else Upload(io.BytesIO()),
                                   api_user(), values.get("title"))
    except DomainError as exc:
        _raise(shape, exc)
        raise
    _raise(shape)
    return document_json(new), 201


@bp.put("/documents/<int:id>/label")
@operation("Change a document's label (the uploader's organization or an admin; with a "
           "reason)", body=schemas.LabelIn, response=schemas.Document)
def change_document_label(id: int):  # type: ignore[no-untyped-def]
    ensure(policy.DOCUMENT_WRITE)
    document = services.visible_document(id, api_user())
    body = read(schemas.LabelIn)
    run(body, services.change_label, document, body.value.get("label"),
        body.value.get("organizations") or [], body.value.get("reason"), api_user())
    return document_json(document)


@bp.delete("/documents/<int:id>")
@operation("Delete a document's latest version (the uploader's organization or an admin, "
           "while its record may still change)", status=204)
def delete_document(id: int):  # type: ignore[no-untyped-def]
    ensure(policy.DOCUMENT_WRITE)
    services.delete_document(services.visible_document(id, api_user()), api_user())
    return "", 204
