"""Money as an integer amount in the currency's minor unit plus an ISO 4217 code; never a float.

>>> Money(1980, "JPY").format()
'¥1,980'
>>> (Money(1999, "USD") * 3).format()
'$59.97'
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

# Minor-unit exponent per ISO 4217, and the symbol a shopper expects to read.
CURRENCIES: dict[str, tuple[int, str]] = {
    "JPY": (0, "¥"),
    "KRW": (0, "₩"),
    "USD": (2, "$"),
    "EUR": (2, "€"),
    "GBP": (2, "£"),
    "CNY": (2, "CN¥"),
    "HKD": (2, "HK$"),
    "SGD": (2, "S$"),
    "TWD": (2, "NT$"),
    "AUD": (2, "A$"),
    "CAD": (2, "CA$"),
    "CHF": (2, "CHF "),
    "KWD": (3, "KD "),
}


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined."""


def minor_unit_exponent(currency: str) -> int:
    try:
        return CURRENCIES[currency][0]
    except KeyError:
        raise ValueError(f"unsupported currency {currency!r}") from None


@dataclass(frozen=True, slots=True, order=False)
class Money:
    amount: int
    currency: str

    def __post_init__(self) -> None:
        # bool is an int subclass; True yen is a bug, not money.
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError(f"Money amount must be an int of minor units, not {self.amount!r}")
        minor_unit_exponent(self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def from_decimal(cls, value: Decimal | str, currency: str) -> Money:
        """Parse a major-unit amount ("19.99"), rounding half to even at the minor unit."""
        exponent = minor_unit_exponent(currency)
        minor = (Decimal(value) * (10**exponent)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        return cls(int(minor), currency)

    def to_decimal(self) -> Decimal:
        return Decimal(self.amount).scaleb(-minor_unit_exponent(self.currency))

    def _check(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency}")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._check(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._check(other).amount, self.currency)

    def __mul__(self, factor: int) -> Money:
        if not isinstance(factor, int) or isinstance(factor, bool):
            raise TypeError("Money can only be multiplied by a whole number; use multiply_ratio")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._check(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._check(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._check(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._check(other).amount

    def __bool__(self) -> bool:
        return self.amount != 0

    def multiply_ratio(self, numerator: int, denominator: int) -> Money:
        """self * numerator / denominator, rounded half to even (price per 100 g * grams / 100)."""
        if denominator <= 0:
            raise ValueError("denominator must be positive")
        exact = Decimal(self.amount) * numerator / denominator
        return Money(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)), self.currency)

    def allocate(self, ratios: list[int]) -> list[Money]:
        """Split without losing a minor unit: remainders go to the first shares (for refunds)."""
        total = sum(ratios)
        if total <= 0 or any(r < 0 for r in ratios):
            raise ValueError("ratios must be non-negative and not all zero")
        shares = [self.amount * r // total for r in ratios]
        for i in range(self.amount - sum(shares)):
            shares[i % len(shares)] += 1
        return [Money(s, self.currency) for s in shares]

    def format(self) -> str:
        exponent = minor_unit_exponent(self.currency)
        symbol = CURRENCIES[self.currency][1]
        sign = "-" if self.amount < 0 else ""
        number = f"{abs(self.to_decimal()):,.{exponent}f}"
        return f"{sign}{symbol}{number}"

    def as_dict(self) -> dict:
        """The API's shape for a price: `{amount, currency, formatted}`."""
        return {"amount": self.amount, "currency": self.currency, "formatted": self.format()}

    def __str__(self) -> str:
        return self.format()
