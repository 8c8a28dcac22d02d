"""The demo borough's bin rounds: four services in every ward, and every address on them."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, OuterRef, Subquery

from townhall.places.models import Address, Ward
from townhall.waste import selectors
from townhall.waste.models import CollectionRound, RoundAssignment


def test_every_ward_has_a_round_per_service_and_every_address_is_on_four(borough) -> None:
    wards = Ward.objects.count()
    assert CollectionRound.objects.count() == wards * 4
    assert set(CollectionRound.objects.values_list("service", flat=True)) == {"refuse", "recycling", "food", "garden"}
    addresses = Address.objects.count()
    assert RoundAssignment.objects.count() == addresses * 4
    per_address = RoundAssignment.objects.values("address_id").annotate(rounds=Count("id"))
    assert {row["rounds"] for row in per_address} == {4}
    mismatched = RoundAssignment.objects.exclude(round__ward_id=None).exclude(
        round__ward_id=Subquery(Address.objects.filter(uprn=OuterRef("address_id")).values("ward_id")[:1])
    )
    assert not mismatched.exists(), "an address is on another ward's round"


def test_rounds_are_spread_over_the_working_week_and_a_demo_address_has_dates(borough) -> None:
    weekdays = set(CollectionRound.objects.values_list("weekday", flat=True))
    assert weekdays == {0, 1, 2, 3, 4}
    uprn = Address.objects.order_by("uprn").values_list("uprn", flat=True).first()
    found = selectors.next_collections(uprn, today=dt.date(2026, 1, 15), count=2)
    assert [service.service for service in found] == ["refuse", "recycling", "food", "garden"]
    assert all(len(service.collections) == 2 for service in found)
