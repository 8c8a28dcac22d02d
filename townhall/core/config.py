"""Read and validate Townhall's environment configuration.

Every setting a council's IT team may change is read here, once, with a clear error
when a value is wrong, so a misconfigured server refuses to start instead of
misbehaving later. Settings modules call these helpers; nothing else reads os.environ.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

import environ
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


def env_reader() -> environ.Env:
    return environ.Env()


def read_nation(env: environ.Env) -> str:
    nation = env.str("TOWNHALL_NATION", default="england-and-wales").strip().lower()
    if nation not in NATIONS:
        allowed = ", ".join(sorted(NATIONS))
        raise ImproperlyConfigured(f"TOWNHALL_NATION must be one of {allowed}; got {nation!r}.")
    return nation


def holiday_subdivision(nation: str) -> str:
    return NATIONS[nation]


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
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
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
    return parsed


def local_secret_key(var_dir: Path) -> str:
    """Return the development secret key, generating it into var/ on first run."""
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def required_secret_key(env: environ.Env) -> str:
    key = env.str("SECRET_KEY", default="")
    if len(key) < 50 or len(set(key)) < 5:
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


def read_oidc_providers(env: environ.Env) -> list[dict[str, object]]:
    """OpenID Connect sign-in providers (GOV.UK One Login, Microsoft Entra ID, ...).

    OIDC_PROVIDERS is a JSON list; each item needs provider_id, name, client_id,
    secret and server_url (the issuer; discovery is read from
    <server_url>/.well-known/openid-configuration). Optional: scope (list),
    token_auth_method, pkce (bool), for_staff (bool: staff may use it to sign in).
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
    required = ("provider_id", "name", "client_id", "secret", "server_url")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ImproperlyConfigured(f"OIDC_PROVIDERS[{index}] must be an object.")
        missing = [key for key in required if not item.get(key)]
        if missing:
            raise ImproperlyConfigured(f"OIDC_PROVIDERS[{index}] is missing {', '.join(missing)}.")
        settings: dict[str, object] = {"server_url": item["server_url"], "fetch_userinfo": True}
        for optional in ("scope", "token_auth_method"):
            if optional in item:
                settings[optional] = item[optional]
        settings["oauth_pkce_enabled"] = bool(item.get("pkce", True))
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
