"""Cost split and settlement (rule 7), the monthly totals, exchange rates and budgets."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from jointprojects.audit.models import AuditEntry
from jointprojects.budgets import services as budget_services
from jointprojects.dates import month_of
from jointprojects.errors import DomainError
from jointprojects.exchange_rates import services as rate_services
from jointprojects.expenses import figures as expense_figures
from jointprojects.expenses import recording
from jointprojects.expenses.models import Expense, ExpensePart
from jointprojects.extensions import db
from jointprojects.organizations.models import Organization
from jointprojects.special_arrangements import amendments
from jointprojects.special_arrangements.services import CeilingData, ShareData
from tests.expenses.conftest import expense, totals_fresh, totals_table

D = Decimal


def _third_party() -> None:
    db.session.add(Organization(code="UNODC", name="UN Office on Drugs and Crime",
                                currency="USD"))
    db.session.commit()


def _brute_force(sa, date_from, date_to):  # type: ignore[no-untyped-def]
    """Share and paid per party, total and unallocated, summed in Python over every part."""
    share: dict[str, Decimal] = {}
    paid: dict[str, Decimal] = {}
    total = unallocated = D(0)
    for e in db.session.scalars(db.select(Expense).filter_by(arrangement_id=sa.id)):
        if (date_from and e.date < date_from) or (date_to and e.date > date_to):
            continue
        paid[e.paid_by.code] = paid.get(e.paid_by.code, D(0)) + e.reporting_amount
        total += e.reporting_amount
        unallocated += e.unallocated
        for p in db.session.scalars(db.select(ExpensePart).filter_by(expense_id=e.id)):
            share[p.organization.code] = share.get(p.organization.code, D(0)) + p.amount
    return share, paid, total, unallocated


@pytest.mark.parametrize("with_ceilings", [False, True])
def test_the_cost_split_equals_the_sum_of_the_parts_for_any_period(make_arrangement, finance,
                                                                  with_ceilings):
    _third_party()
    sa = make_arrangement(
        parties=["UN", "INTERPOL", "UNODC"],
        shares=[ShareData("UN", "33.33"), ShareData("INTERPOL", "33.33"),
                ShareData("UNODC", "33.34"), ShareData("UN", "60", "travel"),
                ShareData("INTERPOL", "25", "travel"), ShareData("UNODC", "15", "travel")],
        ceilings=[CeilingData("UNODC", "900.00")] if with_ceilings else [],
    )
    rate_services.set_rate("EUR", "2025-02", "0.9137", "", finance)
    rng = random.Random(7)  # noqa: S311 - test data, not cryptography
    items = []
    for _ in range(80):
        day = date(2025, 1, 1) + timedelta(days=rng.randrange(0, 240))
        rate_services.set_rate("EUR", month_of(day), f"0.{rng.randint(8000, 9900)}", "",
                          finance)
        items.append(expense(
            date=day, category=rng.choice(["travel", "equipment", "meetings"]),
            amount=f"{rng.randint(-2000, 90000) or 1}.{rng.randint(0, 99):02d}",
            currency=rng.choice(["USD", "EUR"]), paid_by=rng.choice(["UN", "INTERPOL", "UNODC"]),
        ))
    recording.record_expenses(sa, items, finance)
    db.session.commit()
    periods = [(None, None), (date(2025, 2, 1), date(2025, 4, 30)),
               (date(2025, 2, 14), date(2025, 5, 3)), (date(2025, 3, 5), date(2025, 3, 20)),
               (None, date(2025, 6, 15)), (date(2025, 7, 31), None)]
    for date_from, date_to in periods:
        split = expense_figures.cost_split(sa, date_from, date_to)
        share, paid, total, unallocated = _brute_force(sa, date_from, date_to)
        assert split.total == total and split.unallocated == unallocated
        assert split.expense_count > 0
        for line in split.organizations:
            assert line.share == share.get(line.organization, 0)
            assert line.paid == paid.get(line.organization, 0)
            assert line.balance == line.paid - line.share
        assert sum(line.balance for line in split.organizations) == split.unallocated
        if with_ceilings is False:
            assert split.unallocated == 0
        # the transfers settle every balance (the remainder is what nobody could take)
        left = {line.organization: line.balance for line in split.organizations}
        for t in split.settlements:
            left[t.from_org] += t.amount
            left[t.to_org] -= t.amount
        assert sum(1 for v in left.values() if v) <= (1 if split.unallocated else 0)
        assert len(split.settlements) <= 2
    whole = {line.organization: line.share for line in expense_figures.cost_split(sa).organizations}
    if with_ceilings:
        assert D("890.00") < whole["UNODC"] <= D("900.00")
    else:
        assert whole["UNODC"] > D("900.00")


def test_settlement_transfers_follow_rule_seven(make_arrangement, finance):
    _third_party()
    sa = make_arrangement(parties=["UN", "INTERPOL", "UNODC"],
                          shares={"UN": "50", "INTERPOL": "30", "UNODC": "20"})
    recording.record_expense(sa, expense(amount="1000.00", paid_by="UN"), finance)
    recording.record_expense(sa, expense(amount="200.00", paid_by="UNODC"), finance)
    split = expense_figures.cost_split(sa)
    figures = {p.organization: (p.share, p.paid, p.balance) for p in split.organizations}
    assert figures == {"UN": (D("600.00"), D("1000.00"), D("400.00")),
                       "INTERPOL": (D("360.00"), D("0.00"), D("-360.00")),
                       "UNODC": (D("240.00"), D("200.00"), D("-40.00"))}
    assert [(t.from_org, t.to_org, t.amount) for t in split.settlements] == [
        ("INTERPOL", "UN", D("360.00")), ("UNODC", "UN", D("40.00"))]


def test_a_period_that_ends_before_it_starts_is_refused(make_arrangement):
    with pytest.raises(DomainError) as exc:
        expense_figures.cost_split(make_arrangement(), date(2025, 5, 1), date(2025, 4, 1))
    assert exc.value.errors[0].field == "to"


# --- expense_total ----------------------------------------------------------------------------

def test_monthly_totals_follow_every_change(make_arrangement, finance):
    sa = make_arrangement(ceilings=[CeilingData("INTERPOL", "120.00")])
    other = make_arrangement()
    recording.record_expense(other, expense(), finance)
    a = recording.record_expense(sa, expense(date=date(2025, 2, 3)), finance)
    b = recording.record_expense(sa, expense(date=date(2025, 3, 3), paid_by="INTERPOL"), finance)
    c = recording.record_expense(sa, expense(date=date(2025, 3, 9), category="equipment"),
                                finance)
    assert totals_table(sa.id) == totals_fresh(sa.id)
    assert totals_table(sa.id)  # not trivially empty
    recording.update_expense(b, expense(date=date(2025, 4, 1), amount="80.00"), b.version,
                            finance)
    assert totals_table(sa.id) == totals_fresh(sa.id)
    recording.delete_expense(a, a.version, finance)  # frees room under the ceiling for c
    assert totals_table(sa.id) == totals_fresh(sa.id)
    from jointprojects.auth.models import User

    admin = db.session.scalar(db.select(User).filter_by(role="admin"))
    version = amendments.propose_amendment(
        sa, date(2025, 3, 1), [ShareData("UN", "20"), ShareData("INTERPOL", "80")], [],
        "More for INTERPOL", admin)
    for org in ("UN", "INTERPOL"):
        amendments.consent(sa, version, org, date(2025, 5, 1), admin)
    db.session.commit()
    assert totals_table(sa.id) == totals_fresh(sa.id)
    assert totals_table(other.id) == totals_fresh(other.id)
    assert c.id  # the equipment expense is still there, re-allocated


# --- exchange rates ---------------------------------------------------------------------------

def test_a_rate_is_entered_corrected_and_audited(finance):
    rate = rate_services.set_rate("eur", "2025-03", "0,9137", "UN treasury, March 2025", finance)
    assert (rate.currency, rate.month, rate.rate, rate.entered_by_id) == (
        "EUR", "2025-03", D("0.9137"), finance.id)
    rate_services.set_rate("EUR", "2025-03", "0.92", "corrected", finance)
    db.session.commit()
    entries = db.session.scalars(db.select(AuditEntry).filter_by(entity="exchange_rate")
                                 .order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[1].before["rate"] != entries[1].after["rate"]


@pytest.mark.parametrize(("currency", "month", "rate", "field"), [
    ("USD", "2025-03", "1", "currency"), ("ABC", "2025-03", "1", "currency"),
    ("EUR", "2025-13", "0.9", "month"), ("EUR", "March", "0.9", "month"),
    ("EUR", "2025-03", "0", "rate"), ("EUR", "2025-03", "-1", "rate"),
    ("EUR", "2025-03", "0.12345678901", "rate"), ("EUR", "2025-03", "x", "rate"),
])
def test_a_bad_rate_is_refused(finance, currency, month, rate, field):
    with pytest.raises(DomainError) as exc:
        rate_services.set_rate(currency, month, rate, "", finance)
    assert field in {e.field for e in exc.value.errors}


# --- budgets ----------------------------------------------------------------------------------

def test_budget_versus_actual_and_the_overrun_flag(make_arrangement, finance):
    sa = make_arrangement()
    budget_services.set_budget(sa, "travel", 2025, None, "250.00", finance)
    budget_services.set_budget(sa, "travel", 2025, "INTERPOL", "100.00", finance)
    first = recording.record_expense(sa, expense(date=date(2025, 2, 1)), finance)
    second = recording.record_expense(sa, expense(date=date(2025, 3, 1)), finance)
    third = recording.record_expense(sa, expense(date=date(2025, 4, 1)), finance)
    recording.record_expense(sa, expense(date=date(2025, 4, 1), category="equipment"), finance)
    lines = {(b.category, b.year, b.organization): b for b in budget_services.budget_vs_actual(sa)}
    whole, interpol = lines[("travel", 2025, None)], lines[("travel", 2025, "INTERPOL")]
    assert (whole.budget, whole.actual, whole.over) == (D("250.00"), D("300.00"), True)
    assert (interpol.actual, interpol.remaining, interpol.over) == (D("135.00"), D("-35.00"),
                                                                    True)
    assert budget_services.budget_overruns(first) == []
    assert budget_services.budget_overruns(second) == []  # 200 of 250; INTERPOL 90 of 100
    messages = budget_services.budget_overruns(third)
    assert len(messages) == 2
    assert "travel for 2025 stands at 300.00 against a budget of 250.00 USD" in messages[0]
    assert "INTERPOL's part of travel for 2025 stands at 135.00" in messages[1]
    assert budget_services.over_budget_ids(sa, [first.id, second.id, third.id]) == {third.id}


def test_a_budget_line_is_replaced_and_validated(make_arrangement, finance):
    sa = make_arrangement()
    budget_services.set_budget(sa, "travel", "2025", None, "100", finance)
    budget_services.set_budget(sa, "travel", "2025", None, "150.50", finance)
    lines = budget_services.budget_vs_actual(sa)
    assert [(b.budget, b.actual) for b in lines] == [(D("150.50"), 0)]
    with pytest.raises(DomainError) as exc:
        budget_services.set_budget(sa, "food", "20x5", "UNODC", "-1", finance)
    assert {e.field for e in exc.value.errors} == {"category", "year", "organization", "amount"}


def test_big_batches_are_processed_in_slices_with_the_same_result(make_arrangement, finance,
                                                                  monkeypatch):
    monkeypatch.setattr(recording, "_WRITE_BATCH", 2)
    sa = make_arrangement(ceilings=[CeilingData("INTERPOL", "100.00")])
    plain = make_arrangement()
    items = [expense(date=date(2025, 2, day), amount=f"{day * 10}.00") for day in range(1, 8)]
    recording.record_expenses(sa, items, finance)
    recording.record_expenses(plain, items, finance)
    capped = expense_figures.cost_split(sa)
    assert [p.share for p in capped.organizations] == [D("180.00"), D("100.00")]
    assert [p.share for p in expense_figures.cost_split(plain).organizations] == [D("154.00"),
                                                                           D("126.00")]
    assert totals_table(sa.id) == totals_fresh(sa.id)
    assert totals_table(plain.id) == totals_fresh(plain.id)
