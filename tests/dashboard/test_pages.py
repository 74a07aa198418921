"""The dashboard page: every role sees it, every figure links to a list showing as many rows."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest

from tests.dashboard.conftest import add_total

COUNT_LINK = re.compile(r'<a href="([^"]+)" data-count="(\d+)"')


def list_total(html: str) -> int:
    """The number of rows a list page says it has (pagination macro or empty state)."""
    match = re.search(r"Page \d+ of \d+ \((\d+)\)", html) or re.search(r"(\d+) in all\.", html)
    if match:
        return int(match.group(1))
    assert re.search(r"No (joint projects yet|project matches|special arrangement yet|"
                     r"arrangement matches|exchange matches|personnel exchange yet)", html), \
        html[:2000]
    return 0


@pytest.mark.parametrize("role", ["admin", "programme_manager", "finance", "leadership"])
def test_every_role_opens_the_dashboard(login, make_user, role):
    response = login(make_user(role)).get("/")
    assert response.status_code == 200
    assert "Portfolio" in response.get_data(as_text=True)


def test_every_figure_links_to_a_list_with_the_same_count(login, make_user, portfolio):
    web = login(make_user("leadership"))
    for query in ("", "?organization=UNODC", "?area=a", "?organization=INTERPOL&area=c"):
        html = web.get("/" + query).get_data(as_text=True)
        links = COUNT_LINK.findall(html)
        assert len(links) > 15
        for href, count in links:
            response = web.get(unescape(href))
            assert response.status_code == 200, href
            assert list_total(response.get_data(as_text=True)) == int(count), (query, href)


def test_lists_filtered_from_the_dashboard_say_so(login, make_user, portfolio):
    web = login(make_user("leadership"))
    html = web.get("/arrangements/?due=consent&awaiting=INTERPOL").get_data(as_text=True)
    assert "Showing only: amendment awaiting consent · awaiting INTERPOL" in html
    assert ">A8<" in html and ">A1<" not in html


def test_money_shows_thousands_separators_and_currency_codes(login, make_user, portfolio, db):
    add_total(db, portfolio.arrangements["A1"], "2025-04", "UN", "1234567.5", paid="1234567.50")
    db.session.commit()
    html = login(make_user("leadership")).get("/").get_data(as_text=True)
    assert "1,234,567.50 USD" in html
    assert "Arrangements reporting in EUR" in html and "Arrangements reporting in USD" in html
    # Money in the embedded chart data is exact strings, never floats.
    data = re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>',
                     html, re.S).group(1)
    assert '"spend": "1234687.50"' in data


def test_filters_are_kept_in_the_url_and_the_form(login, make_user, portfolio):
    html = login(make_user("leadership")).get(
        "/?from=2025-01&to=2025-06&organization=UN&area=c").get_data(as_text=True)
    assert 'value="2025-01"' in html and 'value="2025-06"' in html
    assert '<option value="UN" selected>' in html and '<option value="c" selected>' in html
    assert "organization=UN" in html and "area=c" in html  # the links keep the scope


def test_bad_filters_get_a_clear_message_and_no_figures(login, make_user):
    response = login(make_user("leadership")).get("/?from=2025-13&organization=NOPE")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "from must be a month written YYYY-MM" in html
    assert "Unknown organization &#39;NOPE&#39;" in html
    assert "dashboard-data" not in html


def test_an_empty_portfolio_tells_a_programme_manager_what_to_do_next(login, make_user):
    html = login(make_user("programme_manager")).get("/").get_data(as_text=True)
    assert "No joint project yet" in html and "Create a project" in html


def test_an_empty_portfolio_tells_leadership_who_fills_it(login, make_user):
    html = login(make_user("leadership")).get("/").get_data(as_text=True)
    assert "Create a project" not in html and "A programme manager records" in html


def test_the_budget_used_is_a_percentage_of_the_budget(login, make_user, portfolio):
    html = login(make_user("leadership")).get("/?from=2025-01&to=2025-12").get_data(as_text=True)
    # USD: 120.00 spent of 1,500.00 budgeted in 2025.
    assert re.search(r"Used</dt><dd[^>]*>8\.0 %", html)
    assert Decimal("120") * 100 / Decimal("1500") == Decimal("8")


def test_a_month_of_the_burn_links_to_its_expenses(login, make_user, portfolio):
    html = login(make_user("leadership")).get("/").get_data(as_text=True)
    assert 'href="/expenses/?from=2025-01-01&amp;to=2025-01-31"' in html
    assert 'href="/expenses/?from=2025-02-01&amp;to=2025-02-28"' in html  # EUR spend
    assert "to=2025-02-28" in html and "from=2025-02-01&amp;to=2025-02-29" not in html
