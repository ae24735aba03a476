"""Two pickers tap the same task at once: exactly one gets it (real threads, real database)."""

import threading

import pytest
from django.db import connections

from fulfillment.models import PickTask
from fulfillment.picking import errors, services
from orders.models import Order
from tests import factories
from tests.fulfillment.picking_helpers import paid_order, picker_of, tasks_of, zoned_offer

pytestmark = pytest.mark.django_db(transaction=True)


def _race(callables):
    barrier = threading.Barrier(len(callables))
    results: list = [None] * len(callables)

    def run(index, fn):
        try:
            barrier.wait(timeout=10)
            results[index] = fn()
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(callables)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.parametrize("round_", range(3))
def test_two_pickers_claiming_at_once_exactly_one_wins(round_):
    store = factories.make_store()
    task = tasks_of(paid_order(store, [(zoned_offer(store), 1)]))["ambient"]
    pickers = [picker_of(store), picker_of(store)]

    results = _race(
        [
            lambda p=p: services.claim_task(task_id=task.pk, picker=p, store_ids=[store.pk])
            for p in pickers
        ]
    )

    won = [r for r in results if isinstance(r, PickTask)]
    lost = [r for r in results if isinstance(r, errors.TaskTaken)]
    assert (len(won), len(lost)) == (1, 1), results
    task.refresh_from_db()
    assert task.status == "claimed" and task.picker_id == won[0].picker_id
    assert Order.objects.get(pk=task.order_id).status == "picking"
    assert task.order.events.filter(to_status="picking").count() == 1


def test_first_claims_of_two_zones_at_once_move_the_order_once():
    store = factories.make_store()
    order = paid_order(store, [(zoned_offer(store), 1), (zoned_offer(store, zone="frozen"), 1)])
    tasks = tasks_of(order)
    pickers = [picker_of(store), picker_of(store)]

    results = _race(
        [
            lambda t=t, p=p: services.claim_task(task_id=t.pk, picker=p, store_ids=[store.pk])
            for t, p in zip(tasks.values(), pickers, strict=True)
        ]
    )

    assert all(isinstance(r, PickTask) for r in results), results
    assert Order.objects.get(pk=order.pk).status == "picking"
    assert order.events.filter(to_status="picking").count() == 1


def test_two_tablets_confirming_the_last_item_at_once_count_it_once():
    # given a claimed task with 1 of a product ordered, open on two tablets of its picker
    store = factories.make_store()
    offer = zoned_offer(store)
    task = tasks_of(paid_order(store, [(offer, 1)]))["ambient"]
    picker = picker_of(store)
    services.claim_task(task_id=task.pk, picker=picker, store_ids=[store.pk])
    line = task.lines.get()

    # when both tablets confirm it at once (two scans, two client ids)
    results = _race(
        [
            lambda n=n: services.confirm_item(
                task_id=task.pk,
                line_id=line.pk,
                picker=picker,
                store_ids=[store.pk],
                barcode=offer.product.barcode,
                source="camera",
                client_id=f"tablet-{n}",
            )
            for n in range(2)
        ]
    )

    # then one counts and the other is refused: never 2 of 1
    refused = [r for r in results if isinstance(r, errors.TooMany | errors.LineDone)]
    assert len(refused) == 1, results
    line.refresh_from_db()
    assert (line.quantity_picked, line.scans.count()) == (1, 1)
