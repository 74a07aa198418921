"""API shapes: documents (API.md "Documents")."""

from __future__ import annotations

from marshmallow import fields

from jointprojects.api.schemas import InputSchema, OutputSchema, PageQuery, Query, Text, WholeNumber
from jointprojects.documents import sniff
from jointprojects.vocabulary import DOCUMENT_LABELS, DOCUMENT_RECORD_KINDS

_BINARY = {"type": "string", "format": "binary"}


class Binary(fields.Raw):
    """A file part of a multipart body (read from ``request.files``, not by the schema)."""


class DocumentIn(InputSchema):
    """The parts of a multipart upload (besides ``file``, which may repeat)."""

    file = Binary(required=True, load_only=True, metadata={
        **_BINARY, "description": "the file (PDF, PNG, JPEG, TIFF, XLSX, DOCX, ODS, ODT, CSV, "
                                  "plain text, EML or MSG; decided by its bytes); at most "
                                  "25 MB unless configured otherwise"})
    title = Text(max_length=200, metadata={"description": "default: the file's name"})
    label = Text(max_length=20, metadata={"enum": list(DOCUMENT_LABELS),
                                          "description": "default: parties"})
    organizations = Text(max_length=300, metadata={
        "description": "comma-separated organization codes, for a restricted document"})
    expense = WholeNumber(metadata={"description": "the expense's id"})
    statement = WholeNumber(metadata={"description": "the statement's number"})
    amendment = WholeNumber(metadata={"description": "the amendment's number"})
    payment = WholeNumber(metadata={"description": "the payment's id"})
    consent = WholeNumber(metadata={"description": "a consent's id"})
    signature = WholeNumber(metadata={"description": "a signature's id"})
    notice = Text(max_length=5, metadata={"description": "'true': the notice of termination"})


class ExchangeDocumentIn(InputSchema):
    file = Binary(required=True, load_only=True, metadata=_BINARY)
    title = Text(max_length=200)
    label = Text(max_length=20, metadata={"enum": list(DOCUMENT_LABELS)})
    organizations = Text(max_length=300)


class VersionIn(InputSchema):
    file = Binary(required=True, load_only=True, metadata=_BINARY)
    title = Text(max_length=200, metadata={"description": "default: the replaced version's"})


class LabelIn(InputSchema):
    label = Text(required=True, max_length=20, metadata={"enum": list(DOCUMENT_LABELS)})
    organizations = fields.List(Text(max_length=20), metadata={
        "description": "organization codes, for restricted"})
    reason = Text(required=True, max_length=500)


class DocumentQuery(PageQuery):
    kind = Query(metadata={"enum": list(DOCUMENT_RECORD_KINDS),
                           "description": "the kind of record"})
    label = Query(metadata={"enum": list(DOCUMENT_LABELS)})
    content_type = Query(metadata={"enum": [t.content_type for t in sniff.TYPES]})
    superseded = Query(metadata={"enum": ["true", "false"],
                                 "description": "true: superseded versions too"})


class AttachedTo(OutputSchema):
    kind = fields.String(required=True, metadata={"enum": list(DOCUMENT_RECORD_KINDS)})
    id = fields.Integer(allow_none=True)
    number = fields.Integer(allow_none=True)
    reference = fields.String(allow_none=True)


class Document(OutputSchema):
    __component__ = "Document"

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True, metadata={"pattern": "^[0-9a-f]{64}$"})
    label = fields.String(required=True, metadata={"enum": list(DOCUMENT_LABELS)})
    organizations = fields.List(fields.String(), required=True, metadata={
        "description": "for restricted: the organizations whose users see it"})
    attached_to = fields.Nested(AttachedTo, required=True)
    arrangement = fields.String(required=True, allow_none=True)
    personnel_exchange = fields.Integer(required=True, allow_none=True)
    version = fields.Integer(required=True)
    superseded_by = fields.Integer(required=True, allow_none=True)
    uploaded_by_organization = fields.String(required=True)
    uploaded_at = fields.String(required=True)
