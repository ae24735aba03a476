"""Settings that templates need on many pages."""

from django.conf import settings


def site_settings(request) -> dict[str, str]:
    return {"map_tile_url": settings.MAP_TILE_URL}
