"""The chain's state as pages show it, cheaply: the last verification run (a job), how many
rows were appended since, the latest checkpoint, who signed it, and whether it is still on
the chain (one indexed read). Never a full replay per page view."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from jointprojects.audit.models import AuditEntry
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
        """The state in words (the arrangement page's Evidence section, the audit page)."""
        if self.checkpoint_holds is False and self.checkpoint is not None:
            return (f"Broken at row {self.checkpoint.sequence}: the audit row a checkpoint "
                    "signed has changed since")
        v = self.verification
        if v is None:
            return "Not verified yet"
        if not v.ok:
            where = f"broken at row {v.broken_row}" if v.broken_row else "not verified"
            return f"{where[0].upper()}{where[1:]}: {v.message}"
        since = (f"; {self.rows_since} rows appended since" if self.rows_since > 0 else "")
        return f"Verified up to row {v.last_row}{since}"

    @property
    def public_phrase(self) -> str:
        """The state in words for a user who is not an admin: a failed run's message names a
        record of any arrangement (and its figures), so only that it failed is said."""
        v = self.verification
        if self.checkpoint_holds is not False and v is not None and not v.ok:
            if v.broken_row:
                return f"Broken at row {v.broken_row} (an administrator sees what does not hold)"
            return "Not verified: a record does not hold (an administrator sees which)"
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
