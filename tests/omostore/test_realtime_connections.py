"""Events published from plain threads (a WSGI worker, a Celery task) reuse the process's Redis
connections: before, each `async_to_sync(group_send)` ran on a new event loop, and channels_redis
opened a new connection pool, and so a new connection, for every event."""

import threading
import uuid

import redis
from asgiref.sync import async_to_sync
from channels_redis.core import RedisChannelLayer
from django.conf import settings

from omostore import realtime


def connections_received() -> int:
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        return int(client.info("stats")["total_connections_received"])
    finally:
        client.close()


def listener():
    """A receiver on a channel layer of its own, configured as the app's but for a connect
    timeout a loaded machine cannot trip (the app's is half a second): the test is about the
    publishers' connections, not the listener's."""
    group = f"test.{uuid.uuid4().hex[:12]}"
    config = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    layer = RedisChannelLayer(
        **{
            **config,
            "hosts": [{**host, "socket_connect_timeout": 10} for host in config["hosts"]],
        }
    )
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    return group, lambda n: [async_to_sync(layer.receive)(channel) for _ in range(n)]


def in_threads(count: int, target) -> None:
    threads = [threading.Thread(target=target, args=(t,)) for t in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)


def test_events_from_a_plain_thread_open_no_new_redis_connection():
    # given a listener on a group, and one event already sent (the pools exist)
    group, receive = listener()
    realtime.send_now(group, "warm.up", {"n": 0})
    before = connections_received()

    # when a plain thread (as a WSGI worker's) publishes twenty events
    in_threads(1, lambda _t: [realtime.send_now(group, "test.event", {"n": n}) for n in range(20)])

    # then Redis saw no new connection but the one this test opened to count them
    assert connections_received() - before == 1
    # and every event arrived, numbered
    assert sorted(m["seq"] for m in receive(21)) == list(range(1, 22))


def test_concurrent_publishers_share_a_pool_as_large_as_their_concurrency():
    group, receive = listener()
    realtime.send_now(group, "warm.up", {"n": 0})
    before = connections_received()

    # when three threads publish ten events each, at once
    in_threads(3, lambda t: [realtime.send_now(group, "test.event", {"t": t}) for _ in range(10)])

    # then at most a connection per concurrent publisher was added to each pool (the app's
    # client and the channel layer's), not one per event
    assert connections_received() - before <= 1 + 2 * 3
    assert [m["event"] for m in receive(31)].count("test.event") == 30
