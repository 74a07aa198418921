"""The web pages a programme manager uses: projects, arrangements, signatures."""

from jointprojects.projects.models import Project
from jointprojects.special_arrangements.models import SpecialArrangement


def project_form(**overrides):
    data = {
        "code": "P-WEB",
        "title": "Cybercrime awareness",
        "description": "",
        "areas": ["b"],
        "lead_organization": "INTERPOL",
        "start_date": "2025-01-01",
        "end_date": "",
        "status": "active",
    }
    data.update(overrides)
    return data


def arrangement_form(project_code, **overrides):
    data = {
        "reference": "SA-WEB",
        "project": project_code,
        "title": "Campaign production",
        "kind": "joint_action",
        "currency": "USD",
        "start_date": "2025-02-01",
        "end_date": "",
        "modalities-0-organization": "UN",
        "modalities-0-role": "Funding",
        "modalities-0-responsibilities": "Venues",
        "modalities-0-in_kind_contribution": "",
        "modalities-1-organization": "INTERPOL",
        "modalities-1-role": "Lead",
        "modalities-1-responsibilities": "Trainers",
        "modalities-1-in_kind_contribution": "",
        "shares-0-category": "",
        "shares-0-organization": "UN",
        "shares-0-percent": "55",
        "shares-1-category": "",
        "shares-1-organization": "INTERPOL",
        "shares-1-percent": "45",
        "shares-2-category": "travel",
        "shares-2-organization": "UN",
        "shares-2-percent": "70",
        "shares-3-category": "travel",
        "shares-3-organization": "INTERPOL",
        "shares-3-percent": "30",
    }
    data.update(overrides)
    return data


def test_create_a_project_through_the_form(login, make_user, db):
    web = login(make_user("programme_manager"))
    response = web.post_form("/projects/new", project_form())
    assert response.status_code == 302 and response.headers["Location"].endswith("/projects/P-WEB")
    page = web.get("/projects/P-WEB").get_data(as_text=True)
    assert "Cybercrime awareness" in page and "(b)" in page and "History" in page


def test_project_form_errors_appear_beside_the_field_and_keep_what_was_typed(login, make_user, db):
    web = login(make_user("programme_manager"))
    response = web.post_form(
        "/projects/new", project_form(areas=[], title="Kept title", end_date="2024-01-01")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose at least one area of cooperation" in page
    assert "end_date must not be before start_date" in page
    assert 'value="Kept title"' in page
    assert db.session.query(Project).count() == 0


def test_project_list_searches_and_paginates(login, make_user, make_project):
    for i in range(30):
        make_project(code=f"P-{i:03d}", title="Maritime crime" if i % 2 else "Cyber")
    web = login(make_user("leadership"))
    page = web.get("/projects/?q=maritime").get_data(as_text=True)
    assert "P-001" in page and "P-002" not in page
    first = web.get("/projects/").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert "Page 2 of 2" in web.get("/projects/?page=2").get_data(as_text=True)


def test_empty_lists_say_what_to_do_next(login, make_user):
    web = login(make_user("programme_manager"))
    assert "Create the first project" in web.get("/projects/").get_data(as_text=True)
    assert "Create the first arrangement" in web.get("/arrangements/").get_data(as_text=True)


def test_create_an_arrangement_with_a_travel_override_and_sign_it_for_both_parties(
    client, login, make_user, make_project, db
):
    project = make_project()
    un_pm = make_user("programme_manager", "UN")
    web = login(un_pm)
    response = web.post_form("/arrangements/new", arrangement_form(project.code))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = web.get("/arrangements/SA-WEB").get_data(as_text=True)
    assert "Art. 5" in page and "Draft" in page and "Travel" in page and "70 %" in page
    # The UN user can only sign for UN.
    assert '<option value="UN">UN</option>' in page and '<option value="INTERPOL">' not in page
    response = web.post_form(
        "/arrangements/SA-WEB/sign",
        {"sign-organization": "UN", "sign-date": "2025-01-20"},
        page="/arrangements/SA-WEB",
    )
    assert response.status_code == 302
    web.post_form("/logout", {}, page="/arrangements/SA-WEB")
    interpol = login(make_user("programme_manager", "INTERPOL"))
    response = interpol.post_form(
        "/arrangements/SA-WEB/sign",
        {"sign-organization": "INTERPOL", "sign-date": "2025-02-10"},
        page="/arrangements/SA-WEB",
    )
    assert response.status_code == 302
    page = interpol.get("/arrangements/SA-WEB").get_data(as_text=True)
    assert "In force" in page and "2025-02-10" in page
    sa = db.session.scalar(db.select(SpecialArrangement).filter_by(reference="SA-WEB"))
    assert sa.status == "in_force" and str(sa.entry_into_force) == "2025-02-10"


def test_a_user_cannot_sign_for_another_organization_by_forging_the_form(
    login, make_user, make_arrangement, db
):
    sa = make_arrangement(signed=False)
    web = login(make_user("programme_manager", "UN"))
    response = web.post_form(
        f"/arrangements/{sa.reference}/sign",
        {"sign-organization": "INTERPOL", "sign-date": "2025-01-20"},
        page=f"/arrangements/{sa.reference}",
        follow_redirects=True,
    )
    assert "Only a user of INTERPOL" in response.get_data(as_text=True)
    db.session.expire_all()
    assert sa.signatures == []


def test_arrangement_form_with_bad_shares_keeps_the_rows_and_names_the_problem(
    login, make_user, make_project, db
):
    project = make_project()
    web = login(make_user("programme_manager"))
    response = web.post_form(
        "/arrangements/new",
        arrangement_form(project.code, **{"shares-1-percent": "40", "shares-3-percent": "31,5"}),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "sum to 95.00" in page and "sum to 101.50" in page
    assert 'value="31,5"' in page
    assert db.session.query(SpecialArrangement).count() == 0


def test_delete_a_draft_after_confirmation(login, make_user, make_arrangement, db):
    sa = make_arrangement(signed=False)
    web = login(make_user("programme_manager"))
    page = web.get(f"/arrangements/{sa.reference}").get_data(as_text=True)
    assert "data-confirm=" in page and "Delete draft" in page
    response = web.post_form(
        f"/arrangements/{sa.reference}/delete", {}, page=f"/arrangements/{sa.reference}"
    )
    assert response.status_code == 302
    assert db.session.query(SpecialArrangement).count() == 0


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


def test_admin_adds_an_organization_and_others_cannot(login, make_user, db):
    from jointprojects.organizations.models import Organization

    pm = login(make_user("programme_manager"))
    assert (
        pm.post_form(
            "/organizations/", {"code": "UNODC", "name": "UNODC", "currency": "USD"}
        ).status_code
        == 403
    )
    pm.post_form("/logout", {}, page="/organizations/")
    admin = login(make_user("admin"))
    response = admin.post_form(
        "/organizations/", {"code": "UNODC", "name": "UN Office on Drugs", "currency": "USD"}
    )
    assert response.status_code == 302
    assert db.session.scalar(db.select(Organization).filter_by(code="UNODC")).currency == "USD"
    again = admin.post_form("/organizations/", {"code": "UNODC", "name": "x", "currency": "USD"})
    assert again.status_code == 422 and "already exists" in again.get_data(as_text=True)


def test_agreement_page_shows_articles_and_records_a_notice(login, make_user, db):
    admin = login(make_user("admin"))
    page = admin.get("/organizations/").get_data(as_text=True)
    assert "New York" in page and "1997-07-08" in page and "(f) Common or linked" in page
    response = admin.post_form(
        "/organizations/agreement",
        {"act": "notice", "organization": "INTERPOL", "date": "2025-08-31"},
        page="/organizations/",
        follow_redirects=True,
    )
    assert "effective 2026-02-28" in response.get_data(as_text=True)
