import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    unset = {"SECRET_KEY", "ALLOWED_HOSTS", "DB_CONN_MAX_AGE"}
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    environment.update(env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _run(["manage.py", "check"], DJANGO_ENV="production", ALLOWED_HOSTS="shop.example.jp")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _run(["manage.py", "check"], DJANGO_ENV="production", SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_deploy_check_passes_in_production_mode():
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_ENV="production",
        SECRET_KEY="a-long-random-production-secret-" + "k7Qx9Lm2Vb8Nc4Zr1Tw6Yp3Hs5Jd0Fg",
        ALLOWED_HOSTS="shop.example.jp",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_demo_store_is_refused_in_production():
    result = _run(
        ["manage.py", "load_demo_store"],
        DJANGO_ENV="production",
        SECRET_KEY="a-long-random-production-secret-" + "k7Qx9Lm2Vb8Nc4Zr1Tw6Yp3Hs5Jd0Fg",
        ALLOWED_HOSTS="shop.example.jp",
    )
    assert result.returncode != 0
    assert "never loaded in production" in result.stderr


def test_sqlite_waits_for_the_write_lock_instead_of_failing():
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        assert database["OPTIONS"]["timeout"] >= 10
    else:
        assert database["ENGINE"] == "django.db.backends.postgresql"


def _connection_max_age(entry_point: str) -> str:
    result = _run(
        [
            "-c",
            f"import {entry_point}; from django.conf import settings; "
            "print(settings.DATABASES['default']['CONN_MAX_AGE'])",
        ],
        DATABASE_URL="sqlite:///unused.sqlite3",
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_wsgi_keeps_its_database_connection_and_asgi_does_not():
    """gunicorn's workers reuse a connection from request to request; under ASGI each request
    runs in a thread of its own, where a kept connection would only leak."""
    assert _connection_max_age("omostore.wsgi") == "600"
    assert _connection_max_age("omostore.asgi") == "0"
