"""The portfolio workbook: built from the dashboard's aggregates, with its filters."""

from __future__ import annotations

import io
from collections import defaultdict
from decimal import Decimal

from openpyxl import load_workbook

from jointprojects.dashboard.figures import portfolio_figures
from jointprojects.dashboard.filters import read_filters
from jointprojects.dashboard.workbook import portfolio_data


def test_the_workbook_data_adds_up_to_the_dashboard(portfolio):
    for args in ({}, {"from": "2025-02", "to": "2025-12"}, {"organization": "INTERPOL"},
                 {"area": "b"}):
        filters = read_filters(args)
        data = portfolio_data(filters)
        figures = portfolio_figures(filters)
        spend, shares, budget = defaultdict(Decimal), defaultdict(Decimal), defaultdict(Decimal)
        for a in data.arrangements:
            spend[a.currency] += a.spend
            budget[a.currency] += a.budget or 0
            for code, amount in a.shares.items():
                shares[a.currency, code] += amount
        for m in figures.money:
            assert spend[m.currency] == m.spend, args
            assert budget[m.currency] == m.budget, args
            for p in m.parties:
                assert shares[m.currency, p.organization] == p.share, args
        assert len(data.arrangements) == figures.arrangements.total
        assert len(data.projects) == figures.projects_total


def test_statuses_and_notice_are_as_of_today(portfolio):
    rows = {a.reference: a for a in portfolio_data().arrangements}
    assert rows["A4"].status == "terminated" and rows["A5"].status == "expired"
    assert rows["A3"].under_notice == portfolio.arrangements["A3"].termination_effective_date
    assert rows["A1"].under_notice is None


def test_download_the_workbook_with_the_filters(login, make_user, portfolio):
    web = login(make_user("leadership", "INTERPOL"))  # its own organization's portfolio
    assert "/portfolio.xlsx?organization=INTERPOL" in web.get(
        "/?organization=INTERPOL").get_data(as_text=True)
    response = web.get("/portfolio.xlsx?organization=INTERPOL")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment; filename=portfolio-" in response.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.data), read_only=True)
    sheet = [row for row in wb["Arrangements"].iter_rows(values_only=True)]
    references = [row[0] for row in sheet[1:] if row and row[0]]
    assert "A1" in references and "A10" not in references  # A10: UN and UNODC only
    about = {row[0]: row[1] for row in wb["About"].iter_rows(values_only=True) if len(row) > 1}
    assert about["Filters"] == "organization INTERPOL"


def test_bad_filters_get_no_workbook(login, make_user):
    assert login(make_user("finance")).get("/portfolio.xlsx?from=2025").status_code == 400
