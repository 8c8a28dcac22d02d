"""Consultations in MyAccount: the ones I took part in on my timeline, open ones suggested with the
same open ranking as every suggestion, and those closing soon on the dashboard."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from tests.engagement import conftest as engagement_fixtures
from tests.engagement.conftest import MakeConsultation, service_answers
from tests.myaccount.test_timeline_notices import live_in_northfield
from tests.notices import conftest as notice_fixtures
from tests.service_requests.conftest import Borough
from townhall.accounts.models import User
from townhall.engagement import services as engagement_services
from townhall.myaccount import selectors
from townhall.myaccount.constants import TimelineKind
from townhall.myaccount.selectors.timeline import TimelineFilter
from townhall.service_requests.models import CategoryGroup

pytestmark = pytest.mark.django_db
manager = engagement_fixtures.manager
make_consultation = engagement_fixtures.make_consultation
parks = notice_fixtures.parks
_clear_rate_limits = engagement_fixtures._clear_rate_limits


def _answer(consultation, resident: User) -> None:
    engagement_services.response_submit(
        consultation=consultation, acting_user=resident, answers=service_answers(consultation)
    )


def test_a_consultation_i_answered_is_on_my_timeline_and_not_another_residents(
    make_consultation: MakeConsultation, resident: User, other_resident: User
) -> None:
    consultation = make_consultation("open")
    _answer(consultation, resident)
    mine = selectors.timeline_for(user=resident, only=TimelineFilter(kinds=frozenset({TimelineKind.CONSULTATION})))
    assert [item.title for item in mine] == [f"You took part in: {consultation.title}"]
    assert mine[0].summary.startswith("Reference HYS-")
    assert "you can change your answers" in mine[0].summary
    only_consultations = TimelineFilter(kinds=frozenset({TimelineKind.CONSULTATION}))
    assert selectors.timeline_for(user=other_resident, only=only_consultations) == []


def test_open_consultations_are_suggested_with_reasons_until_answered(
    make_consultation: MakeConsultation, resident: User, borough: Borough, parks: CategoryGroup
) -> None:
    live_in_northfield(resident, follows=[parks])
    in_ward = make_consultation("open", wards=[borough.northfield], group=parks)
    make_consultation("open", wards=[borough.southfield])  # another ward, no group: no reason
    suggested = {item.title: item.why for item in selectors.suggestions_for(resident)}
    assert suggested == {f"Have your say: {in_ward.title}": "Because you live in Northfield ward and you follow Parks."}
    _answer(in_ward, resident)
    assert selectors.suggestions_for(resident) == []


def test_dashboard_lists_consultations_closing_soon_in_my_ward_that_i_have_not_answered(
    make_consultation: MakeConsultation, resident: User, borough: Borough
) -> None:
    live_in_northfield(resident)
    soon = make_consultation("open", wards=[borough.northfield], closes_in=dt.timedelta(days=3))
    borough_wide = make_consultation("open", closes_in=dt.timedelta(days=5))
    make_consultation("open", wards=[borough.southfield], closes_in=dt.timedelta(days=3))  # not my ward
    make_consultation("open", wards=[borough.northfield], closes_in=dt.timedelta(days=40))  # not soon
    closing = selectors.dashboard_for(user=resident).consultations_closing
    assert [consultation.id for consultation in closing] == [soon.pk, borough_wide.pk]

    _answer(soon, resident)
    assert [c.id for c in selectors.dashboard_for(user=resident).consultations_closing] == [borough_wide.pk]

    client = Client()
    client.force_login(resident)
    page = client.get(reverse("myaccount:dashboard")).content.decode()
    assert borough_wide.title in page
    assert "Nothing needs your attention" not in page


def test_without_a_known_address_only_borough_wide_consultations_are_closing(
    make_consultation: MakeConsultation, resident: User, borough: Borough
) -> None:
    make_consultation("open", wards=[borough.northfield], closes_in=dt.timedelta(days=3))
    borough_wide = make_consultation("open", closes_in=dt.timedelta(days=5))
    assert [c.id for c in selectors.dashboard_for(user=resident).consultations_closing] == [borough_wide.pk]
