"""Demo expenses: four months of realistic costs in USD, EUR and JPY on the demo's
arrangements in force, the exchange rates of those months, a budget per arrangement, and one
amendment of the shares consented by both parties (so the parts change retroactively).

Called once by :func:`jointprojects.demo.load_demo` (which is idempotent); flushes only.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from typing import Any

from jointprojects.budgets import services as budgets
from jointprojects.exchange_rates import services as exchange_rates
from jointprojects.expenses import figures, recording
from jointprojects.expenses.checks import ExpenseData
from jointprojects.special_arrangements import amendments
from jointprojects.special_arrangements.services import ShareData

MONTHS = ("2026-07", "2026-08", "2026-09", "2026-10")
#: UN operational rates of exchange, units per one US dollar (illustrative figures).
RATES = {
    "EUR": ("0.9214", "0.9187", "0.9302", "0.9265"),
    "JPY": ("148.35", "151.20", "149.87", "152.44"),
}

# (category, description, currency, low, high, decimals)
COSTS = [
    ("travel", "Trainers' flights to the regional workshop", "EUR", 600, 2400, 2),
    ("travel", "Participants' daily subsistence allowance", "USD", 900, 5200, 2),
    ("travel", "Shinkansen and local transport, Tokyo module", "JPY", 18_000, 240_000, 0),
    ("meetings", "Conference room and interpretation", "EUR", 1_500, 9_000, 2),
    ("meetings", "Expert group meeting, Lyon", "EUR", 800, 4_000, 2),
    ("equipment", "Forensic laptops and licences", "USD", 2_000, 14_000, 2),
    ("training", "E-learning module production", "USD", 1_000, 8_000, 2),
    ("training", "Printed training manuals, Japanese edition", "JPY", 90_000, 600_000, 0),
    ("contractual_services", "Translation of case studies", "EUR", 400, 3_200, 2),
    ("operating", "Secure communications subscription", "USD", 150, 900, 2),
    ("personnel", "Consultant fees, curriculum design", "USD", 3_000, 12_000, 2),
]


def _amount(rng: random.Random, low: int, high: int, decimals: int) -> str:
    value = Decimal(rng.randint(low * 100, high * 100)) / 100
    return f"{value:.{decimals}f}"


def load_demo_expenses(arrangements: list[Any], admin: Any) -> None:
    """Record the demo expenses on ``arrangements`` (in force), as ``admin``."""
    rng = random.Random(1997)  # noqa: S311 - reproducible demo figures, not cryptography
    for currency, rates in RATES.items():
        for month, rate in zip(MONTHS, rates, strict=True):
            exchange_rates.set_rate(currency, month, rate, "UN operational rates of exchange",
                                    admin)

    for index, sa in enumerate(arrangements):
        parties = sa.party_codes
        items = []
        for month in MONTHS:
            year, month_number = int(month[:4]), int(month[5:])
            for _ in range(4 + (index + month_number) % 3):
                category, description, currency, low, high, decimals = rng.choice(COSTS)
                items.append(ExpenseData(
                    date=date(year, month_number, rng.randint(1, 28)), category=category,
                    amount=_amount(rng, low, high, decimals), currency=currency,
                    paid_by=rng.choice(parties), description=description,
                    document_reference=f"{sa.reference[3:]}-{month[2:].replace('-', '')}-"
                                       f"{rng.randint(100, 999)}",
                ))
        # A refund: a cancelled hotel booking credited back.
        items.append(ExpenseData(
            date=date(2026, 10, 30), category="travel", amount="-420.00", currency="USD",
            paid_by=parties[0], description="Refund of a cancelled hotel booking",
            document_reference=f"{sa.reference[3:]}-CR-01"))
        items.sort(key=lambda item: item.date or date.min)  # every demo expense has a date
        recording.record_expenses(sa, items, admin)
        # A budget per arrangement: travel a little under what was spent (so the overrun
        # flag shows), meetings and equipment comfortably above.
        whole_year = (date(2026, 1, 1), date(2026, 12, 31))
        spent = {category: figures.cost_split(sa, *whole_year, category=category).total
                 for category in ("travel", "meetings", "equipment")}
        for category, factor in (("travel", "0.8"), ("meetings", "1.5"), ("equipment", "2")):
            planned = max(spent[category] * Decimal(factor), Decimal(5000))
            budgets.set_budget(sa, category, 2026, None, str(planned.quantize(Decimal(1))),
                                admin, "Approved work plan 2026")

    # An amendment of the first arrangement: from 1 September 2026 the parties share equally
    # (travel 60/40). It takes effect, retroactively, with the last consent.
    first = arrangements[0]
    version = amendments.propose_amendment(
        first, date(2026, 9, 1),
        [ShareData("UN", "50"), ShareData("INTERPOL", "50"),
         ShareData("UN", "60", "travel"), ShareData("INTERPOL", "40", "travel")],
        [], "Revised contributions after the mid-term review", admin)
    amendments.consent(first, version, "UN", date(2026, 10, 12), admin)
    amendments.consent(first, version, "INTERPOL", date(2026, 10, 19), admin)
