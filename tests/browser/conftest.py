"""Browser tests: Playwright drives Debian Chromium against pytest-django's live server.

Playwright's own browser download does not work here, so the launch points at the system
Chromium. Without it the tests skip locally (with install instructions) and fail under CI.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import Browser, BrowserContext

from tests.browser import support
from tests.conftest import TEST_PASSWORD
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User

# Playwright's sync API runs an event loop in the test thread; without this every ORM call
# made by a test that also drives the page raises SynchronousOnlyOperation.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Serve on 127.0.0.1 (not "localhost", which may resolve to ::1 first) so "no request leaves
# 127.0.0.1" is literally checkable.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--disable-quic",
    # Every host name except the live server fails at once: no test can lean on the internet.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
BROWSER_DIR = Path(__file__).parent
MISSING_CHROMIUM = (
    f"Chromium was not found at {CHROMIUM}. Install it with `make browser` "
    "(or `apt-get install chromium`), or set CHROMIUM_PATH to a Chromium executable."
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in tests/browser is a `browser` test, whether or not its module says so."""
    for item in items:
        if BROWSER_DIR in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _live_server(live_server: Any) -> None:
    """Every browser test runs against the live server (and so in a transactional database)."""


@pytest.fixture(scope="session", autouse=True)
def _require_chromium() -> None:
    if os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK):
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI is set and the browser tests cannot run. {MISSING_CHROMIUM}", pytrace=False)
    pytest.skip(MISSING_CHROMIUM)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any], _require_chromium: None) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session", autouse=True)
def delete_output_dir(pytestconfig: pytest.Config) -> None:
    """Clear test-results/ once per run, also under xdist.

    pytest-playwright clears it in every xdist worker's session start, which can delete
    what a faster worker has already saved there; here only the first worker clears it.
    """
    output = Path(pytestconfig.getoption("--output"))
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run_id:
        lock = Path(tempfile.gettempdir()) / f"townhall-browser-output-{run_id}"
        try:
            lock.touch(exist_ok=False)
        except FileExistsError:
            return
    shutil.rmtree(output, ignore_errors=True)


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: Any) -> None:
    # The manifest storage needs collectstatic first; the live server serves from the finders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """The live server shares this process's cache: reset allauth's rate limits and used TOTP codes."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_with_mfa(db: None) -> User:
    """An administrator (every staff page) with an authenticator app enrolled from support.TOTP_SECRET."""
    user = account_services.staff_create(
        email="admin.officer@council.example",
        password=TEST_PASSWORD,
        roles=[StaffRole.ADMINISTRATOR],
        given_name="Ada",
        family_name="Admin",
    )
    support.enrol_totp(user)
    return user


@pytest.fixture
def signed_in_context(browser: Browser, live_server: Any) -> Iterator[Callable[..., BrowserContext]]:
    """Make browser contexts signed in through the real sign-in views (with the TOTP step for staff)."""
    contexts: list[BrowserContext] = []

    def make(user: User | None, *, mfa: bool = False, **context_args: Any) -> BrowserContext:
        if user is None:
            context = browser.new_context(**context_args)
        else:
            client = support.signed_in_client(user, TEST_PASSWORD, totp_secret=support.TOTP_SECRET if mfa else None)
            context = support.context_with_session(browser, client, live_server.url, **context_args)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
