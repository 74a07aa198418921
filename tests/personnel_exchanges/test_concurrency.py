"""Two sessions at once on PostgreSQL behave as one: no double booking, no lost update."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from jointprojects.errors import Conflict, DomainError
from jointprojects.extensions import db
from jointprojects.personnel_exchanges import services
from jointprojects.personnel_exchanges.models import PersonnelExchange
from tests.concurrency import POSTGRES_ONLY, in_other_session
from tests.personnel_exchanges.conftest import exchange_data

pytestmark = POSTGRES_ONLY


def test_two_overlapping_exchanges_registered_at_once_cannot_both_succeed(app, admin):
    first = services.create_exchange(exchange_data(), admin)  # holds the staff member's lock
    admin_id = admin.id

    def second() -> Any:
        user = db.session.get(type(admin), admin_id)
        return services.create_exchange(exchange_data(start_date=date(2025, 8, 1),
                                                      end_date=date(2025, 12, 31)), user)

    thread = in_other_session(app, second)
    thread.join(timeout=1)
    assert thread.is_alive(), "the second request must wait for the first one's lock"
    db.session.commit()
    thread.join(timeout=10)
    assert isinstance(thread.error, DomainError)
    assert f"already on exchange no. {first.id}" in str(thread.error)
    assert db.session.scalar(db.select(db.func.count()).select_from(PersonnelExchange)) == 1


def test_a_concurrent_edit_is_a_conflict_not_a_lost_update(app, make_exchange, admin):
    exchange = make_exchange()
    admin_id, exchange_id, seen = admin.id, exchange.id, exchange.version

    def other_edit() -> Any:
        user = db.session.get(type(admin), admin_id)
        other = db.session.get(PersonnelExchange, exchange_id)
        return services.update_exchange(other, exchange_data(position="Analyst"), seen, user)

    thread = in_other_session(app, other_edit)
    thread.join(timeout=10)
    assert thread.error is None
    # this session still holds the version it read before the other edit
    with pytest.raises(Conflict, match="Someone else changed this exchange"):
        services.update_exchange(exchange, exchange_data(position="Senior liaison officer"),
                                 seen, admin)
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(PersonnelExchange, exchange_id).position == "Analyst"


def test_home_and_host_approving_at_the_same_moment_both_count(app, make_exchange, make_user):
    exchange = make_exchange()
    un, interpol = make_user("programme_manager", "UN"), make_user("programme_manager",
                                                                    "INTERPOL")
    services.approve(exchange, "UN", date(2025, 2, 1), un)  # row locked until commit
    ids = (interpol.id, exchange.id)

    def approve_interpol() -> Any:
        user = db.session.get(type(interpol), ids[0])
        other = db.session.get(PersonnelExchange, ids[1])
        services.approve(other, "INTERPOL", date(2025, 2, 1), user)
        return other.status

    thread = in_other_session(app, approve_interpol)
    thread.join(timeout=1)
    assert thread.is_alive()
    db.session.commit()
    thread.join(timeout=10)
    assert thread.error is None and thread.result == "approved"
    db.session.expire_all()
    assert db.session.get(PersonnelExchange, ids[1]).status == "approved"
