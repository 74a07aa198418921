"""API: a job's state and its result (API.md "Long work"). Only its owner and admins see a
job (``jointprojects.access``: the URL's ``job_id``)."""

from __future__ import annotations

from flask import url_for

from jointprojects.api import api_user, bp, ensure, list_response, page_params
from jointprojects.api.openapi import operation
from jointprojects.api.schemas import PageQuery
from jointprojects.auth import policy
from jointprojects.jobs import schemas, services
from jointprojects.jobs.download import result_response
from jointprojects.jobs.models import Job


def job_urls(job: Job) -> tuple[str, str]:
    return (url_for("api.get_job", job_id=job.id),
            url_for("api.get_job_result", job_id=job.id))


def _json(job: Job) -> dict[str, object]:
    url, result_url = job_urls(job)
    return schemas.job_json(job, url=url, result_url=result_url)


@bp.get("/jobs")
@operation("The caller's own jobs, newest first", query=PageQuery, response=schemas.JobOut,
           many=True)
def list_jobs():  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    page, per_page = page_params()
    user = api_user()
    jobs = services.jobs_of(user, per_page, (page - 1) * per_page)
    return list_response([_json(job) for job in jobs], services.count_jobs_of(user))


@bp.get("/jobs/<int:job_id>")
@operation("A job: its status, progress (0-100), phase in words and, once done, the URL of "
           "its result", response=schemas.JobOut)
def get_job(job_id: int):
    return _json(services.get_job(job_id))


@bp.post("/jobs/<int:job_id>/cancel")
@operation("Cancel a job (its owner or an admin): a queued job is cancelled at once, a "
           "running one stops at its next step; 409 when it has finished already",
           response=schemas.JobOut, errors=(409,))
def cancel_job(job_id: int):  # type: ignore[no-untyped-def]
    job = services.cancel_job(services.get_job(job_id), api_user())
    return _json(job)


@bp.get("/jobs/<int:job_id>/result")
@operation("The job's result (e.g. the cost report workbook) once it is done; 409 before",
           content_type="application/octet-stream", errors=(409,))
def get_job_result(job_id: int):
    job = services.get_job(job_id)
    return result_response(job, api_user())
