"""DRF throttles keyed by the client IP of `omostore.client_ip` (trusted proxies only)."""

from rest_framework.throttling import ScopedRateThrottle

from omostore.client_ip import client_ip


class ClientIpScopedRateThrottle(ScopedRateThrottle):
    """DRF's scoped throttle; anonymous callers are counted per `client_ip`, never per the raw
    `X-Forwarded-For` header that DRF would otherwise read."""

    def get_ident(self, request) -> str:
        return client_ip(request)
