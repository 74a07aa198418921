"""Fixtures for the reports/ tests: plain data (no Flask app, no database) and LibreOffice.

``make_report`` builds a cost-split report whose "API figures" are computed here from the
expense rows with Decimal arithmetic, the way the application's cost split does (share = sum
of parts, paid = sum of reporting amounts by payer, balance = paid - share, settlement by
largest debtor/creditor), so the workbook's formulas can be compared with them to the cent.

``libreoffice`` converts a workbook with LibreOffice headless in a fresh profile that forces
recalculation on load (OOXMLRecalcMode = 0, "always"), and returns the recalculated file.
Without LibreOffice the tests using it are skipped with the reason shown, except under
``CI=true`` where they fail: CI installs libreoffice-calc-nogui and must run them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import pytest

from jointprojects.money import minor_units, quantum
from reports.data import (
    ArrangementInfo,
    BudgetLine,
    CostSplit,
    CostSplitReport,
    ExpenseLine,
    Party,
    PartyFigures,
    PersonnelCostLine,
    RateUsed,
    Settlement,
    ShareVersion,
)

# LibreOffice, shared with tests/reporting: the ``soffice`` and ``libreoffice`` fixtures.
from tests.libreoffice import libreoffice, soffice  # noqa: F401

PARTIES = (
    Party("UN", "United Nations"),
    Party("INTERPOL", "International Criminal Police Organization"),
    Party("UNODC", "United Nations Office on Drugs and Crime"),
)
SHARES = {"UN": Decimal("33.34"), "INTERPOL": Decimal("33.33"), "UNODC": Decimal("33.33")}
TRAVEL_SHARES = {"UN": Decimal("50.00"), "INTERPOL": Decimal("50.00"), "UNODC": Decimal("0")}
#: Units of currency per one unit of the reporting currency.
RATES = {
    "USD": {"USD": Decimal(1), "EUR": Decimal("0.9234"), "JPY": Decimal("151.37"),
            "KWD": Decimal("0.3072")},
    "JPY": {"JPY": Decimal(1), "USD": Decimal("0.0066"), "EUR": Decimal("0.0061"),
            "KWD": Decimal("0.00203")},
    "KWD": {"KWD": Decimal(1), "USD": Decimal("3.2552"), "EUR": Decimal("3.0057"),
            "JPY": Decimal("492.75")},
}
#: Text a spreadsheet would run or misread if written naively.
FORMULA_TEXTS = ('=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(1,2)",
                 "\tTAB", "\rCR", "\nLF", "#N/A", "=1+2")


def allocate(amount: Decimal, shares: dict[str, Decimal], currency: str) -> dict[str, Decimal]:
    """DOMAIN.md rule 4 (largest remainder), for building consistent test data."""
    q = quantum(minor_units(currency))
    sign = -1 if amount < 0 else 1
    a = abs(amount)
    raw = {code: a * p / 100 for code, p in shares.items()}
    parts = {code: r.quantize(q, rounding=ROUND_DOWN) for code, r in raw.items()}
    missing = int((a - sum(parts.values())) / q)
    order = sorted(shares, key=lambda c: (-(raw[c] - parts[c]), -shares[c], c))
    for code in order[:missing]:
        parts[code] += q
    return {code: sign * v for code, v in parts.items()}


def cost_split_of(expenses: Iterable[ExpenseLine], parties: Iterable[str],
                  currency: str) -> CostSplit:
    """What the API answers for these expenses (rule 7), computed with Decimals."""
    codes = list(parties)
    share = dict.fromkeys(codes, Decimal(0))
    paid = dict.fromkeys(codes, Decimal(0))
    total = unallocated = Decimal(0)
    for e in expenses:
        total += e.reporting_amount
        unallocated += e.unallocated
        paid[e.paid_by] += e.reporting_amount
        for code, part in e.parts.items():
            share[code] += part
    balance = {c: paid[c] - share[c] for c in codes}
    settlements = []
    open_ = dict(balance)
    while True:
        debtors = sorted((c for c in codes if open_[c] < 0), key=lambda c: (open_[c], c))
        creditors = sorted((c for c in codes if open_[c] > 0), key=lambda c: (-open_[c], c))
        if not debtors or not creditors:
            break
        d, c = debtors[0], creditors[0]
        amount = min(-open_[d], open_[c])
        settlements.append(Settlement(d, c, amount))
        open_[d] += amount
        open_[c] -= amount
    return CostSplit(
        currency=currency, total=total, unallocated=unallocated,
        organizations=tuple(PartyFigures(c, share[c], paid[c], balance[c]) for c in codes),
        settlements=tuple(settlements),
    )


def expense(day: date, category: str, description: str, paid_by: str, amount: str,
            currency: str, reporting: str = "USD", *, unallocated: str = "0",
            document_reference: str = "", rate: Decimal | None = None,
            id: int | None = None) -> ExpenseLine:
    rate = rate if rate is not None else RATES[reporting][currency]
    value = Decimal(amount)
    reporting_amount = (value / rate).quantize(quantum(minor_units(reporting)),
                                               rounding=ROUND_HALF_UP)
    shares = TRAVEL_SHARES if category == "travel" else SHARES
    left = unallocated_amount = Decimal(unallocated)
    parts = allocate(reporting_amount - left, shares, reporting)
    return ExpenseLine(
        date=day, category=category, description=description, paid_by=paid_by, amount=value,
        currency=currency, rate=rate, reporting_amount=reporting_amount, parts=parts,
        unallocated=unallocated_amount, version=1 if day < date(2024, 7, 1) else 2,
        document_reference=document_reference, id=id,
        rate_source="same" if currency == reporting else "table",
        recorded_by="Finance Officer (UN)",
        recorded_at=datetime.combine(day + timedelta(days=1), time(9, 30), tzinfo=UTC),
    )


def sample_expenses(reporting: str = "USD") -> list[ExpenseLine]:
    """Expenses in three currencies (and the reporting one), a refund, one over a ceiling,
    and descriptions a spreadsheet would misread."""
    places = minor_units(reporting)
    big = "1500" if places == 0 else ("1500.000" if places == 3 else "1500.00")
    rows = [
        expense(date(2024, 1, 15), "travel", "Flights Lyon - New York", "INTERPOL",
                "1234.56", "EUR", reporting, document_reference="INV-1"),
        expense(date(2024, 1, 31), "equipment", FORMULA_TEXTS[0], "UN", "250000", "JPY",
                reporting, document_reference="=cmd|' /C calc'!A0"),
        expense(date(2024, 2, 1), "training", "+1+1", "UNODC", "999.999", "KWD", reporting),
        expense(date(2024, 2, 29), "meetings", "-2+3", "UN", "100.01", "USD", reporting),
        expense(date(2024, 3, 3), "operating", "@SUM(1,2)", "INTERPOL", "-45.10", "EUR",
                reporting, document_reference="CREDIT-7"),
        expense(date(2024, 3, 31), "personnel", "\tTAB \x00and \x1fcontrol\x07", "UNODC",
                "77.77", "EUR", reporting),
        expense(date(2024, 7, 1), "contractual_services", "#N/A", "UN", "0.01", "EUR",
                reporting),
        expense(date(2024, 7, 2), "other", "Over the ceiling", "INTERPOL", big, reporting,
                reporting, unallocated=big if places == 0 else str(Decimal(big) / 4)),
        expense(date(2024, 12, 31), "travel", "\rCR and \nLF", "UN", "3333.33", "USD",
                reporting),
    ]
    if reporting == "USD":
        rows.append(expense(date(2024, 8, 8), "travel", "ünïcödé — 東京", "UNODC", "12345",
                            "JPY", reporting))
    # The expenses' numbers, in recording order.
    return [replace(row, id=number) for number, row in enumerate(rows, 101)]


@pytest.fixture
def make_report() -> Callable[..., CostSplitReport]:
    """``make_report(reporting="USD", expenses=None, **overrides)``: a full report."""

    def make(reporting: str = "USD", expenses: list[ExpenseLine] | None = None,
             **overrides: object) -> CostSplitReport:
        rows = sample_expenses(reporting) if expenses is None else expenses
        codes = [p.code for p in PARTIES]
        fields: dict[str, object] = {
            "arrangement": ArrangementInfo(
                reference="SA-2024-007", title="=Joint training on trafficking",
                project_code="P-12", project_title="Border management", kind="joint_action",
                parties=PARTIES, currency=reporting, status="in_force",
                entry_into_force=date(2024, 1, 1), start_date=date(2024, 1, 1),
            ),
            "cost_split": (overrides["cost_split"] if "cost_split" in overrides
                           else cost_split_of(rows, codes, reporting)),
            "expenses": iter(rows),
            "versions": (
                ShareVersion(1, date(2024, 1, 1), SHARES, {"travel": TRAVEL_SHARES}),
                ShareVersion(2, date(2024, 7, 1), SHARES, {"travel": TRAVEL_SHARES},
                             {"INTERPOL": Decimal("100000")}),
            ),
            "period_from": date(2024, 1, 1),
            "period_to": date(2024, 12, 31),
            "budget": (BudgetLine("UN", Decimal("10000"), Decimal("1234.5")),
                       BudgetLine(None, Decimal("0"), Decimal("0"), "travel", 2024)),
            "rates": tuple(RateUsed(c, "2024-01", r, "@UN operational rates")
                           for c, r in RATES[reporting].items() if c != reporting),
            "personnel": (PersonnelCostLine("-Jane Doe", "UN", "INTERPOL", "Analyst",
                                            date(2024, 1, 1), date(2024, 12, 31), "salary",
                                            "UN", Decimal("5000.00"), "EUR",
                                            Decimal("5414.77")),),
            "generated_at": datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
            "generated_by": "=finance officer",
            "filters": "+category: all",
        }
        fields.update(overrides)
        return CostSplitReport(**fields)  # type: ignore[arg-type]

    return make


# Test modules are not a package (tests/reports would shadow the reports package): they get
# the sample data through fixtures rather than imports.


@pytest.fixture
def sample_rows() -> Callable[[str], list[ExpenseLine]]:
    return sample_expenses


@pytest.fixture
def formula_texts() -> tuple[str, ...]:
    return FORMULA_TEXTS


@pytest.fixture
def parties() -> tuple[Party, ...]:
    return PARTIES
