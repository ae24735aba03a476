from celery import shared_task

from catalog import services


@shared_task(name="catalog.tasks.flush_scan_events", ignore_result=True)
def flush_scan_events() -> int:
    """Beat runs this every 2 s: buffered scans reach the database (and the admin)."""
    return services.flush_scan_buffer()
