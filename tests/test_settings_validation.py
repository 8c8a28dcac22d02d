"""Settings validation: a misconfigured server refuses to start, with a message that says what to fix.

The validators in townhall/core/config.py are called with a controlled environment
(monkeypatch); the production settings module is imported in a subprocess, since
settings import only once per process.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import environ
import holidays
import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.core.environment import REPO, townhall_env
from townhall.core import config

# CI and developers export their own DATABASE_URL and friends; each test here sets exactly what it reads.
pytestmark = pytest.mark.usefixtures("clean_environment")


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset every variable these validators read (monkeypatch restores them afterwards)."""
    for key in list(os.environ):
        if key.startswith("TOWNHALL_") or key in {
            "DATABASE_URL",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "EMAIL_URL",
            "OIDC_PROVIDERS",
        }:
            monkeypatch.delenv(key)


def env_with(monkeypatch: pytest.MonkeyPatch, **variables: str) -> environ.Env:
    for key, value in variables.items():
        monkeypatch.setenv(key, value)
    return config.env_reader()


def strong_secret_key() -> str:
    return secrets.token_urlsafe(50)


# --- nation and bank holidays ---------------------------------------------------------


@pytest.mark.parametrize("nation", sorted(config.NATIONS))
def test_each_nation_is_accepted_whatever_its_case_and_spacing(monkeypatch, nation: str) -> None:
    env = env_with(monkeypatch, TOWNHALL_NATION=f"  {nation.upper()} ")

    assert config.read_nation(env) == nation


def test_the_nation_defaults_to_england_and_wales(monkeypatch) -> None:
    assert config.read_nation(env_with(monkeypatch)) == "england-and-wales"


@pytest.mark.parametrize("value", ["wales", "england", "uk", ""])
def test_an_unknown_nation_is_refused_listing_the_valid_values(monkeypatch, value: str) -> None:
    env = env_with(monkeypatch, TOWNHALL_NATION=value)

    with pytest.raises(ImproperlyConfigured) as error:
        config.read_nation(env)

    message = str(error.value)
    assert "TOWNHALL_NATION" in message
    assert repr(value) in message
    for nation in config.NATIONS:
        assert nation in message


def test_every_nation_maps_to_a_uk_subdivision_of_the_holidays_package() -> None:
    subdivisions = holidays.country_holidays("GB").subdivisions

    assert {nation: config.holiday_subdivision(nation) for nation in config.NATIONS} == {
        "england-and-wales": "ENG",
        "scotland": "SCT",
        "northern-ireland": "NIR",
    }
    assert set(config.NATIONS.values()) <= set(subdivisions)


@pytest.mark.parametrize(
    ("nation", "day", "is_bank_holiday"),
    [
        ("england-and-wales", dt.date(2026, 4, 6), True),  # Easter Monday
        ("scotland", dt.date(2026, 4, 6), False),
        ("scotland", dt.date(2026, 11, 30), True),  # St Andrew's Day
        ("england-and-wales", dt.date(2026, 11, 30), False),
        ("scotland", dt.date(2026, 1, 2), True),
        ("northern-ireland", dt.date(2026, 3, 17), True),  # St Patrick's Day
        ("northern-ireland", dt.date(2026, 7, 13), True),  # Battle of the Boyne, substitute for Sunday 12th
        ("england-and-wales", dt.date(2026, 3, 17), False),
    ],
)
def test_the_subdivision_selects_the_nation_calendar(nation: str, day: dt.date, is_bank_holiday: bool) -> None:
    calendar = holidays.country_holidays("GB", subdiv=config.holiday_subdivision(nation), years=day.year)

    assert (day in calendar) is is_bank_holiday


# --- port -------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "port"), [("8000", 8000), ("1", 1), ("65535", 65535), (" 8080 ", 8080)])
def test_a_port_in_range_is_accepted(monkeypatch, value: str, port: int) -> None:
    assert config.read_port(env_with(monkeypatch, TOWNHALL_PORT=value)) == port


def test_the_port_defaults_to_8000(monkeypatch) -> None:
    assert config.read_port(env_with(monkeypatch)) == 8000


@pytest.mark.parametrize("value", ["0", "65536", "-1", "100000"])
def test_a_port_out_of_range_is_refused(monkeypatch, value: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"TOWNHALL_PORT must be between 1 and 65535"):
        config.read_port(env_with(monkeypatch, TOWNHALL_PORT=value))


@pytest.mark.parametrize("value", ["eighty", "", "80.5"])
def test_a_port_that_is_not_a_number_is_refused(monkeypatch, value: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"TOWNHALL_PORT must be a number"):
        config.read_port(env_with(monkeypatch, TOWNHALL_PORT=value))


# --- database ---------------------------------------------------------------------------


def test_the_database_defaults_to_sqlite_under_var_with_wal(monkeypatch, tmp_path: Path) -> None:
    database = config.read_database(env_with(monkeypatch), tmp_path)

    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(tmp_path / "townhall.sqlite3")
    options = database["OPTIONS"]
    assert isinstance(options, dict)
    assert "journal_mode=WAL" in options["init_command"]
    assert options["transaction_mode"] == "IMMEDIATE"


def test_sqlite_options_in_the_url_win_over_the_defaults(monkeypatch, tmp_path: Path) -> None:
    env = env_with(monkeypatch, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}?timeout=5")

    options = config.read_database(env, tmp_path)["OPTIONS"]

    assert isinstance(options, dict)
    assert options["timeout"] == 5
    assert options["transaction_mode"] == "IMMEDIATE"


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "pgsql"])
def test_postgresql_urls_are_accepted_with_health_checked_connections(monkeypatch, tmp_path, scheme: str) -> None:
    env = env_with(monkeypatch, DATABASE_URL=f"{scheme}://townhall:pw@db.internal:5432/townhall")

    database = config.read_database(env, tmp_path)

    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["NAME"], database["USER"]) == ("db.internal", "townhall", "townhall")
    assert database["CONN_HEALTH_CHECKS"] is True
    assert database["CONN_MAX_AGE"] == 60


@pytest.mark.filterwarnings("ignore:Engine not recognized from url")
@pytest.mark.parametrize(
    "url",
    [
        "mysql://townhall@db/townhall",
        "oracle://townhall@db/townhall",
        "postgis://townhall@db/townhall",  # GeoDjango is deliberately not used
        "redis://cache.internal:6379/0",
        "not-a-url",
    ],
)
def test_an_unsupported_database_url_is_refused(monkeypatch, tmp_path: Path, url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"DATABASE_URL must be a sqlite:/// or postgres:// URL"):
        config.read_database(env_with(monkeypatch, DATABASE_URL=url), tmp_path)


# --- email ------------------------------------------------------------------------------


def test_without_email_url_the_caller_keeps_its_backend(monkeypatch) -> None:
    assert config.read_email(env_with(monkeypatch), default_url=None) == {}


def test_smtp_with_starttls_and_credentials(monkeypatch) -> None:
    env = env_with(monkeypatch, EMAIL_URL="smtp+tls://mailer:s3cret@smtp.council.example:587")

    email = config.read_email(env, default_url=None)

    assert email["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (email["EMAIL_HOST"], email["EMAIL_PORT"], email["EMAIL_USE_TLS"]) == ("smtp.council.example", 587, True)
    assert (email["EMAIL_HOST_USER"], email["EMAIL_HOST_PASSWORD"]) == ("mailer", "s3cret")
    assert "EMAIL_FILE_PATH" not in email


@pytest.mark.parametrize(
    ("url", "port"),
    [("smtp://relay.internal", 25), ("smtp+tls://relay.internal", 587), ("smtp+ssl://relay.internal", 465)],
)
def test_an_email_url_without_a_port_gets_the_usual_one(monkeypatch, url: str, port: int) -> None:
    email = config.read_email(env_with(monkeypatch, EMAIL_URL=url), default_url=None)

    assert email["EMAIL_PORT"] == port
    assert (email["EMAIL_HOST_USER"], email["EMAIL_HOST_PASSWORD"]) == ("", "")


def test_an_unknown_email_scheme_is_refused(monkeypatch) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"EMAIL_URL is not a valid email URL"):
        config.read_email(env_with(monkeypatch, EMAIL_URL="pigeon://loft.example"), default_url=None)


# --- secret key, hosts, branding -------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("", id="empty"),
        pytest.param("too-short", id="too-short"),
        pytest.param("a" * 60, id="long-but-not-random"),
        # Django's startproject placeholder; a fixed value keeps test ids equal across xdist workers.
        pytest.param("django-insecure-" + "k3Q9x!vZ2@pL7#mN4$rT8%wY1^bC6&dF0*hJ5(sG-" * 2, id="django-insecure"),
    ],
)
def test_production_refuses_a_missing_or_weak_secret_key(monkeypatch, key: str) -> None:
    env = env_with(monkeypatch, SECRET_KEY=key) if key else env_with(monkeypatch)

    with pytest.raises(ImproperlyConfigured, match=r"SECRET_KEY must be set in production"):
        config.required_secret_key(env)


def test_production_accepts_a_strong_secret_key(monkeypatch) -> None:
    key = strong_secret_key()

    assert config.required_secret_key(env_with(monkeypatch, SECRET_KEY=key)) == key


def test_values_are_read_literally_even_when_they_start_with_a_dollar(monkeypatch) -> None:
    """Django's key generator uses "$"; django-environ alone reads "$..." as the name of another variable."""
    key = "$" + strong_secret_key() + r"\$x"

    env = env_with(monkeypatch, SECRET_KEY=key, TOWNHALL_COUNCIL_NAME="$HOME")

    assert config.required_secret_key(env) == key
    assert config.read_branding(env).council_name == "$HOME"
    assert environ.Env().str("SECRET_KEY", default="") != key  # why config has its own reader


def test_production_refuses_missing_allowed_hosts(monkeypatch) -> None:
    for value in (None, "", " , "):
        env = env_with(monkeypatch, ALLOWED_HOSTS=value) if value is not None else env_with(monkeypatch)
        with pytest.raises(ImproperlyConfigured, match=r"ALLOWED_HOSTS must list"):
            config.required_hosts(env)


def test_allowed_hosts_are_a_comma_separated_list(monkeypatch) -> None:
    env = env_with(monkeypatch, ALLOWED_HOSTS=" council.example , www.council.example ")

    assert config.required_hosts(env) == ["council.example", "www.council.example"]


def test_an_empty_council_name_is_refused(monkeypatch) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"TOWNHALL_COUNCIL_NAME must not be empty"):
        config.read_branding(env_with(monkeypatch, TOWNHALL_COUNCIL_NAME="   "))


def test_the_short_name_defaults_to_the_council_name(monkeypatch) -> None:
    branding = config.read_branding(env_with(monkeypatch, TOWNHALL_COUNCIL_NAME="Borsetshire County Council"))

    assert branding.council_short_name == "Borsetshire County Council"


def test_the_development_secret_key_is_generated_once_privately_and_shared(tmp_path: Path) -> None:
    """The web server and the task worker start together: all callers must read one key."""
    var_dir = tmp_path / "var"

    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(lambda _: config.local_secret_key(var_dir), range(16)))

    assert len(keys) == 1
    assert len(keys.pop()) >= 50
    assert stat.S_IMODE((var_dir / "secret_key").stat().st_mode) == 0o600
    assert [path.name for path in var_dir.iterdir()] == ["secret_key"]  # no temporary files left


def test_an_empty_development_secret_key_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("\n")

    with pytest.raises(ImproperlyConfigured, match=r"secret_key is empty"):
        config.local_secret_key(tmp_path)


# --- OIDC providers ---------------------------------------------------------------------

PROVIDER = {
    "provider_id": "onelogin",
    "name": "GOV.UK One Login",
    "client_id": "townhall",
    "secret": "client-secret",
    "server_url": "https://oidc.example",
}


def oidc(monkeypatch, value: object) -> list[dict[str, object]]:
    raw = value if isinstance(value, str) else json.dumps(value)
    return config.read_oidc_providers(env_with(monkeypatch, OIDC_PROVIDERS=raw))


def test_no_oidc_providers_by_default(monkeypatch) -> None:
    assert config.read_oidc_providers(env_with(monkeypatch)) == []


def test_a_valid_oidc_provider_becomes_an_allauth_app(monkeypatch) -> None:
    [app] = oidc(monkeypatch, [{**PROVIDER, "scope": ["openid", "email"], "token_auth_method": "client_secret_post"}])

    assert app == {
        "provider_id": "onelogin",
        "name": "GOV.UK One Login",
        "client_id": "townhall",
        "secret": "client-secret",
        "settings": {
            "server_url": "https://oidc.example",
            "fetch_userinfo": True,
            "scope": ["openid", "email"],
            "token_auth_method": "client_secret_post",
            "oauth_pkce_enabled": True,
            "for_staff": False,
        },
    }


@pytest.mark.parametrize("raw", ['[{"provider_id": "onelogin",', "{'single': 'quotes'}", "[1, 2,]"])
def test_malformed_oidc_json_is_refused_clearly(monkeypatch, raw: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"^OIDC_PROVIDERS is not valid JSON: .+ line 1 column \d+"):
        oidc(monkeypatch, raw)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (PROVIDER, r"OIDC_PROVIDERS must be a JSON list"),
        (["onelogin"], r"OIDC_PROVIDERS\[0\] must be an object"),
        ([{"provider_id": "onelogin", "name": "x"}], r"OIDC_PROVIDERS\[0\] is missing client_id, secret, server_url"),
        ([{**PROVIDER, "server-url": "x"}], r"OIDC_PROVIDERS\[0\] has unknown key\(s\) server-url; the keys are"),
        ([{**PROVIDER, "pkce": "false"}], r"pkce must be true or false"),
        ([{**PROVIDER, "scope": "openid email"}], r"scope must be a list of strings"),
        ([{**PROVIDER, "provider_id": "one/login"}], r"provider_id 'one/login' may use only"),
        ([{**PROVIDER, "server_url": "oidc.example"}], r"server_url must be the issuer's https:// address"),
        ([{**PROVIDER, "client_id": 42}], r"client_id must be text"),
        ([PROVIDER, {**PROVIDER, "name": "Again"}], r"OIDC_PROVIDERS\[1\]: provider_id 'onelogin' is used twice"),
    ],
)
def test_invalid_oidc_providers_are_refused_naming_the_problem(monkeypatch, value: object, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        oidc(monkeypatch, value)


# --- production settings, as a server would load them ----------------------------------


def run_python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def production_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    return townhall_env(tmp_path, settings="townhall.settings.production", **variables)


def test_production_settings_without_a_secret_key_refuse_to_load(tmp_path: Path) -> None:
    result = run_python(
        "-c", "import townhall.settings.production", env=production_env(tmp_path, ALLOWED_HOSTS="council.example")
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set in production" in result.stderr


def test_production_settings_without_allowed_hosts_refuse_to_load(tmp_path: Path) -> None:
    result = run_python(
        "-c", "import townhall.settings.production", env=production_env(tmp_path, SECRET_KEY=strong_secret_key())
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured: ALLOWED_HOSTS must list the host names" in result.stderr


def test_production_settings_pass_check_deploy_without_warnings(tmp_path: Path) -> None:
    env = production_env(tmp_path, SECRET_KEY=strong_secret_key(), ALLOWED_HOSTS="council.example")

    result = run_python("manage.py", "check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_trusts_https_origins_of_the_allowed_hosts_with_subdomain_wildcards(tmp_path: Path) -> None:
    env = production_env(tmp_path, SECRET_KEY=strong_secret_key(), ALLOWED_HOSTS="council.example,.services.example")

    result = run_python(
        "-c",
        "import townhall.settings.production as s; print(s.CSRF_TRUSTED_ORIGINS); print(s.SECURE_REDIRECT_EXEMPT)",
        env=env,
    )

    assert result.returncode == 0, result.stderr
    origins, exempt = result.stdout.splitlines()
    assert origins == "['https://council.example', 'https://*.services.example']"
    assert "healthz" in exempt
    assert "readyz" in exempt


def test_cache_url_defaults_to_the_database_cache(monkeypatch) -> None:
    assert config.read_cache(env_with(monkeypatch))["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"


def test_cache_url_accepts_redis(monkeypatch) -> None:
    cache = config.read_cache(env_with(monkeypatch, CACHE_URL="redis://127.0.0.1:6379/1"))

    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"


@pytest.mark.parametrize("url", ["memcache://127.0.0.1:11211", "filecache:///tmp/cache", "nonsense"])
def test_cache_url_refuses_unsupported_caches(monkeypatch, url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        config.read_cache(env_with(monkeypatch, CACHE_URL=url))


def test_notify_settings_come_from_the_environment_when_set(monkeypatch) -> None:
    env = env_with(monkeypatch, NOTIFY_MAX_ATTEMPTS="5", NOTIFY_EMAIL_BACKEND="govuk_notify")

    assert config.read_notify(env) == {"NOTIFY_MAX_ATTEMPTS": 5, "NOTIFY_EMAIL_BACKEND": "govuk_notify"}


def test_notify_settings_left_unset_keep_notifys_defaults(monkeypatch) -> None:
    for name in (*config.NOTIFY_INT_SETTINGS, *config.NOTIFY_TEXT_SETTINGS):
        monkeypatch.delenv(name, raising=False)

    assert config.read_notify(config.env_reader()) == {}


def test_notify_numbers_must_be_whole_numbers(monkeypatch) -> None:
    with pytest.raises(ImproperlyConfigured, match="NOTIFY_BATCH_SIZE must be a whole number"):
        config.read_notify(env_with(monkeypatch, NOTIFY_BATCH_SIZE="lots"))


# --- open data upload sizes ----------------------------------------------------------------


def test_open_data_upload_sizes_are_read_in_bytes(monkeypatch) -> None:
    env = env_with(
        monkeypatch, OPENDATA_BACKGROUND_VALIDATION_BYTES="1048576", OPENDATA_BACKGROUND_UPLOAD_MAX_BYTES="2000000"
    )

    assert config.read_opendata_upload_sizes(env) == {
        "OPENDATA_BACKGROUND_VALIDATION_BYTES": 1048576,
        "OPENDATA_BACKGROUND_UPLOAD_MAX_BYTES": 2000000,
    }


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TOWNHALL_OPENDATA_UPLOAD_MAX_BYTES", "50MB", "must be a whole number of bytes"),
        ("OPENDATA_BACKGROUND_UPLOAD_MAX_BYTES", "-1", "must be more than 0 bytes"),
        ("OPENDATA_BACKGROUND_VALIDATION_BYTES", str(600 * 1024 * 1024), "must be below"),
    ],
)
def test_open_data_upload_sizes_refuse_bad_values(monkeypatch, name: str, value: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        config.read_opendata_upload_sizes(env_with(monkeypatch, **{name: value}))


# --- unit costs per channel (Insight) -------------------------------------------------


def test_unit_costs_name_only_the_channels_they_change(monkeypatch) -> None:
    env = env_with(monkeypatch, TOWNHALL_UNIT_COSTS=" Email=3.10, kiosk = 0.5 ")

    assert config.read_unit_costs(env) == {"email": "3.10", "kiosk": "0.5"}


def test_unit_costs_default_to_none_changed(monkeypatch) -> None:
    monkeypatch.delenv("TOWNHALL_UNIT_COSTS", raising=False)

    assert config.read_unit_costs(env_with(monkeypatch)) == {}


@pytest.mark.parametrize(
    ("value", "named"), [("fax=1.00", "'fax'"), ("phone=lots", "'lots'"), ("phone=-1", "'-1'"), ("phone=NaN", "'NaN'")]
)
def test_bad_unit_costs_are_refused_naming_the_problem(monkeypatch, value: str, named: str) -> None:
    with pytest.raises(ImproperlyConfigured) as error:
        config.read_unit_costs(env_with(monkeypatch, TOWNHALL_UNIT_COSTS=value))

    assert "TOWNHALL_UNIT_COSTS" in str(error.value)
    assert named in str(error.value)
