"""Settings for the education portal, read from the environment.

Every variable is documented in README.md ("Configuration"). With no variables set the
portal runs on embedded defaults under ``var/``: SQLite, a filesystem object store, the
database search backend and a filesystem Celery broker, so a fresh machine needs no
services. Production points the same variables at PostgreSQL, Redis or RabbitMQ, MinIO
and Elasticsearch.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from edu_portal.env import Env

env = Env()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.str("VAR_DIR", str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", False)
SECRET_KEY = env.secret_key("SECRET_KEY", generated_file=VAR_DIR / "secret_key")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = env.str("SITE_NAME", "县教育局教育资源公共服务平台")

# --- HTTPS hardening; one switch so that `check --deploy` is clean behind TLS -------------
HTTPS = env.bool("HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS and env.bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("HSTS_SECONDS", 31_536_000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env.bool("HSTS_PRELOAD", False)
# Preloading is the bureau's decision for its public domain (intranet host names cannot be
# preloaded at all), so the deploy check does not insist on it; HSTS_PRELOAD=1 opts in.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# nginx terminates TLS and says so in this header; only trusted when HTTPS is on.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "treebeard",
    "auditlog",
    # Wagtail, for the public portal (edu_portal.cms); its admin is mounted at /cms/.
    "wagtail.contrib.settings",
    "wagtail.contrib.redirects",
    # /sitemap.xml of the portal's live, public pages (Django's sitemap templates).
    "django.contrib.sitemaps",
    "wagtail.contrib.sitemaps",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "edu_portal.accounts",
    "edu_portal.portal",
    "edu_portal.workflow",
    "edu_portal.notifications",
    "edu_portal.schools",
    "edu_portal.messaging",
    "edu_portal.cms",
    "edu_portal.workdays",
    "edu_portal.disclosure",
    "edu_portal.interaction",
    "edu_portal.operations",
    "catalog",
    "media_pipeline",
    "ebooks",
    "ebooks.periodicals",
    "ebooks.reader",
    "ebooks.opds",
]

MIDDLEWARE = [
    # First and (before the page cache) last: django-prometheus's request counts and
    # latencies (/metrics, edu_portal.operations.metrics) span every middleware below.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "edu_portal.access.ClientIPMiddleware",
    "edu_portal.accounts.audit.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After MessageMiddleware: it says why the password page comes first.
    "edu_portal.schools.middleware.MustChangePasswordMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Above the page cache, so that pages it answers are counted by status code too.
    "edu_portal.operations.metrics.middleware.PrometheusAfterMiddleware",
    # Last: answers anonymous views of cached portal pages with the language, the client's
    # network and the CSRF cookie already decided by the middleware above.
    "edu_portal.cms.page_cache.PageCacheMiddleware",
]

ROOT_URLCONF = "edu_portal.urls"
WSGI_APPLICATION = "edu_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "edu_portal" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "edu_portal.portal.context.site",
                "edu_portal.notifications.context.notification_unread",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASE_URL = env.url(
    "DATABASE_URL",
    f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
    schemes={"sqlite", "postgres", "postgresql", "pgsql"},
    secret=True,
)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the web server read while the worker writes; IMMEDIATE avoids the
    # "database is locked" upgrade deadlock between two writers.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Covering indexes (INCLUDE) are a PostgreSQL speed-up; SQLite keeps the plain index.
    SILENCED_SYSTEM_CHECKS.append("models.W040")
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (shared between processes: Redis in production, files when embedded) ----------
REDIS_URL = env.str("REDIS_URL", "", secret=True)
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env.url(
    "CELERY_BROKER_URL",
    REDIS_URL or "filesystem://",
    schemes={"filesystem", "redis", "rediss", "amqp", "amqps", "pyamqp", "memory"},
    secret=True,
)
CELERY_BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem"):
    for _sub in ("queue", "processed", "control"):
        (CELERY_BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
    # Producer and consumer share one folder, so the web process and the worker meet there.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 3600}
CELERY_RESULT_BACKEND = env.str(
    "CELERY_RESULT_BACKEND", REDIS_URL or f"file://{VAR_DIR / 'celery-results'}", secret=True
)
if CELERY_RESULT_BACKEND.startswith("file://"):
    Path(CELERY_RESULT_BACKEND.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_DEFAULT_QUEUE = "default"
# Long media work never blocks short tasks: one queue per kind of work.
CELERY_TASK_QUEUE_NAMES = ["default", "media", "search"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Shanghai"
# Tasks are found by autodiscovery of each app's tasks.py, which imports the task modules
# of the app's sub-packages. Every task is named "<app label>.<what it does>".
# Run by the one `celery beat` (deploy/systemd edu-portal-beat).
CELERY_BEAT_SCHEDULE = {
    "cleanup-expired-uploads": {
        "task": "media_pipeline.cleanup_expired_uploads",
        "schedule": 3600,
        "options": {"queue": "default", "expires": 3000},
    },
}

# --- Object storage -------------------------------------------------------------------------
OBJECT_STORE_URL = env.url(
    "OBJECT_STORE_URL",
    f"file://{VAR_DIR / 'objects'}",
    schemes={"file", "s3", "minio"},
    secret=True,
)
OBJECT_STORE_TIMEOUT = env.int("OBJECT_STORE_TIMEOUT", 30, minimum=1)
OBJECT_STORE_RETRIES = env.int("OBJECT_STORE_RETRIES", 3, minimum=0)

# --- Uploads (tus, resumable; media_pipeline/uploads) -----------------------------------------
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", 20 * 1024**3, minimum=1)
# Shell-style patterns of the types teachers may upload; checked by name and by content.
UPLOAD_ALLOWED_TYPES = env.list(
    "UPLOAD_ALLOWED_TYPES",
    [
        "video/*",
        "audio/*",
        "application/pdf",
        "application/msword",
        "application/vnd.ms-powerpoint",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.*",
        "application/epub+zip",
        "application/zip",
        "text/plain",
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
    ],
)
UPLOAD_EXPIRY_HOURS = env.int("UPLOAD_EXPIRY_HOURS", 24, minimum=1)
# Per teacher: bytes declared by, and number of, uploads that are unfinished or complete but
# not yet made into a resource; a complete upload unused this many days is removed.
UPLOAD_QUOTA_BYTES = env.int("UPLOAD_QUOTA_BYTES", 40 * 1024**3, minimum=1)
UPLOAD_QUOTA_COUNT = env.int("UPLOAD_QUOTA_COUNT", 20, minimum=1)
UPLOAD_UNUSED_EXPIRY_DAYS = env.int("UPLOAD_UNUSED_EXPIRY_DAYS", 7, minimum=1)

# --- Transcoding (media_pipeline/processing) ------------------------------------------------
# A job whose worker has not sent a heartbeat for this long is re-queued by the sweeper.
PIPELINE_STALE_SECONDS = env.int("PIPELINE_STALE_SECONDS", 300, minimum=30)
# How often the beat runs that sweeper: a job is taken over at most STALE + SWEEP seconds
# after its worker died. A sweep not started within the interval gives way to the next.
PIPELINE_SWEEP_SECONDS = env.int("PIPELINE_SWEEP_SECONDS", 60, minimum=1)
CELERY_BEAT_SCHEDULE["sweep-stalled-processing-jobs"] = {
    "task": "media_pipeline.sweep_stalled_jobs",
    "schedule": PIPELINE_SWEEP_SECONDS,
    "options": {"queue": "default", "expires": max(1, PIPELINE_SWEEP_SECONDS * 5 // 6)},
}
PIPELINE_MAX_ATTEMPTS = env.int("PIPELINE_MAX_ATTEMPTS", 3, minimum=1)
PIPELINE_PRESET = env.str("PIPELINE_PRESET", "veryfast")
PIPELINE_TRANSCODE_TIMEOUT = env.int("PIPELINE_TRANSCODE_TIMEOUT", 6 * 3600, minimum=60)

# --- Office previews (catalog/previews) -----------------------------------------------------
# LibreOffice runs behind this command, which must give it no network (checked before each
# conversion; a preview is refused when it fails).
PREVIEW_SANDBOX = env.str("PREVIEW_SANDBOX", "unshare --net --map-root-user --")

# --- Search ---------------------------------------------------------------------------------
SEARCH_URL = env.url("SEARCH_URL", "db://", schemes={"db", "http", "https"}, secret=True)
SEARCH_INDEX_PREFIX = env.str("SEARCH_INDEX_PREFIX", "edu")

# --- Access policy --------------------------------------------------------------------------
INTRANET_NETWORKS = env.networks(
    "INTRANET_NETWORKS",
    ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
)
TRUSTED_PROXIES = env.networks("TRUSTED_PROXIES", [])
SIGNED_URL_TTL = env.int("SIGNED_URL_TTL", 600, minimum=10)
# Signed links (downloads, HLS tokens) work only from the address they were issued to, or
# for remote staff only in their own signed-in session (edu_portal.access.binding).
SIGNED_URL_BIND_IP = env.bool("SIGNED_URL_BIND_IP", True)

# --- Streaming (media_pipeline/streaming) ---------------------------------------------------
# Lifetime of the tokens inside playlists. The player fetches a fresh master playlist when
# one runs out mid-film, so this can stay short.
STREAM_TOKEN_TTL = env.int("STREAM_TOKEN_TTL", 900, minimum=30)
# Viewing statistics are counted in the cache (Redis) or in memory and written to the
# database at most this often per process.
STATS_FLUSH_SECONDS = env.int("STATS_FLUSH_SECONDS", 60, minimum=1)
# Beacons beyond these limits are ignored (counted in the cache): a viewer's play counts
# once per resource in this many minutes; an address adds at most this many new anonymous
# viewers to a resource per hour.
STATS_PLAY_REPEAT_MINUTES = env.int("STATS_PLAY_REPEAT_MINUTES", 30, minimum=0)
STATS_NEW_VIEWERS_PER_ADDRESS = env.int("STATS_NEW_VIEWERS_PER_ADDRESS", 30, minimum=1)
CELERY_BEAT_SCHEDULE["flush-view-stats"] = {
    "task": "media_pipeline.flush_view_stats",
    "schedule": STATS_FLUSH_SECONDS,
    "options": {"queue": "default", "expires": max(STATS_FLUSH_SECONDS - 5, 1)},
}
# Download counts are buffered the same way (catalog/counters.py) and flushed as often.
CELERY_BEAT_SCHEDULE["flush-download-counts"] = {
    "task": "catalog.flush_download_counts",
    "schedule": STATS_FLUSH_SECONDS,
    "options": {"queue": "default", "expires": max(STATS_FLUSH_SECONDS - 5, 1)},
}

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    # Kept so accounts imported from older systems still log in and are re-hashed to Argon2.
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["edu_portal.accounts.backends.GuardedModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# Sign-in protection (edu_portal/accounts/login_guard.py): failures count per account and
# address; a lock only ever applies to the address the failures came from.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_CHALLENGE_AFTER = env.int("LOGIN_CHALLENGE_AFTER", 3, minimum=0)
LOGIN_SLOWDOWN_SECONDS = env.int("LOGIN_SLOWDOWN_SECONDS", 2, minimum=0)
LOGIN_ACCOUNT_CHALLENGE_LIMIT = env.int("LOGIN_ACCOUNT_CHALLENGE_LIMIT", 10, minimum=1)
LOGIN_FAILURE_IP_LIMIT = env.int("LOGIN_FAILURE_IP_LIMIT", 30, minimum=1)
LOGIN_FAILURE_INTRANET_IP_LIMIT = env.int("LOGIN_FAILURE_INTRANET_IP_LIMIT", 300, minimum=1)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
LOGIN_USUAL_ADDRESS_DAYS = env.int("LOGIN_USUAL_ADDRESS_DAYS", 30, minimum=1)
# Proof of work (ALTCHA, PBKDF2): iterations per try, and the largest secret counter.
LOGIN_CHALLENGE_COST = env.int("LOGIN_CHALLENGE_COST", 1000, minimum=1)
LOGIN_CHALLENGE_MAX_NUMBER = env.int("LOGIN_CHALLENGE_MAX_NUMBER", 5000, minimum=1)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", 3 * 3600, minimum=300)

# --- Audit ----------------------------------------------------------------------------------
AUDITLOG_DISABLE_REMOTE_ADDR = False
AUDITLOG_INCLUDE_ALL_MODELS = False
# Show "城南小学" rather than "7" when an org unit or user reference changes.
AUDITLOG_USE_FK_STRING_REPRESENTATION = True

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "edu_portal" / "locale"]
TIME_ZONE = env.str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
# collectstatic's output; the container image keeps it outside VAR_DIR (a volume there
# would hide the files built into the image, and keep old ones after an upgrade).
STATIC_ROOT = Path(env.str("STATIC_ROOT", str(VAR_DIR / "static"))).resolve()
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [
    BASE_DIR / "edu_portal" / "static",
    # Browser libraries from npm (package.json; `make setup` runs `npm ci`), never copied.
    ("vendor/tus-js-client", BASE_DIR / "node_modules" / "tus-js-client" / "dist"),
    ("vendor/hls.js", BASE_DIR / "node_modules" / "hls.js" / "dist"),
    ("vendor/epubjs", BASE_DIR / "node_modules" / "epubjs" / "dist"),
    ("vendor/jszip", BASE_DIR / "node_modules" / "jszip" / "dist"),
    ("vendor/altcha", BASE_DIR / "node_modules" / "altcha" / "dist"),
    # pdf.js: only the parts the viewer loads (the package also carries a Node build).
    *(
        (f"vendor/pdfjs/{part}", BASE_DIR / "node_modules" / "pdfjs-dist" / part)
        for part in ("legacy/build", "cmaps", "standard_fonts", "wasm", "iccs")
    ),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Development and tests serve straight from the finders; production uses the manifest.
WHITENOISE_USE_FINDERS = env.bool("STATIC_FROM_FINDERS", True)
WHITENOISE_AUTOREFRESH = DEBUG
if WHITENOISE_USE_FINDERS:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# --- Content-Security-Policy (django-csp) --------------------------------------------------
# Every response: scripts only from our own files (ES modules and vendor bundles; JSON
# settings come in <script type="application/json">, which is never run), no inline
# scripts or styles, no eval. blob: is what hls.js (MediaSource, its worker) and pdf.js (its
# worker, decoded images) use. The reader page narrows this further for the book it shows
# (ebooks/reader/views.py), the API docs relax it for Swagger UI (edu_portal/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "child-src": ["'self'", "blob:"],
        "frame-src": ["'self'", "blob:"],
        "frame-ancestors": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    },
}

# --- Public portal (Wagtail, edu_portal.cms) ------------------------------------------------
WAGTAIL_SITE_NAME = SITE_NAME
WAGTAILADMIN_BASE_URL = env.str("SITE_URL", "") or "http://localhost:8000"
# Sign-in goes through the platform's own (throttled, recorded) login page.
WAGTAILADMIN_LOGIN_URL = LOGIN_URL
WAGTAIL_FRONTEND_LOGIN_URL = LOGIN_URL
WAGTAILADMIN_PERMITTED_LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
WAGTAIL_I18N_ENABLED = False
WAGTAIL_ALLOW_UNICODE_SLUGS = False
# A county's intranet server must not call out to wagtail.org.
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAIL_MODERATION_ENABLED = True
WAGTAIL_WORKFLOW_ENABLED = True
# Documents are served by Django (access checked, object store behind), never by URL guess.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_EXTENSIONS = [
    "pdf",
    "doc",
    "docx",
    "xls",
    "xlsx",
    "ppt",
    "pptx",
    "odt",
    "ods",
    "txt",
    "zip",
    "rar",
    "wps",
    "et",
]
WAGTAILDOCS_MAX_UPLOAD_SIZE = env.int("CMS_MAX_DOCUMENT_MB", 50, minimum=1) * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = env.int("CMS_MAX_IMAGE_MB", 10, minimum=1) * 1024 * 1024
# Wagtail's own index serves the editors' search in the admin; the public site search goes
# through the platform's search backends (edu_portal.cms.search).
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
TAGGIT_CASE_INSENSITIVE = True
# 索引号 = <organisation code>/<year>-<5-digit serial> (the bureau's 统一社会信用代码).
CMS_ORG_CODE = env.str("CMS_ORG_CODE", "11000000MB0000000X")
# Wagtail's documents and images live in the platform's object store under cms/ (keys
# derived from the names, edu_portal.storage.django_storage). Documents are downloaded only
# through Wagtail's serve view (access checked); image files through cms:stored-image.
STORAGES["default"] = {
    "BACKEND": "edu_portal.storage.django_storage.ObjectStoreStorage",
    "OPTIONS": {
        "prefix": "cms/",
        "public_prefixes": ["images/", "original_images/"],
        "url_name": "cms:stored-image",
    },
}
# How many days a column of each kind may go without a new item before the inspection
# self-check calls it stale (国办秘函〔2019〕19号: news two weeks, notices/policies six months).
CMS_STALE_DAYS = {"news": 14, "notice": 180, "policy": 180}
CMS_HOME_STALE_DAYS = 14
# An approved page is published by the approval itself: the platform's task decides who
# approves, Wagtail's publish permission is not asked again (cms/workflow_finish.py).
WAGTAIL_FINISH_WORKFLOW_ACTION = "edu_portal.cms.workflow_finish.publish_approved"
# No avatars from gravatar.com: an intranet server, and the admin's CSP allows only 'self'.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Scheduled publishing and expiry (go_live_at / expire_at), audited as the system.
CELERY_BEAT_SCHEDULE["cms-publish-scheduled"] = {
    "task": "cms.publish_scheduled",
    "schedule": 60,
    "options": {"queue": "default", "expires": 55},
}
# Site search: type counts over at most this many matches (beyond it they are estimates,
# shown with 约), and how long such estimates are kept per query (seconds).
CMS_SEARCH_FACET_SAMPLE = env.int("CMS_SEARCH_FACET_SAMPLE", 2000, minimum=10)
CMS_SEARCH_COUNT_CACHE_SECONDS = env.int("CMS_SEARCH_COUNT_CACHE_SECONDS", 300, minimum=0)
# Anonymous views of live portal pages are cached this many seconds (0: off); publishing,
# unpublishing or moving any page empties the cache at once (edu_portal.cms.page_cache).
CMS_PAGE_CACHE_SECONDS = env.int("CMS_PAGE_CACHE_SECONDS", 300, minimum=0)
# ... and nginx keeps such a page this many seconds (X-Accel-Expires; 0: never): a
# publication reaches visitors at most this late (deploy/nginx, the portal's location /).
CMS_EDGE_CACHE_SECONDS = env.int("CMS_EDGE_CACHE_SECONDS", 5, minimum=0)
# Page visits are buffered like download counts and flushed as often (edu_portal.cms.visits).
CELERY_BEAT_SCHEDULE["cms-flush-page-visits"] = {
    "task": "cms.flush_page_visits",
    "schedule": STATS_FLUSH_SECONDS,
    "options": {"queue": "default", "expires": max(STATS_FLUSH_SECONDS - 5, 1)},
}
# The inspection self-check runs daily and tells the office when a single-veto rule fails.
CELERY_BEAT_SCHEDULE["cms-site-inspection"] = {
    "task": "cms.site_inspection",
    "schedule": crontab(hour=7, minute=30),
    "options": {"queue": "default", "expires": 3600},
}

# --- Mail -----------------------------------------------------------------------------------
EMAIL_HOST = env.str("EMAIL_HOST", "")
EMAIL_PORT = env.int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", "", secret=True)
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 15
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "noreply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    # Without a mail server, messages land as files so nothing is lost and they can be read.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
# The address of the site as people reach it ("https://edu.example.cn"), for the links in
# notification e-mails; empty: the mails carry site paths only.
NOTIFICATIONS_SITE_URL = env.str("SITE_URL", "")

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "edu_portal.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Education portal API",
    "DESCRIPTION": "Resources, videos, e-books, disclosure and notices of the education bureau.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI would otherwise send the schema to an outside validator from the intranet.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # "kind" names several choice sets (org units, resources): name each enum explicitly.
    "ENUM_NAME_OVERRIDES": {"ResourceKindEnum": "catalog.models.Resource.Kind"},
    "PREPROCESSING_HOOKS": ["edu_portal.api.public_endpoints"],
}

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", "INFO")
# text: one readable line per record; json: one JSON object per line (time, level, logger,
# message, exc_info) for a log collector (edu_portal.operations.logging).
LOG_FORMAT = env.str("LOG_FORMAT", "text").strip().lower()
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json; got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
        if LOG_FORMAT == "text"
        # A dotted path, not an import: settings sit below operations in the layers.
        else {"()": "edu_portal.operations.logging.JsonLineFormatter"}
    },
    "filters": {
        # A PermissionDenied reaches handler403, which logs the refusal in one line
        # (logger edu_portal.refusals); Django's own record of it is a WARNING with the
        # whole traceback, so it is dropped. Other 403s (CSRF, the API) stay: one line each.
        "refusal_logged_by_handler403": {
            "()": "django.utils.log.CallbackFilter",
            "callback": lambda record: (
                not (getattr(record, "status_code", None) == 403 and record.exc_info)
            ),
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"django.request": {"filters": ["refusal_logged_by_handler403"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
# Celery's worker replaces the root logger's handlers with its own text format unless told
# not to; with JSON logs the workers keep the handler above, so their lines are JSON too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT == "text"

# --- Home-school notices: channels (edu_portal.messaging.channels) --------------------------
# Quiet hours ("HH:MM", local TIME_ZONE): e-mail and SMS wait until the end; urgent notices
# do not. Equal start and end: no quiet hours.
NOTICE_QUIET_START = env.str("NOTICE_QUIET_START", "20:00")
NOTICE_QUIET_END = env.str("NOTICE_QUIET_END", "08:00")
# Attempts (claims by the dispatcher) after which a delivery that keeps meeting temporary
# errors (SMTP server away, gateway throttling) is given up as failed.
NOTICE_MAX_ATTEMPTS = env.int("NOTICE_MAX_ATTEMPTS", 8, minimum=1)
# Where the List-Unsubscribe mailto of notice e-mails points (empty: DEFAULT_FROM_EMAIL).
NOTICE_UNSUBSCRIBE_MAILTO = env.str("NOTICE_UNSUBSCRIBE_MAILTO", "")
# file (each SMS written under VAR_DIR/sms/), aliyun or tencent.
SMS_BACKEND = env.str("SMS_BACKEND", "file")
SMS_SIGN_NAME = env.str("SMS_SIGN_NAME", "县教育局")
SMS_FILE_DIR = VAR_DIR / "sms"
SMS_TIMEOUT = env.int("SMS_TIMEOUT", 10, minimum=1)
# Messages per second handed to the gateway by all workers together (a shared token bucket
# in Redis; one per process without REDIS_URL).
SMS_RATE_PER_SECOND = env.int("SMS_RATE_PER_SECOND", 20, minimum=1)
# Per phone number: messages a day (Tencent's default cap) and seconds between two
# identical texts.
SMS_DAILY_CAP_PER_NUMBER = env.int("SMS_DAILY_CAP_PER_NUMBER", 10, minimum=1)
SMS_REPEAT_SECONDS = env.int("SMS_REPEAT_SECONDS", 30, minimum=0)
SMS_ALIYUN_ENDPOINT = env.url(
    "SMS_ALIYUN_ENDPOINT", "https://dysmsapi.aliyuncs.com/", schemes={"http", "https"}
)
SMS_ALIYUN_ACCESS_KEY_ID = env.str("SMS_ALIYUN_ACCESS_KEY_ID", "")
SMS_ALIYUN_ACCESS_KEY_SECRET = env.str("SMS_ALIYUN_ACCESS_KEY_SECRET", "", secret=True)
SMS_ALIYUN_REGION = env.str("SMS_ALIYUN_REGION", "cn-hangzhou")
SMS_ALIYUN_TEMPLATE_CODE = env.str("SMS_ALIYUN_TEMPLATE_CODE", "")
SMS_TENCENT_ENDPOINT = env.url(
    "SMS_TENCENT_ENDPOINT", "https://sms.tencentcloudapi.com/", schemes={"http", "https"}
)
SMS_TENCENT_SECRET_ID = env.str("SMS_TENCENT_SECRET_ID", "")
SMS_TENCENT_SECRET_KEY = env.str("SMS_TENCENT_SECRET_KEY", "", secret=True)
SMS_TENCENT_REGION = env.str("SMS_TENCENT_REGION", "ap-guangzhou")
SMS_TENCENT_SDK_APP_ID = env.str("SMS_TENCENT_SDK_APP_ID", "")
SMS_TENCENT_TEMPLATE_ID = env.str("SMS_TENCENT_TEMPLATE_ID", "")
# The token the gateways' delivery-report callbacks carry (?token=…); empty: refused.
SMS_REPORT_TOKEN = env.str("SMS_REPORT_TOKEN", "", secret=True)

# --- Home-school notices: the guardian's short links (edu_portal.messaging.links) ---------
# Days a notice's signed link (/n/<code>, in SMS and e-mail) opens it after sending.
NOTICE_LINK_DAYS = env.int("NOTICE_LINK_DAYS", 30, minimum=1)

# --- Home-school notices: sending (edu_portal.messaging.sending) --------------------------
# People per batch when recipients are frozen (one transaction each) and rows per INSERT.
NOTICE_BATCH_SIZE = env.int("NOTICE_BATCH_SIZE", 5000, minimum=100)
# E-mail and SMS deliveries claimed at a time, and how long one dispatch run goes on.
NOTICE_DISPATCH_BATCH = env.int("NOTICE_DISPATCH_BATCH", 200, minimum=1)
NOTICE_DISPATCH_SECONDS = env.int("NOTICE_DISPATCH_SECONDS", 50, minimum=1)
# One reminder per notice in this many minutes.
NOTICE_REMIND_MINUTES = env.int("NOTICE_REMIND_MINUTES", 60, minimum=1)
# Attachments: size of one file, and files per notice.
NOTICE_ATTACHMENT_MAX_BYTES = env.int("NOTICE_ATTACHMENT_MAX_BYTES", 20 * 1024**2, minimum=1)
NOTICE_ATTACHMENTS_MAX = env.int("NOTICE_ATTACHMENTS_MAX", 10, minimum=1)
# A notice still "sending" this long after it started is queued again (a lost task).
NOTICE_STUCK_MINUTES = env.int("NOTICE_STUCK_MINUTES", 15, minimum=1)
CELERY_BEAT_SCHEDULE["messaging-send-due"] = {
    "task": "messaging.send_due",
    "schedule": 60,
    "options": {"queue": "default", "expires": 55},
}
CELERY_BEAT_SCHEDULE["messaging-dispatch"] = {
    "task": "messaging.dispatch",
    "schedule": 60,
    "options": {"queue": "default", "expires": 55},
}

# --- Home-school notices: retention (edu_portal.messaging.retention) ----------------------
# Days after sending that a notice keeps its recipients, receipts, replies and messages
# (and the SMS files under SMS_FILE_DIR); then only the counts stay, in Notice.totals.
NOTICE_RETENTION_DAYS = env.int("NOTICE_RETENTION_DAYS", 365, minimum=1)
CELERY_BEAT_SCHEDULE["messaging-purge-expired"] = {
    "task": "messaging.purge_expired",
    "schedule": 24 * 3600,
    "options": {"queue": "default", "expires": 12 * 3600},
}

# --- Applications for information, 依申请公开 (edu_portal.disclosure) ------------------------
# The statutory numbers (20 working days, 7 for a correction notice, at most 20 more) are
# law and live in disclosure/clock.py. Practice: working days the applicant has to answer a
# correction notice before the application is treated as abandoned (Art. 30).
DISCLOSURE_CORRECTION_PERIOD_DAYS = env.int("DISCLOSURE_CORRECTION_PERIOD_DAYS", 15, minimum=1)
# Failed look-ups (query code + phone) allowed per client address, and per code, in a window
# of this many seconds; then the look-up refuses until the window has passed.
DISCLOSURE_LOOKUP_ATTEMPTS = env.int("DISCLOSURE_LOOKUP_ATTEMPTS", 10, minimum=1)
DISCLOSURE_LOOKUP_WINDOW = env.int("DISCLOSURE_LOOKUP_WINDOW", 900, minimum=60)
# Handling (edu_portal.disclosure.handling, fees, letters, reminders). Practice: working days
# the applicant has to pay a fee notice (国办函〔2020〕109号) before the application is
# treated as abandoned; the clock stops from the notice until the day of payment.
DISCLOSURE_FEE_PERIOD_DAYS = env.int("DISCLOSURE_FEE_PERIOD_DAYS", 20, minimum=1)
# The handler is reminded this many working days before a due date.
DISCLOSURE_REMIND_DAYS = env.int("DISCLOSURE_REMIND_DAYS", 3, minimum=0)
# Reply letters: the issuing authority printed on them and the prefix of their number
# (e.g. 示教依复〔2026〕12号); empty: the bureau's name (the org tree's root) and "依复".
DISCLOSURE_LETTER_AUTHORITY = env.str("DISCLOSURE_LETTER_AUTHORITY", "")
DISCLOSURE_LETTER_PREFIX = env.str("DISCLOSURE_LETTER_PREFIX", "依复")
# Daily: abandonment of unanswered corrections and unpaid fees, and the deadline reminders.
CELERY_BEAT_SCHEDULE["disclosure-daily"] = {
    "task": "disclosure.daily",
    "schedule": crontab(hour=6, minute=40),
    "options": {"queue": "default", "expires": 6 * 3600},
}

# --- Letters: 局长信箱, consultations, suggestions, complaints (edu_portal.interaction) ------
# Working days (the workdays calendar) from receipt to the answer, per kind of letter.
LETTER_DUE_DAYS_MAILBOX = env.int("LETTER_DUE_DAYS_MAILBOX", 15, minimum=1)
LETTER_DUE_DAYS_CONSULTATION = env.int("LETTER_DUE_DAYS_CONSULTATION", 5, minimum=1)
LETTER_DUE_DAYS_SUGGESTION = env.int("LETTER_DUE_DAYS_SUGGESTION", 15, minimum=1)
LETTER_DUE_DAYS_COMPLAINT = env.int("LETTER_DUE_DAYS_COMPLAINT", 15, minimum=1)
# The department is reminded this many working days before a letter's due date.
LETTER_REMIND_DAYS = env.int("LETTER_REMIND_DAYS", 3, minimum=0)
# The most working days the office may add to a letter's deadline in one extension.
LETTER_MAX_EXTENSION_DAYS = env.int("LETTER_MAX_EXTENSION_DAYS", 15, minimum=1)
# Progress look-ups (page and API) allowed per client address and hour: a query code and
# a phone number must not be guessable by trying.
LETTER_LOOKUPS_PER_HOUR = env.int("LETTER_LOOKUPS_PER_HOUR", 30, minimum=1)
CELERY_BEAT_SCHEDULE["interaction-letter-deadlines"] = {
    "task": "interaction.letter_deadlines",
    "schedule": 3600,
    "options": {"queue": "default", "expires": 3000},
}

# --- Operations: backups, the integrity ledger, metrics (edu_portal.operations) ------------
# Where `manage.py backup` and the daily task write: a directory (a mounted backup server)
# or s3://ACCESS:SECRET@host:port/bucket/prefix on another server (https unless
# ?secure=false). The default, var/backups, only suits a demo: it shares this disk.
BACKUP_TARGET = env.str("BACKUP_TARGET", str(VAR_DIR / "backups"), secret=True)
# A passphrase: when set, the database dump, the manifest and every object are encrypted
# in the backup; restore and verify_backup need the same passphrase.
BACKUP_ENCRYPTION_KEY = env.str("BACKUP_ENCRYPTION_KEY", "", secret=True)
# Retention: the newest backup of each of this many days, ISO weeks and months is kept.
BACKUP_KEEP_DAILY = env.int("BACKUP_KEEP_DAILY", 7, minimum=1)
BACKUP_KEEP_WEEKLY = env.int("BACKUP_KEEP_WEEKLY", 4, minimum=0)
BACKUP_KEEP_MONTHLY = env.int("BACKUP_KEEP_MONTHLY", 6, minimum=0)
# /readyz and the metrics report a problem when the last good backup is older than this.
BACKUP_MAX_AGE_HOURS = env.int("BACKUP_MAX_AGE_HOURS", 26, minimum=1)
# The key of the integrity ledger's MAC chain; by default derived from SECRET_KEY. Keep it
# off the database server, so that whoever can rewrite rows cannot rewrite the chain.
INTEGRITY_LEDGER_KEY = env.str("INTEGRITY_LEDGER_KEY", "", secret=True)
# Record publications and stored objects in the ledger and check pages when served. Off
# only for tests that are not about the ledger (tests/conftest.py) and never in production.
INTEGRITY_LEDGER_ENABLED = env.bool("INTEGRITY_LEDGER_ENABLED", True)
# The daily integrity check (edu_portal.operations.integrity_tasks), after the backup;
# administrators are alerted when it finds something new.
CELERY_BEAT_SCHEDULE["operations-verify-integrity"] = {
    "task": "operations.verify_integrity",
    "schedule": crontab(hour=4, minute=15),
    "options": {"queue": "default", "expires": 6 * 3600},
}
# Client addresses (after TRUSTED_PROXIES) that may read /metrics; anyone else gets a 404.
METRICS_ALLOWED_NETWORKS = env.networks(
    "METRICS_ALLOWED_NETWORKS",
    ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
)
# The daily backup into BACKUP_TARGET (edu_portal.operations.backup), at night local time;
# "expires": a backup not started within two hours waits for the next night.
CELERY_BEAT_SCHEDULE["operations-backup"] = {
    "task": "operations.backup",
    "schedule": crontab(hour=2, minute=30),
    "options": {"queue": "default", "expires": 2 * 3600},
}
