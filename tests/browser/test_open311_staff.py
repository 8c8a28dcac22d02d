"""/staff/open311/ in a real browser: axe (nothing serious or critical), page furniture and reflow on every
page, the forms without JavaScript, error summaries, and creating and revoking a key with the keyboard alone."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser import support
from tests.browser.test_accessibility import check_page
from tests.browser.test_keyboard import press_enter_and_wait, skip_to_main_content
from tests.browser.test_no_javascript import assert_renders_without_javascript
from tests.service_requests import conftest as service_fixtures
from townhall.accounts.models import User
from townhall.notify import services as notify_services
from townhall.open311 import services as open311_services
from townhall.open311.models import ApiKey, api_key_digest
from townhall.service_requests.models import Category

MakeContext = Callable[..., BrowserContext]


@pytest.fixture
def key(db: None) -> ApiKey:
    api_key, _ = open311_services.api_key_create(acting_user=None, name="FixMyStreet", contact_email="fms@example.org")
    revoked, _ = open311_services.api_key_create(acting_user=None, name="Old client")
    open311_services.api_key_revoke(acting_user=None, api_key=revoked)
    return api_key


PAGES = [
    pytest.param("/staff/open311/", id="list"),
    pytest.param("/staff/open311/new/", id="create"),
    pytest.param("/staff/open311/{key}/", id="detail"),
    pytest.param("/staff/open311/revoke/{key}/", id="revoke"),
]


@pytest.mark.parametrize("path", PAGES)
def test_each_page_passes_axe_and_reflows(
    signed_in_context: MakeContext, staff_with_mfa: User, key: ApiKey, path: str
) -> None:
    path = path.format(key=key.pk)
    page = support.open_page(signed_in_context(staff_with_mfa, mfa=True), path)
    check_page(page)


@pytest.mark.parametrize("path", PAGES)
def test_each_page_without_javascript(
    signed_in_context: MakeContext, staff_with_mfa: User, key: ApiKey, path: str
) -> None:
    path = path.format(key=key.pk)
    page = support.open_page(signed_in_context(staff_with_mfa, mfa=True, java_script_enabled=False), path)
    assert_renders_without_javascript(page)


@pytest.mark.parametrize("javascript", [pytest.param(True, id="js-on"), pytest.param(False, id="js-off")])
def test_create_with_errors_then_the_key_is_shown_once(
    signed_in_context: MakeContext, staff_with_mfa: User, db: None, javascript: bool
) -> None:
    page = support.open_page(
        signed_in_context(staff_with_mfa, mfa=True, java_script_enabled=javascript), "/staff/open311/new/"
    )
    support.field(page, "rate_limit_per_minute").fill("0")
    support.click_and_wait(page, support.main_button(page, "Create key"))
    support.assert_error_summary(page, focused=javascript)
    if javascript:
        check_page(page)

    support.field(page, "name").fill("Contractor")
    support.field(page, "rate_limit_per_minute").fill("60")
    support.click_and_wait(page, support.main_button(page, "Create key"))

    expect(page.get_by_role("heading", name="API key created")).to_be_visible()
    raw_key = page.locator("#api-key").inner_text().strip()
    assert ApiKey.objects.get(name="Contractor").key_hash == api_key_digest(raw_key)
    if javascript:
        check_page(page)
    else:
        assert_renders_without_javascript(page)


def test_create_and_revoke_with_the_keyboard(signed_in_context: MakeContext, staff_with_mfa: User, db: None) -> None:
    page: Page = support.open_page(signed_in_context(staff_with_mfa, mfa=True), "/staff/open311/")
    skip_to_main_content(page)
    support.tab_to(page, lambda stop: stop["text"] == "Create an API key")
    press_enter_and_wait(page)

    support.tab_to(page, lambda stop: stop["name"] == "name")
    page.keyboard.type("Keyboard client")
    support.tab_to(page, lambda stop: stop["name"] == "rate_limit_per_minute")
    page.keyboard.press("Control+A")
    page.keyboard.type("30")
    support.tab_to(page, lambda stop: stop["text"] == "Create key")
    press_enter_and_wait(page)
    expect(page.get_by_role("heading", name="API key created")).to_be_visible()

    created = ApiKey.objects.get(name="Keyboard client")
    assert created.rate_limit_per_minute == 30
    page.goto(f"/staff/open311/{created.pk}/")
    support.tab_to(page, lambda stop: stop["text"] == "Revoke this key", max_presses=60)
    press_enter_and_wait(page)
    support.tab_to(page, lambda stop: stop["text"] == "Yes, revoke the key", max_presses=60)
    press_enter_and_wait(page)

    expect(page.get_by_role("heading", name="Open311 API keys")).to_be_visible()
    created.refresh_from_db()
    assert created.is_revoked


# The category's partner webhooks page (/staff/catalogue/webhooks/<category id>/) -------------------------

borough = service_fixtures.borough
teams = service_fixtures.teams
roads = service_fixtures.roads
pothole = service_fixtures.pothole


@pytest.mark.parametrize("javascript", [pytest.param(True, id="js-on"), pytest.param(False, id="js-off")])
def test_category_webhooks_page(
    signed_in_context: MakeContext, staff_with_mfa: User, pothole: Category, javascript: bool
) -> None:
    notify_services.webhook_endpoint_create(
        acting_user=None, slug="contractor", name="Highways contractor", url="http://127.0.0.1:9/hook"
    )
    path = f"/staff/catalogue/webhooks/{pothole.pk}/"
    page = support.open_page(signed_in_context(staff_with_mfa, mfa=True, java_script_enabled=javascript), path)
    support.click_and_wait(page, support.main_button(page, "Add partner system"))
    support.assert_error_summary(page, focused=javascript)

    page.locator("main select[name='endpoint_slug']").select_option("contractor")
    support.click_and_wait(page, support.main_button(page, "Add partner system"))

    expect(page.locator("main table")).to_contain_text("contractor")
    if javascript:
        check_page(page)
    else:
        assert_renders_without_javascript(page)
