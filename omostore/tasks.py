from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

BEAT_HEARTBEAT_KEY = "beat:last-heartbeat"


@shared_task(name="omostore.tasks.ping")
def ping() -> str:
    """Answers `pong`: `/healthz` uses the round trip to prove a worker is consuming."""
    return "pong"


@shared_task(name="omostore.tasks.record_beat_heartbeat")
def record_beat_heartbeat() -> str:
    """Scheduled by beat; the time it last ran tells whether beat and a worker are alive."""
    now = timezone.now().isoformat()
    cache.set(BEAT_HEARTBEAT_KEY, now, timeout=None)
    return now
