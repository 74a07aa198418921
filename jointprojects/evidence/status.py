"""The chain's state as pages show it, cheaply: the last verification run (a job), how many
rows were appended since, the latest checkpoint, who signed it, and whether it is still on
the chain (one indexed read). Never a full replay per page view."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from jointprojects.audit.models import AuditEntry
from jointprojects.errors import Message
from jointprojects.evidence import signatures
from jointprojects.evidence.models import ChainVerification, Checkpoint
from jointprojects.evidence.tasks import newest_row
from jointprojects.extensions import db


@dataclass(frozen=True)
class ChainState:
    verification: ChainVerification | None
    rows: int
    rows_since: int
    checkpoint: Checkpoint | None
    #: The latest checkpoint's hash still equals its audit row's.
    checkpoint_holds: bool | None
    signed_by: list[str] = field(default_factory=list)

    @property
    def phrase(self) -> str:
        """The state in words (the arrangement page's Evidence section, the audit page): a
        :class:`Message`, shown in the reader's language."""
        if self.checkpoint_holds is False and self.checkpoint is not None:
            return Message("Broken at row %(row)s: the audit row a checkpoint signed has "
                           "changed since", row=self.checkpoint.sequence)
        v = self.verification
        if v is None:
            return Message("Not verified yet")
        if not v.ok:
            if v.broken_row:
                return Message("Broken at row %(row)s: %(problem)s", row=v.broken_row,
                               problem=v.message)
            return Message("Not verified: %(problem)s", problem=v.message)
        if self.rows_since > 0:
            return Message("Verified up to row %(row)s; %(count)s rows appended since",
                           row=v.last_row, count=self.rows_since)
        return Message("Verified up to row %(row)s", row=v.last_row)

    @property
    def public_phrase(self) -> str:
        """The state in words for a user who is not an admin: a failed run's message names a
        record of any arrangement (and its figures), so only that it failed is said."""
        v = self.verification
        if self.checkpoint_holds is not False and v is not None and not v.ok:
            if v.broken_row:
                return Message("Broken at row %(row)s (an administrator sees what does not "
                               "hold)", row=v.broken_row)
            return Message("Not verified: a record does not hold (an administrator sees "
                           "which)")
        return self.phrase


def latest_verification() -> ChainVerification | None:
    return db.session.scalar(select(ChainVerification)
                             .order_by(ChainVerification.id.desc()).limit(1))


def chain_state() -> ChainState:
    v = latest_verification()
    rows = newest_row()
    cp = signatures.latest_checkpoint()
    holds = None
    if cp is not None and cp.sequence:
        holds = db.session.scalar(select(AuditEntry.hash)
                                  .where(AuditEntry.id == cp.sequence)) == cp.hash
    return ChainState(v, rows, rows - v.last_row if v else rows, cp, holds,
                      [s.organization.code for s in cp.signatures] if cp else [])
