"""Manager screens of payments: every page renders, and none of them moves money."""

import pytest
from django.contrib.auth.models import Permission

from payments import services
from payments.models import PaymentMethod, Refund, WalletAccount, WebhookEvent
from tests import factories

pytestmark = pytest.mark.django_db

MODELS = ["payment", "refund", "walletaccount", "webhookevent"]


@pytest.fixture
def paid_and_refunded(member):
    factories.make_wallet(member=member, balance=5000)
    payment = services.start_payment(
        member=member,
        reference="ORD-ADMIN",
        amount=1200,
        currency="JPY",
        method=PaymentMethod.WALLET,
        idempotency_key="order:ORD-ADMIN",
    )
    services.refund_payment(payment=payment, amount=200, reason="bruised", idempotency_key="r-a")
    test_payment = factories.make_payment(member=member)
    services.confirm_test_payment(payment=test_payment, outcome="succeed")
    return payment


@pytest.mark.parametrize("model", MODELS)
def test_every_payments_page_renders_read_only(client, paid_and_refunded, model):
    client.force_login(factories.make_user(is_staff=True, is_superuser=True))
    obj = {
        "payment": paid_and_refunded,
        "refund": Refund.objects.first(),
        "walletaccount": WalletAccount.objects.first(),
        "webhookevent": WebhookEvent.objects.first(),
    }[model]

    listing = client.get(f"/admin/payments/{model}/")
    detail = client.get(f"/admin/payments/{model}/{obj.pk}/change/")
    add = client.get(f"/admin/payments/{model}/add/")

    assert listing.status_code == 200
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content
    assert add.status_code == 403


def test_payments_are_searched_and_filtered(client, paid_and_refunded):
    client.force_login(factories.make_user(is_staff=True, is_superuser=True))

    found = client.get("/admin/payments/payment/", {"q": "ORD-ADMIN", "method": "wallet"})

    assert found.status_code == 200
    assert found.context["cl"].result_count == 1


def test_view_permission_is_enough_to_read(client, paid_and_refunded):
    manager = factories.make_user(is_staff=True)
    manager.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="payments", codename__startswith="view_")
    )
    client.force_login(manager)

    assert client.get("/admin/payments/payment/").status_code == 200
    assert client.get(f"/admin/payments/payment/{paid_and_refunded.pk}/change/").status_code == 200
