from decimal import Decimal

import pytest

from omostore.money import CurrencyMismatch, Money


def test_formats_yen_without_decimals_and_dollars_with_two():
    assert Money(1980, "JPY").format() == "¥1,980"
    assert Money(123456, "USD").format() == "$1,234.56"
    assert Money(-5, "USD").format() == "-$0.05"
    assert Money(1500, "KWD").format() == "KD 1.500"


def test_arithmetic_keeps_integers_and_currency():
    total = Money(298, "JPY") * 3 + Money(100, "JPY") - Money(50, "JPY")
    assert total == Money(944, "JPY")
    assert isinstance(total.amount, int)


def test_refuses_floats_and_mixed_currencies():
    with pytest.raises(TypeError):
        Money(1.5, "JPY")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(100, "JPY") * 1.1  # type: ignore[operator]
    with pytest.raises(CurrencyMismatch):
        Money(100, "JPY") + Money(100, "USD")
    with pytest.raises(ValueError, match="unsupported currency"):
        Money(100, "XXX")


def test_ratio_and_allocation_lose_no_minor_unit():
    assert Money(398, "JPY").multiply_ratio(250, 100) == Money(995, "JPY")
    shares = Money(1000, "JPY").allocate([1, 1, 1])
    assert [s.amount for s in shares] == [334, 333, 333]
    assert sum(s.amount for s in shares) == 1000


def test_decimal_round_trip():
    assert Money.from_decimal("19.995", "USD") == Money(2000, "USD")
    assert Money.from_decimal(Decimal("1980"), "JPY").to_decimal() == Decimal("1980")
    assert Money(1999, "USD").as_dict() == {
        "amount": 1999,
        "currency": "USD",
        "formatted": "$19.99",
    }
