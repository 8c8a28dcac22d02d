"""Issue 6: publishers and themes in the steward back office, in real Chromium.

axe on every new page (and the error state); adding and changing a publisher and a theme
with JavaScript off, as a data steward would on a locked-down council laptop.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Locator, Page

from tests.browser import support
from tests.browser.test_accessibility import check_page
from tests.conftest import TEST_PASSWORD
from tests.opendata.ckan_fixtures import Catalogue, make_catalogue
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.opendata.models import Publisher, Theme

MakeContext = Callable[..., BrowserContext]


@pytest.fixture
def catalogue(db: None) -> Catalogue:
    return make_catalogue()


@pytest.fixture
def steward(db: None) -> User:
    user = account_services.staff_create(
        email="steward@council.example",
        password=TEST_PASSWORD,
        roles=[StaffRole.DATA_STEWARD],
        given_name="Sam",
        family_name="Example",
    )
    support.enrol_totp(user)
    return user


def _main(page: Page) -> Locator:
    return page.locator("main")


def test_every_page_passes_axe_with_the_error_state(
    signed_in_context: MakeContext, catalogue: Catalogue, steward: User
) -> None:
    context = signed_in_context(steward, mfa=True)
    page = support.open_page(context, "/staff/open-data/")
    support.click_and_wait(page, _main(page).get_by_role("link", name="publishers"))
    assert page.url.endswith("/staff/open-data/publishers/")
    check_page(page)
    for path in (
        "/staff/open-data/publishers/new/",
        f"/staff/open-data/publishers/edit/{catalogue.highways.pk}/",
        "/staff/open-data/themes/",
        "/staff/open-data/themes/new/",
        f"/staff/open-data/themes/edit/{catalogue.transport.pk}/",
    ):
        check_page(support.open_page(context, path))

    page = support.open_page(context, "/staff/open-data/publishers/new/")
    support.field(page, "name").fill("Not Valid!")
    support.field(page, "email").fill("nope")
    support.click_and_wait(page, support.main_button(page, "Add publisher"))
    support.assert_error_summary(page)
    summary = page.locator(".govuk-error-summary").inner_text()
    for message in ("Enter a title", "URL name must be 2 to 100 characters", "Enter an email address"):
        assert message in summary
    check_page(page)
    assert Publisher.objects.count() == 2


def test_add_and_change_without_javascript(signed_in_context: MakeContext, catalogue: Catalogue, steward: User) -> None:
    context = signed_in_context(steward, mfa=True, java_script_enabled=False)
    page = support.open_page(context, "/staff/open-data/publishers/")
    support.click_and_wait(page, _main(page).get_by_role("link", name="Add a publisher"))
    main = _main(page)
    main.get_by_label("Title", exact=True).fill("Northfield Community Trust")
    main.get_by_label("URL name", exact=True).fill("northfield-trust")
    main.get_by_label("Type of organisation").select_option(label="Non-profit organisation")
    main.get_by_label("Email address (optional)").fill("data@northfield-trust.example")
    support.click_and_wait(page, support.main_button(page, "Add publisher"))
    assert page.url.endswith("/staff/open-data/publishers/")
    assert "Northfield Community Trust saved" in _main(page).inner_text()
    assert Publisher.objects.get(name="northfield-trust").email == "data@northfield-trust.example"

    support.click_and_wait(page, _main(page).get_by_role("link", name="Change Highways and Transport"))
    main = _main(page)
    main.get_by_label("URL name", exact=True).fill("finance")
    support.click_and_wait(page, support.main_button(page, "Save changes"))
    support.assert_error_summary(page, focused=False)
    assert "Another publisher already has this URL name" in page.locator(".govuk-error-summary").inner_text()
    _main(page).get_by_label("URL name", exact=True).fill("streets")
    _main(page).get_by_label("Title", exact=True).fill("Streets and Parking")
    support.click_and_wait(page, support.main_button(page, "Save changes"))
    assert page.url.endswith("/staff/open-data/publishers/")
    catalogue.highways.refresh_from_db()
    assert (catalogue.highways.name, catalogue.highways.title) == ("streets", "Streets and Parking")

    page.goto("/staff/open-data/themes/")
    support.click_and_wait(page, _main(page).get_by_role("link", name="Add a theme"))
    _main(page).get_by_label("Title", exact=True).fill("Health")
    _main(page).get_by_label("URL name", exact=True).fill("health")
    support.click_and_wait(page, support.main_button(page, "Add theme"))
    assert Theme.objects.filter(name="health").exists()
    support.click_and_wait(page, _main(page).get_by_role("link", name="Change Transport"))
    _main(page).get_by_label("Title", exact=True).fill("Getting around")
    support.click_and_wait(page, support.main_button(page, "Save changes"))
    assert "Getting around saved" in _main(page).inner_text()
    catalogue.transport.refresh_from_db()
    assert catalogue.transport.title == "Getting around"

    # The public search filters by the new URL name and shows the new titles.
    public = _main(support.open_page(signed_in_context(None), "/data/?publisher=streets")).inner_text()
    assert "Street Trees" in public
    assert "Spending Over 500" not in public
    assert "Streets and Parking" in public
    assert "Getting around" in public
