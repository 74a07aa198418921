"""Expenses recorded, edited, deleted and re-allocated through the expense feature: the
dashboard agrees to the cent with each arrangement's cost split, in each currency."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from jointprojects.special_arrangements import amendments
from jointprojects.special_arrangements.services import CeilingData, ShareData


def cost_splits_by_currency(client, references):
    """Sum the cost splits of the arrangements, per currency (what the dashboard rolls up)."""
    totals = defaultdict(lambda: {"total": Decimal(0), "unallocated": Decimal(0),
                                  "parties": defaultdict(lambda: defaultdict(Decimal))})
    for ref in references:
        split = client.get(f"/api/v1/arrangements/{ref}/cost-split").get_json()
        entry = totals[split["currency"]]
        entry["total"] += Decimal(split["total"])
        entry["unallocated"] += Decimal(split["unallocated"])
        for line in split["organizations"]:
            for key in ("share", "paid", "balance"):
                entry["parties"][line["organization"]][key] += Decimal(line[key])
    return totals


def assert_dashboard_matches(client, references):
    expected = cost_splits_by_currency(client, references)
    money = client.get("/api/v1/dashboard").get_json()["money"]
    assert {m["currency"] for m in money} == set(expected)
    for m in money:
        want = expected[m["currency"]]
        assert Decimal(m["spend"]) == want["total"]
        assert Decimal(m["unallocated"]) == want["unallocated"]
        for party in m["parties"]:
            for key in ("share", "paid", "balance"):
                assert Decimal(party[key]) == want["parties"][party["organization"]][key], (
                    m["currency"], party["organization"], key)
        assert sum(Decimal(b["spend"]) for b in m["burn"]) == want["total"]


def test_the_dashboard_follows_every_expense_write_to_the_cent(db, api, make_user,
                                                              make_arrangement):
    usd = make_arrangement(start_date=date(2025, 1, 1), shares={"UN": "55", "INTERPOL": "45"},
                           ceilings=[CeilingData("INTERPOL", "300.00"),
                                     CeilingData("UN", "900.00")])
    eur = make_arrangement(start_date=date(2025, 1, 1), currency="EUR",
                           shares={"UN": "33.33", "INTERPOL": "66.67"})
    refs = [usd.reference, eur.reference]
    finance = api("finance", "UN")

    def record(ref, day, amount, currency, paid_by, category="travel", **extra):
        response = finance.post(f"/api/v1/arrangements/{ref}/expenses", json={
            "date": day, "category": category, "description": "e2e", "amount": amount,
            "currency": currency, "paid_by": paid_by, **extra})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    record(usd.reference, "2025-01-15", "1000.01", "USD", "UN")
    second = record(usd.reference, "2025-02-10", "333.33", "EUR", "INTERPOL",
                    exchange_rate="0.9", category="equipment")
    record(usd.reference, "2025-03-01", "-50.00", "USD", "UN")
    record(eur.reference, "2025-02-28", "100.00", "EUR", "INTERPOL")
    record(eur.reference, "2025-04-02", "0.01", "EUR", "UN")
    assert_dashboard_matches(finance, refs)
    dollars = finance.get("/api/v1/dashboard").get_json()["money"][1]
    assert Decimal(dollars["unallocated"]) > 0  # both ceilings reached

    # An edit moves an expense to another month and amount.
    response = finance.put(f"/api/v1/arrangements/{usd.reference}/expenses/{second['id']}",
                           json={"date": "2025-05-20", "category": "equipment",
                                 "description": "moved", "amount": "777.77", "currency": "USD",
                                 "paid_by": "INTERPOL", "version": second.get("version", 1)})
    assert response.status_code == 200, response.get_json()
    assert_dashboard_matches(finance, refs)

    # An amendment in force re-allocates the expenses from its effective date.
    admin = make_user("admin")
    version = amendments.propose_amendment(
        db.session.merge(usd), date(2025, 3, 1),
        [ShareData("UN", "20"), ShareData("INTERPOL", "80")], [], "Mid-term review", admin)
    for code in ("UN", "INTERPOL"):
        amendments.consent(db.session.merge(usd), version, code, date(2025, 6, 1), admin)
    db.session.commit()
    assert_dashboard_matches(finance, refs)

    first = finance.get(f"/api/v1/arrangements/{eur.reference}/expenses").get_json()[0]
    response = finance.delete(f"/api/v1/arrangements/{eur.reference}/expenses/{first['id']}")
    assert response.status_code == 204
    assert_dashboard_matches(finance, refs)
