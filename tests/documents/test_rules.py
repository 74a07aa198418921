"""Documents' rules: types decided by the bytes, size caps, content-addressed storage (chunks,
deduplication, the directory backend, ``documents check``), versions, who deletes and when,
names made safe, the receipt rule."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update

from jointprojects.documents import receipts, services, sniff, storage
from jointprojects.documents.models import Document, DocumentBlob, DocumentChunk
from jointprojects.documents.services import DocumentData, Owner, Upload
from jointprojects.errors import Conflict, DomainError, Forbidden
from jointprojects.extensions import db
from jointprojects.special_arrangements import amendments
from jointprojects.special_arrangements.services import ShareData
from tests.documents.conftest import EML, HTML, PDF, PE, PNG, docx, expense, upload, zip_bomb_docx


def _attach(world: Any, data: bytes, name: str = "r.pdf", who: str = "un", **kw: Any) -> Any:
    owner = Owner(arrangement=world.sa)
    kw.setdefault("kind", "expense")
    if kw["kind"] == "expense":
        kw.setdefault("key", world.expense.id)
    docs = services.attach_documents(owner, DocumentData(**kw), [Upload(io.BytesIO(data), name)],
                                     world.users[who])
    db.session.commit()
    return docs[0]


# --- types by their bytes ------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "name", "content_type"), [
    (PDF, "scan.png", "application/pdf"),
    (PNG, "photo.pdf", "image/png"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "x.jpg", "image/jpeg"),
    (b"II*\x00\x08\x00\x00\x00", "x.tif", "image/tiff"),
    (docx(), "letter.docx", sniff.DOCX.content_type),
    (b"date;amount\n2025-02-03;100.00\n", "costs.csv", "text/csv"),
    ("Reçu n° 12, payé en espèces\n".encode(), "note.txt", "text/plain"),
    (EML, "advice.eml", "message/rfc822"),
])
def test_accepted_types_are_decided_by_the_bytes(data: bytes, name: str, content_type: str
                                                  ) -> None:
    assert sniff.detect(io.BytesIO(data), name).content_type == content_type


@pytest.mark.parametrize(("data", "name", "reason"), [
    (PE, "invoice.pdf", "program"),
    (HTML, "photo.png", "markup"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>x</script></svg>", "a.txt", "markup"),
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "a.gif", "accepts"),
    (b"\xc3\x28 latin", "a.txt", "not of an accepted type"),
    (b"PK\x03\x04" + b"\x00" * 30, "a.docx", "zip"),
    (b"\x00\x01\x02binary", "a.txt", "binary"),
    (b"", "empty.pdf", "empty"),
])
def test_other_types_are_refused_with_the_reason(data: bytes, name: str, reason: str) -> None:
    with pytest.raises(sniff.TypeRefused, match=reason):
        sniff.detect(io.BytesIO(data), name)


def test_a_zip_bomb_in_a_docx_is_refused(world: Any, clients: dict[str, Any]) -> None:
    response = upload(clients["un"], world.sa.reference, zip_bomb_docx(), "report.docx")
    assert response.status_code == 422
    assert "zip bomb" in response.get_json()["errors"][0]["message"]
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0


def test_an_executable_renamed_pdf_and_html_renamed_png_are_refused_by_the_api(
        world: Any, clients: dict[str, Any]) -> None:
    for data, name in ((PE, "invoice.pdf"), (HTML, "photo.png")):
        response = upload(clients["un"], world.sa.reference, data, name)
        assert response.status_code == 422, name
        error = response.get_json()["errors"][0]
        assert error["field"] == "file" and error["message"].startswith(name)
    assert db.session.scalar(select(func.count()).select_from(DocumentBlob)) == 0


def test_the_type_served_is_the_one_found_and_the_name_is_made_safe(world: Any) -> None:
    d = _attach(world, PDF, "../../etc/Reçu\x07 <2025>:scan.png")
    assert d.content_type == "application/pdf"
    assert d.filename == "Reçu _2025__scan.png.pdf"
    assert services.safe_filename("...") == "document"
    assert services.safe_filename("C:\\Users\\x\\facture.pdf") == "facture.pdf"
    assert len(services.safe_filename("a" * 500 + ".pdf")) == services.FILENAME_LENGTH


# --- size caps -----------------------------------------------------------------------------------

def test_a_file_over_the_cap_is_413_and_nothing_is_stored(world: Any, app: Any,
                                                          clients: dict[str, Any]) -> None:
    app.config["DOCUMENTS_MAX_FILE_BYTES"] = 1000
    try:
        response = upload(clients["un"], world.sa.reference, PDF + b"x" * 2000)
        assert response.status_code == 413
        assert "larger than" in response.get_json()["errors"][0]["message"]
        assert upload(clients["un"], world.sa.reference, PDF).status_code == 201
    finally:
        app.config["DOCUMENTS_MAX_FILE_BYTES"] = services.MAX_FILE_BYTES
    assert db.session.scalar(select(func.count()).select_from(Document)) == 1


def test_a_request_over_the_request_cap_is_413(world: Any, app: Any,
                                               clients: dict[str, Any]) -> None:
    app.config["DOCUMENTS_MAX_REQUEST_BYTES"] = 5000
    try:
        response = upload(clients["un"], world.sa.reference, PDF + b"x" * 6000)
        assert response.status_code == 413
    finally:
        app.config["DOCUMENTS_MAX_REQUEST_BYTES"] = services.MAX_REQUEST_BYTES


def test_an_upload_may_exceed_the_apps_general_request_cap(world: Any, app: Any,
                                                           clients: dict[str, Any]) -> None:
    """MAX_CONTENT_LENGTH (16 MiB) bounds every other request; a 17 MB document passes."""
    data = PDF + b"0" * 17_000_000
    response = upload(clients["un"], world.sa.reference, data)
    assert response.status_code == 201, response.get_data(as_text=True)[:300]
    assert response.get_json()["size"] == len(data)
    assert clients["un"].post("/api/v1/projects", data=b"{" + b" " * 17_000_000 + b"}",
                              content_type="application/json").status_code == 413


# --- storage -------------------------------------------------------------------------------------

def test_bytes_are_stored_in_chunks_once_and_read_back(world: Any) -> None:
    data = PDF + bytes(range(256)) * 10_000  # 2.5 MiB: three chunks
    first = _attach(world, data, "a.pdf")
    second = _attach(world, data, "b.pdf", who="interpol", kind="arrangement")
    assert first.sha256 == second.sha256 and first.id != second.id
    assert db.session.scalar(select(func.count()).select_from(DocumentBlob)) == 1
    chunks = db.session.scalars(select(DocumentChunk).order_by(DocumentChunk.seq)).all()
    assert [len(c.data) for c in chunks] == [storage.CHUNK_BYTES, storage.CHUNK_BYTES,
                                              len(data) - 2 * storage.CHUNK_BYTES]
    assert b"".join(services.content(first, world.users["un"])) == data


def test_the_directory_backend_keeps_one_file_per_blob(world: Any, app: Any, tmp_path: Any
                                                       ) -> None:
    app.config["DOCUMENTS_DIR"] = str(tmp_path)
    try:
        d = _attach(world, PDF, "a.pdf")
        _attach(world, PDF, "again.pdf", kind="arrangement")
        files = [p for p in tmp_path.rglob("*") if p.is_file()]
        assert [p.name for p in files] == [d.sha256] and files[0].read_bytes() == PDF
        assert db.session.scalar(select(func.count()).select_from(DocumentChunk)) == 0
        assert b"".join(services.content(d, world.users["un"])) == PDF
        assert storage.verify() == (1, [])
        files[0].write_bytes(PDF + b"tampered")
        checked, problems = storage.verify()
        assert checked == 1 and [p.sha256 for p in problems] == [d.sha256]
    finally:
        app.config["DOCUMENTS_DIR"] = ""


def test_documents_check_catches_a_blob_changed_in_the_database(world: Any, runner: Any
                                                                ) -> None:
    d = _attach(world, PDF)
    result = runner.invoke(args=["documents", "check"])
    assert result.exit_code == 0 and "checked: 1 blobs, all match" in result.output
    db.session.execute(update(DocumentChunk).where(DocumentChunk.blob_sha256 == d.sha256)
                       .values(data=PDF.replace(b"Lyon", b"Nice")))
    db.session.commit()
    result = runner.invoke(args=["documents", "check"])
    assert result.exit_code == 1
    assert f"MISMATCH {d.sha256}" in result.output


# --- versions and deletion -----------------------------------------------------------------------

def test_a_new_version_supersedes_the_old_which_stays(world: Any, clients: dict[str, Any]
                                                      ) -> None:
    first = upload(clients["un"], world.sa.reference, PDF, expense=world.expense.id,
                   label="restricted", organizations="UN").get_json()
    response = clients["un"].post(f"/api/v1/documents/{first['id']}/versions", data={
        "file": (io.BytesIO(PDF + b"v2"), "receipt-v2.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    second = response.get_json()
    assert second["version"] == 2 and second["label"] == "restricted"
    assert second["organizations"] == ["UN"] and second["attached_to"] == first["attached_to"]
    old = clients["un"].get(f"/api/v1/documents/{first['id']}").get_json()
    assert old["superseded_by"] == second["id"]
    assert clients["un"].get(f"/api/v1/documents/{first['id']}/content").data == PDF
    listed = clients["un"].get(f"/api/v1/arrangements/{world.sa.reference}/documents")
    assert [d["id"] for d in listed.get_json()] == [second["id"]]
    everything = clients["un"].get(
        f"/api/v1/arrangements/{world.sa.reference}/documents?superseded=true")
    assert [d["id"] for d in everything.get_json()] == [first["id"], second["id"]]
    again = clients["un"].post(f"/api/v1/documents/{first['id']}/versions", data={
        "file": (io.BytesIO(PDF), "x.pdf")}, content_type="multipart/form-data")
    assert again.status_code == 409
    # deleting the new version makes the old one current again
    assert clients["un"].delete(f"/api/v1/documents/{second['id']}").status_code == 204
    assert clients["un"].get(f"/api/v1/documents/{first['id']}").get_json()["superseded_by"] \
        is None


def test_delete_only_by_the_uploaders_organization_while_the_record_may_change(
        world: Any, make_arrangement: Any) -> None:
    d = _attach(world, PDF)
    with pytest.raises(Forbidden):
        services.delete_document(d, world.users["interpol"])
    # the signed text of a signed arrangement stays
    signed = _attach(world, PDF + b"signed", kind="arrangement")
    with pytest.raises(Conflict, match="signed"):
        services.delete_document(signed, world.users["un"])
    services.delete_document(d, world.users["un"])
    db.session.commit()
    assert db.session.get(Document, d.id) is None
    # the bytes stay while another document names them, and go with the last one
    assert db.session.get(DocumentBlob, signed.sha256) is not None
    assert db.session.get(DocumentBlob, d.sha256) is None


def test_a_draft_arrangements_text_may_be_deleted_until_it_is_signed(
        world: Any, make_arrangement: Any) -> None:
    from jointprojects.special_arrangements import services as sa_services

    draft = make_arrangement(signed=False, reference="SA-DRAFT")
    owner = Owner(arrangement=draft)
    un = world.users["un"]
    d1, d2 = (services.attach_documents(owner, DocumentData(), [
        Upload(io.BytesIO(PDF + bytes([i])), "text.pdf")], un)[0] for i in (1, 2))
    services.delete_document(d1, un)
    sa_services.sign(draft, "UN", date(2025, 1, 1), world.users["admin"])
    sa_services.sign(draft, "INTERPOL", date(2025, 1, 1), world.users["admin"])
    with pytest.raises(Conflict, match="signed"):
        services.delete_document(d2, un)


def test_an_amendments_documents_stay_once_it_is_in_force(world: Any) -> None:
    admin = world.users["admin"]
    version = amendments.propose_amendment(world.sa, date(2025, 3, 1), [
        ShareData("UN", "50"), ShareData("INTERPOL", "50")], [], "Even split", admin)
    db.session.commit()
    d = _attach(world, PDF + b"consent", kind="amendment", key=version.amendment_number)
    for org in ("UN", "INTERPOL"):
        amendments.consent(world.sa, version, org, date(2025, 2, 20), admin)
    db.session.commit()
    with pytest.raises(Conflict, match="in force"):
        services.delete_document(d, world.users["un"])


def test_a_deleted_expense_leaves_its_receipt_pointing_at_nothing(world: Any) -> None:
    from jointprojects.expenses import recording

    e = expense(world.sa, world.users["un"], "5.00")
    d = _attach(world, PDF, key=e.id)
    recording.delete_expense(e, None, world.users["un"])
    db.session.commit()
    db.session.expire_all()
    d = db.session.get(Document, d.id)
    assert d is not None and d.expense_id is None and d.record_key == e.id
    with pytest.raises(Conflict, match="deleted"):
        services.delete_document(d, world.users["un"])


def test_unknown_records_are_refused(world: Any) -> None:
    with pytest.raises(DomainError, match="no expense 999"):
        _attach(world, PDF, key=999)
    with pytest.raises(DomainError, match="no amendment"):
        _attach(world, PDF, kind="amendment", key=7)
    with pytest.raises(DomainError, match="No notice"):
        _attach(world, PDF, kind="notice")
    # the statements feature answers for statements and payments (statements/attachments.py)
    with pytest.raises(DomainError, match="no statement 1"):
        _attach(world, PDF, kind="statement", key=1)
    with pytest.raises(DomainError, match="no payment 1"):
        _attach(world, PDF, kind="payment", key=1)


# --- the receipt rule ----------------------------------------------------------------------------

def test_the_receipt_rule_names_expenses_of_at_least_the_threshold_without_a_document(
        world: Any, clients: dict[str, Any], login: Any) -> None:
    un, sa = world.users["un"], world.sa
    small = expense(sa, un, "20.00", date(2025, 2, 4))
    late = expense(sa, un, "300.00", date(2025, 3, 10))
    assert receipts.missing_receipts(sa) == []  # no rule: receipts are optional
    receipts.set_receipt_rule(sa, "100", un)
    db.session.commit()
    assert receipts.receipt_threshold(sa) == Decimal("100")
    assert [e.id for e in receipts.missing_receipts(sa)] == [world.expense.id, late.id]
    assert [e.id for e in receipts.missing_receipts(sa, date(2025, 2, 28))] == [world.expense.id]
    assert small.id not in {e.id for e in receipts.missing_receipts(sa)}
    # a receipt restricted to UN counts for the statement check, not on INTERPOL's pages
    _attach(world, PDF, label="restricted", organizations=["UN"])
    assert [e.id for e in receipts.missing_receipts(sa)] == [late.id]
    interpol = world.users["interpol"]
    assert [e.id for e in receipts.missing_receipts(sa, viewer=interpol)] == [
        world.expense.id, late.id]
    assert receipts.count_missing_receipts(un) == 1
    assert receipts.count_missing_receipts(world.users["third"]) == 0
    web = login(un)
    assert "Receipt missing" in web.get(f"/expenses/{late.id}").get_data(as_text=True)
    assert "Receipt missing" not in web.get(f"/expenses/{small.id}").get_data(as_text=True)
    html = web.get(f"/documents/arrangements/{sa.reference}?missing=1").get_data(as_text=True)
    assert f"#{late.id}" in html and f"#{small.id}<" not in html
    with pytest.raises(DomainError, match="threshold"):
        receipts.set_receipt_rule(sa, "-5", un)
    receipts.set_receipt_rule(sa, "", un)
    assert receipts.missing_receipts(sa) == []


def test_missing_receipts_are_marked_on_the_expense_list_and_counted_on_the_dashboard(
        world: Any, login: Any) -> None:
    un = world.users["un"]
    receipts.set_receipt_rule(world.sa, "50", un)
    db.session.commit()
    web = login(un)
    listing = web.get(f"/expenses/arrangements/{world.sa.reference}").get_data(as_text=True)
    assert listing.count("data-missing-receipt") == 1
    assert 'data-missing-receipts="1"' in web.get("/").get_data(as_text=True)
    _attach(world, PDF)
    listing = web.get(f"/expenses/arrangements/{world.sa.reference}").get_data(as_text=True)
    assert "data-missing-receipt" not in listing
    assert "data-missing-receipts" not in web.get("/").get_data(as_text=True)


def test_a_draft_arrangement_with_documents_can_still_be_deleted(world: Any,
                                                                make_arrangement: Any) -> None:
    from jointprojects.special_arrangements import services as sa_services

    draft = make_arrangement(signed=False, reference="SA-GONE")
    d = services.attach_documents(Owner(arrangement=draft), DocumentData(), [
        Upload(io.BytesIO(PDF), "draft.pdf")], world.users["un"])[0]
    db.session.commit()
    document_id = d.id
    sa_services.delete_arrangement(draft, world.users["un"])
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Document, document_id) is None


def test_a_record_key_no_column_could_hold_is_unknown(world: Any, clients: dict[str, Any]
                                                      ) -> None:
    for field in ("expense", "statement", "signature"):
        response = upload(clients["un"], world.sa.reference, PDF, **{field: 2**40})
        assert response.status_code == 404, (field, response.get_json())
        assert response.get_json()["errors"][0]["field"] == field
