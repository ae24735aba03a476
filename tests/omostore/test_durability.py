"""What survives a crash: the embedded Redis' append-only file, SQLite's synchronous setting."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.db import connection

from omostore.embedded_redis import convert_snapshot_to_aof, redis_server_argv
from tests.omostore.running_store import ROOT, wait_for


def _start(argv: list[str]) -> subprocess.Popen:
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL)


def _client(socket_path: Path) -> redis.Redis:
    client = redis.Redis(unix_socket_path=str(socket_path), socket_timeout=2)

    def answers() -> bool:
        try:
            return client.ping()
        except (redis.ConnectionError, redis.BusyLoadingError):
            return False

    wait_for(answers, timeout=20, what="redis-server")
    return client


@pytest.fixture
def short_dir():
    """Unix socket paths are limited to ~100 bytes: pytest's tmp_path can be longer."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="omo-aof-") as folder:
        yield Path(folder)


def test_a_killed_embedded_redis_keeps_every_acknowledged_write(short_dir):
    # given the embedded Redis as `make run` starts it, with scans in its buffer
    socket_path = short_dir / "redis.sock"
    server = _start(redis_server_argv(socket_path=socket_path, data_dir=short_dir))
    client = _client(socket_path)
    for n in range(500):
        client.rpush("omostore:catalog:scan-buffer", f"scan-{n}")

    # when it is killed without warning (no shutdown, no snapshot) and started again
    server.send_signal(signal.SIGKILL)
    server.wait(timeout=10)
    socket_path.unlink(missing_ok=True)
    server = _start(redis_server_argv(socket_path=socket_path, data_dir=short_dir))
    try:
        # then every write it acknowledged is back, read from the append-only file
        restarted = _client(socket_path)
        assert restarted.llen("omostore:catalog:scan-buffer") == 500
        assert restarted.config_get("appendfsync") == {"appendfsync": "everysec"}
    finally:
        server.kill()
        server.wait(timeout=10)


def test_a_snapshot_from_before_the_aof_is_kept(short_dir):
    # given a var/redis of an older run: a dump.rdb and no append-only file
    socket_path = short_dir / "redis.sock"
    argv = redis_server_argv(socket_path=socket_path, data_dir=short_dir, appendonly=False)
    server = _start(argv)
    client = _client(socket_path)
    client.rpush("omostore:catalog:scan-buffer", "from-the-snapshot")
    client.shutdown(save=True)
    server.wait(timeout=10)
    assert (short_dir / "dump.rdb").exists() and not (short_dir / "appendonly.aof").exists()

    # when it is converted and Redis starts with the AOF on (which ignores dump.rdb)
    convert_snapshot_to_aof(data_dir=short_dir)
    server = _start(redis_server_argv(socket_path=socket_path, data_dir=short_dir))
    try:
        # then the data is still there
        assert _client(socket_path).lrange("omostore:catalog:scan-buffer", 0, -1) == [
            b"from-the-snapshot"
        ]
    finally:
        server.kill()
        server.wait(timeout=10)


def test_the_embedded_redis_never_deletes_the_socket_of_a_live_one(short_dir):
    # given a Redis listening where the embedded one would (another run's)
    var_dir = short_dir / "var"
    socket_path = var_dir / "redis" / "redis.sock"
    socket_path.parent.mkdir(parents=True)
    live = _start(redis_server_argv(socket_path=socket_path, data_dir=socket_path.parent))
    try:
        _client(socket_path)
        # when the embedded Redis is started on the same var/
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        second = subprocess.run(
            [sys.executable, "-m", "omostore.embedded_redis"],
            cwd=ROOT,
            env={**env, "OMOSTORE_VAR_DIR": str(var_dir)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        # then it refuses, and the first one still answers on its socket
        assert second.returncode != 0
        assert "already running" in second.stderr
        assert _client(socket_path).ping()
    finally:
        live.kill()
        live.wait(timeout=10)


@pytest.mark.django_db
def test_sqlite_syncs_every_commit_and_postgresql_too():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert cursor.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        else:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"
