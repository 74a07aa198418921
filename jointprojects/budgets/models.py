"""Budget lines: a planned amount per arrangement, cost category, year and (optionally)
the party funding it, in the arrangement's reporting currency."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jointprojects.extensions import NEVER_REUSED, Model
from jointprojects.organizations.models import Organization
from jointprojects.types import Money


class Budget(Model):
    """A planned amount per arrangement, cost category, year and (optionally) party."""

    __tablename__ = "budget"
    __table_args__ = (
        UniqueConstraint("arrangement_id", "category", "year", "organization_id"),
        CheckConstraint("amount >= 0", name="amount_positive"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(
        ForeignKey("special_arrangement.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(String(40))
    year: Mapped[int]
    #: The party funding this line, or None for the arrangement as a whole.
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    note: Mapped[str] = mapped_column(Text, default="")

    organization: Mapped[Organization | None] = relationship()
