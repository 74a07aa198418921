"""The personnel exchange rules of Art. 8 (DOMAIN.md), at the service level."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from jointprojects.audit.models import AuditEntry
from jointprojects.errors import Conflict, DomainError, Forbidden
from jointprojects.extensions import db
from jointprojects.organizations.services import create_organization
from jointprojects.personnel_exchanges import queries, services
from jointprojects.personnel_exchanges.models import PersonnelExchange
from jointprojects.personnel_exchanges.services import CostData, latest_end_date
from tests.personnel_exchanges.conftest import exchange_data


def errors_of(exc: pytest.ExceptionInfo[DomainError]) -> dict[str | None, str]:
    """Messages by field (several for one field joined with " | ")."""
    result: dict[str | None, str] = {}
    for e in exc.value.errors:
        result[e.field] = f"{result[e.field]} | {e.message}" if e.field in result else e.message
    return result


def count_exchanges() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(PersonnelExchange))


# --- home, host and the agreement -------------------------------------------------------------

def test_home_and_host_must_differ(app, admin):
    with pytest.raises(DomainError) as exc:
        services.create_exchange(exchange_data(host_organization="UN"), admin)
    assert "must differ" in errors_of(exc)["host_organization"]


def test_home_and_host_must_be_parties_of_the_agreement(app, admin):
    create_organization("UNODC", "UN Office on Drugs and Crime", "USD")
    with pytest.raises(DomainError) as exc:
        services.create_exchange(exchange_data(host_organization="UNODC",
                                               home_organization="NOPE"), admin)
    errors = errors_of(exc)
    assert "not a party to the cooperation agreement" in errors["host_organization"]
    assert "Unknown organization 'NOPE'" in errors["home_organization"]


def test_required_fields_are_named_all_at_once(app, admin):
    data = services.ExchangeData()
    with pytest.raises(DomainError) as exc:
        services.create_exchange(data, admin)
    assert set(errors_of(exc)) == {"staff_id", "person_name", "position", "home_organization",
                                   "host_organization", "start_date", "end_date"}
    assert "temporary" in errors_of(exc)["end_date"]
    assert count_exchanges() == 0


# --- dates ------------------------------------------------------------------------------------

def test_end_date_must_be_after_start_date(app, admin):
    for end in (date(2025, 3, 1), date(2025, 2, 28)):
        with pytest.raises(DomainError) as exc:
            services.create_exchange(exchange_data(end_date=end), admin)
        assert errors_of(exc)["end_date"] == "End date must be after the start date."


@pytest.mark.parametrize(("start", "latest"), [
    (date(2025, 1, 1), date(2026, 12, 31)),
    (date(2025, 3, 15), date(2027, 3, 14)),
    # into a leap year: the last day in post is 29 February
    (date(2026, 3, 1), date(2028, 2, 29)),
    # from a leap day: 29 February 2026 does not exist, the anniversary is the 28th
    (date(2024, 2, 29), date(2026, 2, 27)),
    # out of a leap year
    (date(2024, 3, 1), date(2026, 2, 28)),
    # end-of-month clamping (DOMAIN.md rule 8)
    (date(2025, 8, 31), date(2027, 8, 30)),
])
def test_latest_end_date_is_the_day_before_the_same_date_24_months_later(start, latest):
    assert latest_end_date(start, 24) == latest


@pytest.mark.parametrize(("start", "latest"), [
    (date(2025, 1, 1), date(2026, 12, 31)),
    (date(2026, 3, 1), date(2028, 2, 29)),
    (date(2024, 2, 29), date(2026, 2, 27)),
])
def test_maximum_duration_exactly_is_accepted_and_one_day_over_refused(app, admin, start,
                                                                       latest):
    with pytest.raises(DomainError) as exc:
        services.create_exchange(
            exchange_data(start_date=start, end_date=latest + timedelta(days=1)), admin)
    message = errors_of(exc)["end_date"]
    assert "at most 24 months" in message and latest.isoformat() in message
    exchange = services.create_exchange(exchange_data(start_date=start, end_date=latest), admin)
    assert exchange.end_date == latest


def test_maximum_duration_follows_the_configuration(app, admin):
    app.config["PERSONNEL_MAX_MONTHS"] = 6
    try:
        with pytest.raises(DomainError) as exc:
            services.create_exchange(exchange_data(start_date=date(2025, 3, 1),
                                                   end_date=date(2025, 9, 1)), admin)
        assert "at most 6 months" in errors_of(exc)["end_date"]
        assert services.create_exchange(exchange_data(start_date=date(2025, 3, 1),
                                                      end_date=date(2025, 8, 31)), admin)
    finally:
        app.config["PERSONNEL_MAX_MONTHS"] = 24


# --- overlap ----------------------------------------------------------------------------------

def test_the_same_day_is_an_overlap(app, make_exchange, admin):
    first = make_exchange(start_date=date(2025, 3, 1), end_date=date(2025, 8, 31))
    with pytest.raises(DomainError) as exc:
        services.create_exchange(exchange_data(start_date=date(2025, 8, 31),
                                               end_date=date(2025, 12, 31)), admin)
    message = errors_of(exc)["start_date"]
    assert f"already on exchange no. {first.id}" in message
    assert "2025-03-01 to 2025-08-31" in message
    assert count_exchanges() == 1


def test_an_exchange_reaching_into_a_later_one_is_refused_on_its_end_date(app, make_exchange,
                                                                           admin):
    make_exchange(start_date=date(2025, 9, 1), end_date=date(2025, 12, 31))
    with pytest.raises(DomainError) as exc:
        services.create_exchange(exchange_data(start_date=date(2025, 3, 1),
                                               end_date=date(2025, 9, 1)), admin)
    assert "cannot share a day" in errors_of(exc)["end_date"]


def test_an_exchange_inside_another_is_refused(app, make_exchange, admin):
    other = make_exchange(start_date=date(2025, 1, 1), end_date=date(2025, 12, 31))
    with pytest.raises(DomainError, match=rf"already on exchange no\. {other.id} "):
        services.create_exchange(exchange_data(start_date=date(2025, 5, 1),
                                               end_date=date(2025, 6, 1)), admin)


def test_consecutive_exchanges_are_fine(app, make_exchange, admin):
    make_exchange(start_date=date(2025, 3, 1), end_date=date(2025, 8, 31))
    second = services.create_exchange(exchange_data(start_date=date(2025, 9, 1),
                                                    end_date=date(2026, 2, 28)), admin)
    before = services.create_exchange(exchange_data(start_date=date(2024, 9, 1),
                                                    end_date=date(2025, 2, 28)), admin)
    assert second.id and before.id


def test_cancelled_exchanges_do_not_count(app, make_exchange, admin):
    first = make_exchange()
    services.cancel(first, "Post frozen", admin, on=date(2025, 1, 15))
    again = services.create_exchange(exchange_data(), admin)
    assert again.status == "proposed"


def test_another_staff_member_or_organization_may_share_the_dates(app, make_exchange, admin):
    make_exchange()
    assert services.create_exchange(exchange_data(staff_id="UN-4712"), admin)
    # the same number in the other organization's staff register is another person
    assert services.create_exchange(exchange_data(home_organization="INTERPOL",
                                                  host_organization="UN"), admin)


# --- approvals --------------------------------------------------------------------------------

def test_both_organizations_approve_then_it_is_approved(app, make_exchange, make_user):
    exchange = make_exchange()
    un, interpol = make_user("programme_manager", "UN"), make_user("programme_manager",
                                                                    "INTERPOL")
    services.approve(exchange, "UN", date(2025, 2, 1), un)
    assert exchange.status == "proposed"
    assert services.missing_approvals(exchange) == ["INTERPOL"]
    services.approve(exchange, "INTERPOL", date(2025, 2, 3), interpol)
    assert exchange.status == "approved"
    assert services.missing_approvals(exchange) == []
    assert [a.recorded_by_admin for a in exchange.approvals] == [False, False]


def test_a_un_user_cannot_approve_for_interpol(app, make_exchange, make_user):
    exchange = make_exchange()
    with pytest.raises(Forbidden) as exc:
        services.approve(exchange, "INTERPOL", date(2025, 2, 1),
                         make_user("programme_manager", "UN"))
    assert "Only a user of INTERPOL" in str(exc.value)
    assert exchange.approvals == []


@pytest.mark.parametrize("role", ["finance", "leadership"])
def test_roles_without_the_right_cannot_approve_even_for_their_organization(
        app, make_exchange, make_user, role):
    with pytest.raises(Forbidden, match="Your role does not allow"):
        services.approve(make_exchange(), "UN", date(2025, 2, 1), make_user(role, "UN"))


def test_an_admin_can_approve_for_another_organization_and_is_marked(app, make_exchange,
                                                                     make_user):
    exchange = make_exchange()
    admin = make_user("admin", "UN")
    own = services.approve(exchange, "UN", date(2025, 2, 1), admin)
    other = services.approve(exchange, "INTERPOL", date(2025, 2, 1), admin)
    assert (own.recorded_by_admin, other.recorded_by_admin) == (False, True)


def test_approval_only_by_home_or_host_and_only_once(app, make_exchange, admin):
    create_organization("UNODC", "UN Office on Drugs and Crime", "USD")
    exchange = make_exchange()
    with pytest.raises(DomainError) as exc:
        services.approve(exchange, "UNODC", date(2025, 2, 1), admin)
    assert "neither the home (UN) nor the host (INTERPOL)" in errors_of(exc)["organization"]
    services.approve(exchange, "UN", date(2025, 2, 1), admin)
    with pytest.raises(Conflict, match="already approved"):
        services.approve(exchange, "UN", date(2025, 2, 2), admin)


def test_a_cancelled_exchange_cannot_be_approved(app, make_exchange, admin):
    exchange = make_exchange()
    services.cancel(exchange, "", admin, on=date(2025, 1, 1))
    with pytest.raises(Conflict, match="cancelled"):
        services.approve(exchange, "UN", date(2025, 2, 1), admin)


# --- status on a date -------------------------------------------------------------------------

def test_status_on_a_date(app, make_exchange):
    proposed = make_exchange()
    assert proposed.status_on(date(2025, 5, 1)) == "proposed"
    approved = make_exchange(approved=True, staff_id="UN-1")
    assert approved.status_on(date(2025, 2, 28)) == "approved"
    assert approved.status_on(date(2025, 3, 1)) == "active"
    assert approved.status_on(date(2025, 8, 31)) == "active"
    assert approved.status_on(date(2025, 9, 1)) == "completed"


def test_cancel_refuses_a_completed_exchange(app, make_exchange, admin):
    exchange = make_exchange(approved=True)
    with pytest.raises(Conflict, match="completed"):
        services.cancel(exchange, "", admin, on=date(2025, 9, 1))
    services.cancel(exchange, "Recalled", admin, on=date(2025, 8, 31))
    assert exchange.status_on(date(2025, 5, 1)) == "cancelled"
    with pytest.raises(Conflict, match="already cancelled"):
        services.cancel(exchange, "", admin, on=date(2025, 8, 31))


# --- extensions -------------------------------------------------------------------------------

def test_extension_is_kept_in_history_and_checked_against_the_maximum(app, make_exchange, admin):
    exchange = make_exchange(approved=True)
    services.extend(exchange, date(2025, 12, 31), "Project prolonged", admin)
    assert exchange.end_date == date(2025, 12, 31)
    assert [(e.old_end_date, e.new_end_date, e.reason) for e in exchange.extensions] == [
        (date(2025, 8, 31), date(2025, 12, 31), "Project prolonged")]
    assert exchange.status == "approved"
    with pytest.raises(DomainError) as exc:
        services.extend(exchange, date(2027, 3, 1), "", admin)
    assert "at most 24 months" in errors_of(exc)["end_date"]
    services.extend(exchange, date(2027, 2, 28), "To the maximum", admin)
    assert len(exchange.extensions) == 2


def test_extension_into_the_next_exchange_is_refused(app, make_exchange, admin):
    exchange = make_exchange()
    make_exchange(start_date=date(2025, 10, 1), end_date=date(2025, 12, 31))
    with pytest.raises(DomainError) as exc:
        services.extend(exchange, date(2025, 10, 1), "", admin)
    assert "cannot share a day" in errors_of(exc)["end_date"]
    services.extend(exchange, date(2025, 9, 30), "", admin)


def test_extension_must_change_the_date_and_stay_after_the_start(app, make_exchange, admin):
    exchange = make_exchange()
    with pytest.raises(DomainError, match="already ends on 2025-08-31"):
        services.extend(exchange, date(2025, 8, 31), "", admin)
    with pytest.raises(DomainError, match="after the start date"):
        services.extend(exchange, date(2025, 3, 1), "", admin)
    with pytest.raises(DomainError, match="Enter the end date"):
        services.extend(exchange, None, "", admin)


def test_an_earlier_return_cannot_strand_a_cost_period(app, make_exchange, admin):
    exchange = make_exchange(costs=[CostData("daily_subsistence", "INTERPOL", "3000", "EUR",
                                             date(2025, 8, 1), date(2025, 8, 31))])
    with pytest.raises(DomainError, match="runs past 2025-07-31"):
        services.extend(exchange, date(2025, 7, 31), "Early return", admin)


# --- editing ----------------------------------------------------------------------------------

def test_update_with_a_stale_version_is_a_conflict(app, make_exchange, admin):
    exchange = make_exchange()
    stale = exchange.version
    services.update_exchange(exchange, exchange_data(position="Senior liaison officer"), stale,
                             admin)
    db.session.commit()
    assert exchange.version == stale + 1
    with pytest.raises(Conflict, match="Someone else changed this exchange"):
        services.update_exchange(exchange, exchange_data(position="Analyst"), stale, admin)


def test_update_checks_the_rules_excluding_itself(app, make_exchange, admin):
    exchange = make_exchange()
    make_exchange(start_date=date(2025, 9, 1), end_date=date(2025, 12, 31))
    services.update_exchange(exchange, exchange_data(start_date=date(2025, 2, 1)), None, admin)
    with pytest.raises(DomainError) as exc:
        services.update_exchange(exchange, exchange_data(end_date=date(2025, 9, 1)), None, admin)
    assert "cannot share a day" in errors_of(exc)["end_date"]


def test_changing_the_terms_withdraws_approvals_of_a_proposed_exchange(app, make_exchange, admin):
    exchange = make_exchange()
    services.approve(exchange, "UN", date(2025, 2, 1), admin)
    result = services.update_exchange(exchange, exchange_data(duty_station="Lyon HQ"), None,
                                      admin)
    assert result.withdrawn_approvals == [] and len(exchange.approvals) == 1
    result = services.update_exchange(exchange, exchange_data(start_date=date(2025, 4, 1)),
                                      None, admin)
    assert result.withdrawn_approvals == ["UN"]
    assert exchange.approvals == []


def test_terms_of_an_approved_exchange_are_fixed(app, make_exchange, admin):
    exchange = make_exchange(approved=True)
    with pytest.raises(Conflict, match="extension"):
        services.update_exchange(exchange, exchange_data(end_date=date(2025, 9, 30)), None,
                                 admin)
    services.update_exchange(exchange, exchange_data(position="Senior liaison officer"), None,
                             admin)
    assert exchange.position == "Senior liaison officer"


def test_linked_arrangement_must_be_between_home_and_host(app, make_arrangement, admin):
    create_organization("UNODC", "UN Office on Drugs and Crime", "USD")
    other = make_arrangement(parties=["UN", "UNODC"], shares={"UN": "50", "UNODC": "50"})
    with pytest.raises(DomainError) as exc:
        services.create_exchange(exchange_data(arrangement=other.reference), admin)
    assert "INTERPOL is not a party to" in errors_of(exc)["arrangement"]
    with pytest.raises(DomainError, match="Unknown special arrangement"):
        services.create_exchange(exchange_data(arrangement="SA-NONE"), admin)
    linked = make_arrangement(kind="personnel")
    exchange = services.create_exchange(exchange_data(arrangement=linked.reference), admin)
    assert exchange.arrangement is linked


# --- cost items -------------------------------------------------------------------------------

def test_cost_items_are_validated_row_by_row(app, admin):
    costs = [
        CostData("salary", "UN", "60000.00", "USD"),
        CostData("bonus", "UN", "10", "USD"),
        CostData("travel", "WHO", "-5", "USD"),
        CostData("travel", "INTERPOL", "10.0001", "EUR"),
        CostData("insurance", "UN", "10", "XXX"),
        CostData("relocation", "UN", "0", "JPY", date(2025, 2, 1), date(2025, 1, 1)),
    ]
    with pytest.raises(DomainError) as exc:
        services.create_exchange(exchange_data(costs=costs), admin)
    errors = errors_of(exc)
    assert "Choose a category: salary" in errors["costs[1].category"]
    assert "Unknown organization 'WHO'" in errors["costs[2].borne_by"]
    assert errors["costs[2].amount"] == "Enter an amount greater than zero."
    assert "more than 2 decimal places" in errors["costs[3].amount"]
    assert "ISO 4217" in errors["costs[4].currency"]
    assert errors["costs[5].amount"] == "Enter an amount greater than zero."
    assert "must not end before it starts" in errors["costs[5].period_end"]
    assert "within the exchange" in errors["costs[5].period_start"]
    assert not any(k.startswith("costs[0]") for k in errors)
    assert count_exchanges() == 0


def test_cost_items_are_added_and_removed_with_audit_rows(app, make_exchange, admin):
    exchange = make_exchange()
    item = services.add_cost(exchange, CostData("travel", "INTERPOL", "1 234,50", "EUR"), admin)
    assert item.amount == Decimal("1234.50") and item.borne_by.code == "INTERPOL"
    services.remove_cost(exchange, item.id, admin)
    assert exchange.cost_items == []
    actions = db.session.execute(db.select(AuditEntry.action, AuditEntry.entity).where(
        AuditEntry.parent_entity == "personnel_exchange", AuditEntry.parent_id == exchange.id)
        .order_by(AuditEntry.id)).all()
    assert [tuple(a) for a in actions] == [
        ("create", "personnel_exchange"), ("create", "exchange_cost_item"),
        ("delete", "exchange_cost_item")]
    with pytest.raises(DomainError, match="no cost item number"):
        services.remove_cost(exchange, item.id, admin)


def test_every_change_writes_an_audit_row(app, make_exchange, admin):
    exchange = make_exchange()
    services.approve(exchange, "UN", date(2025, 2, 1), admin)
    services.approve(exchange, "INTERPOL", date(2025, 2, 1), admin)
    services.extend(exchange, date(2025, 9, 30), "More time", admin)
    services.cancel(exchange, "Recalled", admin, on=date(2025, 4, 1))
    rows = db.session.execute(db.select(AuditEntry.action, AuditEntry.entity).where(
        AuditEntry.parent_id == exchange.id, AuditEntry.parent_entity == "personnel_exchange")
        .order_by(AuditEntry.id)).all()
    assert [tuple(r) for r in rows] == [
        ("create", "personnel_exchange"), ("approve", "exchange_approval"),
        ("approve", "exchange_approval"), ("update", "personnel_exchange"),
        ("extend", "exchange_extension"), ("update", "personnel_exchange"),
        ("cancel", "personnel_exchange")]
    last = db.session.scalar(db.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert last.before["status"] == "approved" and last.after["status"] == "cancelled"
    assert last.after["reason"] == "Recalled" and last.user_id == admin.id


# --- alerts -----------------------------------------------------------------------------------

def test_ending_within_and_awaiting_approval(app, make_exchange, admin):
    soon = make_exchange(approved=True)  # ends 2025-08-31
    later = make_exchange(approved=True, staff_id="UN-2", end_date=date(2025, 12, 31))
    waiting = make_exchange(staff_id="UN-3")
    services.approve(waiting, "INTERPOL", date(2025, 2, 1), admin)
    over = make_exchange(staff_id="UN-4", start_date=date(2024, 1, 1),
                         end_date=date(2024, 6, 30))
    on = date(2025, 7, 2)  # 60 days before 31 August
    assert queries.ending_within(60, today=on) == [soon]
    assert queries.ending_within(59, today=on) == []
    assert queries.ending_within(200, today=on) == [soon, later]
    assert queries.ending_within(60, today=date(2025, 9, 1)) == []
    assert queries.awaiting_approval(today=on) == [waiting]
    assert over not in queries.awaiting_approval(today=on)
    assert services.missing_approvals(waiting) == ["UN"]
    assert queries.is_ending_soon(soon, on) and not queries.is_ending_soon(later, on)


def test_status_counts_read_the_dates(app, make_exchange, admin):
    make_exchange(approved=True)
    make_exchange(approved=True, staff_id="UN-2", start_date=date(2025, 6, 1),
                  end_date=date(2025, 7, 1))
    make_exchange(staff_id="UN-3")
    cancelled = make_exchange(staff_id="UN-4")
    services.cancel(cancelled, "", admin, on=date(2025, 1, 1))
    counts = queries.status_counts(date(2025, 7, 2))
    assert counts == {"proposed": 1, "approved": 0, "active": 1, "completed": 1,
                      "cancelled": 1}


def test_the_staff_id_is_the_same_person_whatever_its_case(app, make_exchange, admin):
    first = make_exchange(start_date=date(2025, 3, 1), end_date=date(2025, 8, 31))
    with pytest.raises(DomainError) as exc:
        services.create_exchange(exchange_data(staff_id=f"  {first.staff_id.lower()} ",
                                               start_date=date(2025, 6, 1),
                                               end_date=date(2025, 12, 31)), admin)
    assert "already on exchange" in errors_of(exc)["start_date"]
    assert count_exchanges() == 1
