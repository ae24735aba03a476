"""Web Push through the real thing: a member's order event → the inbox message → a task on the
real Redis broker → a real Celery worker process (on the test database) → the stand-in push
service, which verifies the VAPID signature and decrypts the payload."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from members import services
from members.models import InboxMessage
from tests import factories
from tests.e2e.conftest import _test_database_url
from tests.members.push_service import PushService
from tests.orders.helpers import member_client

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
QUEUE = "members-push-test"


@pytest.fixture
def push_worker(settings):
    """A Celery worker consuming only this test's queue, on the test database (so the suite's
    other worker, on the default queue, never takes these tasks)."""
    settings.WEB_PUSH_QUEUE = QUEUE
    env = {**os.environ, "DATABASE_URL": _test_database_url()}
    process = subprocess.Popen(
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
            "--hostname=members-push@%h",
            f"--queues={QUEUE}",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_an_order_update_reaches_the_browser_through_celery(settings, push_worker):
    settings.WEB_PUSH_HOSTS = [*settings.WEB_PUSH_HOSTS, "127.0.0.1"]
    with PushService() as push_service:
        # given a member whose browser subscribed
        member = factories.make_member()
        endpoint, browser = push_service.subscribe("phone")
        response = member_client(member).post(
            "/api/v1/push/subscriptions/",
            {"endpoint": endpoint, "keys": {"p256dh": browser.p256dh, "auth": browser.auth}},
            format="json",
        )
        assert response.status_code == 201
        # when their pickup order is ready
        services.notify_order_status(
            member_id=member.pk, order_number="PK-1", to_status="ready_for_pickup", event_id=1
        )
        assert InboxMessage.objects.filter(member=member).count() == 1
        # then the worker sends it and the browser decrypts it
        deadline = time.monotonic() + 90
        while not push_service.received and time.monotonic() < deadline:
            assert push_worker.poll() is None, "the worker died"
            time.sleep(0.2)
        [got] = push_service.received
        assert got.error == ""
        assert got.payload["title"] == "Your order is ready for pickup"
        assert got.payload["url"] == "/orders/PK-1/"
        assert got.headers["urgency"] == "high"
