"""Demo personnel exchanges (Art. 8) for ``jointprojects demo``: one of each situation the
register, the timeline and the dashboard alerts show. Dates are relative to ``today`` so that
the alerts have something to say whenever the demo is loaded. Idempotent."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from jointprojects.extensions import db
from jointprojects.personnel_exchanges import services
from jointprojects.personnel_exchanges.models import PersonnelExchange
from jointprojects.personnel_exchanges.services import CostData, ExchangeData
from jointprojects.special_arrangements.models import SpecialArrangement

#: (staff id, name, home, host, position, duty station, start and end in days from today,
#: approvals by, costs as (category, borne by, amount, currency))
EXCHANGES: list[tuple[Any, ...]] = [
    ("UN-DEMO-01", "Amina Diallo", "UN", "INTERPOL", "Liaison officer", "Lyon", -130, 45,
     ("UN", "INTERPOL"), [("salary", "UN", "54000.00", "USD"),
                          ("daily_subsistence", "INTERPOL", "21600.00", "EUR"),
                          ("travel", "UN", "2350.00", "USD")]),
    ("IP-DEMO-02", "Jean Martin", "INTERPOL", "UN", "Criminal intelligence analyst",
     "New York", -200, 330, ("UN", "INTERPOL"),
     [("salary", "INTERPOL", "71500.00", "EUR"), ("allowances", "UN", "9600.00", "USD"),
      ("insurance", "INTERPOL", "1800.00", "EUR")]),
    ("UN-DEMO-03", "Carlos Pérez", "UN", "INTERPOL", "Forensic adviser", "Singapore", 40, 220,
     ("UN",), [("salary", "UN", "48000.00", "USD"), ("relocation", "INTERPOL", "6000.00", "EUR")]),
    ("IP-DEMO-04", "Sofia Rossi", "INTERPOL", "UN", "Police adviser", "Vienna", 90, 455, (),
     [("salary", "INTERPOL", "66000.00", "EUR")]),
    ("UN-DEMO-05", "Wei Zhang", "UN", "INTERPOL", "Project officer", "Lyon", -500, -40,
     ("UN", "INTERPOL"), [("salary", "UN", "61000.00", "USD")]),
]


def load_demo_exchanges(admin: Any, arrangement_reference: str | None = "SA-2024-005",
                        today: date | None = None) -> bool:
    """Register the demo exchanges unless they are there. Returns True when it loaded."""
    if db.session.scalar(select(PersonnelExchange.id).filter_by(staff_id=EXCHANGES[0][0])):
        return False
    today = today or services.current_day()
    reference = arrangement_reference if arrangement_reference and db.session.scalar(
        select(SpecialArrangement.id).filter_by(reference=arrangement_reference)) else None
    for (staff_id, name, home, host, position, station, start, end, approvals,
         costs) in EXCHANGES:
        exchange = services.create_exchange(ExchangeData(
            staff_id=staff_id, person_name=name, home_organization=home,
            host_organization=host, position=position, duty_station=station,
            start_date=today + timedelta(days=start), end_date=today + timedelta(days=end),
            arrangement=reference, return_right_note=f"Returns to a post at {home}.",
            costs=[CostData(*c) for c in costs],
        ), admin)
        for org in approvals:
            services.approve(exchange, org, exchange.start_date - timedelta(days=20), admin)
    return True
