"""A job: long work done by a worker, its state kept in the application's database.

Every process (each web process, each ``jointprojects worker``, on any machine) reads and
writes the same row, so whichever process answers ``GET /api/v1/jobs/<id>`` or the job page
shows the progress the worker reported a moment ago. The queue (Huey, :mod:`.queue`) only
carries the job's id; everything a user sees is here. The result (a workbook) is kept in
the row, deferred (a list of jobs never loads it), until it is purged
(``JOBS_KEEP_DAYS``, :func:`jointprojects.jobs.services.purge_old_jobs`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from jointprojects.auth.models import utcnow
from jointprojects.extensions import NEVER_REUSED, Model
from jointprojects.vocabulary import JOB_KINDS, JOB_STATUSES, check_in

if TYPE_CHECKING:
    from jointprojects.auth.models import User
    from jointprojects.special_arrangements.models import SpecialArrangement

#: The statuses a job no longer leaves.
FINISHED = ("done", "failed", "cancelled")


class Job(Model):
    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint(check_in("status", JOB_STATUSES), name="status"),
        CheckConstraint(check_in("kind", JOB_KINDS), name="kind"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress"),
        Index("ix_job_owner_created", "owner_id", "created_at"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    #: The arrangement the job is about (None for a job about none).
    arrangement_id: Mapped[int | None] = mapped_column(
        ForeignKey("special_arrangement.id", ondelete="CASCADE"), index=True)
    #: What the job was asked (e.g. the period of a report), JSON.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    #: 0-100, from the job's own reports (rows done / rows total).
    progress: Mapped[int] = mapped_column(Integer, default=0)
    done_count: Mapped[int | None] = mapped_column(BigInteger)
    total_count: Mapped[int | None] = mapped_column(BigInteger)
    #: The phase in words: "writing the Expenses sheet".
    phase: Mapped[str] = mapped_column(String(200), default="")
    #: Why it failed, in plain words (never a traceback).
    error: Mapped[str | None] = mapped_column(Text)
    #: The cancel button was pressed: the worker stops at its next report.
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    result: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    result_name: Mapped[str | None] = mapped_column(String(255))
    result_mimetype: Mapped[str | None] = mapped_column(String(120))
    result_size: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column()
    #: Last report from the worker (a running job whose worker died stops moving).
    updated_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()

    owner: Mapped[User] = relationship()
    arrangement: Mapped[SpecialArrangement | None] = relationship()

    @property
    def finished(self) -> bool:
        return self.status in FINISHED
