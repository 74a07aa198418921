"""Workbooks in French (issue 17): the cost report in the reader's language keeps its
figures; LibreOffice, recalculating the French workbook, finds the totals to the cent."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from io import BytesIO

import openpyxl
from babel.support import Translations

from reports.cost_split import build_cost_split
from tests.i18n.conftest import TRANSLATIONS
from tests.reports.test_reports_libreoffice import _exact, _rows_by_label


def _french() -> Translations:
    return Translations.load(str(TRANSLATIONS), ["fr"], "messages")


def test_the_french_cost_report_speaks_french_and_records_its_language(make_report) -> None:
    report = replace(make_report(), language="fr", translate=_french().gettext)
    book = openpyxl.load_workbook(BytesIO(build_cost_split(report)))
    assert book.sheetnames[:4] == ["Synthèse", "Dépenses", "Par catégorie", "Par mois"]
    assert "À propos" in book.sheetnames and "Summary" not in book.sheetnames
    assert book.properties.language == "fr"
    summary = _rows_by_label(book["Synthèse"].iter_rows(values_only=True))
    assert "Total des dépenses" in summary and "Devise de compte" in summary
    assert summary["Période"][1] == "du 1 janvier 2024 au 31 décembre 2024"
    header = next(book["Dépenses"].iter_rows(max_row=1, values_only=True))
    assert header[:4] == ("Dépense", "Date", "Catégorie", "Description")
    # the section titles, the document's title and subject, and every printed page's header
    cells = {c for row in book["Synthèse"].iter_rows(values_only=True) for c in row
             if isinstance(c, str)}
    assert any(c.startswith("Règlement (règle 7), en ") for c in cells), sorted(cells)
    assert any(c.startswith("Quotes-parts, paiements et soldes (") for c in cells)
    assert not any(c.startswith(("Settlement (rule 7)", "Shares, payments")) for c in cells)
    assert book.properties.title.startswith("Répartition des coûts : ")
    assert book.properties.subject.startswith("Répartition des coûts de ")
    footer = book["Dépenses"].oddHeader.center.text + book["Dépenses"].oddFooter.left.text + \
        book["Dépenses"].oddFooter.right.text + book["Dépenses"].oddHeader.right.text
    assert "Période : " in footer and "Généré le " in footer, footer
    english = openpyxl.load_workbook(BytesIO(build_cost_split(make_report())))
    assert english.properties.subject.startswith("Cost split of ")
    assert english.sheetnames[:2] == ["Summary", "Expenses"]
    assert english.properties.language == "en"


def test_libreoffice_recalculates_the_french_cost_report_to_the_cent(make_report,
                                                                      libreoffice) -> None:
    report = replace(make_report("USD"), language="fr", translate=_french().gettext)
    split = report.cost_split
    values = openpyxl.load_workbook(libreoffice(build_cost_split(report)), data_only=True)
    summary = _rows_by_label(values["Synthèse"].iter_rows(values_only=True))
    for figures in split.organizations:
        row = summary[figures.organization]
        assert tuple(_exact(v, "USD") for v in row[2:5]) == (
            figures.share, figures.paid, figures.balance)
        assert row[8] == "OK"
    assert _exact(summary["Total des dépenses"][2], "USD") == split.total
    assert _exact(summary["Non réparti"][2], "USD") == split.unallocated
    assert summary["Total"][8] == "OK"
    by_category = _rows_by_label(values["Par catégorie"].iter_rows(values_only=True))
    assert _exact(by_category["Total"][2], "USD") == split.total
    assert split.total != Decimal(0)


def test_the_portfolio_workbook_downloads_in_the_language_asked_for(app, client) -> None:
    """``?lang=fr`` on the download: French sheets and labels, the language recorded;
    without it the reader's language (here an English browser)."""
    from jointprojects.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
    from jointprojects.extensions import db
    from tests.conftest import csrf_from

    load_demo()
    db.session.commit()
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"csrf_token": csrf_from(page), "email": DEMO_USERS[5][0],
                                "password": DEMO_PASSWORD})
    french = client.get("/portfolio.xlsx?lang=fr")
    assert french.status_code == 200
    book = openpyxl.load_workbook(BytesIO(french.data))
    assert book.properties.language == "fr"
    assert "Par domaine" in book.sheetnames and "Projets" in book.sheetnames
    english = openpyxl.load_workbook(BytesIO(client.get("/portfolio.xlsx").data))
    assert english.properties.language == "en"
    assert "By area" in english.sheetnames
