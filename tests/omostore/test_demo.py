import pytest
from django.core.management import call_command
from django.http import HttpRequest

from accounts.models import Member, User
from catalog.barcodes import is_valid_ean13
from catalog.models import Product, StoreOffer, TemperatureZone
from omostore.demo import DEMO_PASSWORD, DEMO_STORE_CODE
from stores.models import StaffRole, Store

pytestmark = pytest.mark.django_db


def test_demo_store_is_a_tokyo_store_with_a_full_bilingual_catalogue():
    call_command("load_demo_store")

    store = Store.objects.get(code=DEMO_STORE_CODE)
    assert (store.currency, store.time_zone, store.delivery_radius_m) == ("JPY", "Asia/Tokyo", 3000)
    offers = StoreOffer.objects.filter(store=store).select_related("product")
    assert offers.count() >= 150
    zones = {offer.product.zone for offer in offers}
    assert zones == set(TemperatureZone.values)
    for offer in offers:
        product = offer.product
        assert product.name_en and product.name_ja and product.origin, product.sku
        assert is_valid_ean13(product.barcode), product.sku
        assert offer.aisle and offer.price > 0


def test_demo_accounts_log_in_with_their_roles(client):
    call_command("load_demo_store")
    store = Store.objects.get(code=DEMO_STORE_CODE)

    for email in [
        "shopper@example.com",
        "picker@example.com",
        "rider@example.com",
        "manager@example.com",
    ]:
        assert client.login(request=HttpRequest(), email=email, password=DEMO_PASSWORD), email
    assert Member.objects.filter(user__email="shopper@example.com").exists()
    roles = set(StaffRole.objects.filter(store=store).values_list("user__email", "role"))
    assert ("picker@example.com", "picker") in roles
    assert ("rider@example.com", "rider") in roles
    assert ("manager@example.com", "manager") in roles
    manager = User.objects.get(email="manager@example.com")
    assert manager.is_staff and not manager.is_superuser
    assert manager.has_perm("catalog.change_storeoffer")
    assert not User.objects.get(email="picker@example.com").is_staff


def test_loading_twice_creates_nothing_twice():
    call_command("load_demo_store")
    counts = (Product.objects.count(), StoreOffer.objects.count(), User.objects.count())
    call_command("load_demo_store")
    assert (Product.objects.count(), StoreOffer.objects.count(), User.objects.count()) == counts


def test_manager_opens_the_admin_and_a_picker_does_not(client):
    call_command("load_demo_store")
    client.login(request=HttpRequest(), email="manager@example.com", password=DEMO_PASSWORD)
    assert client.get("/admin/catalog/storeoffer/").status_code == 200
    client.logout()
    client.login(request=HttpRequest(), email="picker@example.com", password=DEMO_PASSWORD)
    assert client.get("/admin/catalog/storeoffer/").status_code == 302


def test_the_demo_shopper_has_wallet_money_topped_up_once():
    from payments.models import WalletEntry
    from payments.services import wallet_balance

    call_command("load_demo_store")
    call_command("load_demo_store")

    member = Member.objects.get(user__email="shopper@example.com")
    assert wallet_balance(member=member).amount == 20_000
    assert WalletEntry.objects.filter(account__member=member).count() == 1
