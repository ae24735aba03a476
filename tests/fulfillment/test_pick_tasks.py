"""Pick tasks from paid orders: one per temperature zone, lines in walking order, due from the
promise, idempotent; and the `order_paid` receiver through a real Celery worker."""

import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from fulfillment.models import PickTask
from fulfillment.picking import services
from tests import factories
from tests.fulfillment.picking_helpers import paid_order, zoned_offer

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_a_paid_delivery_becomes_one_task_per_zone_with_lines_in_walking_order(store):
    # given a delivery with ambient items in aisles A10 and A2 and a chilled item
    far = zoned_offer(store, aisle="A10", bay=1)
    near_back = zoned_offer(store, aisle="A2", bay=7)
    near_front = zoned_offer(store, aisle="A2", bay=3)
    milk = zoned_offer(store, zone="chilled", aisle="C1", bay=2)
    order = paid_order(store, [(far, 1), (near_back, 2), (near_front, 1), (milk, 3)])

    # when its tasks are made, twice (a replayed signal)
    first = services.create_pick_tasks(order_id=order.pk)
    again = services.create_pick_tasks(order_id=order.pk)

    # then one task per zone, once, lines in walking order, due before the promise
    assert sorted(t.zone for t in first) == ["ambient", "chilled"]
    assert [t.pk for t in again] == [t.pk for t in first]
    assert PickTask.objects.filter(order=order).count() == 2
    ambient = PickTask.objects.get(order=order, zone="ambient")
    assert [line.offer_id for line in ambient.lines.order_by("position")] == [
        near_front.pk,
        near_back.pk,
        far.pk,
    ]
    assert [line.quantity_ordered for line in ambient.lines.order_by("position")] == [1, 2, 1]
    order.refresh_from_db()
    ride = datetime.timedelta(minutes=order.delivery_distance_m / 250)
    assert ambient.due_at == order.promised_by - ride - datetime.timedelta(minutes=3)
    assert ambient.status == "open" and ambient.picker is None


@pytest.mark.django_db
def test_a_pickup_order_is_due_at_its_ready_time_and_scan_and_go_makes_no_task(store):
    offer = zoned_offer(store, zone="frozen")
    pickup = paid_order(store, [(offer, 1)], channel="pickup")
    in_store = paid_order(store, [(offer, 1)], channel="in_store")

    (task,) = services.create_pick_tasks(order_id=pickup.pk)
    assert services.create_pick_tasks(order_id=in_store.pk) == []
    assert task.zone == "frozen"
    assert task.due_at == pickup.paid_at + datetime.timedelta(minutes=15)


@pytest.mark.django_db
def test_the_sweep_makes_the_tasks_a_lost_signal_missed(store):
    offer = zoned_offer(store)
    order = paid_order(store, [(offer, 1)], channel="pickup")
    assert not PickTask.objects.filter(order=order).exists()  # the worker is not running here

    assert services.create_missing_pick_tasks(since=datetime.timedelta(days=1)) == 1
    assert services.create_missing_pick_tasks(since=datetime.timedelta(days=1)) == 0
    assert PickTask.objects.filter(order=order).count() == 1


def _worker_on_test_database(queue: str):
    """A real Celery worker whose Django uses this test run's database, on a queue of its own
    (another test's worker, on another database, must not take the task)."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        url = f"sqlite:///{name}"
    else:
        s = connection.settings_dict
        url = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{name}"
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "omostore",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            f"--hostname=pickpack-{os.getpid()}@%h",
            "-Q",
            queue,
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "REDIS_URL": settings.REDIS_URL},
    )


@pytest.mark.django_db(transaction=True)
def test_order_paid_makes_the_tasks_through_a_real_worker(monkeypatch):
    # given a worker on the real broker (the receiver's task sent to its queue), and a store
    from fulfillment.tasks import create_pick_tasks

    queue = f"pickpack-test-{os.getpid()}"
    task = create_pick_tasks._get_current_object()
    monkeypatch.setattr(task, "queue", queue, raising=False)
    monkeypatch.setattr(task, "_exec_options", None)  # Celery caches the task's options
    worker = _worker_on_test_database(queue)
    try:
        store = factories.make_store()
        offer = zoned_offer(store, zone="produce")
        # when a delivery is paid (the signal is sent after the payment commits)
        order = paid_order(store, [(offer, 2)])
        # then the worker makes its task
        deadline = time.monotonic() + 60
        while not PickTask.objects.filter(order=order).exists():
            assert worker.poll() is None, "the worker died"
            assert time.monotonic() < deadline, "no pick task after 60 s"
            time.sleep(0.2)
        assert list(PickTask.objects.filter(order=order).values_list("zone", flat=True)) == [
            "produce"
        ]
    finally:
        worker.terminate()
        worker.wait(timeout=30)


@pytest.mark.django_db
def test_a_cancelled_orders_tasks_leave_the_queue_and_cannot_be_claimed(store):
    from fulfillment.picking import errors
    from orders import services as order_services
    from tests.fulfillment.picking_helpers import picker_of

    offer = zoned_offer(store)
    order = paid_order(store, [(offer, 1), (zoned_offer(store, zone="frozen"), 1)])
    tasks = services.create_pick_tasks(order_id=order.pk)
    order_services.cancel_order(order=order, member=order.member)
    # a claim that races the cancellation is refused
    with pytest.raises(errors.TaskClosed):
        services.claim_task(task_id=tasks[0].pk, picker=picker_of(store), store_ids=[store.pk])
    # the receiver's task takes every task off the queue, once
    assert services.cancel_pick_tasks(order_id=order.pk) == 2
    assert services.cancel_pick_tasks(order_id=order.pk) == 0
    assert set(PickTask.objects.filter(order=order).values_list("status", flat=True)) == {
        "cancelled"
    }
