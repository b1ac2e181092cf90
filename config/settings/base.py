"""Settings shared by every environment. Values come from the environment (django-environ)."""

from pathlib import Path

import environ
from csp.constants import NONCE

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)

# The platform lives on BASE_DOMAIN; each business on <slug>.BASE_DOMAIN.
BASE_DOMAIN = env("BASE_DOMAIN", default="localhost")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[BASE_DOMAIN, f".{BASE_DOMAIN}"])

# --- Tenancy -------------------------------------------------------------------------------------
# Decided once (TRAPS #3): auth, sessions, accounts and allauth exist in the public schema for
# operators and in every tenant schema for that tenant's staff. admin and tenants are public only.
SHARED_APPS = [
    "django_tenants",
    "tenants",
    "billing",  # plans' terms per business, subscriptions, billing events (public schema)
    "accounts",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "tenants.admin_site.OperatorAdminConfig",  # django.contrib.admin, superusers only
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django_htmx",
    "template_partials",
    "django_prometheus",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "accounts",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django.contrib.postgres",
    "scheduling",
    "bookings",
    "notifications",
    "webhooks",
    "feeds",  # private calendar feeds (ICS) of members and resources
    "ninja",  # django-ninja: its Swagger UI files are our static files (no CDN)
    "api",
    "payments",  # the money recorded on bookings and clients (a ledger)
    "reports",  # reports and client analytics (no tables of its own)
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
TENANT_LIMIT_SET_CALLS = True
PUBLIC_SCHEMA_NAME = "public"
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
ROOT_URLCONF = "config.urls_tenants"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
# Seconds a web process trusts its host → tenant lookup (changes in the same process apply at once).
TENANT_LOOKUP_CACHE_SECONDS = env.int("TENANT_LOOKUP_CACHE_SECONDS", default=10)
# New businesses are clones of this migrated template schema (tenants/schema_base.py); "" runs
# every migration instead. `migrate_schemas --executor=multiprocessing` uses this many processes.
TENANT_BASE_SCHEMA = env("TENANT_BASE_SCHEMA", default="agendo_base")
TENANT_MULTIPROCESSING_MAX_PROCESSES = env.int("TENANT_MULTIPROCESSING_MAX_PROCESSES", default=2)
# migrate_schemas passes over the schemas that already have every migration (one query each).
GET_EXECUTOR_FUNCTION = "tenants.migration_executor.get_executor"

MIDDLEWARE = [
    # Outermost: request latency by view counts everything below, including refusals.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # X-Request-ID in and out, in every log line of the request, one access line per request.
    "config.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.headers.PermissionsPolicyMiddleware",
    # Before the tenant is chosen: the 404 and "closed" pages of unknown or inactive hosts
    # still get their stylesheet.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the tenant lookup, which needs the database it may have to report as down.
    "config.health.HealthMiddleware",
    # /metrics on any host, like /health/: a bearer token or an allowed address, no tenant.
    "config.metrics.MetricsMiddleware",
    "tenants.middleware.TenantMiddleware",
    # A business's plan terms read at most once per request (billing.limits).
    "billing.limits.TermsMiddleware",
    # Ahead of sessions and views: a NUL in the path, query, form or cookies is a 400 page.
    "config.input_guard.InputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "scheduling.middleware.BusinessMiddleware",
    # The business's, the member's or the visitor's language (config/i18n.py); URLs stay put.
    "config.i18n.LanguageMiddleware",
    # A suspended or cancelled business's dashboard answers changes with a read-only page.
    "billing.middleware.ReadOnlyWhenPausedMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    # After the user and the business are known: who must set up two-factor first (accounts).
    "accounts.middleware.TwoFactorRequiredMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

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
                "tenants.context_processors.tenant",
                "scheduling.context_processors.business",
                "billing.context_processors.billing",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# --- Database ------------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/agendo"),
}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
# TRAPS #14: without health checks every worker answers one 500 after PostgreSQL restarts.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# DATABASE_POOL=1: Django's psycopg pool per process instead of a connection kept per thread
# (config/database.py, docs/scaling.md); pooled connections are never persistent ones.
if env.bool("DATABASE_POOL", default=False):
    from config.database import pool_options

    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = pool_options(env)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, rate limits, Celery broker ----------------------------------------------------
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
# Carried by every key this checkout keeps in Redis (cache, rate limits, Celery's queues), so two
# checkouts (or staging and production) on one Redis never take each other's tasks or counters.
REDIS_PREFIX = env("AGENDO_REDIS_PREFIX", default=DATABASES["default"]["NAME"] or "agendo")
CACHES = {
    "default": {
        # Fails open: while Redis is down pages and bookings go on without it (config/outages.py).
        "BACKEND": "config.outages.FailOpenRedisCache",
        "LOCATION": REDIS_URL,
        # TRAPS #8: keys carry the schema, or rate limits and cached pages leak across tenants.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "KEY_PREFIX": REDIS_PREFIX,
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}
# Reverse proxies in front of the app that append to X-Forwarded-For (rate limits take the client
# address from it, counting this many from the right). 0: the header is ignored (it can be forged).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# allauth's rate limits (login, password reset) read the client address the same way.
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# --- Auth and accounts ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    # TRAPS #4: without it e-mail login fails silently.
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/app/"

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_REDIRECT_URL = "/accounts/login/"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Agendo] "
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_RATE_LIMITS = {
    # Wrong passwords: five in five minutes for one e-mail from one address (the key is the pair:
    # accounts.adapter), and a ceiling per address of ten a minute and thirty an hour. A stranger's
    # guesses never lock the owner out on their own device.
    "login_failed": "10/m/ip,30/h/ip,5/5m/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
# Two-factor authentication (allauth.mfa): an authenticator app, with recovery codes as the spare.
# Required for operators before the admin opens; an owner may require it for the whole team.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="Agendo")
# Operators made with createsuperuser have no confirmed address row; they must still enrol.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# Listing and ending sessions works without it; tracking would write on every request.
USERSESSIONS_TRACK_ACTIVITY = False

SESSION_COOKIE_NAME = "agendo_session"
# TRAPS #5: host-only cookies, so a session of one business's host is never sent to another.
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14

# How links in messages reach a business's host: e-mails sent outside any request, and also
# password resets and invitations, which never take the port from the request's Host header.
PUBLIC_SCHEME = env("PUBLIC_SCHEME", default="http")
PUBLIC_PORT = env("PUBLIC_PORT", default=env("WEB_PORT", default="8000"))

# --- Security headers ----------------------------------------------------------------------------
# Scripts: our static files and inline blocks carrying the response's nonce; no eval (htmx is
# configured with allowEval false and without its injected indicator <style>). Styles: files, plus
# style="" attributes (brand and calendar colours), never <style> elements.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "style-src-elem": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        # Pico's icons are data: SVGs; logos are our own media files.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        # Sign-up posts to the platform and is redirected to the new business's host (the page's
        # scheme, any port: development and test servers listen on their own).
        "form-action": ["'self'", f"*.{BASE_DOMAIN}:*"],
        "frame-ancestors": ["'none'"],
    },
}
# No page of ours uses any of these: a script that sneaks in cannot either.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}

# Sign-up on the platform: each business is a schema (seconds of database time), so creations are
# limited per client address and for the whole platform per hour; a form posted sooner than this
# many seconds after it was shown is refused (scripts post at once).
SIGNUP_PER_IP_PER_HOUR = env.int("SIGNUP_PER_IP_PER_HOUR", default=5)
SIGNUP_PER_HOUR = env.int("SIGNUP_PER_HOUR", default=60)
SIGNUP_MIN_FILL_SECONDS = env.int("SIGNUP_MIN_FILL_SECONDS", default=3)

# Links that log a new owner in on their business's host, right after sign-up.
LOGIN_LINK_MAX_AGE = env.int("LOGIN_LINK_MAX_AGE", default=120)
# Team invitations: the single-use link is valid for this many seconds.
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3

# --- Internationalisation ------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("pt-br", "Português (Brasil)")]
# One catalogue for the whole project: locale/pt_BR/LC_MESSAGES/django.po (scripts/messages.py).
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "agendo_language"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files --------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Uploads (logos, services' photos: scheduling/uploads.py) go to MEDIA_ROOT/<schema>/, one folder
# per business, served at /media/<schema>/… by config/media.py while MEDIA_SERVE is on (turn it off
# when a web server serves MEDIA_ROOT there; production with a bucket: config/settings/prod.py).
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
MEDIA_SERVE = env.bool("MEDIA_SERVE", default=True)
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- E-mail --------------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
# Seconds a silent SMTP server may hold a send: well under MESSAGE_SENDING_TIMEOUT_SECONDS, so a
# send in progress is never taken for one a dead worker left.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Agendo <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery (tenant-schemas-celery) --------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# TRAPS #13: both, or a worker that dies mid-task loses the task.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# global_keyprefix: queues, unacked sets and broadcast channels all live under REDIS_PREFIX.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 60 * 60,
    "global_keyprefix": f"{REDIS_PREFIX}:",
}
# Workers log through LOGGING below (request ids, JSON in production), not Celery's own handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_TENANT_CACHE_SECONDS = 30
CELERY_BEAT_SCHEDULE = {
    # Every minute: due messages, stuck sends, unconfirmed bookings, in every business.
    "dispatch-all-tenants": {"task": "notifications.tasks.dispatch_all", "schedule": 60.0},
    # Every 10 minutes: trials and graces that ran out, cancellations at period end, notices.
    "billing-sweep": {"task": "billing.tasks.subscriptions_sweep", "schedule": 600.0},
    # Every minute: webhook deliveries due or stuck, and events waiting for the Redis stream.
    "webhooks-sweep": {"task": "webhooks.tasks.sweep_all", "schedule": 60.0},
    # Every hour: birthday messages, each business from its own local morning (once a year each).
    "birthdays": {"task": "notifications.tasks.birthdays_all", "schedule": 3600.0},
    # Every 5 minutes: confirmed bookings past their end plus the business's grace → completed.
    "bookings-auto-complete": {"task": "bookings.tasks.auto_complete_all", "schedule": 300.0},
}
# WhatsApp Cloud API (the platform's account; a business may set its own number and token).
WHATSAPP_API_BASE_URL = env("WHATSAPP_API_BASE_URL", default="https://graph.facebook.com")
WHATSAPP_API_VERSION = env("WHATSAPP_API_VERSION", default="v21.0")
WHATSAPP_PHONE_NUMBER_ID = env("WHATSAPP_PHONE_NUMBER_ID", default="")
WHATSAPP_ACCESS_TOKEN = env("WHATSAPP_ACCESS_TOKEN", default="")
WHATSAPP_TIMEOUT_SECONDS = env.float("WHATSAPP_TIMEOUT_SECONDS", default=10.0)
# The webhook (/webhooks/whatsapp/ on the platform host): the token Meta echoes when you register
# it, and the app secret that signs every event (X-Hub-Signature-256). Empty secret: all refused.
WHATSAPP_VERIFY_TOKEN = env("WHATSAPP_VERIFY_TOKEN", default="")
WHATSAPP_APP_SECRET = env("WHATSAPP_APP_SECRET", default="")
# Sending: retries of transient failures, and when a row stuck in `sending` is taken again.
MESSAGE_MAX_ATTEMPTS = env.int("MESSAGE_MAX_ATTEMPTS", default=6)
MESSAGE_RETRY_BASE_SECONDS = env.int("MESSAGE_RETRY_BASE_SECONDS", default=30)
MESSAGE_SENDING_TIMEOUT_SECONDS = env.int("MESSAGE_SENDING_TIMEOUT_SECONDS", default=300)
# Due messages go in batches, one task per business (notifications.services.messages_send_due):
# up to MESSAGE_BATCH_SIZE rows a task, MESSAGE_SEND_CONCURRENCY requests in flight at a time.
MESSAGE_BATCH_SIZE = env.int("MESSAGE_BATCH_SIZE", default=500)
MESSAGE_SEND_CONCURRENCY = env.int("MESSAGE_SEND_CONCURRENCY", default=32)
# WhatsApp's throughput per sending number (Meta's default tier: 80 messages a second), kept by a
# token bucket in Redis (notifications/throughput.py); 0 turns it off. A burst of 1 spaces sends
# 1/rate apart; a larger one lets that many go at once after a quiet spell.
WHATSAPP_RATE_PER_SECOND = env.float("WHATSAPP_RATE_PER_SECOND", default=80.0)
WHATSAPP_RATE_BURST = env.int("WHATSAPP_RATE_BURST", default=1)
# How long /health/ waits for a worker to answer a ping.
HEALTH_WORKER_TIMEOUT = env.float("HEALTH_WORKER_TIMEOUT", default=1.0)

# --- Logging, metrics, errors --------------------------------------------------------------------
# Every line carries the request id (or the task's, carried from the request that sent it) and the
# tenant schema; "agendo.access" writes one line per request. LOG_FORMAT=json in production.
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "config.observability.ContextFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(schema)s]: %(message)s"
        },
        "json": {"()": "config.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # A line per request to the WhatsApp API is hundreds a second in a batch: errors only.
        "httpx": {"level": "WARNING"},
    },
}
# /metrics (Prometheus): answered to `Authorization: Bearer METRICS_TOKEN` or to a client address
# in METRICS_ALLOWED_IPS (addresses or networks, e.g. 10.0.0.0/8); with neither set, to nobody.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
# Errors to Sentry (Django and Celery) when set; nothing is initialised otherwise.
SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", default="development" if DEBUG else "production")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
if SENTRY_DSN:
    from config.observability import sentry_init

    sentry_init(
        dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT, traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE
    )

# --- Billing (G1) --------------------------------------------------------------------------------
# A new business's trial, and the grace after a failed payment before it is suspended.
BILLING_TRIAL_DAYS = env.int("BILLING_TRIAL_DAYS", default=14)
BILLING_GRACE_DAYS = env.int("BILLING_GRACE_DAYS", default=7)
# POST /webhooks/billing/ signing secrets, current first (an older one is still accepted while
# a rotation is under way); empty: the webhook accepts nothing.
BILLING_WEBHOOK_SECRETS = env.list("BILLING_WEBHOOK_SECRETS", default=[])
BILLING_WEBHOOK_TOLERANCE_SECONDS = env.int("BILLING_WEBHOOK_TOLERANCE_SECONDS", default=300)

# --- JSON API (G2) -------------------------------------------------------------------------------
# Requests per minute one API key may make (429 with Retry-After past it).
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=600)

# --- Webhooks and the event stream (G2) ----------------------------------------------------------
# Each attempt's timeout; retries back off from the base, doubling up to the maximum, for 24 h.
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_RETRY_MAX_SECONDS = env.int("WEBHOOK_RETRY_MAX_SECONDS", default=60 * 60)
# A delivery left in `sending` this long (its worker died) is queued again by the sweep.
WEBHOOK_SENDING_TIMEOUT_SECONDS = env.int("WEBHOOK_SENDING_TIMEOUT_SECONDS", default=120)
# The SSRF guard refuses URLs resolving to loopback, private, link-local or metadata addresses;
# true lets loopback through (tests, local development), nothing else. Never in production.
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=False)
# Booking events go to the Redis stream <AGENDO_REDIS_PREFIX>:<EVENTS_STREAM> (on EVENTS_REDIS_URL,
# default REDIS_URL), trimmed to about EVENTS_STREAM_MAXLEN entries.
EVENTS_REDIS_URL = env("EVENTS_REDIS_URL", default="")
EVENTS_STREAM = env("EVENTS_STREAM", default="agendo:events")
EVENTS_STREAM_MAXLEN = env.int("EVENTS_STREAM_MAXLEN", default=100_000)
