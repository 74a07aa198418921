"""The .xlsx reader (lxml iterparse) gives the rows openpyxl's read-only mode gives, with a
Decimal instead of each float, and refuses XML declaring a DOCTYPE."""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal

import openpyxl
import pytest
from openpyxl import Workbook

from reports.imports import ROW, parse_expense_rows, read_table, template_workbook
from reports.xlsx_reader import ImportFileError, xlsx_records

HEADER = ["Date", "Category", "Description", "Amount", "Currency", "Exchange_Rate", "Paid_By",
          "Document_Reference"]
SHEET = "xl/worksheets/sheet1.xml"


def naive(year: int, month: int, day: int, *clock: int) -> datetime:
    """A date cell as both readers give it: a naive datetime (Excel has no time zones)."""
    return datetime.combine(date(year, month, day), time(*clock))


def save(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def rewrite(data: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == part:
                new = change(content)
                assert new != content, f"{part} unchanged"  # the test edits what it means to
                content = new
            z.writestr(item, content)
    return buffer.getvalue()


def add_rows(data: bytes, rows_xml: str) -> bytes:
    return rewrite(data, SHEET, lambda c: c.replace(b"</sheetData>",
                                                    rows_xml.encode() + b"</sheetData>"))


def with_doctype(content: bytes, doctype: bytes) -> bytes:
    """The part with ``doctype`` before its root element (after any XML declaration)."""
    if content.startswith(b"<?xml"):
        end = content.index(b"?>") + 2
        return content[:end] + doctype + content[end:]
    return doctype + content


def with_shared_strings(data: bytes, strings: list[str], row_xml: str) -> bytes:
    """openpyxl writes inline strings: add a shared string table (as Excel writes one) with
    ``strings`` (``<si>`` contents) and a row using it."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    table = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="{main}" '
             f'count="{len(strings)}" uniqueCount="{len(strings)}">'
             + "".join(f"<si>{s}</si>" for s in strings) + "</sst>")
    data = add_rows(data, row_xml)
    data = rewrite(data, "[Content_Types].xml", lambda c: c.replace(b"</Types>", (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')))
    data = rewrite(data, "xl/_rels/workbook.xml.rels", lambda c: c.replace(
        b"</Relationships>", b'<Relationship Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml" '
        b'Id="rId99"/></Relationships>'))
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as z:
        z.writestr("xl/sharedStrings.xml", table)
    return buffer.getvalue()


def by_openpyxl(data: bytes, sheet: str | None = None) -> list[tuple]:
    """openpyxl's read-only values, each float as the reader gives it (int when integral,
    else the Decimal of its repr)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    ws.reset_dimensions()

    def value(v: object) -> object:
        if isinstance(v, float):
            return int(v) if v.is_integer() else Decimal(repr(v))
        return v

    try:
        return [tuple(value(v) for v in row) for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def by_reader(data: bytes, sheet: str | None = None) -> list[tuple]:
    records = xlsx_records(data, sheet)
    try:
        return [tuple(row) for row in records]
    finally:
        records.close()


def mixed_workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Expenses"
    ws.append(HEADER)
    ws.append([naive(2024, 1, 31), "travel", "typed amount", 1234.5, "USD", None, "UN",
               "REF-1"])
    ws.append([date(2024, 2, 29), "food", "blank cells in the middle", 10, "EUR", None, None,
               "REF-2"])
    ws.append(["2024-03-05", "travel", "ISO text date, boolean, big rate", Decimal("0.1"),
               "JPY", 157.123456, "INTERPOL", True])
    ws.append([naive(2024, 4, 1, 13, 30), "other", "date and time", -45.25, "USD", 0.5,
               "UN", False])
    ws.append([45000, "travel", "custom date format", 8, "USD", None, "UN", None])
    ws["A6"].number_format = "dd/mm/yyyy"
    ws.append([45000, "travel", 'number in a "d"-quoted format', 7, "USD", None, "UN", None])
    ws["A7"].number_format = '0.00 "d"'
    ws.append([time(8, 15), "travel", "a time", 3, "USD", None, "UN", None])
    ws.append([])  # an empty row, then a row further down
    ws["A10"] = naive(1900, 2, 28)
    ws["B10"] = "early date (serial 59, before Excel's 29 February 1900)"
    ws["A11"] = naive(1900, 3, 1)
    ws["B11"] = "serial 61"
    data = save(wb)
    # Cells openpyxl does not write: inline strings, formulas with cached values, ISO date
    # cells, errors, rich text, Excel's 17-digit doubles, a row without coordinates.
    data = add_rows(data, (
        '<row r="13">'
        '<c r="A13" t="d"><v>2024-05-06</v></c>'
        '<c r="B13" t="inlineStr"><is><t>travel</t></is></c>'
        '<c r="C13" t="inlineStr"><is><r><t>rich </t></r><r><t>inline</t></r></is></c>'
        '<c r="D13"><f>SUM(D2:D3)</f><v>1244.5</v></c>'
        '<c r="E13" t="str"><f>"U"&amp;"SD"</f><v>USD</v></c>'
        '<c r="F13" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        '<c r="G13" t="b"><v>1</v></c>'
        '<c r="H13"><v>2.2999999999999998</v></c>'
        '</row>'
        '<row r="14"><c t="inlineStr"><is><t>no r on cells</t></is></c><c><v>1E3</v></c>'
        '<c><v>1.5E-3</v></c><c t="d"><v>2024-05-06T10:20:30</v></c><c><v/></c>'
        '<c r="J14"><v>0.30000000000000004</v></c></row>'
        '<row><c r="B15" t="inlineStr"><is><t>row without a number</t></is></c></row>'
    ))
    return with_shared_strings(data, [
        "<t>travel</t>", '<t xml:space="preserve"> shared with spaces </t>',
        "<r><t>rich </t></r><r><rPr><b/></rPr><t>shared</t></r><rPh sb=\"0\" eb=\"1\"><t>ph"
        "</t></rPh>", "<t>under_x005F_x0041_score</t>"],
        '<row r="16"><c r="A16" s="1"><v>45413</v></c><c r="B16" t="s"><v>0</v></c>'
        '<c r="C16" t="s"><v>1</v></c><c r="D16" t="s"><v>2</v></c>'
        '<c r="E16" t="s"><v>3</v></c></row>')


def test_same_rows_as_openpyxl_on_every_kind_of_cell() -> None:
    data = mixed_workbook()
    rows = by_reader(data)
    assert rows == by_openpyxl(data)
    assert rows[1][:4] == (naive(2024, 1, 31), "travel", "typed amount", Decimal("1234.5"))
    assert rows[2][5:7] == (None, None)  # blank cells in the middle
    assert rows[3][0] == "2024-03-05" and rows[3][5] == Decimal("157.123456")
    assert rows[3][7] is True and rows[4][7] is False
    assert rows[5][0] == naive(2023, 3, 15)  # custom date format dd/mm/yyyy
    assert rows[6][0] == 45000  # "d" inside quotes is no date token
    assert rows[7][0] == time(8, 15)
    assert rows[8] == ()
    assert rows[9][0] == naive(1900, 2, 28) and rows[10][0] == naive(1900, 3, 1)
    assert rows[12] == (date(2024, 5, 6), "travel", "rich inline", Decimal("1244.5"), "USD",
                        "#DIV/0!", True, Decimal("2.3"))
    assert rows[13] == ("no r on cells", 1000, Decimal("0.0015"),
                        naive(2024, 5, 6, 10, 20, 30), None, None, None, None, None,
                        Decimal("0.30000000000000004"))
    assert rows[14] == (None, "row without a number")
    assert rows[15][1:] == ("travel", " shared with spaces ", "rich shared", "under_x0041_score")
    assert not any(isinstance(v, float) for row in rows for v in row)


def test_same_table_and_expenses_as_openpyxl() -> None:
    """Through read_table and the validation: the row numbers the user sees, the values."""
    data = mixed_workbook()
    table = read_table("mixed.xlsx", data)
    assert [row[ROW] for row in table] == [2, 3, 4, 5, 6, 7, 8, 10, 11, 13, 14, 15,
                                           16]
    good, errors = parse_expense_rows(table, currencies={"USD", "EUR", "JPY"},
                                      parties={"UN", "INTERPOL"})
    assert [g.row for g in good] == [2, 5, 6]
    assert good[0].amount == Decimal("1234.50") and good[0].date == date(2024, 1, 31)
    assert good[1].amount == Decimal("-45.25") and good[1].exchange_rate == Decimal("0.5")
    assert good[1].date == date(2024, 4, 1) and good[1].document_reference == "False"
    assert good[2].date == date(2023, 3, 15) and good[2].amount == Decimal("8.00")
    assert {(e.row, e.column) for e in errors} >= {(3, "paid_by"), (4, "amount"),
                                                   (7, "date"), (13, "exchange_rate")}


def test_same_rows_as_openpyxl_on_the_templates() -> None:
    for kind in ("expenses", "rates"):
        data = template_workbook(kind)
        names = openpyxl.load_workbook(io.BytesIO(data), read_only=True).sheetnames
        assert len(names) >= 2  # the sheet to fill in, the instructions (and lists)
        for name in names:
            assert by_reader(data, name) == by_openpyxl(data, name), (kind, name)
        assert by_reader(data) == by_openpyxl(data) == by_reader(data, names[0])


def test_filled_template_and_1904_dates() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(template_workbook("expenses")))
    for column, value in enumerate([date(2024, 6, 30), "travel", "filled", "12.5", "USD"], 1):
        wb.worksheets[0].cell(2, column, value)
    data = save(wb)
    assert by_reader(data) == by_openpyxl(data)
    assert by_reader(data)[1][0] == naive(2024, 6, 30)
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    data = save(wb)
    assert b'date1904="1"' in zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml")
    assert by_reader(data)[1][0] == naive(2024, 6, 30) == by_openpyxl(data)[1][0]


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/sharedStrings.xml", "xl/styles.xml",
                                  SHEET])
def test_doctype_in_any_part_refused(part: str) -> None:
    wb = Workbook()
    wb.active.append(HEADER)
    wb.active.append([date(2024, 1, 1), "travel", "x", 1, "USD", None, "UN", None])
    data = with_shared_strings(save(wb), ["<t>shared</t>"],
                               '<row r="3"><c r="C3" t="s"><v>0</v></c></row>')
    data = rewrite(data, part, lambda c: with_doctype(
        c, b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'))
    with pytest.raises(ImportFileError, match="declares XML entities, which are refused"):
        read_table("doctype.xlsx", data)


def test_external_entity_refused() -> None:
    wb = Workbook()
    wb.active.append(HEADER)
    data = with_shared_strings(save(wb), ["<t>shared</t>"],
                               '<row r="2"><c r="C2" t="s"><v>0</v></c></row>')
    data = rewrite(data, "xl/sharedStrings.xml", lambda c: with_doctype(
        c, b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>').replace(
        b"<t>shared</t>", b"<t>&e;</t>"))
    with pytest.raises(ImportFileError, match="entities"):
        read_table("xxe.xlsx", data)
