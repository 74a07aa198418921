"""Confidentiality labels (DOMAIN.md rule 14) x every kind of user, on every route that lists,
counts, reads or downloads documents: a user of a party (UN, INTERPOL), of the organization a
restricted document names (UN), of a third organization (WCO), an admin (of WCO)."""

from __future__ import annotations

from typing import Any

import pytest

from jointprojects.audit.models import AuditEntry
from jointprojects.extensions import db
from tests.auth.test_object_access import Web
from tests.documents.conftest import PDF, upload

#: label (and its organizations) -> who sees it.
CASES = {
    ("parties", ""): {"un": True, "interpol": True, "third": False, "admin": True},
    ("restricted", "UN"): {"un": True, "interpol": False, "third": False, "admin": True},
    ("public", ""): {"un": True, "interpol": True, "third": True, "admin": True},
}


@pytest.mark.parametrize(("label", "orgs"), list(CASES))
def test_each_label_for_each_kind_of_user(world: Any, clients: dict[str, Any], label: str,
                                          orgs: str, app: Any) -> None:
    ref = world.sa.reference
    fields: dict[str, Any] = {"label": label, "title": f"Bank advice {label}",
                              "expense": world.expense.id}
    if orgs:
        fields["organizations"] = orgs
    created = upload(clients["un"], ref, PDF + label.encode(), "advice.pdf", **fields)
    assert created.status_code == 201, created.get_json()
    doc = created.get_json()
    assert doc["label"] == label and doc["organizations"] == ([orgs] if orgs else [])
    for who, sees in CASES[(label, orgs)].items():
        c = clients[who]
        meta = c.get(f"/api/v1/documents/{doc['id']}")
        content = c.get(f"/api/v1/documents/{doc['id']}/content")
        assert (meta.status_code, content.status_code) == ((200, 200) if sees else (404, 404)), who
        if sees:
            assert content.data == PDF + label.encode()
        else:
            assert doc["title"] not in meta.get_data(as_text=True)
        listing = c.get(f"/api/v1/arrangements/{ref}/documents")
        if who == "third":  # the arrangement itself does not exist for WCO
            assert listing.status_code == 404
        else:
            assert listing.status_code == 200
            ids = [d["id"] for d in listing.get_json()]
            assert (doc["id"] in ids) is sees, who
            assert listing.headers["X-Total-Count"] == str(len(ids)), who
        # pages: the document's page and download; the expense page's section
        web = Web(app, world.users[who])
        assert web.open("GET", f"/documents/{doc['id']}").status_code == (200 if sees else 404)
        download = web.open("GET", f"/documents/{doc['id']}/content")
        assert download.status_code == (200 if sees else 404), who
        assert (download.data == PDF + label.encode()) is sees, who
        expense_page = web.open("GET", f"/expenses/{world.expense.id}")
        if who != "third":
            assert (doc["title"] in expense_page.get_data(as_text=True)) is sees, who


def test_the_done_when_of_issue_13(world: Any, clients: dict[str, Any], login: Any) -> None:
    """UN uploads a receipt (parties) and a bank advice restricted to UN: INTERPOL sees and
    downloads the receipt and never learns the advice exists; WCO sees neither."""
    ref = world.sa.reference
    receipt = upload(clients["un"], ref, PDF, "receipt.pdf", title="Hotel receipt",
                     expense=world.expense.id).get_json()
    advice = upload(clients["un"], ref, PDF + b"advice", "advice.pdf", title="Bank advice UN",
                    label="restricted", organizations="UN").get_json()
    interpol = clients["interpol"]
    assert interpol.get(f"/api/v1/documents/{receipt['id']}/content").data == PDF
    assert interpol.get(f"/api/v1/documents/{advice['id']}").status_code == 404
    listed = interpol.get(f"/api/v1/arrangements/{ref}/documents")
    assert [d["id"] for d in listed.get_json()] == [receipt["id"]]
    assert listed.headers["X-Total-Count"] == "1"
    web = login(world.users["interpol"])
    for url in (f"/documents/arrangements/{ref}", f"/arrangements/{ref}",
                f"/expenses/{world.expense.id}"):
        html = web.get(url).get_data(as_text=True)
        assert "Bank advice UN" not in html and "advice.pdf" not in html, url
        assert advice["sha256"] not in html, url
        assert "Document upload" not in html, url  # not even a History line
    assert "Hotel receipt" in web.get(f"/expenses/{world.expense.id}").get_data(as_text=True)
    assert web.get(f"/documents/{advice['id']}").status_code == 404
    assert web.get(f"/documents/{advice['id']}/content").status_code == 404
    third = clients["third"]
    for d in (receipt, advice):
        assert third.get(f"/api/v1/documents/{d['id']}").status_code == 404
    assert third.get(f"/api/v1/arrangements/{ref}/documents").status_code == 404
    # the download is audited: who, which document (its SHA-256)
    rows = db.session.scalars(db.select(AuditEntry).filter_by(
        action="download", entity="document", entity_id=receipt["id"])).all()
    assert rows and rows[-1].user_id == world.users["interpol"].id
    assert rows[-1].after["sha256"] == receipt["sha256"]


def test_only_the_uploaders_organization_or_an_admin_changes_the_label(
        world: Any, clients: dict[str, Any]) -> None:
    doc = upload(clients["un"], world.sa.reference, PDF, title="Invoice").get_json()
    url = f"/api/v1/documents/{doc['id']}/label"
    body = {"label": "restricted", "organizations": ["UN"], "reason": "bank details"}
    assert clients["interpol"].put(url, body).status_code == 403
    missing = clients["un"].put(url, {"label": "public"})
    assert missing.status_code == 422 and missing.get_json()["errors"][0]["field"] == "reason"
    changed = clients["un"].put(url, body)
    assert changed.status_code == 200 and changed.get_json()["label"] == "restricted"
    assert clients["interpol"].get(f"/api/v1/documents/{doc['id']}").status_code == 404
    row = db.session.scalars(db.select(AuditEntry).filter_by(
        action="relabel", entity_id=doc["id"])).one()
    assert row.after["reason"] == "bank details" and row.before["label"] == "parties"
    assert clients["admin"].put(url, {"label": "parties", "reason": "audit"}).status_code == 200
    assert clients["interpol"].get(f"/api/v1/documents/{doc['id']}").status_code == 200


def test_a_restricted_document_names_parties_and_its_uploader(world: Any,
                                                                clients: dict[str, Any]) -> None:
    ref = world.sa.reference
    r = upload(clients["un"], ref, PDF, label="restricted", organizations="INTERPOL")
    assert r.status_code == 422 and "your own organization" in r.get_data(as_text=True)
    r = upload(clients["un"], ref, PDF, label="restricted", organizations="UN,WCO")
    assert r.status_code == 422 and "WCO is not a party" in r.get_data(as_text=True)
    r = upload(clients["un"], ref, PDF, label="restricted")
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "organizations"
    r = upload(clients["un"], ref, PDF, label="secret")
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "label"
    assert clients["un leadership"].get(f"/api/v1/arrangements/{ref}/documents").get_json() == []
    assert upload(clients["un leadership"], ref, PDF).status_code == 403
