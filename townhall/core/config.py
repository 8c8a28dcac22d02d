"""Read and validate Townhall's environment configuration.

Every setting a council's IT team may change is read here, once, with a clear error
when a value is wrong, so a misconfigured server refuses to start instead of
misbehaving later. Settings modules call these helpers; nothing else reads os.environ.
"""

from __future__ import annotations

import contextlib
import decimal
import json
import os
import re
import secrets
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import environ
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import ImproperlyConfigured

NATIONS: dict[str, str] = {
    # Council nation -> `holidays` UK subdivision. England and Wales share a legal
    # system; the England calendar is used for both, as statutory deadlines do.
    "england-and-wales": "ENG",
    "scotland": "SCT",
    "northern-ireland": "NIR",
}


@dataclass(frozen=True)
class Branding:
    council_name: str
    council_short_name: str
    logo_static_path: str
    website_url: str
    contact_email: str
    source_url: str  # AGPL-3.0 section 13: where users of this install can get its source


class _LiteralEnviron(Mapping[str, str]):
    """os.environ with every "$" escaped, for LiteralEnv below."""

    def __getitem__(self, key: str) -> str:
        return os.environ[key].replace("$", "\\$")

    def __iter__(self) -> Iterator[str]:
        return iter(os.environ)

    def __len__(self) -> int:
        return len(os.environ)


class LiteralEnv(environ.Env):
    """django-environ, reading every value literally.

    Plain django-environ treats a value that starts with "$" as the name of another
    variable to read instead, so SECRET_KEY="$k2..." (Django's own key generator
    can produce one) silently became an empty key, and a database password "$ecret"
    the value of a variable called "ecret". Escaping "$" on the way in and letting
    escape_proxy undo it keeps every value exactly as the administrator wrote it.
    """

    ENVIRON = _LiteralEnviron()

    def __init__(self, **scheme: object) -> None:
        super().__init__(**scheme)
        self.escape_proxy = True


def env_reader() -> environ.Env:
    return LiteralEnv()


def read_nation(env: environ.Env) -> str:
    nation = env.str("TOWNHALL_NATION", default="england-and-wales").strip().lower()
    if nation not in NATIONS:
        allowed = ", ".join(sorted(NATIONS))
        raise ImproperlyConfigured(f"TOWNHALL_NATION must be one of {allowed}; got {nation!r}.")
    return nation


def holiday_subdivision(nation: str) -> str:
    return NATIONS[nation]


UNIT_COST_CHANNELS = ("web", "phone", "face_to_face", "email", "kiosk", "open311", "api")


def read_unit_costs(env: environ.Env) -> dict[str, str]:
    """TOWNHALL_UNIT_COSTS, e.g. "email=3.10,kiosk=0.50": cost in pounds of one transaction per channel.

    Only the channels named change; Insight's documented defaults (SOCITM's figures) fill the rest.
    """
    text = env.str("TOWNHALL_UNIT_COSTS", default="").strip()
    costs: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        channel, _, amount = item.partition("=")
        channel, amount = channel.strip().lower(), amount.strip()
        if channel not in UNIT_COST_CHANNELS:
            raise ImproperlyConfigured(
                f"TOWNHALL_UNIT_COSTS names an unknown channel {channel!r}; use {', '.join(UNIT_COST_CHANNELS)}."
            )
        try:
            value = decimal.Decimal(amount)
        except decimal.InvalidOperation:
            value = decimal.Decimal(-1)
        if not value.is_finite() or value < 0:
            raise ImproperlyConfigured(
                f"TOWNHALL_UNIT_COSTS: {channel} must cost a number of pounds, like 2.83; got {amount!r}."
            )
        costs[channel] = amount
    return costs


def read_branding(env: environ.Env) -> Branding:
    name = env.str("TOWNHALL_COUNCIL_NAME", default="Demo Borough Council").strip()
    if not name:
        raise ImproperlyConfigured("TOWNHALL_COUNCIL_NAME must not be empty.")
    short = env.str("TOWNHALL_COUNCIL_SHORT_NAME", default="").strip() or name
    return Branding(
        council_name=name,
        council_short_name=short,
        logo_static_path=env.str("TOWNHALL_LOGO", default="townhall/logo.svg"),
        website_url=env.str("TOWNHALL_COUNCIL_WEBSITE", default=""),
        contact_email=env.str("TOWNHALL_CONTACT_EMAIL", default="digital@demo-borough.example"),
        source_url=env.str("TOWNHALL_SOURCE_URL", default=""),
    )


def read_port(env: environ.Env) -> int:
    raw = env.str("TOWNHALL_PORT", default="8000")
    try:
        port = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"TOWNHALL_PORT must be a number; got {raw!r}.") from exc
    if not 1 <= port <= 65535:
        raise ImproperlyConfigured(f"TOWNHALL_PORT must be between 1 and 65535; got {port}.")
    return port


CACHE_BACKENDS = {
    "django.core.cache.backends.db.DatabaseCache": "dbcache://table_name",
    "django.core.cache.backends.redis.RedisCache": "redis://host:6379/0",
    "django.core.cache.backends.locmem.LocMemCache": "locmemcache://",
}


def read_cache(env: environ.Env) -> dict[str, object]:
    """The shared cache holds sign-in rate limits, so it must be one every process sees."""
    url = env.str("CACHE_URL", default="dbcache://townhall_cache")
    try:
        cache: dict[str, object] = env.cache_url_config(url)
    except Exception as exc:  # django-environ raises several types for bad URLs
        raise ImproperlyConfigured(f"CACHE_URL is not a valid cache URL: {exc}") from exc
    if cache.get("BACKEND") not in CACHE_BACKENDS:
        raise ImproperlyConfigured(f"CACHE_URL must be one of {', '.join(CACHE_BACKENDS.values())}; got {url!r}.")
    return cache


def read_database(env: environ.Env, var_dir: Path) -> dict[str, object]:
    default = f"sqlite:///{var_dir / 'townhall.sqlite3'}"
    url = env.str("DATABASE_URL", default=default)
    try:
        config: dict[str, object] = env.db_url_config(url)
    except Exception as exc:  # django-environ raises several types for bad URLs
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
    engine = str(config.get("ENGINE", ""))
    if engine not in {"django.db.backends.sqlite3", "django.db.backends.postgresql"}:
        raise ImproperlyConfigured(
            "DATABASE_URL must be a sqlite:/// or postgres:// URL; "
            f"Townhall supports SQLite and PostgreSQL, not {engine or url!r}."
        )
    if engine == "django.db.backends.sqlite3":
        # WAL lets the web server and the task worker share the file without
        # "database is locked" errors; IMMEDIATE takes the write lock up front.
        # Options given in the URL's query string (?timeout=5) win over these defaults.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            **dict(config.get("OPTIONS") or {}),  # type: ignore[call-overload]
        }
    else:
        config.setdefault("CONN_MAX_AGE", 60)
        config["CONN_HEALTH_CHECKS"] = True
    return config


def read_email(env: environ.Env, *, default_url: str | None) -> dict[str, object]:
    """Return Django email settings from EMAIL_URL (smtp://, smtp+tls://, smtps://).

    Without EMAIL_URL, `default_url` applies; None means the caller keeps its own backend.
    """
    url = env.str("EMAIL_URL", default="") or default_url
    if not url:
        return {}
    try:
        parsed: dict[str, object] = env.email_url_config(url)
    except Exception as exc:
        raise ImproperlyConfigured(f"EMAIL_URL is not a valid email URL: {exc}") from exc
    parsed.pop("EMAIL_FILE_PATH", None)
    # django-environ leaves out what the URL does not say; Django wants strings and a port
    # (without one, smtplib would try port 25 even for TLS submission).
    for key in ("EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD"):
        if parsed.get(key) is None:
            parsed[key] = ""
    if parsed.get("EMAIL_PORT") is None and parsed.get("EMAIL_HOST"):
        parsed["EMAIL_PORT"] = 465 if parsed.get("EMAIL_USE_SSL") else 587 if parsed.get("EMAIL_USE_TLS") else 25
    return parsed


def local_secret_key(var_dir: Path) -> str:
    """Return the development secret key, generating it into var/ on first run."""
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        # Written privately (mkstemp makes the file 0600) and linked into place in one
        # step: no moment when the key is world-readable or half-written, and when the
        # web server and the task worker start together, the first link wins and both
        # read the same key.
        descriptor, temporary = tempfile.mkstemp(dir=var_dir, prefix=".secret_key.")
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    key = path.read_text().strip()
    if not key:
        raise ImproperlyConfigured(f"{path} is empty: delete it and a new development key will be generated.")
    return key


def required_secret_key(env: environ.Env) -> str:
    key = env.str("SECRET_KEY", default="")
    # The same test as Django's `check --deploy` (security.W009), so a key accepted here passes it.
    if len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-"):
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in production to a random value of at least 50 characters "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    return key


def required_hosts(env: environ.Env) -> list[str]:
    hosts = [h.strip() for h in env.list("ALLOWED_HOSTS", default=[]) if h.strip()]
    if not hosts:
        raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names Townhall is served on.")
    return hosts


OIDC_REQUIRED_KEYS = ("provider_id", "name", "client_id", "secret", "server_url")
# GOV.UK One Login identity: "govuk_identity": true asks for a medium-confidence identity (vtr "Cl.Cm.P2")
# and its coreIdentityJWT, checked against identity_public_key (PEM, One Login's EC P-256 identity
# signing key) and identity_issuer (e.g. "https://identity.account.gov.uk/").
GOVUK_IDENTITY_KEYS = ("govuk_identity", "identity_issuer", "identity_public_key")
OIDC_OPTIONAL_KEYS = ("scope", "token_auth_method", "pkce", "for_staff", *GOVUK_IDENTITY_KEYS)
_PROVIDER_ID = re.compile(r"^[A-Za-z0-9_-]+$")


def read_oidc_providers(env: environ.Env) -> list[dict[str, object]]:
    """OpenID Connect sign-in providers (GOV.UK One Login, Microsoft Entra ID, ...).

    OIDC_PROVIDERS is a JSON list; each item needs provider_id, name, client_id,
    secret and server_url (the issuer; discovery is read from
    <server_url>/.well-known/openid-configuration). Optional: scope (list),
    token_auth_method, pkce (bool), for_staff (bool: staff may use it to sign in;
    passed on in the app's settings for the accounts app to read), and for GOV.UK
    One Login identity govuk_identity (bool) with identity_issuer and
    identity_public_key (PEM, EC P-256), checked here so a wrong key fails at start-up.
    Mistakes (a misspelt key, "pkce": "false", a scope string) are refused here,
    because allauth would silently ignore or misread them.
    """
    raw = env.str("OIDC_PROVIDERS", default="").strip()
    if not raw:
        return []
    try:
        items = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ImproperlyConfigured(f"OIDC_PROVIDERS is not valid JSON: {exc}") from exc
    if not isinstance(items, list):
        raise ImproperlyConfigured("OIDC_PROVIDERS must be a JSON list of provider objects.")
    apps: list[dict[str, object]] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        where = f"OIDC_PROVIDERS[{index}]"
        if not isinstance(item, dict):
            raise ImproperlyConfigured(f"{where} must be an object.")
        _check_oidc_item(where, item)
        if item["provider_id"] in seen:
            raise ImproperlyConfigured(f"{where}: provider_id {item['provider_id']!r} is used twice.")
        seen.add(item["provider_id"])
        settings: dict[str, object] = {"server_url": item["server_url"], "fetch_userinfo": True}
        for optional in ("scope", "token_auth_method"):
            if optional in item:
                settings[optional] = item[optional]
        settings["oauth_pkce_enabled"] = item.get("pkce", True)
        settings["for_staff"] = item.get("for_staff", False)
        if item.get("govuk_identity"):
            settings["govuk_identity"] = {
                "issuer": item["identity_issuer"],
                "public_key": item["identity_public_key"],
            }
        apps.append(
            {
                "provider_id": item["provider_id"],
                "name": item["name"],
                "client_id": item["client_id"],
                "secret": item["secret"],
                "settings": settings,
            }
        )
    return apps


def _check_oidc_item(where: str, item: dict[str, object]) -> None:
    unknown = sorted(set(item) - set(OIDC_REQUIRED_KEYS) - set(OIDC_OPTIONAL_KEYS))
    if unknown:
        allowed = ", ".join((*OIDC_REQUIRED_KEYS, *OIDC_OPTIONAL_KEYS))
        raise ImproperlyConfigured(f"{where} has unknown key(s) {', '.join(unknown)}; the keys are {allowed}.")
    missing = [key for key in OIDC_REQUIRED_KEYS if not item.get(key)]
    if missing:
        raise ImproperlyConfigured(f"{where} is missing {', '.join(missing)}.")
    text_keys = (*OIDC_REQUIRED_KEYS, "token_auth_method")
    not_text = [key for key in text_keys if key in item and not isinstance(item[key], str)]
    if not_text:
        raise ImproperlyConfigured(f"{where}: {', '.join(not_text)} must be text.")
    if not _PROVIDER_ID.match(str(item["provider_id"])):
        raise ImproperlyConfigured(
            f"{where}: provider_id {item['provider_id']!r} may use only letters, digits, - and _ (it appears in URLs)."
        )
    if not str(item["server_url"]).startswith(("https://", "http://")):
        raise ImproperlyConfigured(f"{where}: server_url must be the issuer's https:// address.")
    scope = item.get("scope", [])
    if not isinstance(scope, list) or not all(isinstance(part, str) for part in scope):
        raise ImproperlyConfigured(f'{where}: scope must be a list of strings, such as ["openid", "email"].')
    for flag in ("pkce", "for_staff", "govuk_identity"):
        if flag in item and not isinstance(item[flag], bool):
            raise ImproperlyConfigured(f"{where}: {flag} must be true or false (JSON booleans, not text).")
    _check_govuk_identity(where, item)


def _check_govuk_identity(where: str, item: dict[str, object]) -> None:
    """One Login identity needs the issuer and the public key its identity JWTs are checked against."""
    if not item.get("govuk_identity"):
        stray = [key for key in ("identity_issuer", "identity_public_key") if key in item]
        if stray:
            raise ImproperlyConfigured(f'{where}: {", ".join(stray)} only apply with "govuk_identity": true.')
        return
    issuer = item.get("identity_issuer")
    if not isinstance(issuer, str) or not issuer.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            f"{where}: identity_issuer must be One Login's identity issuer, such as https://identity.account.gov.uk/."
        )
    pem = item.get("identity_public_key")
    if not isinstance(pem, str) or not pem.strip():
        raise ImproperlyConfigured(f"{where}: identity_public_key must be One Login's identity signing key (PEM).")
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except ValueError as exc:
        raise ImproperlyConfigured(f"{where}: identity_public_key is not a PEM public key: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise ImproperlyConfigured(
            f"{where}: identity_public_key must be an EC P-256 key (One Login signs with ES256)."
        )


NOTIFY_INT_SETTINGS = (
    "NOTIFY_MAX_ATTEMPTS",
    "NOTIFY_RETRY_BASE_SECONDS",
    "NOTIFY_RETRY_CAP_SECONDS",
    "NOTIFY_LEASE_SECONDS",
    "NOTIFY_BATCH_SIZE",
    "NOTIFY_SEND_TIMEOUT_SECONDS",
    "NOTIFY_RETENTION_DAYS",
)
NOTIFY_TEXT_SETTINGS = (
    "NOTIFY_EMAIL_BACKEND",
    "NOTIFY_API_KEY",
    "NOTIFY_API_URL",
    "NOTIFY_EMAIL_TEMPLATE_ID",
    "NOTIFY_SMS_TEMPLATE_ID",
    "NOTIFY_LETTER_TEMPLATE_ID",
)


def read_notify(env: environ.Env) -> dict[str, object]:
    """The outbox's settings that are set in the environment; the rest keep notify's defaults.

    Only the type is checked here; notify's system check (notify.E001) judges the values.
    """
    found: dict[str, object] = {}
    for name in NOTIFY_INT_SETTINGS:
        raw = env.str(name, default="").strip()
        if raw:
            try:
                found[name] = int(raw)
            except ValueError as exc:
                raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from exc
    for name in NOTIFY_TEXT_SETTINGS:
        raw = env.str(name, default="").strip()
        if raw:
            found[name] = raw
    return found


_TILE_PLACEHOLDERS = ("{z}", "{x}", "{y}")

OPENDATA_BYTE_SETTINGS = (
    "TOWNHALL_OPENDATA_UPLOAD_MAX_BYTES",  # checked while the steward waits (opendata default 50 MB)
    "OPENDATA_BACKGROUND_VALIDATION_BYTES",  # larger files are checked in the background (default 5 MB)
    "OPENDATA_BACKGROUND_UPLOAD_MAX_BYTES",  # the largest file the background path takes (default 500 MB)
)


def read_opendata_upload_sizes(env: environ.Env) -> dict[str, int]:
    """The open data upload sizes set in the environment, in bytes; the rest keep opendata's defaults.

    Each must be a positive whole number, and the background threshold below the background limit.
    """
    found: dict[str, int] = {}
    for name in OPENDATA_BYTE_SETTINGS:
        raw = env.str(name, default="").strip()
        if not raw:
            continue
        try:
            value = int(raw)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name} must be a whole number of bytes; got {raw!r}.") from exc
        if value <= 0:
            raise ImproperlyConfigured(f"{name} must be more than 0 bytes; got {value}.")
        found[name] = value
    threshold = found.get("OPENDATA_BACKGROUND_VALIDATION_BYTES", 5 * 1024 * 1024)
    limit = found.get("OPENDATA_BACKGROUND_UPLOAD_MAX_BYTES", 500 * 1024 * 1024)
    if threshold >= limit:
        raise ImproperlyConfigured(
            f"OPENDATA_BACKGROUND_VALIDATION_BYTES ({threshold}) must be below "
            f"OPENDATA_BACKGROUND_UPLOAD_MAX_BYTES ({limit})."
        )
    return found


def read_map_tiles(env: environ.Env) -> tuple[str, str]:
    """The map tile server (Leaflet URL template) and its attribution, or ("", "") for no tiles.

    Empty by default: maps then draw ward outlines on a plain background and the browser
    contacts no other server. A tile server nearly always requires its attribution to be
    shown, so a URL without one is refused.
    """
    url = env.str("TOWNHALL_MAP_TILE_URL", default="").strip()
    attribution = env.str("TOWNHALL_MAP_TILE_ATTRIBUTION", default="").strip()
    if not url:
        return "", ""
    if not url.startswith("https://"):
        raise ImproperlyConfigured(f"TOWNHALL_MAP_TILE_URL must be an https:// address; got {url!r}.")
    missing = [part for part in _TILE_PLACEHOLDERS if part not in url]
    if missing:
        raise ImproperlyConfigured(
            f"TOWNHALL_MAP_TILE_URL must contain {', '.join(_TILE_PLACEHOLDERS)} (a tile URL template); "
            f"{', '.join(missing)} missing in {url!r}."
        )
    if not attribution:
        raise ImproperlyConfigured("TOWNHALL_MAP_TILE_ATTRIBUTION must say whose map tiles these are.")
    return url, attribution
