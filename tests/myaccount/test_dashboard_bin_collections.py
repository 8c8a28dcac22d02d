"""The dashboard shows the next bin collections at the resident's own address, when the council knows them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from tests.waste.conftest import UPRN_12, UPRN_MILL, Rounds, addresses, rounds  # noqa: F401 (fixtures)
from townhall.accounts.models import User
from townhall.myaccount import selectors
from townhall.myaccount import services as myaccount_services
from townhall.places.models import Address

pytestmark = pytest.mark.django_db
# A Monday in the week of Christmas 2026: Friday's collections move.
MONDAY = dt.datetime(2026, 12, 21, 9, 0, tzinfo=dt.UTC)


def _live_at(resident: User, uprn: int) -> None:
    myaccount_services.address_change(
        acting_user=resident,
        user=resident,
        address=Address.objects.get(uprn=uprn),
        effective_from=dt.date(2025, 1, 1),
    )


def test_next_collection_per_service_with_the_reason_a_date_moved(resident: User, rounds: Rounds) -> None:  # noqa: F811
    _live_at(resident, UPRN_12)
    found = selectors.dashboard_for(user=resident, now=MONDAY)
    assert found.address_uprn == UPRN_12
    assert [service.service for service in found.bin_collections] == ["refuse", "recycling", "food", "garden"]
    food = found.bin_collections[2].next
    assert food is not None
    assert food.date == dt.date(2026, 12, 29)
    assert food.reason == (
        "Moved from Friday 25 December because of Christmas Day and Boxing Day (observed) on Monday 28 December"
    )


def test_nothing_when_the_address_is_on_no_round_or_unknown(resident: User, rounds: Rounds) -> None:  # noqa: F811
    assert selectors.dashboard_for(user=resident, now=MONDAY).bin_collections == []
    _live_at(resident, UPRN_MILL)
    assert selectors.dashboard_for(user=resident, now=MONDAY).bin_collections == []


def test_the_dashboard_page_lists_them_and_links_to_the_address_calendar(
    resident: User,
    rounds: Rounds,  # noqa: F811
) -> None:
    _live_at(resident, UPRN_12)
    client = Client()
    client.force_login(resident)
    page = client.get(reverse("myaccount:dashboard")).content.decode()
    assert "Your next bin collections" in page
    assert "Garden waste (if you subscribe)" in page
    assert reverse("waste:collections", args=[UPRN_12]) in page
