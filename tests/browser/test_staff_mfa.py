"""Staff without an authenticator app are sent to set one up when they open /staff/, and get in once they have.

Run with JavaScript on (with axe on each step) and off.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import pyotp
import pytest
from playwright.sync_api import BrowserContext, Page, Request, Response, expect

from tests.browser import support
from tests.browser.test_accessibility import check_page
from tests.conftest import TEST_PASSWORD
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User


def redirect_chain(response: Response) -> list[tuple[str, int]]:
    """(path, status) of every response that led to `response`, first to last."""
    chain = []
    request: Request | None = response.request
    while request is not None:
        answer = request.response()
        chain.append((urlsplit(request.url).path, answer.status if answer else 0))
        request = request.redirected_from
    return list(reversed(chain))


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def javascript(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def case_officer(staff_by_role: dict[StaffRole, User]) -> User:
    """A member of staff with no authenticator app yet (as `townhall createstaff` leaves them)."""
    return staff_by_role[StaffRole.CASE_OFFICER]


def test_staff_without_mfa_set_it_up_before_reaching_the_staff_area(
    new_context: Callable[..., BrowserContext], case_officer: User, javascript: bool
) -> None:
    page = new_context(java_script_enabled=javascript).new_page()

    def check(page: Page) -> None:
        expect(page.locator("h1")).to_have_count(1)
        if javascript:
            check_page(page)

    page.goto("/auth/login/?next=/staff/")
    with page.expect_navigation() as signing_in:
        support.field(page, "login").fill(case_officer.email)
        support.field(page, "password").fill(TEST_PASSWORD)
        support.main_button(page, "Sign in").click()
    response = signing_in.value
    assert response is not None
    chain = redirect_chain(response)
    assert ("/staff/", 302) in chain, f"sign-in did not go on to /staff/: {chain}"
    after_staff = chain[chain.index(("/staff/", 302)) + 1][0]
    assert after_staff == "/auth/2fa/totp/activate/", f"/staff/ sent staff without MFA to {after_staff}: {chain}"

    # allauth asks for the password again before anyone adds an authenticator.
    assert urlsplit(page.url).path == "/auth/reauthenticate/", page.url
    check(page)
    support.field(page, "password").fill(TEST_PASSWORD)
    support.submit(page)
    assert urlsplit(page.url).path == "/auth/2fa/totp/activate/", page.url
    check(page)

    # The staff area stays shut until an authenticator is set up.
    page.goto("/staff/")
    assert urlsplit(page.url).path == "/auth/2fa/totp/activate/", f"/staff/ let staff without MFA in: {page.url}"

    support.field(page, "code").fill("000000" if support.totp_now() != "000000" else "111111")
    support.submit(page)
    support.assert_error_summary(page, focused=javascript)
    check(page)

    # Without a phone camera to scan the QR code, open "I cannot scan the QR code" and copy the key.
    page.locator("main details summary").click()
    secret = "".join(page.locator("#authenticator-secret").inner_text().split())
    support.field(page, "code").fill(pyotp.TOTP(secret).now())
    support.submit(page)
    assert urlsplit(page.url).path == "/auth/2fa/recovery-codes/", page.url
    check(page)
    recovery_code = page.locator("#recovery-codes code").first.inner_text().strip()

    assert recovery_code

    # Setting up the app used a code from it, so this session counts as having used MFA.
    page.goto("/staff/")
    assert urlsplit(page.url).path == "/staff/", page.url
    expect(page.locator("h1")).to_have_text("Staff area")
    check(page)
