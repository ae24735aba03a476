"""Domain errors of the catalogue (see `omostore.errors` for how they become a 4xx)."""

from __future__ import annotations

from omostore.errors import DomainError


class InvalidReview(DomainError):
    code = "invalid_review"


class InsufficientStock(DomainError):
    """Not enough available for one or more lines; `details["lines"]` lists every short one."""

    code = "insufficient_stock"
    http_status = 409


class InvalidStockChange(DomainError):
    """A stock change that would break on hand >= reserved >= 0, or a quantity that is no
    quantity (zero, negative, not a whole number)."""

    code = "invalid_stock_change"
    http_status = 409


class InvalidPriceChange(DomainError):
    """A price or markdown that is refused: a markdown not below the price, a window that has
    already ended or ends before it starts."""

    code = "invalid_price_change"
    http_status = 400
