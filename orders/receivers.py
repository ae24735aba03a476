"""What orders does when other apps announce something. Each receiver parses the signal and
calls one service."""

from accounts.selectors import member_for
from catalog import services as catalog_services
from orders import selectors, services

CART_COOKIE = "omo_cart"


def on_payment_succeeded(sender, *, payment, **kwargs) -> None:
    services.record_payment(payment=payment)


def on_payment_failed(sender, *, payment, **kwargs) -> None:
    services.record_payment_failure(payment=payment)


def on_refund_succeeded(sender, *, refund, **kwargs) -> None:
    services.record_refund(refund=refund)


def on_refund_failed(sender, *, refund, **kwargs) -> None:
    services.record_refund_failure(refund=refund)


def on_review_written(sender, *, review_id, product_id, member_id, **kwargs) -> None:
    """A review written after the member bought the product is a verified purchase too (a
    review written before it is marked when the order is paid)."""
    if selectors.member_bought(member_id=member_id, product_id=product_id):
        catalog_services.mark_verified_purchases(product_ids=[product_id], member_id=member_id)


def on_user_logged_in(sender, *, request, user, **kwargs) -> None:
    """The cart filled before logging in joins the member's cart of that store."""
    token = request.COOKIES.get(CART_COOKIE) if request is not None else None
    member = member_for(user=user)
    if not token or member is None:
        return
    anonymous = selectors.anonymous_cart_by_token(token=token)
    if anonymous is not None:
        target = services.cart_for_member(member=member, store=anonymous.store)
        services.merge_carts(source=anonymous, target=target)
