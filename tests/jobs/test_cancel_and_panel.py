"""The API's job list and cancel (owner or admin; 404 to others; 409 once finished) and the
compact job panel on the arrangement page (issue 15 item 3)."""

from __future__ import annotations

from typing import Any

import pytest

from jointprojects.extensions import db
from jointprojects.jobs import runner
from jointprojects.jobs.models import Job
from tests.jobs.test_jobs import _job, _reload


@pytest.fixture()
def finance(make_user: Any) -> Any:
    return make_user("finance", "UN")


@pytest.fixture()
def sa(make_arrangement: Any) -> Any:
    return make_arrangement()


def test_the_api_lists_the_callers_jobs_only(sa: Any, finance: Any, make_user: Any,
                                            api: Any) -> None:
    mine = [_job(sa, finance), _job(sa, finance)]
    _job(sa, make_user("finance", "UN"))  # a colleague's
    response = api(user=finance).get("/api/v1/jobs")
    assert response.status_code == 200
    assert [j["id"] for j in response.get_json()] == [mine[1].id, mine[0].id]
    assert response.headers["X-Total-Count"] == "2"
    assert response.get_json()[0]["arrangement"] == sa.reference
    page = api(user=finance).get("/api/v1/jobs?per_page=1&page=2").get_json()
    assert [j["id"] for j in page] == [mine[0].id]


def test_the_api_cancels_a_queued_job_for_its_owner(sa: Any, finance: Any, api: Any) -> None:
    job = _job(sa, finance)
    response = api(user=finance).post(f"/api/v1/jobs/{job.id}/cancel")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "cancelled" and body["id"] == job.id
    assert _reload(job.id).status == "cancelled"
    assert runner.run_job(job.id) == "skipped"
    again = api(user=finance).post(f"/api/v1/jobs/{job.id}/cancel")
    assert again.status_code == 409
    assert "nothing to cancel" in again.get_json()["errors"][0]["message"]


def test_a_running_job_stops_at_its_next_step(sa: Any, finance: Any, api: Any) -> None:
    job = _job(sa, finance)
    from jointprojects.jobs import services

    assert services.claim(job.id)
    response = api(user=finance).post(f"/api/v1/jobs/{job.id}/cancel")
    assert response.status_code == 200 and response.get_json()["status"] == "running"
    assert _reload(job.id).cancel_requested
    reporter = services.Reporter(job.id)
    with pytest.raises(services.JobCancelled):
        reporter("writing the Expenses sheet", 1, 10)


def test_only_the_owner_and_admins_cancel(sa: Any, finance: Any, make_user: Any,
                                          api: Any) -> None:
    job = _job(sa, finance)
    colleague = make_user("finance", "UN")
    assert api(user=colleague).post(f"/api/v1/jobs/{job.id}/cancel").status_code == 404
    assert api(user=finance).post("/api/v1/jobs/999999/cancel").status_code == 404
    assert _reload(job.id).status == "queued"
    assert api("admin", "INTERPOL").post(f"/api/v1/jobs/{job.id}/cancel").status_code == 200
    assert _reload(job.id).status == "cancelled"


def test_a_finished_job_cannot_be_cancelled(sa: Any, finance: Any, api: Any) -> None:
    job = _job(sa, finance)
    assert runner.run_job(job.id) == "done"
    response = api(user=finance).post(f"/api/v1/jobs/{job.id}/cancel")
    assert response.status_code == 409
    assert _reload(job.id).status == "done"


def test_cancel_is_in_the_openapi_document(api: Any) -> None:
    paths = api("leadership").get("/api/v1/openapi.json").get_json()["paths"]
    assert "409" in paths["/api/v1/jobs/{job_id}/cancel"]["post"]["responses"]
    assert "get" in paths["/api/v1/jobs"]


def test_the_arrangement_page_shows_the_owners_jobs(sa: Any, finance: Any, make_user: Any,
                                                    login: Any) -> None:
    job = _job(sa, finance)
    web = login(finance)
    page = web.get(f"/arrangements/{sa.reference}").get_data(as_text=True)
    assert 'id="jobs-panel"' in page
    assert f'href="/jobs/{job.id}"' in page and "Waiting for a worker" in page
    assert f'data-status-url="/jobs/{job.id}/status.json"' in page
    assert "<script>" not in page and "jobs.js" in page
    runner.run_job(job.id)
    page = web.get(f"/arrangements/{sa.reference}").get_data(as_text=True)
    assert "Ready" in page and 'value="100"' in page


def test_a_colleague_sees_the_page_not_the_panel(sa: Any, finance: Any, make_user: Any,
                                                 login: Any) -> None:
    job = _job(sa, finance)
    other = login(make_user("finance", "UN"))
    page = other.get(f"/arrangements/{sa.reference}").get_data(as_text=True)
    assert page and 'id="jobs-panel"' not in page and f"/jobs/{job.id}" not in page


def test_the_jobs_list_links_each_jobs_arrangement(sa: Any, finance: Any, login: Any) -> None:
    _job(sa, finance)
    listing = login(finance).get("/jobs/").get_data(as_text=True)
    assert f'href="/arrangements/{sa.reference}"' in listing
    assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 1
