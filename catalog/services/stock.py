"""Stock: every change of an offer's on-hand or reserved units, and its line in the ledger.

Each change is ONE conditional UPDATE of the offer row plus ONE `StockMovement`, in the same
transaction, and nothing else in the code base writes `stock_on_hand` or `stock_reserved`
(a new offer starts with what it is created with; everything after goes through here).

The UPDATE adds signed changes to both counters and keeps on hand >= reserved >= 0 in its WHERE
clause, so it is correct on SQLite and PostgreSQL alike without reading first and without a
lock held across a round trip. It reads the new values back with RETURNING (both databases
support it; Django's `update()` cannot), and the movement stores them: the ledger alone says
when an offer sold out and when it came back. Rows are touched in primary-key order, so two
transactions over the same offers never deadlock.

Who calls what:
- orders: `reserve_stock` at checkout, `release_stock` when an order lets go of units
  (cancelled, expired, refunded, short, substituted), `sell_reserved_stock` when the goods leave
  the store; each with the order line it concerns.
- managers (admin): `receive_stock`, `count_stock`, `record_waste`, `return_to_stock`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils.translation import gettext as _

from catalog import signals
from catalog.errors import InsufficientStock, InvalidStockChange
from catalog.models import StockMovement, StoreOffer
from omostore.domain_events import send_after_commit

Kind = StockMovement.Kind
REASON_MAX = StockMovement._meta.get_field("reason").max_length


@dataclass(frozen=True)
class StockUnits:
    """`units` of one offer (pieces, or grams for weighed products), optionally for one order
    line (its id is written on the movement)."""

    offer_id: int
    units: int
    order_line_id: int | None = None


@dataclass(frozen=True)
class _Change:
    offer_id: int
    on_hand: int
    reserved: int
    order_line_id: int | None


def _check_units(units) -> int:
    if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
        raise InvalidStockChange(
            _("A quantity must be a whole number above zero."), details={"quantity": units}
        )
    return units


def _as_units(
    *, lines: Iterable[StockUnits] | None, quantities: Mapping[int, int] | None
) -> list[StockUnits]:
    """Lines in primary-key order (then line id), whichever form the caller used."""
    items = list(lines or []) + [
        StockUnits(offer_id=offer_id, units=units) for offer_id, units in (quantities or {}).items()
    ]
    for item in items:
        _check_units(item.units)
    return sorted(items, key=lambda item: (item.offer_id, item.order_line_id or 0))


def _update(change: _Change, *, active_only: bool = False, on_hand_was: int | None = None):
    """The one conditional UPDATE: `(on_hand, reserved, store_id, product_id)` after the
    change, or None when the offer is gone or the change would break on hand >= reserved >= 0
    (or the offer is inactive with `active_only`, or on hand is no longer `on_hand_was`)."""
    table = connection.ops.quote_name(StoreOffer._meta.db_table)
    # Only the table name (the model's own, quoted) is formatted in; every value is a parameter.
    sql = "UPDATE {} SET {} WHERE {}".format(  # noqa: S608
        table,
        "stock_on_hand = stock_on_hand + %s, stock_reserved = stock_reserved + %s",
        "id = %s AND stock_reserved + %s >= 0 AND stock_on_hand + %s >= stock_reserved + %s",
    )
    params: list = [
        change.on_hand,
        change.reserved,
        change.offer_id,
        change.reserved,
        change.on_hand,
        change.reserved,
    ]
    if active_only:
        sql += " AND is_active = %s"
        params.append(True)
    if on_hand_was is not None:
        sql += " AND stock_on_hand = %s"
        params.append(on_hand_was)
    sql += " RETURNING stock_on_hand, stock_reserved, store_id, product_id"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _movement(change: _Change, after, *, kind, actor, reason: str, order_number: str):
    on_hand_after, reserved_after, store_id, product_id = after
    movement = StockMovement(
        offer_id=change.offer_id,
        kind=kind,
        on_hand_change=change.on_hand,
        reserved_change=change.reserved,
        on_hand_after=on_hand_after,
        reserved_after=reserved_after,
        reason=(reason or "")[:REASON_MAX],
        actor=actor if getattr(actor, "pk", None) else None,
        order_number=order_number or "",
        order_line_id=change.order_line_id,
    )
    if movement.available_before <= 0 < movement.available_after:
        send_after_commit(
            signals.offer_back_in_stock,
            sender=StoreOffer,
            offer_id=change.offer_id,
            store_id=store_id,
            product_id=product_id,
        )
    return movement


def _needs_transaction(name: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{name} needs a transaction")


# --- Orders ---------------------------------------------------------------------------------------


def reserve_stock(
    *,
    lines: Iterable[StockUnits] | None = None,
    quantities: Mapping[int, int] | None = None,
    order_number: str = "",
    actor=None,
) -> list[StockMovement]:
    """Hold units for an order, all or none: one conditional UPDATE per line
    (`on_hand - reserved >= n`, active offers only) and one `reserve` movement each. Every short
    offer is listed in the one InsufficientStock error, and the caller's transaction must then
    be undone (the lines reserved before the short one are not given back here). Needs an open
    transaction. `quantities` (offer id -> units) is the old form, without line references."""
    _needs_transaction("reserve_stock")
    items = _as_units(lines=lines, quantities=quantities)
    movements, short = [], {}
    for item in items:
        change = _Change(item.offer_id, 0, item.units, item.order_line_id)
        after = _update(change, active_only=True)
        if after is None:
            short[item.offer_id] = short.get(item.offer_id, 0) + item.units
            continue
        movements.append(
            _movement(
                change,
                after,
                kind=Kind.RESERVE,
                actor=actor,
                reason="",
                order_number=order_number,
            )
        )
    if short:
        _raise_short(short)
    StockMovement.objects.bulk_create(movements)
    return movements


def _raise_short(short: dict[int, int]):
    offers = StoreOffer.objects.filter(pk__in=short).select_related("product")
    lines = [
        {
            "sku": offer.product.sku,
            "name": offer.product.name_en,
            "requested": short[offer.pk],
            "available": max(offer.stock_available, 0) if offer.is_active else 0,
        }
        for offer in offers
    ]
    names = ", ".join(
        _("%(name)s (%(available)s left)") % {"name": line["name"], "available": line["available"]}
        for line in lines
    )
    raise InsufficientStock(
        _("Not enough stock for: %(names)s.") % {"names": names}, details={"lines": lines}
    )


def _held_change(
    *,
    name: str,
    kind: str,
    on_hand_sign: int,
    lines: Iterable[StockUnits] | None,
    quantities: Mapping[int, int] | None,
    order_number: str,
    actor,
    reason: str,
) -> list[StockMovement]:
    _needs_transaction(name)
    movements = []
    for item in _as_units(lines=lines, quantities=quantities):
        change = _Change(item.offer_id, on_hand_sign * item.units, -item.units, item.order_line_id)
        after = _update(change)
        if after is None:
            # The caller's allocations and the offer's reserved units disagree: a bug, and the
            # transaction is undone rather than the ledger made wrong.
            raise InvalidStockChange(
                _("Offer %(offer)s does not hold %(units)s reserved units.")
                % {"offer": item.offer_id, "units": item.units},
                details={"offer_id": item.offer_id, "units": item.units},
            )
        movements.append(
            _movement(
                change, after, kind=kind, actor=actor, reason=reason, order_number=order_number
            )
        )
    StockMovement.objects.bulk_create(movements)
    return movements


def release_stock(
    *,
    lines: Iterable[StockUnits] | None = None,
    quantities: Mapping[int, int] | None = None,
    order_number: str = "",
    actor=None,
    reason: str = "",
) -> list[StockMovement]:
    """Give back reserved units (an order was cancelled, expired or refunded, a line was short
    or substituted): reserved goes down, on hand stays; one `release` movement per line. Raises
    InvalidStockChange, undoing nothing itself, when the offer does not hold that many
    reserved units. Needs an open transaction."""
    return _held_change(
        name="release_stock",
        kind=Kind.RELEASE,
        on_hand_sign=0,
        lines=lines,
        quantities=quantities,
        order_number=order_number,
        actor=actor,
        reason=reason,
    )


def sell_reserved_stock(
    *,
    lines: Iterable[StockUnits] | None = None,
    quantities: Mapping[int, int] | None = None,
    order_number: str = "",
    actor=None,
    reason: str = "",
) -> list[StockMovement]:
    """The reserved goods left the store for good (scan & go paid, an order collected or sent
    out): off on hand and off reserved; one `sell` movement per line. Needs an open
    transaction."""
    return _held_change(
        name="sell_reserved_stock",
        kind=Kind.SELL,
        on_hand_sign=-1,
        lines=lines,
        quantities=quantities,
        order_number=order_number,
        actor=actor,
        reason=reason,
    )


# The name this had before the ledger.
take_reserved_stock = sell_reserved_stock


# --- The store's own moves ------------------------------------------------------------------------


def _manager_change(
    *,
    offer: StoreOffer,
    kind: str,
    on_hand: int,
    actor,
    reason: str,
    on_hand_was=None,
    order_number: str = "",
) -> StockMovement | None:
    change = _Change(offer.pk, on_hand, 0, None)
    after = _update(change, on_hand_was=on_hand_was)
    if after is None:
        return None
    movement = _movement(
        change, after, kind=kind, actor=actor, reason=reason, order_number=order_number[:12]
    )
    movement.save()
    offer.stock_on_hand, offer.stock_reserved = after[0], after[1]
    return movement


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidStockChange(_("Say why (a delivery note, a count, what spoiled)."))
    return reason[:REASON_MAX]


@transaction.atomic
def receive_stock(*, offer: StoreOffer, units: int, actor, reason: str) -> StockMovement:
    """A delivery came in: `units` more on hand."""
    units, reason = _check_units(units), _clean_reason(reason)
    movement = _manager_change(
        offer=offer, kind=Kind.RECEIVE, on_hand=units, actor=actor, reason=reason
    )
    if movement is None:
        raise InvalidStockChange(_("This offer no longer exists."))
    return movement


@transaction.atomic
def return_to_stock(
    *, offer: StoreOffer, units: int, actor, reason: str, order_number: str = ""
) -> StockMovement:
    """Goods that had been sold came back to the shelf (a shopper returned them)."""
    units, reason = _check_units(units), _clean_reason(reason)
    movement = _manager_change(
        offer=offer,
        kind=Kind.RETURN,
        on_hand=units,
        actor=actor,
        reason=reason,
        order_number=order_number,
    )
    if movement is None:
        raise InvalidStockChange(_("This offer no longer exists."))
    return movement


def _below_reserved(offer: StoreOffer, *, wanted: int) -> InvalidStockChange:
    offer.refresh_from_db(fields=["stock_on_hand", "stock_reserved"])
    return InvalidStockChange(
        _(
            "On hand cannot go below the %(reserved)s units that orders hold "
            "(%(on_hand)s on hand now). Cancel or pick those orders first."
        )
        % {"reserved": offer.stock_reserved, "on_hand": offer.stock_on_hand},
        details={
            "on_hand": offer.stock_on_hand,
            "reserved": offer.stock_reserved,
            "requested_on_hand": wanted,
        },
    )


@transaction.atomic
def record_waste(*, offer: StoreOffer, units: int, actor, reason: str) -> StockMovement:
    """`units` spoiled, broke or expired: off on hand. Goods that orders hold cannot be written
    off here (on hand may not go below reserved): release them first."""
    units, reason = _check_units(units), _clean_reason(reason)
    movement = _manager_change(
        offer=offer, kind=Kind.WASTE, on_hand=-units, actor=actor, reason=reason
    )
    if movement is None:
        offer.refresh_from_db(fields=["stock_on_hand", "stock_reserved"])
        if units > offer.stock_on_hand:
            raise InvalidStockChange(
                _("Only %(on_hand)s on hand; %(units)s cannot be written off.")
                % {"on_hand": offer.stock_on_hand, "units": units},
                details={"on_hand": offer.stock_on_hand, "units": units},
            )
        raise _below_reserved(offer, wanted=offer.stock_on_hand - units)
    return movement


@transaction.atomic
def count_stock(*, offer: StoreOffer, on_hand: int, actor, reason: str) -> StockMovement:
    """A stock count found `on_hand` units: on hand becomes that, never below what orders hold.
    The movement carries the difference (zero when the count was right)."""
    if isinstance(on_hand, bool) or not isinstance(on_hand, int) or on_hand < 0:
        raise InvalidStockChange(
            _("A count is a whole number, zero or more."), details={"on_hand": on_hand}
        )
    reason = _clean_reason(reason)
    for _attempt in range(5):
        was = StoreOffer.objects.filter(pk=offer.pk).values_list("stock_on_hand", flat=True).first()
        if was is None:
            raise InvalidStockChange(_("This offer no longer exists."))
        movement = _manager_change(
            offer=offer,
            kind=Kind.COUNT,
            on_hand=on_hand - was,
            actor=actor,
            reason=reason,
            on_hand_was=was,
        )
        if movement is not None:
            return movement
        reserved = StoreOffer.objects.filter(pk=offer.pk).values_list("stock_reserved", flat=True)
        if on_hand < reserved.get():
            raise _below_reserved(offer, wanted=on_hand)
        # on hand moved between the read and the UPDATE (a sale): read again
    raise InvalidStockChange(_("The stock keeps changing; count again in a moment."))
