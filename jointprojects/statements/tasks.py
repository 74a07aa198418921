"""A statement issued as a job (issue 15): when its period holds more expenses than
``REPORT_JOB_THRESHOLD``, building its frozen workbook (the cost report of the period with
the Statement sheet in front) is long work, so the issue page queues it and a worker issues
it (:func:`jointprojects.statements.services.issue_statement`, the very service of the
immediate path: same checks, lock, figures, workbook and audit row). The job's result is
the statement's workbook; the statement itself is on its page for every party."""

from __future__ import annotations

from datetime import date
from typing import Any

from jointprojects.auth import policy
from jointprojects.errors import NotFound
from jointprojects.extensions import db
from jointprojects.jobs import runner
from jointprojects.jobs import services as jobs
from jointprojects.jobs.models import Job
from jointprojects.reporting.tasks import job_threshold
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.statements import services
from jointprojects.statements.services import XLSX_MIMETYPE


def needs_job(sa: SpecialArrangement, to: date | None) -> bool:
    """Whether issuing up to ``to`` builds a workbook too big for a request."""
    figures = services.preview(sa, to)
    return figures is not None and figures.expense_count > job_threshold()


def start_issue_job(sa: SpecialArrangement, to: date | None, due_date: date | None,
                    user: Any, languages: str | None = None) -> Job:
    policy.ensure(user, policy.STATEMENT_ISSUE)
    policy.ensure_sees_arrangement(user, sa)
    chosen = services.parse_languages(languages)  # refused now, not by the worker
    return jobs.create_job("statement", user, arrangement=sa, params={
        "to": to.isoformat() if to else None,
        "due_date": due_date.isoformat() if due_date else None,
        "languages": ",".join(chosen)})


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value else None


@runner.handler("statement")
def issue_as_job(job: Job, reporter: jobs.Reporter) -> runner.Result:
    sa = job.arrangement
    if sa is None:
        raise NotFound("The arrangement of this statement no longer exists.", "arrangement")
    # One phase: the issue holds the arrangement's lock from its first step to its commit.
    reporter("issuing the statement: its figures, then its workbook", 0, 0)
    st = services.issue_statement(sa, _day(job.params.get("to")),
                                  _day(job.params.get("due_date")), job.owner,
                                  languages=job.params.get("languages"))
    workbook = services.workbook_of(st)
    content, name = workbook.content, workbook.filename
    db.session.commit()  # the worker's own boundary: the statement is issued
    return runner.Result(content, name, XLSX_MIMETYPE)
