"""Settings shared by every mode. Environment variables are read through townhall.core.config."""

from __future__ import annotations

from pathlib import Path

from townhall.core import config

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = config.env_reader()
VAR_DIR = Path(env.str("TOWNHALL_VAR_DIR", default=str(BASE_DIR / "var")))
TOWNHALL_MAIL_DIR = VAR_DIR / "mail"  # where the development mail backend keeps messages

TOWNHALL_NATION = config.read_nation(env)
TOWNHALL_HOLIDAY_SUBDIVISION = config.holiday_subdivision(TOWNHALL_NATION)
TOWNHALL_UNIT_COSTS = config.read_unit_costs(env)
TOWNHALL_BRANDING = config.read_branding(env)
TOWNHALL_PORT = config.read_port(env)
# Prefix of public request references ("DB-2026-000123"); empty means the council's initials.
TOWNHALL_REFERENCE_PREFIX = env.str("TOWNHALL_REFERENCE_PREFIX", default="")
# Public address of the site, for links in emails sent by background work ("https://report.council.example").
TOWNHALL_SITE_URL = env.str("TOWNHALL_SITE_URL", default="")
# Map tiles (Leaflet URL template + attribution); empty: ward outlines on a plain background, no tile server.
TOWNHALL_MAP_TILE_URL, TOWNHALL_MAP_TILE_ATTRIBUTION = config.read_map_tiles(env)

DEBUG = False
TOWNHALL_DEMO_ALLOWED = True  # production.py turns this off
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Townhall's web and accounts apps come before allauth so their templates override allauth's.
    "townhall.core",
    "townhall.web",
    "townhall.accounts",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "crispy_forms",
    "crispy_forms_gds",
    "django_tasks",
    "django_tasks_db",
    "townhall.audit",
    "townhall.notify",
    "townhall.places",
    "townhall.service_requests",
    "townhall.open311",
    "townhall.api",
    "townhall.myaccount",
    "townhall.people",
    "townhall.insight",
    "townhall.opendata",
    "townhall.catalogue",
    "townhall.waste",
    "townhall.engagement",
    "townhall.notices",
    # django-ninja's own Swagger UI files and template, so /api/v1/docs loads nothing from a CDN.
    "ninja",
    "townhall.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "townhall.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "townhall.accounts.middleware.StaffAreaMiddleware",
]

ROOT_URLCONF = "townhall.urls"
WSGI_APPLICATION = "townhall.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "townhall.web.context_processors.branding",
            ],
            "builtins": ["townhall.core.templatetags.govuk_time"],
        },
    }
]

DATABASES = {"default": config.read_database(env, VAR_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "townhall" / "web" / "assets"]
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Sessions: short-lived, server-side, HttpOnly; essential cookies only (no banner needed).
SESSION_COOKIE_AGE = 60 * 60 * 8
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "townhall.web.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# django-allauth: email is the identifier; verified before use; codes as an alternative to passwords.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
ACCOUNT_ADAPTER = "townhall.accounts.adapters.AccountAdapter"
# allauth's forms with GOV.UK error messages ("Enter your email address", not "This field is required.").
ACCOUNT_FORMS = {
    "login": "townhall.accounts.auth_forms.LoginForm",
    "signup": "townhall.accounts.auth_forms.SignupForm",
    "request_login_code": "townhall.accounts.auth_forms.RequestLoginCodeForm",
    "confirm_login_code": "townhall.accounts.auth_forms.ConfirmLoginCodeForm",
    "confirm_email_verification_code": "townhall.accounts.auth_forms.ConfirmEmailVerificationCodeForm",
    "confirm_reauthentication_code": "townhall.accounts.auth_forms.ConfirmReauthenticationCodeForm",
    "reset_password": "townhall.accounts.auth_forms.ResetPasswordForm",
    "reset_password_from_key": "townhall.accounts.auth_forms.ResetPasswordKeyForm",
    "change_password": "townhall.accounts.auth_forms.ChangePasswordForm",
    "set_password": "townhall.accounts.auth_forms.SetPasswordForm",
    "add_email": "townhall.accounts.auth_forms.AddEmailForm",
    "reauthenticate": "townhall.accounts.auth_forms.ReauthenticateForm",
}
ACCOUNT_RATE_LIMITS = {
    # allauth's own rate limiter (cache-backed): per IP and per key (email).
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/5m/key",
    "reset_password_from_key": "20/m/ip",
    "request_login_code": "20/m/ip,3/5m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
# allauth.usersessions records each sign-in (time, IP, browser) for "Where you are signed in"
# and "sign out everywhere else". Not "last seen": tracking that costs queries on every request.
USERSESSIONS_TRACK_ACTIVITY = False

# Passkeys (WebAuthn, ADR 0023): as a second step after a password, or on their own to sign in
# (a passkey that checks it is you, by fingerprint, face or PIN, is two factors in one).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
# Browsers allow WebAuthn only on https (or http://localhost); local.py and test.py relax allauth's origin check.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
MFA_TOTP_ISSUER = TOWNHALL_BRANDING.council_name
MFA_ADAPTER = "townhall.accounts.mfa_adapter.MFAAdapter"
MFA_FORMS = {
    "authenticate": "townhall.accounts.auth_forms.MFAAuthenticateForm",
    "reauthenticate": "townhall.accounts.auth_forms.MFAReauthenticateForm",
    "activate_totp": "townhall.accounts.auth_forms.ActivateTOTPForm",
}
SOCIALACCOUNT_ADAPTER = "townhall.accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": config.read_oidc_providers(env)}}

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Outbox delivery (townhall/notify/README.md): NOTIFY_* variables override notify's defaults.
globals().update(config.read_notify(env))
# Open data upload sizes (townhall/opendata/README.md, "Versions and validation"), in bytes.
globals().update(config.read_opendata_upload_sizes(env))

# Rate limits (allauth) live in the cache: the database cache works across processes with no
# extra service; set CACHE_URL=redis://... in production for speed.
CACHES = {"default": config.read_cache(env)}
# Open311 GETs without an API key, per IP address per minute (keys have their own limit).
OPEN311_ANONYMOUS_RATE_LIMIT_PER_MINUTE = env.int("OPEN311_ANONYMOUS_RATE_LIMIT_PER_MINUTE", default=300)

DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"{TOWNHALL_BRANDING.council_name} <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "townhall.core.middleware.RequestIdLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint (PDF letters) and fontTools log every layout step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
