"""The service catalogue editor and the outbound messages page, for an administrator with MFA.

Each page passes axe (nothing serious or critical), has the page furniture and reflows at
320 CSS pixels, and renders and submits with JavaScript switched off.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.browser import support
from tests.browser.axe import assert_no_serious_violations
from tests.browser.test_accessibility import assert_page_furniture, assert_reflows_at_320_css_pixels, check_page
from tests.browser.test_no_javascript import assert_renders_without_javascript
from tests.service_requests import conftest as service_fixtures
from townhall.accounts.models import User
from townhall.service_requests.models import Category

MakeContext = Callable[..., BrowserContext]

# The borough (wards, streets, 12 Station Road in TS40 1AB), teams and pothole category of the
# service request tests, made fixtures of this module too.
borough = service_fixtures.borough
teams = service_fixtures.teams
roads = service_fixtures.roads
pothole = service_fixtures.pothole

CATALOGUE_PAGES = [
    pytest.param("/staff/catalogue/", id="catalogue"),
    pytest.param("/staff/catalogue/categories/{pothole}/", id="category-edit"),
    pytest.param("/staff/catalogue/categories/new/", id="category-create"),
    pytest.param("/staff/notify/", id="notify-messages"),
]

REFLOW_PAGES = [
    pytest.param("/staff/catalogue/", id="catalogue"),
    pytest.param("/staff/catalogue/categories/{pothole}/", id="category-edit"),
    pytest.param("/staff/catalogue/categories/new/", id="category-create"),
    pytest.param("/staff/notify/", id="notify-messages"),
]


def staff_page(signed_in_context: MakeContext, user: User, *, javascript: bool) -> Page:
    return signed_in_context(user, mfa=True, java_script_enabled=javascript).new_page()


@pytest.mark.parametrize("path", CATALOGUE_PAGES)
def test_staff_service_page_axe(
    signed_in_context: MakeContext, staff_with_mfa: User, pothole: Category, path: str
) -> None:
    path = path.format(pothole=pothole.pk)
    context = signed_in_context(staff_with_mfa, mfa=True, java_script_enabled=True)
    page = support.open_page(context, path)
    assert page.url.endswith(path), f"{path} sent the administrator to {page.url}"
    assert_no_serious_violations(page)
    assert_page_furniture(page)


@pytest.mark.parametrize("path", REFLOW_PAGES)
def test_staff_service_page_reflows_at_320px(
    signed_in_context: MakeContext, staff_with_mfa: User, pothole: Category, path: str
) -> None:
    page = staff_page(signed_in_context, staff_with_mfa, javascript=True)
    page.goto(path.format(pothole=pothole.pk))
    assert_reflows_at_320_css_pixels(page)


@pytest.mark.parametrize("path", CATALOGUE_PAGES)
def test_staff_service_page_without_javascript(
    signed_in_context: MakeContext, staff_with_mfa: User, pothole: Category, path: str
) -> None:
    path = path.format(pothole=pothole.pk)
    context = signed_in_context(staff_with_mfa, mfa=True, java_script_enabled=False)
    page = support.open_page(context, path)
    assert_renders_without_javascript(page)


@pytest.mark.parametrize("javascript", [pytest.param(True, id="js-on-axe"), pytest.param(False, id="js-off")])
def test_category_create_form_with_errors(
    signed_in_context: MakeContext, staff_with_mfa: User, pothole: Category, javascript: bool
) -> None:
    page = staff_page(signed_in_context, staff_with_mfa, javascript=javascript)
    page.goto("/staff/catalogue/categories/new/")
    support.click_and_wait(page, support.main_button(page, "Add category"))
    assert page.url.split("#")[0].endswith("/staff/catalogue/categories/new/"), page.url
    support.assert_error_summary(page, focused=javascript)
    if javascript:
        check_page(page)
    else:
        assert_renders_without_javascript(page)
