"""API: the Excel cost report of an arrangement, immediate or as a job (API.md)."""

from __future__ import annotations

from flask import jsonify, url_for

from jointprojects.api import api_user, bp, ensure
from jointprojects.api.openapi import XLSX, operation
from jointprojects.api.schemas import read, read_query
from jointprojects.auth import policy
from jointprojects.jobs.schemas import JobCreated
from jointprojects.reporting import schemas
from jointprojects.reporting.cost_report import parse_period
from jointprojects.reporting.download import cost_report_response
from jointprojects.reporting.tasks import start_cost_report_job
from jointprojects.special_arrangements.services import get_arrangement


@bp.get("/arrangements/<reference>/cost-report.xlsx")
@operation("The Excel cost report (.xlsx) for a period: live formulas equal to the cost split "
           "to the cent", query=schemas.ReportPeriod, content_type=XLSX)
def get_cost_report(reference: str):  # type: ignore[no-untyped-def]
    """The cost-split workbook for ``from``/``to`` (optional, inclusive): its figures are
    those of ``GET .../cost-split`` for the same period, to the cent."""
    ensure(policy.REPORT_DOWNLOAD)
    sa = get_arrangement(reference)
    args = read_query(schemas.ReportPeriod)
    date_from, date_to = parse_period(args["date_from"], args["date_to"])
    return cost_report_response(sa, date_from, date_to, api_user())



@bp.post("/arrangements/<reference>/cost-report-jobs")
@operation("Start building the Excel cost report as a job: 202 with the job's id and URL; "
           "poll GET /jobs/{id}, then GET /jobs/{id}/result", status=202,
           body=schemas.ReportJobIn, response=JobCreated)
def post_cost_report_job(reference: str):  # type: ignore[no-untyped-def]
    ensure(policy.REPORT_DOWNLOAD)
    sa = get_arrangement(reference)
    body = read(schemas.ReportJobIn)
    body.raise_if_any()
    values = body.values
    date_from, date_to = values.get("date_from"), values.get("date_to")
    if date_from and date_to and date_to < date_from:
        parse_period(date_from.isoformat(), date_to.isoformat())  # names the period's error
    job = start_cost_report_job(sa, date_from, date_to, api_user())
    url = url_for("api.get_job", job_id=job.id)
    response = jsonify({"id": job.id, "status": job.status, "url": url})
    response.status_code = 202
    response.headers["Location"] = url
    return response
