"""Dashboard "Used %" compares spend with the budget of the months in the period (issue 11
item 10): a budget is per year, so a period of two months holds 2/12 of that year's budget,
and the page says so; per-party budgets read a dash when budgets are not split by party; the
month inputs are text (an empty one reads as its placeholder, not "--------- ----")."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from jointprojects.dashboard.figures import portfolio_figures
from jointprojects.dashboard.filters import read_filters
from jointprojects.dates import months_of_year_in
from tests.dashboard.conftest import add_budget, add_total


def test_the_months_of_a_year_in_a_period() -> None:
    assert months_of_year_in(2026, "2026-08", "2026-09") == 2
    assert months_of_year_in(2026, None, None) == 12
    assert months_of_year_in(2026, "2025-11", "2026-03") == 3
    assert months_of_year_in(2025, "2025-11", "2026-03") == 2
    assert months_of_year_in(2024, "2025-11", None) == 0
    assert months_of_year_in(2026, "2026-04", None) == 9


def _portfolio(db, make_arrangement):
    sa = make_arrangement(start_date=date(2026, 1, 1))
    add_budget(db, sa, 2026, "12000.00")  # not assigned to a party
    add_total(db, sa, "2026-08", "UN", "600.00", paid="1000.00")
    add_total(db, sa, "2026-09", "INTERPOL", "400.00", paid="200.00")
    db.session.commit()
    return sa


def test_two_months_of_spend_are_compared_with_two_months_of_budget(db, make_arrangement):
    _portfolio(db, make_arrangement)
    (usd,) = portfolio_figures(read_filters({"from": "2026-08", "to": "2026-09"})).money
    assert usd.spend == Decimal("1200.00") and usd.budget == Decimal("12000.00")
    assert usd.budget_in_period == Decimal("2000.00")
    assert usd.used_percent == Decimal("60.0")  # not 10.0 % of the whole year
    (whole,) = portfolio_figures(read_filters({})).money
    assert whole.budget_in_period == Decimal("12000.00") and whole.used_percent == Decimal("10.0")


def test_the_page_says_what_used_compares_and_shows_no_party_budget(
        login, make_user, make_arrangement, db):
    _portfolio(db, make_arrangement)
    web = login(make_user("leadership"))
    html = web.get("/?from=2026-08&to=2026-09").get_data(as_text=True)
    assert re.search(r"Used</dt><dd[^>]*>60\.0 %", html)
    note = re.search(r"data-used-note>(.*?)</p>", html, re.S).group(1)
    assert "2 of the 12 months of 2026" in note and "2,000.00 USD" in note
    party_rows = re.findall(r'<th scope="row" class="fw-normal"><a [^>]*>(UN|INTERPOL)</a></th>\s*'
                            r'<td class="num">(.*?)</td>', html)
    assert [code for code, _ in party_rows] == ["INTERPOL", "UN"]
    assert all("–" in cell and "0.00" not in cell for _, cell in party_rows)
    assert "budgets are not split by party" in html
    # Empty month inputs are text fields with a placeholder, not Chromium's "--------- ----".
    bare = web.get("/").get_data(as_text=True)
    assert 'type="month"' not in bare
    assert re.search(r'<input[^>]*type="text"[^>]*id="from"[^>]*placeholder="e.g. 2026-01"', bare)
