"""Export my data (JSON) and delete my account (orders kept, anonymised)."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import DeliveryAddress, User
from orders.models import Order
from tests.factories import PASSWORD, make_member, make_store
from tests.members.helpers import make_paid_order

pytestmark = pytest.mark.django_db


def test_export_is_a_json_download_of_my_data_only(client):
    store = make_store()
    member = make_member(email="me@example.com")
    other = make_member(email="other@example.com")
    DeliveryAddress.objects.create(
        member=member, address="Home 1", latitude=Decimal("35.1"), longitude=Decimal("139.1")
    )
    make_paid_order(member=member, store=store)
    make_paid_order(member=other, store=store)
    client.force_login(member.user)
    response = client.get(reverse("account-export"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == "me@example.com"
    assert [a["address"] for a in data["delivery_addresses"]] == ["Home 1"]
    assert len(data["orders"]) == 1
    assert "other@example.com" not in response.content.decode()


def test_export_needs_log_in(client):
    response = client.get(reverse("account-export"))
    assert response.status_code == 302


def test_close_account_keeps_orders_anonymised(client):
    store = make_store()
    member = make_member(email="leaving@example.com", display_name="Leaving")
    DeliveryAddress.objects.create(
        member=member, address="Home 1", latitude=Decimal("35.1"), longitude=Decimal("139.1")
    )
    order = make_paid_order(member=member, store=store)
    Order.objects.filter(pk=order.pk).update(delivery_address="1-1 Secret St")
    client.force_login(member.user)
    # a wrong password changes nothing
    response = client.post(reverse("account-close"), {"password": "wrong", "confirm": "on"})
    assert response.status_code == 400
    assert User.objects.filter(email="leaving@example.com", is_active=True).exists()
    # the right one closes the account and logs out
    response = client.post(reverse("account-close"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 200
    assert b'id="account-closed"' in response.content
    user = User.objects.get(pk=member.user_id)
    assert not user.is_active
    assert user.email != "leaving@example.com"
    assert user.display_name == ""
    assert not user.has_usable_password()
    assert not DeliveryAddress.objects.filter(member=member).exists()
    order.refresh_from_db()
    assert order.total > 0
    assert order.delivery_address == ""
    assert client.get(reverse("account")).status_code == 302
    # the email is free again: a new sign-up makes a new account
    response = client.post(
        reverse("signup"), {"email": "leaving@example.com", "password": "plum-tofu-harbour-93"}
    )
    assert response.status_code == 200
    assert User.objects.filter(email="leaving@example.com").exclude(pk=user.pk).exists()
