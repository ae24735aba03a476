"""The client's IP address, the one rule every throttle, rate limit and log-in lockout uses.

`X-Forwarded-For` is whatever the client typed unless a proxy of ours wrote it, so it is read only
as far as `TRUSTED_PROXY_COUNT` proxies reach. Each proxy appends the address it received the
request from; with N trusted proxies in front of the app, the client is the N-th address from the
right (the nearest proxy's own address is REMOTE_ADDR). Anything further left was sent by the
client and is ignored. With the default 0 the header is never read: REMOTE_ADDR only.

The ASGI/WSGI server must not rewrite REMOTE_ADDR from the header itself (uvicorn runs with
`--no-proxy-headers`), or the count would be applied twice.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings


def _valid_ip(value: str) -> str | None:
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: Any) -> str:
    """The address of whoever sent `request` (an HttpRequest or a DRF Request)."""
    remote_addr = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote_addr
    hops = [hop for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote_addr
    # Fewer hops than proxies: the request skipped an outer proxy, and the left-most hop is what
    # the first proxy of ours that saw it wrote.
    return _valid_ip(hops[-min(proxies, len(hops))]) or remote_addr
