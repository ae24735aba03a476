"""The client address every throttle and lockout uses: X-Forwarded-For only as far as our own
proxies wrote it."""

import pytest
from django.test import RequestFactory

from omostore.client_ip import client_ip


def _request(remote_addr: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("proxies", "remote_addr", "forwarded", "client"),
    [
        # no trusted proxy: the header is never read, whatever it says
        (0, "198.51.100.4", "203.0.113.9", "198.51.100.4"),
        (0, "198.51.100.4", None, "198.51.100.4"),
        # one proxy: the address it appended, not what the client wrote before it
        (1, "10.0.0.2", "203.0.113.9", "203.0.113.9"),
        (1, "10.0.0.2", "6.6.6.6, 203.0.113.9", "203.0.113.9"),
        (1, "10.0.0.2", " 6.6.6.6 ,203.0.113.9 ", "203.0.113.9"),
        # two proxies: the outer one's entry; a request that skipped it gives what we have
        (2, "10.0.0.2", "6.6.6.6, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
        (2, "10.0.0.2", "203.0.113.9", "203.0.113.9"),
        (1, "10.0.0.2", "2001:db8::7", "2001:db8::7"),
        # a proxy that sent no header, or garbage where an address should be: the peer
        (1, "10.0.0.2", None, "10.0.0.2"),
        (1, "10.0.0.2", "unknown", "10.0.0.2"),
        (1, "10.0.0.2", ", ,", "10.0.0.2"),
    ],
)
def test_client_ip_believes_only_trusted_proxies(settings, proxies, remote_addr, forwarded, client):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(_request(remote_addr, forwarded)) == client
