"""The organizations page: adding an organization, the agreement's articles and notice."""


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
    assert "New York" in page and "8 July 1997" in page and "(f) Common or linked" in page
    response = admin.post_form(
        "/organizations/agreement",
        {"act": "notice", "organization": "INTERPOL", "date": "2025-08-31"},
        page="/organizations/",
        follow_redirects=True,
    )
    assert "effective 28 February 2026" in response.get_data(as_text=True)
