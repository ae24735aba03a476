"""Helpers shared by the catalogue tests."""

import re
from urllib.parse import quote

from catalog import services
from catalog.models import ScanEvent

_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def label_path(code: str) -> str:
    return f"/s/{quote(code, safe='')}"


def scan_api_path(code: str) -> str:
    return f"/api/v1/scan/{quote(code, safe='')}/"


def csrf_token_in(response) -> str:
    match = _CSRF_INPUT.search(response.content.decode())
    assert match, "the page has no CSRF token"
    return match.group(1)


def flushed_scans() -> list[ScanEvent]:
    """Write the buffered scans (the beat task's job) and return every scan in the database."""
    services.flush_scan_buffer()
    return list(ScanEvent.objects.order_by("scanned_at", "pk"))


def error_code(response) -> str:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["message"], body
    return body["error"]["code"]
