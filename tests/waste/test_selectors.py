"""next_collections and next_collections_for_uprn against the database (conftest's Friday rounds)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from tests.waste.conftest import UPRN_12, UPRN_MILL, Rounds
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.waste import selectors, services
from townhall.waste.models import CollectionChange

D = dt.date


@pytest.mark.django_db
def test_next_collections_per_service_in_residents_order(rounds: Rounds) -> None:
    found = selectors.next_collections(UPRN_12, today=D(2026, 12, 7), count=2)
    assert [service.service for service in found] == ["refuse", "recycling", "food", "garden"]
    by_service = {service.service: service for service in found}
    assert [c.date for c in by_service["food"].collections] == [D(2026, 12, 11), D(2026, 12, 18)]
    assert [c.date for c in by_service["refuse"].collections] == [D(2026, 12, 18), D(2027, 1, 4)]
    assert [c.date for c in by_service["recycling"].collections] == [D(2026, 12, 11), D(2026, 12, 29)]
    assert by_service["garden"].subscription_note == "if you subscribe"
    assert by_service["refuse"].subscription_note == ""
    assert by_service["refuse"].frequency == "every other week"


@pytest.mark.django_db
def test_a_collection_today_counts_and_moved_dates_say_why(rounds: Rounds) -> None:
    food = selectors.next_collections(UPRN_12, today=D(2026, 12, 25), count=2)[2]
    assert food.collections[0].date == D(2026, 12, 29)
    assert food.collections[0].reason == (
        "Moved from Friday 25 December because of Christmas Day and Boxing Day (observed) on Monday 28 December"
    )
    today = selectors.next_collections(UPRN_12, today=D(2026, 12, 11), count=1)[2]
    assert today.next is not None
    assert today.next.date == D(2026, 12, 11)


@pytest.mark.django_db
def test_a_staff_change_shows_at_once(rounds: Rounds, staff_by_role: dict[str, User]) -> None:
    manager = staff_by_role[StaffRole.TEAM_MANAGER]
    services.collection_change_add(
        acting_user=manager,
        round_=rounds.food,
        original_date=D(2026, 12, 25),
        new_date=D(2026, 12, 24),
        reason="Christmas Day",
    )
    food = selectors.next_collections(UPRN_12, today=D(2026, 12, 21), count=2)[2]
    assert [(c.date, c.reason) for c in food.collections] == [
        (D(2026, 12, 24), "Moved from Friday 25 December because of Christmas Day"),
        (D(2027, 1, 4), "Moved from Friday 1 January because of New Year's Day"),
    ]


@pytest.mark.django_db
def test_for_myaccount_one_date_per_service_and_empty_when_unknown(rounds: Rounds) -> None:
    found = selectors.next_collections_for_uprn(uprn=UPRN_12, today=D(2026, 12, 7))
    assert [len(service.collections) for service in found] == [1, 1, 1, 1]
    assert selectors.next_collections_for_uprn(uprn=UPRN_MILL, today=D(2026, 12, 7)) == []
    assert selectors.next_collections_for_uprn(uprn=None) == []
    assert selectors.next_collections_for_uprn(uprn=999_999_999_999) == []


@pytest.mark.django_db
def test_next_collections_uses_a_fixed_number_of_queries(rounds: Rounds, django_assert_num_queries) -> None:
    with django_assert_num_queries(3):  # rounds (for the window), rounds again, changes
        selectors.next_collections(UPRN_12, today=D(2026, 12, 7), count=3)


@pytest.mark.django_db
def test_calendar_covers_twelve_months(rounds: Rounds) -> None:
    found = selectors.collections_for_calendar(UPRN_12, today=D(2026, 12, 7))
    food = found[2].collections
    assert food[0].date == D(2026, 12, 11)
    assert food[-1].date <= D(2027, 12, 7)
    assert len(food) == 52


@pytest.mark.django_db
@pytest.mark.parametrize("role", [StaffRole.CASE_OFFICER, StaffRole.CUSTOMER_SERVICE_ADVISER, StaffRole.DATA_STEWARD])
def test_only_team_managers_move_collections_even_outside_the_staff_page(
    rounds: Rounds, staff_by_role: dict[str, User], role: StaffRole
) -> None:
    with pytest.raises(PermissionDenied):
        services.collection_change_add(
            acting_user=staff_by_role[role],
            round_=rounds.food,
            original_date=D(2026, 12, 25),
            new_date=D(2026, 12, 24),
            reason="Christmas Day",
        )
    assert not CollectionChange.objects.exists()
