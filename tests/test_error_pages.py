"""Error pages: a friendly 404, and a 500 without internals."""


def test_unknown_pages_get_a_friendly_404(login, make_user):
    web = login(make_user())
    response = web.get("/arrangements/NOPE")
    assert response.status_code == 404 and "There is nothing at this address" in response.get_data(
        as_text=True
    )


def test_a_server_error_shows_no_stack_trace(app, login, make_user, monkeypatch):
    from jointprojects.projects import services

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services, "project_query", boom)
    web = login(make_user())
    response = web.get("/projects/")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert (
        "Something went wrong" in body
        and "secret internals" not in body
        and "Traceback" not in body
    )


def _locked(*args, **kwargs):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    raise OperationalError("INSERT INTO project ...", {}, sqlite3.OperationalError(
        "database is locked"))


def test_a_write_refused_by_a_busy_database_is_a_503_asking_to_send_again(
        app, login, make_user, api, monkeypatch):
    """SQLite's "database is locked" (another change saved at the same moment) is not an
    internal error: the page says nothing was saved and to send it again; the API too."""
    from jointprojects.projects import services
    from tests.projects.test_pages import project_form

    monkeypatch.setattr(services, "create_project", _locked)
    web = login(make_user("programme_manager", "UN"))
    response = web.post_form("/projects/new", project_form())
    body = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert "yours was not saved. Send it again." in body and "locked" not in body
    client = api("programme_manager", "UN")
    answer = client.post("/api/v1/projects", json={
        "code": "JP-2026-099", "title": "Busy", "areas": ["a"], "lead_organization": "UN",
        "start_date": "2026-01-01", "status": "planned"})
    assert answer.status_code == 503, answer.get_data(as_text=True)
    assert "Send it again" in answer.get_json()["errors"][0]["message"]


def test_another_database_error_stays_an_internal_error(app, login, make_user, monkeypatch):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from jointprojects.projects import services

    def broken(*args, **kwargs):
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("disk I/O error"))

    monkeypatch.setattr(services, "project_query", broken)
    web = login(make_user())
    response = web.get("/projects/")
    assert response.status_code == 500 and "disk I/O" not in response.get_data(as_text=True)
