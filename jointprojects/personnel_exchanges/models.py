"""Temporary exchanges of personnel between the organizations (Art. 8)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jointprojects.auth.models import utcnow
from jointprojects.extensions import NEVER_REUSED, Model
from jointprojects.organizations.models import Organization
from jointprojects.types import Money
from jointprojects.vocabulary import COST_ITEM_CATEGORIES, EXCHANGE_STATUSES, check_in

if TYPE_CHECKING:
    from jointprojects.special_arrangements.models import SpecialArrangement



class PersonnelExchange(Model):
    __tablename__ = "personnel_exchange"
    __table_args__ = (
        CheckConstraint("end_date > start_date", name="dates"),
        CheckConstraint("home_organization_id <> host_organization_id", name="home_not_host"),
        CheckConstraint(check_in("status", EXCHANGE_STATUSES), name="status"),
        Index("ix_personnel_exchange_staff_dates", "staff_id", "start_date", "end_date"),
        Index("ix_personnel_exchange_dates", "start_date", "end_date"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[str] = mapped_column(String(60))
    person_name: Mapped[str] = mapped_column(String(200))
    home_organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    host_organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    position: Mapped[str] = mapped_column(String(200))
    duty_station: Mapped[str] = mapped_column(String(120), default="")
    start_date: Mapped[date]
    end_date: Mapped[date]
    arrangement_id: Mapped[int | None] = mapped_column(
        ForeignKey("special_arrangement.id", ondelete="SET NULL"), index=True
    )
    return_right_note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    home_organization: Mapped[Organization] = relationship(foreign_keys=[home_organization_id])
    host_organization: Mapped[Organization] = relationship(foreign_keys=[host_organization_id])
    arrangement: Mapped[SpecialArrangement | None] = relationship("SpecialArrangement")
    approvals: Mapped[list[ExchangeApproval]] = relationship(
        back_populates="exchange", cascade="all, delete-orphan", order_by="ExchangeApproval.date"
    )
    cost_items: Mapped[list[ExchangeCostItem]] = relationship(
        back_populates="exchange", cascade="all, delete-orphan", order_by="ExchangeCostItem.id"
    )
    extensions: Mapped[list[ExchangeExtension]] = relationship(
        back_populates="exchange", cascade="all, delete-orphan", order_by="ExchangeExtension.id"
    )

    __mapper_args__ = {"version_id_col": version}

    def status_on(self, day: date) -> str:
        """proposed / approved / cancelled as stored; an approved exchange is ``active``
        between its dates and ``completed`` after its end date."""
        if self.status != "approved":
            return self.status
        if day > self.end_date:
            return "completed"
        if day >= self.start_date:
            return "active"
        return "approved"


class ExchangeApproval(Model):
    __tablename__ = "exchange_approval"
    __table_args__ = (UniqueConstraint("exchange_id", "organization_id"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("personnel_exchange.id", ondelete="CASCADE")
    )
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    date: Mapped[date]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_by_admin: Mapped[bool] = mapped_column(default=False)

    exchange: Mapped[PersonnelExchange] = relationship(back_populates="approvals")
    organization: Mapped[Organization] = relationship()


class ExchangeCostItem(Model):
    """A cost of an exchange, borne wholly by one organization (not split by shares)."""

    __tablename__ = "exchange_cost_item"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(check_in("category", COST_ITEM_CATEGORIES), name="category"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("personnel_exchange.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(String(30))
    borne_by_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]

    exchange: Mapped[PersonnelExchange] = relationship(back_populates="cost_items")
    borne_by: Mapped[Organization] = relationship()


class ExchangeExtension(Model):
    """An amendment of an exchange's end date, kept as history."""

    __tablename__ = "exchange_extension"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("personnel_exchange.id", ondelete="CASCADE")
    )
    old_end_date: Mapped[date]
    new_end_date: Mapped[date]
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    exchange: Mapped[PersonnelExchange] = relationship(back_populates="extensions")
