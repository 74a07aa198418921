"""Examples for the cost-sharing engine, one group per money rule of DOMAIN.md (no app, no
database): conversion (2), share sets (3), largest remainder (4), versions (5), ceilings (6),
settlement (7) and calendar months (8)."""

from __future__ import annotations

import gc
from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from jointprojects.dates import add_months, termination_effective_date
from jointprojects.special_arrangements.allocation import (
    ExpenseAllocation,
    ExpenseItem,
    ShareVersion,
    Transfer,
    allocate,
    allocate_expenses,
    allocate_expenses_minor,
    allocate_many_minor,
    allocate_minor,
    balances,
    convert,
    settle,
    share_set_errors,
    version_in_force,
)

D = Decimal
UN_INTERPOL = ["UN", "INTERPOL"]
HALVES = {"UN": D("50"), "INTERPOL": D("50")}


def version(
    number: int,
    effective: date,
    default: dict[str, Decimal] | None = None,
    categories: dict[str, dict[str, Decimal]] | None = None,
    ceilings: dict[str, Decimal] | None = None,
) -> ShareVersion:
    return ShareVersion(
        number=number,
        effective_date=effective,
        default=default if default is not None else {"UN": D("60"), "INTERPOL": D("40")},
        categories=categories or {},
        ceilings=ceilings or {},
    )


def expense(key: object, day: date, amount: str, category: str = "other") -> ExpenseItem:
    return ExpenseItem(key=key, date=day, category=category, amount=D(amount))


# ------------------------------------------------------------------------- rule 2: convert


class TestConvert:
    def test_divides_by_the_rate_of_units_per_reporting_unit(self) -> None:
        # 100 EUR at 0.90 EUR per USD is 111.111... USD
        assert convert(D("100.00"), D("0.90"), "USD") == D("111.11")

    def test_rounds_half_up_away_from_zero(self) -> None:
        assert convert(D("0.125"), D("1"), "USD") == D("0.13")
        assert convert(D("0.124"), D("1"), "USD") == D("0.12")
        assert convert(D("-0.125"), D("1"), "USD") == D("-0.13")
        assert convert(D("2.5"), D("1"), "JPY") == D("3")

    def test_result_has_the_reporting_currency_decimals(self) -> None:
        assert str(convert(D("1000"), D("3"), "JPY")) == "333"
        assert str(convert(D("1"), D("3"), "KWD")) == "0.333"
        assert str(convert(D("10"), D("1"), "USD")) == "10.00"
        assert str(convert(D("0.0005"), D("1"), "KWD")) == "0.001"

    def test_same_currency_is_rate_one(self) -> None:
        assert convert(D("1234.56"), D("1"), "USD") == D("1234.56")

    def test_no_double_rounding_beyond_28_digits(self) -> None:
        # Divided at the default 28 digits this would round to 0.005000... and then up.
        amount = D("0.004999999999999999999999999999999")
        assert convert(amount, D("1"), "USD") == D("0.00")
        assert convert(D("1"), D("200.0000000000000000000000000000001"), "USD") == D("0.00")

    @pytest.mark.parametrize("rate", [D("0"), D("-1.5"), D("NaN"), D("Infinity")])
    def test_rate_must_be_positive(self, rate: Decimal) -> None:
        with pytest.raises(ValueError, match="exchange rate"):
            convert(D("10"), rate, "USD")

    def test_unknown_currency(self) -> None:
        with pytest.raises(ValueError, match="unknown currency"):
            convert(D("10"), D("1"), "XXX")


# ------------------------------------------------------------ rule 4: largest remainder


class TestAllocate:
    def test_tie_goes_to_the_lower_organization_code(self) -> None:
        # 0.005 each, equal remainders, equal percentages: "INTERPOL" < "UN" (ascending).
        assert allocate(D("0.01"), HALVES, "USD") == {"INTERPOL": D("0.01"), "UN": D("0.00")}

    def test_larger_percentage_wins_a_tie_before_the_code(self) -> None:
        # 3.5 and 1.5 cents: equal remainders, UN has the larger percentage.
        shares = {"UN": D("70"), "INTERPOL": D("30")}
        assert allocate(D("0.05"), shares, "USD") == {"INTERPOL": D("0.01"), "UN": D("0.04")}

    def test_largest_remainder_gets_the_missing_unit(self) -> None:
        shares = {"UN": D("33.33"), "INTERPOL": D("33.33"), "UNODC": D("33.34")}
        # raw 33.33, 33.33, 33.34 -> floors 33 + 33 + 33, UNODC has the largest remainder
        assert allocate(D("100"), shares, "JPY") == {
            "INTERPOL": D("33"),
            "UN": D("33"),
            "UNODC": D("34"),
        }
        # 1.00 USD: raw 33.33, 33.33, 33.34 cents; floors 99 cents, UNODC's .34 wins
        assert allocate(D("1.00"), shares, "USD") == {
            "INTERPOL": D("0.33"),
            "UN": D("0.33"),
            "UNODC": D("0.34"),
        }

    def test_two_missing_units(self) -> None:
        shares = {"A": D("33.33"), "B": D("33.33"), "C": D("33.34")}
        # 0.02 -> raw 0.6666, 0.6666, 0.6668 cents: C then A (tie with B by code)
        assert allocate(D("0.02"), shares, "USD") == {"A": D("0.01"), "B": D("0"), "C": D("0.01")}

    def test_parts_sum_exactly(self) -> None:
        shares = {"UN": D("12.34"), "INTERPOL": D("56.78"), "UNODC": D("30.88")}
        parts = allocate(D("98765.43"), shares, "USD")
        assert sum(parts.values()) == D("98765.43")

    def test_result_keys_in_code_order_with_currency_decimals(self) -> None:
        parts = allocate(D("10.00"), {"UN": D("50"), "INTERPOL": D("50")}, "USD")
        assert list(parts) == ["INTERPOL", "UN"]
        assert [str(v) for v in parts.values()] == ["5.00", "5.00"]

    def test_refund_is_split_as_its_magnitude_then_negated(self) -> None:
        assert allocate(D("-0.01"), HALVES, "USD") == {"INTERPOL": D("-0.01"), "UN": D("0.00")}
        shares = {"UN": D("70"), "INTERPOL": D("30")}
        assert allocate(D("-0.05"), shares, "USD") == {"INTERPOL": D("-0.01"), "UN": D("-0.04")}

    def test_jpy_has_no_decimals(self) -> None:
        assert allocate(D("1001"), HALVES, "JPY") == {"INTERPOL": D("501"), "UN": D("500")}
        assert str(allocate(D("1001"), HALVES, "JPY")["UN"]) == "500"

    def test_kwd_has_three_decimals(self) -> None:
        parts = allocate(D("1.001"), HALVES, "KWD")
        assert parts == {"INTERPOL": D("0.501"), "UN": D("0.500")}
        assert str(parts["UN"]) == "0.500"

    def test_zero_share_gets_nothing(self) -> None:
        shares = {"UN": D("100"), "INTERPOL": D("0")}
        assert allocate(D("0.99"), shares, "USD") == {"INTERPOL": D("0.00"), "UN": D("0.99")}

    def test_amount_with_too_many_decimals_is_refused(self) -> None:
        with pytest.raises(ValueError, match="more than 2 decimal places"):
            allocate(D("1.005"), HALVES, "USD")
        with pytest.raises(ValueError, match="more than 0 decimal places"):
            allocate(D("1.5"), HALVES, "JPY")

    def test_shares_must_sum_to_100(self) -> None:
        with pytest.raises(ValueError, match=r"sum to 90\.00"):
            allocate(D("1"), {"UN": D("50"), "INTERPOL": D("40")}, "USD")

    def test_percent_with_three_decimals_is_refused(self) -> None:
        with pytest.raises(ValueError, match="more than 2 decimal places"):
            allocate(D("1"), {"UN": D("50.005"), "INTERPOL": D("49.995")}, "USD")

    def test_allocate_minor_keeps_the_input_order(self) -> None:
        assert allocate_minor(1, [("UN", 5000), ("INTERPOL", 5000)]) == [0, 1]
        assert allocate_minor(-1, (("UN", 5000), ("INTERPOL", 5000))) == [0, -1]
        assert allocate_minor(12_345, [("UN", 10_000)]) == [12_345]
        assert allocate_minor(0, [("UN", 5000), ("INTERPOL", 5000)]) == [0, 0]

    @pytest.mark.parametrize(
        ("shares", "message"),
        [
            ([("UN", 5000), ("INTERPOL", 4000)], r"shares sum to 90\.00, not 100\.00"),
            ([("UN", 5000), ("UN", 5000)], "an organization appears twice"),
            ([("UN", 11_000), ("INTERPOL", -1000)], "share of UN must be 0 to 10000 hundredths"),
        ],
    )
    def test_allocate_minor_refuses_bad_shares(
        self, shares: list[tuple[str, int]], message: str
    ) -> None:
        with pytest.raises(ValueError, match=message):
            allocate_minor(100, shares)

    def test_vectorized_matches_ties_and_signs(self) -> None:
        shares = [("UN", 7000), ("INTERPOL", 3000)]
        amounts = [0, 1, -1, 5, -5, 10_001, 2**62, -(2**62)]
        result = allocate_many_minor(amounts, shares)
        assert result.tolist() == [allocate_minor(a, shares) for a in amounts]
        assert result.shape == (len(amounts), 2)

    def test_vectorized_with_many_parties(self) -> None:
        # More than 8 parties take the argsort branch; equal shares make ties everywhere.
        shares = [(f"P{i:02d}", 1000) for i in range(9, -1, -1)]
        amounts = [1, 7, -7, 9, 12_345, -99_999]
        result = allocate_many_minor(amounts, shares)
        assert result.tolist() == [allocate_minor(a, shares) for a in amounts]
        assert result[1].tolist() == [0, 0, 0, 1, 1, 1, 1, 1, 1, 1]  # P00..P06 by code

    def test_vectorized_refuses_floats_and_matrices(self) -> None:
        with pytest.raises(ValueError, match="integers"):
            allocate_many_minor([1.5], [("UN", 10_000)])
        with pytest.raises(ValueError, match="one-dimensional"):
            allocate_many_minor([[1]], [("UN", 10_000)])
        with pytest.raises(ValueError, match="int64"):
            allocate_many_minor(np.array([2**64 - 1], dtype=np.uint64), [("UN", 10_000)])


# ------------------------------------------------------------------- rule 5: versions


class TestVersionInForce:
    v1 = version(1, date(2025, 1, 1))
    v2 = version(2, date(2025, 7, 1), {"UN": D("50"), "INTERPOL": D("50")})

    def test_latest_effective_date_on_or_before(self) -> None:
        versions = [self.v2, self.v1]
        assert version_in_force(versions, date(2025, 6, 30)) is self.v1
        assert version_in_force(versions, date(2025, 7, 1)) is self.v2
        assert version_in_force(versions, date(2030, 1, 1)) is self.v2

    def test_none_before_the_first_version(self) -> None:
        assert version_in_force([self.v1, self.v2], date(2024, 12, 31)) is None
        assert version_in_force([], date(2025, 1, 1)) is None

    def test_same_date_the_higher_number_wins(self) -> None:
        v3 = version(3, date(2025, 7, 1))
        assert version_in_force([v3, self.v2], date(2025, 7, 1)) is v3
        assert version_in_force([self.v2, v3], date(2025, 7, 1)) is v3

    def test_category_override_else_default(self) -> None:
        v = version(1, date(2025, 1, 1), categories={"travel": {"UN": D("100")}})
        assert v.shares_for("travel") == {"UN": D("100")}
        assert v.shares_for("equipment") == v.default

    def test_expenses_use_the_version_of_their_date(self) -> None:
        items = [
            expense("a", date(2025, 6, 30), "10.00"),
            expense("b", date(2025, 7, 1), "10.00"),
        ]
        result = allocate_expenses(items, [self.v2, self.v1], "USD", UN_INTERPOL)
        assert [(r.key, r.version) for r in result] == [("a", 1), ("b", 2)]
        assert result[0].parts == {"INTERPOL": D("4.00"), "UN": D("6.00")}
        assert result[1].parts == {"INTERPOL": D("5.00"), "UN": D("5.00")}

    def test_a_pending_amendment_dated_later_is_not_applied(self) -> None:
        pending = version(2, date(2026, 1, 1), {"UN": D("10"), "INTERPOL": D("90")})
        result = allocate_expenses(
            [expense(1, date(2025, 12, 31), "100.00")], [self.v1, pending], "USD", UN_INTERPOL
        )
        assert result[0].version == 1
        assert result[0].parts == {"INTERPOL": D("40.00"), "UN": D("60.00")}

    def test_category_override_is_applied(self) -> None:
        v = version(1, date(2025, 1, 1), categories={"travel": {"UN": D("100"), "INTERPOL": D(0)}})
        items = [
            expense(1, date(2025, 2, 1), "10.00", "travel"),
            expense(2, date(2025, 2, 1), "10.00", "staff"),
        ]
        result = allocate_expenses(items, [v], "USD", UN_INTERPOL)
        assert result[0].parts == {"INTERPOL": D("0.00"), "UN": D("10.00")}
        assert result[1].parts == {"INTERPOL": D("4.00"), "UN": D("6.00")}

    def test_no_version_in_force_names_the_date(self) -> None:
        with pytest.raises(ValueError, match="2024-12-31"):
            allocate_expenses(
                [expense(1, date(2024, 12, 31), "1.00")], [self.v1], "USD", UN_INTERPOL
            )

    def test_dates_must_not_go_backwards(self) -> None:
        items = [expense(1, date(2025, 3, 2), "1.00"), expense(2, date(2025, 3, 1), "1.00")]
        with pytest.raises(ValueError, match="date order"):
            allocate_expenses(items, [self.v1], "USD", UN_INTERPOL)

    def test_amount_not_rounded_names_the_expense(self) -> None:
        with pytest.raises(ValueError, match=r"expense 'x'.*more than 2 decimal places"):
            allocate_expenses([expense("x", date(2025, 3, 1), "1.001")], [self.v1], "USD", ["UN"])

    def test_invalid_version_shares_are_refused(self) -> None:
        bad = version(1, date(2025, 1, 1), {"UN": D("60"), "INTERPOL": D("30")})
        with pytest.raises(ValueError, match=r"version 1, default set: shares sum to 90\.00"):
            allocate_expenses([expense(1, date(2025, 1, 1), "1.00")], [bad], "USD", UN_INTERPOL)
        stranger = version(1, date(2025, 1, 1), {"UN": D("60"), "WHO": D("40")})
        with pytest.raises(ValueError, match=r"WHO .*not a party"):
            allocate_expenses(
                [expense(1, date(2025, 1, 1), "1.00")], [stranger], "USD", UN_INTERPOL
            )

    def test_empty_input(self) -> None:
        assert allocate_expenses([], [], "USD", UN_INTERPOL) == []

    def test_garbage_collector_is_restored(self) -> None:
        assert gc.isenabled()
        allocate_expenses([expense(1, date(2025, 1, 1), "1.00")], [self.v1], "USD", UN_INTERPOL)
        assert gc.isenabled()
        gc.disable()
        try:
            allocate_expenses([], [self.v1], "USD", UN_INTERPOL)
            assert not gc.isenabled()
        finally:
            gc.enable()


# ------------------------------------------------------------------- rule 6: ceilings


class TestCeilings:
    def test_part_is_cut_at_the_ceiling_and_the_excess_reallocated(self) -> None:
        v = version(1, date(2025, 1, 1), ceilings={"INTERPOL": D("100.00")})
        items = [expense(i, date(2025, 1, 1 + i), "90.00") for i in range(4)]
        result = allocate_expenses(items, [v], "USD", UN_INTERPOL)
        assert [r.parts["INTERPOL"] for r in result] == [D("36"), D("36"), D("28"), D("0")]
        assert [r.parts["UN"] for r in result] == [D("54"), D("54"), D("62"), D("90")]
        assert all(r.unallocated == 0 for r in result)

    def test_excess_goes_to_the_others_by_renormalized_percentages(self) -> None:
        shares = {"UN": D("50"), "INTERPOL": D("30"), "UNODC": D("20")}
        v = version(1, date(2025, 1, 1), shares, ceilings={"UN": D("10.00")})
        items = [expense(1, date(2025, 1, 1), "100.00")]
        result = allocate_expenses(items, [v], "USD", ["UN", "INTERPOL", "UNODC"])
        # UN cut from 50 to 10; the 40 of excess split 30:20 -> 24 and 16.
        assert result[0].parts == {"INTERPOL": D("54.00"), "UN": D("10.00"), "UNODC": D("36.00")}

    def test_reallocation_uses_rule_4_ties(self) -> None:
        shares = {"UN": D("50"), "INTERPOL": D("25"), "UNODC": D("25")}
        v = version(1, date(2025, 1, 1), shares, ceilings={"UN": D("0")})
        result = allocate_expenses(
            [expense(1, date(2025, 1, 1), "0.03")], [v], "USD", ["UN", "INTERPOL", "UNODC"]
        )
        # Rule 4: raw 1.5, 0.75, 0.75 cents -> floors 1, 0, 0; the two missing cents go to
        # the .75 remainders: 1, 1, 1. UN is cut to 0; its cent splits 50/50 between
        # INTERPOL and UNODC, a tie on equal percentages: INTERPOL by code.
        assert result[0].parts == {"INTERPOL": D("0.02"), "UN": D("0.00"), "UNODC": D("0.01")}

    def test_excess_cascades_to_a_second_ceiling(self) -> None:
        shares = {"UN": D("50"), "INTERPOL": D("30"), "UNODC": D("20")}
        ceilings = {"UN": D("10.00"), "INTERPOL": D("40.00")}
        v = version(1, date(2025, 1, 1), shares, ceilings=ceilings)
        result = allocate_expenses(
            [expense(1, date(2025, 1, 1), "100.00")], [v], "USD", ["UN", "INTERPOL", "UNODC"]
        )
        # UN 50 -> 10; excess 40 -> INTERPOL 24 (54 > 40: cut, 14 more), UNODC 16; 14 -> UNODC
        assert result[0].parts == {"INTERPOL": D("40.00"), "UN": D("10.00"), "UNODC": D("50.00")}

    def test_what_nobody_can_take_is_unallocated(self) -> None:
        ceilings = {"UN": D("50.00"), "INTERPOL": D("30.00")}
        v = version(1, date(2025, 1, 1), ceilings=ceilings)
        items = [expense(1, date(2025, 1, 1), "70.00"), expense(2, date(2025, 1, 2), "20.00")]
        result = allocate_expenses(items, [v], "USD", UN_INTERPOL)
        assert result[0] == ExpenseAllocation(
            key=1, version=1, parts={"INTERPOL": D("28.00"), "UN": D("42.00")}, unallocated=D("0")
        )
        assert result[1].parts == {"INTERPOL": D("2.00"), "UN": D("8.00")}
        assert result[1].unallocated == D("10.00")
        assert str(result[1].unallocated) == "10.00"
        assert sum(result[1].parts.values()) + result[1].unallocated == D("20.00")

    def test_a_zero_share_takes_no_excess(self) -> None:
        v = version(
            1, date(2025, 1, 1), {"UN": D("100"), "INTERPOL": D("0")}, ceilings={"UN": D("5")}
        )
        result = allocate_expenses([expense(1, date(2025, 1, 1), "8.00")], [v], "USD", UN_INTERPOL)
        assert result[0].parts == {"INTERPOL": D("0.00"), "UN": D("5.00")}
        assert result[0].unallocated == D("3.00")

    def test_running_totals_span_versions_and_use_each_versions_ceilings(self) -> None:
        v1 = version(1, date(2025, 1, 1), HALVES)
        v2 = version(2, date(2025, 7, 1), HALVES, ceilings={"INTERPOL": D("60.00")})
        items = [expense(1, date(2025, 2, 1), "100.00"), expense(2, date(2025, 8, 1), "100.00")]
        result = allocate_expenses(items, [v1, v2], "USD", UN_INTERPOL)
        assert result[0].parts == {"INTERPOL": D("50.00"), "UN": D("50.00")}
        # INTERPOL already has 50 of its 60: 10 more, UN takes the other 40.
        assert result[1].parts == {"INTERPOL": D("10.00"), "UN": D("90.00")}

    def test_a_party_already_past_a_lowered_ceiling_gets_nothing(self) -> None:
        v1 = version(1, date(2025, 1, 1), HALVES)
        v2 = version(2, date(2025, 7, 1), HALVES, ceilings={"INTERPOL": D("20.00")})
        items = [expense(1, date(2025, 2, 1), "100.00"), expense(2, date(2025, 8, 1), "10.00")]
        result = allocate_expenses(items, [v1, v2], "USD", UN_INTERPOL)
        assert result[1].parts == {"INTERPOL": D("0.00"), "UN": D("10.00")}

    def test_refunds_are_not_cut_and_free_room(self) -> None:
        v = version(1, date(2025, 1, 1), HALVES, ceilings={"INTERPOL": D("50.00")})
        items = [
            expense(1, date(2025, 1, 1), "100.00"),
            expense(2, date(2025, 1, 2), "-40.00"),
            expense(3, date(2025, 1, 3), "100.00"),
        ]
        result = allocate_expenses(items, [v], "USD", UN_INTERPOL)
        assert result[1].parts == {"INTERPOL": D("-20.00"), "UN": D("-20.00")}
        assert result[1].unallocated == 0
        # INTERPOL is back at 30 of 50: it takes 20, UN the other 80.
        assert result[2].parts == {"INTERPOL": D("20.00"), "UN": D("80.00")}

    def test_ceiling_with_more_decimals_counts_rounded_down(self) -> None:
        v = version(1, date(2025, 1, 1), HALVES, ceilings={"INTERPOL": D("1.009")})
        result = allocate_expenses([expense(1, date(2025, 1, 1), "4.00")], [v], "USD", UN_INTERPOL)
        assert result[0].parts == {"INTERPOL": D("1.00"), "UN": D("3.00")}

    def test_negative_ceiling_is_refused(self) -> None:
        v = version(1, date(2025, 1, 1), ceilings={"UN": D("-1")})
        with pytest.raises(ValueError, match="ceiling for UN"):
            allocate_expenses([expense(1, date(2025, 1, 1), "1.00")], [v], "USD", UN_INTERPOL)

    def test_integer_core_agrees(self) -> None:
        v = version(1, date(2025, 1, 1), ceilings={"INTERPOL": D("100.00")})
        items = [(date(2025, 1, 1 + i), "other", 9000) for i in range(3)]
        assert allocate_expenses_minor(items, [v], "USD", UN_INTERPOL) == [
            (1, [3600, 5400], 0),
            (1, [3600, 5400], 0),
            (1, [2800, 6200], 0),
        ]


# ----------------------------------------------------------------- rule 7: settlement


class TestSettlement:
    def test_balances_are_paid_minus_share(self) -> None:
        paid = {"UN": D("100.00"), "INTERPOL": D("0")}
        share = {"UN": D("60.00"), "INTERPOL": D("40.00"), "UNODC": D("0")}
        assert balances(paid, share) == {
            "INTERPOL": D("-40.00"),
            "UN": D("40.00"),
            "UNODC": D("0"),
        }

    def test_three_parties_at_most_two_transfers(self) -> None:
        result = settle({"UN": D("70.00"), "INTERPOL": D("-50.00"), "UNODC": D("-20.00")})
        assert result == [
            Transfer("INTERPOL", "UN", D("50.00")),
            Transfer("UNODC", "UN", D("20.00")),
        ]

    def test_largest_debtor_pays_largest_creditor_the_smaller_amount(self) -> None:
        result = settle({"A": D("30"), "B": D("10"), "C": D("-25"), "D": D("-15")})
        assert result == [
            Transfer("C", "A", D("25")),
            Transfer("D", "B", D("10")),
            Transfer("D", "A", D("5")),
        ]

    def test_debtor_ties_by_code(self) -> None:
        result = settle({"UN": D("20"), "UNODC": D("-10"), "INTERPOL": D("-10")})
        assert result == [Transfer("INTERPOL", "UN", D("10")), Transfer("UNODC", "UN", D("10"))]

    def test_creditor_ties_by_code(self) -> None:
        result = settle({"UNODC": D("10"), "UN": D("-20"), "INTERPOL": D("10")})
        assert result == [Transfer("UN", "INTERPOL", D("10")), Transfer("UN", "UNODC", D("10"))]

    def test_zero_balances_are_ignored(self) -> None:
        assert settle({"UN": D("0.00"), "INTERPOL": D("0")}) == []
        assert settle({}) == []
        assert settle({"UN": D("5"), "INTERPOL": D("-5"), "UNODC": D("0")}) == [
            Transfer("INTERPOL", "UN", D("5"))
        ]

    def test_unbalanced_settles_as_far_as_possible(self) -> None:
        # 3.00 were unallocated: UN is left with +3.00 that nobody owes it.
        result = settle({"UN": D("10.00"), "INTERPOL": D("-7.00")})
        assert result == [Transfer("INTERPOL", "UN", D("7.00"))]

    def test_refuses_a_float(self) -> None:
        with pytest.raises(ValueError, match="balance of UN"):
            settle({"UN": 1.5})  # type: ignore[dict-item]


# --------------------------------------------------------------------- rule 8: dates


class TestCalendarMonths:
    @pytest.mark.parametrize(
        ("start", "months", "expected"),
        [
            (date(2025, 8, 31), 6, date(2026, 2, 28)),
            (date(2027, 8, 31), 6, date(2028, 2, 29)),  # leap year
            (date(2099, 8, 31), 6, date(2100, 2, 28)),  # 2100 is not a leap year
            (date(1999, 8, 31), 6, date(2000, 2, 29)),  # 2000 is
            (date(2025, 3, 31), 1, date(2025, 4, 30)),
            (date(2025, 1, 15), 6, date(2025, 7, 15)),
            (date(2025, 7, 31), 6, date(2026, 1, 31)),  # across the year end
            (date(2025, 12, 31), 2, date(2026, 2, 28)),
            (date(2024, 3, 31), -1, date(2024, 2, 29)),
            (date(2025, 1, 31), -2, date(2024, 11, 30)),
            (date(2025, 5, 20), 0, date(2025, 5, 20)),
            (date(2025, 5, 20), 24, date(2027, 5, 20)),
        ],
    )
    def test_add_months_clamps_to_the_end_of_the_month(
        self, start: date, months: int, expected: date
    ) -> None:
        assert add_months(start, months) == expected

    def test_termination_takes_effect_six_months_after_notice(self) -> None:
        assert termination_effective_date(date(2025, 8, 31)) == date(2026, 2, 28)
        assert termination_effective_date(date(2027, 8, 31)) == date(2028, 2, 29)
        assert termination_effective_date(date(2025, 3, 10)) == date(2025, 9, 10)

    def test_out_of_range(self) -> None:
        with pytest.raises(OverflowError, match="out of the calendar's range"):
            add_months(date(9999, 12, 1), 1)


# ----------------------------------------------------------------- rule 3: share sets


class TestShareSetErrors:
    parties = ("UN", "INTERPOL")

    def test_valid_sets(self) -> None:
        rows = [
            (None, "UN", D("55.50")),
            (None, "INTERPOL", D("44.50")),
            ("travel", "UN", D("100")),
            ("travel", "INTERPOL", D("0")),
        ]
        assert share_set_errors(self.parties, rows) == []

    def test_organization_not_a_party(self) -> None:
        rows = [(None, "UN", D("60")), (None, "INTERPOL", D("40")), (None, "WHO", D("0"))]
        assert share_set_errors(self.parties, rows) == [
            (2, "WHO is not a party to the arrangement")
        ]

    def test_duplicate_category_and_organization(self) -> None:
        rows = [(None, "UN", D("60")), (None, "INTERPOL", D("40")), (None, "UN", D("0"))]
        assert share_set_errors(self.parties, rows) == [
            (2, "UN appears twice in the shares for default set")
        ]

    def test_the_same_organization_in_two_sets_is_fine(self) -> None:
        rows = [
            (None, "UN", D("60")),
            (None, "INTERPOL", D("40")),
            ("travel", "UN", D("60")),
            ("travel", "INTERPOL", D("40")),
        ]
        assert share_set_errors(self.parties, rows) == []

    def test_more_than_two_decimals(self) -> None:
        rows = [(None, "UN", D("60.005")), (None, "INTERPOL", D("39.995"))]
        assert share_set_errors(self.parties, rows) == [
            (0, "Share of UN for default set has more than 2 decimals: 60.005"),
            (1, "Share of INTERPOL for default set has more than 2 decimals: 39.995"),
        ]

    def test_trailing_zeros_are_not_decimals(self) -> None:
        rows = [(None, "UN", D("60.000")), (None, "INTERPOL", D("40.0000"))]
        assert share_set_errors(self.parties, rows) == []

    def test_outside_0_to_100(self) -> None:
        rows = [(None, "UN", D("120")), (None, "INTERPOL", D("-20"))]
        assert share_set_errors(self.parties, rows) == [
            (0, "Share of UN for default set must be between 0 and 100, not 120"),
            (1, "Share of INTERPOL for default set must be between 0 and 100, not -20"),
        ]

    def test_not_a_number(self) -> None:
        rows = [(None, "UN", D("NaN")), (None, "INTERPOL", D("40"))]
        errors = share_set_errors(self.parties, rows)
        assert errors[0] == (0, "Share of UN for default set is not a number")

    def test_category_set_not_summing_to_100(self) -> None:
        rows = [
            (None, "UN", D("50")),
            (None, "INTERPOL", D("50")),
            ("travel", "UN", D("50")),
            ("travel", "INTERPOL", D("40")),
        ]
        assert share_set_errors(self.parties, rows) == [
            (None, "Shares for travel sum to 90.00, not 100.00")
        ]

    def test_default_set_not_summing_to_100(self) -> None:
        rows = [(None, "UN", D("50.01")), (None, "INTERPOL", D("50"))]
        assert share_set_errors(self.parties, rows) == [
            (None, "Shares for default set sum to 100.01, not 100.00")
        ]

    def test_party_missing(self) -> None:
        rows = [(None, "UN", D("100"))]
        assert share_set_errors(self.parties, rows) == [
            (None, "Shares for default set: INTERPOL missing")
        ]

    def test_party_missing_from_a_category(self) -> None:
        rows = [(None, "UN", D("50")), (None, "INTERPOL", D("50")), ("travel", "UN", D("100"))]
        assert share_set_errors(self.parties, rows) == [
            (None, "Shares for travel: INTERPOL missing")
        ]

    def test_default_set_absent(self) -> None:
        rows = [("travel", "UN", D("50")), ("travel", "INTERPOL", D("50"))]
        assert share_set_errors(self.parties, rows) == [
            (None, "Shares for default set: absent (a set without category is required)")
        ]
        assert share_set_errors(self.parties, []) == [
            (None, "Shares for default set: absent (a set without category is required)")
        ]

    def test_empty_category_is_the_default_set(self) -> None:
        rows = [("", "UN", D("50")), (None, "INTERPOL", D("50"))]
        assert share_set_errors(self.parties, rows) == []

    def test_everything_at_once_rows_first(self) -> None:
        rows = [
            ("travel", "UN", D("90")),
            ("travel", "WHO", D("1.001")),
        ]
        assert share_set_errors(self.parties, rows) == [
            (1, "WHO is not a party to the arrangement"),
            (1, "Share of WHO for travel has more than 2 decimals: 1.001"),
            (None, "Shares for default set: absent (a set without category is required)"),
            (None, "Shares for travel: INTERPOL missing"),
            (None, "Shares for travel sum to 91.001, not 100.00"),
        ]
