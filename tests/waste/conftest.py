"""A two-ward borough (tests/service_requests/conftest.py) with three addresses and four rounds.

12 and 14 Station Road (Northfield, TS40 1AB) are on every round; 3 Mill Lane (Southfield,
TS40 2AD) is on none. Rounds collect on Fridays from 4 December 2026, so Christmas Day is a
usual collection day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from tests.service_requests import conftest as service_fixtures
from tests.service_requests.conftest import Borough, lat_lng
from townhall.places import services as place_services
from townhall.waste.constants import HolidayRule, Service
from townhall.waste.models import CollectionRound, RoundAssignment

borough = service_fixtures.borough
staff_client = service_fixtures.staff_client

FIRST_FRIDAY = dt.date(2026, 12, 4)
UPRN_12 = 100_000_001
UPRN_14 = 100_000_002
UPRN_MILL = 100_000_003


@dataclass(frozen=True)
class Rounds:
    refuse: CollectionRound
    recycling: CollectionRound
    food: CollectionRound
    garden: CollectionRound


@pytest.fixture
def addresses(borough: Borough) -> Borough:
    north = lat_lng(450_120, 519_020)
    south = lat_lng(449_990, 517_000)
    place_services.addresses_create(
        addresses=[
            place_services.AddressSpec(
                uprn=UPRN_14,
                usrn=10_000_001,
                postcode="TS40 1AB",
                town="Demoton",
                lat=north[0],
                lng=north[1],
                pao_number=14,
                ward_code="E05099901",
            ),
            place_services.AddressSpec(
                uprn=UPRN_MILL,
                usrn=10_000_002,
                postcode="TS40 2AD",
                town="Demoton",
                lat=south[0],
                lng=south[1],
                pao_number=3,
                ward_code="E05099902",
            ),
        ]
    )
    return borough


@pytest.fixture
def rounds(addresses: Borough) -> Rounds:
    def make(code: str, service: Service, weeks: int, first: dt.date) -> CollectionRound:
        return CollectionRound.objects.create(
            code=code,
            name=f"Northfield Friday {service.label.lower()}",
            service=service,
            weekday=first.weekday(),
            interval_weeks=weeks,
            reference_date=first,
            holiday_rule=HolidayRule.SLIP_WEEK,
            ward=addresses.northfield,
        )

    made = Rounds(
        refuse=make("REF-FRI", Service.REFUSE, 2, FIRST_FRIDAY),
        recycling=make("REC-FRI", Service.RECYCLING, 2, FIRST_FRIDAY + dt.timedelta(weeks=1)),
        food=make("FOO-FRI", Service.FOOD, 1, FIRST_FRIDAY),
        garden=make("GAR-FRI", Service.GARDEN, 2, FIRST_FRIDAY + dt.timedelta(weeks=1)),
    )
    for uprn in (UPRN_12, UPRN_14):
        for round_ in (made.refuse, made.recycling, made.food, made.garden):
            RoundAssignment.objects.create(address_id=uprn, round=round_, service=round_.service)
    return made
