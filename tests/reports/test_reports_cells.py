"""Text that would execute is written as text; illegal XML characters are dropped; amounts
stay numbers (DOMAIN.md, "What a user must never see")."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from reports.cells import (
    CellFactory,
    ColumnCell,
    Styles,
    clean_text,
    currency_format,
    is_formula_like,
    lean_rows,
    number_format,
    safe_text,
)


def _roundtrip(values: list[object], *, lean: bool = False) -> openpyxl.Workbook:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("S")
    if lean:
        lean_rows(ws)
    f = CellFactory(ws, Styles(wb))
    for value in values:
        ws.append([f.text(value)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1", "@A1", "\tx", "\rx", "\nx", "#N/A",
                                  "#DIV/0!", "=", '=HYPERLINK("http://x","y")'])
def test_formula_like_text_is_a_quoted_string(text: str) -> None:
    assert is_formula_like(text)
    ws = _roundtrip([text]).active
    cell = ws["A1"]
    assert cell.data_type == "s"
    assert cell.value == text
    assert cell.quotePrefix is True


@pytest.mark.parametrize("text", ["plain", "1+1", " =x", "a=b", "UN", "2024-03", "12.50"])
def test_ordinary_text_is_plain_text(text: str) -> None:
    assert not is_formula_like(text)
    cell = _roundtrip([text]).active["A1"]
    assert cell.data_type == "s"
    assert cell.value == text
    assert not cell.quotePrefix


def test_illegal_characters_are_dropped() -> None:
    assert clean_text("a\x00b\x01c\x0bd\x1fe\x07") == "abcde"
    assert clean_text("keep\ttab\nand\rnewlines") == "keep\ttab\nand\rnewlines"
    assert safe_text("=\x00x") == ("=x", True)
    cell = _roundtrip(["x\x00y\x1f"]).active["A1"]
    assert cell.value == "xy"


def test_text_only_of_illegal_characters_leaves_the_cell_empty() -> None:
    wb = _roundtrip(["\x00\x01", None, "after"])
    ws = wb.active
    assert ws["A1"].value is None
    assert ws["A3"].value == "after"


def test_text_is_capped_at_excel_length() -> None:
    assert len(clean_text("x" * 40000)) == 32767


def test_amounts_are_numbers_never_floats() -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("S")
    f = CellFactory(ws, Styles(wb))
    with pytest.raises(TypeError, match="never float"):
        f.amount(1.5, 2)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="never float"):
        ColumnCell(ws, Styles(wb).amount(2)).put(0.1)
    ws.append([f.amount(Decimal("1234567890.12"), 2), f.money(Decimal("-5"), "JPY"),
               f.money(Decimal("0.125"), "KWD")])
    buffer = io.BytesIO()
    wb.save(buffer)
    sheet_xml = zipfile.ZipFile(buffer).read("xl/worksheets/sheet1.xml").decode()
    # The decimal's digits, exactly, as a number cell.
    assert "<v>1234567890.12</v>" in sheet_xml
    assert "<v>0.125</v>" in sheet_xml
    ws = openpyxl.load_workbook(buffer).active
    assert [c.data_type for c in ws[1]] == ["n", "n", "n"]
    assert [c.number_format for c in ws[1]] == ["#,##0.00", "#,##0", "#,##0.000"]


def test_number_formats_follow_minor_units() -> None:
    assert number_format(0) == "#,##0"
    assert currency_format("USD") == "#,##0.00"
    assert currency_format("JPY") == "#,##0"
    assert currency_format("KWD") == "#,##0.000"


def test_formula_cells_only_from_code() -> None:
    wb = Workbook(write_only=True)
    f = CellFactory(wb.create_sheet("S"), Styles(wb))
    with pytest.raises(ValueError, match="starts with"):
        f.formula("SUM(A1)")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=8))
def test_any_text_reads_back_as_the_same_text(texts: list[str]) -> None:
    """Whatever a user types comes back as text, minus the illegal characters; never a
    formula, never an error value, never a number."""
    for lean in (False, True):
        ws = _roundtrip(texts, lean=lean).active
        for row, text in enumerate(texts, 1):
            cleaned = clean_text(text)
            cell = ws.cell(row=row, column=1)
            if not cleaned:
                assert cell.value is None
                continue
            assert cell.data_type == "s"
            assert cell.value == cleaned  # CR included: lxml writes it as &#13;
            assert bool(cell.quotePrefix) == is_formula_like(cleaned)
