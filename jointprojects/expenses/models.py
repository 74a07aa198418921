"""Expenses and their allocation to the parties (Art. 5).

Each expense keeps its parts per party (DOMAIN.md rule 4) as rows of ``expense_part`` so that
every total is an exact SQL ``SUM``. The parts are derived data: they are recomputed whenever
an amendment comes into force or an earlier expense changes (rule 6 ceilings run in order).
``expense_total`` keeps per-arrangement, month, category and party sums up to date in the
same transaction, for the dashboard.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jointprojects.auth.models import utcnow
from jointprojects.extensions import NEVER_REUSED, ROOM_TO_UPDATE, Model
from jointprojects.organizations.models import Organization
from jointprojects.types import Money, Rate

if TYPE_CHECKING:
    from jointprojects.special_arrangements.models import SpecialArrangement

class Expense(Model):
    __tablename__ = "expense"
    __table_args__ = (
        Index("ix_expense_arrangement_date_id", "arrangement_id", "date", "id"),
        # the expenses converted with a typed rate (inbox: months whose rate is missing)
        Index("ix_expense_rate_given", "arrangement_id", "currency", "date",
              sqlite_where=text("rate_source = 'given'"),
              postgresql_where=text("rate_source = 'given'")),
        CheckConstraint("exchange_rate > 0", name="rate_positive"),
        NEVER_REUSED | ROOM_TO_UPDATE,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(
        ForeignKey("special_arrangement.id", ondelete="CASCADE")
    )
    date: Mapped[date]
    category: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    #: Units of ``currency`` per one unit of the arrangement's reporting currency.
    exchange_rate: Mapped[Decimal] = mapped_column(Rate)
    #: "given" (typed with the expense), "table" (the month's rate) or "same" (rate 1).
    rate_source: Mapped[str] = mapped_column(String(20), default="given")
    reporting_amount: Mapped[Decimal] = mapped_column(Money)
    paid_by_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    document_reference: Mapped[str] = mapped_column(String(120), default="")
    #: What no party could take because of ceilings (DOMAIN.md rule 6).
    unallocated: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    #: Number of the share version applied.
    share_version_number: Mapped[int] = mapped_column(default=1)
    #: The expense this one corrects (an adjustment of a closed period, DOMAIN.md rule 11).
    adjusts_id: Mapped[int | None] = mapped_column(ForeignKey("expense.id"), index=True)
    #: Why the adjustment was made (required with ``adjusts_id``).
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    arrangement: Mapped[SpecialArrangement] = relationship("SpecialArrangement")
    paid_by: Mapped[Organization] = relationship()
    parts: Mapped[list[ExpensePart]] = relationship(
        back_populates="expense",
        cascade="all, delete-orphan",
        order_by="ExpensePart.organization_id",
    )
    adjusts: Mapped[Expense | None] = relationship(
        remote_side="Expense.id", foreign_keys=[adjusts_id]
    )
    adjustments: Mapped[list[Expense]] = relationship(
        foreign_keys=[adjusts_id], order_by="Expense.id", viewonly=True,
    )

    __mapper_args__ = {"version_id_col": version}


class ExpensePart(Model):
    """One party's part of one expense, in the arrangement's reporting currency."""

    __tablename__ = "expense_part"
    __table_args__ = (ROOM_TO_UPDATE,)

    expense_id: Mapped[int] = mapped_column(
        ForeignKey("expense.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Money)

    expense: Mapped[Expense] = relationship(back_populates="parts")
    organization: Mapped[Organization] = relationship()


class ExpenseTotal(Model):
    """Sums kept up to date as expenses are written: per arrangement, month, category, party."""

    __tablename__ = "expense_total"

    arrangement_id: Mapped[int] = mapped_column(
        ForeignKey("special_arrangement.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    share_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    paid_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    unallocated: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    expense_count: Mapped[int] = mapped_column(default=0)


class PendingReallocation(Model):
    """A re-allocation an arrangement's expenses wait for (issue 15): written with the job
    that will do it, in the transaction that brought the amendment into force, and removed by
    the re-allocation that covers it, in that re-allocation's transaction. While it stands
    the parts may not follow the shares in force: writes to the expenses answer 409 naming
    the job, and the arrangement's page offers to retry
    (:mod:`jointprojects.expenses.pending`)."""

    __tablename__ = "pending_reallocation"

    arrangement_id: Mapped[int] = mapped_column(
        ForeignKey("special_arrangement.id", ondelete="CASCADE"), primary_key=True)
    #: The first day whose expenses wait (None: all of them).
    from_date: Mapped[date | None]
    #: The share version whose coming into force asked for it (None: not known).
    share_version: Mapped[int | None]
    #: The job that does (or did, and failed) it; NULL once the job is purged.
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
