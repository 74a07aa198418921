"""The append-only audit trail: who changed which record, when (UTC), before and after."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jointprojects.auth.models import utcnow
from jointprojects.extensions import NEVER_REUSED, Model

if TYPE_CHECKING:
    from jointprojects.auth.models import User


class AuditEntry(Model):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_entity", "entity", "entity_id"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(20))  # create / update / delete / sign ...
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[int]
    #: The record the entry belongs to for its history page (e.g. the arrangement).
    parent_entity: Mapped[str | None] = mapped_column(String(60))
    parent_id: Mapped[int | None]
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: Compressed with LZ4 on PostgreSQL where the server has it (migration c4e8a2f61d93).
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: Where the request came from (None outside a request, e.g. the command line).
    address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    #: The hash chain (DOMAIN.md rule 15, docs/EVIDENCE.md): the hash of the row before and
    #: SHA-256 over it and this row's canonical content. Filled on insert (services.py).
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    user: Mapped[User | None] = relationship("User")


class AuditChainHead(Model):
    """The one row (id 1) holding the hash of the newest audit row: every append locks it
    (SELECT ... FOR UPDATE) in its transaction, so concurrent writers never fork the chain.
    The verifier never trusts it; it only serializes appends."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))
