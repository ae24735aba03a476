import pytest
import redis
from django.conf import settings

from catalog import services


def _drop_scan_buffer() -> None:
    redis.Redis.from_url(settings.REDIS_URL).delete(services.SCAN_BUFFER_KEY)


@pytest.fixture(autouse=True)
def _scan_buffer_of_its_own():
    """The scan buffer is one Redis list for the whole run. Events left in it by another test
    name rows that were rolled back, so each test starts (and leaves) it empty; a test that
    wants its scans in the database calls `flush_scan_buffer()` itself."""
    _drop_scan_buffer()
    yield
    _drop_scan_buffer()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Members and staff are made by the dozen here; a cheap hasher keeps the suite fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
