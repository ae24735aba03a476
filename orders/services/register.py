"""The staffed register: a basket scanned at the counter becomes a paid order of the `register`
channel in one transaction (stock taken, payment recorded, the member QR used), and its lines
are refunded at a register.

Payment is the member's wallet (authorised by scanning their member QR, which is used once),
cash (with change) or the store's own card terminal (its slip's reference recorded). A member
QR with cash or the terminal links the sale to the member's history. Without one the order has
no member.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.member_qr import use_member_qr
from accounts.models import Member
from catalog import selectors as catalog_selectors
from omostore.domain_events import send_after_commit
from omostore.errors import Forbidden
from omostore.money import Money
from orders import errors, signals
from orders.models import (
    Channel,
    Order,
    OrderEvent,
    OrderLine,
    OrderRefund,
    OrderStatus,
    RegisterSale,
)
from orders.services.cart import shopper_name, validate_quantity
from orders.services.checkout import line_total
from orders.services.refunds import refund_order_lines
from orders.services.stock_allocation import allocate_new_lines, sell_order_allocations
from payments import services as payment_services
from payments.models import PaymentMethod
from stores.models import Store
from stores.roles import Role
from stores.selectors import has_store_role

logger = logging.getLogger(__name__)

# Who works a register: the exit/register staff of the store, and its managers.
REGISTER_ROLES = (Role.EXIT, Role.MANAGER)
REGISTER_METHODS = (PaymentMethod.WALLET, PaymentMethod.CASH, PaymentMethod.TERMINAL)
MAX_BASKET_LINES = 100
E_RECEIPT_SALT = "orders.e-receipt"


@dataclass(frozen=True)
class BasketItem:
    """One scanned code and how many: pieces (or grams for a weighed product) of a product's
    own barcode or SKU, packs of a multipack's barcode, or 1 for an in-store weight label."""

    code: str
    quantity: int


@dataclass(frozen=True)
class PricedItem:
    offer_id: int
    code: str
    sku: str
    name_en: str
    name_ja: str
    sold_by: str
    quantity: int  # what the line sells: pieces, or grams
    unit_price: Money
    total: Money
    count: int = 0  # the item's quantity as scanned (packs, labels, pieces or grams)
    pack_size: int = 1
    grams: int | None = None  # read from a weight label


def check_register_staff(*, user, store: Store) -> None:
    if not has_store_role(user=user, store_id=store.pk, roles=REGISTER_ROLES):
        raise Forbidden(_("Only register staff of this store can do this."))


def match_code(*, store: Store, code: str) -> catalog_selectors.OfferMatch | None:
    """What one scanned code names in this store (its offer, pack size, label grams), or None."""
    return catalog_selectors.offer_matches(store=store, codes=[code]).get(code)


def price_item(
    *, store: Store, item: BasketItem, match: catalog_selectors.OfferMatch | None = None
) -> PricedItem:
    """What one scanned code costs now: the store's price, never the client's. A multipack's
    barcode counts `pack_size` pieces per pack; a weight label sells the grams printed in it
    (one label per item). A code this store does not sell is UnknownProduct; a quantity out of
    bounds is InvalidQuantity. `match`, when the caller already has it, saves the lookup."""
    if match is None:
        match = match_code(store=store, code=item.code)
    if match is None:
        raise errors.UnknownProduct(
            _("No product with the code %(code)s is sold here.") % {"code": item.code[:32]},
            details={"code": item.code[:32]},
        )
    offer = match.offer
    product = offer.product
    if match.grams is not None:
        if product.sold_by != "weight" or item.quantity != 1:
            raise errors.InvalidQuantity(
                _("A weight label is one item: scan it without a quantity or grams."),
                details={"min": 1, "max": 1, "unit": "labels"},
            )
        quantity = validate_quantity(quantity=match.grams, sold_by=product.sold_by)
    elif match.pack_size > 1:
        quantity = validate_quantity(
            quantity=item.quantity * match.pack_size, sold_by=product.sold_by
        )
    else:
        quantity = validate_quantity(quantity=item.quantity, sold_by=product.sold_by)
    unit = offer.current_price(at=timezone.now())
    return PricedItem(
        offer_id=offer.pk,
        code=item.code,
        sku=product.sku,
        name_en=product.name_en,
        name_ja=product.name_ja,
        sold_by=product.sold_by,
        quantity=quantity,
        unit_price=unit,
        total=line_total(unit_price=unit, quantity=quantity, sold_by=product.sold_by),
        count=item.quantity,
        pack_size=match.pack_size,
        grams=match.grams,
    )


def _take_sold_stock(*, order: Order, lines: list[OrderLine], cashier) -> None:
    """The ONE place the register touches stock: every line is allocated in full and sold at
    once through the stock ledger (a `reserve` then a `sell` movement per line, naming the
    line and the order): the goods leave over the counter now, all or none (catalog's
    InsufficientStock lists every short line). Needs the sale's transaction."""
    allocate_new_lines(order=order, lines=lines, actor=cashier)
    sell_order_allocations(order=order, actor=cashier, reason="register sale")


def _fingerprint(**request) -> str:
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


def sell_at_register(
    *,
    store: Store,
    cashier,
    items: Sequence[BasketItem],
    payment_method: str,
    idempotency_key: str,
    member_qr: str = "",
    cash_tendered: int | None = None,
    terminal_reference: str = "",
) -> tuple[Order, bool]:
    """Sell `items` at a register of `store`: a paid `register` order, or an error with nothing
    changed. Returns (order, created); the same key with the same request returns the first
    sale (created False), with another request IdempotencyKeyReused.

    The member QR, when given, is used once inside the sale's transaction: the same QR at two
    registers at once makes one sale, the other gets MemberQrUsed. The wallet needs it."""
    check_register_staff(user=cashier, store=store)
    fingerprint = _fingerprint(
        items=[(item.code, item.quantity) for item in items],
        method=payment_method,
        qr=member_qr,
        tendered=cash_tendered,
        terminal=terminal_reference,
    )
    existing = _existing_sale(store=store, key=idempotency_key, fingerprint=fingerprint)
    if existing is not None:
        return existing, False
    _check_request(
        items=items,
        payment_method=payment_method,
        member_qr=member_qr,
        terminal_reference=terminal_reference,
    )
    try:
        order = _sell(
            store=store,
            cashier=cashier,
            items=items,
            payment_method=payment_method,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            member_qr=member_qr,
            cash_tendered=cash_tendered,
            terminal_reference=terminal_reference.strip(),
        )
    except IntegrityError:  # the same key twice at once: the first one won
        existing = _existing_sale(store=store, key=idempotency_key, fingerprint=fingerprint)
        if existing is None:
            raise
        return existing, False
    return order, True


def _existing_sale(*, store: Store, key: str, fingerprint: str) -> Order | None:
    sale = (
        RegisterSale.objects.select_related("order")
        .filter(store=store, idempotency_key=key)
        .first()
    )
    if sale is None:
        return None
    if sale.request_fingerprint != fingerprint:
        raise errors.IdempotencyKeyReused(
            _("This Idempotency-Key was already used for a different sale.")
        )
    return sale.order


def _check_request(
    *, items: Sequence[BasketItem], payment_method: str, member_qr: str, terminal_reference: str
) -> None:
    if not items:
        raise errors.EmptyCart(_("Scan at least one product."))
    if len(items) > MAX_BASKET_LINES:
        raise errors.InvalidCheckout(_("At most %(n)s lines per sale.") % {"n": MAX_BASKET_LINES})
    if payment_method not in REGISTER_METHODS:
        raise errors.InvalidCheckout(
            _("Pay by wallet, cash or card terminal."), details={"methods": list(REGISTER_METHODS)}
        )
    if payment_method == PaymentMethod.WALLET and not member_qr.strip():
        raise errors.InvalidCheckout(_("Scan the member's QR to pay from their wallet."))
    if payment_method == PaymentMethod.TERMINAL and not 1 <= len(terminal_reference.strip()) <= 60:
        raise errors.InvalidCheckout(_("Enter the card terminal's reference from its slip."))


@transaction.atomic
def _sell(
    *,
    store: Store,
    cashier,
    items: Sequence[BasketItem],
    payment_method: str,
    idempotency_key: str,
    fingerprint: str,
    member_qr: str,
    cash_tendered: int | None,
    terminal_reference: str,
) -> Order:
    member: Member | None = None
    if member_qr.strip():
        member = use_member_qr(token=member_qr, store_id=store.pk)
    matches = catalog_selectors.offer_matches(store=store, codes=[item.code for item in items])
    priced = [price_item(store=store, item=item, match=matches.get(item.code)) for item in items]
    total = sum((item.total for item in priced), Money.zero(store.currency))
    if total.amount <= 0:
        raise errors.InvalidCheckout(_("This sale costs nothing."))
    change = None
    if payment_method == PaymentMethod.CASH:
        if (
            isinstance(cash_tendered, bool)
            or not isinstance(cash_tendered, int)
            or not total.amount <= cash_tendered <= payment_services.MAX_AMOUNT
        ):
            raise errors.InvalidCheckout(
                _("The cash handed over must cover the total of %(total)s.") % {"total": total},
                details={"total": total.as_dict()},
            )
        change = cash_tendered - total.amount
    order = Order.objects.create(
        store=store,
        member=member,
        channel=Channel.REGISTER,
        currency=store.currency,
        total=total.amount,
        payment_method=payment_method,
        idempotency_key=f"register:{store.pk}:{idempotency_key}"[:120],
        request_fingerprint=fingerprint,
    )
    lines = OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            offer_id=item.offer_id,
            sku=item.sku,
            name_en=item.name_en,
            name_ja=item.name_ja,
            sold_by=item.sold_by,
            quantity=item.quantity,
            quantity_allocated=item.quantity,
            unit_price=item.unit_price.amount,
            line_total=item.total.amount,
        )
        for item in priced
    )
    _take_sold_stock(order=order, lines=lines, cashier=cashier)
    OrderEvent.objects.create(
        order=order,
        kind=OrderEvent.Kind.STATUS_CHANGED,
        from_status="",
        to_status=OrderStatus.PLACED,
        payload={"from": "", "to": OrderStatus.PLACED, "reason": ""},
        actor=cashier,
        note="register sale",
    )
    RegisterSale.objects.create(
        order=order,
        store=store,
        cashier=cashier,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
        cash_tendered=cash_tendered if payment_method == PaymentMethod.CASH else None,
        change_given=change,
        terminal_reference=terminal_reference if payment_method == PaymentMethod.TERMINAL else "",
    )
    send_after_commit(signals.order_placed, sender=Order, order=order)
    # The payment's success marks the order paid (orders' receiver of payment_succeeded) and
    # sends order_paid after commit, as for every channel.
    if payment_method == PaymentMethod.WALLET:
        payment_services.start_payment(
            member=member,
            reference=order.number,
            amount=order.total,
            currency=order.currency,
            method=PaymentMethod.WALLET,
            idempotency_key=f"order:{order.number}",
        )
    else:
        payment_services.record_register_payment(
            member=member,
            reference=order.number,
            amount=order.total,
            currency=order.currency,
            method=payment_method,
            provider_ref=terminal_reference,
            idempotency_key=f"order:{order.number}",
        )
    order.refresh_from_db()
    if order.status != OrderStatus.PAID:  # a bug, never a shopper's error: undo everything
        raise RuntimeError(f"register sale {order.number} was not marked paid")
    return order


def refund_register_lines(
    *,
    order: Order,
    store: Store,
    cashier,
    lines: Mapping[int, int],
    reason: str,
    idempotency_key: str,
    note: str = "",
) -> OrderRefund:
    """Refund lines of a register sale of `store` at its register. Cash goes back from the
    drawer and is recorded as cash; a terminal sale is refunded on the terminal and recorded;
    a wallet sale goes back to the wallet."""
    check_register_staff(user=cashier, store=store)
    if order.store_id != store.pk or order.channel != Channel.REGISTER:
        raise errors.NotFound(_("No such sale at this store."))
    return refund_order_lines(
        order=order,
        lines=lines,
        actor=cashier,
        reason=reason,
        idempotency_key=f"register-refund:{order.pk}:{idempotency_key}"[:120],
        note=note,
    )


def _receipt_signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=E_RECEIPT_SALT)


def e_receipt_code(*, order: Order) -> str:
    """The signed code of a sale's e-receipt link (`/r/<code>/`): whoever holds it may read
    that one receipt, for `E_RECEIPT_MAX_AGE_DAYS`."""
    return _receipt_signer().sign(order.number)


def order_for_e_receipt(*, code: str) -> Order:
    try:
        number = _receipt_signer().unsign(code, max_age=settings.E_RECEIPT_MAX_AGE_DAYS * 24 * 3600)
    except signing.SignatureExpired:
        raise errors.NotFound(_("This receipt link has expired.")) from None
    except signing.BadSignature:
        raise errors.NotFound(_("No such receipt.")) from None
    order = Order.objects.filter(number=number, channel=Channel.REGISTER).first()
    if order is None:
        raise errors.NotFound(_("No such receipt."))
    return order


def receipt_name(line: OrderLine) -> str:
    return shopper_name(line)
