"""What orders does when other apps announce something."""

from accounts.selectors import member_for
from orders import services
from orders.models import Cart

CART_COOKIE = "omo_cart"


def on_payment_succeeded(sender, *, payment, **kwargs) -> None:
    services.record_payment(payment=payment)


def on_payment_failed(sender, *, payment, **kwargs) -> None:
    services.record_payment_failure(payment=payment)


def on_refund_succeeded(sender, *, refund, **kwargs) -> None:
    services.record_refund(refund=refund)


def on_user_logged_in(sender, *, request, user, **kwargs) -> None:
    """The cart filled before logging in joins the member's cart of that store."""
    token = request.COOKIES.get(CART_COOKIE) if request is not None else None
    member = member_for(user=user)
    if not token or member is None:
        return
    anonymous = Cart.objects.filter(token=token, member__isnull=True).first()
    if anonymous is not None:
        target = services.cart_for_member(member=member, store=anonymous.store)
        services.merge_carts(source=anonymous, target=target)
