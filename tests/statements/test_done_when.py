"""Issue 12 "Done when", through the API: UN issues statement 1 for the first quarter,
INTERPOL accepts it, UN cannot edit an expense of that quarter and records an adjustment in
the next one, INTERPOL pays UN part of what it owes, UN confirms receipt, the rest shows
outstanding and then overdue; statement 2 opens with the carried balance and closes with
everything paid; both workbooks download with the SHA-256 stored."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from jointprojects.extensions import db
from jointprojects.statements.models import Statement


def _by_org(statement: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {o["organization"]: o for o in statement["organizations"]}


def test_the_story_of_issue_12_through_the_api(make_arrangement, make_user, api):
    sa = make_arrangement(reference="SA-Q")  # UN 55 / INTERPOL 45, in force 2025-01-01
    un = api(user=make_user("finance", "UN"))
    interpol = api(user=make_user("finance", "INTERPOL"))
    base = "/api/v1/arrangements/SA-Q"

    def expense(day: str, amount: str, paid_by: str, **extra: Any) -> Any:
        return un.post(f"{base}/expenses", {
            "date": day, "category": "travel", "description": "Mission", "amount": amount,
            "currency": "USD", "paid_by": paid_by, **extra})

    first = expense("2025-02-10", "1000.00", "UN")
    assert first.status_code == 201
    assert expense("2025-03-20", "200.00", "INTERPOL").status_code == 201

    # statement 1: the first quarter, from the entry into force
    issued = un.post(f"{base}/statements", {"to": "2025-03-31"})
    assert issued.status_code == 201, issued.get_json()
    st1 = issued.get_json()
    assert (st1["number"], st1["from"], st1["to"], st1["status"]) == (
        1, "2025-01-01", "2025-03-31", "issued")
    figures = _by_org(st1)
    # UN paid 1000, share 55% of 1200 = 660 -> +340; INTERPOL paid 200, share 540 -> -340
    assert figures["UN"]["balance"] == "340.00" and figures["INTERPOL"]["balance"] == "-340.00"
    assert figures["UN"]["closing_balance"] == "340.00"
    assert figures["UN"]["opening_balance"] == "0.00"
    assert st1["settlements"] == [{"from": "INTERPOL", "to": "UN", "amount": "340.00",
                                   "paid": "0.00", "outstanding": "340.00",
                                   "status": "outstanding", "overdue": False,
                                   "superseded": False}]

    # INTERPOL accepts; UN too: agreed
    r = interpol.post(f"{base}/statements/1/acknowledgements",
                      {"organization": "INTERPOL", "decision": "accept"})
    assert r.status_code == 201 and r.get_json()["status"] == "issued"
    # INTERPOL cannot accept for UN
    r = interpol.post(f"{base}/statements/1/acknowledgements",
                      {"organization": "UN", "decision": "accept"})
    assert r.status_code == 403
    r = un.post(f"{base}/statements/1/acknowledgements",
                {"organization": "UN", "decision": "accept"})
    assert r.get_json()["status"] == "agreed"

    # the quarter is closed: edit, delete and record refused with the statement named
    e1 = first.get_json()
    r = un.put(f"{base}/expenses/{e1['id']}", {
        "date": "2025-02-10", "category": "travel", "amount": "900.00", "currency": "USD",
        "paid_by": "UN", "version": e1["version"]})
    assert r.status_code == 409
    assert "statement 1 of SA-Q, up to 31 March 2025" in r.get_json()["errors"][0]["message"]
    assert un.delete(f"{base}/expenses/{e1['id']}?version={e1['version']}").status_code == 409
    assert expense("2025-03-31", "5.00", "UN").status_code == 409
    # an adjustment in the next quarter instead: -100.00, allocated by its own date
    r = expense("2025-04-02", "-100.00", "UN")  # no adjusts: an ordinary refund, fine
    assert r.status_code == 201
    un.delete(f"{base}/expenses/{r.get_json()['id']}?version=1")
    r = expense("2025-04-02", "-100.00", "UN", adjusts=e1["id"])
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "reason"
    r = expense("2025-04-02", "-100.00", "UN", adjusts=e1["id"],
                reason="The hotel refunded one night")
    assert r.status_code == 201, r.get_json()
    adjustment = r.get_json()
    assert adjustment["adjusts"] == e1["id"]
    assert {a["organization"]: a["amount"] for a in adjustment["allocation"]} == {
        "UN": "-55.00", "INTERPOL": "-45.00"}
    assert un.get(f"{base}/expenses/{e1['id']}").get_json()["adjusted_by"] == [
        adjustment["id"]]

    # INTERPOL pays part; a payment above what is outstanding is refused
    over = interpol.post(f"{base}/statements/1/payments", {
        "from": "INTERPOL", "to": "UN", "amount": "340.01", "date": "2025-04-05",
        "reference": "BANK-1"})
    assert over.status_code == 422 and over.get_json()["errors"][0]["field"] == "amount"
    assert un.post(f"{base}/statements/1/payments", {  # UN cannot record INTERPOL's payment
        "from": "INTERPOL", "to": "UN", "amount": "100.00", "date": "2025-04-05",
        "reference": "BANK-1"}).status_code == 403
    paid = interpol.post(f"{base}/statements/1/payments", {
        "from": "INTERPOL", "to": "UN", "amount": "300.00", "date": "2025-04-05",
        "reference": "BANK-1"})
    assert paid.status_code == 201 and paid.get_json()["status"] == "sent"
    payment_id = paid.get_json()["id"]
    # only the receiving party confirms
    assert interpol.post(f"/api/v1/payments/{payment_id}/receipt",
                         {"organization": "UN", "date": "2025-04-07"}).status_code == 403
    assert interpol.post(f"/api/v1/payments/{payment_id}/receipt", {
        "organization": "INTERPOL", "date": "2025-04-07"}).status_code == 422
    r = un.post(f"/api/v1/payments/{payment_id}/receipt",
                {"organization": "UN", "date": "2025-04-07"})
    assert r.status_code == 201 and r.get_json()["status"] == "received"
    # a statement with a payment cannot be withdrawn
    assert un.post(f"{base}/statements/1/withdrawal", {"reason": "x"}).status_code == 409

    transfer = un.get(f"{base}/statements/1").get_json()["settlements"][0]
    assert (transfer["paid"], transfer["outstanding"], transfer["status"]) == (
        "300.00", "40.00", "partly_paid")
    # overdue once the due date is past with something outstanding
    st = db.session.scalar(db.select(Statement).filter_by(arrangement_id=sa.id, number=1))
    st.due_date = date(2025, 5, 1)  # as if issued in April 2025
    db.session.commit()
    assert un.get(f"{base}/statements/1").get_json()["settlements"][0]["overdue"] is True

    # statement 2: opens with the carried balance, counts the payment and the adjustment
    st2 = un.post(f"{base}/statements", {"to": "2025-06-30"}).get_json()
    assert (st2["number"], st2["from"]) == (2, "2025-04-01")
    figures = _by_org(st2)
    assert figures["UN"]["opening_balance"] == "340.00"
    assert figures["UN"]["payments_received"] == "300.00"
    assert figures["INTERPOL"]["payments_made"] == "300.00"
    # UN: 340 + (-100 - -55 = -45) + 0 - 300 = -5 ; INTERPOL: -340 + 45 + 300 = 5
    assert figures["UN"]["closing_balance"] == "-5.00"
    assert figures["INTERPOL"]["closing_balance"] == "5.00"
    assert [(t["from"], t["to"], t["amount"]) for t in st2["settlements"]] == [
        ("UN", "INTERPOL", "5.00")]
    # statement 1's transfer is carried by statement 2: no more payments against it
    old = un.get(f"{base}/statements/1").get_json()["settlements"][0]
    assert old["superseded"] is True and old["overdue"] is False
    assert interpol.post(f"{base}/statements/1/payments", {
        "from": "INTERPOL", "to": "UN", "amount": "40.00", "date": "2025-07-02",
        "reference": "BANK-2"}).status_code == 409
    # UN pays it all: everything paid
    paid = un.post(f"{base}/statements/2/payments", {
        "from": "UN", "to": "INTERPOL", "amount": "5.00", "date": "2025-07-02",
        "reference": "BANK-3"})
    assert paid.status_code == 201
    interpol.post(f"/api/v1/payments/{paid.get_json()['id']}/receipt",
                  {"organization": "INTERPOL", "date": "2025-07-03"})
    st2 = un.get(f"{base}/statements/2").get_json()
    assert [t["status"] for t in st2["settlements"]] == ["paid"]
    assert st2["payments"][0]["status"] == "received"

    # both workbooks: the same bytes every time, their SHA-256 the one stored
    for number, statement in ((1, st1), (2, st2)):
        one = un.get(f"{base}/statements/{number}.xlsx")
        two = interpol.get(f"{base}/statements/{number}.xlsx")
        assert one.status_code == 200 and one.data[:2] == b"PK"
        assert one.headers["Cache-Control"] == "private, no-store"
        assert "attachment" in one.headers["Content-Disposition"]
        assert one.data == two.data
        assert hashlib.sha256(one.data).hexdigest() == statement["sha256"]
