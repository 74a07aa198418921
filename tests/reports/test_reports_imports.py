"""Reading expense and rate spreadsheets: safety first, then every bad row named."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time
from decimal import Decimal

import openpyxl
import pytest
from openpyxl import Workbook

from reports.imports import (
    ROW,
    ExpenseRow,
    RowError,
    parse_expense_rows,
    parse_rate_rows,
    read_table,
    template_workbook,
)
from reports.xlsx_reader import ImportFileError

CURRENCIES = {"USD", "EUR", "JPY", "KWD"}
PARTIES = {"UN", "INTERPOL"}
HEADER = ["Date", "Category", "Description", "Amount", "Currency", "Exchange_Rate", "Paid_By",
          "Document_Reference"]


def xlsx(rows: list[list[object]], *, title: str = "Expenses") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def excel_datetime(year: int, month: int, day: int) -> datetime:
    """A date cell as openpyxl reads it: a naive datetime (Excel has no time zones)."""
    return datetime.combine(date(year, month, day), time())


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def parse(rows):
    return parse_expense_rows(rows, currencies=CURRENCIES, parties=PARTIES)


# -- good files ----------------------------------------------------------------------------------


def test_good_xlsx_with_excel_dates_numbers_and_text_amounts() -> None:
    data = xlsx([
        HEADER,
        [excel_datetime(2024, 3, 15), "Travel", "Flights", 1234.5, "eur", 0.9234, "interpol",
         "INV-1"],
        [date(2024, 3, 16), "equipment", "Laptop", "1 234,56", "USD", None, "UN", None],
        [None, None, None, None, None, None, None, None],  # an empty row is skipped
        ["2024-03-17", " meetings ", "@SUM(A1)", 250000, "JPY", "151,37", "UN", 42],
        ["2024-03-18", "contractual services", "Refund", "-0.125", "KWD", "0.3072", "UN", ""],
    ])
    table = read_table("March.XLSX", data)
    assert table.headers == ["date", "category", "description", "amount", "currency",
                             "exchange_rate", "paid_by", "document_reference"]
    assert [row[ROW] for row in table] == [2, 3, 5, 6]
    good, errors = parse(table)
    assert errors == []
    assert good[0] == ExpenseRow(date(2024, 3, 15), "travel", "Flights", Decimal("1234.50"),
                                 "EUR", Decimal("0.9234"), "INTERPOL", "INV-1", 2)
    assert good[1].amount == Decimal("1234.56") and good[1].exchange_rate is None
    assert good[2].date == date(2024, 3, 17)
    assert good[2].category == "meetings"
    assert good[2].description == "@SUM(A1)"  # stored as text; reports write it as text
    assert good[2].amount == Decimal(250000) and good[2].exchange_rate == Decimal("151.37")
    assert good[2].document_reference == "42"
    assert good[3].category == "contractual_services"
    assert good[3].amount == Decimal("-0.125") and str(good[3].amount) == "-0.125"
    assert [g.row for g in good] == [2, 3, 5, 6]


def test_good_csv_comma_and_semicolon() -> None:
    text = ("date,category,description,amount,currency,exchange_rate,paid_by,"
            "document_reference\n"
            '2024-03-15,travel,"Flights, Lyon",1234.50,EUR,0.9234,INTERPOL,INV-1\n'
            "\n"
            "2024-03-16,equipment,Laptop,99,USD,,UN,\n")
    good, errors = parse(read_table("march.csv", csv_bytes(text)))
    assert errors == []
    assert [(g.row, g.description, g.amount) for g in good] == [
        (2, "Flights, Lyon", Decimal("1234.50")), (4, "Laptop", Decimal("99.00"))]
    # Excel in a comma-decimal locale: semicolons, decimal commas, Windows-1252, a BOM-less file.
    text = ("Date;Category;Description;Amount;Currency;Paid by\r\n"
            "2024-03-15;travel;Déplacement à Lyon;1.234,50;EUR;INTERPOL\r\n"
            "2024-03-16;travel;Frais;12,5;EUR;UN\r\n")
    good, errors = parse(read_table("mars.csv", csv_bytes(text, "cp1252")))
    assert errors == []
    assert [g.amount for g in good] == [Decimal("1234.50"), Decimal("12.50")]
    assert good[0].description == "Déplacement à Lyon"
    # UTF-8 with a BOM (Excel's "CSV UTF-8").
    bom = "\ufeff" + text.replace("Déplacement", "Dépl.")
    good, errors = parse(read_table("mars.csv", bom.encode("utf-8")))
    assert errors == [] and good[0].description == "Dépl. à Lyon"


def test_headers_are_matched_case_insensitively_and_trimmed() -> None:
    data = xlsx([[" DATE ", "Category", "DESCRIPTION", "amount ", "Currency", "Paid By"],
                 [date(2024, 1, 1), "other", "x", 1, "USD", "UN"]])
    table = read_table("x.xlsx", data)
    assert table.headers == ["date", "category", "description", "amount", "currency",
                             "paid_by"]
    good, errors = parse(table)
    assert errors == [] and len(good) == 1


# -- bad rows ------------------------------------------------------------------------------------


def test_every_bad_row_and_column_is_named() -> None:
    data = xlsx([
        HEADER,
        [date(2024, 1, 1), "travel", "ok", 10, "USD", None, "UN", None],
        ["2024-02-30", "travel", "bad date", 10, "USD", None, "UN", None],
        ["15/03/2024", "food", "", "abc", "XXX", -1, "NATO", "x" * 121],
        [45000, "travel", "serial number date", 10.555, "USD", 0, "UN", None],
        [date(2024, 1, 1), "travel", "too many decimals for JPY", "10.5", "JPY", None, "UN",
         None],
        [date(2024, 1, 1), None, "missing", None, None, None, None, None],
        [date(2024, 1, 1), "travel", "zero", 0, "USD", "1,5", "un", None],
        [date(2024, 1, 1), "travel", "float from a formula", 12.3456, "USD", None, "UN", None],
    ])
    good, errors = parse(read_table("bad.xlsx", data))
    assert [g.row for g in good] == [2]  # the caller stores nothing: there are errors
    found = {(e.row, e.column) for e in errors}
    assert found == {
        (3, "date"),
        (4, "date"), (4, "category"), (4, "description"), (4, "amount"), (4, "currency"),
        (4, "exchange_rate"), (4, "paid_by"), (4, "document_reference"),
        (5, "date"), (5, "amount"), (5, "exchange_rate"),
        (6, "amount"),
        (7, "category"), (7, "amount"), (7, "currency"), (7, "paid_by"),
        (8, "amount"),
        (9, "amount"),
    }
    messages = {(e.row, e.column): e.message for e in errors}
    assert "not a valid date" in messages[(3, "date")]
    assert "YYYY-MM-DD" in messages[(4, "date")]
    assert "'food' is not one of" in messages[(4, "category")]
    assert "'XXX'" in messages[(4, "currency")]
    assert "'NATO' is not a party" in messages[(4, "paid_by")]
    assert "is a number, not a date" in messages[(5, "date")]
    assert "more than 2 decimal places" in messages[(5, "amount")]
    assert "more than 0 decimal places" in messages[(6, "amount")]
    assert messages[(7, "amount")] == "is required"
    assert "zero" in messages[(8, "amount")]
    assert "more than 2 decimal places" in messages[(9, "amount")]
    assert str(RowError(3, "date", "x")) == "row 3, date: x"


def test_parse_keeps_good_rows_only_when_the_caller_wants_them() -> None:
    data = xlsx([HEADER, [date(2024, 1, 1), "travel", "ok", 10, "USD", None, "UN", None],
                 [date(2024, 1, 1), "travel", "bad", "x", "USD", None, "UN", None]])
    good, errors = parse(read_table("x.xlsx", data))
    # The caller stores nothing when errors is not empty (all or nothing); the good rows are
    # there for the preview.
    assert [g.row for g in good] == [2]
    assert [(e.row, e.column) for e in errors] == [(3, "amount")]


def test_missing_columns_are_reported_once_on_row_1() -> None:
    data = xlsx([["Date", "Description", "Amount"], [date(2024, 1, 1), "x", 1]])
    good, errors = parse(read_table("x.xlsx", data))
    assert good == []
    assert errors == [RowError(1, "category", "the column is missing from row 1"),
                      RowError(1, "currency", "the column is missing from row 1"),
                      RowError(1, "paid_by", "the column is missing from row 1")]


def test_header_only_file_is_an_error_not_an_empty_success() -> None:
    good, errors = parse(read_table("x.csv", b"date,category,description,amount,currency,"
                                              b"paid_by\n"))
    assert good == [] and [(e.row, e.column) for e in errors] == [(2, "date")]


def test_duplicate_or_missing_header_refused() -> None:
    with pytest.raises(ImportFileError, match="appears twice"):
        read_table("x.csv", b"date,Date\n2024-01-01,2024-01-02\n")
    with pytest.raises(ImportFileError, match="Row 1"):
        read_table("x.xlsx", xlsx([[None, None], ["a", "b"]]))


# -- unsafe or wrong files -----------------------------------------------------------------------


def test_oversize_refused_before_reading() -> None:
    with pytest.raises(ImportFileError, match="limit is 1 MB"):
        read_table("big.xlsx", b"PK\x03\x04" + b"\x00" * 1_000_001, max_bytes=1_000_000)


def test_not_a_zip_refused() -> None:
    with pytest.raises(ImportFileError, match=r"not an \.xlsx workbook"):
        read_table("fake.xlsx", b"date,amount\n2024-01-01,1\n")
    with pytest.raises(ImportFileError, match=r"not an \.xlsx workbook"):
        # An old .xls or a password-protected .xlsx: an OLE compound file.
        read_table("old.xlsx", bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 100)
    with pytest.raises(ImportFileError, match="bad zip"):
        read_table("cut.xlsx", xlsx([HEADER])[:200])


def test_zip_without_a_workbook_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(ImportFileError, match="not an Excel workbook"):
        read_table("x.xlsx", buffer.getvalue())


def test_zip_bomb_refused_before_decompressing() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\x00" * 150_000_000)
    data = buffer.getvalue()
    assert len(data) < 1_000_000
    with pytest.raises(ImportFileError, match=r"zip bomb|expands"):
        read_table("bomb.xlsx", data)


def test_too_many_zip_entries_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for i in range(1001):
            z.writestr(f"x/{i}.xml", "")
    with pytest.raises(ImportFileError, match="too many parts"):
        read_table("many.xlsx", buffer.getvalue())


def test_xml_entities_refused() -> None:
    """A billion-laughs sheet: its DOCTYPE is refused before any entity is used."""
    data = xlsx([HEADER, [date(2024, 1, 1), "travel", "x", 1, "USD", None, "UN", None]])
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(
                    b"<worksheet",
                    b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
                    b"<worksheet", 1)
                content = content.replace(b"<t>x</t>", b"<t>&lol2;</t>")
            z.writestr(item, content)
    with pytest.raises(ImportFileError, match=r"entities|cannot be read"):
        read_table("lol.xlsx", buffer.getvalue())


def test_other_file_types_refused() -> None:
    for name in ("x.xls", "x.ods", "x.xlsm"):
        with pytest.raises(ImportFileError, match=r"\.xlsx"):
            read_table(name, b"anything")
    with pytest.raises(ImportFileError, match=r"Only \.xlsx and \.csv"):
        read_table("x.pdf", b"%PDF")
    with pytest.raises(ImportFileError, match="NUL"):
        read_table("x.csv", b"date\x00,amount\n")


def test_row_cap() -> None:
    rows = "date,category,description,amount,currency,paid_by\n" + \
        "2024-01-01,travel,x,1,USD,UN\n" * 11
    with pytest.raises(ImportFileError, match="more than 10 rows"):
        read_table("x.csv", rows.encode(), max_rows=10)


def test_named_sheet_or_first() -> None:
    wb = Workbook()
    wb.active.title = "Notes"
    wb.active.append(["not", "this"])
    ws = wb.create_sheet("Expenses")
    ws.append(HEADER)
    buffer = io.BytesIO()
    wb.save(buffer)
    assert read_table("x.xlsx", buffer.getvalue()).headers == ["not", "this"]
    assert read_table("x.xlsx", buffer.getvalue(), sheet="Expenses").headers[0] == "date"


# -- rates ---------------------------------------------------------------------------------------


def test_rates() -> None:
    data = xlsx([
        ["Currency", "Month", "Rate", "Source"],
        ["EUR", "2024-03", 0.9234, "UN operational rates of exchange"],
        ["jpy", excel_datetime(2024, 3, 1), "151,37", None],
        ["KWD", "2024-03-15", "0.3072", ""],
        ["EUR", "2024-03", 0.93, "again"],
        ["XXX", "2024-13", 0, None],
        ["USD", "March", -1, None],
    ], title="Rates")
    good, errors = parse_rate_rows(read_table("rates.xlsx", data), currencies=CURRENCIES)
    assert [(g.row, g.currency, g.month, g.rate) for g in good] == [
        (2, "EUR", "2024-03", Decimal("0.9234")), (3, "JPY", "2024-03", Decimal("151.37")),
        (4, "KWD", "2024-03", Decimal("0.3072"))]
    assert {(e.row, e.column) for e in errors} == {
        (5, "month"), (6, "currency"), (6, "month"), (6, "rate"), (7, "month"), (7, "rate")}
    assert any("already given in row 2" in e.message for e in errors)


def test_rates_missing_column() -> None:
    good, errors = parse_rate_rows(read_table("r.csv", b"currency,rate\nEUR,1\n"),
                                   currencies=CURRENCIES)
    assert good == [] and errors == [RowError(1, "month", "the column is missing from row 1")]


# -- templates -----------------------------------------------------------------------------------


def test_expense_template_round_trip() -> None:
    data = template_workbook("expenses", currencies=["USD", "EUR"], parties=["UN", "INTERPOL"])
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Expenses", "Lists", "Instructions"]
    assert wb["Lists"].sheet_state == "hidden"
    ws = wb["Expenses"]
    assert [c.value for c in ws[1]] == ["date", "category", "description", "amount",
                                        "currency", "exchange_rate", "paid_by",
                                        "document_reference"]
    assert ws.freeze_panes == "A2"
    validations = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert validations == {"B2:B100000": "'Lists'!$A$2:$A$9",
                           "E2:E100000": "'Lists'!$B$2:$B$3",
                           "G2:G100000": "'Lists'!$C$2:$C$3"}
    # The example lives on the Instructions sheet, so an untouched template imports nothing...
    good, errors = parse(read_table("template.xlsx", data))
    assert good == [] and errors[0].message == "there is no row below the header"
    # ...and a filled one imports.
    ws.append([date(2024, 3, 15), "travel", "Flights", 10, "EUR", None, "UN", None])
    buffer = io.BytesIO()
    wb.save(buffer)
    good, errors = parse(read_table("filled.xlsx", buffer.getvalue()))
    assert errors == [] and good[0].amount == Decimal("10.00")
    example = [c.value for c in wb["Instructions"][5]]
    assert example[0] == "date" and isinstance(example[1], datetime)


def test_rate_template() -> None:
    data = template_workbook("rates")
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [c.value for c in ws[1]] == ["currency", "month", "rate", "source"]
    with pytest.raises(ValueError, match="unknown template"):
        template_workbook("budget")


def test_float_noise_from_excel_is_refused_not_rounded() -> None:
    """Excel stores 0.1+0.2 as 0.30000000000000004 (17 digits): refused for its decimals,
    never rounded silently; a typed 1234.5 arrives as exactly 1234.50."""
    data = xlsx([HEADER, [date(2024, 1, 1), "travel", "noise", 1.5, "USD", None, "UN", None],
                 [date(2024, 1, 1), "travel", "typed", 1234.5, "USD", None, "UN", None]])
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b"<v>1.5</v>", b"<v>0.30000000000000004</v>")
            z.writestr(item, content)
    good, errors = parse(read_table("noise.xlsx", buffer.getvalue()))
    assert [(e.row, e.column) for e in errors] == [(2, "amount")]
    assert "more than 2 decimal places" in errors[0].message
    assert good[0].amount == Decimal("1234.50")
