"""Special arrangements (Art. 5; Art. 8 personnel, Art. 9 supplementary, Art. 4 technical).

A special arrangement "shall define the modalities for the participation of each Organization
... and shall determine the expenses payable by each of them" (Art. 5). Its parties' shares
live in numbered versions: version 1 is agreed with the arrangement, each amendment adds a
version that takes effect once every party has consented (Art. 10.2 by analogy). Versions
never overwrite each other.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jointprojects.auth.models import utcnow
from jointprojects.errors import Message
from jointprojects.extensions import NEVER_REUSED, Model
from jointprojects.locales import LongDate
from jointprojects.organizations.models import Organization
from jointprojects.types import Money, Percent

if TYPE_CHECKING:
    from jointprojects.auth.models import User
    from jointprojects.projects.models import Project

from jointprojects.vocabulary import (
    AMENDMENT_STATUSES,
    ARRANGEMENT_KINDS,
    ARRANGEMENT_STATUSES,
    KINDS,
    check_in,
)


class SpecialArrangement(Model):
    __tablename__ = "special_arrangement"
    __table_args__ = (
        CheckConstraint(check_in("kind", ARRANGEMENT_KINDS), name="kind"),
        CheckConstraint(check_in("status", ARRANGEMENT_STATUSES), name="status"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(60), unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(30), default="joint_action")
    #: ISO 4217 code of the currency the arrangement reports in.
    currency: Mapped[str] = mapped_column(String(3))
    start_date: Mapped[date]
    end_date: Mapped[date | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    #: The date of the last signature, or the start date if later: ``signed`` until then.
    entry_into_force: Mapped[date | None]
    termination_notice_date: Mapped[date | None]
    #: Six calendar months after the notice (Art. 10.3); no expense on or after it.
    termination_effective_date: Mapped[date | None] = mapped_column(index=True)
    terminated_by_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    #: The last day of the period closed by the latest statement (DOMAIN.md rule 11): no
    #: expense dated on or before it is recorded, changed or deleted, no amendment takes
    #: effect on or before it. Set with the statement, in its transaction; reset by a
    #: withdrawal. None while no statement is in force.
    closed_through: Mapped[date | None]
    #: The number of the statement that closed the period up to ``closed_through``.
    closed_by_statement: Mapped[int | None]
    #: A statement is due this many days after it is issued, unless its issuer names a day.
    statement_due_days: Mapped[int] = mapped_column(default=30)

    project: Mapped[Project] = relationship("Project", back_populates="arrangements")
    parties: Mapped[list[ArrangementParty]] = relationship(
        back_populates="arrangement", cascade="all, delete-orphan", order_by="ArrangementParty.id"
    )
    share_versions: Mapped[list[ShareVersion]] = relationship(
        back_populates="arrangement", cascade="all, delete-orphan", order_by="ShareVersion.number"
    )
    signatures: Mapped[list[Signature]] = relationship(
        back_populates="arrangement", cascade="all, delete-orphan", order_by="Signature.date"
    )
    terminated_by: Mapped[Organization | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind].label

    @property
    def article(self) -> str:
        return KINDS[self.kind].article

    @property
    def party_codes(self) -> list[str]:
        return [p.organization.code for p in self.parties]

    def party(self, code: str) -> ArrangementParty | None:
        return next((p for p in self.parties if p.organization.code == code), None)

    def status_on(self, day: date) -> str:
        """The status as it stands on ``day`` (DOMAIN.md): ``signed`` once every party signed
        while the entry into force is still ahead, never ``in_force`` before it; notice and
        end date take effect by themselves. The stored ``in_force`` means "every party
        signed" (:data:`~jointprojects.vocabulary.ARRANGEMENT_STATUSES`)."""
        if self.status != "in_force":
            return self.status
        if self.entry_into_force is None or day < self.entry_into_force:
            return "signed"
        if self.termination_effective_date and day >= self.termination_effective_date:
            return "terminated"
        if self.end_date and day > self.end_date:
            return "expired"
        return "in_force"

    @property
    def last_day(self) -> date | None:
        """The last day on which an expense can be dated, or None when open-ended."""
        days = []
        if self.end_date:
            days.append(self.end_date)
        if self.termination_effective_date:
            days.append(self.termination_effective_date - timedelta(days=1))
        return min(days) if days else None

    @property
    def closed_phrase(self) -> str:
        """"closed by statement 1 of SA-1, up to 31 March 2025" ("" while none is)."""
        closed = self.closed_through
        if closed is None:
            return ""
        return Message("closed by statement %(number)s of %(reference)s, up to %(day)s",
                       number=self.closed_by_statement, reference=self.reference,
                       day=LongDate(closed))

    def closed_message(self, day: date) -> str | None:
        """Why ``day`` can no longer be written to (rule 11), or None when it is open."""
        if self.closed_through is None or day > self.closed_through:
            return None
        return Message("%(day)s lies in a closed period (%(closed)s): record an adjustment in "
                       "the open period instead.", day=day, closed=self.closed_phrase)


class ArrangementParty(Model):
    """A party to an arrangement and its modalities of participation (Art. 5)."""

    __tablename__ = "arrangement_party"
    __table_args__ = (
        UniqueConstraint("arrangement_id", "organization_id"),
        # "the arrangements this organization is a party to" (list and dashboard filters)
        Index("ix_arrangement_party_organization", "organization_id", "arrangement_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(
        ForeignKey("special_arrangement.id", ondelete="CASCADE")
    )
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    role: Mapped[str] = mapped_column(String(120), default="")
    responsibilities: Mapped[str] = mapped_column(Text, default="")
    in_kind_contribution: Mapped[str] = mapped_column(Text, default="")

    arrangement: Mapped[SpecialArrangement] = relationship(back_populates="parties")
    organization: Mapped[Organization] = relationship()


def amendment_of_version(number: int) -> int | None:
    """Amendment *n* is version *n* + 1; version 1 (the original shares) is no amendment."""
    return number - 1 if number > 1 else None


def version_of_amendment(number: int) -> int:
    """The version number of amendment ``number``."""
    return number + 1


class ShareVersion(Model):
    """A numbered set of expense shares and ceilings with the date it takes effect.

    Version 1 comes with the arrangement. Later versions are amendments: ``pending`` until
    every party has consented, then ``in_force``; ``withdrawn`` when abandoned. Amendments
    are numbered from 1 (:attr:`amendment_number`): amendment *n* is version *n* + 1 (versions
    are numbered one after the other per arrangement, the original being version 1).
    """

    __tablename__ = "share_version"
    __table_args__ = (
        UniqueConstraint("arrangement_id", "number"),
        CheckConstraint(check_in("status", AMENDMENT_STATUSES), name="status"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(
        ForeignKey("special_arrangement.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    effective_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The day the last consent was given (amendments) or None for version 1.
    in_force_since: Mapped[date | None]

    arrangement: Mapped[SpecialArrangement] = relationship(back_populates="share_versions")

    @property
    def amendment_number(self) -> int | None:
        """This version's number as an amendment (1 for the first), None for the original."""
        return amendment_of_version(self.number)

    shares: Mapped[list[Share]] = relationship(
        back_populates="share_version", cascade="all, delete-orphan", order_by="Share.id"
    )
    ceilings: Mapped[list[Ceiling]] = relationship(
        back_populates="share_version", cascade="all, delete-orphan", order_by="Ceiling.id"
    )
    consents: Mapped[list[Consent]] = relationship(
        back_populates="share_version", cascade="all, delete-orphan", order_by="Consent.date"
    )


class Share(Model):
    """One party's percentage of the expenses, for the default set or one category."""

    __tablename__ = "share"
    __table_args__ = (
        CheckConstraint("percent >= 0 AND percent <= 10000", name="percent_range"),
        Index("ix_share_version_category_org", "share_version_id", "category", "organization_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    share_version_id: Mapped[int] = mapped_column(
        ForeignKey("share_version.id", ondelete="CASCADE")
    )
    #: None for the default set, else a cost category override.
    category: Mapped[str | None] = mapped_column(String(40))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    percent: Mapped[Decimal] = mapped_column(Percent)

    share_version: Mapped[ShareVersion] = relationship(back_populates="shares")
    organization: Mapped[Organization] = relationship()


class Ceiling(Model):
    """The most a party pays over the arrangement's life, in its reporting currency."""

    __tablename__ = "ceiling"
    __table_args__ = (
        UniqueConstraint("share_version_id", "organization_id"),
        CheckConstraint("amount >= 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    share_version_id: Mapped[int] = mapped_column(
        ForeignKey("share_version.id", ondelete="CASCADE")
    )
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    amount: Mapped[Decimal] = mapped_column(Money)

    share_version: Mapped[ShareVersion] = relationship(back_populates="ceilings")
    organization: Mapped[Organization] = relationship()


class Signature(Model):
    """A party's signature of the arrangement, recorded by one of its users or an admin.

    ``signatory`` and ``signatory_title`` name the person who signed the instrument for the
    party (DOMAIN.md), not the user who recorded it (``recorded_by``, ``recorded_at``); when
    the API gave no signatory, the recording user is the signatory and ``signed_by_recorder``
    says so.
    """

    __tablename__ = "signature"
    __table_args__ = (UniqueConstraint("arrangement_id", "organization_id"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(
        ForeignKey("special_arrangement.id", ondelete="CASCADE")
    )
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    date: Mapped[date]
    #: The signatory's name.
    signatory: Mapped[str] = mapped_column(String(200), default="")
    signatory_title: Mapped[str] = mapped_column(String(200), default="")
    #: True when no signatory was given (API): the recording user is stated as the signatory.
    signed_by_recorder: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    #: True when an admin of another organization recorded it on the party's behalf.
    recorded_by_admin: Mapped[bool] = mapped_column(default=False)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    arrangement: Mapped[SpecialArrangement] = relationship(back_populates="signatures")
    organization: Mapped[Organization] = relationship()
    recorded_by: Mapped[User | None] = relationship("User")


class Consent(Model):
    """A party's written consent to an amendment (Art. 10.2 by analogy)."""

    __tablename__ = "consent"
    __table_args__ = (UniqueConstraint("share_version_id", "organization_id"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    share_version_id: Mapped[int] = mapped_column(
        ForeignKey("share_version.id", ondelete="CASCADE")
    )
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    date: Mapped[date]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_by_admin: Mapped[bool] = mapped_column(default=False)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    share_version: Mapped[ShareVersion] = relationship(back_populates="consents")
    organization: Mapped[Organization] = relationship()
    recorded_by: Mapped[User | None] = relationship("User")
