"""An uploaded spreadsheet waiting for its user's confirmation (imports, issue 5).

The import page shows a preview of what a file would store, then asks for a confirmation.
Between the two requests the file is kept here, in the database, under a random token that
only the user who uploaded it can confirm: the confirmation may reach any process of the
application (several processes share only the database), the browser does not carry the
file twice, and a token can be used once, so a double click stores nothing twice. Rows older
than :data:`jointprojects.reporting.uploads.PENDING_HOURS` are purged on the next upload.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from jointprojects.auth.models import utcnow
from jointprojects.extensions import NEVER_REUSED, Model

IMPORT_KINDS = ("expenses", "rates")
#: ``checking``: a job reads and checks the file; ``ready``: the preview waits for its
#: confirmation; ``recording``: a job records the checked rows; ``failed``: the check found
#: bad rows (the job says which).
PENDING_STATUSES = ("checking", "ready", "failed", "recording")


class PendingImport(Model):
    __tablename__ = "pending_import"
    __table_args__ = (
        CheckConstraint("kind IN ('expenses', 'rates')", name="kind"),
        CheckConstraint("status IN ('checking', 'ready', 'failed', 'recording')",
                        name="status"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random, URL-safe; the confirmation form posts it back.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    #: The arrangement the expenses go to (None for exchange rates).
    arrangement_id: Mapped[int | None] = mapped_column(
        ForeignKey("special_arrangement.id", ondelete="CASCADE")
    )
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(20), default="ready", server_default="ready")
    #: Rows of the file (header excluded), once read.
    row_count: Mapped[int | None] = mapped_column(Integer)
    #: The checked rows of an expense file (zlib-compressed JSON): what the confirmation
    #: records, without reading or checking the file again.
    checked: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    #: The preview's figures (zlib-compressed JSON), shown again until confirmed.
    preview: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    #: What the arrangement was when the rows were checked (its version, closed period,
    #: share versions, expenses): the confirmation refuses when it changed.
    fingerprint: Mapped[str | None] = mapped_column(String(200))
    #: The job checking (then recording) a large file.
    job_id: Mapped[int | None] = mapped_column(Integer, index=True)
