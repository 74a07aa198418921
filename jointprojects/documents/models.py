"""Documents, the blobs holding their bytes, and the receipt rule of an arrangement.

A :class:`DocumentBlob` is content-addressed: its key is the SHA-256 of its bytes, so the same
bytes are stored once however many documents name them. The bytes themselves live in the
blob's backend: :class:`DocumentChunk` rows of at most ``CHUNK_BYTES`` (``database``) or a file
under ``JOINTPROJECTS_DOCUMENTS_DIR`` (``directory``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jointprojects.auth.models import utcnow
from jointprojects.extensions import NEVER_REUSED, Model
from jointprojects.organizations.models import Organization
from jointprojects.types import Money
from jointprojects.vocabulary import DOCUMENT_LABELS, DOCUMENT_RECORD_KINDS, check_in

if TYPE_CHECKING:
    from jointprojects.auth.models import User
    from jointprojects.personnel_exchanges.models import PersonnelExchange
    from jointprojects.special_arrangements.models import SpecialArrangement

#: Where a blob's bytes are kept.
BACKENDS = ("database", "directory")


class DocumentBlob(Model):
    __tablename__ = "document_blob"
    __table_args__ = (CheckConstraint(check_in("backend", BACKENDS), name="backend"),)

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    backend: Mapped[str] = mapped_column(String(20), default="database")
    #: Chunk rows of the database backend (the last one may be shorter).
    chunk_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DocumentChunk(Model):
    __tablename__ = "document_chunk"

    blob_sha256: Mapped[str] = mapped_column(
        ForeignKey("document_blob.sha256", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Document(Model):
    """A file attached to one record of an arrangement (or of a personnel exchange).

    ``record_kind`` names the record; ``record_key`` its number or id where the kind needs one
    (an expense's id, an amendment's or a statement's number, a consent's, a signature's or a
    payment's id); ``expense_id`` repeats an expense's id with a foreign key, so that a deleted
    expense leaves its receipt pointing at nothing rather than at a later expense. A new
    version supersedes the old one, which stays (``superseded_by_id``)."""

    __tablename__ = "document"
    __table_args__ = (
        CheckConstraint(check_in("label", DOCUMENT_LABELS), name="label"),
        CheckConstraint(check_in("record_kind", DOCUMENT_RECORD_KINDS), name="record_kind"),
        CheckConstraint("arrangement_id IS NOT NULL OR exchange_id IS NOT NULL", name="owner"),
        CheckConstraint("size >= 0", name="size"),
        Index("ix_document_record", "arrangement_id", "record_kind", "record_key"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    arrangement_id: Mapped[int | None] = mapped_column(
        ForeignKey("special_arrangement.id", ondelete="CASCADE"))
    exchange_id: Mapped[int | None] = mapped_column(
        ForeignKey("personnel_exchange.id", ondelete="CASCADE"), index=True)
    record_kind: Mapped[str] = mapped_column(String(30))
    record_key: Mapped[int | None]
    expense_id: Mapped[int | None] = mapped_column(
        ForeignKey("expense.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(ForeignKey("document_blob.sha256"), index=True)
    label: Mapped[str] = mapped_column(String(20), default="parties")
    #: The uploader's organization: it (or an admin) changes the label and deletes.
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("document.id", ondelete="SET NULL"), index=True)
    superseded_at: Mapped[datetime | None]

    arrangement: Mapped[SpecialArrangement | None] = relationship("SpecialArrangement")
    exchange: Mapped[PersonnelExchange | None] = relationship("PersonnelExchange")
    organization: Mapped[Organization] = relationship()
    uploaded_by: Mapped[User | None] = relationship("User")
    blob: Mapped[DocumentBlob] = relationship()
    readers: Mapped[list[DocumentReader]] = relationship(
        back_populates="document", cascade="all, delete-orphan",
        order_by="DocumentReader.organization_id")

    @property
    def reader_codes(self) -> list[str]:
        """The organizations a ``restricted`` document is shown to."""
        return sorted(r.organization.code for r in self.readers)

    @property
    def current(self) -> bool:
        return self.superseded_by_id is None


class DocumentReader(Model):
    """An organization whose users may see a ``restricted`` document."""

    __tablename__ = "document_reader"

    document_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id"), primary_key=True, index=True)

    document: Mapped[Document] = relationship(back_populates="readers")
    organization: Mapped[Organization] = relationship()


class ReceiptRule(Model):
    """"A receipt is required for expenses of at least ``threshold``" (in the arrangement's
    reporting currency), for one arrangement."""

    __tablename__ = "receipt_rule"
    __table_args__ = (CheckConstraint("threshold >= 0", name="threshold"),)

    arrangement_id: Mapped[int] = mapped_column(
        ForeignKey("special_arrangement.id", ondelete="CASCADE"), primary_key=True)
    threshold: Mapped[Decimal] = mapped_column(Money)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
