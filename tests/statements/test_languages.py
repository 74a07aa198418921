"""A statement in English, French or both (issue 17 item 2): two files, two SHA-256, one
statement. Each language's workbook is frozen with its own SHA-256 and says its language
(a cell of the front sheet and the document's properties); the French one is French
throughout and its figures are the English one's to the cent; the API lists both and serves
each by ``?lang=``; the page offers both."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from jointprojects.errors import DomainError, NotFound
from jointprojects.extensions import db
from jointprojects.statements import services
from jointprojects.statements.models import Statement, StatementWorkbook
from tests.statements.test_pages import _browser

D = Decimal
Q1 = date(2025, 3, 31)
FIGURES = ("opening_balance", "share", "paid", "balance", "payments_made",
           "payments_received", "closing_balance")


def _issue(sa, user, languages=None):
    st = services.issue_statement(sa, Q1, None, user, languages=languages)
    db.session.commit()
    return st


def _book(content: bytes, **kw) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content), **kw)


def _labelled(ws) -> dict:
    """The rows of a sheet by their first cell (the first row of each label)."""
    rows: dict = {}
    for r in ws.iter_rows(values_only=True):
        if r and r[0] is not None:
            rows.setdefault(r[0], r)
    return rows


def test_issued_in_both_languages_two_files_two_digests_one_statement(quarter, finance):
    st = _issue(quarter, finance)  # the default: English and French
    assert st.languages == "en,fr" and st.language_list == ["en", "fr"]
    english, french = services.workbook_of(st, "en"), services.workbook_of(st, "fr")
    assert services.workbook_of(st).language == "en"  # the first language's by default
    assert st.sha256 == english.sha256 == hashlib.sha256(english.content).hexdigest()
    assert french.sha256 == hashlib.sha256(french.content).hexdigest() != st.sha256
    assert (english.filename, french.filename) == ("statement-SA-Q-1.xlsx",
                                                  "statement-SA-Q-1-fr.xlsx")
    assert st.workbook_digests() == {"en": english.sha256, "fr": french.sha256}

    en, fr = _book(english.content), _book(french.content)
    assert en.properties.language == "en" and fr.properties.language == "fr"
    assert fr.properties.title.startswith("Relevé 1 de SA-Q: ")
    assert en.properties.title.startswith("Statement 1 of SA-Q: ")
    assert en.sheetnames[:3] == ["Statement", "Adjustments of closed periods", "Summary"]
    assert fr.sheetnames[:3] == ["Relevé", "Ajustements des périodes closes", "Synthèse"]
    assert "Dépenses" in fr.sheetnames and "Expenses" not in fr.sheetnames
    en_rows, fr_rows = _labelled(en["Statement"]), _labelled(fr["Relevé"])
    assert en_rows["Language"][1:3] == ("English", "en")
    assert en_rows["Also issued in"][1] == "French"
    assert fr_rows["Langue"][1:3] == ("français", "fr")
    assert fr_rows["Également émis en"][1] == "anglais"
    assert fr_rows["Relevé 1 de SA-Q"] and fr_rows["Période"][2] == "au"
    header = next(r for r in fr["Relevé"].iter_rows(values_only=True)
                  if r and r[0] == "Organisation")
    assert header[2:5] == ("Solde d'ouverture", "Quote-part", "Payé")
    # the same figures in both, to the cent, and the same dates as dates
    for code in ("UN", "INTERPOL"):
        assert en_rows[code][2:9] == fr_rows[code][2:9]  # figures and formulas alike
    assert en_rows["Period"][1] == fr_rows["Période"][1]  # a date cell in both
    assert en_rows["Period"][1].date() == date(2025, 1, 1)


def test_issued_in_one_language_only(quarter, finance):
    st = _issue(quarter, finance, "fr")
    assert st.languages == "fr"
    french = services.workbook_of(st)
    assert french.language == "fr" and st.sha256 == french.sha256
    assert _book(french.content).sheetnames[0] == "Relevé"
    with pytest.raises(NotFound) as error:
        services.workbook_of(st, "en")
    assert str(error.value) == ("Statement 1 was not issued in English: its workbook is in "
                                "French (lang=fr).")
    assert db.session.scalar(db.select(db.func.count()).select_from(StatementWorkbook)) == 1


def test_an_unknown_language_is_refused_and_nothing_is_issued(quarter, finance):
    for wrong in ("de", "en,en", ["en", "xx"]):
        with pytest.raises(DomainError) as error:
            services.issue_statement(quarter, Q1, None, finance, languages=wrong)
        assert error.value.errors[0].field == "languages"
        db.session.rollback()
    assert db.session.scalar(db.select(Statement)) is None


def test_the_api_lists_each_workbook_and_serves_it_by_language(quarter, finance, api):
    client = api("finance", "UN")
    body = client.post("/api/v1/arrangements/SA-Q/statements",
                       {"to": "2025-03-31", "languages": ["en", "fr"]}).get_json()
    assert body["languages"] == ["en", "fr"]
    workbooks = {w["language"]: w for w in body["workbooks"]}
    assert set(workbooks) == {"en", "fr"} and body["sha256"] == workbooks["en"]["sha256"]
    assert workbooks["fr"]["url"] == "/api/v1/arrangements/SA-Q/statements/1.xlsx?lang=fr"
    reader = api("finance", "INTERPOL")
    for code, listed in workbooks.items():
        first, second = reader.get(listed["url"]), reader.get(listed["url"])
        assert first.status_code == 200 and first.headers["Content-Language"] == code
        assert first.data == second.data
        assert hashlib.sha256(first.data).hexdigest() == listed["sha256"] == \
            first.headers["X-Content-SHA256"]
        assert _book(first.data).properties.language == code
    default = reader.get("/api/v1/arrangements/SA-Q/statements/1.xlsx")
    assert hashlib.sha256(default.data).hexdigest() == body["sha256"]
    shown = reader.get("/api/v1/arrangements/SA-Q/statements/1").get_json()
    assert shown["workbooks"] == body["workbooks"]
    wrong = client.post("/api/v1/arrangements/SA-Q/statements",
                        {"to": "2025-03-31", "languages": ["de"]})
    assert wrong.status_code == 422
    assert wrong.get_json()["errors"][0]["field"] == "languages"


def test_a_language_it_was_not_issued_in_is_a_404_with_a_clear_message(quarter, api):
    client = api("finance", "UN")
    assert client.post("/api/v1/arrangements/SA-Q/statements",
                       {"to": "2025-03-31", "languages": ["en"]}).status_code == 201
    missing = client.get("/api/v1/arrangements/SA-Q/statements/1.xlsx?lang=fr")
    assert missing.status_code == 404
    message = missing.get_json()["errors"][0]["message"]
    # ?lang=fr asks for French: the message is French too
    assert message == ("Le relevé 1 n'a pas été émis en français : son classeur est en "
                       "anglais (lang=en)."), message
    assert client.get("/api/v1/arrangements/SA-Q/statements/1.xlsx").status_code == 200
    other = client.get("/api/v1/arrangements/SA-Q/statements/1.xlsx?lang=de")
    assert other.status_code == 404
    assert "was not issued in 'de'" in other.get_json()["errors"][0]["message"]


def test_libreoffice_recalculates_both_workbooks_to_the_same_cent(quarter, finance,
                                                                   libreoffice):
    st = _issue(quarter, finance)
    totals = {}
    for code, sheet, summary, label in (("en", "Statement", "Summary", "Expenses total"),
                                        ("fr", "Relevé", "Synthèse", "Total des dépenses")):
        book = _book(libreoffice(services.workbook_of(st, code).content).read_bytes(),
                     data_only=True)
        rows = _labelled(book[sheet])
        figures = {}
        for line in st.parties:
            got = [D(str(v)).quantize(D("0.01")) for v in rows[line.organization.code][2:9]]
            assert got == [getattr(line, name) for name in FIGURES]
            figures[line.organization.code] = got
        figures["Total"] = [D(str(v)).quantize(D("0.01")) for v in rows["Total"][2:9]]
        figures["expenses"] = D(str(_labelled(book[summary])[label][2])).quantize(D("0.01"))
        totals[code] = figures
    assert totals["en"] == totals["fr"]
    assert totals["fr"]["Total"][6] == sum(p.closing_balance for p in st.parties)
    assert totals["fr"]["expenses"] == D("1200.00")


def test_the_page_offers_both_downloads_and_the_issue_form_the_languages(app, quarter,
                                                                         finance):
    web = _browser(app, finance)
    form = web.get("/arrangements/SA-Q").get_data(as_text=True)
    assert 'name="languages"' in form and '<option selected value="en,fr">' in form
    r = web.post_form("/statements/arrangements/SA-Q/issue",
                      {"to": "2025-03-31", "confirm": "y", "languages": "fr"},
                      page="/arrangements/SA-Q")
    assert r.status_code == 302
    st = db.session.scalar(db.select(Statement))
    assert st.languages == "fr"
    html = web.get("/statements/arrangements/SA-Q/1").get_data(as_text=True)
    assert "Download the workbook in French (.xlsx)" in html
    assert "Download the workbook in English" not in html
    blob = web.get("/statements/arrangements/SA-Q/1.xlsx?lang=fr")
    assert hashlib.sha256(blob.data).hexdigest() == st.sha256
    assert web.get("/statements/arrangements/SA-Q/1.xlsx?lang=en").status_code == 404


def test_the_statement_page_in_french_offers_both_workbooks(app, quarter, finance):
    st = _issue(quarter, finance)
    web = _browser(app, finance)
    html = web.get("/statements/arrangements/SA-Q/1?lang=fr").get_data(as_text=True)
    assert "Télécharger le classeur en anglais (.xlsx)" in html
    assert "Télécharger le classeur en français (.xlsx)" in html
    assert "SHA-256 du classeur en français" in html
    french = services.workbook_of(st, "fr")
    assert french.sha256 in html and st.sha256 in html
    assert "/statements/arrangements/SA-Q/1.xlsx?lang=fr" in html
    form = web.get("/arrangements/SA-Q?lang=fr").get_data(as_text=True)
    assert "Langues du classeur" in form and "Anglais et français" in form


def test_the_command_line_issues_in_the_languages_asked(quarter, runner):
    result = runner.invoke(args=["statement", "issue", "SA-Q", "--to", "2025-03-31",
                                 "--languages", "fr"])
    assert result.exit_code == 0, result.output
    st = services.get_statement(quarter, 1)
    assert st.languages == "fr" and f"sha256 {st.sha256}" in result.output
    bad = runner.invoke(args=["statement", "issue", "SA-Q", "--to", "2025-03-31",
                              "--languages", "de"])
    assert bad.exit_code == 1 and "languages" in bad.output
