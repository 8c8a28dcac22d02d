"""Council notices in the timeline and on the dashboard: the same open ranking as every suggestion."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from tests.notices import conftest as notice_fixtures
from tests.notices.conftest import MakeNotice, in_days
from tests.service_requests.conftest import Borough
from townhall.accounts.models import User
from townhall.myaccount import selectors, services
from townhall.myaccount.models import SuggestionOpened
from townhall.myaccount.selectors.timeline import SUGGESTION_SOURCES
from townhall.notices.constants import NoticeKind
from townhall.places.models import Address
from townhall.service_requests.models import CategoryGroup

pytestmark = pytest.mark.django_db
make_notice = notice_fixtures.make_notice
parks = notice_fixtures.parks


def live_in_northfield(resident: User, *, follows: list[CategoryGroup] | None = None) -> None:
    services.address_change(
        acting_user=resident,
        user=resident,
        address=Address.objects.get(uprn=100_000_001),
        effective_from=timezone.localdate(),
    )
    preferences = selectors.preferences_for(user=resident)
    preferences.save()
    preferences.interests.set(follows or [])


def test_every_source_is_a_function_of_time() -> None:
    assert len(SUGGESTION_SOURCES) >= 2


def test_notices_are_suggested_with_their_reasons(
    client: Client, resident: User, borough: Borough, make_notice: MakeNotice, parks: CategoryGroup
) -> None:
    both = make_notice(NoticeKind.EVENT, "Tree planting", wards=[borough.northfield], category_group=parks)
    ward_only = make_notice(NoticeKind.SERVICE_CHANGE, "Library hours", wards=[borough.northfield])
    followed_elsewhere = make_notice(NoticeKind.EVENT, "Pond dipping", wards=[borough.southfield], category_group=parks)
    make_notice(NoticeKind.WARD_NEWS, "Southfield news", wards=[borough.southfield])
    make_notice(NoticeKind.SERVICE_CHANGE, "Borough-wide, no reason")
    make_notice(NoticeKind.EVENT, "Draft", wards=[borough.northfield], publish=False)
    live_in_northfield(resident, follows=[parks])

    suggested = {item.title: item for item in selectors.suggestions_for(resident)}
    assert list(suggested) == [
        f"Local event: {both.title}",
        f"Service change: {ward_only.title}",
        f"Local event: {followed_elsewhere.title}",
    ], "best score first; borough-wide with no reason, other wards' news and drafts are left out"
    assert suggested[f"Local event: {both.title}"].why == "Because you live in Northfield ward and you follow Parks."
    assert suggested[f"Service change: {ward_only.title}"].why == "Because you live in Northfield ward."
    assert suggested[f"Local event: {followed_elsewhere.title}"].why == "Because you follow Parks."

    client.force_login(resident)
    page = client.get("/account/timeline/").content.decode()
    assert "Because you live in Northfield ward and you follow Parks." in page
    assert f'href="/account/timeline/notice/{both.pk}/"' in page


def test_a_borough_wide_notice_needs_another_reason(
    resident: User, borough: Borough, make_notice: MakeNotice, parks: CategoryGroup
) -> None:
    make_notice(NoticeKind.SERVICE_CHANGE, "Park gates locked earlier in winter", category_group=parks)
    live_in_northfield(resident)
    assert not selectors.suggestions_for(resident)
    live_in_northfield(resident, follows=[parks])
    [item] = selectors.suggestions_for(resident)
    assert item.why == "Because you follow Parks."


def test_opening_a_notice_counts_towards_its_service_area(
    client: Client, resident: User, borough: Borough, make_notice: MakeNotice, parks: CategoryGroup
) -> None:
    opened = make_notice(NoticeKind.EVENT, "Tree planting", wards=[borough.northfield], category_group=parks)
    other = make_notice(NoticeKind.EVENT, "Bulb planting", wards=[borough.southfield], category_group=parks)
    no_group = make_notice(NoticeKind.WARD_NEWS, "Ward surgery", wards=[borough.northfield])
    live_in_northfield(resident)
    assert {item.title for item in selectors.suggestions_for(resident)} == {
        f"Ward news: {no_group.title}",
        f"Local event: {opened.title}",
    }
    client.force_login(resident)

    response = client.get(f"/account/timeline/notice/{opened.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/news/{opened.pk}/"
    assert SuggestionOpened.objects.filter(user=resident, category_group=parks).count() == 1
    client.get(f"/account/timeline/notice/{no_group.pk}/")
    assert SuggestionOpened.objects.filter(user=resident).count() == 1, "a notice with no service area teaches nothing"

    suggested = {item.title: item for item in selectors.suggestions_for(resident)}
    assert suggested[f"Local event: {other.title}"].why == "Because you opened other Parks items."
    assert suggested[f"Local event: {opened.title}"].reasons == (
        "you live in Northfield ward",
        "you opened other Parks items",
    )
    draft = make_notice(publish=False, category_group=parks)
    assert client.get(f"/account/timeline/notice/{draft.pk}/").status_code == 404
    assert SuggestionOpened.objects.filter(user=resident).count() == 1


def test_personalisation_off_means_no_notices_and_nothing_coming_up(
    client: Client, resident: User, borough: Borough, make_notice: MakeNotice, parks: CategoryGroup
) -> None:
    make_notice(NoticeKind.EVENT, "Tree planting", wards=[borough.northfield], category_group=parks)
    live_in_northfield(resident, follows=[parks])
    assert selectors.suggestions_for(resident)
    assert selectors.dashboard_for(user=resident).coming_up

    preferences = selectors.preferences_for(user=resident)
    preferences.personalised_timeline = False
    preferences.save()
    assert not selectors.suggestions_for(resident)
    assert not selectors.dashboard_for(user=resident).coming_up
    client.force_login(resident)
    assert "Tree planting" not in client.get("/account/").content.decode()
    assert "Tree planting" not in client.get("/account/timeline/").content.decode()


def test_dashboard_shows_what_is_coming_up_in_the_residents_ward(
    client: Client, resident: User, borough: Borough, make_notice: MakeNotice, parks: CategoryGroup
) -> None:
    later = make_notice(
        NoticeKind.EVENT, "Later event", wards=[borough.northfield], starts_at=in_days(9), ends_at=in_days(9, 12)
    )
    sooner = make_notice(NoticeKind.EVENT, "Sooner event", wards=[borough.northfield], category_group=parks)
    change = make_notice(NoticeKind.SERVICE_CHANGE, "Bin day moves", wards=[borough.northfield], starts_at=in_days(1))
    make_notice(NoticeKind.EVENT, "Elsewhere", wards=[borough.southfield])
    make_notice(NoticeKind.EVENT, "Everywhere")
    live_in_northfield(resident, follows=[parks])

    coming_up = selectors.dashboard_for(user=resident).coming_up
    assert [item.title for item in coming_up] == [
        f"Service change: {change.title}",
        f"Local event: {sooner.title}",
        f"Local event: {later.title}",
    ]
    assert coming_up[1].why == "Because you live in Northfield ward and you follow Parks."
    client.force_login(resident)
    page = client.get("/account/").content.decode()
    section = page.split("Coming up in your ward", 1)[1]
    assert "Sooner event" in section
    assert "Elsewhere" not in page
    assert page.count(f'href="/account/timeline/notice/{sooner.pk}/"') == 1, "not repeated as a suggestion"
