"""Development default used by `make run`: SQLite under var/, mail printed and kept in var/mail/."""

from townhall.core import config
from townhall.settings.base import *  # noqa: F403
from townhall.settings.base import STORAGES, VAR_DIR, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="") or config.local_secret_key(VAR_DIR)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
# WebAuthn over plain http on this machine (the live server and `make run`); never in production.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True

# No collectstatic needed while developing: whitenoise serves straight from the app folders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

EMAIL_BACKEND = "townhall.core.mail.DevelopmentEmailBackend"
globals().update(config.read_email(env, default_url=None))
