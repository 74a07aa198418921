"""Reports and imports built as jobs (issue 15): the cost report of a large arrangement;
the check (preview) and the recording (confirmation) of a large expense file.

:func:`start_cost_report_job` queues it (the page does so above
``REPORT_JOB_THRESHOLD`` expenses, the API's ``POST .../cost-report-jobs`` always);
:func:`build_cost_report` is what a worker runs: the very builder of the immediate download
(:func:`jointprojects.reporting.cost_report.write_cost_report`), reporting its progress to
the job's row.
"""

from __future__ import annotations

import tempfile
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import delete, update

from jointprojects.auth import policy
from jointprojects.errors import DomainError, NotFound
from jointprojects.extensions import db
from jointprojects.i18n import current_language, language_scope
from jointprojects.jobs import runner
from jointprojects.jobs import services as jobs
from jointprojects.jobs.models import Job
from jointprojects.reporting import cost_report, import_state, uploads
from jointprojects.reporting import imports as importer
from jointprojects.reporting.cost_report import file_part
from jointprojects.reporting.download import SPOOL_BYTES, author
from jointprojects.reporting.models import PendingImport
from jointprojects.special_arrangements.models import SpecialArrangement

#: Default of ``REPORT_JOB_THRESHOLD``: above this many expenses the page builds the report
#: as a job.
DEFAULT_THRESHOLD = 20_000


def job_threshold() -> int:
    return int(current_app.config.get("REPORT_JOB_THRESHOLD", DEFAULT_THRESHOLD))


def needs_job(sa: SpecialArrangement, date_from: date | None, date_to: date | None) -> bool:
    """Whether the page should build this report as a job rather than in the request."""
    return cost_report.expense_count(sa, date_from, date_to) > job_threshold()


def start_cost_report_job(sa: SpecialArrangement, date_from: date | None,
                          date_to: date | None, user: Any) -> Job:
    """Queue the cost report of ``sa`` for the period, for ``user``."""
    policy.ensure(user, policy.REPORT_DOWNLOAD)
    policy.ensure_sees_arrangement(user, sa)
    return jobs.create_job("cost_report", user, arrangement=sa, params={
        "from": date_from.isoformat() if date_from else None,
        "to": date_to.isoformat() if date_to else None,
        "lang": current_language()})  # the worker writes it in the language asked for


@runner.handler("cost_report")
def build_cost_report(job: Job, reporter: jobs.Reporter) -> runner.Result:
    sa = job.arrangement
    if sa is None:
        raise NotFound("The arrangement of this report no longer exists.", "arrangement")
    date_from, date_to = cost_report.parse_period(job.params.get("from"),
                                                  job.params.get("to"))
    # The workbook stays in its file (in memory up to SPOOL_BYTES): the runner copies it
    # into the job's row in chunks and closes it.
    stream = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    try:
        with language_scope(job.params.get("lang")):
            cost_report.write_cost_report(sa, date_from, date_to, stream,
                                          generated_by=author(job.owner), progress=reporter,
                                          reader=job.owner)
    except BaseException:
        stream.close()
        raise
    return runner.Result(b"", cost_report.report_filename(sa, date_from, date_to),
                         cost_report.XLSX_MIMETYPE, stream=stream)


# --- imports as jobs ---------------------------------------------------------------------------

#: Default of ``IMPORT_JOB_THRESHOLD``: above this many rows an expense file is checked,
#: then recorded, by a worker.
DEFAULT_IMPORT_THRESHOLD = 5_000


def import_threshold() -> int:
    return int(current_app.config.get("IMPORT_JOB_THRESHOLD", DEFAULT_IMPORT_THRESHOLD))


def import_needs_job(filename: str, data: bytes) -> bool:
    return importer.estimated_rows(filename, data) > import_threshold()


def start_import_check(sa: SpecialArrangement, filename: str, data: bytes,
                       user: Any) -> Job:
    """Keep the file and queue its check (the preview) for ``user``."""
    policy.ensure(user, policy.IMPORT)
    policy.ensure(user, policy.EXPENSE_WRITE)
    policy.ensure_sees_arrangement(user, sa)
    pending = uploads.stash(user, "expenses", sa, filename, data, status="checking",
                            row_count=importer.estimated_rows(filename, data))
    job = jobs.create_job("import_preview", user, arrangement=sa, params={
        "upload": pending.id, "file": pending.filename})
    pending.job_id = job.id
    db.session.flush()
    return job


def start_import_recording(pending: PendingImport, sa: SpecialArrangement, user: Any, *,
                           store_duplicates: bool) -> Job:
    """Queue the recording of a previewed upload (the confirmation of a large file)."""
    policy.ensure(user, policy.IMPORT)
    policy.ensure(user, policy.EXPENSE_WRITE)
    policy.ensure_sees_arrangement(user, sa)
    job = jobs.create_job("import_expenses", user, arrangement=sa, params={
        "upload": pending.id, "file": pending.filename,
        "store_duplicates": bool(store_duplicates)})
    uploads.start_recording(pending, job.id)
    return job


def _upload(job: Job, status: str) -> tuple[PendingImport, SpecialArrangement]:
    pending = db.session.get(PendingImport, int(job.params.get("upload") or 0))
    if pending is None or pending.status != status or pending.job_id != job.id:
        raise NotFound("This import is no longer waiting (it was cancelled or it expired). "
                       "Upload the file again.", "upload")
    sa = job.arrangement
    if sa is None:
        raise NotFound("The arrangement of this import no longer exists.", "arrangement")
    return pending, sa


def _set_status(pending_id: int, status: str, **values: Any) -> None:
    """A change of the upload that stands whatever the job's work did (committed)."""
    db.session.rollback()
    db.session.execute(update(PendingImport).where(PendingImport.id == pending_id)
                       .values(status=status, **values))
    db.session.commit()


def _refusal(exc: importer.ImportFailed, filename: str) -> str:
    """Why a file was refused, in words, every bad row named (as many as fit)."""
    bad = len({p.row for p in exc.problems if p.row})
    head = (f"Nothing was stored from {filename}: "
            + (f"{bad} bad row{'s' if bad != 1 else ''}. " if bad else ""))
    text = head + " ".join(f"{problem}." .replace("..", ".") for problem in exc.problems)
    return text if len(text) <= 1900 else text[:1880].rsplit(" ", 1)[0] + " (and more)."


@runner.handler("import_preview")
def check_import(job: Job, reporter: jobs.Reporter) -> runner.Result:
    """The preview of a large file: read and checked once, what the confirmation needs
    kept with the upload (its page then shows the preview)."""
    pending, sa = _upload(job, "checking")
    pending_id, filename = pending.id, pending.filename
    try:
        checked = importer.check_expense_file(sa, filename, pending.content, job.owner,
                                              progress=reporter)
    except importer.ImportFailed as exc:
        _set_status(pending_id, "failed", content=b"")
        raise DomainError(_refusal(exc, filename)) from None
    except jobs.JobCancelled:
        _set_status(pending_id, "failed", content=b"")
        raise
    import_state.keep_checked(pending, checked)
    db.session.commit()  # the worker's own boundary: the preview stands
    preview = checked.preview
    text = (f"{preview.count:,} expenses checked in {filename}: nothing is stored until you "
            "confirm the preview.")
    return runner.Result(text.encode(), f"preview_{file_part(filename)}.txt", "text/plain")


@runner.handler("import_expenses")
def record_import(job: Job, reporter: jobs.Reporter) -> runner.Result:
    """The confirmation of a large file: the rows its preview checked, recorded all or
    none; the upload used up."""
    pending, sa = _upload(job, "recording")
    pending_id, filename = pending.id, pending.filename
    checked = import_state.checked_of(pending)
    if checked is None:
        raise NotFound("This import has nothing checked to record. Upload the file again.",
                       "upload")
    try:
        result = importer.record_checked(
            sa, checked, job.owner, allow_duplicates=bool(job.params.get("store_duplicates")),
            progress=reporter)
        db.session.execute(delete(PendingImport).where(PendingImport.id == pending_id))
    except importer.DuplicatesRefused:
        _set_status(pending_id, "ready")
        raise DomainError("Nothing was stored: the file repeats expenses already recorded; "
                          "confirm again with \u201cStore them anyway\u201d.") from None
    except importer.ImportFailed as exc:
        db.session.rollback()
        db.session.execute(delete(PendingImport).where(PendingImport.id == pending_id))
        db.session.commit()
        raise DomainError(_refusal(exc, filename)) from None
    except jobs.JobCancelled:
        _set_status(pending_id, "ready")
        raise
    db.session.commit()  # the worker's own boundary: every row or none
    text = (f"{result.count:,} expense{'s' if result.count != 1 else ''} from {filename} "
            f"recorded in {sa.reference}.")
    return runner.Result(text.encode(), f"import_{file_part(filename)}.txt", "text/plain")
