"""Statements of a period, the parties' acknowledgements and the payments between them
(DOMAIN.md rules 10-13; Art. 5: the expenses "payable by each of them").

A statement freezes, under its number per arrangement, every figure of its period: one
:class:`StatementParty` line per party (opening balance, share, paid, balance, payments made
and received, closing balance), the settlement transfers of the closing balances
(:class:`StatementTransfer`, rule 7) and the period's workbook (:class:`StatementWorkbook`,
the bytes and their SHA-256). Nothing of it is ever updated but its status, its
acknowledgements and its withdrawal; payments are recorded against its transfers.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jointprojects.auth.models import utcnow
from jointprojects.extensions import NEVER_REUSED, Model
from jointprojects.organizations.models import Organization
from jointprojects.types import Money
from jointprojects.vocabulary import (
    PAYMENT_STATUSES,
    STATEMENT_DECISIONS,
    STATEMENT_STATUSES,
    check_in,
)

#: ``date`` under another name, for the columns that follow a column called ``date``.
_Day = date

#: The languages a statement can be issued in, as the ``languages`` column writes them.
STATEMENT_LANGUAGE_SETS = "'en', 'fr', 'en,fr', 'fr,en'"

if TYPE_CHECKING:
    from jointprojects.auth.models import User
    from jointprojects.special_arrangements.models import SpecialArrangement


class Statement(Model):
    """Statement ``number`` of an arrangement: the period ``date_from`` to ``date_to``
    (inclusive) closed, its figures frozen (rule 10)."""

    __tablename__ = "statement"
    __table_args__ = (
        UniqueConstraint("arrangement_id", "number"),
        CheckConstraint(check_in("status", STATEMENT_STATUSES), name="status"),
        CheckConstraint("date_to >= date_from", name="dates"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint(f"languages IN ({STATEMENT_LANGUAGE_SETS})", name="languages"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(
        ForeignKey("special_arrangement.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    date_from: Mapped[date]
    date_to: Mapped[date]
    due_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default="issued")
    #: The arrangement's reporting currency: every figure of the statement is in it.
    currency: Mapped[str] = mapped_column(String(3))
    #: What no party could take in the period (ceilings, rule 6).
    unallocated: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    expense_count: Mapped[int] = mapped_column(default=0)
    #: The numbers of the share versions in force during the period, comma-separated ("1,2").
    share_versions: Mapped[str] = mapped_column(String(200), default="")
    #: SHA-256 (hex) of the frozen workbook's bytes (the first language's, issue 17).
    sha256: Mapped[str] = mapped_column(String(64))
    #: The languages it was issued in, the first (whose workbook ``sha256`` is) first:
    #: ``"en"``, ``"fr"`` or ``"en,fr"`` (issue 17: two files, two SHA-256, one statement).
    languages: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    #: The organization the issuer acted for (its users may withdraw the statement); None
    #: when the operator issued it from the command line.
    issued_for_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    issued_by_admin: Mapped[bool] = mapped_column(default=False)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")

    arrangement: Mapped[SpecialArrangement] = relationship("SpecialArrangement")
    issued_by: Mapped[User | None] = relationship("User", foreign_keys=[issued_by_id])
    issued_for: Mapped[Organization | None] = relationship(foreign_keys=[issued_for_id])
    withdrawn_by: Mapped[User | None] = relationship("User", foreign_keys=[withdrawn_by_id])
    parties: Mapped[list[StatementParty]] = relationship(
        back_populates="statement", cascade="all, delete-orphan", order_by="StatementParty.id"
    )
    transfers: Mapped[list[StatementTransfer]] = relationship(
        back_populates="statement", cascade="all, delete-orphan",
        order_by="StatementTransfer.position",
    )
    acknowledgements: Mapped[list[StatementAcknowledgement]] = relationship(
        back_populates="statement", cascade="all, delete-orphan",
        order_by="StatementAcknowledgement.id",
    )
    payments: Mapped[list[Payment]] = relationship(
        back_populates="statement", cascade="all, delete-orphan",
        order_by="(Payment.date, Payment.id)",
    )
    #: Its frozen workbooks, one per language (their bytes are loaded only when read).
    workbooks: Mapped[list[StatementWorkbook]] = relationship(
        order_by="StatementWorkbook.language", viewonly=True)

    @property
    def language_list(self) -> list[str]:
        """The languages it was issued in, the first one first."""
        return [code for code in (self.languages or "en").split(",") if code]

    def workbook_digests(self) -> dict[str, str]:
        """``{language: SHA-256}`` of its frozen workbooks."""
        return {w.language: w.sha256 for w in self.workbooks}


class StatementParty(Model):
    """One party's frozen figures in a statement (rules 7, 10, 13):
    ``closing_balance = opening_balance + balance + payments_made - payments_received``."""

    __tablename__ = "statement_party"
    __table_args__ = (UniqueConstraint("statement_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    opening_balance: Mapped[Decimal] = mapped_column(Money)
    share: Mapped[Decimal] = mapped_column(Money)
    paid: Mapped[Decimal] = mapped_column(Money)
    balance: Mapped[Decimal] = mapped_column(Money)
    payments_made: Mapped[Decimal] = mapped_column(Money)
    payments_received: Mapped[Decimal] = mapped_column(Money)
    closing_balance: Mapped[Decimal] = mapped_column(Money)

    statement: Mapped[Statement] = relationship(back_populates="parties")
    organization: Mapped[Organization] = relationship()


class StatementTransfer(Model):
    """A settlement transfer of a statement's closing balances (rule 7), in its order."""

    __tablename__ = "statement_transfer"
    __table_args__ = (
        UniqueConstraint("statement_id", "position"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    position: Mapped[int]
    from_organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    to_organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    amount: Mapped[Decimal] = mapped_column(Money)

    statement: Mapped[Statement] = relationship(back_populates="transfers")
    from_organization: Mapped[Organization] = relationship(foreign_keys=[from_organization_id])
    to_organization: Mapped[Organization] = relationship(foreign_keys=[to_organization_id])
    payments: Mapped[list[Payment]] = relationship(
        back_populates="transfer", order_by="(Payment.date, Payment.id)", viewonly=True
    )


class StatementAcknowledgement(Model):
    """A party's acceptance or dispute of a statement (rule 12), by one of its users or an
    admin (marked)."""

    __tablename__ = "statement_acknowledgement"
    __table_args__ = (
        UniqueConstraint("statement_id", "organization_id"),
        CheckConstraint(check_in("decision", STATEMENT_DECISIONS), name="decision"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    decision: Mapped[str] = mapped_column(String(20))
    date: Mapped[date]
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_by_admin: Mapped[bool] = mapped_column(default=False)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The sealed digest (docs/EVIDENCE.md "Acceptances"): the statement's figures, its
    #: workbook's SHA-256 and the chain head when decided, and the instance's signature.
    seal: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    seal_signature: Mapped[str | None] = mapped_column(String(100))

    statement: Mapped[Statement] = relationship(back_populates="acknowledgements")
    organization: Mapped[Organization] = relationship()
    recorded_by: Mapped[User | None] = relationship("User")


class Payment(Model):
    """A payment from one party to another against a statement's transfer (rule 13),
    recorded by the payer, its receipt confirmed by the payee."""

    __tablename__ = "payment"
    __table_args__ = (
        CheckConstraint(check_in("status", PAYMENT_STATUSES), name="status"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_payment_arrangement_date", "arrangement_id", "date"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(
        ForeignKey("special_arrangement.id", ondelete="CASCADE")
    )
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statement.id", ondelete="CASCADE"), index=True
    )
    transfer_id: Mapped[int] = mapped_column(
        ForeignKey("statement_transfer.id", ondelete="CASCADE"), index=True
    )
    from_organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    to_organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    date: Mapped[date]
    reference: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20), default="sent")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_by_admin: Mapped[bool] = mapped_column(default=False)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    received_on: Mapped[_Day | None]
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    received_by_admin: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime | None]

    statement: Mapped[Statement] = relationship(back_populates="payments")
    transfer: Mapped[StatementTransfer] = relationship()
    from_organization: Mapped[Organization] = relationship(foreign_keys=[from_organization_id])
    to_organization: Mapped[Organization] = relationship(foreign_keys=[to_organization_id])
    recorded_by: Mapped[User | None] = relationship("User", foreign_keys=[recorded_by_id])
    received_by: Mapped[User | None] = relationship("User", foreign_keys=[received_by_id])


class StatementWorkbook(Model):
    """A frozen workbook of a statement in one language: served as stored, byte for byte
    (rule 10). A statement issued in English and French has two (issue 17)."""

    __tablename__ = "statement_workbook"
    __table_args__ = (
        CheckConstraint("language IN ('en', 'fr')", name="language"),
    )

    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statement.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(2), primary_key=True, default="en",
                                          server_default="en")
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
