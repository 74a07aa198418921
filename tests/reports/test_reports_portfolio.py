"""The leadership portfolio workbook."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest

from reports.data import (
    ArrangementSummary,
    Party,
    PersonnelExchangeRow,
    PortfolioData,
    ProjectRow,
)
from reports.portfolio import area_totals, build_portfolio
from tests.libreoffice import header_clear_of_first_row, is_a4, pdf_metadata, pdf_pages, sheet_of


@pytest.fixture
def portfolio() -> PortfolioData:
    return PortfolioData(
        projects=(
            ProjectRow("P-1", "=Border management", "active", ("a", "c"), "UN",
                       date(2024, 1, 1)),
            ProjectRow("P-2", "Databases", "active", ("f",), "INTERPOL", date(2024, 2, 1),
                       date(2026, 1, 31)),
        ),
        arrangements=(
            ArrangementSummary("SA-1", "P-1", "joint_action", "in_force", "USD",
                               Decimal("1000.10"), {"UN": Decimal("600.06"),
                                                    "INTERPOL": Decimal("400.04")},
                               Decimal("5000.00"), title="+Training"),
            ArrangementSummary("SA-2", "P-1", "personnel", "in_force", "JPY", Decimal("150000"),
                               {"UN": Decimal("75000"), "INTERPOL": Decimal("75000")},
                               None, date(2025, 2, 28), title="Exchange"),
            ArrangementSummary("SA-3", "P-2", "technical_cooperation", "draft", "KWD",
                               Decimal("12.345"), {"INTERPOL": Decimal("12.345")},
                               Decimal("100.000")),
            ArrangementSummary("SA-4", "P-2", "supplementary", "in_force", "USD",
                               Decimal("99.90"), {"UN": Decimal("49.95"),
                                                  "INTERPOL": Decimal("49.95")},
                               Decimal("100.00"), date(2025, 3, 31)),
        ),
        personnel=(
            PersonnelExchangeRow("@J. Doe", "UN", "INTERPOL", "Analyst", date(2024, 1, 1),
                                 date(2025, 6, 30), "active", "SA-2",
                                 (("EUR", Decimal("5000.00")), ("EUR", Decimal("0.50")),
                                  ("JPY", Decimal("1000")))),
        ),
        organizations=(Party("UN", "United Nations"),
                       Party("INTERPOL", "International Criminal Police Organization")),
        generated_at=datetime(2025, 1, 1, tzinfo=UTC),
        generated_by="-leadership",
    )


def test_sheets_and_headers(portfolio) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(build_portfolio(portfolio)))
    assert wb.sheetnames == ["Projects", "Arrangements", "By area", "Personnel", "About"]
    ws = wb["Projects"]
    assert [c.value for c in ws[1]] == ["Code", "Title", "Status",
                                        "Areas of cooperation (Art. 1)", "Lead", "Start", "End"]
    assert ws["B2"].value == "=Border management" and ws["B2"].quotePrefix
    # The areas named as on the pages, one a line.
    assert ws["D2"].value == ("(a) National and transnational crime\n"
                              "(c) Organized crime, trafficking and environmental crime")
    assert ws.row_dimensions[2].height >= 2 * 12
    assert ws.freeze_panes == "A2"
    ws = wb["Arrangements"]
    header = [c.value for c in ws[1]]
    assert header == ["Reference", "Title", "Project", "Kind", "Article", "Status", "Currency",
                      "Budget", "Spend", "Remaining", "UN share", "INTERPOL share",
                      "Unallocated", "Under notice: ends"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2, max_row=5)}
    assert rows["SA-1"][1].value == "+Training" and rows["SA-1"][1].quotePrefix
    assert rows["SA-1"][4].value == "Art. 5"
    # Labels, not codes.
    assert (rows["SA-1"][3].value, rows["SA-1"][5].value) == ("Joint action", "In force")
    assert rows["SA-2"][3].value == "Exchange of personnel"
    assert rows["SA-2"][4].value == "Art. 8"
    assert rows["SA-1"][8].number_format == "#,##0.00"
    assert rows["SA-2"][8].number_format == "#,##0"
    assert rows["SA-3"][8].number_format == "#,##0.000"
    assert rows["SA-3"][10].value == 0  # no UN share: an explicit zero
    assert rows["SA-2"][7].value is None  # no budget
    assert rows["SA-2"][13].value.date() == date(2025, 2, 28)
    assert rows["SA-1"][13].value is None
    assert rows["SA-1"][9].value == '=IF(H2="","",ROUND(H2-I2,2))'
    totals = {r[0].value: r for r in ws.iter_rows(min_row=7) if r[0].value in
              ("USD", "JPY", "KWD")}
    assert set(totals) == {"USD", "JPY", "KWD"}
    usd = totals["USD"]
    assert usd[1].value.startswith("=COUNTIFS($G$2:$G$5")
    assert usd[8].value.startswith("=ROUND(SUMIFS($I$2:$I$5,$G$2:$G$5")
    # A chart per currency (amounts of two currencies never share an axis), each drawing
    # its own currency's totals row.
    charts = ws._charts
    assert len(charts) == 3
    titles = ["".join(run.t for p in c.title.tx.rich.p for run in (p.r or []))
              for c in charts]
    assert [t.rsplit("(", 1)[1] for t in titles] == ["JPY)", "KWD)", "USD)"]
    refs = [c.series[0].val.numRef.f for c in charts]
    for ref, currency in zip(refs, ("JPY", "KWD", "USD"), strict=True):
        row = totals[currency][0].row
        assert ref == f"'Arrangements'!$H${row}:$L${row}"


def test_by_area_and_personnel(portfolio) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(build_portfolio(portfolio)))
    ws = wb["By area"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [
        ("(a)", "JPY", 1, 1), ("(a)", "USD", 1, 1), ("(c)", "JPY", 1, 1), ("(c)", "USD", 1, 1),
        ("(f)", "KWD", 1, 1), ("(f)", "USD", 1, 1)]
    assert "transnational" in rows[0][1].lower()
    ws = wb["Personnel"]
    assert [c.value for c in ws[1]][-2:] == ["Costs (EUR)", "Costs (JPY)"]
    assert ws["A2"].value == "@J. Doe" and ws["A2"].quotePrefix
    assert ws["I2"].value == pytest.approx(5000.5) and ws["I2"].number_format == "#,##0.00"
    about = {r[0].value: r[1].value for r in wb["About"].iter_rows() if r[0].value}
    assert about["Generated by"] == "-leadership"


def test_area_totals_count_an_arrangement_in_each_area(portfolio) -> None:
    totals = {(t.area, t.currency): t for t in area_totals(portfolio)}
    assert totals[("a", "USD")].spend == Decimal("1000.10")
    assert totals[("c", "USD")].spend == Decimal("1000.10")
    assert totals[("f", "USD")].spend == Decimal("99.90")
    assert totals[("f", "USD")].budget == Decimal("100.00")
    assert totals[("a", "JPY")].budget is None


def test_no_personnel_sheet_without_exchanges(portfolio) -> None:
    data = PortfolioData(portfolio.projects, portfolio.arrangements)
    wb = openpyxl.load_workbook(io.BytesIO(build_portfolio(data)))
    assert "Personnel" not in wb.sheetnames
    # Parties come from the shares when no organization is listed.
    assert [c.value for c in wb["Arrangements"][1]][10:12] == ["INTERPOL share", "UN share"]


def test_libreoffice_totals_per_currency(portfolio, libreoffice) -> None:
    values = openpyxl.load_workbook(libreoffice(build_portfolio(portfolio)), data_only=True)
    ws = values["Arrangements"]
    totals = {r[0]: r for r in ws.iter_rows(min_row=7, values_only=True)
              if r[0] in ("USD", "JPY", "KWD")}
    assert totals["USD"][1] == 2 and totals["USD"][2] == 1
    assert Decimal(repr(totals["USD"][8])).quantize(Decimal("0.01")) == Decimal("1100.00")
    assert Decimal(repr(totals["USD"][7])).quantize(Decimal("0.01")) == Decimal("5100.00")
    assert Decimal(repr(totals["KWD"][8])).quantize(Decimal("0.001")) == Decimal("12.345")
    assert totals["JPY"][2] == 1
    assert ws["J3"].value in ("", None)  # no budget, no remaining
    assert ws["J2"].value == pytest.approx(3999.90)


def test_personnel_totals_per_currency_leave_cancelled_exchanges_out(portfolio,
                                                                     libreoffice) -> None:
    cancelled = PersonnelExchangeRow("R. Roe", "INTERPOL", "UN", "Officer", date(2024, 2, 1),
                                     date(2024, 8, 31), "cancelled", "",
                                     (("EUR", Decimal("700.00")),))
    other = PersonnelExchangeRow("A. Poe", "INTERPOL", "UN", "Officer", date(2024, 2, 1),
                                 date(2024, 8, 31), "completed", "",
                                 (("EUR", Decimal("0.25")),))
    data = PortfolioData(portfolio.projects, portfolio.arrangements,
                         personnel=(*portfolio.personnel, cancelled, other))
    values = openpyxl.load_workbook(libreoffice(build_portfolio(data)), data_only=True)
    rows = [[c.value for c in r] for r in values["Personnel"].iter_rows()]
    total = next(r for r in rows if r[0] == "Total, cancelled exchanges left out")
    assert rows[0][8:10] == ["Costs (EUR)", "Costs (JPY)"]
    assert [Decimal(str(v)) for v in total[8:10]] == [Decimal("5000.75"), Decimal("1000")]
    assert rows[2][6] == "Cancelled"  # still listed, with its status (its label)


def test_the_portfolio_prints_on_a4_with_page_numbers_and_clear_headers(portfolio,
                                                                        libreoffice) -> None:
    """Printed by LibreOffice: A4 pages, the header (portfolio, sheet, classification) and
    "Page x of y" on each, the wrapped headers above the first row, the document's
    properties."""
    data = build_portfolio(portfolio)
    pdf = libreoffice(data, "pdf")
    pages = pdf_pages(pdf)
    assert pages and all(is_a4(page) for page in pages)
    for number, page in enumerate(pages, 1):
        text = page.extract_text()
        assert f"Page {number} of {len(pages)}" in text
        assert "Portfolio of joint projects" in text
        assert "Confidential \u2014 parties only" in text
    sheets = [sheet_of(page) for page in pages]
    wb = openpyxl.load_workbook(io.BytesIO(data))
    page = pages[sheets.index("Arrangements")]
    assert header_clear_of_first_row(page, [c.value for c in wb["Arrangements"][1]],
                                     "SA-1") == []
    meta = pdf_metadata(pdf)
    assert meta["/Title"] == "Portfolio of joint projects"
    assert meta["/Author"] == "jointprojects"
