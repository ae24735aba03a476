import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings

from tests import factories

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def _redis_is_up():
    """The suite runs against a real Redis; `make test` starts one and sets REDIS_URL."""
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.exit(f"no Redis at {settings.REDIS_URL} ({exc}): run `make test`", returncode=3)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Connections opened by websocket consumer threads close after use, so the test database
    can be dropped at the end of the run."""
    from django.db import connections

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    connections.settings["default"]["CONN_MAX_AGE"] = 0  # what other threads' connections read
    connections["default"].settings_dict["CONN_MAX_AGE"] = 0


@pytest.fixture
async def close_db_after_async_test():
    """Async tests run their database work on asgiref's one sync thread; close its connection at
    the end, or PostgreSQL cannot drop the test database."""
    yield
    from asgiref.sync import sync_to_async
    from django.db import connections

    await sync_to_async(connections.close_all, thread_sensitive=True)()


@pytest.fixture(autouse=True)
def _cache_of_its_own(settings):
    """Each test gets a fresh key prefix in the real Redis cache (throttles, counters)."""
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    }


def _wait_for(condition, *, timeout: float, interval: float = 0.1, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise TimeoutError(f"gave up waiting for {what} after {timeout}s")


@pytest.fixture(scope="session")
def celery_worker_process():
    """A real Celery worker process on the real Redis broker (never eager mode)."""
    from omostore.celery import app

    # Tasks that earlier tests sent on commit belong to their own test databases, which this
    # worker cannot see; left in the queue, they would make a task sent now wait behind them.
    app.control.purge()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "omostore",
            "worker",
            # threads, not solo: a task that another test sent on commit and that waits for a
            # database this worker cannot reach (up to the pool's 30 s) must not hold up the rest
            "--pool=threads",
            "--concurrency=4",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--hostname=test@%h",
        ],
        cwd=ROOT,
        # No connection pool: a task another test sent on commit reaches for a database this
        # worker cannot see (the test database is the test process's own) and must fail at once,
        # not wait out the pool's 30 s with the worker's threads.
        env={**os.environ, "DB_POOL": "false"},
    )
    try:
        _wait_for(
            lambda: bool(app.control.ping(timeout=0.5)) or process.poll() is not None,
            timeout=60,
            what="the Celery worker",
        )
        if process.poll() is not None:
            raise RuntimeError(f"the Celery worker exited with {process.returncode}")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def store(db):
    return factories.make_store()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def csrf_api_client():
    """A client that enforces CSRF checks the way a browser session meets them."""
    from rest_framework.test import APIClient

    return APIClient(enforce_csrf_checks=True)
