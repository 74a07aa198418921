"""The Personnel sheet of the cost-split workbook: totals per bearing organization in its own
currency (never one total over several currencies), items without a rate marked and counted,
the status of each exchange; checked after recalculation by LibreOffice."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl

from reports.cost_split import PERSONNEL_NOTE, RATE_MISSING, build_cost_split
from reports.data import PersonnelCostLine


def line(exchange: int, staff: str, borne_by: str, amount: str, currency: str,
         reporting: str | None, reporting_currency: str,
         status: str = "active") -> PersonnelCostLine:
    return PersonnelCostLine(
        staff, "UN", "INTERPOL", "Analyst", date(2024, 1, 1), date(2024, 12, 31), "salary",
        borne_by, Decimal(amount), currency,
        None if reporting is None else Decimal(reporting), reporting_currency, status,
        "2024-03", exchange)


LINES = (
    line(1, "Jane Doe (UN-1)", "UN", "1000.00", "USD", "1000.00", "USD"),
    line(1, "Jane Doe (UN-1)", "INTERPOL", "500.00", "EUR", "500.00", "EUR"),
    line(1, "Jane Doe (UN-1)", "UN", "200.00", "EUR", "216.59", "USD"),
    # No CHF rate for the month: shown as missing, left out, counted.
    line(2, "John Roe (IP-2)", "INTERPOL", "300.00", "CHF", None, "EUR", "approved"),
    line(2, "John Roe (IP-2)", "INTERPOL", "0.10", "EUR", "0.10", "EUR", "approved"),
)


def _rows(ws) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [r for r in ws.iter_rows(values_only=True)]


def _section(rows: list[tuple], title_start: str) -> list[tuple]:
    """The rows under the header that follows the section whose title starts so."""
    start = next(i for i, r in enumerate(rows) if str(r[0] or "").startswith(title_start))
    body = []
    for r in rows[start + 2:]:
        if r[0] is None:
            break
        body.append(r)
    return body


def test_items_show_status_currency_and_a_visible_rate_missing_marker(make_report):
    wb = openpyxl.load_workbook(io.BytesIO(build_cost_split(make_report(personnel=LINES))))
    rows = _rows(wb["Personnel"])
    assert rows[0][7] == "Status" and rows[0][13] == "Reporting currency"
    assert [r[7] for r in rows[1:6]] == ["Active", "Active", "Active", "Approved", "Approved"]
    assert [r[13] for r in rows[1:6]] == ["USD", "EUR", "USD", "EUR", "EUR"]
    assert rows[4][14] == RATE_MISSING
    assert any(r[0] == PERSONNEL_NOTE for r in rows)
    assert "Cancelled exchanges are left out" in PERSONNEL_NOTE
    assert any(str(r[0]).startswith("Incomplete: 1 cost item(s) have no rate") for r in rows)


def test_totals_per_organization_in_its_currency_after_recalculation(make_report, libreoffice):
    data = build_cost_split(make_report(personnel=LINES))
    wb = openpyxl.load_workbook(libreoffice(data), data_only=True)
    rows = _rows(wb["Personnel"])
    totals = {r[0]: r[1:8] for r in _section(rows, "Totals per bearing organization")}
    assert set(totals) == {"INTERPOL", "UN"}  # one row each: no grand total over currencies
    interpol, un = totals["INTERPOL"], totals["UN"]
    assert interpol[0] == "EUR" and interpol[1] == 3
    assert Decimal(str(interpol[2])) == Decimal("500.10") == Decimal(str(interpol[3]))
    assert interpol[4] == "OK" and interpol[5] == 1
    assert interpol[6].startswith("INCOMPLETE: 1 item(s) without a rate")
    assert un[0] == "USD" and un[1] == 2
    assert Decimal(str(un[2])) == Decimal("1216.59") and un[4] == "OK"
    assert un[5] == 0 and un[6] == "complete"
    per_exchange = {(r[0], r[2]): r for r in _section(rows, "Totals per exchange")}
    assert set(per_exchange) == {(1, "INTERPOL"), (1, "UN"), (2, "INTERPOL")}
    assert Decimal(str(per_exchange[(1, "UN")][5])) == Decimal("1216.59")
    assert per_exchange[(2, "INTERPOL")][3] == "EUR"
    assert Decimal(str(per_exchange[(2, "INTERPOL")][5])) == Decimal("0.10")
    assert (per_exchange[(2, "INTERPOL")][4], per_exchange[(2, "INTERPOL")][6]) == (2, 1)


def test_no_incomplete_note_when_every_item_has_a_rate(make_report):
    complete = tuple(p for p in LINES if p.reporting_amount is not None)
    wb = openpyxl.load_workbook(io.BytesIO(build_cost_split(make_report(personnel=complete))))
    assert not any(str(r[0]).startswith("Incomplete") for r in _rows(wb["Personnel"]))
