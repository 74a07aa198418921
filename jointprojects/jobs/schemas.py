"""API shapes of a job (API.md "Long work")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import fields

from jointprojects.api.schemas import OutputSchema
from jointprojects.jobs import services
from jointprojects.jobs.models import Job
from jointprojects.vocabulary import JOB_KINDS, JOB_STATUSES


class JobCreated(OutputSchema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"enum": list(JOB_STATUSES)})
    url = fields.String(required=True, metadata={"description": "GET it to follow the job"})


class JobOut(OutputSchema):
    __component__ = "Job"

    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": list(JOB_KINDS)})
    status = fields.String(required=True, metadata={"enum": list(JOB_STATUSES)})
    progress = fields.Integer(required=True, metadata={"minimum": 0, "maximum": 100})
    message = fields.String(required=True, metadata={
        "description": "the phase in words, or why it failed"})
    phase = fields.String(required=True)
    done = fields.Integer(required=True, allow_none=True)
    total = fields.Integer(required=True, allow_none=True)
    error = fields.String(required=True, allow_none=True)
    arrangement = fields.String(required=True, allow_none=True)
    url = fields.String(required=True)
    result_url = fields.String(required=True, allow_none=True,
                               metadata={"description": "set once the job is done"})
    result_name = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    started_at = fields.DateTime(required=True, allow_none=True)
    finished_at = fields.DateTime(required=True, allow_none=True)
    elapsed_seconds = fields.Float(required=True, allow_none=True)
    remaining_seconds = fields.Float(required=True, allow_none=True,
                                     metadata={"description": "estimated from the rate so far"})


def job_json(job: Job, *, url: str, result_url: str | None) -> dict[str, Any]:
    """A job as the API and the job page's polling read it (:class:`JobOut`)."""
    times = services.timing(job)
    failed = job.status == "failed"
    return {
        "id": job.id, "kind": job.kind, "status": job.status, "progress": job.progress,
        "message": (job.error or "") if failed else services.phase_text(job),
        "phase": job.phase or "", "done": job.done_count, "total": job.total_count,
        "error": job.error,
        "arrangement": job.arrangement.reference if job.arrangement is not None else None,
        "url": url,
        "result_url": result_url if job.status == "done" else None,
        "result_name": job.result_name,
        "created_at": _utc(job.created_at), "started_at": _utc(job.started_at),
        "finished_at": _utc(job.finished_at),
        "elapsed_seconds": None if times.elapsed is None else round(times.elapsed, 1),
        "remaining_seconds": None if times.remaining is None else round(times.remaining, 1),
    }


def _utc(value: datetime | None) -> str | None:
    return None if value is None else value.replace(microsecond=0).isoformat() + "Z"
