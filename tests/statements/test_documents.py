"""Statements and payments take documents (issues 12 and 13 tied together): a document names
a statement or payment the arrangement has; an agreed statement's and a received payment's
documents stay; Documents sections on the statement page; the receipt rule blocks a
statement; the cost report and the statement's workbook list each expense's documents the
reader may see (title, SHA-256)."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import openpyxl
import pytest

from jointprojects.documents import receipts
from jointprojects.documents.models import Document
from jointprojects.expenses import recording
from jointprojects.extensions import db
from jointprojects.organizations.services import create_organization
from jointprojects.reporting import cost_report
from jointprojects.statements.models import Statement
from tests.auth.test_object_access import Web
from tests.conftest import csrf_from
from tests.documents.conftest import MULTIPART, PDF, multipart
from tests.statements.conftest import expense

REF = "SA-W"
BASE = f"/api/v1/arrangements/{REF}"


@dataclass
class Story:
    sa: Any
    users: dict[str, Any]
    api: dict[str, Any]
    expenses: list[Any] = field(default_factory=list)


@pytest.fixture()
def story(make_arrangement: Any, make_user: Any, api: Any) -> Story:
    """SA-W (UN 55 / INTERPOL 45, in force 2025-01-01): UN paid 1000.00 on 10 February,
    INTERPOL 200.00 on 20 March 2025; finance users of UN, INTERPOL and a third
    organization (WCO)."""
    create_organization("WCO", "World Customs Organization", "EUR")
    db.session.commit()
    sa = make_arrangement(reference=REF)
    users = {"un": make_user("finance", "UN"), "interpol": make_user("finance", "INTERPOL"),
             "third": make_user("finance", "WCO")}
    first = recording.record_expense(sa, expense(date(2025, 2, 10), "1000.00", "UN"),
                                     users["un"])
    second = recording.record_expense(sa, expense(date(2025, 3, 20), "200.00", "INTERPOL"),
                                      users["un"])
    db.session.commit()
    return Story(sa, users, {who: api(user=u) for who, u in users.items()}, [first, second])


def _upload(client: Any, data: bytes, filename: str = "doc.pdf", **fields: Any) -> Any:
    return client.post(f"{BASE}/documents", data=multipart(fields, [(filename, data)]),
                       content_type=MULTIPART)


def _issue(client: Any, to: str = "2025-03-31") -> Any:
    return client.post(f"{BASE}/statements", {"to": to})


def _pay(story: Story, amount: str = "100.00") -> dict[str, Any]:
    r = story.api["interpol"].post(f"{BASE}/statements/1/payments", {
        "from": "INTERPOL", "to": "UN", "amount": amount, "date": "2025-04-15",
        "reference": "BANK-REF-1"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()  # type: ignore[no-any-return]


def _fields(response: Any) -> dict[str | None, str]:
    return {e["field"]: e["message"] for e in response.get_json()["errors"]}


# --- 1. a statement's or payment's documents ----------------------------------------------------

def test_a_document_names_a_statement_or_payment_the_arrangement_has(
        story: Story, make_arrangement: Any) -> None:
    un = story.api["un"]
    assert _issue(un).status_code == 201
    payment = _pay(story)
    r = _upload(un, PDF, "statement.pdf", statement=1)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["attached_to"] == {"kind": "statement", "number": 1}
    r = _upload(un, PDF, "advice.pdf", payment=payment["id"])
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["attached_to"] == {"kind": "payment", "id": payment["id"]}

    # no statement 2, no such payment: 404 naming the field, nothing stored
    count = db.session.scalar(db.select(db.func.count()).select_from(Document))
    r = _upload(un, PDF, "x.pdf", statement=2)
    assert r.status_code == 404 and "no statement 2" in _fields(r)["statement"]
    r = _upload(un, PDF, "x.pdf", payment=payment["id"] + 1000)
    assert r.status_code == 404 and "payment" in _fields(r)
    # a payment of another arrangement is not this one's
    other = make_arrangement(reference="SA-OTHER")
    r = un.post(f"/api/v1/arrangements/{other.reference}/documents",
                data=multipart({"payment": payment["id"]}, [("x.pdf", PDF)]),
                content_type=MULTIPART)
    assert r.status_code == 404 and "payment" in _fields(r)
    r = un.post(f"/api/v1/arrangements/{other.reference}/documents",
                data=multipart({"statement": 1}, [("x.pdf", PDF)]), content_type=MULTIPART)
    assert r.status_code == 404 and "statement" in _fields(r)
    assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == count


def test_an_agreed_statement_and_a_received_payment_keep_their_documents(story: Story
                                                                        ) -> None:
    un, interpol = story.api["un"], story.api["interpol"]
    assert _issue(un).status_code == 201
    payment = _pay(story)
    # while the statement is only issued, its documents may go (uploader's organization)
    draft = _upload(un, PDF + b"draft", "draft.pdf", statement=1).get_json()
    assert un.delete(f"/api/v1/documents/{draft['id']}").status_code == 204
    kept = _upload(un, PDF, "statement.pdf", statement=1).get_json()
    for org, client in (("INTERPOL", interpol), ("UN", un)):
        r = client.post(f"{BASE}/statements/1/acknowledgements",
                        {"organization": org, "decision": "accept"})
        assert r.status_code == 201
    assert r.get_json()["status"] == "agreed"
    r = un.delete(f"/api/v1/documents/{kept['id']}")
    assert r.status_code == 409 and "agreed" in r.get_json()["errors"][0]["message"]

    # a payment's bank advice may go until its receipt is confirmed
    wrong = _upload(interpol, PDF + b"wrong", "wrong.pdf", payment=payment["id"]).get_json()
    assert interpol.delete(f"/api/v1/documents/{wrong['id']}").status_code == 204
    advice = _upload(interpol, PDF + b"advice", "advice.pdf", payment=payment["id"]).get_json()
    r = un.post(f"/api/v1/payments/{payment['id']}/receipt",
                {"organization": "UN", "date": "2025-04-16"})
    assert r.status_code == 201
    r = interpol.delete(f"/api/v1/documents/{advice['id']}")
    assert r.status_code == 409 and "receipt" in r.get_json()["errors"][0]["message"]
    assert db.session.get(Document, advice["id"]) is not None
    assert db.session.get(Document, kept["id"]) is not None


def _post_files(web: Any, page: str, action: str, files: list[tuple[bytes, str]],
                **fields: Any) -> Any:
    token = csrf_from(web.get(page).get_data(as_text=True))
    data: dict[str, Any] = {"csrf_token": token, **fields,
                            "file": [(io.BytesIO(b), n) for b, n in files]}
    return web.client.post(action, data=data, content_type="multipart/form-data",
                           follow_redirects=False)


def test_the_statement_page_has_documents_sections_for_itself_and_each_payment(
        story: Story, login: Any, app: Any) -> None:
    assert _issue(story.api["un"]).status_code == 201
    payment = _pay(story)
    page = f"/statements/arrangements/{REF}/1"
    web = login(story.users["un"])
    html = web.get(page).get_data(as_text=True)
    assert 'id="docs-h-statement1"' in html
    assert f'id="docs-h-payment{payment["id"]}"' in html
    assert f'id="payment-{payment["id"]}"' in html
    upload = f"/documents/arrangements/{REF}/upload"
    r = _post_files(web, page, upload, [(PDF, "statement-signed.pdf")], kind="statement",
                    key="1", title="Signed statement")
    assert r.status_code == 302 and r.headers["Location"].endswith(page)
    r = _post_files(web, page, upload, [(PDF + b"advice", "advice.pdf")], kind="payment",
                    key=str(payment["id"]), title="Bank advice UN", label="restricted",
                    organizations="UN")
    assert r.status_code == 302
    assert r.headers["Location"].endswith(f"{page}#payment-{payment['id']}")
    docs = {d.title: d for d in db.session.scalars(db.select(Document))}
    assert (docs["Signed statement"].record_kind, docs["Signed statement"].record_key) == (
        "statement", 1)
    assert (docs["Bank advice UN"].record_kind, docs["Bank advice UN"].record_key) == (
        "payment", payment["id"])
    html = web.get(page).get_data(as_text=True)
    assert "Signed statement" in html and "Bank advice UN" in html
    # INTERPOL sees the statement's document, not the advice restricted to UN
    html = Web(app, story.users["interpol"]).open("GET", page).get_data(as_text=True)
    assert "Signed statement" in html
    assert "Bank advice UN" not in html and docs["Bank advice UN"].sha256 not in html


# --- 2. the receipt rule blocks a statement -----------------------------------------------------

def test_a_missing_receipt_blocks_the_statement_on_the_api_page_and_command_line(
        story: Story, login: Any, runner: Any) -> None:
    big, small = story.expenses
    receipts.set_receipt_rule(story.sa, "500", story.users["un"])
    db.session.commit()
    un = story.api["un"]

    # the preview names the expense (API and page)
    preview = un.get(f"{BASE}/statement-preview?to=2025-03-31").get_json()
    assert [e["id"] for e in preview["missing_receipts"]] == [big.id]
    web = login(story.users["un"])
    html = web.get(f"/arrangements/{REF}?statement_to=2025-03-31").get_data(as_text=True)
    block = html.split('id="statement-missing-receipts"', 1)[1].split("</div>", 1)[0]
    assert f'href="/expenses/{big.id}"' in block and f'href="/expenses/{small.id}"' not in block

    # the API: 422 naming it, nothing issued
    r = _issue(un)
    assert r.status_code == 422
    message = _fields(r)["receipts"]
    assert f"expense {big.id} of 2025-02-10" in message and f"expense {small.id} " not in message
    # the page: the same message, nothing issued
    r = web.post_form(f"/statements/arrangements/{REF}/issue",
                      {"to": "2025-03-31", "confirm": "y"}, page=f"/arrangements/{REF}",
                      follow_redirects=True)
    assert f"expense {big.id} of 2025-02-10" in r.get_data(as_text=True)
    # the command line: one line on stderr, non-zero
    result = runner.invoke(args=["statement", "issue", REF, "--to", "2025-03-31"])
    assert result.exit_code != 0 and f"expense {big.id} of 2025-02-10" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(Statement)) == 0

    # a receipt counts whoever may see it: one restricted to INTERPOL unblocks UN's issue
    r = _upload(story.api["interpol"], PDF, "receipt.pdf", expense=big.id, label="restricted",
                organizations="INTERPOL")
    assert r.status_code == 201, r.get_json()
    assert un.get(f"{BASE}/statement-preview?to=2025-03-31").get_json()[
        "missing_receipts"] == []
    r = _issue(un)
    assert r.status_code == 201, r.get_json()


def test_a_missing_receipt_of_a_closed_period_does_not_block_the_next_statement(
        story: Story) -> None:
    un = story.api["un"]
    assert _issue(un).status_code == 201
    receipts.set_receipt_rule(story.sa, "500", story.users["un"])  # after the first quarter
    db.session.commit()
    r = _issue(un, "2025-06-30")
    assert r.status_code == 201, r.get_json()


# --- 3. the cost report lists the documents the reader may see ----------------------------------

def _documents_column(content: bytes, sheet: str = "Expenses") -> dict[int, str | None]:
    ws = openpyxl.load_workbook(io.BytesIO(content))[sheet]
    rows = list(ws.iter_rows(values_only=True))
    column = rows[0].index("Documents")
    return {row[0]: row[column] for row in rows[1:] if row[0] is not None}


def _every_text(content: bytes) -> str:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    return "\n".join(str(v) for ws in wb for row in ws.iter_rows(values_only=True)
                     for v in row if v is not None)


def test_the_cost_report_lists_each_expense_documents_the_reader_may_see(story: Story
                                                                         ) -> None:
    big, small = story.expenses
    un, interpol = story.api["un"], story.api["interpol"]
    shared = _upload(un, PDF, "hotel.pdf", expense=big.id, title="Hotel receipt").get_json()
    secret = _upload(un, PDF + b"secret", "taxi.pdf", expense=small.id, title="Taxi UN only",
                     label="restricted", organizations="UN").get_json()
    assert shared["sha256"] == hashlib.sha256(PDF).hexdigest()

    r = interpol.get(f"{BASE}/cost-report.xlsx")
    assert r.status_code == 200
    seen = _documents_column(r.data)
    assert seen[big.id] == f"Hotel receipt (SHA-256 {shared['sha256']})"
    assert seen[small.id] is None
    text = _every_text(r.data)
    assert "Taxi UN only" not in text and secret["sha256"] not in text

    seen = _documents_column(un.get(f"{BASE}/cost-report.xlsx").data)
    assert seen[big.id] == f"Hotel receipt (SHA-256 {shared['sha256']})"
    assert seen[small.id] == f"Taxi UN only (SHA-256 {secret['sha256']})"

    # the statement's frozen workbook: the issuer's view (INTERPOL issues it)
    assert _issue(interpol).status_code == 201
    frozen = interpol.get(f"{BASE}/statements/1.xlsx").data
    seen = _documents_column(frozen)
    assert seen[big.id] == f"Hotel receipt (SHA-256 {shared['sha256']})"
    assert seen[small.id] is None and secret["sha256"] not in _every_text(frozen)
    # frozen: UN downloads the same bytes
    assert un.get(f"{BASE}/statements/1.xlsx").data == frozen


def test_the_cost_report_reads_the_documents_a_page_of_expenses_at_a_time(
        story: Story) -> None:
    """One documents query per page of expenses, not one per expense: the rows come out the
    same whatever the page size."""
    big, small = story.expenses
    _upload(story.api["un"], PDF, "hotel.pdf", expense=big.id, title="Hotel")
    _upload(story.api["un"], PDF + b"2", "taxi.pdf", expense=small.id, title="Taxi")
    _upload(story.api["un"], PDF + b"3", "bill.pdf", expense=big.id, title="Bill")
    db.session.expire_all()
    interpol = story.users["interpol"]
    whole = [line.documents for line in cost_report.expense_lines(story.sa, reader=interpol)]
    paged = [line.documents for line in cost_report.expense_lines(
        story.sa, page_size=1, reader=interpol)]
    assert whole == paged
    assert [[d.title for d in docs] for docs in whole] == [["Hotel", "Bill"], ["Taxi"]]
    assert cost_report.expense_documents(story.sa, [], interpol) == {}


# --- 4. the "Done when" of issue 13 ---------------------------------------------------------------

def test_the_done_when_of_issue_13_with_a_payment_and_the_cost_report(
        story: Story, login: Any, app: Any) -> None:
    """UN finance uploads the receipt of an expense (parties) and the bank advice of a
    payment (restricted to UN); INTERPOL finance sees and downloads the receipt but gets 404
    for the advice and no count or title of it in lists; a third organization's user sees
    neither; the cost report lists the receipt with its SHA-256."""
    big, _small = story.expenses
    un, interpol, third = story.api["un"], story.api["interpol"], story.api["third"]
    assert _issue(un).status_code == 201
    payment = _pay(story)
    receipt = _upload(un, PDF, "receipt.pdf", expense=big.id, title="Hotel receipt")
    assert receipt.status_code == 201, receipt.get_json()
    receipt = receipt.get_json()
    advice = _upload(un, PDF + b"advice", "advice.pdf", payment=payment["id"],
                     title="Bank advice UN", label="restricted", organizations="UN")
    assert advice.status_code == 201, advice.get_json()
    advice = advice.get_json()

    # INTERPOL: the receipt, downloaded; the advice unknown everywhere
    assert interpol.get(f"/api/v1/documents/{receipt['id']}/content").data == PDF
    for url in (f"/api/v1/documents/{advice['id']}",
                f"/api/v1/documents/{advice['id']}/content"):
        assert interpol.get(url).status_code == 404, url
    listed = interpol.get(f"{BASE}/documents")
    assert [d["id"] for d in listed.get_json()] == [receipt["id"]]
    assert listed.headers["X-Total-Count"] == "1"
    web = login(story.users["interpol"])
    for url in (f"/documents/arrangements/{REF}", f"/documents/arrangements/{REF}?kind=payment",
                f"/arrangements/{REF}", f"/statements/arrangements/{REF}/1",
                f"/expenses/{big.id}"):
        html = web.get(url).get_data(as_text=True)
        assert "Bank advice UN" not in html and "advice.pdf" not in html, url
        assert advice["sha256"] not in html, url
    payment_page = web.get(f"/documents/arrangements/{REF}?kind=payment").get_data(
        as_text=True)
    assert "Hotel receipt" not in payment_page  # the filter holds, and it lists nothing
    assert web.get(f"/documents/{advice['id']}").status_code == 404
    assert web.get(f"/documents/{advice['id']}/content").status_code == 404
    # UN sees it
    assert un.get(f"/api/v1/documents/{advice['id']}").status_code == 200

    # the third organization: neither the arrangement nor its documents
    for d in (receipt, advice):
        assert third.get(f"/api/v1/documents/{d['id']}").status_code == 404
        assert third.get(f"/api/v1/documents/{d['id']}/content").status_code == 404
    assert third.get(f"{BASE}/documents").status_code == 404
    assert third.get(f"{BASE}/cost-report.xlsx").status_code == 404
    assert Web(app, story.users["third"]).open(
        "GET", f"/statements/arrangements/{REF}/1").status_code == 404

    # the cost report lists the receipt with its SHA-256, and nothing of the advice
    report = interpol.get(f"{BASE}/cost-report.xlsx").data
    assert _documents_column(report)[big.id] == (
        f"Hotel receipt (SHA-256 {hashlib.sha256(PDF).hexdigest()})")
    assert advice["sha256"] not in _every_text(report)
