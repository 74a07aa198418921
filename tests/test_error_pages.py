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
