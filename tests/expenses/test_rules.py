"""The money rules of DOMAIN.md, through the expense services (rules 1, 2, 4, 5, 6, 8)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from jointprojects.audit.models import AuditEntry
from jointprojects.errors import Conflict, DomainError
from jointprojects.exchange_rates import services as rate_services
from jointprojects.expenses import figures as expense_figures
from jointprojects.expenses import recording
from jointprojects.expenses.models import Expense, ExpensePart
from jointprojects.extensions import db
from jointprojects.special_arrangements import amendments
from jointprojects.special_arrangements import services as sa_services
from jointprojects.special_arrangements.services import CeilingData, ShareData
from reports.evidence import reallocated
from tests.expenses.conftest import expense, parts

D = Decimal


def fields(exc: pytest.ExceptionInfo[DomainError]) -> dict[str | None, str]:
    return {e.field: e.message for e in exc.value.errors}


def admin():  # type: ignore[no-untyped-def]
    """The arrangement factory's administrator."""
    from jointprojects.auth.models import User

    return db.session.scalar(db.select(User).filter_by(role="admin"))


def count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Expense))


# --- rule 2: conversion ------------------------------------------------------------------------

def test_an_expense_in_the_reporting_currency_has_rate_one(make_arrangement, finance):
    sa = make_arrangement()
    e = recording.record_expense(sa, expense(amount="1234.57"), finance)
    assert (e.exchange_rate, e.rate_source, e.reporting_amount) == (1, "same", D("1234.57"))
    assert parts(e) == {"UN": D("679.01"), "INTERPOL": D("555.56")}
    assert e.share_version_number == 1 and e.unallocated == 0


def test_a_given_rate_is_units_of_the_expense_currency_per_reporting_unit(make_arrangement,
                                                                          finance):
    sa = make_arrangement()
    e = recording.record_expense(
        sa, expense(amount="500.00", currency="EUR", exchange_rate="0.8"), finance)
    assert (e.reporting_amount, e.exchange_rate, e.rate_source) == (D("625.00"), D("0.8"),
                                                                   "given")


def test_without_a_rate_the_months_rate_applies(make_arrangement, finance):
    sa = make_arrangement()
    rate_services.set_rate("EUR", "2025-02", "0.92", "UN operational rates", finance)
    rate_services.set_rate("EUR", "2025-03", "0.95", "UN operational rates", finance)
    feb = recording.record_expense(sa, expense(currency="EUR", date=date(2025, 2, 28)), finance)
    mar = recording.record_expense(sa, expense(currency="EUR", date=date(2025, 3, 1)), finance)
    assert (feb.exchange_rate, feb.rate_source, feb.reporting_amount) == (
        D("0.92"), "table", D("108.70"))  # 100 / 0.92 = 108.6956... half up
    assert (mar.exchange_rate, mar.reporting_amount) == (D("0.95"), D("105.26"))


def test_the_cross_rate_for_another_reporting_currency_is_stored_to_ten_decimals(
        make_arrangement, finance):
    sa = make_arrangement(currency="EUR")
    rate_services.set_rate("EUR", "2025-02", "0.9", "", finance)
    rate_services.set_rate("JPY", "2025-02", "150", "", finance)
    jpy = recording.record_expense(sa, expense(currency="JPY", amount="10000"), finance)
    # 150 / 0.9 = 166.666... JPY per EUR, half up at the tenth decimal
    assert jpy.exchange_rate == D("166.6666666667")
    assert jpy.reporting_amount == D("60.00")
    usd = recording.record_expense(sa, expense(currency="USD", amount="100.00"), finance)
    assert usd.exchange_rate == D("1.1111111111")  # USD per EUR: 1 / 0.9
    assert usd.reporting_amount == D("90.00")


def test_a_missing_rate_is_refused_naming_currency_and_month(make_arrangement, finance):
    sa = make_arrangement()
    with pytest.raises(DomainError) as exc:
        recording.record_expense(sa, expense(currency="EUR", date=date(2025, 4, 9)), finance)
    assert exc.value.status == 422
    message = fields(exc)["exchange_rate"]
    assert "EUR" in message and "2025-04" in message
    assert count() == 0


def test_a_missing_rate_of_the_reporting_currency_is_named(make_arrangement, finance):
    sa = make_arrangement(currency="EUR")
    rate_services.set_rate("JPY", "2025-02", "150", "", finance)
    with pytest.raises(DomainError) as exc:
        recording.record_expense(sa, expense(currency="JPY", amount="5000"), finance)
    assert fields(exc)["exchange_rate"].startswith("No exchange rate for EUR in 2025-02")


# --- rule 1 and 4: minor units, largest remainder, refunds ---------------------------------

def test_jpy_has_no_decimals_and_the_missing_yen_goes_to_the_largest_remainder(
        make_arrangement, finance):
    sa = make_arrangement(currency="JPY")
    e = recording.record_expense(sa, expense(currency="JPY", amount="1001"), finance)
    # raw 550.55 and 450.45: 550 + 450 = 1000, the missing yen to the larger remainder (UN)
    assert parts(e) == {"UN": D("551"), "INTERPOL": D("450")}
    with pytest.raises(DomainError) as exc:
        recording.record_expense(sa, expense(currency="JPY", amount="100.5"), finance)
    assert "JPY" in fields(exc)["amount"] and "0 decimal" in fields(exc)["amount"]


def test_kwd_has_three_decimals(make_arrangement, finance):
    sa = make_arrangement(currency="KWD")
    # "10.001" typed would be ambiguous (DOMAIN rule 9): a KWD amount with three decimals
    # comes as a Decimal (a read form or JSON field) or is typed "10.0010".
    e = recording.record_expense(sa, expense(currency="KWD", amount=D("10.001")), finance)
    assert recording.record_expense(sa, expense(currency="KWD", amount="10.0010"),
                                    finance).amount == D("10.001")
    assert parts(e) == {"UN": D("5.501"), "INTERPOL": D("4.500")}
    rate_services.set_rate("KWD", "2025-02", "0.3071", "", finance)
    usd = recording.record_expense(sa, expense(currency="USD", amount="100.00"), finance)
    assert usd.exchange_rate == D("3.2562683165")  # 1 / 0.3071
    assert usd.reporting_amount == D("30.710")
    with pytest.raises(DomainError) as exc:
        recording.record_expense(sa, expense(currency="KWD", amount="1.0001"), finance)
    assert "3 decimals" in fields(exc)["amount"]


def test_a_tie_goes_to_the_larger_percentage_then_the_organization_code(make_arrangement,
                                                                         finance):
    even = make_arrangement(shares={"UN": "50", "INTERPOL": "50"})
    e = recording.record_expense(even, expense(amount="0.01"), finance)
    assert parts(e) == {"UN": D("0"), "INTERPOL": D("0.01")}  # INTERPOL < UN
    uneven = make_arrangement(shares={"UN": "50.5", "INTERPOL": "49.5"})
    e = recording.record_expense(uneven, expense(amount="0.02"), finance)
    # raw 0.0101 and 0.0099: both floor to 0.00 / remainders .01 and .99 -> INTERPOL, then UN
    assert parts(e) == {"UN": D("0.01"), "INTERPOL": D("0.01")}


def test_a_refund_is_split_as_its_magnitude_then_negated(make_arrangement, finance):
    sa = make_arrangement()
    e = recording.record_expense(sa, expense(amount="-100.01"), finance)
    assert e.reporting_amount == D("-100.01")
    assert parts(e) == {"UN": D("-55.01"), "INTERPOL": D("-45.00")}


def test_a_category_override_applies_to_its_category(make_arrangement, finance):
    sa = make_arrangement(shares=[ShareData("UN", "55"), ShareData("INTERPOL", "45"),
                                  ShareData("UN", "70", "travel"),
                                  ShareData("INTERPOL", "30", "travel")])
    travel = recording.record_expense(sa, expense(category="travel"), finance)
    other = recording.record_expense(sa, expense(category="equipment"), finance)
    assert parts(travel) == {"UN": D("70.00"), "INTERPOL": D("30.00")}
    assert parts(other) == {"UN": D("55.00"), "INTERPOL": D("45.00")}


# --- validation ----------------------------------------------------------------------------

def test_every_bad_field_is_named_and_nothing_is_stored(make_arrangement, finance):
    sa = make_arrangement()
    with pytest.raises(DomainError) as exc:
        recording.record_expense(sa, expense(paid_by="UNODC", currency="XYZ", category="food",
                                            amount="abc"), finance)
    errors = fields(exc)
    assert "UNODC is not a party" in errors["paid_by"]
    assert "XYZ" in errors["currency"]
    assert "food" in errors["category"]
    assert "amount" in errors
    assert count() == 0


def test_a_zero_amount_is_refused(make_arrangement, finance):
    with pytest.raises(DomainError) as exc:
        recording.record_expense(make_arrangement(), expense(amount="0"), finance)
    assert "zero" in fields(exc)["amount"]


def test_expenses_outside_the_arrangements_force_are_refused(make_arrangement, finance):
    sa = make_arrangement(signed_on=date(2025, 2, 1), end_date=date(2025, 12, 31))
    with pytest.raises(DomainError) as exc:
        recording.record_expense(sa, expense(date=date(2025, 1, 31)), finance)
    assert "before" in fields(exc)["date"] and "2025-02-01" in fields(exc)["date"]
    with pytest.raises(DomainError) as exc:
        recording.record_expense(sa, expense(date=date(2026, 1, 1)), finance)
    assert "after the end" in fields(exc)["date"]
    assert recording.record_expense(sa, expense(date=date(2025, 12, 31)), finance).id


def test_an_unsigned_arrangement_takes_no_expense(make_arrangement, finance):
    sa = make_arrangement(signed=False)
    with pytest.raises(Conflict) as exc:
        recording.record_expense(sa, expense(), finance)
    assert "not in force" in str(exc.value)


def test_termination_refuses_expenses_from_its_effective_date(make_arrangement, finance):
    sa = make_arrangement()
    sa_services.give_notice(sa, "UN", date(2025, 8, 31), admin())
    assert sa.termination_effective_date == date(2026, 2, 28)  # end-of-month clamping
    assert recording.record_expense(sa, expense(date=date(2026, 2, 27)), finance).id
    with pytest.raises(DomainError) as exc:
        recording.record_expense(sa, expense(date=date(2026, 2, 28)), finance)
    assert "terminated from 2026-02-28" in fields(exc)["date"]


# --- rule 5: the version in force; amendments -----------------------------------------------

def _amend(sa, effective, shares, ceilings=()):  # type: ignore[no-untyped-def]
    version = amendments.propose_amendment(
        sa, effective, [ShareData(o, p) for o, p in shares.items()],
        [CeilingData(o, a) for o, a in ceilings], "Revised contributions", admin())
    return version, admin()


def test_a_pending_amendment_is_not_applied_and_the_last_consent_reallocates(
        make_arrangement, finance):
    sa = make_arrangement()
    feb = recording.record_expense(sa, expense(date=date(2025, 2, 10)), finance)
    apr = recording.record_expense(sa, expense(date=date(2025, 4, 10)), finance)
    version, admin = _amend(sa, date(2025, 3, 1), {"UN": "30", "INTERPOL": "70"})
    amendments.consent(sa, version, "UN", date(2025, 5, 1), admin)
    db.session.commit()
    assert version.status == "pending"
    assert parts(apr) == {"UN": D("55.00"), "INTERPOL": D("45.00")}
    may = recording.record_expense(sa, expense(date=date(2025, 5, 2)), finance)
    assert parts(may)["UN"] == D("55.00") and may.share_version_number == 1

    amendments.consent(sa, version, "INTERPOL", date(2025, 5, 20), admin)
    db.session.commit()
    assert version.status == "in_force"
    assert parts(feb) == {"UN": D("55.00"), "INTERPOL": D("45.00")}  # before its date
    assert parts(apr) == {"UN": D("30.00"), "INTERPOL": D("70.00")}  # retroactive
    assert parts(may) == {"UN": D("30.00"), "INTERPOL": D("70.00")}
    assert (feb.share_version_number, apr.share_version_number) == (1, 2)


def test_a_retroactive_amendment_from_the_start_changes_every_part(make_arrangement, finance):
    sa = make_arrangement()
    recorded = [recording.record_expense(sa, expense(date=date(2025, m, 5)), finance)
                for m in (2, 3, 4)]
    version, admin = _amend(sa, date(2025, 1, 1), {"UN": "50", "INTERPOL": "50"})
    for org in ("UN", "INTERPOL"):
        amendments.consent(sa, version, org, date(2025, 6, 1), admin)
    db.session.commit()
    assert all(parts(e) == {"UN": D("50.00"), "INTERPOL": D("50.00")} for e in recorded)


# --- rule 6: ceilings --------------------------------------------------------------------------

def test_a_party_at_its_ceiling_passes_the_excess_to_the_others(make_arrangement, finance):
    sa = make_arrangement(ceilings=[CeilingData("INTERPOL", "100.00")])
    first = recording.record_expense(sa, expense(date=date(2025, 2, 1)), finance)
    second = recording.record_expense(sa, expense(date=date(2025, 2, 2)), finance)
    third = recording.record_expense(sa, expense(date=date(2025, 2, 3)), finance)
    assert parts(first) == parts(second) == {"UN": D("55.00"), "INTERPOL": D("45.00")}
    assert parts(third) == {"UN": D("90.00"), "INTERPOL": D("10.00")}
    # An expense recorded later but dated earlier runs before them (date, then recording order)
    early = recording.record_expense(sa, expense(date=date(2025, 1, 15)), finance)
    assert parts(early) == {"UN": D("55.00"), "INTERPOL": D("45.00")}
    assert parts(second) == {"UN": D("90.00"), "INTERPOL": D("10.00")}
    assert parts(third) == {"UN": D("100.00"), "INTERPOL": D("0.00")}
    # Deleting an earlier expense gives the room back to the later ones
    recording.delete_expense(early, None, finance)
    assert parts(third) == {"UN": D("90.00"), "INTERPOL": D("10.00")}


def test_what_no_party_can_take_is_unallocated(make_arrangement, finance):
    sa = make_arrangement(ceilings=[CeilingData("INTERPOL", "45.00"), CeilingData("UN", "80.00")])
    recording.record_expense(sa, expense(date=date(2025, 2, 1)), finance)
    e = recording.record_expense(sa, expense(date=date(2025, 2, 2)), finance)
    assert parts(e) == {"UN": D("25.00"), "INTERPOL": D("0.00")}
    assert e.unallocated == D("75.00")
    split = expense_figures.cost_split(sa)
    assert split.unallocated == D("75.00") and split.total == D("200.00")
    assert sum(p.balance for p in split.organizations) == split.unallocated


def test_an_amendment_with_a_ceiling_reallocates_from_the_start(make_arrangement, finance):
    sa = make_arrangement()
    a = recording.record_expense(sa, expense(date=date(2025, 2, 1)), finance)
    b = recording.record_expense(sa, expense(date=date(2025, 3, 1)), finance)
    version, admin = _amend(sa, date(2025, 2, 15), {"UN": "55", "INTERPOL": "45"},
                            [("INTERPOL", "50.00")])
    for org in ("UN", "INTERPOL"):
        amendments.consent(sa, version, org, date(2025, 4, 1), admin)
    db.session.commit()
    assert parts(a) == {"UN": D("55.00"), "INTERPOL": D("45.00")}
    assert parts(b) == {"UN": D("95.00"), "INTERPOL": D("5.00")}  # 45 already counted


# --- editing and deleting ----------------------------------------------------------------------

def test_editing_an_expense_reallocates_it_and_writes_an_audit_row(make_arrangement, finance):
    sa = make_arrangement()
    e = recording.record_expense(sa, expense(), finance)
    db.session.commit()
    recording.update_expense(e, expense(amount="200.00", paid_by="INTERPOL"), e.version, finance)
    db.session.commit()
    assert parts(e) == {"UN": D("110.00"), "INTERPOL": D("90.00")}
    assert e.version == 2 and e.paid_by.code == "INTERPOL"
    entry = db.session.scalar(db.select(AuditEntry).filter_by(entity="expense", action="update"))
    assert entry.before["amount"] == "100.00" and entry.after["amount"] == "200.00"
    assert entry.after["allocation"] == {"UN": "110.00", "INTERPOL": "90.00"}
    assert entry.user_id == finance.id


def test_a_stale_version_is_a_conflict_and_changes_nothing(make_arrangement, finance):
    sa = make_arrangement()
    e = recording.record_expense(sa, expense(), finance)
    db.session.commit()
    recording.update_expense(e, expense(amount="150.00"), 1, finance)
    db.session.commit()
    with pytest.raises(Conflict) as exc:
        recording.update_expense(e, expense(amount="999.00"), 1, finance)
    assert "Someone else changed" in str(exc.value)
    with pytest.raises(Conflict, match="Someone else changed or deleted this expense"):
        recording.delete_expense(e, 1, finance)
    db.session.rollback()
    assert db.session.get(Expense, e.id).amount == D("150.00")


def test_deleting_removes_the_parts_and_keeps_an_audit_row(make_arrangement, finance):
    sa = make_arrangement()
    e = recording.record_expense(sa, expense(), finance)
    expense_id = e.id
    recording.delete_expense(e, e.version, finance)
    db.session.commit()
    assert count() == 0
    assert not db.session.scalars(db.select(ExpensePart).filter_by(expense_id=expense_id)).all()
    entry = db.session.scalar(db.select(AuditEntry).filter_by(entity="expense", action="delete"))
    assert entry.entity_id == expense_id and entry.before["amount"] == "100.00"


def test_record_expenses_is_all_or_nothing_naming_the_row(make_arrangement, finance):
    sa = make_arrangement()
    with pytest.raises(DomainError) as exc:
        recording.record_expenses(sa, [expense(), expense(amount="-"), expense()], finance)
    assert "rows[1].amount" in fields(exc)
    assert count() == 0
    recorded = recording.record_expenses(sa, [expense(), expense(amount="3.00")], finance)
    assert [parts(e)["UN"] for e in recorded] == [D("55.00"), D("1.65")]


def test_reallocation_writes_only_the_parts_that_change(make_arrangement, finance):
    sa = make_arrangement(ceilings=[CeilingData("INTERPOL", "1000.00")])
    recorded = [recording.record_expense(sa, expense(date=date(2025, month, 10)), finance)
                for month in (2, 3, 4)]
    db.session.commit()
    stamps = {e.id: e.updated_at for e in recorded}
    version, admin_user = _amend(sa, date(2025, 4, 1), {"UN": "50", "INTERPOL": "50"},
                                 [("INTERPOL", "1000.00")])
    amendments.consent(sa, version, "UN", date(2025, 5, 1), admin_user)
    amendments.consent(sa, version, "INTERPOL", date(2025, 5, 2), admin_user)
    db.session.commit()
    db.session.expire_all()
    batches = db.session.scalars(db.select(AuditEntry.after).filter_by(
        action="reallocate", entity="special_arrangement", entity_id=sa.id)).all()
    rewritten = [e_id for after in batches for e_id, _ in reallocated(after)]
    assert rewritten == [recorded[2].id]  # the April expense; February and March unchanged
    for e in recorded[:2]:
        assert db.session.get(Expense, e.id).updated_at == stamps[e.id]
    assert parts(recorded[2]) == {"UN": D("50.00"), "INTERPOL": D("50.00")}
