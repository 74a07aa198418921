"""Joint projects "of common interest" (Art. 5)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jointprojects.auth.models import utcnow
from jointprojects.extensions import NEVER_REUSED, Model, db
from jointprojects.organizations.models import Area, Organization

if TYPE_CHECKING:
    from jointprojects.special_arrangements.models import SpecialArrangement

from jointprojects.vocabulary import PROJECT_STATUSES, check_in

project_area = Table(
    "project_area",
    db.metadata,
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("area.id"), primary_key=True),
    # "the projects covering this area" (list and dashboard filters)
    Index("ix_project_area_area", "area_id", "project_id"),
)


class Project(Model):
    __tablename__ = "project"
    __table_args__ = (
        CheckConstraint(check_in("status", PROJECT_STATUSES), name="status"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    lead_organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default="planned", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    lead_organization: Mapped[Organization] = relationship()
    areas: Mapped[list[Area]] = relationship(secondary=project_area, order_by=Area.code)
    arrangements: Mapped[list[SpecialArrangement]] = relationship(
        "SpecialArrangement", back_populates="project", order_by="SpecialArrangement.reference"
    )

    __mapper_args__ = {"version_id_col": version}
