"""service_request_create: location, routing, SLA, numbering, answers, contact rules and auditing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.service_requests.conftest import NORTH_POINT, OUTSIDE_POINT, SOUTH_POINT, make_category
from townhall.accounts.constants import StaffRole
from townhall.audit.models import AuditEntry
from townhall.places.geometry import wgs84_to_bng
from townhall.service_requests import selectors, services
from townhall.service_requests.constants import Channel, Priority, SlaUnit, Status
from townhall.service_requests.models import ReferenceCounter, RequestAnswer, ServiceRequest
from townhall.service_requests.services import CategoryDetails, ReporterContact

LONDON = ZoneInfo("Europe/London")


def create(category, *, point=NORTH_POINT, **kwargs):
    lat, lng = point
    fields = {
        "acting_user": None,
        "category": category,
        "description": "Deep pothole by the bus stop",
        "channel": Channel.OPEN311,
        "lat": lat,
        "lng": lng,
        "answers": {"depth": "deep"},
    }
    fields.update(kwargs)
    return services.service_request_create(**fields)


def errors_of(caught) -> dict[str, list[str]]:
    return caught.value.message_dict


def test_a_web_report_is_located_routed_timed_and_numbered(pothole, borough, teams, resident):
    received = dt.datetime(2025, 12, 24, 10, 15, tzinfo=LONDON)

    request = create(
        pothole,
        acting_user=resident,
        reporter=resident,
        channel=Channel.WEB,
        received_at=received,
        answers={"depth": "deep", "where": ["pavement", "road"], "width_cm": "35.50", "noticed": "2025-12-20"},
    )

    request.refresh_from_db()
    assert request.reference == "DB-2025-000001"
    assert request.status == Status.OPEN
    assert request.ward == borough.northfield
    assert request.street.name == "Station Road"
    easting, northing = wgs84_to_bng(lng=request.lng, lat=request.lat)
    assert (round(request.easting), round(request.northing)) == (round(easting), round(northing)) == (450_000, 519_000)
    assert request.assigned_team == teams.highways_north  # Northfield's own rule beats the default
    assert request.priority == Priority.NORMAL
    # 5 working days from Wed 24 Dec 2025: Christmas Day, Boxing Day, the weekend and New Year's Day
    # are skipped, so days 1-5 are 29, 30, 31 Dec, Fri 2 Jan and Mon 5 Jan 2026.
    assert request.sla_due_at == dt.datetime(2026, 1, 5, 23, 59, 59, 999999, tzinfo=dt.UTC)
    assert request.received_at == received
    assert request.closed_at is None
    assert request.first_time_resolved is None
    assert request.is_public
    assert request.reporter == resident
    assert request.recorded_by is None
    answers = {a.question_code: (a.value, a.display_value) for a in RequestAnswer.objects.filter(request=request)}
    assert answers == {
        "depth": ("deep", "4cm or more"),
        "where": (["road", "pavement"], "In the road, On the pavement"),  # in the question's order
        "width_cm": ("35.5", "35.5"),
        "noticed": ("2025-12-20T00:00:00+00:00", "20 December 2025 00:00"),
    }
    assert not AuditEntry.objects.filter(action="service_request.created").exists()  # residents' reports are not


def test_the_default_team_handles_wards_without_a_rule(pothole, teams):
    assert create(pothole, point=SOUTH_POINT).assigned_team == teams.highways


def test_references_count_up_within_a_year_and_restart_in_the_next(pothole):
    first = create(pothole, received_at=dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC))
    second = create(pothole, received_at=dt.datetime(2025, 12, 31, 23, 59, tzinfo=dt.UTC))
    third = create(pothole, received_at=dt.datetime(2026, 1, 1, 0, 30, tzinfo=LONDON))
    fourth = create(pothole, received_at=dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC))

    assert [first.reference, second.reference, third.reference, fourth.reference] == [
        "DB-2025-000001",
        "DB-2025-000002",
        "DB-2026-000001",
        "DB-2026-000002",
    ]


def test_the_prefix_can_be_configured(pothole, settings):
    settings.TOWNHALL_REFERENCE_PREFIX = "mbc"

    assert create(pothole).reference.startswith("MBC-")


def test_hours_sla_and_priority_come_from_the_category(roads, teams, borough):
    category = make_category(
        roads, teams.highways, service_code="light_damaged", name="Damaged light", sla_unit=SlaUnit.HOURS, sla_amount=2
    )
    services.category_update(
        acting_user=None,
        category=category,
        details=CategoryDetails(
            service_code="light_damaged",
            name="Damaged light",
            group=roads,
            sla_unit=SlaUnit.HOURS,
            sla_amount=2,
            default_priority=Priority.URGENT,
            is_public=False,
        ),
    )
    received = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)

    request = create(category, answers={}, received_at=received)

    assert request.sla_due_at == received + dt.timedelta(hours=2)
    assert request.priority == Priority.URGENT
    assert not request.is_public


def test_a_uprn_gives_the_location_and_address(pothole, borough):
    request = create(pothole, lat=None, lng=None, uprn=100_000_001)

    assert request.uprn == 100_000_001
    assert request.address_string == "12 Station Road, Demoton, TS40 1AB"
    assert request.ward == borough.northfield
    with pytest.raises(ValidationError) as caught:
        create(pothole, lat=None, lng=None, uprn=999)
    assert errors_of(caught) == {"uprn": ["We do not know an address with this UPRN in the borough"]}


def test_outside_the_borough_is_refused_clearly(pothole):
    with pytest.raises(ValidationError) as caught:
        create(pothole, point=OUTSIDE_POINT)

    assert errors_of(caught) == {
        "location": [
            "This location is outside the area Demo Borough Council looks after. Choose a place inside the borough"
        ]
    }
    assert not ServiceRequest.objects.exists()
    assert not ReferenceCounter.objects.exists()  # no number is used up by a refused report


def test_a_location_is_needed(pothole):
    with pytest.raises(ValidationError) as caught:
        create(pothole, lat=None, lng=None)

    assert errors_of(caught) == {"location": ["Choose a location on the map or enter an address"]}


def test_inactive_categories_take_no_reports(pothole, roads):
    values = {name: getattr(pothole, name) for name in CategoryDetails.__dataclass_fields__}
    services.category_update(acting_user=None, category=pothole, details=CategoryDetails(**{**values, "active": False}))

    with pytest.raises(ValidationError) as caught:
        create(pothole)

    assert errors_of(caught) == {"category": ["This category is no longer taking reports; choose another"]}


def test_other_organisations_problems_are_referred(roads, teams, borough):
    category = make_category(
        roads,
        teams.highways,
        service_code="motorway",
        name="Motorway problem",
        council_responsible=False,
        referral_body_name="National Highways",
        referral_message="Report it to National Highways on 0300 123 5000.",
    )

    with pytest.raises(ValidationError) as caught:
        create(category, answers={})

    assert errors_of(caught) == {"category": ["Report it to National Highways on 0300 123 5000."]}
    assert caught.value.error_dict["category"][0].code == "not_councils_responsibility"


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({}, "Select an answer to: How deep is it?"),
        ({"depth": "  "}, "Select an answer to: How deep is it?"),
        ({"depth": "bottomless"}, "Select one of the choices given for: How deep is it?"),
        ({"depth": ["deep"]}, "Give one answer to: How deep is it?"),
        ({"depth": "deep", "width_cm": "wide"}, "Enter a number for: How wide is it, in cm?"),
        ({"depth": "deep", "width_cm": "NaN"}, "Enter a number for: How wide is it, in cm?"),
        ({"depth": "deep", "noticed": "31/02/2026"}, "Enter a real date and time for: When did you first notice it?"),
        ({"depth": "deep", "noticed": "2026-02-31"}, "Enter a real date and time for: When did you first notice it?"),
        ({"depth": "deep", "where": ["road", "sky"]}, "Select from the choices given for: Where is it?"),
        ({"depth": "deep", "landmark": "x" * 256}, "The answer to Nearest landmark must be 255 characters or fewer"),
        ({"depth": "deep", "notes": "x" * 5001}, "The answer to Anything else? must be 5000 characters or fewer"),
        ({"depth": "deep", "colour": "red"}, "colour is not a question for this category"),
    ],
)
def test_answers_are_checked_by_datatype(pothole, answers, message):
    with pytest.raises(ValidationError) as caught:
        create(pothole, answers=answers)

    assert errors_of(caught) == {"answers": [message]}
    assert not ServiceRequest.objects.exists()


def test_answer_errors_name_their_question_for_forms(pothole):
    with pytest.raises(ValidationError) as caught:
        create(pothole, answers={"width_cm": "wide"})

    errors = caught.value.error_dict["answers"]
    assert [(e.code, e.params["question"]) for e in errors] == [("required", "depth"), ("invalid_number", "width_cm")]


def test_datetime_answers_keep_their_offset_and_read_naive_times_as_london(pothole):
    request = create(pothole, answers={"depth": "deep", "noticed": "2026-07-01T08:30:00"})

    answer = RequestAnswer.objects.get(request=request, question_code="noticed")
    assert answer.value == "2026-07-01T07:30:00+00:00"  # 08:30 BST
    assert answer.display_value == "1 July 2026 08:30"


def test_every_problem_is_reported_at_once(pothole):
    with pytest.raises(ValidationError) as caught:
        create(pothole, description=" ", point=OUTSIDE_POINT, answers={}, channel=Channel.WEB)

    assert set(errors_of(caught)) == {"description", "location", "answers", "contact_email"}


def test_anonymous_web_reports_need_an_email_address(pothole):
    with pytest.raises(ValidationError) as caught:
        create(pothole, channel=Channel.WEB)
    assert errors_of(caught) == {"contact_email": ["Enter your email address so we can confirm your report"]}

    request = create(
        pothole, channel=Channel.WEB, contact=ReporterContact(name=" Pat ", email="Pat@Example.org ", phone="")
    )
    assert (request.reporter, request.contact_name, request.contact_email) == (None, "Pat", "pat@example.org")


def test_categories_can_require_an_account(roads, teams, borough, resident):
    category = make_category(roads, teams.waste, service_code="missed_bin", name="Missed bin", anonymous_allowed=False)

    with pytest.raises(ValidationError) as caught:
        create(category, answers={}, channel=Channel.WEB, contact=ReporterContact(email="pat@example.org"))
    assert errors_of(caught) == {"reporter": ["Sign in to report this problem"]}

    assert create(category, answers={}, channel=Channel.WEB, reporter=resident).reporter == resident


def test_contact_details_must_be_well_formed(pothole):
    with pytest.raises(ValidationError) as caught:
        create(pothole, contact=ReporterContact(email="not-an-email", phone="call me"))

    assert set(errors_of(caught)) == {"contact_email", "contact_phone"}


@pytest.mark.parametrize("channel", [Channel.PHONE, Channel.FACE_TO_FACE, Channel.EMAIL])
def test_assisted_channels_are_staff_only_and_audited(pothole, channel, staff_by_role, resident):
    with pytest.raises(PermissionDenied):
        create(pothole, channel=channel, acting_user=resident)
    with pytest.raises(PermissionDenied):
        create(pothole, channel=channel, acting_user=None)

    adviser = staff_by_role[StaffRole.CUSTOMER_SERVICE_ADVISER]
    request = create(
        pothole, channel=channel, acting_user=adviser, contact=ReporterContact(name="Caller", phone="01632 960 001")
    )

    assert request.channel == channel
    assert request.recorded_by == adviser
    assert request.contact_phone == "01632 960 001"
    [entry] = AuditEntry.objects.filter(action="service_request.created")
    assert (entry.actor_id, entry.actor_role) == (adviser.pk, "customer_service_adviser")
    assert (entry.object_type, entry.object_id) == ("service_requests.service_request", request.reference)
    assert entry.reason == f"Channel: {channel.value}."
    assert "Caller" not in entry.reason


def test_future_or_naive_receipt_times_are_programming_errors(pothole):
    with pytest.raises(ValueError, match="timezone-aware and not in the future"):
        create(pothole, received_at=dt.datetime(2026, 1, 1, 9, 0))  # noqa: DTZ001
    with pytest.raises(ValueError, match="timezone-aware and not in the future"):
        create(pothole, received_at=dt.datetime(2999, 1, 1, tzinfo=dt.UTC))


def test_a_request_is_found_by_its_reference(pothole):
    request = create(pothole)

    assert selectors.service_request_by_reference(reference=request.reference.lower()) == request
    assert selectors.service_request_by_reference(reference="DB-1999-000001") is None
