"""Chamada settings: one module, configured by environment variables (see README, "Settings").

Defaults give the embedded mode: SQLite, the in-memory channel layer, Celery tasks run in-process. Setting
DATABASE_URL and REDIS_URL switches to PostgreSQL, the Redis channel layer and Celery workers on Redis.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from school.env import (
    ImproperlyConfiguredEnv,
    env_bool,
    env_choice,
    env_email_url,
    env_float,
    env_int,
    env_list,
    env_rate,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR") or str(BASE_DIR / "var"))  # empty counts as unset, not as the current folder

# The default key only suits development: `check --deploy` flags it (security.W009) until SECRET_KEY is set.
SECRET_KEY = env_str("SECRET_KEY", "django-insecure-chamada-development-key-do-not-use-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Behind HTTPS (a reverse proxy terminating TLS): secure cookies, redirects and HSTS.
HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", HTTPS) else None
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Sent by school.middleware.SecurityHeadersMiddleware. Only the kiosk uses a device (its webcam); nothing else may.
PERMISSIONS_POLICY = {
    "camera": "(self)",
    "microphone": "()",
    "geolocation": "()",
    "payment": "()",
    "usb": "()",
    "serial": "()",
    "hid": "()",
    "midi": "()",
    "accelerometer": "()",
    "gyroscope": "()",
    "magnetometer": "()",
    "display-capture": "()",
}
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"  # face photos and snapshots are never embedded by another site

# Content Security Policy (django-csp): nothing inline, nothing from another origin. The page's own host is added
# to connect-src for WebSockets (school.middleware.ContentSecurityPolicyMiddleware): not every browser lets 'self'
# cover ws:/wss:.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "connect-src": [SELF],
        "media-src": [SELF, "blob:"],  # the kiosk's webcam
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# Sessions end with the browser, and in any case SESSION_COOKIE_AGE after the login (a school day): a staff
# computer left logged in does not stay so overnight.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)

INSTALLED_APPS = [
    "daphne",  # first, so `runserver` serves ASGI (WebSockets included)
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from here, not from a CDN
    "channels",
    "axes",
    "csp",
    "school",
    "recognition",
    "cameras",
    "attendance",
    "monitoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "school.middleware.SecurityHeadersMiddleware",
    "school.middleware.ContentSecurityPolicyMiddleware",  # also on the lockout page, which the next one answers
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "school.urls"
ASGI_APPLICATION = "school.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded database lives here; a fresh clone has no var/
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'chamada.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0, minimum=0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several threads (web, in-process camera processors) write; wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
EMBEDDED = not REDIS_URL  # no Redis: one process does everything

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}},
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Celery (namespace CELERY_) ---------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = EMBEDDED  # no broker: run tasks in-process, at the call
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a task whose worker dies is delivered again
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis hands a message a dead worker never acknowledged to another worker after this long. It must stay above the
# longest retry countdown (recognition.tasks.MAX_RETRY_DELAY, 300 s), or a retry waiting in a live worker would be
# delivered twice; a job a dead worker left `processing` is requeued sooner by beat (requeue_stale_photo_jobs).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = env_str("TIME_ZONE", "America/Sao_Paulo")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Camera processors (cameras app). Each one is a long-running task: a queue of their own keeps them from starving
# the short tasks (face encoding). Run `celery -A school worker -Q streams --concurrency <cameras>` for them, and
# `celery -A school beat` for the check that (re)starts any enabled camera nobody processes.
CELERY_TASK_ROUTES = {"cameras.tasks.run_camera": {"queue": "streams"}}
CELERY_BEAT_SCHEDULE = {
    "ensure-camera-processors": {"task": "cameras.tasks.ensure_camera_processors", "schedule": 15.0},
}
# Gallery photos (recognition app): `celery -A school worker -Q photos`; beat requeues jobs a dead worker left.
CELERY_TASK_ROUTES["recognition.tasks.process_gallery_photo"] = {"queue": "photos"}
CELERY_BEAT_SCHEDULE["requeue-stale-photo-jobs"] = {
    "task": "recognition.tasks.requeue_stale_photo_jobs",
    "schedule": 300.0,
}
# Alerts (monitoring app): deliveries that failed or whose sender died are retried by whoever sweeps first.
CELERY_BEAT_SCHEDULE["deliver-due-alerts"] = {"task": "monitoring.tasks.deliver_due_alerts", "schedule": 5.0}
# The monitor's per-minute camera history older than MONITOR_HISTORY_DAYS goes, once an hour.
CELERY_BEAT_SCHEDULE["purge-camera-history"] = {"task": "cameras.tasks.purge_camera_history", "schedule": 3600.0}
# Rolls of lessons that ended ROLL_CLOSE_AFTER_MINUTES ago are closed (attendance app), then absences checked.
CELERY_BEAT_SCHEDULE["close-due-rolls"] = {"task": "attendance.tasks.close_due_rolls", "schedule": 60.0}
# Absence e-mails whose send failed are tried again once due (attendance app; `close_rolls` does it without beat).
CELERY_BEAT_SCHEDULE["send-due-notice-emails"] = {"task": "attendance.tasks.send_due_notice_emails", "schedule": 60.0}
# Personal data past its retention period (below) goes, once an hour (school app; the same as `purge_expired`).
# Unknown faces wait to be grouped for review (recognition app); each new face schedules it, this is the safety net.
CELERY_BEAT_SCHEDULE["cluster-unknown-faces"] = {"task": "recognition.tasks.cluster_new_faces", "schedule": 300.0}
CELERY_BEAT_SCHEDULE["purge-expired-data"] = {"task": "school.tasks.purge_expired", "schedule": 3600.0}

# --- Retention of personal data (README "Privacy" has the table) ------------------------------------------------
# Days after which each kind of data is removed by `purge_expired` and its beat task. The rows that attendance law
# needs stay (a sighting without its crop); images and face data go.
EVIDENCE_RETENTION_DAYS = env_int("EVIDENCE_RETENTION_DAYS", 90, minimum=1)  # sightings' face crops
ALERT_SNAPSHOT_RETENTION_DAYS = env_int("ALERT_SNAPSHOT_RETENTION_DAYS", 30, minimum=1)
UNKNOWN_FACE_RETENTION_DAYS = env_int("UNKNOWN_FACE_RETENTION_DAYS", 30, minimum=1)  # unmatched faces' data
BIOMETRIC_RETENTION_DAYS = env_int("BIOMETRIC_RETENTION_DAYS", 30, minimum=0)  # after a student leaves

# --- Auth -------------------------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes: LOGIN_FAILURE_LIMIT failed logins of one username from one address lock that pair (not the address:
# a classroom shares one) out for LOGIN_LOCKOUT_MINUTES, the right password included; the login form and the
# admin's answer 429 with registration/locked_out.html. Its backend goes first: it refuses before any password
# check, so it needs the request (client.login() in tests passes one: `request=HttpRequest()`).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
# Its records (username, address, browser of each failed login; each login and logout) are personal data too:
# purge_expired removes them after LOGIN_RECORD_RETENTION_DAYS, which must outlast a lockout (a purge never ends one).
LOGIN_RECORD_RETENTION_DAYS = env_int("LOGIN_RECORD_RETENTION_DAYS", 30, minimum=1)
if LOGIN_RECORD_RETENTION_DAYS * 24 * 60 <= LOGIN_LOCKOUT_MINUTES:
    raise ImproperlyConfiguredEnv(
        f"LOGIN_RECORD_RETENTION_DAYS={LOGIN_RECORD_RETENTION_DAYS} is not longer than a lockout"
        f" (LOGIN_LOCKOUT_MINUTES={LOGIN_LOCKOUT_MINUTES})"
    )
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True  # a good login forgets that pair's earlier typos
AXES_LOCKOUT_CALLABLE = "school.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "attendance:classes"
LOGOUT_REDIRECT_URL = "login"

# --- Language and time ------------------------------------------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "pt-br")
LANGUAGES = [("pt-br", _("Brazilian Portuguese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "America/Sao_Paulo")
USE_I18N = True
USE_TZ = True

# --- Files ------------------------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"  # never served publicly: face photos are personal data, served by authenticated views
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("UPLOAD_MAX_BYTES", 25 * 1024 * 1024, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
# Files in one upload request (gallery photos): Django refuses more with a 400 before any is read.
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("UPLOAD_MAX_FILES", 200, minimum=1)

# --- API --------------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "school.openapi.AutoSchema",  # documents every refusal (school/openapi.py)
    "EXCEPTION_HANDLER": "school.api.api_exception_handler",
    # Scoped throttles (school.throttling.ScopedClientThrottle), counted per device, else per user, in the cache
    # (Redis with REDIS_URL, shared by every process; else the process's memory, which is the only one). A
    # throttled request gets 429 {"code": "throttled", ...} with Retry-After.
    "DEFAULT_THROTTLE_RATES": {
        # Recognition requests (/api/recognize): a device or a person, two a second.
        "recognize": env_rate("THROTTLE_RECOGNIZE", "120/minute"),
        # Device sightings (/api/attendance): a device posting every second uses a tenth of it.
        "sightings": env_rate("THROTTLE_SIGHTINGS", "600/minute"),
        # Uploads (face photos, gallery photos, bulk enrollment): each request may carry many files.
        "uploads": env_rate("THROTTLE_UPLOADS", "120/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Chamada API",
    "DESCRIPTION": "School attendance by face recognition.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge from the online validator: it would send the schema's address out, and the CSP refuses its image.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    # Several models have a `status`; name each choice set instead of letting the generator number them.
    "ENUM_NAME_OVERRIDES": {
        "PresenceStatusEnum": "attendance.models.PresenceStatus",
        "FacePhotoStatusEnum": "recognition.models.FacePhoto.Status",
    },
}

# --- Recognition ------------------------------------------------------------------------------------------------
MATCH_TOLERANCE = env_float("MATCH_TOLERANCE", 0.5, minimum=0.0, maximum=1.0)
MATCH_MARGIN = env_float("MATCH_MARGIN", 0.05, minimum=0.0, maximum=1.0)
# Learning from corrections (issue 15). Two enrolled students closer than MATCH_TOLERANCE + LOOKALIKE_MARGIN are a
# look-alike pair: listed for secretaries, and the matcher asks LOOKALIKE_EXTRA_MARGIN more between them.
LOOKALIKE_MARGIN = env_float("LOOKALIKE_MARGIN", 0.1, minimum=0.0, maximum=1.0)
LOOKALIKE_EXTRA_MARGIN = env_float("LOOKALIKE_EXTRA_MARGIN", 0.05, minimum=0.0, maximum=1.0)
# Unknown faces closer than this to a group's centroid join it (the review queue's clustering).
REVIEW_CLUSTER_DISTANCE = env_float("REVIEW_CLUSTER_DISTANCE", 0.45, minimum=0.05, maximum=1.0)
# Children's faces change: a student whose newest usable photo is older than this is listed, and a confident camera
# recognition (distance at most FRESH_PHOTO_MAX_DISTANCE, margin at least FRESH_PHOTO_MIN_MARGIN) is proposed.
ENROLLMENT_MAX_AGE_DAYS = env_int("ENROLLMENT_MAX_AGE_DAYS", 365, minimum=1)
FRESH_PHOTO_MAX_DISTANCE = env_float("FRESH_PHOTO_MAX_DISTANCE", 0.4, minimum=0.0, maximum=1.0)
FRESH_PHOTO_MIN_MARGIN = env_float("FRESH_PHOTO_MIN_MARGIN", 0.15, minimum=0.0, maximum=1.0)
# RetinaFace (onnxruntime; faces from ~20 px, a few ms a photo) or dlib's HOG / CNN, for photos and for cameras.
FACE_DETECTORS = ("retinaface", "hog", "cnn")
FACE_DETECTOR = env_choice("FACE_DETECTOR", "retinaface", FACE_DETECTORS)
CAMERA_FACE_DETECTOR = env_choice("CAMERA_FACE_DETECTOR", "retinaface", FACE_DETECTORS)
FACE_DETECTION_MAX_SIDE = env_int("FACE_DETECTION_MAX_SIDE", 1280, minimum=160)
MAX_IMAGE_PIXELS = env_int("MAX_IMAGE_PIXELS", 40_000_000, minimum=10_000)
ENROLL_MIN_FACE_PX = env_int("ENROLL_MIN_FACE_PX", 70, minimum=20)
ENROLL_MIN_SHARPNESS = env_float("ENROLL_MIN_SHARPNESS", 35.0, minimum=0.0)
# Galleries: how long a photo's detection results are reused (seconds), and tries before a photo's job is dead.
FACE_CACHE_TTL = env_int("FACE_CACHE_TTL", 30 * 24 * 3600, minimum=0)
GALLERY_MAX_ATTEMPTS = env_int("GALLERY_MAX_ATTEMPTS", 4, minimum=1)

# --- Cameras and attendance -------------------------------------------------------------------------------------
FRAME_SAMPLER_FPS = env_float("FRAME_SAMPLER_FPS", 2.0, minimum=0.1, maximum=30.0)
DEDUP_MIN_SECONDS = env_int("DEDUP_MIN_SECONDS", 60, minimum=0)
# dlib's face network on onnxruntime (~13x faster, the same encodings), or dlib's own; onnxruntime threads per
# process for it and for RetinaFace (1: cameras and gallery jobs are parallel across processes).
FACE_ENCODER = env_choice("FACE_ENCODER", "fast", ("fast", "dlib"))
FACE_ENGINE_THREADS = env_int("FACE_ENGINE_THREADS", 1, minimum=1)
MIN_FACES = env_int("MIN_FACES", 2, minimum=1)
# Cameras detect on a copy at most CAMERA_DETECT_MAX_SIDE wide, where RetinaFace finds faces from ~20 px. With
# CAMERA_FACE_DETECTOR=hog: HOG finds faces of ~80 px in the image it scans; upsample 1 (default) also finds ~40 px
# faces (a wide classroom view) at about 4x the detection time; 0 suits cameras where faces are large.
CAMERA_DETECT_MAX_SIDE = env_int("CAMERA_DETECT_MAX_SIDE", 640, minimum=160)
CAMERA_DETECTION_UPSAMPLE = env_int("CAMERA_DETECTION_UPSAMPLE", 1, minimum=0)
# HOG only: upsampling is ~3/4 of its cost, so the whole frame gets it once per CAMERA_DEEP_SCAN_S seconds (0:
# every analysed frame); in between, small faces already found are followed around their last place.
CAMERA_DEEP_SCAN_S = env_float("CAMERA_DEEP_SCAN_S", 1.5, minimum=0.0)
# Embedded mode (no Redis): camera processors and monitors run inside the web process unless switched off.
EMBEDDED_CAMERAS = env_bool("CHAMADA_EMBEDDED_CAMERAS", True)
EMBEDDED_MONITORS = env_bool("CHAMADA_EMBEDDED_MONITORS", True)
# The apps' WebSocket routes (each module's websocket_urlpatterns), served by school/asgi.py.
WEBSOCKET_ROUTES = ["attendance.routing", "recognition.routing", "cameras.routing", "monitoring.routing"]
# Each wraps the ASGI application with its service where that is wanted (school/asgi.py).
EMBEDDED_ASGI_WRAPPERS = [
    "cameras.services.supervisor.embed_cameras",
    "monitoring.monitors.embedded.embed_monitors",
]

# --- Class diary (attendance app; README, "The class diary") -----------------------------------------------------
# A lesson's roll closes this long after it ends: the students with no presence are then recorded absent.
ROLL_CLOSE_AFTER_MINUTES = env_int("ROLL_CLOSE_AFTER_MINUTES", 15, minimum=0)
# Teachers may change a closed roll for this many days after the lesson; secretaries at any time.
ROLL_EDIT_DAYS = env_int("ROLL_EDIT_DAYS", 7, minimum=0)
# LDB art. 24, VI: a frequency under 75% of the lessons held puts the school year at risk.
MIN_ATTENDANCE_PERCENT = env_float("MIN_ATTENDANCE_PERCENT", 75.0, minimum=0.0, maximum=100.0)
# Absent this many school days in a row: a consecutive_absence alert and e-mails, once per streak.
ABSENCE_ALERT_DAYS = env_int("ABSENCE_ALERT_DAYS", 3, minimum=1)
# Absence e-mails (guardians, teachers): unset prints them on the console; smtp://user:pass@host:25,
# smtps://...:465 (SSL) or submission://...:587 (STARTTLS) sends them.
_email = env_email_url("EMAIL_URL")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10  # seconds: a silent mail server must not hold the absence check
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Chamada <chamada@localhost>")
# An absence e-mail that fails is tried again after NOTICE_EMAIL_RETRY_BASE_S, doubling up to ..._MAX_S (10 % jitter),
# and given up after NOTICE_EMAIL_MAX_ATTEMPTS attempts (about 2 h of a mail server down): shown to secretaries.
NOTICE_EMAIL_MAX_ATTEMPTS = env_int("NOTICE_EMAIL_MAX_ATTEMPTS", 8, minimum=1)
NOTICE_EMAIL_RETRY_BASE_S = env_float("NOTICE_EMAIL_RETRY_BASE_S", 60.0, minimum=1.0)
NOTICE_EMAIL_RETRY_MAX_S = env_float("NOTICE_EMAIL_RETRY_MAX_S", 3600.0, minimum=1.0)

# --- Alerts and monitoring (monitoring app; README, "Alerts and monitoring") -------------------------------------
ALERT_TYPES_ON = env_list("ALERT_TYPES_ON", [])  # kinds that are off by default, switched on (student_recognised)
ALERT_TYPES_OFF = env_list("ALERT_TYPES_OFF", [])
ALERT_MAX_ATTEMPTS = env_int("ALERT_MAX_ATTEMPTS", 12, minimum=1)
ALERT_RETRY_BASE_S = env_float("ALERT_RETRY_BASE_S", 1.0, minimum=0.01)
ALERT_RETRY_MAX_S = env_float("ALERT_RETRY_MAX_S", 300.0, minimum=0.01)
ALERT_HANDLER_TIMEOUT_S = env_float("ALERT_HANDLER_TIMEOUT_S", 5.0, minimum=0.1)
# A camera is offline only after this long without frames: a Wi-Fi blink raises nothing.
CAMERA_OFFLINE_AFTER_S = env_float("CAMERA_OFFLINE_AFTER_S", 30.0, minimum=1.0)
MONITOR_INTERVAL_S = env_float("MONITOR_INTERVAL_S", 10.0, minimum=0.1)
HOST_CPU_MAX_PERCENT = env_float("HOST_CPU_MAX_PERCENT", 90.0, minimum=1.0, maximum=100.0)
HOST_MEMORY_MAX_PERCENT = env_float("HOST_MEMORY_MAX_PERCENT", 90.0, minimum=1.0, maximum=100.0)
HOST_LOAD_MAX_PER_CPU = env_float("HOST_LOAD_MAX_PER_CPU", 2.0, minimum=0.1)
DISK_MIN_FREE_PERCENT = env_float("DISK_MIN_FREE_PERCENT", 10.0, minimum=0.0, maximum=100.0)
# Hysteresis: host_overload / disk_low after this many samples over the threshold, resolved after as many under.
HOST_ALERT_SAMPLES = env_int("HOST_ALERT_SAMPLES", 3, minimum=1)
MQTT_URL = env_str("MQTT_URL")  # mqtt://user:pass@host:1883 (mqtts:// for TLS)
MQTT_TOPIC_PREFIX = env_str("MQTT_TOPIC_PREFIX", "chamada").strip("/") or "chamada"
MQTT_HA_DISCOVERY = env_bool("MQTT_HA_DISCOVERY", False)
MQTT_HA_DISCOVERY_PREFIX = env_str("MQTT_HA_DISCOVERY_PREFIX", "homeassistant").strip("/") or "homeassistant"
AMQP_URL = env_str("AMQP_URL")  # amqp://guest:guest@host:5672//
AMQP_EXCHANGE = env_str("AMQP_EXCHANGE", "chamada.alerts")
FRIGATE_URL = env_str("FRIGATE_URL").rstrip("/")  # http://frigate:5000
FRIGATE_MQTT_INGEST = env_bool("FRIGATE_MQTT_INGEST", False)
FRIGATE_MQTT_URL = env_str("FRIGATE_MQTT_URL") or MQTT_URL  # the broker Frigate publishes to
FRIGATE_TOPIC_PREFIX = env_str("FRIGATE_TOPIC_PREFIX", "frigate").strip("/") or "frigate"
FRIGATE_MIN_SCORE = env_float("FRIGATE_MIN_SCORE", 0.8, minimum=0.0, maximum=1.0)
# The kiosk (README, "The kiosk"): a browser's webcam at the door, over /ws/frames/<code>/.
KIOSK_LIVENESS = env_choice("KIOSK_LIVENESS", "blink", ("blink", "off"))
KIOSK_FRAME_INTERVAL_S = env_float("KIOSK_FRAME_INTERVAL_S", 1.0, minimum=0.05)
KIOSK_BLINK_INTERVAL_S = env_float("KIOSK_BLINK_INTERVAL_S", 0.15, minimum=0.05)
MIN_FRAME_INTERVAL = env_float("MIN_FRAME_INTERVAL", 0.1, minimum=0.0)
KIOSK_MAX_FRAME_BYTES = env_int("KIOSK_MAX_FRAME_BYTES", 2_000_000, minimum=10_000)
SLOW_FRAME_S = env_float("SLOW_FRAME_S", 1.0, minimum=0.01)
KIOSK_WORKERS = env_int("KIOSK_WORKERS", 2, minimum=1)
KIOSK_CACHE_SIZE = env_int("KIOSK_CACHE_SIZE", 256, minimum=1)
KIOSK_CACHE_TTL_S = env_float("KIOSK_CACHE_TTL_S", 60.0, minimum=0.0)
KIOSK_MIN_FACE_PX = env_int("KIOSK_MIN_FACE_PX", 80, minimum=20)
# The monitor page (README, "The monitor page"): frame updates per camera per second, and how long history stays.
MONITOR_MAX_RATE = env_float("MONITOR_MAX_RATE", 2.0, minimum=0.1, maximum=30.0)
MONITOR_HISTORY_DAYS = env_int("MONITOR_HISTORY_DAYS", 30, minimum=1)
# /health answers within this long, whatever hangs behind it.
HEALTH_TIMEOUT_S = env_float("HEALTH_TIMEOUT_S", 0.8, minimum=0.05, maximum=10.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-axes: its failed logins and lockouts (warnings) show; its chatter at each start and login does not.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
