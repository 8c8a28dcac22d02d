"""Browser tests: Playwright drives Debian Chromium against pytest-django's live server.

Playwright's own browser download does not work here, so the launch points at the system
Chromium. Without it the tests skip locally (with install instructions) and fail under CI.

Every browser context comes from the `new_context` fixture below, which records each request
the pages make and fails the test if one went anywhere but the live server, or if a page threw
an uncaught JavaScript error or a page asset failed to load.

To look at the pages: `pytest tests/browser --screenshot on --full-page-screenshot --output
/tmp/shots` saves the last page of each test; `AXE_REPORT=file` lists every axe finding.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from playwright.sync_api import BrowserContext, Request, Response

from tests.browser import support
from tests.ci import under_ci
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

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
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
# Long enough for a slow shared CI machine, short enough that a missing element fails fast.
ACTION_TIMEOUT_MS = 10_000
NAVIGATION_TIMEOUT_MS = 20_000
# Schemes that never touch the network.
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})


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
    if under_ci():
        pytest.fail(f"CI is set and the browser tests cannot run. {MISSING_CHROMIUM}", pytrace=False)
    pytest.skip(MISSING_CHROMIUM)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any], _require_chromium: None) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any], live_server: Any) -> dict[str, Any]:
    """Relative URLs (`page.goto("/help")`) go to the live server; a British browser."""
    return {**browser_context_args, "base_url": live_server.url, "locale": "en-GB", "timezone_id": "Europe/London"}


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
def _fresh_rate_limits() -> Iterator[None]:
    """The live server shares this process's cache: reset allauth's rate limits and used TOTP codes."""
    cache.clear()
    yield
    cache.clear()


@dataclass
class BrowserTraffic:
    """What the pages of one test asked for, and what went wrong in them."""

    server_origin: str
    requests: list[str] = field(default_factory=list)
    off_site: list[str] = field(default_factory=list)
    failed_assets: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def on_request(self, request: Request) -> None:
        self.requests.append(request.url)
        parts = urlsplit(request.url)
        if parts.scheme in LOCAL_SCHEMES:
            return
        if f"{parts.scheme}://{parts.netloc}" != self.server_origin:
            self.off_site.append(request.url)

    def on_response(self, response: Response) -> None:
        # A page itself may answer 4xx on purpose (404 page, 429 page); its assets never should.
        if response.status >= 400 and response.request.resource_type != "document":
            self.failed_assets.append(f"{response.status} {response.url}")

    def on_request_failed(self, request: Request) -> None:
        # Off-site requests fail by design (the resolver rules) and are reported as off_site;
        # ERR_ABORTED is a request the page itself dropped by navigating away.
        failure = request.failure or ""
        if request.resource_type == "document" or request.url in self.off_site or "ERR_ABORTED" in failure:
            return
        self.failed_assets.append(f"{failure} {request.url}")

    def problems(self) -> list[str]:
        return (
            [f"request left the live server: {url}" for url in self.off_site]
            + [f"page asset failed: {line}" for line in self.failed_assets]
            + [f"uncaught JavaScript error: {error}" for error in self.page_errors]
        )


@pytest.fixture
def browser_traffic(live_server: Any) -> BrowserTraffic:
    return BrowserTraffic(server_origin=live_server.url)


@pytest.fixture
def new_context(
    new_context: Callable[..., BrowserContext], browser_traffic: BrowserTraffic
) -> Iterator[Callable[..., BrowserContext]]:
    """pytest-playwright's context factory (so traces and screenshots still work), watched.

    Every context of the test records its requests; after the test, any request that left
    the live server, any page asset that failed and any uncaught page error fails it.
    """

    def make(**context_args: Any) -> BrowserContext:
        context = new_context(**context_args)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        context.on("request", browser_traffic.on_request)
        context.on("response", browser_traffic.on_response)
        context.on("requestfailed", browser_traffic.on_request_failed)
        context.on("weberror", lambda error: browser_traffic.page_errors.append(str(error.error)))
        return context

    yield make
    problems = browser_traffic.problems()
    assert not problems, "The browser saw problems during this test:\n" + "\n".join(problems)


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
def audit_entry(staff_with_mfa: User, resident: User) -> None:
    """One audited viewing of a resident, so the audit log shows a table of entries."""
    account_services.resident_personal_data_view(
        acting_user=staff_with_mfa, resident_id=resident.pk, reason="Resident contacted us"
    )


@pytest.fixture
def code_only_resident(db: None) -> User:
    """A resident with no password, who signs in with codes sent by email."""
    return account_services.user_create_resident(
        email="code.only@example.org", password=None, given_name="Cody", family_name="Code", email_verified=True
    )


@pytest.fixture
def failing_urls(settings: Any) -> None:
    """Serve tests/browser/error_urls.py: Townhall plus URLs that answer 403 and 500 on purpose."""
    settings.ROOT_URLCONF = "tests.browser.error_urls"


@pytest.fixture
def signed_in_context(new_context: Callable[..., BrowserContext], live_server: Any) -> Callable[..., BrowserContext]:
    """Make browser contexts signed in through the real sign-in views (with the TOTP step for staff).

    `user=None` gives an anonymous context; a user without a password signs in with an emailed
    code. `reauthenticated=True` also confirms the password again, as allauth asks before its
    MFA set-up pages. Extra keyword arguments go to the
    context (for example `java_script_enabled=False`).
    """

    def make(
        user: User | None, *, mfa: bool = False, reauthenticated: bool = False, **context_args: Any
    ) -> BrowserContext:
        context = new_context(**context_args)
        if user is not None and not user.has_usable_password():
            support.copy_session(support.signed_in_client_by_code(user), context, live_server.url)
        elif user is not None:
            client = support.signed_in_client(
                user,
                TEST_PASSWORD,
                totp_secret=support.TOTP_SECRET if mfa else None,
                reauthenticate=reauthenticated,
            )
            support.copy_session(client, context, live_server.url)
        return context

    return make
