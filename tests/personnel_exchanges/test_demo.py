"""The demo exchanges: every situation present, loading twice changes nothing."""

from datetime import date

from jointprojects.extensions import db
from jointprojects.personnel_exchanges import queries
from jointprojects.personnel_exchanges.demo import load_demo_exchanges
from jointprojects.personnel_exchanges.models import PersonnelExchange


def test_demo_exchanges_cover_each_situation_and_load_once(app, admin, make_arrangement):
    sa = make_arrangement(kind="personnel")
    on = date(2026, 6, 1)
    assert load_demo_exchanges(admin, sa.reference, today=on) is True
    assert load_demo_exchanges(admin, sa.reference, today=on) is False
    exchanges = list(db.session.scalars(db.select(PersonnelExchange)))
    assert len(exchanges) == 5 and all(x.arrangement is sa for x in exchanges)
    assert {x.status_on(on) for x in exchanges} == {"active", "proposed", "completed"}
    assert len(queries.ending_within(60, today=on)) == 1
    assert len(queries.awaiting_approval(today=on)) == 2
