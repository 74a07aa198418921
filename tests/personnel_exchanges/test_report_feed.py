"""What feeds the reports and the dashboard: plain rows, totals, constant query counts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import event

from jointprojects.exchange_rates.models import ExchangeRate
from jointprojects.extensions import db
from jointprojects.personnel_exchanges import queries, services
from jointprojects.personnel_exchanges.costs import personnel_cost_rows
from jointprojects.personnel_exchanges.services import CostData
from jointprojects.personnel_exchanges.timeline import bar_geometry, timeline


@contextmanager
def count_queries() -> Iterator[list[str]]:
    statements: list[str] = []

    def before(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def test_rows_are_plain_data_and_leave_out_cancelled_and_other_arrangements(
        app, make_exchange, make_arrangement, admin):
    sa = make_arrangement(kind="personnel")
    kept = make_exchange(arrangement=sa.reference, costs=[
        CostData("salary", "UN", "1000", "USD"), CostData("travel", "INTERPOL", "250", "EUR")])
    dropped = make_exchange(staff_id="UN-2", arrangement=sa.reference,
                            costs=[CostData("salary", "UN", "7", "USD")])
    services.cancel(dropped, "", admin, on=date(2025, 1, 1))
    make_exchange(staff_id="UN-3", costs=[CostData("salary", "UN", "9", "USD")])
    db.session.commit()
    report = personnel_cost_rows(sa.id)
    assert {r.exchange_id for r in report.rows} == {kept.id}
    plain = (str, int, date, Decimal, type(None))
    assert all(isinstance(getattr(r, f.name), plain) for r in report.rows for f in fields(r))
    everything = personnel_cost_rows()
    assert [(t.organization, t.amount, t.items) for t in everything.totals] == [
        ("INTERPOL", Decimal("250.00"), 1), ("UN", Decimal("1009.00"), 2)]


def test_the_rate_of_the_cost_month_is_used(app, make_exchange):
    db.session.add_all([ExchangeRate(currency="EUR", month="2025-03", rate=Decimal("0.8")),
                        ExchangeRate(currency="EUR", month="2025-06", rate=Decimal("0.95"))])
    db.session.commit()
    make_exchange(costs=[CostData("travel", "UN", "100", "EUR"),
                         CostData("travel", "UN", "100", "EUR", date(2025, 6, 1))])
    report = personnel_cost_rows()
    assert [(r.rate_month, r.reporting_amount) for r in report.rows] == [
        ("2025-03", Decimal("125.00")), ("2025-06", Decimal("105.26"))]
    assert report.totals[0].amount == Decimal("230.26")


def test_query_counts_stay_constant(app, make_exchange, admin):
    def load(n: int, offset: int) -> None:
        for i in range(n):
            make_exchange(approved=True, staff_id=f"S-{offset + i}",
                          start_date=date.today() - timedelta(days=5),
                          end_date=date.today() + timedelta(days=20 + i),
                          costs=[CostData("salary", "UN", "100", "EUR")])

    def counts() -> tuple[int, ...]:
        result = []
        for fn in (lambda: queries.ending_within(60), queries.awaiting_approval,
                   personnel_cost_rows, queries.status_counts,
                   lambda: timeline("UN", date.today().replace(day=1), 6)):
            db.session.expire_all()
            with count_queries() as statements:
                fn()
            result.append(len(statements))
        return tuple(result)

    load(2, 0)
    small = counts()
    load(6, 100)
    assert counts() == small


def test_bar_geometry_in_percent_of_the_window():
    jan, dec = date(2025, 1, 1), date(2025, 12, 31)
    assert bar_geometry(date(2025, 1, 1), date(2025, 12, 31), jan, dec) == ("0.00%", "100.00%")
    assert bar_geometry(date(2024, 6, 1), date(2025, 1, 1), jan, dec) == ("0.00%", "0.27%")
    assert bar_geometry(date(2025, 12, 31), date(2026, 6, 1), jan, dec) == ("99.73%", "0.27%")
    assert bar_geometry(date(2024, 1, 1), date(2024, 12, 31), jan, dec) is None
    assert bar_geometry(date(2026, 1, 1), date(2026, 2, 1), jan, dec) is None
