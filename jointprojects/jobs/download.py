"""Sending a job's result (STYLE.md habit 7: the job built the bytes, this step sends them)."""

from __future__ import annotations

from typing import Any

from flask import Response

from jointprojects.audit import services as audit
from jointprojects.errors import Conflict, Message
from jointprojects.jobs.models import Job


def result_response(job: Job, user: Any) -> Response:
    """The result as an attachment, its download audited; Conflict (409) while the job is
    not done."""
    if job.status != "done" or job.result is None:
        raise Conflict(Message("This job is %(value)s: it has no result to download (yet).",
                               value=job.status.replace('_', ' ')), "status")
    if job.arrangement is not None:
        audit.record("download", job.arrangement, after={
            "report": job.result_name, "job": job.id}, user=user)
    response = Response(job.result, mimetype=job.result_mimetype or "application/octet-stream")
    response.headers.set("Content-Disposition", "attachment",
                         filename=job.result_name or f"job-{job.id}")
    response.headers["Cache-Control"] = "private, no-store"
    return response
