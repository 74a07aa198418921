"""Organizations, the framework agreement (Art. 10) and its areas of cooperation (Art. 1)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jointprojects.extensions import NEVER_REUSED, Model
from jointprojects.vocabulary import AGREEMENT_STATUSES, check_in


class Organization(Model):
    __tablename__ = "organization"
    __table_args__ = (CheckConstraint("length(currency) = 3", name="currency_iso"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: ISO 4217 code of the organization's reporting currency.
    currency: Mapped[str] = mapped_column(String(3))

    def __repr__(self) -> str:
        return f"<Organization {self.code}>"


class Agreement(Model):
    """A framework cooperation agreement such as the UN-Interpol agreement of 8 July 1997.

    Art. 10.1: it enters into force on the date of the later written notification of the
    parties. Art. 10.2: amended by mutual written consent. Art. 10.3: a party may terminate it
    by six months' written notice.
    """

    __tablename__ = "agreement"
    __table_args__ = (
        CheckConstraint(check_in("status", AGREEMENT_STATUSES), name="status"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    signed_place: Mapped[str] = mapped_column(String(120), default="")
    signed_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default="signed")
    entry_into_force: Mapped[date | None]
    termination_notice_date: Mapped[date | None]
    termination_effective_date: Mapped[date | None]
    termination_notified_by_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))

    parties: Mapped[list[AgreementParty]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="AgreementParty.id"
    )
    areas: Mapped[list[Area]] = relationship(back_populates="agreement", order_by="Area.code")
    amendments: Mapped[list[AgreementAmendment]] = relationship(
        cascade="all, delete-orphan", order_by="AgreementAmendment.id"
    )


class AgreementParty(Model):
    __tablename__ = "agreement_party"
    __table_args__ = (UniqueConstraint("agreement_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    #: Art. 10.1: date of this party's written notification of its internal requirements.
    notification_date: Mapped[date | None]

    agreement: Mapped[Agreement] = relationship(back_populates="parties")
    organization: Mapped[Organization] = relationship()


class AgreementAmendment(Model):
    """Art. 10.2: an amendment to the framework agreement, adopted by mutual written consent."""

    __tablename__ = "agreement_amendment"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text, default="")
    #: The date of the last party's written consent: the amendment is then adopted.
    adopted_on: Mapped[date | None]
    consents: Mapped[list[AgreementConsent]] = relationship(
        cascade="all, delete-orphan", order_by="AgreementConsent.date"
    )


class AgreementConsent(Model):
    __tablename__ = "agreement_consent"
    __table_args__ = (UniqueConstraint("amendment_id", "organization_id"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    amendment_id: Mapped[int] = mapped_column(
        ForeignKey("agreement_amendment.id", ondelete="CASCADE")
    )
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    date: Mapped[date]

    organization: Mapped[Organization] = relationship()


class Area(Model):
    """An area of cooperation, Art. 1 (a)-(f)."""

    __tablename__ = "area"
    __table_args__ = (UniqueConstraint("agreement_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)

    agreement: Mapped[Agreement] = relationship(back_populates="areas")

    @property
    def label(self) -> str:
        return f"({self.code}) {self.title}"
