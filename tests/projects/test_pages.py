"""The project pages: the form, the list with search and pagination, empty lists."""

from jointprojects.projects.models import Project


def project_form(**overrides):
    data = {
        "code": "P-WEB",
        "title": "Cybercrime awareness",
        "description": "",
        "areas": ["b"],
        "lead_organization": "UN",  # the programme manager's own (make_user: UN)
        "start_date": "2025-01-01",
        "end_date": "",
        "status": "active",
    }
    data.update(overrides)
    return data


def test_create_a_project_through_the_form(login, make_user, db):
    web = login(make_user("programme_manager"))
    response = web.post_form("/projects/new", project_form())
    assert response.status_code == 302 and response.headers["Location"].endswith("/projects/P-WEB")
    page = web.get("/projects/P-WEB").get_data(as_text=True)
    assert "Cybercrime awareness" in page and "(b)" in page and "History" in page


def test_the_history_table_has_real_column_headers_not_their_tags_as_text(login, make_user, db):
    web = login(make_user("programme_manager"))
    web.post_form("/projects/new", project_form())
    page = web.get("/projects/P-WEB").get_data(as_text=True)
    assert "&lt;thead" not in page and "&lt;th" not in page
    assert '<th scope="col">When (UTC)</th>' in page


def test_project_form_errors_appear_beside_the_field_and_keep_what_was_typed(login, make_user, db):
    web = login(make_user("programme_manager"))
    response = web.post_form(
        "/projects/new", project_form(areas=[], title="Kept title", end_date="2024-01-01")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose at least one area of cooperation" in page
    assert "The end date must not be before the start date." in page
    assert 'value="Kept title"' in page
    assert db.session.query(Project).count() == 0


def test_project_list_searches_and_paginates(login, make_user, make_project):
    for i in range(30):
        make_project(code=f"P-{i:03d}", title="Maritime crime" if i % 2 else "Cyber")
    web = login(make_user("leadership", "INTERPOL"))  # make_project: led by INTERPOL
    page = web.get("/projects/?q=maritime").get_data(as_text=True)
    assert "P-001" in page and "P-002" not in page
    first = web.get("/projects/").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert "Page 2 of 2" in web.get("/projects/?page=2").get_data(as_text=True)


def test_empty_lists_say_what_to_do_next(login, make_user):
    web = login(make_user("programme_manager"))
    assert "Create the first project" in web.get("/projects/").get_data(as_text=True)
    assert "Create the first arrangement" in web.get("/arrangements/").get_data(as_text=True)


def test_a_party_that_does_not_lead_the_project_is_not_offered_edit_or_delete(
    login, make_user, make_project, make_arrangement, db
):
    project = make_project(lead_organization="INTERPOL")
    make_arrangement(project=project.code)  # UN is a party, so UN sees the project
    un_pm = login(make_user("programme_manager", "UN"))
    page = un_pm.get(f"/projects/{project.code}").get_data(as_text=True)
    assert f"/projects/{project.code}/edit" not in page  # the link would answer 403
    assert un_pm.get(f"/projects/{project.code}/edit").status_code == 403
    un_pm.post_form("/logout", {}, page=f"/projects/{project.code}")
    interpol_pm = login(make_user("programme_manager", "INTERPOL"))
    page = interpol_pm.get(f"/projects/{project.code}").get_data(as_text=True)
    assert f"/projects/{project.code}/edit" in page
