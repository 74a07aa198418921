"""A real spreadsheet engine computes the workbook: LibreOffice headless, recalculating on load.

The recalculated share, paid, balance, total and unallocated must equal the application's
figures (computed with Decimals in conftest.cost_split_of) to the cent, By category and By
month must add up to the same totals, and formula-like text must still be text.
Skipped with a visible reason without LibreOffice; under CI=true it fails instead.
"""

from __future__ import annotations

import csv
from decimal import Decimal

import openpyxl
import pytest

from jointprojects.money import minor_units, quantum
from reports.cost_split import build_cost_split


def _exact(value: object, currency: str) -> Decimal:
    """A recalculated number as the Decimal it shows with the currency's minor units."""
    assert isinstance(value, int | float), value
    return Decimal(repr(value)).quantize(quantum(minor_units(currency)))


def _rows_by_label(rows) -> dict[str, tuple]:
    """First row for each label in column A (a party's code also heads its budget line)."""
    found: dict[str, tuple] = {}
    for row in rows:
        if row and row[0] not in (None, ""):
            found.setdefault(row[0], tuple(row))
    return found


@pytest.mark.parametrize("currency", ["USD", "JPY", "KWD"])
def test_libreoffice_recalculates_the_application_figures(make_report, libreoffice,
                                                          sample_rows, currency) -> None:
    report = make_report(currency)
    count = len(sample_rows(currency))
    split = report.cost_split
    assert split.unallocated != 0  # the data exercises the unallocated column
    converted = libreoffice(build_cost_split(report))
    values = openpyxl.load_workbook(converted, data_only=True)
    formulas = openpyxl.load_workbook(converted)

    summary = _rows_by_label(values["Summary"].iter_rows(values_only=True))
    for figures in split.organizations:
        row = summary[figures.organization]
        share, paid, balance = (_exact(v, currency) for v in row[2:5])
        assert (share, paid, balance) == (figures.share, figures.paid, figures.balance)
        assert row[8] == "OK"
    total = summary["Total"]
    assert _exact(total[3], currency) == split.total  # sum of paid
    assert _exact(total[2], currency) == split.total - split.unallocated  # sum of shares
    assert _exact(total[4], currency) == split.unallocated  # balances sum to unallocated
    assert total[8] == "OK"
    assert _exact(summary["Expenses total"][2], currency) == split.total
    assert _exact(summary["Unallocated"][2], currency) == split.unallocated
    assert summary["Expenses total"][8] == summary["Unallocated"][8] == "OK"
    assert summary["Expenses"][1] == count
    # The formulas are still formulas after LibreOffice saved the file (an auditor traces them).
    un = next(row for row in formulas["Summary"].iter_rows() if row[0].value == "UN")
    assert str(un[2].value).startswith("=ROUND(SUM(Expenses!")

    parties = [f.organization for f in split.organizations]
    for sheet, first_amount in (("By category", 2), ("By month", 3)):
        rows = _rows_by_label(values[sheet].iter_rows(values_only=True))
        total_row = rows["Total"]
        assert _exact(total_row[first_amount], currency) == split.total
        for i, code in enumerate(parties, first_amount + 1):
            assert _exact(total_row[i], currency) == split.figures_for(code).share
        assert _exact(total_row[first_amount + 1 + len(parties)], currency) == split.unallocated
        assert total_row[first_amount - 1] == count

    # Formula-like user text came back as the same text, not as a result or an error.
    expenses = values["Expenses"]
    texts = {cell.value for row in expenses.iter_rows(min_row=2, max_col=6) for cell in row}
    for text in ('=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(1,2)",
                 "#N/A", "=cmd|' /C calc'!A0"):
        assert text in texts
    kinds = {cell.value: cell.data_type
             for row in formulas["Expenses"].iter_rows(min_row=2, max_col=6) for cell in row}
    assert kinds['=HYPERLINK("http://evil.example","click")'] == "s"
    assert kinds["#N/A"] == "s"
    assert values["Summary"]["A2"].value == "=Joint training on trafficking"


def test_libreoffice_reads_every_sheet_as_csv(make_report, libreoffice) -> None:
    """The same workbook, every sheet exported to CSV by LibreOffice after recalculation: a
    second reader of the computed values, with no openpyxl in between."""
    report = make_report()
    # Comma, double quote, UTF-8, raw values (not as shown), every sheet (-1).
    folder = libreoffice(build_cost_split(report),
                         "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,"
                         "false,false,-1")
    sheets = {p.stem.split("-", 1)[-1]: p for p in folder.glob("*.csv")}
    assert {"Summary", "Expenses", "By category", "By month", "About"} <= set(sheets)
    with sheets["Summary"].open(encoding="utf-8", newline="") as stream:
        rows = _rows_by_label(csv.reader(stream))
    for figures in report.cost_split.organizations:
        row = rows[figures.organization]
        assert [Decimal(v) for v in row[2:5]] == [figures.share, figures.paid, figures.balance]
        assert row[8] == "OK"
    assert Decimal(rows["Expenses total"][2]) == report.cost_split.total
    with sheets["Expenses"].open(encoding="utf-8", newline="") as stream:
        descriptions = [row[3] for row in csv.reader(stream)][1:]
    assert '=HYPERLINK("http://evil.example","click")' in descriptions
