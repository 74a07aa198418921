"""The pages of special arrangements: the form with its share rows, signatures, drafts."""

from jointprojects.special_arrangements.models import SpecialArrangement


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


def test_create_an_arrangement_with_a_travel_override_and_sign_it_for_both_parties(
    client, login, make_user, make_project, db
):
    project = make_project(lead_organization="UN")  # a project its author sees: UN leads it
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
        {"sign-organization": "UN", "sign-date": "2025-01-20",
         "sign-signatory_name": "Ana Ruiz", "sign-signatory_title": "Director"},
        page="/arrangements/SA-WEB",
    )
    assert response.status_code == 302
    web.post_form("/logout", {}, page="/arrangements/SA-WEB")
    interpol = login(make_user("programme_manager", "INTERPOL"))
    response = interpol.post_form(
        "/arrangements/SA-WEB/sign",
        {"sign-organization": "INTERPOL", "sign-date": "2025-02-10",
         "sign-signatory_name": "Jan Berg", "sign-signatory_title": "Executive Director"},
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
        {"sign-organization": "INTERPOL", "sign-date": "2025-01-20",
         "sign-signatory_name": "Jan Berg", "sign-signatory_title": "Executive Director"},
        page=f"/arrangements/{sa.reference}",
        follow_redirects=True,
    )
    assert response.status_code == 403
    assert "Only a user of INTERPOL" in response.get_data(as_text=True)
    db.session.expire_all()
    assert sa.signatures == []


def test_arrangement_form_with_bad_shares_keeps_the_rows_and_names_the_problem(
    login, make_user, make_project, db
):
    project = make_project(lead_organization="UN")
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


def test_in_french_the_arrangement_page_names_its_kind_and_the_notice_documents_in_french(
    login, make_user, make_arrangement, db
):
    from datetime import date

    from jointprojects.special_arrangements import services

    pm = make_user("programme_manager", "UN")
    sa = make_arrangement(kind="personnel")
    services.give_notice(sa, "UN", date(2025, 8, 31), pm)
    db.session.commit()
    web = login(pm)
    page = web.get(f"/arrangements/{sa.reference}?lang=fr").get_data(as_text=True)
    assert "Échange de personnel" in page and "Exchange of personnel" not in page
    assert "Documents · Préavis de dénonciation" in page
    assert "Documents · Termination notice" not in page
