"""Keep SQLite connections across requests (WSGI only: under ASGI each request runs in a new
thread and a persistent connection is never reused, only leaked).

Every new SQLite connection re-reads the schema and runs the `init_command` PRAGMAs; with
CONN_MAX_AGE unset (0) that happens on every request.
"""

from omostore.settings import *  # noqa: F403
from omostore.settings import DATABASES

DATABASES["default"]["CONN_MAX_AGE"] = 600
