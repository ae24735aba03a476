"""WhiteNoise's middleware is synchronous only: under ASGI, Django runs the middleware chain
above and below it with a thread switch each way. This variant drops it (static files would then
come from the proxy or a CDN) to measure what that costs.
"""

from omostore.settings import *  # noqa: F403
from omostore.settings import MIDDLEWARE

MIDDLEWARE = [m for m in MIDDLEWARE if "whitenoise" not in m]
