"""Reports built as jobs (issue 15): the cost report of a large arrangement.

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

from jointprojects.auth import policy
from jointprojects.errors import NotFound
from jointprojects.i18n import current_language, language_scope
from jointprojects.jobs import runner
from jointprojects.jobs import services as jobs
from jointprojects.jobs.models import Job
from jointprojects.reporting import cost_report
from jointprojects.reporting.download import SPOOL_BYTES, author
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
    with language_scope(job.params.get("lang")), \
            tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as stream:
        cost_report.write_cost_report(sa, date_from, date_to, stream,
                                      generated_by=author(job.owner), progress=reporter,
                                      reader=job.owner)
        stream.seek(0)
        content = stream.read()
    return runner.Result(content, cost_report.report_filename(sa, date_from, date_to),
                         cost_report.XLSX_MIMETYPE)
