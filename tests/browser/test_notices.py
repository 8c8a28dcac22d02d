"""Council notices in real Chromium: every page passes axe and works without JavaScript, and a team
manager writes and publishes a notice with scripts off, which a resident then sees on their dashboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import support
from tests.browser.test_accessibility import check_page
from tests.browser.test_no_javascript import assert_renders_without_javascript
from tests.notices import conftest as notice_fixtures
from tests.notices.conftest import MakeNotice, in_days
from tests.service_requests import conftest as service_fixtures
from tests.service_requests.conftest import Borough
from townhall.accounts.models import User
from townhall.myaccount import selectors as myaccount_selectors
from townhall.myaccount import services as myaccount_services
from townhall.notices.constants import NoticeKind
from townhall.notices.models import Notice
from townhall.places.models import Address
from townhall.service_requests.models import CategoryGroup

borough = service_fixtures.borough
make_notice = notice_fixtures.make_notice
parks = notice_fixtures.parks


@pytest.fixture
def notices(make_notice: MakeNotice, borough: Borough, parks: CategoryGroup) -> dict[str, Notice]:
    return {
        "event": make_notice(
            NoticeKind.EVENT,
            "Tree planting in Northfield Park",
            wards=[borough.northfield],
            category_group=parks,
            location="Northfield Park main gate",
        ),
        "change": make_notice(NoticeKind.SERVICE_CHANGE, "Household waste site closed on Mondays", ends_at=in_days(20)),
        "news": make_notice(NoticeKind.WARD_NEWS, "New councillor surgery times", wards=[borough.southfield]),
        "draft": make_notice(NoticeKind.EVENT, "Draft fun run", publish=False),
    }


@pytest.mark.parametrize("path", ["/news/", "/news/?ward=E05099901", "/news/{event}/", "/news/{news}/"])
def test_public_page(signed_in_context, notices: dict[str, Notice], path: str) -> None:  # type: ignore[no-untyped-def]
    path = path.format(event=notices["event"].pk, news=notices["news"].pk)
    check_page(support.open_page(signed_in_context(None), path))
    assert_renders_without_javascript(support.open_page(signed_in_context(None, java_script_enabled=False), path))


@pytest.mark.parametrize(
    "path", ["", "new/", "edit/{event}/", "publish/{event}/", "publish/{draft}/", "publish/{change}/"]
)
def test_staff_page(signed_in_context, staff_with_mfa: User, notices: dict[str, Notice], path: str) -> None:  # type: ignore[no-untyped-def]
    path = "/staff/notices/" + path.format(**{name: notice.pk for name, notice in notices.items()})
    check_page(support.open_page(signed_in_context(staff_with_mfa, mfa=True), path))


def test_form_errors_pass_axe(signed_in_context, staff_with_mfa: User, borough: Borough) -> None:  # type: ignore[no-untyped-def]
    page = support.open_page(signed_in_context(staff_with_mfa, mfa=True), "/staff/notices/new/")
    support.submit(page)
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check_page(page)


def test_notice_written_without_javascript_reaches_the_residents_dashboard(  # type: ignore[no-untyped-def]
    signed_in_context, staff_with_mfa: User, resident: User, borough: Borough
) -> None:
    myaccount_services.address_change(
        acting_user=resident,
        user=resident,
        address=Address.objects.get(uprn=100_000_001),
        effective_from=in_days(0).date(),
    )
    myaccount_selectors.preferences_for(user=resident).save()
    page = support.open_page(
        signed_in_context(staff_with_mfa, mfa=True, java_script_enabled=False), "/staff/notices/new/"
    )
    page.locator("input[name=kind][value=event]").check()
    support.field(page, "title").fill("Litter pick on Station Road")
    support.field(page, "summary").fill("Join neighbours to tidy the street.")
    support.field(page, "body").fill("Meet at the post office.\n\nBags and gloves provided.")
    support.field(page, "starts_at").fill(in_days(3).strftime("%Y-%m-%dT%H:%M"))
    support.field(page, "ends_at").fill(in_days(3, hour=12).strftime("%Y-%m-%dT%H:%M"))
    page.locator(f"input[name=wards][value='{borough.northfield.pk}']").check()
    support.submit(page)
    expect(page.get_by_role("heading", name="Litter pick on Station Road")).to_be_visible()
    support.submit(page)  # "Now" is chosen already
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()

    resident_page = support.open_page(signed_in_context(resident), "/account/")
    expect(resident_page.get_by_role("heading", name="Coming up in your ward")).to_be_visible()
    expect(resident_page.get_by_text("Because you live in Northfield ward.").first).to_be_visible()
    check_page(resident_page)
