"""API: a job's state and its result (API.md "Long work"). Only its owner and admins see a
job (``jointprojects.access``: the URL's ``job_id``)."""

from __future__ import annotations

from flask import url_for

from jointprojects.api import api_user, bp
from jointprojects.api.openapi import operation
from jointprojects.jobs import schemas, services
from jointprojects.jobs.download import result_response
from jointprojects.jobs.models import Job


def job_urls(job: Job) -> tuple[str, str]:
    return (url_for("api.get_job", job_id=job.id),
            url_for("api.get_job_result", job_id=job.id))


@bp.get("/jobs/<int:job_id>")
@operation("A job: its status, progress (0-100), phase in words and, once done, the URL of "
           "its result", response=schemas.JobOut)
def get_job(job_id: int):
    job = services.get_job(job_id)
    url, result_url = job_urls(job)
    return schemas.job_json(job, url=url, result_url=result_url)


@bp.get("/jobs/<int:job_id>/result")
@operation("The job's result (e.g. the cost report workbook) once it is done; 409 before",
           content_type="application/octet-stream", errors=(409,))
def get_job_result(job_id: int):
    job = services.get_job(job_id)
    return result_response(job, api_user())
