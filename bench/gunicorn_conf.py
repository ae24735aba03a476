"""Gunicorn hooks for `bench/scan.py` (passed with `-c`); everything else is on the command line.

Gunicorn imports the app in each worker after forking (no `--preload`), so the first answer to
`/ping` only proves one worker is up. This line lets the bench wait until every worker has loaded
Django before it measures, as it does with uvicorn's "Application startup complete.".
"""

READY_MARKER = "bench: worker ready"


def post_worker_init(worker):
    worker.log.info("%s (pid %s)", READY_MARKER, worker.pid)
