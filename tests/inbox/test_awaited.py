"""What is awaited, computed from the records (issue 16, item 1): against the demo portfolio
for each role and organization, what nobody else sees, and items disappearing by themselves
when the record changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from jointprojects.auth.models import User
from jointprojects.demo import load_demo
from jointprojects.documents.models import ReceiptRule
from jointprojects.exchange_rates import services as rates
from jointprojects.expenses import recording
from jointprojects.expenses.checks import ExpenseData
from jointprojects.extensions import db
from jointprojects.inbox import awaited
from jointprojects.organizations.models import Organization
from jointprojects.personnel_exchanges import services as exchanges
from jointprojects.personnel_exchanges.models import PersonnelExchange
from jointprojects.special_arrangements import amendments
from jointprojects.special_arrangements import services as sa_services
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.special_arrangements.services import ShareData
from jointprojects.statements import services as statements
from jointprojects.vocabulary import AWAITED_KINDS
from tests.statements.conftest import expense


def _user(email: str) -> User:
    user = db.session.scalar(select(User).filter_by(email=email))
    assert user is not None
    return user


def _keys(items: list[awaited.Item]) -> set[str]:
    return {i.key for i in items}


@pytest.fixture()
def demo(app: Any) -> None:
    load_demo()
    db.session.commit()


def test_interpol_programme_managers_see_the_signatures_and_approvals_awaited_from_them(
        demo: None) -> None:
    items = awaited.awaited_for(_user("pm.interpol@demo.jointprojects.org"))
    to_do = {i.key for i in items if i.action}
    assert {"signature:SA-2025-007:INTERPOL", "signature:SA-2025-008:INTERPOL",
            "signature:SA-2026-009:INTERPOL"} <= to_do
    assert any(k.startswith("approval:") and k.endswith(":INTERPOL") for k in to_do)
    assert all(i.organization == "INTERPOL" for i in items)
    sign = next(i for i in items if i.key == "signature:SA-2025-007:INTERPOL")
    assert sign.title == "INTERPOL's signature is awaited on SA-2025-007"
    assert sign.url == "/arrangements/SA-2025-007#sign-h"
    assert sign.due == date(2025, 7, 1)
    assert sign.kind in AWAITED_KINDS and sign.roles == frozenset({"programme_manager"})


def test_un_is_told_of_the_notice_interpol_gave_and_interpol_is_not(demo: None) -> None:
    un = awaited.awaited_for(_user("pm.un@demo.jointprojects.org"), date(2026, 12, 1))
    notice = [i for i in un if i.kind == "notice_given"]
    assert [i.key for i in notice] == ["notice_given:SA-2024-005:2026-09-30:UN"]
    assert not notice[0].action and notice[0].due == date(2027, 3, 30)
    assert "INTERPOL gave notice" in notice[0].title
    interpol = awaited.awaited_for(_user("pm.interpol@demo.jointprojects.org"),
                                   date(2026, 12, 1))
    assert not [i for i in interpol if i.kind == "notice_given"]


def test_un_is_not_awaited_where_it_signed_already(demo: None) -> None:
    keys = _keys(awaited.awaited_for(_user("pm.un@demo.jointprojects.org")))
    assert "signature:SA-2025-007:UN" not in keys  # UN signed it
    assert "signature:SA-2025-008:UN" in keys


def test_finance_and_leadership_have_no_signature_to_give(demo: None) -> None:
    for email in ("finance.interpol@demo.jointprojects.org",
                  "leadership@demo.jointprojects.org"):
        items = awaited.awaited_for(_user(email))
        assert not [i for i in items if i.kind in ("signature", "consent", "approval")]


def test_leadership_is_told_what_ends_soon(demo: None) -> None:
    # the demo's exchange of Amina Diallo ends on 15 January 2027
    items = awaited.awaited_for(_user("leadership@demo.jointprojects.org"), date(2026, 12, 1))
    ending = [i for i in items if i.kind == "ending"]
    assert ending and all(not i.action for i in ending)
    assert awaited.count_to_do(_user("leadership@demo.jointprojects.org"), date(2026, 12, 1)) \
        == 0


def test_a_third_organization_sees_only_its_own_arrangement(demo: None) -> None:
    items = awaited.awaited_for(_user("pm.unodc@demo.jointprojects.org"))
    assert _keys(items) == {"signature:SA-2026-009:UNODC"}


def test_an_organization_party_to_nothing_sees_nothing(demo: None,
                                                       make_user: Callable[..., Any]) -> None:
    db.session.add(Organization(code="OSCE", name="OSCE", currency="EUR"))
    db.session.commit()
    for role in ("programme_manager", "finance", "leadership", "admin"):
        user = make_user(role, "OSCE")
        assert awaited.awaited_for(user, date(2026, 12, 1)) == []


def test_awaited_all_is_what_each_organization_and_role_is_given(demo: None) -> None:
    today = date(2026, 12, 1)
    everything = awaited.awaited_all(today)
    assert len(everything) == len(_keys(everything))  # keys are unique
    for user in db.session.scalars(select(User)):
        expected = awaited.for_role(everything, user)
        assert awaited.awaited_for(user, today) == expected, user.email


def test_signing_removes_the_item_by_itself(demo: None) -> None:
    pm = _user("pm.interpol@demo.jointprojects.org")
    assert "signature:SA-2025-007:INTERPOL" in _keys(awaited.awaited_for(pm))
    sa = db.session.scalar(select(SpecialArrangement).filter_by(reference="SA-2025-007"))
    sa_services.sign(sa, "INTERPOL", date(2025, 6, 25), pm, "Jan Berg", "Director")
    db.session.commit()
    assert "signature:SA-2025-007:INTERPOL" not in _keys(awaited.awaited_all())


def test_approving_an_exchange_removes_the_item(demo: None) -> None:
    pm = _user("pm.interpol@demo.jointprojects.org")
    item = next(i for i in awaited.awaited_for(pm) if i.kind == "approval")
    exchange_id = int(item.key.split(":")[1].removeprefix("exchange-"))
    exchange = db.session.get(PersonnelExchange, exchange_id)
    exchanges.approve(exchange, "INTERPOL", date(2026, 11, 1), pm)
    db.session.commit()
    assert item.key not in _keys(awaited.awaited_all())


def test_an_amendment_awaits_every_party_s_consent_until_given(
        make_arrangement: Callable[..., Any], make_user: Callable[..., Any]) -> None:
    sa = make_arrangement()
    pm_un, pm_ip = make_user("programme_manager", "UN"), make_user("programme_manager",
                                                                   "INTERPOL")
    version = amendments.propose_amendment(
        sa, date(2026, 1, 1), [ShareData("UN", "50"), ShareData("INTERPOL", "50")], [],
        "Equal shares", pm_un)
    db.session.commit()
    keys = _keys(awaited.awaited_all())
    assert {f"consent:{sa.reference}:1:UN", f"consent:{sa.reference}:1:INTERPOL"} <= keys
    amendments.consent(sa, version, "INTERPOL", date(2025, 12, 1), pm_ip)
    db.session.commit()
    keys = _keys(awaited.awaited_all())
    assert f"consent:{sa.reference}:1:INTERPOL" not in keys
    assert _keys(awaited.awaited_for(pm_ip)) == set()


def test_a_statement_awaits_acceptance_then_the_payment_its_confirmation(
        make_arrangement: Callable[..., Any], make_user: Callable[..., Any]) -> None:
    sa = make_arrangement()
    fin_un, fin_ip = make_user("finance", "UN"), make_user("finance", "INTERPOL")
    recording.record_expense(sa, expense(date(2025, 2, 10), "1000.00", "UN"), fin_un)
    recording.record_expense(sa, expense(date(2025, 3, 20), "200.00", "INTERPOL"), fin_un)
    st = statements.issue_statement(sa, date(2025, 3, 31), date(2025, 4, 30), fin_un,
                                    today=date(2025, 4, 5))
    db.session.commit()
    ref = sa.reference
    on = date(2025, 4, 10)
    assert {f"statement_acceptance:{ref}:1:UN", f"statement_acceptance:{ref}:1:INTERPOL"} \
        <= _keys(awaited.awaited_all(on))
    statements.acknowledge(sa, st, "UN", "accept", None, fin_un, today=on)
    db.session.commit()
    un_keys = _keys(awaited.awaited_for(fin_un, on))
    assert f"statement_acceptance:{ref}:1:UN" not in un_keys
    assert f"statement_acceptance:{ref}:1:INTERPOL" in _keys(awaited.awaited_for(fin_ip, on))

    # INTERPOL owes UN 340.00 (shares 660/540 of 1200, paid 1000/200); past the due date
    late = date(2025, 5, 2)
    overdue_ip = [i for i in awaited.awaited_for(fin_ip, late) if i.kind == "transfer_overdue"]
    assert len(overdue_ip) == 1 and overdue_ip[0].action
    assert "INTERPOL owes UN 340.00 USD" in overdue_ip[0].title
    overdue_un = [i for i in awaited.awaited_for(fin_un, late) if i.kind == "transfer_overdue"]
    assert len(overdue_un) == 1 and not overdue_un[0].action
    assert not [i for i in awaited.awaited_for(fin_ip, date(2025, 4, 30))
                if i.kind == "transfer_overdue"]  # not before the due date has passed

    payment = statements.record_payment(
        sa, st, statements.PaymentData("INTERPOL", "UN", "340.00", date(2025, 5, 3), "BANK-1"),
        fin_ip, today=date(2025, 5, 3))
    db.session.commit()
    after = date(2025, 5, 4)
    assert not [i for i in awaited.awaited_all(after) if i.kind == "transfer_overdue"]
    confirm = [i for i in awaited.awaited_for(fin_un, after)
               if i.kind == "payment_confirmation"]
    assert [i.key for i in confirm] == [f"payment_confirmation:payment-{payment.id}:UN"]
    assert confirm[0].url.endswith(f"#payment-{payment.id}")
    assert not [i for i in awaited.awaited_for(fin_ip, after)
                if i.kind == "payment_confirmation"]
    statements.confirm_receipt(payment, "UN", date(2025, 5, 4), fin_un, today=after)
    db.session.commit()
    assert not [i for i in awaited.awaited_all(after) if i.kind == "payment_confirmation"]


def test_a_missing_receipt_is_awaited_from_the_payer_s_finance(
        make_arrangement: Callable[..., Any], make_user: Callable[..., Any]) -> None:
    sa = make_arrangement()
    fin_un, fin_ip = make_user("finance", "UN"), make_user("finance", "INTERPOL")
    recording.record_expense(sa, expense(date(2025, 2, 10), "1000.00", "UN"), fin_un)
    recording.record_expense(sa, expense(date(2025, 2, 11), "10.00", "UN"), fin_un)
    recording.record_expense(sa, expense(date(2025, 2, 12), "900.00", "INTERPOL"), fin_ip)
    db.session.commit()
    assert not [i for i in awaited.awaited_all() if i.kind == "missing_receipt"]
    db.session.add(ReceiptRule(arrangement_id=sa.id, threshold="500"))
    db.session.commit()
    un = [i for i in awaited.awaited_for(fin_un) if i.kind == "missing_receipt"]
    assert [i.title for i in un] == [f"1 expense of {sa.reference} paid by UN miss the "
                                     "required receipt"]
    ip = [i for i in awaited.awaited_for(fin_ip) if i.kind == "missing_receipt"]
    assert [i.key for i in ip] == [f"missing_receipt:{sa.reference}:INTERPOL"]


def test_a_missing_rate_is_awaited_from_finance_until_entered(
        make_arrangement: Callable[..., Any], make_user: Callable[..., Any]) -> None:
    sa = make_arrangement()
    fin = make_user("finance", "UN")
    recording.record_expense(sa, ExpenseData(
        date=date(2025, 2, 10), category="travel", amount="1000.00", currency="EUR",
        paid_by="UN", exchange_rate="0.9"), fin)
    db.session.commit()
    keys = _keys(awaited.awaited_for(fin))
    assert "missing_rate:EUR:2025-02:UN" in keys
    rates.set_rate("EUR", "2025-02", "0.92", "UN operational rates", fin)
    db.session.commit()
    assert "missing_rate:EUR:2025-02:UN" not in _keys(awaited.awaited_all())


@pytest.mark.parametrize("days, within", [(60, 60), (31, 60), (30, 30), (8, 30), (7, 7),
                                          (0, 7)])
def test_ending_items_change_key_at_each_threshold(make_arrangement: Callable[..., Any],
                                                   days: int, within: int) -> None:
    sa = make_arrangement(end_date=date(2026, 6, 30))
    today = date(2026, 6, 30) - timedelta(days=days)
    items = [i for i in awaited.awaited_all(today) if i.kind == "ending"]
    assert {i.key for i in items} == {f"ending:{sa.reference}:2026-06-30:{within}:UN",
                                      f"ending:{sa.reference}:2026-06-30:{within}:INTERPOL"}
    assert not [i for i in awaited.awaited_all(today - timedelta(days=61 - days))
                if i.kind == "ending"]
