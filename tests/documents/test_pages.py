"""The Documents section of the record pages, uploads of several files at once from a page,
downloads (attachment, nosniff, no-store, strict CSP), the document's page."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

from jointprojects.documents.models import Document
from jointprojects.extensions import db
from jointprojects.personnel_exchanges import services as exchanges
from jointprojects.personnel_exchanges.services import CostData, ExchangeData
from jointprojects.special_arrangements import amendments
from jointprojects.special_arrangements.services import ShareData
from tests.auth.test_object_access import Web
from tests.conftest import csrf_from
from tests.documents.conftest import PDF, PE, PNG


def _post_files(web: Any, page: str, action: str, files: list[tuple[bytes, str]],
                **fields: Any) -> Any:
    token = csrf_from(web.get(page).get_data(as_text=True))
    data: dict[str, Any] = {"csrf_token": token, **fields,
                            "file": [(io.BytesIO(b), n) for b, n in files]}
    return web.client.post(action, data=data, content_type="multipart/form-data",
                           follow_redirects=True)


def test_several_receipts_uploaded_at_once_from_the_expense_page(world: Any, login: Any
                                                                 ) -> None:
    web = login(world.users["un"])
    page = f"/expenses/{world.expense.id}"
    html = web.get(page).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and "multiple" in html
    assert "documents.js" in html and "<script>" not in html  # no inline script
    response = _post_files(web, page, f"/documents/arrangements/{world.sa.reference}/upload",
                           [(PDF, "hotel.pdf"), (PNG, "taxi.png")], kind="expense",
                           key=str(world.expense.id), label="parties")
    html = response.get_data(as_text=True)
    assert "2 documents attached: hotel.pdf, taxi.png" in html
    assert "hotel.pdf" in html and "taxi.png" in html and "PNG image" in html
    docs = db.session.scalars(db.select(Document).order_by(Document.id)).all()
    assert [(d.record_kind, d.record_key) for d in docs] == [("expense", world.expense.id)] * 2
    assert docs[0].sha256 in html  # on demand (a <details> element)


def test_a_refused_file_among_several_stores_none(world: Any, login: Any) -> None:
    web = login(world.users["un"])
    page = f"/expenses/{world.expense.id}"
    response = _post_files(web, page, f"/documents/arrangements/{world.sa.reference}/upload",
                           [(PDF, "hotel.pdf"), (PE, "invoice.pdf")], kind="expense",
                           key=str(world.expense.id))
    assert "invoice.pdf: The file is a program" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == 0


def test_the_download_is_an_attachment_never_inline(world: Any, login: Any,
                                                    clients: dict[str, Any]) -> None:
    web = login(world.users["interpol"])
    _post_files(web, f"/arrangements/{world.sa.reference}",
                f"/documents/arrangements/{world.sa.reference}/upload",
                [(b"plain text <b>not html</b>\n", "note.html")], kind="arrangement")
    d = db.session.scalars(db.select(Document)).one()
    assert d.content_type == "text/plain" and d.filename == "note.html.txt"
    for fetch in (lambda: web.get(f"/documents/{d.id}/content"),
                  lambda: clients["un"].get(f"/api/v1/documents/{d.id}/content")):
        response = fetch()
        body = response.data
        assert response.status_code == 200
        assert response.headers["Content-Disposition"] == "attachment; filename=note.html.txt"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response.headers["Cache-Control"]
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert response.mimetype == "text/plain"
        assert body.startswith(b"plain text")


def test_the_document_page_shows_versions_label_and_the_hash(world: Any, login: Any,
                                                             app: Any) -> None:
    web = login(world.users["un"])
    _post_files(web, f"/expenses/{world.expense.id}",
                f"/documents/arrangements/{world.sa.reference}/upload", [(PDF, "r.pdf")],
                kind="expense", key=str(world.expense.id), title="Hotel receipt")
    d = db.session.scalars(db.select(Document)).one()
    page = f"/documents/{d.id}"
    html = web.get(page).get_data(as_text=True)
    assert "Hotel receipt" in html and d.sha256 in html and "Change the label" in html
    _post_files(web, page, f"/documents/{d.id}/versions", [(PDF + b"2", "r2.pdf")])
    new = db.session.scalars(db.select(Document).where(Document.id != d.id)).one()
    assert new.version == 2
    html = web.get(f"/documents/{new.id}").get_data(as_text=True)
    assert "Versions" in html and "superseded" in html
    response = web.post_form(f"/documents/{new.id}/label", {
        "label": "restricted", "organizations": "UN", "reason": "bank details"},
        page=f"/documents/{new.id}", follow_redirects=True)
    assert "changed to restricted" in response.get_data(as_text=True)
    assert re.search(r"Restricted: UN", web.get(f"/documents/{new.id}").get_data(as_text=True))
    interpol = Web(app, world.users["interpol"])
    assert interpol.open("GET", f"/documents/{new.id}").status_code == 404


def test_the_arrangement_exchange_and_amendment_pages_have_their_sections(
        world: Any, login: Any, app: Any) -> None:
    admin = world.users["admin"]
    x = exchanges.create_exchange(ExchangeData(
        staff_id="UN-7", person_name="Amina Diallo", home_organization="UN",
        host_organization="INTERPOL", position="Liaison officer", duty_station="Lyon",
        start_date=date(2030, 3, 1), end_date=date(2030, 8, 31),
        costs=[CostData("salary", "UN", "60000", "USD")]), admin)
    version = amendments.propose_amendment(world.sa, date(2025, 3, 1), [
        ShareData("UN", "50"), ShareData("INTERPOL", "50")], [], "Even split", admin)
    db.session.commit()
    web = login(world.users["interpol pm"])
    for url in (f"/arrangements/{world.sa.reference}", f"/personnel-exchanges/{x.id}",
                f"/documents/arrangements/{world.sa.reference}",
                f"/arrangements/{world.sa.reference}/amendments/{version.amendment_number}"):
        html = web.get(url).get_data(as_text=True)
        assert "data-documents-section" in html, url
    response = _post_files(web, f"/personnel-exchanges/{x.id}",
                           f"/documents/personnel-exchanges/{x.id}/upload",
                           [(PDF, "secondment-letter.pdf")])
    assert "secondment-letter.pdf" in response.get_data(as_text=True)
    d = db.session.scalars(db.select(Document)).one()
    assert d.exchange_id == x.id and d.arrangement_id is None
    assert Web(app, world.users["third"]).open("GET", f"/documents/{d.id}").status_code == 404
    assert Web(app, world.users["un"]).open("GET", f"/documents/{d.id}").status_code == 200
