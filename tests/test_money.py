"""Exact money: parsing, rounding, storage (DOMAIN.md rule 1)."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from jointprojects.money import (
    MoneyError,
    format_money,
    parse_decimal,
    parse_money,
    parse_percent,
    percent_to_json,
    round_money,
    to_json,
)
from jointprojects.types import Money, from_storage


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.50", "1234.50"),
        ("1 234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("1\u00a0234,5", "1234.5"),
        ("-12", "-12"),
        ("1,234,567", "1234567"),
    ],
)
def test_parse_decimal_reads_what_people_type(text, expected):
    assert parse_decimal(text) == Decimal(expected)


NOT_A_NUMBER = "is not a number"


@pytest.mark.parametrize(("bad", "message"), [
    ("", "is required"), ("abc", NOT_A_NUMBER), ("1.2.3,4,5", NOT_A_NUMBER),
    ("NaN", NOT_A_NUMBER), ("Infinity", NOT_A_NUMBER), (1.5, "not a floating-point number"),
    (True, "must be a number written as a string"), (None, "must be a number written as a string"),
    ("1e3", NOT_A_NUMBER), ("1_000", NOT_A_NUMBER), ("\u0661\u0662", NOT_A_NUMBER),
    ("12,34,5", NOT_A_NUMBER), ("1,2345.6", NOT_A_NUMBER), ("--1", NOT_A_NUMBER),
])
def test_parse_decimal_refuses_what_is_not_an_exact_number(bad, message):
    with pytest.raises(MoneyError, match=message):
        parse_decimal(bad)


@pytest.mark.parametrize("ambiguous", ["1,234", "15,735", "-999,000"])
def test_a_single_comma_before_three_digits_is_refused_as_ambiguous(ambiguous):
    with pytest.raises(MoneyError, match="ambiguous"):
        parse_decimal(ambiguous)


def test_1_250_is_refused_whatever_the_separator_with_the_same_message():
    """DOMAIN rule 9: "1.250" was read as 1.25 while "1,250" was refused."""
    messages = []
    for typed in ("1.250", "1,250"):
        with pytest.raises(MoneyError) as caught:
            parse_decimal(typed)
        messages.append(str(caught.value).replace(repr(typed), "<typed>"))
    assert messages[0] == messages[1]
    assert "ambiguous" in messages[0]
    assert "1250 for the whole number" in messages[0]
    assert "1.2500 for the decimal" in messages[0]
    for typed in ("12.345", "-999.000", "+1.000"):
        with pytest.raises(MoneyError, match="ambiguous"):
            parse_decimal(typed)


@pytest.mark.parametrize(("text", "expected"), [
    ("1.25", "1.25"), ("1250", "1250"), ("1,234.50", "1234.50"), ("1.234,50", "1234.50"),
    ("1 234,50", "1234.50"), ("0.125", "0.125"), ("0,250", "0.250"), ("1.2500", "1.2500"),
    ("1234.567", "1234.567"), ("1.234.567", "1234567"),
])
def test_what_cannot_be_misread_still_reads(text, expected):
    assert parse_decimal(text) == Decimal(expected)


def test_json_strings_read_a_point_as_the_decimal_point():
    """The API writes 1.25 KWD as "1.250" (API.md: strings holding decimals): it reads it
    back as the same decimal; a comma is still never guessed."""
    assert parse_decimal("1.250", decimal_point=True) == Decimal("1.25")
    with pytest.raises(MoneyError, match="ambiguous"):
        parse_decimal("1,250", decimal_point=True)
    assert parse_decimal("1 234,50", decimal_point=True) == Decimal("1234.50")


def test_amounts_with_more_decimals_than_the_currency_are_refused():
    assert parse_money("100.25", "USD") == Decimal("100.25")
    assert parse_money("1500", "JPY") == Decimal("1500")
    assert parse_money("0.125", "KWD") == Decimal("0.125")
    for amount, currency in (("100.2555", "USD"), ("1500.5", "JPY"), ("1.1255", "KWD")):
        with pytest.raises(MoneyError, match="decimal places"):
            parse_money(amount, currency)


def test_unknown_currency_is_refused():
    with pytest.raises(MoneyError, match="unknown currency"):
        parse_money("1", "XYZ")


def test_percent_range_and_two_decimals():
    assert parse_percent("55.25") == Decimal("55.25")
    for bad, message in (("100.01", "must be between 0 and 100"),
                         ("-1", "must be between 0 and 100"),
                         ("33.3333", "has more than 2 decimal places")):
        with pytest.raises(MoneyError, match=message):
            parse_percent(bad)


def test_rounding_is_half_up_to_minor_units():
    assert round_money(Decimal("0.125"), "USD") == Decimal("0.13")
    assert round_money(Decimal("-0.125"), "USD") == Decimal("-0.13")
    assert round_money(Decimal("2.5"), "JPY") == Decimal("3")
    assert round_money(Decimal("0.0005"), "KWD") == Decimal("0.001")


def test_json_and_display_forms():
    assert to_json(Decimal("1234.5"), "USD") == "1234.50"
    assert to_json(Decimal("1500"), "JPY") == "1500"
    assert percent_to_json(Decimal("55.00")) == "55"
    assert percent_to_json(Decimal("12.50")) == "12.5"
    assert format_money(Decimal("1234567.5"), "USD") == "1,234,567.50"


def test_money_column_is_exact_and_sums_exactly(db):
    db.session.execute(text("CREATE TEMPORARY TABLE t_money (amount BIGINT)"))
    column = Money()
    values = [Decimal("0.1"), Decimal("0.2"), Decimal("1234567890.1234")] * 1000
    for value in values:
        db.session.execute(
            text("INSERT INTO t_money (amount) VALUES (:a)"),
            {"a": column.process_bind_param(value, None)},
        )
    total = db.session.scalar(select(func.sum(text("amount"))).select_from(text("t_money")))
    assert from_storage(total) == sum(values)
    assert from_storage(total) == Decimal("1234567890423.4000")
    db.session.execute(text("DROP TABLE t_money"))


def test_money_column_refuses_floats_and_excess_precision():
    column = Money()
    with pytest.raises(TypeError, match="floats are not accepted"):
        column.process_bind_param(0.1, None)
    with pytest.raises(ValueError, match="decimal places"):
        column.process_bind_param(Decimal("0.00001"), None)
    assert column.process_result_value(12345, None) == Decimal("1.2345")
