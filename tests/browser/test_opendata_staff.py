"""Issue 6: the publishing back office in real Chromium, draft → submit → approve → withdraw, axe on every page.

A team manager drafts and submits; a data steward (another person: four eyes) reviews,
publishes and withdraws; the public page then says the dataset was withdrawn.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Locator, Page

from tests.browser import support
from tests.browser.test_accessibility import check_page
from tests.conftest import TEST_PASSWORD
from tests.opendata.ckan_fixtures import Catalogue, make_catalogue
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.opendata.models import Dataset, DatasetState
from townhall.opendata.services import ResourceFields, workflow


@pytest.fixture
def catalogue(db: None) -> Catalogue:
    return make_catalogue()


def _staff(email: str, role: StaffRole, given_name: str) -> User:
    user = account_services.staff_create(
        email=email, password=TEST_PASSWORD, roles=[role], given_name=given_name, family_name="Example"
    )
    support.enrol_totp(user)
    return user


@pytest.fixture
def manager(db: None) -> User:
    return _staff("manager@council.example", StaffRole.TEAM_MANAGER, "Morgan")


@pytest.fixture
def steward(db: None) -> User:
    return _staff("steward@council.example", StaffRole.DATA_STEWARD, "Sam")


def _main(page: Page) -> Locator:
    return page.locator("main")


def _follow(page: Page, target: Locator) -> None:
    """Click a link or button and wait for the page it leads to, so checks never run mid-navigation."""
    with page.expect_navigation():
        target.click()


def test_draft_submit_approve_withdraw(
    signed_in_context: Callable[..., BrowserContext],
    catalogue: Catalogue,
    manager: User,
    steward: User,
) -> None:
    page = support.open_page(signed_in_context(manager, mfa=True), "/staff/open-data/")
    check_page(page)
    _follow(page, _main(page).get_by_role("link", name="Add a dataset"))
    check_page(page)

    _follow(page, support.main_button(page, "Save draft"))
    summary = page.locator(".govuk-error-summary")
    assert "Enter a title" in summary.inner_text()
    check_page(page)

    main = _main(page)
    main.get_by_label("Title", exact=True).fill("Bus stops")
    main.get_by_label("Description", exact=True).fill("Every bus stop in the borough, with its shelter.")
    main.get_by_label("Publisher", exact=True).select_option(label="Highways and Transport")
    main.get_by_label("Transport", exact=True).check()
    main.get_by_label("Contact email address").fill("transport@council.example")
    _follow(page, support.main_button(page, "Save draft"))
    page.wait_for_url("**/staff/open-data/*/")
    assert "Draft" in _main(page).inner_text()
    check_page(page)

    _follow(page, _main(page).get_by_role("link", name="Add a link"))
    check_page(page)
    _main(page).get_by_label("Name", exact=True).fill("Bus stops (CSV)")
    _main(page).get_by_label("Web address").fill("https://maps.council.example/bus-stops.csv")
    _follow(page, support.main_button(page, "Add link"))
    _follow(page, _main(page).get_by_role("link", name="Submit for review"))
    check_page(page)
    _follow(page, support.main_button(page, "Submit for review"))
    page.wait_for_url("**/staff/open-data/*/")
    assert "In review" in _main(page).inner_text()
    dataset = Dataset.objects.get(name="bus-stops")
    assert dataset.state == DatasetState.IN_REVIEW

    page = support.open_page(signed_in_context(steward, mfa=True), f"/staff/open-data/{dataset.pk}/")
    _follow(page, _main(page).get_by_role("link", name="Review", exact=True))
    check_page(page)
    assert "Every bus stop in the borough" in _main(page).inner_text()
    _main(page).get_by_label("Now", exact=True).check()
    _follow(page, support.main_button(page, "Approve"))
    page.wait_for_url(f"**/staff/open-data/{dataset.pk}/")
    assert "Published" in _main(page).inner_text()
    check_page(page)

    _follow(page, _main(page).get_by_role("link", name="Withdraw"))
    _follow(page, support.main_button(page, "Withdraw dataset"))
    assert "Say why the dataset is being withdrawn" in page.locator(".govuk-error-summary").inner_text()
    check_page(page)
    _main(page).get_by_label("Why is it being withdrawn?").fill("Moved to the regional transport portal")
    _follow(page, support.main_button(page, "Withdraw dataset"))
    page.wait_for_url(f"**/staff/open-data/{dataset.pk}/")
    assert "Withdrawn" in _main(page).inner_text()

    _follow(page, _main(page).get_by_role("link", name="History of this dataset"))
    check_page(page)
    history = _main(page).inner_text()
    for what in ("Created", "Submitted for review", "Approved", "Withdrawn"):
        assert what in history
    assert "Morgan Example" in history
    assert "Sam Example" in history

    public = support.open_page(signed_in_context(None), "/data/dataset/bus-stops/")
    assert (
        "This dataset has been withdrawn: Moved to the regional transport portal" in public.locator("main").inner_text()
    )

    page.goto("/staff/open-data/?stage=withdrawn")
    assert "Bus stops" in _main(page).inner_text()
    check_page(page)


@pytest.fixture
def stages(catalogue: Catalogue, manager: User, steward: User) -> dict[str, Dataset]:
    """One dataset waiting for review and one scheduled, beside the catalogue's draft, published and withdrawn ones."""
    from tests.opendata.test_workflow import details

    waiting = workflow.draft_create(acting_user=manager, details=details(catalogue))
    workflow.link_add(acting_user=manager, dataset=waiting, fields=ResourceFields(url="https://x.example/a.csv"))
    waiting = workflow.submit(acting_user=manager, dataset=waiting)
    scheduled = workflow.draft_create(acting_user=manager, details=details(catalogue, "bus-routes"))
    workflow.link_add(acting_user=manager, dataset=scheduled, fields=ResourceFields(url="https://x.example/b.csv"))
    workflow.submit(acting_user=manager, dataset=scheduled)
    scheduled = workflow.approve(
        acting_user=steward, dataset=scheduled, publish_at=timezone.now() + dt.timedelta(days=3)
    )
    return {
        "waiting": waiting,
        "scheduled": scheduled,
        "draft": catalogue.draft,
        "published": catalogue.trees,
        "withdrawn": catalogue.withdrawn,
    }


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/staff/open-data/?publisher=highways&stage=published", id="list-filtered"),
        pytest.param("/staff/open-data/{scheduled}/", id="scheduled"),
        pytest.param("/staff/open-data/{withdrawn}/", id="withdrawn"),
        pytest.param("/staff/open-data/edit/{published}/", id="edit-published"),
        pytest.param("/staff/open-data/submit/{draft}/", id="submit-without-links"),
        pytest.param("/staff/open-data/restore/{withdrawn}/", id="restore"),
        pytest.param("/staff/open-data/history/{published}/", id="history-imported"),
    ],
)
def test_back_office_page(
    signed_in_context: Callable[..., BrowserContext], stages: dict[str, Dataset], steward: User, path: str
) -> None:
    path = path.format(**{key: dataset.pk for key, dataset in stages.items()})
    check_page(support.open_page(signed_in_context(steward, mfa=True), path))
