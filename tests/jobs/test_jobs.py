"""Jobs (issue 15): the cost report as a job, its progress, cancel, failure, the purge, who
sees a job, the API of API.md "Long work" and the pages.

These tests run a job the way a consumer does (:func:`jointprojects.jobs.runner.run_job`,
what the queue's task calls) inside the test's application; tests/jobs/test_consumers.py
runs real consumers in their own processes (embedded queue and Redis).
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

import openpyxl
import pytest

from jointprojects.auth.models import utcnow
from jointprojects.expenses import recording
from jointprojects.expenses.checks import ExpenseData
from jointprojects.extensions import db
from jointprojects.jobs import queue, runner, services
from jointprojects.jobs.models import Job
from jointprojects.reporting import tasks


def _expenses(sa: Any, user: Any, count: int) -> None:
    items = [ExpenseData(date=date(2025, 1, 1) + timedelta(days=i % 300), category="travel",
                         description=f"Mission {i}", amount="10.00", currency="USD",
                         paid_by="UN" if i % 2 else "INTERPOL") for i in range(count)]
    recording.record_expenses(sa, items, user)
    db.session.commit()


@pytest.fixture()
def finance(make_user: Any) -> Any:
    return make_user("finance", "UN")


@pytest.fixture()
def sa(make_arrangement: Any, finance: Any) -> Any:
    sa = make_arrangement()
    _expenses(sa, finance, 30)
    return sa


def _job(sa: Any, user: Any, **period: Any) -> Job:
    job = tasks.start_cost_report_job(sa, period.get("start"), period.get("end"), user)
    db.session.commit()
    return job


def _reload(job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def test_a_cost_report_job_builds_the_same_workbook_and_keeps_it(sa: Any, finance: Any) -> None:
    job = _job(sa, finance)
    assert (job.status, job.progress, job.owner_id) == ("queued", 0, finance.id)
    assert runner.run_job(job.id) == "done"
    job = _reload(job.id)
    assert (job.status, job.progress) == ("done", 100)
    assert job.result_name == f"cost-split_{sa.reference}_all.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(job.result), read_only=True)
    rows = list(wb["Expenses"].iter_rows(min_row=2, values_only=True))
    wb.close()
    assert len(rows) == 30
    assert job.started_at is not None and job.finished_at >= job.started_at


def test_progress_is_reported_row_by_row_in_words(sa: Any, finance: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _expenses(sa, finance, 2_470)  # 2,500 in all
    job = _job(sa, finance)
    seen: list[tuple[str, int, int | None, int | None]] = []
    write = services._write

    def spy(job_id: int, **values: Any) -> bool:
        ok = write(job_id, **values)
        # read as another process would (the report's own session reads one snapshot)
        with db.engine.connect() as connection:
            seen.append(tuple(connection.execute(db.select(
                Job.phase, Job.progress, Job.done_count, Job.total_count).where(
                Job.id == job_id)).one()))
        return ok

    monkeypatch.setattr(services, "_write", spy)
    db.session.commit()
    from flask import current_app
    monkeypatch.setitem(current_app.config, "JOBS_REPORT_SECONDS", 0)
    assert runner.run_job(job.id) == "done"
    phases = [p for p, *_ in seen]
    assert "writing the Expenses sheet" in phases
    expense_reports = [(progress, done, total) for phase, progress, done, total in seen
                       if phase == "writing the Expenses sheet"]
    assert (0, 0, 2500) in expense_reports and (40, 1000, 2500) in expense_reports \
        and (80, 2000, 2500) in expense_reports
    assert phases[-2] == "writing the other sheets and saving the workbook"
    assert seen[-1][:2] == ("done", 100)
    row = _reload(job.id)
    row.status, row.phase, row.done_count, row.total_count = "running", \
        "writing the Expenses sheet", 412_000, 1_000_000
    assert services.phase_text(row) == "writing the Expenses sheet: 412,000 of 1,000,000"
    db.session.rollback()


def test_a_cancelled_job_stops_and_keeps_nothing(sa: Any, finance: Any) -> None:
    queued = _job(sa, finance)
    services.cancel_job(queued, finance)
    db.session.commit()
    assert runner.run_job(queued.id) == "skipped"  # never started
    assert _reload(queued.id).status == "cancelled"

    running = _job(sa, finance)
    assert services.claim(running.id)
    services.cancel_job(_reload(running.id), finance)
    db.session.commit()
    reporter = services.Reporter(running.id, interval=0)
    with pytest.raises(services.JobCancelled):
        reporter("writing the Expenses sheet", 10, 100)
    # the worker's run: claimed already, so run the work as the runner would
    job = _reload(running.id)
    assert job.cancel_requested and job.status == "running"
    assert services.mark_cancelled(job.id)
    job = _reload(job.id)
    assert job.status == "cancelled" and job.result is None
    with pytest.raises(services.Conflict):
        services.cancel_job(job, finance)


def test_a_job_that_fails_says_why_in_plain_words(sa: Any, finance: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    job = _job(sa, finance)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk on fire at 0x7f")

    monkeypatch.setattr(tasks.cost_report, "write_cost_report", broken)
    assert runner.run_job(job.id) == "failed"
    job = _reload(job.id)
    assert job.status == "failed" and job.error == runner.INTERNAL_ERROR
    assert "0x7f" not in job.error and job.result is None


def test_two_workers_never_run_one_job(sa: Any, finance: Any) -> None:
    job = _job(sa, finance)
    assert services.claim(job.id) is True
    assert services.claim(job.id) is False
    assert runner.run_job(job.id) == "skipped"


def test_old_results_are_purged_by_the_housekeeping(sa: Any, finance: Any,
                                                    app: Any) -> None:
    old, recent = _job(sa, finance).id, _job(sa, finance).id
    runner.run_job(old)
    runner.run_job(recent)
    db.session.execute(db.update(Job).where(Job.id == old).values(
        finished_at=utcnow() - timedelta(days=8)))
    db.session.commit()
    runner.housekeeping()
    assert _reload(old) is None
    assert _reload(recent).result is not None
    app.config["JOBS_KEEP_DAYS"] = 0
    try:
        runner.housekeeping()
    finally:
        app.config["JOBS_KEEP_DAYS"] = 7
    assert _reload(recent) is None


def test_a_job_is_sent_to_the_queue_only_when_its_transaction_commits(
        sa: Any, finance: Any, app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[int] = []
    monkeypatch.setattr(queue, "enqueue", lambda job_id, app=None: sent.append(job_id))
    job = tasks.start_cost_report_job(sa, None, None, finance)
    assert sent == []
    db.session.rollback()
    db.session.commit()
    assert sent == []
    job = _job(sa, finance)
    assert sent == [job.id]


# --- the API (API.md "Long work") --------------------------------------------------------------


def test_the_api_starts_polls_and_downloads(sa: Any, finance: Any, api: Any) -> None:
    client = api(user=finance)
    response = client.post(f"/api/v1/arrangements/{sa.reference}/cost-report-jobs",
                           json={"from": "2025-01-01", "to": "2025-03-31"})
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert set(body) == {"id", "status", "url"} and body["status"] == "queued"
    assert body["url"] == f"/api/v1/jobs/{body['id']}"
    state = client.get(body["url"]).get_json()
    assert state["status"] == "queued" and state["result_url"] is None
    assert client.get(f"/api/v1/jobs/{body['id']}/result").status_code == 409
    runner.run_job(body["id"])
    state = client.get(body["url"]).get_json()
    assert {"id", "kind", "status", "progress", "message", "result_url"} <= set(state)
    assert (state["kind"], state["status"], state["progress"]) == ("cost_report", "done", 100)
    result = client.get(state["result_url"])
    assert result.status_code == 200 and result.data[:2] == b"PK"
    assert "cost-split_" in result.headers["Content-Disposition"]
    assert "2025-01-01_2025-03-31" in result.headers["Content-Disposition"]


def test_the_api_refuses_a_bad_period_naming_the_field(sa: Any, finance: Any, api: Any) -> None:
    client = api(user=finance)
    url = f"/api/v1/arrangements/{sa.reference}/cost-report-jobs"
    response = client.post(url, json={"from": "2025-13-01"})
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["from"]
    response = client.post(url, json={"from": "2025-03-01", "to": "2025-01-01"})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "to"
    assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 0


def test_only_the_owner_and_admins_see_a_job(sa: Any, finance: Any, make_user: Any,
                                            api: Any, login: Any) -> None:
    job = _job(sa, finance)
    runner.run_job(job.id)
    colleague = make_user("finance", "UN")  # same organization, party to the arrangement
    urls = [f"/api/v1/jobs/{job.id}", f"/api/v1/jobs/{job.id}/result"]
    pages = [f"/jobs/{job.id}", f"/jobs/{job.id}/status.json", f"/jobs/{job.id}/result"]
    for url in urls:
        assert api(user=finance).get(url).status_code == 200, url
        assert api(user=colleague).get(url).status_code == 404, url
        assert api("admin", "INTERPOL").get(url).status_code == 200, url
        assert api(user=finance).get(url.replace(str(job.id), "999999")).status_code == 404
    web = login(colleague)
    for url in pages:
        assert web.get(url).status_code == 404, url
    response = web.client.post(f"/jobs/{job.id}/cancel", data={
        "csrf_token": _token(web)})
    assert response.status_code == 404
    assert "cost-split" not in web.get("/jobs/").get_data(as_text=True)


def _token(web: Any) -> str:
    from tests.conftest import csrf_from

    return csrf_from(web.get("/jobs/").get_data(as_text=True))


# --- the pages ---------------------------------------------------------------------------------


def test_above_the_threshold_the_page_starts_a_job(sa: Any, finance: Any, login: Any,
                                                  app: Any) -> None:
    web = login(finance)
    url = f"/expenses/arrangements/{sa.reference}/cost-report.xlsx"
    assert web.get(url).data[:2] == b"PK"  # 30 expenses: immediate
    app.config["REPORT_JOB_THRESHOLD"] = 20
    try:
        response = web.get(url)
    finally:
        app.config["REPORT_JOB_THRESHOLD"] = 20_000
    assert response.status_code == 302
    job_id = int(re.search(r"/jobs/(\d+)$", response.headers["Location"]).group(1))
    page = web.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "being built as a job" in page and "Waiting for a worker" in page
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    assert "<script>" not in page and "jobs.js" in page
    runner.run_job(job_id)
    page = web.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "http-equiv" not in page  # finished: no more refreshing
    assert "Ready" in page and f"/jobs/{job_id}/result" in page and "100 %" in page
    download = web.get(f"/jobs/{job_id}/result")
    assert download.status_code == 200 and download.data[:2] == b"PK"
    listing = web.get("/jobs/").get_data(as_text=True)
    assert f"/jobs/{job_id}" in listing and "Cost report" in listing
    assert 'href="/jobs/"' in web.get("/").get_data(as_text=True)  # "My jobs" in the navigation
    status = web.get(f"/jobs/{job_id}/status.json").get_json()
    assert status["status"] == "done" and status["result_url"] == f"/jobs/{job_id}/result"


def test_the_page_shows_a_failure_and_cancels(sa: Any, finance: Any, login: Any,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    web = login(finance)
    job = _job(sa, finance)
    response = web.post_form(f"/jobs/{job.id}/cancel", {}, page=f"/jobs/{job.id}")
    assert response.status_code == 302
    assert _reload(job.id).status == "cancelled"
    assert "Cancelled" in web.get(f"/jobs/{job.id}").get_data(as_text=True)
    again = web.post_form(f"/jobs/{job.id}/cancel", {}, page="/jobs/")
    assert again.status_code == 302
    assert "nothing to cancel" in web.get(f"/jobs/{job.id}").get_data(as_text=True)

    failing = _job(sa, finance)
    monkeypatch.setattr(tasks.cost_report, "write_cost_report", lambda *a, **k: 1 / 0)
    runner.run_job(failing.id)
    page = web.get(f"/jobs/{failing.id}").get_data(as_text=True)
    assert "An internal error stopped the job" in page and "ZeroDivision" not in page
    assert web.get(f"/jobs/{failing.id}/result").status_code == 302  # back to the page
    assert "no result" in web.get(f"/jobs/{failing.id}").get_data(as_text=True)


def test_the_polling_script_is_a_static_file(client: Any) -> None:
    with client.get("/static/jobs.js") as response:
        assert response.status_code == 200
        assert b"statusUrl" in response.data and b"job-progress" in response.data
