"""The money rules of statements on plain data (DOMAIN.md rules 7, 10 and 13): examples and
hypothesis properties over random sequences of expenses, statements and payments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jointprojects.special_arrangements import allocation
from jointprojects.statements import ledger

D = Decimal


def test_closing_is_opening_plus_the_period_plus_payments_made_minus_received():
    lines = ledger.party_lines(
        [ledger.PartyPeriod("UN", D("660.00"), D("1000.00")),
         ledger.PartyPeriod("INTERPOL", D("540.00"), D("200.00"))],
        {"UN": D("10.00"), "INTERPOL": D("-10.00")},
        [ledger.Movement("INTERPOL", "UN", D("300.00"), date(2025, 4, 5))])
    un, interpol = lines
    assert (un.balance, un.payments_received, un.closing_balance) == (
        D("340.00"), D("300.00"), D("50.00"))
    assert (interpol.balance, interpol.payments_made, interpol.closing_balance) == (
        D("-340.00"), D("300.00"), D("-50.00"))
    assert ledger.settlement(lines) == [allocation.Transfer("INTERPOL", "UN", D("50.00"))]


def test_transfer_status_follows_the_payments():
    assert ledger.transfer_line("A", "B", D("100.00"), []).status == "outstanding"
    partly = ledger.transfer_line("A", "B", D("100.00"), [D("30.00"), D("20.00")])
    assert (partly.paid, partly.outstanding, partly.status) == (
        D("50.00"), D("50.00"), "partly_paid")
    assert ledger.transfer_line("A", "B", D("100.00"), [D("100.00")]).status == "paid"


def test_a_payment_above_what_is_outstanding_is_refused():
    assert ledger.payment_problem(D("40.00"), D("40.00")) is None
    assert "more than the 40.00 USD outstanding" in ledger.payment_problem(
        D("40.00"), D("40.01"), "USD")
    assert ledger.payment_problem(D("0.00"), D("1.00")) is not None
    assert ledger.payment_problem(D("40.00"), D("0.00")) is not None


def test_overdue_only_past_the_due_date_with_something_outstanding():
    due = date(2025, 5, 1)
    assert not ledger.is_overdue(D("1.00"), due, date(2025, 5, 1))
    assert ledger.is_overdue(D("1.00"), due, date(2025, 5, 2))
    assert not ledger.is_overdue(D("0.00"), due, date(2026, 1, 1))


# --- properties over random sequences --------------------------------------------------------

PARTIES = ("A", "B", "C")
SHARES = {"A": D("50"), "B": D("30.5"), "C": D("19.5")}

expenses = st.lists(st.tuples(st.integers(-50_000, 500_000), st.sampled_from(PARTIES)),
                    max_size=8)
fractions = st.lists(st.lists(st.integers(0, 100), max_size=3), max_size=3)


def _period(items: list[tuple[int, str]]) -> list[ledger.PartyPeriod]:
    share = dict.fromkeys(PARTIES, D(0))
    paid = dict.fromkeys(PARTIES, D(0))
    for cents, payer in items:
        amount = D(cents).scaleb(-2)
        if not amount:
            continue
        for code, part in allocation.allocate(amount, SHARES, "USD").items():
            share[code] += part
        paid[payer] += amount
    return [ledger.PartyPeriod(c, share[c], paid[c]) for c in PARTIES]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(expenses, fractions), min_size=1, max_size=5))
def test_random_sequences_of_statements_and_payments_keep_the_books(sequence):
    opening: dict[str, Decimal] = {}
    previous: list[ledger.TransferLine] = []
    for items, paying in sequence:
        # payments of this period against the previous statement's transfers, never above
        # what is outstanding (the refused ones are not recorded)
        movements = []
        state = []
        for index, transfer in enumerate(previous):
            paid: list[Decimal] = []
            for percent in (paying[index] if index < len(paying) else []):
                outstanding = transfer.amount - sum(paid, D(0))
                amount = (outstanding * percent / 100).quantize(D("0.01"))
                problem = ledger.payment_problem(outstanding, amount)
                if amount > 0 and outstanding > 0:
                    assert problem is None
                    paid.append(amount)
                    movements.append(ledger.Movement(transfer.from_org, transfer.to_org,
                                                     amount, date(2025, 1, 1)))
                assert ledger.payment_problem(outstanding, outstanding + D("0.01")) is not None
            line = ledger.transfer_line(transfer.from_org, transfer.to_org, transfer.amount,
                                        paid)
            assert line.paid + line.outstanding == line.amount and line.outstanding >= 0
            state.append(line)
        period = _period(items)
        lines = ledger.party_lines(period, opening, movements)
        for line, p in zip(lines, period, strict=True):
            assert line.balance == p.paid - p.share
            assert line.closing_balance == (line.opening_balance + line.balance
                                            + line.payments_made - line.payments_received)
        # closing balances sum to zero (no ceilings: nothing unallocated)
        assert sum((line.closing_balance for line in lines), D(0)) == 0
        # a closing balance = the period's balance + what the previous transfers still owe
        owed = dict.fromkeys(PARTIES, D(0))
        for t in state:
            owed[t.to_org] += t.outstanding
            owed[t.from_org] -= t.outstanding
        for line in lines:
            assert line.closing_balance == line.balance + owed[line.organization]
        # the transfers cover exactly the closing balances, at most n-1 of them
        transfers = ledger.settlement(lines)
        assert len(transfers) <= len(PARTIES) - 1
        left = {line.organization: line.closing_balance for line in lines}
        for t in transfers:
            assert t.amount > 0
            left[t.from_org] += t.amount
            left[t.to_org] -= t.amount
        assert all(v == 0 for v in left.values())
        opening = {line.organization: line.closing_balance for line in lines}
        previous = [ledger.transfer_line(t.from_org, t.to_org, t.amount, []) for t in transfers]


@pytest.mark.parametrize("unallocated", [D("0.01"), D("25.00")])
def test_closing_balances_sum_to_what_is_unallocated(unallocated):
    # a ceiling left 'unallocated' without a party: paid exceeds the shares by that much
    lines = ledger.party_lines(
        [ledger.PartyPeriod("A", D("50.00"), D("100.00") + unallocated),
         ledger.PartyPeriod("B", D("50.00"), D("0.00"))], {}, [])
    assert sum((line.closing_balance for line in lines), D(0)) == unallocated
    transfers = ledger.settlement(lines)
    assert transfers == [allocation.Transfer("B", "A", D("50.00"))]
