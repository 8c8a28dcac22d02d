"""axe-core on every foundation page, for each kind of visitor, and on every error state.

Each page must have: no serious or critical axe violation, exactly one h1, a <title>
naming the council, lang="en-GB", one <main id="main-content">, and a skip link that
moves focus to it (and is the first Tab stop on a freshly loaded page).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import environ
import pytest
from django.conf import settings
from django.core import mail
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser import support
from tests.browser.axe import assert_no_serious_violations
from tests.browser.pages import (
    ANONYMOUS_PAGES,
    CODE_ONLY_RESIDENT_PAGES,
    ERROR_PAGES,
    RESIDENT_PAGES,
    STAFF_PAGES,
)
from tests.conftest import TEST_PASSWORD
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.core import config
from townhall.myaccount import services as myaccount_services
from townhall.places.models import Ward

MakeContext = Callable[..., BrowserContext]


def assert_page_furniture(page: Page) -> None:
    council = settings.TOWNHALL_BRANDING.council_name
    assert page.locator("html").get_attribute("lang") == "en-GB"
    assert council in page.title(), f"title {page.title()!r} does not name {council!r}"
    headings = page.locator("h1").all_inner_texts()
    assert len(headings) == 1, f"{page.url} has {len(headings)} h1 elements: {headings}"
    expect(page.locator("main#main-content")).to_have_count(1)
    assert_skip_link_works(page)


def assert_skip_link_works(page: Page) -> None:
    """On a freshly loaded page the skip link is the first Tab stop. Where focus has already
    moved (to an error summary) or the URL has a fragment, focus it directly instead. Either
    way it must show focus, and Enter must move focus to <main>."""
    if support.focused(page) is None and "#" not in page.url:
        page.keyboard.press("Tab")
    else:
        page.locator(".govuk-skip-link").focus()
    stop = support.focused(page)
    assert stop is not None
    assert stop["tag"] == "a", f"the first Tab stop is {stop}"
    assert "skip to main content" in stop["text"].lower(), f"the first Tab stop is {stop}"
    assert support.focus_is_visible(stop), f"the skip link shows no focus indicator: {stop}"
    box = page.locator(".govuk-skip-link").bounding_box()
    assert box is not None, "the focused skip link is not drawn"
    assert min(box["width"], box["height"]) > 20, f"the focused skip link is still visually hidden: {box}"
    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()
    # Following the link added #main-content to the URL. A form without an action attribute
    # posts back to that URL, and on the answer the fragment takes focus from the error
    # summary; drop it so the next step of a journey starts as a fresh visit would.
    page.evaluate("history.replaceState(null, '', location.pathname + location.search)")


def assert_reflows_at_320_css_pixels(page: Page) -> None:
    """WCAG 2.2 SC 1.4.10: at 320 CSS pixels wide no content reaches past the viewport.

    Wide data tables may scroll inside their own region (.townhall-table-scroll), which the
    criterion allows; a map's panes move inside its container, which clips them. Elements
    are measured rather than the root's scrollWidth, which Chromium does not always shrink
    after a viewport resize.
    """
    original = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 640})
    try:
        too_wide = page.evaluate(
            """() => [...document.body.querySelectorAll('*')]
                .filter(el => !el.closest(
                    '.townhall-table-scroll, .govuk-skip-link, .govuk-visually-hidden, .leaflet-map-pane'))
                .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                .slice(0, 5)
                .map(el => el.outerHTML.slice(0, 120))"""
        )
    finally:
        if original is not None:
            page.set_viewport_size(original)
            # A map redraws an animation frame after a resize: let it catch up before the test
            # goes on to measure or click. Only where a map was drawn, so scripts are running
            # (with JavaScript off no callback would ever fire), and bounded for background pages.
            if page.locator(".leaflet-container").count():
                page.evaluate(
                    """() => new Promise(done => {
                        requestAnimationFrame(() => requestAnimationFrame(done));
                        setTimeout(done, 500);
                    })"""
                )
    assert not too_wide, f"{page.url} does not reflow at 320px; too wide: {too_wide}"


def check_page(page: Page) -> None:
    assert_no_serious_violations(page)
    assert_page_furniture(page)
    assert_reflows_at_320_css_pixels(page)


# Every page reachable by a GET, for each audience -------------------------------------------


@pytest.mark.parametrize(("path", "status"), ANONYMOUS_PAGES)
def test_anonymous_page(signed_in_context: MakeContext, path: str, status: int) -> None:
    page = support.open_page(signed_in_context(None), path, status)
    assert page.url.endswith(path), f"{path} sent the visitor to {page.url}"
    check_page(page)


@pytest.mark.parametrize(("path", "status"), RESIDENT_PAGES)
def test_resident_page(signed_in_context: MakeContext, resident: User, path: str, status: int) -> None:
    page = support.open_page(signed_in_context(resident, reauthenticated=True), path, status)
    assert page.url.endswith(path), f"{path} sent the resident to {page.url}"
    check_page(page)


@pytest.mark.parametrize(("path", "status"), STAFF_PAGES)
def test_staff_page(
    signed_in_context: MakeContext, staff_with_mfa: User, resident: User, audit_entry: None, path: str, status: int
) -> None:
    path = path.format(resident=resident.pk)
    page = support.open_page(signed_in_context(staff_with_mfa, mfa=True, reauthenticated=True), path, status)
    assert page.url.endswith(path), f"{path} sent the member of staff to {page.url}"
    check_page(page)


@pytest.mark.parametrize(("path", "status"), CODE_ONLY_RESIDENT_PAGES)
def test_code_only_resident_page(
    signed_in_context: MakeContext, code_only_resident: User, path: str, status: int
) -> None:
    page = support.open_page(signed_in_context(code_only_resident), path, status)
    assert page.url.endswith(path), f"{path} sent the resident to {page.url}"
    check_page(page)


@pytest.mark.usefixtures("failing_urls")
@pytest.mark.parametrize(("path", "status"), ERROR_PAGES)
def test_error_page(signed_in_context: MakeContext, path: str, status: int) -> None:
    page = support.open_page(signed_in_context(None), path, status)
    check_page(page)


# Sign-in, registration and their error states ------------------------------------------------


@pytest.mark.parametrize(
    ("email", "password"),
    [pytest.param("", "", id="empty"), pytest.param("resident@example.org", "not-the-password", id="wrong-password")],
)
def test_sign_in_errors(page: Page, resident: User, email: str, password: str) -> None:
    page.goto("/auth/login/")
    support.sign_in(page, email, password)
    support.assert_error_summary(page, inline=not password)
    assert resident.email not in page.locator(".govuk-error-summary").inner_text()
    check_page(page)


def test_register_with_mismatched_passwords(page: Page) -> None:
    page.goto("/auth/signup/")
    support.field(page, "email").fill("new.person@example.org")
    support.field(page, "password1").fill(TEST_PASSWORD)
    support.field(page, "password2").fill(TEST_PASSWORD + "-typo")
    support.submit(page)
    support.assert_error_summary(page)
    check_page(page)


def test_register_then_confirm_email_by_code(page: Page) -> None:
    page.goto("/auth/signup/")
    support.field(page, "email").fill("new.person@example.org")
    support.field(page, "password1").fill(TEST_PASSWORD)
    support.field(page, "password2").fill(TEST_PASSWORD)
    support.submit(page)
    page.wait_for_url("**/auth/confirm-email/")
    check_page(page)

    code = support.emailed_code("new.person@example.org")
    support.field(page, "code").fill(code)
    support.submit(page)
    page.wait_for_url(lambda url: "/auth/confirm-email/" not in url)
    support.assert_signed_in(page)


def test_sign_in_with_emailed_code(page: Page, resident: User) -> None:
    page.goto("/auth/login/code/")
    support.field(page, "email").fill(resident.email)
    support.submit(page)
    page.wait_for_url("**/auth/login/code/confirm/")
    check_page(page)

    support.field(page, "code").fill("WRONG-CODE")
    support.submit(page)
    support.assert_error_summary(page)
    check_page(page)

    support.field(page, "code").fill(support.emailed_code(resident.email))
    support.submit(page)
    expect(page).to_have_url(re.compile(r"^http://[^/]+/$"))
    support.assert_signed_in(page)


def test_password_reset_from_emailed_link(page: Page, resident: User) -> None:
    page.goto("/auth/password/reset/")
    support.field(page, "email").fill(resident.email)
    support.submit(page)
    page.wait_for_url("**/auth/password/reset/done/")

    messages = [message for message in mail.outbox if resident.email in message.to]
    assert messages, "no password reset email was sent"
    link = re.search(r"https?://\S+/auth/password/reset/key/\S+", str(messages[-1].body))
    assert link, f"no reset link in the email:\n{messages[-1].body}"
    page.goto(re.sub(r"^https?://[^/]+", "", link.group(0)))
    page.wait_for_url("**/auth/password/reset/key/*-set-password/")
    check_page(page)

    support.field(page, "password1").fill("a-brand-new-passphrase-7")
    support.field(page, "password2").fill("something-else-entirely-8")
    support.submit(page)
    support.assert_error_summary(page)
    check_page(page)


def test_staff_authenticator_code_step(page: Page, staff_with_mfa: User) -> None:
    page.goto("/auth/login/")
    support.sign_in(page, staff_with_mfa.email, TEST_PASSWORD)
    page.wait_for_url("**/auth/2fa/authenticate/")
    check_page(page)

    support.field(page, "code").fill("000000" if support.totp_now() != "000000" else "111111")
    support.submit(page)
    support.assert_error_summary(page)
    check_page(page)


def test_sign_in_with_an_oidc_provider_configured(page: Page, settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """With single sign-on configured, the sign-in page offers it, and its confirmation page is clean too."""
    provider = {
        "provider_id": "council-sso",
        "name": "Council single sign-on",
        "client_id": "townhall",
        "secret": "not-a-real-secret",
        "server_url": "http://127.0.0.1:9/",  # never contacted: the test stops before leaving Townhall
    }
    monkeypatch.setenv("OIDC_PROVIDERS", json.dumps([provider]))
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": config.read_oidc_providers(environ.Env())}}

    page.goto("/auth/login/")
    check_page(page)
    support.click_and_wait(page, page.locator("main").get_by_text("Council single sign-on"))
    assert "/auth/oidc/council-sso/login/" in page.url, page.url
    check_page(page)


def test_too_many_sign_in_attempts_page(page: Page, settings: Any, resident: User) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "2/m/ip"}
    page.goto("/auth/login/")
    for _ in range(2):  # within the limit: the form answers "wrong password"
        support.sign_in(page, resident.email, "not-the-password")
        support.assert_error_summary(page, inline=False)
    with page.expect_response(lambda r: r.request.method == "POST") as refused:
        support.sign_in(page, resident.email, "not-the-password")
    assert refused.value.status == 429
    check_page(page)


def test_form_without_csrf_cookie_page(page: Page, resident: User) -> None:
    page.goto("/auth/login/")
    page.context.clear_cookies()
    with page.expect_response(lambda r: r.request.method == "POST") as refused:
        support.sign_in(page, resident.email, TEST_PASSWORD)
    assert refused.value.status == 403
    check_page(page)


# Staff pages part-way through a task --------------------------------------------------------


@pytest.fixture
def staff_page(signed_in_context: MakeContext, staff_with_mfa: User) -> Page:
    return signed_in_context(staff_with_mfa, mfa=True).new_page()


def test_find_a_resident_reason_form_errors_then_details(staff_page: Page, resident: User) -> None:
    page = staff_page
    page.goto(f"/staff/residents/{resident.pk}/")
    support.click_and_wait(page, support.main_button(page, "Show personal details"))
    support.assert_error_summary(page)
    check_page(page)
    assert resident.email not in page.content()

    page.get_by_role("radio", name="Other").check()
    support.click_and_wait(page, support.main_button(page, "Show personal details"))
    support.assert_error_summary(page)
    check_page(page)

    page.get_by_role("radio", name="Case work").check()
    support.click_and_wait(page, support.main_button(page, "Show personal details"))
    expect(page.locator("main")).to_contain_text(resident.email)
    check_page(page)


def test_find_a_resident_search_from_the_form(staff_page: Page, resident: User) -> None:
    page = staff_page
    page.goto("/staff/residents/")
    support.click_and_wait(page, support.main_button(page, "Search"))
    support.assert_error_summary(page)
    check_page(page)

    support.field(page, "q").fill("Rita")
    support.click_and_wait(page, support.main_button(page, "Search"))
    expect(page.locator("main").get_by_role("link", name="Rita Resident")).to_be_visible()
    check_page(page)


def test_audit_log_after_verifying_the_chain(staff_page: Page, audit_entry: None) -> None:
    page = staff_page
    page.goto("/staff/audit/")
    support.click_and_wait(page, support.main_button(page, "Verify the chain"))
    expect(page.locator(".govuk-notification-banner")).to_be_visible()
    check_page(page)


# Account deletion ---------------------------------------------------------------------------


def test_account_deletion_errors_then_done(signed_in_context: MakeContext, resident: User) -> None:
    page = signed_in_context(resident).new_page()
    page.goto("/account/delete/")
    support.field(page, "password").fill("not-the-password")
    support.click_and_wait(page, support.main_button(page, "Delete my account"))
    support.assert_error_summary(page)
    check_page(page)

    support.field(page, "password").fill(TEST_PASSWORD)
    support.field(page, "confirm").check()
    support.click_and_wait(page, support.main_button(page, "Delete my account"))
    expect(page).to_have_url(re.compile(r"/account/delete/done/(#.*)?$"))
    check_page(page)


def test_information_governance_and_volunteer_pages(
    signed_in_context: MakeContext, resident: User, other_resident: User
) -> None:
    """Staff pages only other roles can open: erasure review (IG) and digital champions (advisers)."""
    ward = Ward.objects.create(
        name="Northfield",
        slug="northfield",
        code="E05099901",
        boundary_geojson="{}",
        area_sq_m=1.0,
        min_lng=-1.3,
        min_lat=54.5,
        max_lng=-1.2,
        max_lat=54.6,
    )
    myaccount_services.digital_champion_sign_up(
        acting_user=other_resident, user=other_resident, ward=ward, availability="Saturday mornings"
    )
    erasure = myaccount_services.erasure_request_create(acting_user=resident, user=resident)
    officer = account_services.staff_create(
        email="ig.adviser@council.example",
        password=TEST_PASSWORD,
        roles=[StaffRole.INFORMATION_GOVERNANCE_OFFICER, StaffRole.CUSTOMER_SERVICE_ADVISER],
    )
    support.enrol_totp(officer)
    context = signed_in_context(officer, mfa=True)
    for path in ("/staff/erasure/", f"/staff/erasure/{erasure.pk}/", "/staff/volunteers/"):
        page = support.open_page(context, path, 200)
        check_page(page)
