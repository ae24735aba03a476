"""Per-item bagging on the pick screen: the picker opens a bag (new, or by scanning its label),
each confirmed item goes into it, finishing the task closes its bags and counts them; a label of
another order or zone, or a closed bag, is refused with nothing changed."""

import pytest

from fulfillment.models import Bag, PickScan, PickTask
from fulfillment.picking import services
from tests.fulfillment.picking_helpers import paid_order, picker_of, tasks_of, zoned_offer
from tests.fulfillment.test_picking_api import scan, staff_client, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def bagging(store):
    """A claimed produce task (3 apples) of an order that also has a chilled task."""
    apples = zoned_offer(store, zone="produce", aisle="P1", price=150)
    milk = zoned_offer(store, zone="chilled", aisle="C1", price=200)
    order = paid_order(store, [(apples, 3), (milk, 1)])
    tasks = tasks_of(order)
    picker = picker_of(store)
    client = staff_client(picker)
    assert client.post(url(tasks["produce"], "claim/")).status_code == 200
    return {
        "store": store,
        "order": order,
        "task": tasks["produce"],
        "chilled": tasks["chilled"],
        "picker": picker,
        "client": client,
        "apples": apples,
        "milk": milk,
        "line": tasks["produce"].lines.get(),
    }


def open_label(client, task, bag):
    return client.post(
        url(task, "bags/open/"), {"code": services.bag_qr_payload(bag=bag)}, format="json"
    )


def test_items_go_into_the_open_bag_and_finishing_closes_and_counts_them(bagging):
    client, task, line = bagging["client"], bagging["task"], bagging["line"]
    barcode = bagging["apples"].product.barcode
    first = client.post(url(task, "bags/"))
    assert first.status_code == 200, first.json()
    bag1 = Bag.objects.get(task=task)
    assert first.json()["open_bag"] == bag1.pk and bag1.zone == "produce" and bag1.number == 1
    assert scan(client, task, line, barcode, "a").status_code == 200
    second = client.post(url(task, "bags/"))
    bag2 = Bag.objects.get(task=task, number=2)
    assert second.json()["open_bag"] == bag2.pk
    scan(client, task, line, barcode, "b")
    # scanning the first bag's label opens it again
    reopened = open_label(client, task, bag1)
    assert reopened.status_code == 200 and reopened.json()["open_bag"] == bag1.pk
    body = scan(client, task, line, barcode, "c").json()
    scan(client, task, line, barcode, "c")  # a retry counts once, in the same bag
    assert {b["number"]: b["items"] for b in body["bags"]} == {1: 2, 2: 1}
    assert list(PickScan.objects.order_by("pk").values_list("bag__number", flat=True)) == [1, 2, 1]

    # no count to type: the bags the picker opened are the count
    finished = client.post(url(task, "finish/"), {}, format="json")
    assert finished.status_code == 200, finished.json()
    assert [(b["number"], b["closed"]) for b in finished.json()["bags"]] == [(1, True), (2, True)]
    task.refresh_from_db()
    assert task.status == "picked" and task.open_bag_id is None
    assert Bag.objects.filter(order=bagging["order"]).count() == 2
    assert not Bag.objects.filter(closed_at__isnull=True).exists()


def test_a_label_of_another_order_or_zone_is_refused_and_nothing_changes(bagging, store):
    client, task = bagging["client"], bagging["task"]
    client.post(url(task, "bags/"))
    mine = Bag.objects.get(task=task)
    # another zone of the same order (cold chain: bags never mix zones)
    chilled = bagging["chilled"]
    other_picker = staff_client(picker_of(store))
    other_picker.post(url(chilled, "claim/"))
    other_picker.post(url(chilled, "bags/"))
    cold_bag = Bag.objects.get(task=chilled)
    # another order
    other_order = paid_order(store, [(bagging["apples"], 1)])
    other_task = tasks_of(other_order)["produce"]
    other_picker.post(url(other_task, "claim/"))
    other_picker.post(url(other_task, "bags/"))
    foreign = Bag.objects.get(task=other_task)

    for bag in (cold_bag, foreign):
        response = open_label(client, task, bag)
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "bag_of_another_task"
    forged = client.post(url(task, "bags/open/"), {"code": f"{mine.code}:forged"}, format="json")
    assert forged.status_code == 404 and forged.json()["error"]["code"] == "bag_not_found"
    # someone else's task: refused too
    assert open_label(other_picker, task, mine).status_code == 403
    task.refresh_from_db()
    assert task.open_bag_id == mine.pk
    assert Bag.objects.count() == 3


def test_a_closed_bag_cannot_be_opened_again(bagging):
    client, task = bagging["client"], bagging["task"]
    client.post(url(task, "bags/"))
    first = Bag.objects.get(task=task)
    client.post(url(task, "bags/"))
    Bag.objects.filter(pk=first.pk).update(closed_at="2026-01-01T00:00:00Z")
    response = open_label(client, task, first)
    assert response.status_code == 409 and response.json()["error"]["code"] == "bag_closed"
    task.refresh_from_db()
    assert task.open_bag_id != first.pk


def test_without_opened_bags_the_count_is_still_asked(bagging):
    client, task, line = bagging["client"], bagging["task"], bagging["line"]
    barcode = bagging["apples"].product.barcode
    for n in range(3):
        scan(client, task, line, barcode, f"s{n}")
    assert client.post(url(task, "finish/"), {}, format="json").status_code == 409
    response = client.post(url(task, "finish/"), {"bags": 2}, format="json")
    assert response.status_code == 200
    assert [b["number"] for b in response.json()["bags"]] == [1, 2]
    assert not PickScan.objects.filter(bag__isnull=False).exists()
    assert PickTask.objects.get(pk=task.pk).status == "picked"


def test_the_labels_say_bag_n_then_bag_n_of_m_once_finished(bagging, store):
    client, task, line = bagging["client"], bagging["task"], bagging["line"]
    client.post(url(task, "bags/"))
    labels = f"/staff/stores/{store.code}/tasks/{task.pk}/labels/"
    page = client.get(labels).content.decode()
    assert "bag 1" in page and "bag 1 of" not in page
    for n in range(3):
        scan(client, task, line, bagging["apples"].product.barcode, f"s{n}")
    client.post(url(task, "bags/"))
    client.post(url(task, "finish/"), {}, format="json")
    page = client.get(labels).content.decode()
    assert "bag 1 of 2" in page and "bag 2 of 2" in page
