"""Uploads awaiting confirmation (issue 5): the file of an import between its preview and
its confirmation, kept as a :class:`~jointprojects.reporting.models.PendingImport` under a
token only its uploader can use, once. Also the size cap on an uploaded file. Flushes,
never commits.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update

from jointprojects.auth.models import utcnow
from jointprojects.errors import Conflict, NotFound
from jointprojects.extensions import db
from jointprojects.reporting.models import PendingImport
from jointprojects.special_arrangements.models import SpecialArrangement

#: An upload not confirmed within this many hours is dropped.
PENDING_HOURS = 24
#: Largest file accepted: room for a CSV of 100,000 expenses (about 10 MB), under the
#: request cap MAX_CONTENT_LENGTH (16 MiB). An .xlsx is bounded further by its uncompressed
#: size (reports.xlsx_reader).
MAX_UPLOAD_BYTES = 15_000_000


def stash_upload(user: Any, kind: str, sa: SpecialArrangement | None, filename: str,
                 data: bytes, *, status: str = "ready", row_count: int | None = None) -> str:
    """Keep an upload until its user confirms it; returns the token the confirmation posts."""
    return stash(user, kind, sa, filename, data, status=status, row_count=row_count).token


def stash(user: Any, kind: str, sa: SpecialArrangement | None, filename: str,
          data: bytes, *, status: str = "ready", row_count: int | None = None) -> PendingImport:
    """:func:`stash_upload`, the row itself (an expense file's checked rows go into it:
    :func:`jointprojects.reporting.import_state.keep_checked`). A file waiting for its check
    (``status="checking"``) is kept whole. Drops the uploads nobody confirmed within
    :data:`PENDING_HOURS`."""
    db.session.execute(delete(PendingImport).where(
        PendingImport.created_at < utcnow() - timedelta(hours=PENDING_HOURS)))
    pending = PendingImport(
        token=secrets.token_urlsafe(32), user_id=user.id, kind=kind,
        arrangement_id=sa.id if sa else None, filename=(filename or "upload")[-255:],
        content=data, status=status, row_count=row_count,
    )
    db.session.add(pending)
    db.session.flush()
    return pending


def upload_of_job(job_id: int, user: Any) -> PendingImport:
    """The user's upload a job checks or checked; NotFound when it is gone (confirmed,
    cancelled, expired)."""
    pending = db.session.scalar(select(PendingImport).where(
        PendingImport.job_id == job_id, PendingImport.user_id == user.id,
        PendingImport.created_at >= utcnow() - timedelta(hours=PENDING_HOURS)))
    if pending is None:
        raise NotFound("This import is no longer waiting for confirmation: it was confirmed "
                       "or cancelled already, or it expired. Upload the file again.", "token")
    return pending


def start_recording(pending: PendingImport, job_id: int) -> None:
    """Hand a previewed upload to the job recording it, once: a second confirmation (a
    double click) finds it taken."""
    result = db.session.execute(update(PendingImport).where(
        PendingImport.id == pending.id, PendingImport.status == "ready")
        .values(status="recording", job_id=job_id)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's CursorResult
        raise Conflict("This import is being recorded already.", "token")


def pending_upload(token: str, user: Any) -> PendingImport:
    """The user's upload awaiting confirmation; NotFound when it is unknown, someone else's,
    already confirmed or cancelled, or expired."""
    pending = db.session.scalar(select(PendingImport).where(
        PendingImport.token == token, PendingImport.user_id == user.id,
        PendingImport.created_at >= utcnow() - timedelta(hours=PENDING_HOURS)))
    if pending is None:
        raise NotFound("This import is no longer waiting for confirmation: it was confirmed "
                       "or cancelled already, or it expired. Upload the file again.", "token")
    return pending


def take_upload(token: str, user: Any) -> PendingImport:
    """Claim the user's upload for its confirmation: it is deleted in the same transaction,
    so that two confirmations of one upload (a double click, two tabs) store it once: the
    second waits for the first and finds nothing."""
    pending = pending_upload(token, user)
    if pending.status != "ready":
        raise Conflict("This import is still being checked or recorded: follow its job.",
                       "token")
    result = db.session.execute(delete(PendingImport).where(
        PendingImport.id == pending.id, PendingImport.status == "ready")
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]  # execute() is typed Result; a DELETE gives a CursorResult
        raise Conflict("This import was confirmed already.", "token")
    return pending


def discard_upload(token: str, user: Any) -> None:
    """Cancel the user's upload (nothing when it is gone already)."""
    db.session.execute(delete(PendingImport).where(
        PendingImport.token == token, PendingImport.user_id == user.id))
