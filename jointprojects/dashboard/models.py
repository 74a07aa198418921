"""The portfolio roll-ups behind the leadership dashboard.

``expense_total`` (kept by :mod:`jointprojects.totals`) holds sums per arrangement, month, cost
category and party: with a million expenses that is itself more than a million rows, too many
to scan on every dashboard request. ``portfolio_total`` rolls those rows up once more, per
reporting currency, month and party, for every value of the dashboard's two filters:

* ``member_id``: 0 for the whole portfolio, else an organization's id: only the arrangements
  that organization is a party to;
* ``area_id``: 0 for every area, else an area of cooperation's id (Art. 1): only the
  arrangements whose project covers that area.

``portfolio_budget`` does the same for ``budget`` lines, per year.

Database triggers (defined in :mod:`jointprojects.totals`, which says what each row equals,
and installed by the migrations) keep them up to date in the same transaction as every write
to ``expense_total`` or ``budget``, to a project's areas, to an arrangement's parties, project
or currency. Nothing in Python writes to them, so no writer can forget to.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from jointprojects.extensions import Model
from jointprojects.types import Money


class PortfolioTotal(Model):
    __tablename__ = "portfolio_total"
    __table_args__ = (
        # The triggers find the rows of one expense_total row by month and party.
        Index("ix_portfolio_total_month_org", "month", "organization_id", "currency"),
    )

    #: 0: every arrangement; else the id of an organization that is a party.
    member_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: 0: every area; else the id of an area of cooperation the project covers.
    area_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: The arrangements' reporting currency: amounts in different currencies never add up.
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    #: The party whose share and payments these are.
    organization_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    share_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    paid_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    unallocated: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    expense_count: Mapped[int] = mapped_column(default=0)


class PortfolioBudget(Model):
    __tablename__ = "portfolio_budget"

    member_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    area_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: The party funding these lines, or 0 for lines of the arrangement as a whole.
    organization_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
