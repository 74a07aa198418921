"""Downloadable templates for the expense and exchange-rate imports (:mod:`reports.imports`)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from reports.cells import put_text

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="FFDCE6F1")

_EXPENSE_HELP = {
    "date": ("2024-03-15", "A date cell, or text YYYY-MM-DD."),
    "category": ("travel", "One of the list (personnel, travel, equipment, ...)."),
    "description": ("Flights Lyon - New York, expert meeting", "Required, free text."),
    "amount": (Decimal("1234.50"), "A number, or text with a dot or a comma "
               "(1234.50 or 1234,50); at most the currency's decimals (JPY none, KWD 3). "
               "Negative for a refund."),
    "currency": ("EUR", "ISO 4217 code of the amount."),
    "exchange_rate": (Decimal("0.9234"), "Optional: units of the currency per one unit of "
                      "the arrangement's reporting currency. Empty: the month's rate."),
    "paid_by": ("INTERPOL", "Code of the party that paid."),
    "document_reference": ("INV-2024-0042", "Optional: invoice or voucher number."),
}
_RATE_HELP = {
    "currency": ("EUR", "ISO 4217 code."),
    "month": ("2024-03", "YYYY-MM text, or any date of the month."),
    "rate": (Decimal("0.9234"), "Units of the currency per one US dollar (UN operational "
             "rates of exchange); greater than zero."),
    "source": ("UN operational rates of exchange", "Optional: where the rate comes from."),
}


def build_template(
    kind: str,
    *,
    currencies: list[str],
    parties: list[str],
    categories: list[str],
) -> bytes:
    """The template workbook for ``kind`` (``"expenses"`` or ``"rates"``) as bytes."""
    if kind == "expenses":
        title, help_ = "Expenses", _EXPENSE_HELP
    elif kind == "rates":
        title, help_ = "Rates", _RATE_HELP
    else:
        raise ValueError(f"unknown template {kind!r}: 'expenses' or 'rates'")
    columns = list(help_)
    wb = Workbook()
    ws = wb.active
    if not isinstance(ws, Worksheet):  # a new workbook's one sheet is a worksheet
        raise TypeError("a new workbook should start with a worksheet")
    ws.title = title
    _header(ws, columns)
    ws.freeze_panes = "A2"
    for index, name in enumerate(columns, 1):
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = 14 if name != "description" else 40
        if name == "date":
            for row in range(2, 1002):
                ws.cell(row=row, column=index).number_format = "yyyy-mm-dd"

    lists = wb.create_sheet("Lists")
    lists.sheet_state = "hidden"
    values = {"category": categories, "currency": currencies, "paid_by": parties}
    for index, (name, items) in enumerate(values.items(), 1):
        lists.cell(row=1, column=index, value=name)
        for row, item in enumerate(items, 2):
            put_text(lists.cell(row=row, column=index), item)
        if name in columns and items:
            letter = get_column_letter(index)
            source = f"{quote_sheetname('Lists')}!${letter}$2:${letter}${len(items) + 1}"
            validation = DataValidation(type="list", formula1=source, allow_blank=True,
                                        showErrorMessage=True, errorTitle=name,
                                        error=f"Choose a {name} from the list.")
            target = get_column_letter(columns.index(name) + 1)
            validation.add(f"{target}2:{target}100000")
            ws.add_data_validation(validation)

    info = wb.create_sheet("Instructions")
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 40
    info.column_dimensions["C"].width = 80
    info.append([f"How to fill the {title} sheet"])
    info["A1"].font = Font(bold=True, size=14)
    info.append(["Row 1 holds the column names (any case, any order). One row per "
                 f"{'expense' if kind == 'expenses' else 'rate'}; empty rows are skipped. "
                 "A file with any bad row stores nothing and every bad row is listed."])
    info.append([])
    _header(info, ["column", "example", "what it takes"], row=4)
    for name, (example, text) in help_.items():
        value: Any = date(2024, 3, 15) if name == "date" else example
        info.append([name, value, text])
        if name == "date":
            info.cell(row=info.max_row, column=2).number_format = "yyyy-mm-dd"
    for row in info.iter_rows(min_row=5):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _header(ws: Any, names: list[str], row: int = 1) -> None:
    for index, name in enumerate(names, 1):
        cell = ws.cell(row=row, column=index, value=name)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
