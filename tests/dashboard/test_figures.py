"""The leadership figures: counts per state, money per currency and party, filters."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from jointprojects.dashboard.figures import portfolio_figures
from jointprojects.dashboard.filters import read_filters
from jointprojects.dashboard.serialize import figures_json
from jointprojects.errors import DomainError
from jointprojects.personnel_exchanges.models import PersonnelExchange
from tests.dashboard.conftest import org_id


def figures(**args):
    return portfolio_figures(read_filters(args))


def test_an_empty_portfolio_has_zero_everywhere(app):
    f = figures()
    assert f.projects_total == 0 and f.arrangements.total == 0
    assert [c.count for c in f.projects_by_area] == [0] * 6
    assert f.money == [] and f.amendments.awaiting_consent == 0
    assert f.personnel is not None and f.personnel.on_exchange == 0


def test_projects_by_status_and_area(portfolio):
    f = figures()
    assert {c.key: c.count for c in f.projects_by_status} == {
        "planned": 1, "active": 1, "completed": 1, "cancelled": 0}
    assert {c.key: c.count for c in f.projects_by_area} == {
        "a": 1, "b": 1, "c": 1, "d": 1, "e": 0, "f": 0}


def test_arrangements_by_state_as_of_today(portfolio):
    a = figures().arrangements
    # A1, A2, A3, A8, A9, A10 in force; A4 terminated by notice; A5 past its end date.
    assert (a.total, a.in_force, a.terminated, a.expired) == (10, 6, 1, 1)
    assert (a.partly_signed, a.unsigned, a.awaiting_signature) == (1, 1, 2)
    assert a.under_notice == 1
    [notice] = a.under_notice_items
    assert notice.reference == "A3"
    assert notice.day == portfolio.arrangements["A3"].termination_effective_date > date.today()
    assert "INTERPOL" in notice.note
    assert a.expiring == 1 and a.expiring_items[0].reference == "A2"
    assert a.expiring_items[0].day == date.today() + timedelta(days=30)


def test_amendments_awaiting_consent_and_from_whom(portfolio):
    am = figures().amendments
    assert am.awaiting_consent == 1
    assert [(c.key, c.count) for c in am.by_organization] == [("INTERPOL", 1)]
    [item] = am.items  # its first amendment: number 1 (version 2)
    assert (item.reference, item.number, item.awaiting) == ("A8", 1, ["INTERPOL"])


def test_money_is_grouped_by_currency_never_added_across(portfolio):
    eur, usd = figures().money
    assert usd.currency == "USD" and eur.currency == "EUR"
    assert usd.spend == Decimal("120.00") and eur.spend == Decimal("100.00")
    assert usd.budget == Decimal("2499.00") and usd.budget_unassigned == Decimal("500.00")
    assert usd.remaining == Decimal("2379.00")
    interpol, un = usd.parties
    assert (un.organization, un.budget, un.share, un.paid, un.balance) == (
        "UN", Decimal("1999.00"), Decimal("66.00"), Decimal("100.00"), Decimal("34.00"))
    assert (interpol.share, interpol.paid, interpol.balance) == (
        Decimal("54.00"), Decimal("20.00"), Decimal("-34.00"))
    assert usd.balance_total == Decimal(0) == usd.unallocated
    # The burn runs month by month, an empty month included.
    assert [(b.month, b.spend, b.cumulative) for b in usd.burn] == [
        ("2025-01", Decimal("100.00"), Decimal("100.00")),
        ("2025-02", Decimal(0), Decimal("100.00")),
        ("2025-03", Decimal("20.00"), Decimal("120.00"))]
    assert [(p.organization, p.share, p.paid) for p in eur.parties] == [
        ("INTERPOL", Decimal("70.00"), Decimal("100.00")), ("UN", Decimal("30.00"), Decimal(0))]


def test_the_period_bounds_spend_by_month_and_budget_by_year(portfolio):
    eur, usd = figures(**{"from": "2025-02", "to": "2025-12"}).money
    assert usd.spend == Decimal("20.00") and usd.budget == Decimal("1500.00")
    assert usd.burn[0].month == "2025-02" and usd.burn[-1].month == "2025-12"
    assert usd.burn[-1].cumulative == Decimal("20.00")
    assert eur.spend == Decimal("100.00")
    assert figures(**{"from": "2026-01"}).money[-1].budget == Decimal("999.00")


def test_the_organization_filter_keeps_what_it_takes_part_in(portfolio):
    f = figures(organization="UNODC")
    # P2 is led by UN; UNODC is a party to A10 there.
    assert f.projects_total == 1 and f.arrangements.total == 1 and f.arrangements.in_force == 1
    assert f.money == [] and f.amendments.awaiting_consent == 0
    _, usd = figures(organization="INTERPOL").money
    assert usd.spend == Decimal("120.00")
    assert figures(organization="INTERPOL").arrangements.total == 9


def test_the_area_filter_keeps_projects_covering_it(portfolio):
    f = figures(area="a")
    assert f.projects_total == 1 and [c.key for c in f.projects_by_area] == ["a"]
    assert f.arrangements.total == 3 and f.arrangements.under_notice == 1
    assert f.money == []
    f = figures(area="c", organization="UN")
    assert f.arrangements.total == 4 and [m.currency for m in f.money] == ["EUR", "USD"]


def test_personnel_on_exchange_today_and_ending_soon(portfolio, db):
    today = date.today()
    un, interpol = org_id(db, "UN"), org_id(db, "INTERPOL")

    def exchange(staff, start, end, status="approved", home=un, host=interpol):
        db.session.add(PersonnelExchange(
            staff_id=staff, person_name=f"Person {staff}", home_organization_id=home,
            host_organization_id=host, position="Analyst", start_date=start, end_date=end,
            status=status))

    exchange("S1", today - timedelta(days=100), today + timedelta(days=20))
    exchange("S2", today - timedelta(days=10), today + timedelta(days=300), home=interpol,
             host=un)
    exchange("S3", today + timedelta(days=10), today + timedelta(days=200), status="proposed")
    exchange("S4", today - timedelta(days=400), today - timedelta(days=1))
    db.session.commit()
    p = figures().personnel
    assert p.on_exchange == 2
    assert [(c.key, c.count) for c in p.on_exchange_by_host] == [("INTERPOL", 1), ("UN", 1)]
    assert p.ending_soon == 1 and p.ending_items[0].staff == "Person S1"
    assert p.awaiting_approval == 1
    assert figures(organization="UNODC").personnel.on_exchange == 0


@pytest.mark.parametrize(("args", "field"), [
    ({"from": "2025-13"}, "from"),
    ({"to": "25-01"}, "to"),
    ({"from": "2025-06", "to": "2025-01"}, "to"),
    ({"organization": "NOPE"}, "organization"),
    ({"area": "z"}, "area"),
])
def test_bad_filters_are_named(app, args, field):
    with pytest.raises(DomainError) as caught:
        read_filters(args)
    assert [e.field for e in caught.value.errors] == [field]


def test_json_gives_money_as_strings_with_minor_units(portfolio):
    data = figures_json(figures())
    usd = data["money"][1]
    assert usd["spend"] == "120.00" and usd["remaining"] == "2379.00"
    assert usd["parties"][0] == {"organization": "INTERPOL", "budget": "0.00", "share": "54.00",
                                 "paid": "20.00", "balance": "-34.00"}
    assert usd["burn"][1] == {"month": "2025-02", "spend": "0.00", "cumulative": "100.00"}
    assert data["arrangements"]["under_notice"]["items"][0]["reference"] == "A3"
    assert data["amendments_awaiting_consent"]["items"][0]["awaiting"] == ["INTERPOL"]
