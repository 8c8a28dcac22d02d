"""Test settings: fast hashing, in-memory mail, templates that fail loudly."""

from townhall.settings.base import *  # noqa: F403
from townhall.settings.base import STORAGES, TEMPLATES

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-use-anywhere-else-0123456789abcdef"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
# WebAuthn over plain http on this machine (the live server and `make run`); never in production.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = "INVALID_TEMPLATE_VARIABLE<%s>"  # type: ignore[index]

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # Tests never need a commit to survive a crash: skipping the WAL flush on every commit
    # (and on the flush between transactional tests) makes the PostgreSQL run much faster.
    _options: dict[str, object] = DATABASES["default"].setdefault("OPTIONS", {})  # type: ignore[assignment]  # noqa: F405
    _options["options"] = "-c synchronous_commit=off"
    # Between transactional tests, empty the tables with DELETE rather than TRUNCATE (tests/postgresql_backend).
    DATABASES["default"]["ENGINE"] = "tests.postgresql_backend"  # noqa: F405
