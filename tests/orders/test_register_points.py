"""A register sale earns the member's points like any channel (members' receiver of
`order_paid`), a refund at the register takes them back in proportion, and a sale without a
member QR earns nobody anything."""

import pytest

from accounts.member_qr import issue_member_qr
from members.models import PointsGrant
from members.selectors import points_summary
from orders import services
from stores.models import StaffRole
from tests import factories

pytestmark = pytest.mark.django_db


def _sale(store, cashier, offer, *, quantity, member=None, key):
    order, _created = services.sell_at_register(
        store=store,
        cashier=cashier,
        items=[services.BasketItem(code=offer.product.barcode, quantity=quantity)],
        payment_method="cash",
        cash_tendered=100_000,
        idempotency_key=key,
        member_qr=issue_member_qr(member=member).token if member else "",
    )
    return order


def test_points_for_a_register_sale_and_back_for_its_refund(
    store, django_capture_on_commit_callbacks
):
    offer = factories.make_offer(store=store, price=500, stock_on_hand=50)
    cashier = factories.make_staff(store=store, role=StaffRole.Role.EXIT)
    member = factories.make_member()

    with django_capture_on_commit_callbacks(execute=True):
        order = _sale(store, cashier, offer, quantity=4, member=member, key="with-qr")
    assert points_summary(member=member).balance == 20  # ¥2,000 at 1 point per ¥100

    with django_capture_on_commit_callbacks(execute=True):
        services.refund_register_lines(
            order=order,
            store=store,
            cashier=cashier,
            lines={order.lines.get().pk: 2},
            reason="damaged",
            idempotency_key="half",
        )
    assert points_summary(member=member).balance == 10

    with django_capture_on_commit_callbacks(execute=True):
        _sale(store, cashier, offer, quantity=4, key="no-qr")
    assert PointsGrant.objects.count() == 1  # the anonymous sale earned nothing
