"""A two-ward borough, two teams and a pothole category with one question of every Open311 datatype.

Coordinates are British National Grid metres (on Teesside), so the expected ward of a point
is easy to see: Northfield is the square north of northing 518,000, Southfield the square
south of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.test import Client
from shapely.geometry import LineString, Polygon

from tests.conftest import TEST_PASSWORD
from townhall.accounts import selectors as account_selectors
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import Team, User
from townhall.places import services as place_services
from townhall.places.geometry import bng_to_wgs84, geometry_to_wgs84
from townhall.places.models import Ward
from townhall.service_requests import services
from townhall.service_requests.constants import Datatype, SlaUnit
from townhall.service_requests.models import Category, CategoryGroup
from townhall.service_requests.services import CategoryDetails, ChoiceSpec, QuestionDetails

NORTHFIELD = Polygon([(449_000, 518_000), (451_000, 518_000), (451_000, 520_000), (449_000, 520_000)])
SOUTHFIELD = Polygon([(449_000, 516_000), (451_000, 516_000), (451_000, 518_000), (449_000, 518_000)])
# A fixed base32 secret, so a failing sign-in can be replayed.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def lat_lng(easting: float, northing: float) -> tuple[float, float]:
    lng, lat = bng_to_wgs84(easting=easting, northing=northing)
    return lat, lng


NORTH_POINT = lat_lng(450_000, 519_000)  # on Station Road, Northfield
SOUTH_POINT = lat_lng(450_000, 517_000)  # on Mill Lane, Southfield
OUTSIDE_POINT = lat_lng(460_000, 517_000)  # 9 km east of the borough


@dataclass(frozen=True)
class Borough:
    northfield: Ward
    southfield: Ward


@pytest.fixture
def borough(db) -> Borough:
    wards = place_services.wards_create(
        wards=[
            place_services.WardSpec(name="Northfield", code="E05099901", boundary=geometry_to_wgs84(NORTHFIELD)),
            place_services.WardSpec(name="Southfield", code="E05099902", boundary=geometry_to_wgs84(SOUTHFIELD)),
        ]
    )
    streets = []
    for usrn, name, code, line in (
        (10_000_001, "Station Road", "E05099901", LineString([(449_500, 519_010), (450_500, 519_010)])),
        (10_000_002, "Mill Lane", "E05099902", LineString([(449_990, 516_500), (449_990, 517_500)])),
    ):
        lat, lng = lat_lng(*line.interpolate(0.5, normalized=True).coords[0])
        streets.append(
            place_services.StreetSpec(
                usrn=usrn, name=name, town="Demoton", ward_code=code, geometry=geometry_to_wgs84(line), lat=lat, lng=lng
            )
        )
    place_services.streets_create(streets=streets)
    lat, lng = lat_lng(450_100, 519_020)
    place_services.addresses_create(
        addresses=[
            place_services.AddressSpec(
                uprn=100_000_001,
                usrn=10_000_001,
                postcode="TS40 1AB",
                town="Demoton",
                lat=lat,
                lng=lng,
                pao_number=12,
                ward_code="E05099901",
            )
        ]
    )
    by_code = {ward.code: ward for ward in wards}
    return Borough(northfield=by_code["E05099901"], southfield=by_code["E05099902"])


@dataclass(frozen=True)
class Teams:
    highways: Team
    highways_north: Team
    waste: Team


@pytest.fixture
def teams(db) -> Teams:
    return Teams(
        highways=account_services.team_get_or_create(name="Highways"),
        highways_north=account_services.team_get_or_create(name="Highways North"),
        waste=account_services.team_get_or_create(name="Waste and Recycling"),
    )


@pytest.fixture
def roads(db) -> CategoryGroup:
    return services.category_group_create(acting_user=None, name="Roads and pavements", order=10)


def make_category(
    group: CategoryGroup, team: Team, *, acting_user: User | None = None, **overrides: object
) -> Category:
    fields: dict[str, object] = {
        "service_code": "pothole",
        "name": "Pothole",
        "group": group,
        "sla_unit": SlaUnit.WORKING_DAYS,
        "sla_amount": 5,
    }
    fields.update(overrides)
    details = CategoryDetails(**fields)  # type: ignore[arg-type]
    return services.category_create(acting_user=acting_user, details=details, default_team=team)


@pytest.fixture
def pothole(borough: Borough, teams: Teams, roads: CategoryGroup) -> Category:
    """Pothole: 5 working days, Highways by default, Highways North in Northfield, a question of every datatype."""
    category = make_category(roads, teams.highways, keywords="hole, crater")
    questions = [
        QuestionDetails(
            code="depth",
            label="How deep is it?",
            datatype=Datatype.SINGLEVALUELIST,
            required=True,
            order=1,
            choices=(ChoiceSpec("shallow", "Less than 4cm"), ChoiceSpec("deep", "4cm or more")),
        ),
        QuestionDetails(code="width_cm", label="How wide is it, in cm?", datatype=Datatype.NUMBER, order=2),
        QuestionDetails(code="noticed", label="When did you first notice it?", datatype=Datatype.DATETIME, order=3),
        QuestionDetails(
            code="where",
            label="Where is it?",
            datatype=Datatype.MULTIVALUELIST,
            order=4,
            choices=(ChoiceSpec("road", "In the road"), ChoiceSpec("pavement", "On the pavement")),
        ),
        QuestionDetails(code="landmark", label="Nearest landmark", datatype=Datatype.STRING, order=5),
        QuestionDetails(code="notes", label="Anything else?", datatype=Datatype.TEXT, order=6),
    ]
    for details in questions:
        services.question_create(acting_user=None, category=category, details=details)
    services.routing_rule_create(
        acting_user=None, category=category, ward=borough.northfield, team=teams.highways_north
    )
    return category


def sign_in_with_mfa(client: Client, user: User) -> Client:
    """Sign in through allauth's real pages: password, then the authenticator app's code."""
    cache.clear()  # allauth remembers used codes and rate limits in the cache
    account_services.staff_enrol_totp(user, secret=TOTP_SECRET)
    response = client.post("/auth/login/", {"login": user.email, "password": TEST_PASSWORD})
    assert urlsplit(response["Location"]).path == "/auth/2fa/authenticate/", response["Location"]
    # allauth accepts only the current 30-second window: wait out its last seconds rather than race it.
    if 30 - time.time() % 30 < 3:
        time.sleep(3)
    response = client.post("/auth/2fa/authenticate/", {"code": account_selectors.staff_totp_code(user)})
    assert response.status_code == 302
    return client


@pytest.fixture
def staff_client(client: Client, staff_by_role: dict[StaffRole, User]) -> Callable[[StaffRole], Client]:
    """`staff_client(role)`: the test client, signed in with MFA as the member of staff holding `role`."""

    def signed_in(role: StaffRole) -> Client:
        return sign_in_with_mfa(client, staff_by_role[role])

    return signed_in
