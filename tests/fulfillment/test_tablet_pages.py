"""The staff tablet pages: who may open them (role AND store), and what they carry."""

import pytest

from fulfillment.models import Bag
from fulfillment.picking import services
from stores.models import StaffRole
from tests import factories
from tests.fulfillment.picking_helpers import paid_order, picker_of, tasks_of, zoned_offer

pytestmark = pytest.mark.django_db


def test_a_picker_lands_on_the_queue_without_the_shopper_menu(client, store):
    client.force_login(picker_of(store))
    response = client.get("/staff/", follow=True)
    assert response.redirect_chain[-1][0] == f"/staff/stores/{store.code}/"
    html = response.content.decode()
    assert 'id="pick-queue"' in html and "zone-toggle" in html
    assert "cart-link" not in html and "/scan" not in html


def test_staff_of_several_stores_choose_one_in_the_staff_header(client, store):
    other = factories.make_store(name="Second Street")
    picker = picker_of(store)
    factories.grant_store_role(user=picker, store=other, role=StaffRole.Role.PACKER)
    client.force_login(picker)
    response = client.get("/staff/")
    assert response.status_code == 200
    html = response.content.decode()
    # each store leads to this person's own screen there
    assert 'id="staff-stores"' in html
    assert f'href="/staff/stores/{store.code}/"' in html
    assert f'href="/staff/stores/{other.code}/pack/"' in html
    assert 'class="tbar"' in html and "css/tablet.css" in html
    assert 'class="topbar"' not in html and "cart-link" not in html and "/scan" not in html
    # no store chosen yet: the header names the staff side and offers no store's tabs
    assert '<a class="tbar-store" href="/staff/" title="Staff home">OMO Staff</a>' in html
    assert 'class="tbar-tabs"' not in html
    assert 'action="/logout/"' in html


def test_a_packer_lands_on_the_packing_station(client, store):
    client.force_login(factories.make_staff(store=store, role=StaffRole.Role.PACKER))
    response = client.get("/staff/", follow=True)
    assert response.redirect_chain[-1][0] == f"/staff/stores/{store.code}/pack/"
    assert client.get(f"/staff/stores/{store.code}/").status_code == 403


def test_pages_refuse_another_stores_staff_and_shoppers(client, store):
    task = tasks_of(paid_order(store, [(zoned_offer(store), 1)]))["ambient"]
    other = factories.make_store()
    for user in (picker_of(other), factories.make_member().user):
        client.force_login(user)
        for path in (
            f"/staff/stores/{store.code}/",
            f"/staff/stores/{store.code}/tasks/{task.pk}/",
            f"/staff/stores/{store.code}/tasks/{task.pk}/labels/",
            f"/staff/stores/{store.code}/pack/",
        ):
            assert client.get(path).status_code == 403, (user, path)
    # a task of another store through this store's URL is unknown
    client.force_login(picker_of(other))
    assert client.get(f"/staff/stores/{other.code}/tasks/{task.pk}/").status_code == 404


def test_the_pick_screen_allows_the_barcode_reader_wasm_only_there(client, store):
    task = tasks_of(paid_order(store, [(zoned_offer(store), 1)]))["ambient"]
    client.force_login(picker_of(store))
    response = client.get(f"/staff/stores/{store.code}/tasks/{task.pk}/")
    assert response.status_code == 200
    assert "'wasm-unsafe-eval'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert (
        "wasm-unsafe-eval"
        not in client.get(f"/staff/stores/{store.code}/")["Content-Security-Policy"]
    )


def test_bag_labels_carry_a_signed_code_the_count_and_the_cold_mark(client, store):
    milk = zoned_offer(store, zone="chilled")
    task = tasks_of(paid_order(store, [(milk, 1)]))["chilled"]
    picker = picker_of(store)
    services.claim_task(task_id=task.pk, picker=picker, store_ids=[store.pk])
    line = task.lines.get()
    services.confirm_item(
        task_id=task.pk,
        line_id=line.pk,
        picker=picker,
        store_ids=[store.pk],
        barcode=milk.product.barcode,
        source="typed",
        client_id="1",
    )
    services.finish_task(task_id=task.pk, picker=picker, store_ids=[store.pk], bags=2)
    client.force_login(picker)
    html = client.get(f"/staff/stores/{store.code}/tasks/{task.pk}/labels/").content.decode()
    assert "bag 2 of 2" in html and "Keep cold" in html and "<svg" in html
    for bag in Bag.objects.filter(task=task):
        assert services.verify_bag_code(signed=services.bag_qr_payload(bag=bag)) == bag


def test_the_tablet_speaks_japanese(client, store, settings):
    client.force_login(picker_of(store))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    html = client.get(f"/staff/stores/{store.code}/").content.decode()
    assert "冷凍" in html and "担当する" in html and "English" in html
