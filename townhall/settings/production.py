"""Production: every secret from the environment, HTTPS only, passes `check --deploy`.

Assumes a reverse proxy (nginx, Apache, a load balancer) terminates TLS and sets
X-Forwarded-Proto; see README "Deploying with PostgreSQL".
"""

from townhall.core import config
from townhall.settings.base import *  # noqa: F403
from townhall.settings.base import env

DEBUG = False
# The demo borough publishes its passwords and TOTP secrets: never in a production database,
# unless a staging site sets TOWNHALL_DEMO_ALLOWED=true on purpose.
TOWNHALL_DEMO_ALLOWED = env.bool("TOWNHALL_DEMO_ALLOWED", default=False)
SECRET_KEY = config.required_secret_key(env)
# Old keys still accepted for signatures and for decrypting stored TOTP secrets during a rotation.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = config.required_hosts(env)
# ".council.example" in ALLOWED_HOSTS means the domain and its subdomains: "https://*.council.example".
CSRF_TRUSTED_ORIGINS = env.list(
    "CSRF_TRUSTED_ORIGINS",
    default=[f"https://*{h}" if h.startswith(".") else f"https://{h}" for h in ALLOWED_HOSTS],
)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Load balancers probe over plain http inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_TIMEOUT = 10
globals().update(config.read_email(env, default_url="smtp://localhost:25"))
