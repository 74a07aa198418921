"""The portfolio workbook as a job (issue 15): when the dashboard's filters keep more than
``PORTFOLIO_JOB_THRESHOLD`` arrangements, the download is built by a worker and followed on
the job's page. The worker applies the owner's scope again (``filters.for_viewer``): a job
holds only what its owner may see."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from jointprojects.auth import policy
from jointprojects.dashboard.filters import Filters, _arrangement_where, for_viewer, read_filters
from jointprojects.dashboard.workbook import portfolio_data
from jointprojects.extensions import db
from jointprojects.jobs import runner
from jointprojects.jobs import services as jobs
from jointprojects.jobs.models import Job
from jointprojects.special_arrangements.models import SpecialArrangement
from reports.portfolio import build_portfolio

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Default of ``PORTFOLIO_JOB_THRESHOLD`` (arrangements kept by the filters).
DEFAULT_THRESHOLD = 2_000


def job_threshold() -> int:
    return int(current_app.config.get("PORTFOLIO_JOB_THRESHOLD", DEFAULT_THRESHOLD))


def arrangement_count(filters: Filters) -> int:
    return int(db.session.scalar(select(func.count(SpecialArrangement.id))
                                 .where(*_arrangement_where(filters))) or 0)


def needs_job(filters: Filters) -> bool:
    return arrangement_count(filters) > job_threshold()


def workbook_name(today: date | None = None) -> str:
    return f"portfolio-{(today or date.today()).isoformat()}.xlsx"


def start_portfolio_job(filters: Filters, user: Any) -> Job:
    """Queue the portfolio workbook of ``filters`` (already scoped to ``user``)."""
    policy.ensure(user, policy.REPORT_DOWNLOAD)
    return jobs.create_job("portfolio_workbook", user, params=filters.args())


@runner.handler("portfolio_workbook")
def build_portfolio_workbook(job: Job, reporter: jobs.Reporter) -> runner.Result:
    reporter("reading the portfolio's figures", 0, 0)
    filters = for_viewer(read_filters({k: str(v) for k, v in job.params.items() if v}),
                         job.owner)
    data = portfolio_data(filters, generated_by=job.owner.display_name)
    reporter("writing the workbook", 0, 0)
    content = build_portfolio(data)
    return runner.Result(content, workbook_name(), XLSX)
