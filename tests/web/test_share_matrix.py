"""Shares typed as a category x party matrix (issue 11 item 9): the page shows one row per
set and one column per party with its total, and posts without JavaScript; the server reads
the matrix as share rows and names the problems of each cell and row."""

from __future__ import annotations

import re

from jointprojects.special_arrangements.models import SpecialArrangement
from tests.special_arrangements.test_pages import arrangement_form


def matrix_form(project_code, cells, **overrides):
    """The arrangement form with the shares as the matrix posts them."""
    data = {k: v for k, v in arrangement_form(project_code).items() if not k.startswith("shares-")}
    for row, (category, values) in enumerate(cells):
        data[f"matrix-{row}-category"] = category
        for party, percent in values.items():
            data[f"matrix-{row}-{party}"] = percent
    data.update(overrides)
    return data


def test_the_new_arrangement_page_shows_the_matrix_with_a_total_per_row(login, make_user, db):
    web = login(make_user("programme_manager"))
    page = web.get("/arrangements/new").get_data(as_text=True)
    assert 'name="matrix-0-UN" value="50"' in page and 'name="matrix-0-INTERPOL" value="50"' in page
    assert re.search(r'<output class="share-total"[^>]*>100.00</output>', page)
    assert "shares.js" in page and "<script>" not in page


def test_a_matrix_posted_without_javascript_stores_the_shares(login, make_user, make_project, db):
    project = make_project(lead_organization="UN")  # a project its author sees
    web = login(make_user("programme_manager"))
    response = web.post_form("/arrangements/new", matrix_form(project.code, [
        ("", {"UN": "55", "INTERPOL": "45"}),
        ("travel", {"UN": "70", "INTERPOL": "30"}),
        ("equipment", {"UN": "", "INTERPOL": ""}),  # a row left empty is no row
    ]))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    sa = db.session.query(SpecialArrangement).one()
    shares = {(s.category, s.organization.code): str(s.percent)
              for s in sa.share_versions[0].shares}
    assert shares == {(None, "UN"): "55.00", (None, "INTERPOL"): "45.00",
                      ("travel", "UN"): "70.00", ("travel", "INTERPOL"): "30.00"}


def test_a_wrong_row_is_named_its_total_shown_red_and_what_was_typed_kept(
        login, make_user, make_project, db):
    project = make_project(lead_organization="UN")  # a project its author sees
    web = login(make_user("programme_manager"))
    response = web.post_form("/arrangements/new", matrix_form(project.code, [
        ("", {"UN": "55", "INTERPOL": "40"}),
        ("contractual_services", {"UN": "60", "INTERPOL": ""}),
    ]))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Shares for default set sum to 95.00, not 100.00" in page
    assert "contractual_services" not in page.replace('value="contractual_services"', "")
    assert re.search(r'<output class="share-total text-danger fw-semibold"[^>]*>95.00</output>',
                     page)
    assert 'name="matrix-0-INTERPOL" value="40"' in page
    # The empty cell of a filled row is a missing share, named beside the cell.
    cell = page[page.index('name="matrix-1-INTERPOL"'):][:600]
    assert "is-invalid" in page[page.index('name="matrix-1-INTERPOL"') - 120:][:200]
    assert "The percentage is required." in cell
    assert db.session.query(SpecialArrangement).count() == 0


def test_the_lead_organization_of_a_new_project_defaults_to_the_users_own(login, make_user, db):
    web = login(make_user("programme_manager", "INTERPOL"))
    page = web.get("/projects/new").get_data(as_text=True)
    assert re.search(r'<option selected value="INTERPOL">|<option value="INTERPOL" selected>', page)
