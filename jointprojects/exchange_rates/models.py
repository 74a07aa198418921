"""The monthly exchange rates table: UN operational rates of exchange, units of a currency
per one US dollar. Expenses and personnel costs are converted with them (DOMAIN.md rule 2).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jointprojects.auth.models import utcnow
from jointprojects.extensions import NEVER_REUSED, Model
from jointprojects.types import Rate

if TYPE_CHECKING:
    from jointprojects.auth.models import User

#: Rates are UN operational rates of exchange: units of a currency per one US dollar.
RATE_BASE_CURRENCY = "USD"


class ExchangeRate(Model):
    """A monthly operational rate: units of ``currency`` per one US dollar."""

    __tablename__ = "exchange_rate"
    __table_args__ = (
        UniqueConstraint("currency", "month"),
        CheckConstraint("rate > 0", name="rate_positive"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    rate: Mapped[Decimal] = mapped_column(Rate)
    source: Mapped[str] = mapped_column(String(300), default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    entered_by: Mapped[User | None] = relationship("User")
