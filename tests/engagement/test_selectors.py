"""What MyAccount reads: consultations I took part in, ones closing soon, ones in my ward, suggestion candidates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.engagement.conftest import MakeConsultation, service_answers
from tests.service_requests.conftest import Borough
from townhall.accounts.models import User
from townhall.engagement import selectors, services
from townhall.service_requests.models import CategoryGroup

pytestmark = pytest.mark.django_db


def test_responses_by_lists_what_i_took_part_in_and_when(
    resident: User, other_resident: User, make_consultation: MakeConsultation
) -> None:
    first, second, theirs = (make_consultation("open") for _ in range(3))
    mine = services.response_submit(consultation=first, acting_user=resident, answers=service_answers(first))
    services.response_submit(consultation=second, acting_user=resident, answers=service_answers(second))
    services.response_submit(consultation=second, acting_user=resident, answers=service_answers(second, support="No"))
    services.response_submit(consultation=theirs, acting_user=other_resident, answers=service_answers(theirs))

    took_part = selectors.responses_by(user=resident)
    assert [t.consultation.id for t in took_part] == [second.pk, first.pk]
    assert took_part[1].reference == mine.reference
    assert took_part[1].responded_at == mine.submitted_at
    assert took_part[1].changed_at is None
    assert took_part[0].changed_at is not None
    assert took_part[1].response_url == f"/have-your-say/{first.slug}/response/{mine.reference}/"
    assert took_part[0].consultation.phase == "open"


def test_closing_soon_in_my_ward_includes_borough_wide_ones(
    make_consultation: MakeConsultation, borough: Borough
) -> None:
    north, south = borough.northfield, borough.southfield
    soon_north = make_consultation("open", wards=[north], closes_in=dt.timedelta(days=3))
    soon_everywhere = make_consultation("open", closes_in=dt.timedelta(days=1))
    make_consultation("open", wards=[south], closes_in=dt.timedelta(days=2))
    make_consultation("open", wards=[north], closes_in=dt.timedelta(days=40))
    make_consultation("upcoming", wards=[north])

    closing = selectors.open_consultations_closing(ward=north, within_days=7)
    assert [c.id for c in closing] == [soon_everywhere.pk, soon_north.pk]
    assert closing[1].ward_ids == frozenset({north.pk})
    assert closing[0].ward_ids == frozenset()
    assert len(selectors.open_consultations_closing(ward=None, within_days=7)) == 3
    assert [c.id for c in selectors.open_consultations_closing(ward=north.pk, within_days=2)] == [soon_everywhere.pk]


def test_consultations_in_my_ward_are_open_and_upcoming_ones_about_it(
    make_consultation: MakeConsultation, borough: Borough
) -> None:
    north = borough.northfield
    open_north = make_consultation("open", wards=[north])
    upcoming_north = make_consultation("upcoming", wards=[north])
    make_consultation("closed", wards=[north])
    make_consultation("open")  # borough-wide: not "in my ward"
    make_consultation("draft", wards=[north])
    assert [c.id for c in selectors.consultations_in_ward(ward=north)] == [open_north.pk, upcoming_north.pk]


def test_suggestion_candidates_carry_wards_and_service_group(
    make_consultation: MakeConsultation, borough: Borough, roads: CategoryGroup
) -> None:
    candidate = make_consultation("open", wards=[borough.southfield], group=roads)
    make_consultation("upcoming", group=roads)
    (only,) = selectors.suggestion_candidates(now=timezone.now())
    assert (only.id, only.ward_ids, only.category_group_id) == (
        candidate.pk,
        frozenset({borough.southfield.pk}),
        roads.pk,
    )


def test_the_timeline_selectors_pin_their_query_counts(
    resident: User, make_consultation: MakeConsultation, borough: Borough, django_assert_max_num_queries
) -> None:
    for _ in range(5):
        consultation = make_consultation("open", wards=[borough.northfield])
        services.response_submit(consultation=consultation, acting_user=resident, answers=service_answers(consultation))
    with django_assert_max_num_queries(2):
        assert len(selectors.responses_by(user=resident)) == 5
    with django_assert_max_num_queries(2):
        assert len(selectors.open_consultations_closing(ward=borough.northfield, within_days=30)) == 5
