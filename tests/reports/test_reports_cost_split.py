"""The cost-split workbook's structure: sheets, headers, formats, formulas, print set-up."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest

from reports.cost_split import build_cost_split, expense_columns, write_cost_split
from reports.data import BudgetLine, DocumentRef, ExpenseLine
from reports.sheets import RowWriter, page_capacity


def _load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _find(ws, value: str) -> int:
    """Row number of the first row whose column A holds ``value``."""
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value == value:
            return row[0].row
    raise AssertionError(f"{value!r} not found in {ws.title}")


def test_sheets_in_reading_order(make_report) -> None:
    wb = _load(build_cost_split(make_report()))
    assert wb.sheetnames == ["Summary", "Expenses", "By category", "By month",
                             "Changes in the period", "Rates", "Personnel", "About"]
    assert wb.active.title == "Summary"


def test_personnel_sheet_only_when_given(make_report) -> None:
    wb = _load(build_cost_split(make_report(personnel=())))
    assert "Personnel" not in wb.sheetnames


def test_expenses_sheet_layout(make_report, sample_rows) -> None:
    report = make_report()
    wb = _load(build_cost_split(report))
    ws = wb["Expenses"]
    header = [c.value for c in ws[1]]
    assert header == expense_columns(report)
    assert header[:11] == ["Expense", "Date", "Category", "Description", "Document reference",
                           "Paid by", "Amount", "Currency", "Rate", "Rate source",
                           "Reporting amount (USD)"]
    assert header[11:14] == ["UN part (USD)", "INTERPOL part (USD)", "UNODC part (USD)"]
    assert header[14:] == ["Unallocated (USD)", "Version", "Recorded by", "Recorded at (UTC)",
                           "Month key", "Documents"]
    assert ws.freeze_panes == "C2"
    assert ws.max_row == 1 + len(sample_rows())
    # An Excel table with a style (autofilter included) over every expense row.
    assert list(ws.tables) == ["ExpenseRows"]
    table = ws.tables["ExpenseRows"]
    assert table.ref == f"A1:T{ws.max_row}"
    assert table.tableStyleInfo.name.startswith("TableStyle")
    assert table.autoFilter.ref == table.ref
    assert [c.name for c in table.tableColumns] == header
    assert ws.column_dimensions["S"].hidden and not ws.column_dimensions["T"].hidden
    assert ws.column_dimensions["D"].width >= 25
    assert ws.print_title_rows in ("1:1", "$1:$1")
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9  # A4
    assert ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0  # to the width, as many pages tall as needed
    assert ws.sheet_properties.pageSetUpPr.fitToPage


def test_expense_rows_hold_real_dates_numbers_and_formats(make_report, formula_texts) -> None:
    wb = _load(build_cost_split(make_report()))
    ws = wb["Expenses"]
    rows = {r[3].value: r for r in ws.iter_rows(min_row=2)}
    flights = rows["Flights Lyon - New York"]
    assert flights[0].value == 101  # the expense's number
    assert isinstance(flights[1].value, datetime)
    assert flights[1].value.date() == date(2024, 1, 15)
    assert flights[1].number_format == "yyyy-mm-dd"
    assert flights[2].value == "Travel"  # the category's label, not its code
    assert flights[6].value == pytest.approx(1234.56)
    assert flights[6].number_format == "#,##0.00"  # EUR
    assert flights[8].value == pytest.approx(0.9234)
    assert flights[9].value == "Rates table"
    assert flights[10].number_format == "#,##0.00"  # USD reporting
    assert flights[16].value == "Finance Officer (UN)"
    assert flights[17].value == datetime(2024, 1, 16, 9, 30, tzinfo=UTC).replace(tzinfo=None)
    assert flights[17].number_format == "yyyy-mm-dd hh:mm"
    assert flights[18].value == 202401
    assert flights[19].value is None  # no document
    jpy = rows[formula_texts[0]]
    assert jpy[6].number_format == "#,##0"
    assert jpy[7].value == "JPY"
    kwd = rows["+1+1"]
    assert kwd[6].number_format == "#,##0.000"
    for row in ws.iter_rows(min_row=2):
        for cell in (row[6], row[8], *row[10:16]):
            assert cell.data_type == "n", cell.coordinate


@pytest.mark.parametrize(("currency", "fmt"), [("USD", "#,##0.00"), ("JPY", "#,##0"),
                                               ("KWD", "#,##0.000")])
def test_number_formats_follow_the_reporting_currency(make_report, currency, fmt) -> None:
    wb = _load(build_cost_split(make_report(currency)))
    ws = wb["Expenses"]
    for row in ws.iter_rows(min_row=2):
        for cell in row[10:15]:
            assert cell.number_format == fmt
    summary = wb["Summary"]
    r = _find(summary, "UN")
    assert [summary.cell(r, c).number_format for c in range(3, 9)] == [fmt] * 6
    by_category = wb["By category"]
    assert by_category.cell(2, 3).number_format == fmt
    assert by_category["A1"].value == "Category"
    assert by_category.cell(1, 3).value == f"Total ({currency})"


def test_user_text_never_becomes_a_formula(make_report, formula_texts) -> None:
    data = build_cost_split(make_report())
    wb = _load(data)
    ws = wb["Expenses"]
    seen = {}
    for row in ws.iter_rows(min_row=2):
        for cell in row[2:6]:
            if cell.value is not None:
                seen[cell.value] = cell
    quoted = {value for value, cell in seen.items() if cell.quotePrefix}
    assert quoted == {value for value in seen if value[0] in "=+-@\t\r\n#"}
    assert set(formula_texts) - {"=1+2", "\tTAB", "\rCR", "\nLF"} <= quoted
    assert {"\rCR and \nLF", "\tTAB and control"} <= quoted
    for value in quoted:
        assert seen[value].data_type == "s", value
    doc = seen["=cmd|' /C calc'!A0"]
    assert doc.data_type == "s" and doc.quotePrefix
    # The control characters are gone, the tab (legal) stays and makes it quoted.
    assert seen["\tTAB and control"].quotePrefix
    # Arrangement title, generated by, filters, rate source, staff name: all quoted text.
    summary = wb["Summary"]
    assert summary["A2"].value == "=Joint training on trafficking"
    assert summary["A2"].data_type == "s" and summary["A2"].quotePrefix
    about = wb["About"]
    texts = {c.value: c for row in about.iter_rows() for c in row if c.value is not None}
    for value in ("=finance officer", "+category: all"):
        assert texts[value].data_type == "s" and texts[value].quotePrefix
    assert wb["Rates"]["E2"].value == "@UN operational rates"
    assert wb["Rates"]["E2"].quotePrefix
    assert wb["Personnel"]["B2"].value == "-Jane Doe"
    assert wb["Personnel"]["B2"].quotePrefix
    # And in the XML: no formula element outside the cells this package writes.
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        expenses_xml = z.read("xl/worksheets/sheet2.xml").decode()
    assert "<f>" not in expenses_xml


def test_summary_formulas_point_at_the_expense_rows(make_report, sample_rows) -> None:
    n = len(sample_rows())
    last = n + 1
    wb = _load(build_cost_split(make_report()))
    ws = wb["Summary"]
    r = _find(ws, "UN")
    assert ws.cell(r, 3).value == f"=ROUND(SUM(Expenses!$L$2:$L${last}),2)"
    assert ws.cell(r, 4).value == (f'=ROUND(SUMIFS(Expenses!$K$2:$K${last},'
                                   f'Expenses!$F$2:$F${last},"="&$A{r}),2)')
    assert ws.cell(r, 5).value == f"=ROUND(D{r}-C{r},2)"
    assert ws.cell(r, 9).value.startswith("=IF(AND(")
    assert ws.cell(r + 1, 3).value == f"=ROUND(SUM(Expenses!$M$2:$M${last}),2)"
    total = _find(ws, "Expenses total")
    assert ws.cell(total, 3).value == f"=ROUND(SUM(Expenses!$K$2:$K${last}),2)"
    unallocated = _find(ws, "Unallocated")
    assert ws.cell(unallocated, 3).value == f"=ROUND(SUM(Expenses!$O$2:$O${last}),2)"
    # The application's figures beside them, as numbers.
    assert ws.cell(total, 6).data_type == "n"
    # Facts at the top.
    facts = {ws.cell(i, 1).value: ws.cell(i, 2).value for i in range(3, 19)}
    assert facts["Arrangement"] == "SA-2024-007"
    assert facts["Kind"] == "Joint action (Art. 5)"  # labels, not codes
    assert facts["Status"] == "In force"
    assert facts["Period"] == "1 January 2024 to 31 December 2024"
    assert facts["Versions of the shares applied"] == "1 from 2024-01-01; 2 from 2024-07-01"
    assert facts["Expenses"] == f"=COUNT(Expenses!$B$2:$B${last})"
    assert facts["Classification"] == "Confidential \u2014 parties only"
    assert "UN: United Nations" in facts["Parties"]


def test_summary_settlement_versions_budget_and_chart(make_report) -> None:
    report = make_report()
    wb = _load(build_cost_split(report))
    ws = wb["Summary"]
    r = _find(ws, "From") + 1
    transfers = [(ws.cell(i, 1).value, ws.cell(i, 2).value, ws.cell(i, 4).value)
                 for i in range(r, r + len(report.cost_split.settlements))]
    assert transfers == [(s.from_org, s.to_org, float(s.amount))
                         for s in report.cost_split.settlements]
    # Each transfer is a formula over the balances (column E of the parties' rows) and the
    # transfers before it, beside the application's amount and a check.
    balance_row = {ws.cell(i, 1).value: i for i in range(_find(ws, "UN"), _find(ws, "Total"))}
    first = report.cost_split.settlements[0]
    assert ws.cell(r, 3).value == (f"=ROUND(MIN(-$E${balance_row[first.from_org]},"
                                   f"$E${balance_row[first.to_org]}),2)")
    assert len(report.cost_split.settlements) == 2
    second = report.cost_split.settlements[1]
    assert ws.cell(r + 1, 3).value.startswith(
        f"=ROUND(MIN(-$E${balance_row[second.from_org]}")
    assert f"C{r}" in ws.cell(r + 1, 3).value  # what the first transfer settled already
    assert ws.cell(r, 5).value.startswith("=IF(AND(ROUND(C")
    v = _find(ws, "Version") + 1
    assert [ws.cell(v, c).value for c in range(1, 7)][2:] == ["Default (all)", 33.34, 33.33,
                                                              33.33]
    assert ws.cell(v + 1, 3).value == "Travel"
    assert ws.cell(v, 4).number_format == '0.00"%"'
    budget = [row for row in ws.iter_rows(values_only=True) if row[0] == "All parties"]
    assert budget and budget[0][1] == "Travel" and budget[0][2] == 2024
    # The actual is a formula over the Expenses sheet: the category and the year's months.
    b = _find(ws, "All parties")
    last = ws.parent["Expenses"].max_row
    assert ws.cell(b, 5).value == (
        f'=ROUND(SUMIFS(Expenses!$K$2:$K${last},Expenses!$C$2:$C${last},"="&$B{b},'
        f'Expenses!$S$2:$S${last},">="&($C{b}*100+1),'
        f'Expenses!$S$2:$S${last},"<="&($C{b}*100+12)),2)')
    un = next(i for i in range(b - 3, b) if ws.cell(i, 1).value == "UN")
    assert ws.cell(un, 5).value == f"=ROUND(SUM(Expenses!$L$2:$L${last}),2)"
    assert len(ws._charts) == 1
    chart = ws._charts[0]
    assert chart.tagname == "barChart"


def test_by_category_and_month_are_sumifs(make_report, sample_rows) -> None:
    last = len(sample_rows()) + 1
    wb = _load(build_cost_split(make_report()))
    ws = wb["By category"]
    categories = [ws.cell(i, 1).value for i in range(2, ws.max_row)]
    assert categories == ["Personnel", "Travel", "Equipment", "Training", "Meetings",
                          "Contractual services", "Operating", "Other"]
    assert ws.cell(2, 2).value == f'=COUNTIFS(Expenses!$C$2:$C${last},"="&$A2)'
    assert ws.cell(2, 4).value == (f'=ROUND(SUMIFS(Expenses!$L$2:$L${last},'
                                   f'Expenses!$C$2:$C${last},"="&$A2),2)')
    assert ws.cell(ws.max_row, 1).value == "Total"
    ws = wb["By month"]
    months = [ws.cell(i, 1).value for i in range(2, ws.max_row)]
    assert months == ["2024-01", "2024-02", "2024-03", "2024-07", "2024-08", "2024-12"]
    assert ws.cell(2, 2).value == 202401
    assert ws.cell(2, 4).value == (f"=ROUND(SUMIFS(Expenses!$K$2:$K${last},"
                                   f"Expenses!$S$2:$S${last},$B2),2)")


def test_rates_and_about(make_report, sample_rows) -> None:
    wb = _load(build_cost_split(make_report()))
    ws = wb["Rates"]
    assert [c.value for c in ws[1]] == ["Currency", "Month", "Rate", "Per 1 unit of", "Source"]
    assert {ws.cell(i, 1).value for i in range(2, ws.max_row + 1)} == {"EUR", "JPY", "KWD"}
    assert ws.cell(2, 4).value == "USD"
    about = wb["About"]
    values = {about.cell(i, 1).value: about.cell(i, 2).value for i in range(1, about.max_row + 1)}
    # Excel has no time zones: the UTC time, naive, and the label says UTC.
    assert values["Generated (UTC)"] == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC).replace(
        tzinfo=None)
    assert values["Generated by"] == "=finance officer"
    assert "half-up" in values["Conversion (rule 2)"]
    assert "larger percentage, then to the organization code" in values["Allocation (rule 4)"]
    assert "ceiling" in values["Ceilings (rule 6)"]
    assert values["Expenses"] == len(sample_rows())


def test_empty_period_still_builds(make_report) -> None:
    wb = _load(build_cost_split(make_report(expenses=[])))
    ws = wb["Summary"]
    r = _find(ws, "UN")
    assert ws.cell(r, 3).value == "=ROUND(SUM(Expenses!$L$2:$L$2),2)"
    assert wb["Expenses"].tables["ExpenseRows"].ref == "A1:T2"
    assert _find(ws, "No transfer: the balances are settled.")


def test_stream_and_bytes_agree_and_expenses_stream_once(make_report, tmp_path,
                                                         sample_rows) -> None:
    consumed = []

    def rows():
        for e in sample_rows():
            consumed.append(e)
            yield e

    figures = make_report().cost_split
    path = tmp_path / "report.xlsx"
    with path.open("wb") as stream:
        write_cost_split(make_report(expenses=rows(), cost_split=figures), stream)
    assert len(consumed) == len(sample_rows())
    streamed = _load(path.read_bytes())
    built = _load(build_cost_split(make_report()))
    for name in built.sheetnames:
        assert [[c.value for c in r] for r in streamed[name].iter_rows()] == \
               [[c.value for c in r] for r in built[name].iter_rows()]


def test_decimals_are_written_digit_for_digit(make_report, sample_rows) -> None:
    report = make_report()
    data = build_cost_split(report)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("xl/worksheets/sheet2.xml").decode()
    values = set(re.findall(r"<v>([^<]*)</v>", xml))
    for e in sample_rows():
        assert format(e.reporting_amount.normalize(), "f") in values
        assert format(e.amount.normalize(), "f") in values


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError, match="expense amounts, rate and unallocated are Decimal"):
        ExpenseLine(date(2024, 1, 1), "travel", "x", "UN", 1.5, "USD",  # type: ignore[arg-type]
                    Decimal(1), Decimal("1.50"), {"UN": Decimal("1.50")})
    with pytest.raises(TypeError, match="expense parts are Decimal"):
        ExpenseLine(date(2024, 1, 1), "travel", "x", "UN", Decimal("1.5"), "USD", Decimal(1),
                    Decimal("1.50"), {"UN": 1.5})  # type: ignore[dict-item]


def test_unknown_currency_and_mismatch_are_refused(make_report) -> None:
    from jointprojects.money import MoneyError

    report = make_report()
    with pytest.raises(MoneyError, match="unknown currency 'XXX'"):
        type(report.arrangement)(**{**report.arrangement.__dict__, "currency": "XXX"})
    with pytest.raises(ValueError, match="cost split in"):
        make_report(cost_split=make_report("JPY").cost_split)


def test_parties_order_the_columns(make_report, parties) -> None:
    report = make_report()
    assert [h.split()[0] for h in expense_columns(report)[11:14]] == [p.code for p in parties]


def test_writes_to_a_stream_that_cannot_seek(make_report) -> None:
    """A WSGI response or a pipe: the zip is written with data descriptors, no seek."""

    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self.chunks: list[bytes] = []

        def writable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def write(self, data) -> int:  # type: ignore[override]
            self.chunks.append(bytes(data))
            return len(data)

        def tell(self) -> int:
            raise OSError("not seekable")

    pipe = Pipe()
    write_cost_split(make_report(), pipe)
    wb = _load(b"".join(pipe.chunks))
    assert wb.sheetnames[0] == "Summary"


def test_print_set_up_properties_and_the_chart_below_the_tables(make_report) -> None:
    wb = _load(build_cost_split(make_report()))
    assert wb.properties.creator == "jointprojects"
    assert wb.properties.title == "Cost split: SA-2024-007: =Joint training on trafficking"
    assert "SA-2024-007" in wb.properties.subject
    for ws in wb.worksheets:
        assert ws.page_setup.paperSize == 9, ws.title  # A4
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0, ws.title
        assert ws.oddFooter.center.text == "Page &P of &N", ws.title
        assert ws.oddHeader.right.text == "Confidential \u2014 parties only", ws.title
        assert ws.oddHeader.left.text.startswith("SA-2024-007: "), ws.title
        assert ws.oddFooter.left.text == "Period: 1 January 2024 to 31 December 2024"
    summary = wb["Summary"]
    anchor = summary._charts[0].anchor._from
    # Below every table (0-based row of the anchor), in column A: never beside the tables,
    # where it would widen the printed page and shrink every figure.
    assert anchor.col == 0 and anchor.row >= summary.max_row
    # Rows holding wrapped text are as tall as their lines.
    header = _find(summary, "Party")
    assert summary.row_dimensions[header].height >= 2 * 12.75
    assert wb["Expenses"].row_dimensions[1].height >= 2 * 12.75


def test_a_section_starts_a_new_printed_page_rather_than_leave_its_header_alone() -> None:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("S")
    widths = [30, 40, 15, 15, 15, 15, 15, 15, 11]
    capacity = page_capacity(widths)
    assert 500 < capacity < 700  # A4 landscape, scaled to the width of nine columns
    w = RowWriter(ws, widths, capacity=capacity)
    rows = int(capacity // 12.75) - 3
    for _ in range(rows):
        w.append(["row"])
    w.keep_together(60)  # a section title, its header and two rows: past the page's end
    assert [b.id for b in ws.row_breaks.brk] == [rows]
    w.append(["Section"])
    w.keep_together(12)  # room left on the new page: no break
    assert len(ws.row_breaks.brk) == 1
    wb.save(io.BytesIO())


def test_summary_page_breaks_fall_before_a_section_title(make_report) -> None:
    # A report long enough for two printed pages of Summary: many budget lines.
    lines = tuple(BudgetLine("UN", Decimal(1000 + i), Decimal(i), "travel", 2024)
                  for i in range(40))
    wb = _load(build_cost_split(make_report(budget=lines)))
    ws = wb["Summary"]
    breaks = [b.id for b in ws.row_breaks.brk]
    assert breaks
    sections = {"Shares, payments", "Settlement", "Versions of the shares", "Budget versus"}
    for row in breaks:
        after = str(ws.cell(row + 1, 1).value or "")
        assert any(after.startswith(s) for s in sections) or not after, after


def test_documents_column_lists_each_document_with_its_sha256(make_report, sample_rows) -> None:
    rows = sample_rows("USD")
    sha = "ab" * 32
    rows[0] = replace(rows[0], documents=(DocumentRef("Hotel receipt", sha),
                                          DocumentRef("=HYPERLINK(1)", "cd" * 32)))
    ws = _load(build_cost_split(make_report(expenses=rows)))["Expenses"]
    header = [c.value for c in ws[1]]
    column = header.index("Documents")
    cells = {r[0].value: r[column] for r in ws.iter_rows(min_row=2)}
    first = cells[rows[0].id]
    assert first.value.split("\n") == [f"Hotel receipt (SHA-256 {sha})",
                                       f"=HYPERLINK(1) (SHA-256 {'cd' * 32})"]
    assert first.data_type == "s"  # text, never a formula
    assert all(cells[r.id].value is None for r in rows[1:])
