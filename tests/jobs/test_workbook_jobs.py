"""The portfolio workbook and a statement's workbook built as jobs when large (issue 15):
the same threshold style (PORTFOLIO_JOB_THRESHOLD arrangements, REPORT_JOB_THRESHOLD
expenses of the period), the same job page; results downloadable by their owner (and
admins), a 404 to anyone else."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook

from jointprojects.expenses import recording
from jointprojects.extensions import db
from jointprojects.jobs import runner
from jointprojects.jobs.models import Job
from jointprojects.statements.models import Statement
from tests.dashboard.conftest import portfolio  # noqa: F401 - fixture
from tests.statements.conftest import expense, finance, quarter  # noqa: F401 - fixtures


def _job_of(response: Any) -> int:
    assert response.status_code == 302, response.status_code
    return int(re.search(r"/jobs/(\d+)$", response.headers["Location"]).group(1))


@pytest.fixture()
def small_thresholds(app: Any) -> Any:
    app.config["PORTFOLIO_JOB_THRESHOLD"] = 3
    app.config["REPORT_JOB_THRESHOLD"] = 1
    yield
    app.config["PORTFOLIO_JOB_THRESHOLD"] = 2_000
    app.config["REPORT_JOB_THRESHOLD"] = 20_000


def test_a_large_portfolio_workbook_is_a_job_its_result_the_same_workbook(
        login: Any, make_user: Any, portfolio: Any, app: Any, api: Any) -> None:  # noqa: F811
    leader = make_user("leadership", "INTERPOL")
    web = login(leader)
    immediate = web.get("/portfolio.xlsx")
    assert immediate.status_code == 200
    app.config["PORTFOLIO_JOB_THRESHOLD"] = 3
    try:
        job_id = _job_of(web.get("/portfolio.xlsx"))
    finally:
        app.config["PORTFOLIO_JOB_THRESHOLD"] = 2_000
    page = web.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Portfolio workbook" in page and "being built as a job" in page
    assert runner.run_job(job_id) == "done"
    result = web.get(f"/jobs/{job_id}/result")
    assert result.status_code == 200 and "portfolio-" in result.headers["Content-Disposition"]

    def references(data: bytes) -> list[Any]:
        wb = load_workbook(io.BytesIO(data), read_only=True)
        rows = [row[0] for row in wb["Arrangements"].iter_rows(min_row=2, values_only=True)
                if row]
        wb.close()
        return [r for r in rows if r]

    # the owner's scope (INTERPOL's portfolio) applied by the worker too
    assert references(result.data) == references(immediate.data)
    assert "A10" not in references(result.data)
    colleague = make_user("leadership", "INTERPOL")
    assert api(user=colleague).get(f"/api/v1/jobs/{job_id}/result").status_code == 404
    assert api("admin", "INTERPOL").get(f"/api/v1/jobs/{job_id}/result").status_code == 200


def test_a_large_statement_is_issued_by_a_job(login: Any, quarter: Any, finance: Any,  # noqa: F811
                                              make_user: Any, api: Any,
                                              small_thresholds: None) -> None:
    web = login(finance)
    job_id = _job_of(web.post_form("/statements/arrangements/SA-Q/issue",
                                   {"to": "2025-03-31", "confirm": "y"},
                                   page="/arrangements/SA-Q"))
    job = db.session.get(Job, job_id)
    assert (job.kind, job.status, job.arrangement_id) == ("statement", "queued", quarter.id)
    assert db.session.scalar(db.select(Statement)) is None  # not issued before the worker
    assert runner.run_job(job_id) == "done"
    db.session.expire_all()
    st = db.session.scalar(db.select(Statement))
    assert st is not None and st.number == 1 and st.date_to == date(2025, 3, 31)
    assert quarter.closed_through == date(2025, 3, 31)
    result = web.get(f"/jobs/{job_id}/result")
    assert result.status_code == 200
    assert hashlib.sha256(result.data).hexdigest() == st.sha256  # the frozen workbook
    other = make_user("finance", "UN")
    assert api(user=other).get(f"/api/v1/jobs/{job_id}/result").status_code == 404


def test_a_statement_job_that_is_refused_says_why(login: Any, quarter: Any, finance: Any,  # noqa: F811
                                                  small_thresholds: None) -> None:
    web = login(finance)
    first = _job_of(web.post_form("/statements/arrangements/SA-Q/issue",
                                  {"to": "2025-03-31", "confirm": "y"},
                                  page="/arrangements/SA-Q"))
    second = _job_of(web.post_form("/statements/arrangements/SA-Q/issue",
                                   {"to": "2025-03-31", "confirm": "y"},
                                   page="/arrangements/SA-Q"))
    assert runner.run_job(first) == "done"
    assert runner.run_job(second) == "failed"
    job = db.session.get(Job, second)
    db.session.refresh(job)
    assert job.error and "Traceback" not in job.error
    assert db.session.scalar(db.select(db.func.count()).select_from(Statement)) == 1


def test_below_the_threshold_a_statement_is_issued_at_once(login: Any, quarter: Any,  # noqa: F811
                                                           finance: Any) -> None:  # noqa: F811
    recording.record_expense(quarter, expense(date(2025, 3, 21), "5.00"), finance)
    db.session.commit()
    r = login(finance).post_form("/statements/arrangements/SA-Q/issue",
                                 {"to": "2025-03-31", "confirm": "y"},
                                 page="/arrangements/SA-Q")
    assert r.status_code == 302 and r.headers["Location"].endswith(
        "/statements/arrangements/SA-Q/1")
    assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 0
