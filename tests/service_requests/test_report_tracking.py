"""The public tracking page /report/<reference>/: what anyone may see, and nothing private."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.service_requests.conftest import NORTH_POINT, make_category
from townhall.accounts.constants import StaffRole
from townhall.service_requests import services
from townhall.service_requests.constants import Channel, Status
from townhall.service_requests.models import Category, ServiceRequest
from townhall.service_requests.services import ReporterContact

pytestmark = pytest.mark.django_db


def report(category: Category, **extra: object) -> ServiceRequest:
    fields: dict[str, object] = {
        "acting_user": None,
        "category": category,
        "description": "Hole outside my house at 12 Station Road, call me on 07700 900 982",
        "channel": Channel.WEB,
        "lat": NORTH_POINT[0],
        "lng": NORTH_POINT[1],
        "uprn": 100_000_001,
        "answers": {"depth": "deep"} if category.service_code == "pothole" else {},
        "contact": ReporterContact(name="Ann Secret", email="ann.secret@example.org", phone="07700 900 982"),
    }
    fields.update(extra)
    return services.service_request_create(**fields)  # type: ignore[arg-type]


def test_tracking_page_shows_public_facts_and_updates_only(
    client: Client, other_resident, pothole, borough, staff_by_role
) -> None:
    created = report(pothole)
    officer = staff_by_role[StaffRole.CASE_OFFICER]
    services.service_request_status_change(
        acting_user=officer,
        service_request=created,
        to=Status.ACTION_SCHEDULED,
        public_message="A crew will fill it this week.",
        internal_note="Reporter sounded angry; PRIVATE-NOTE-123",
    )
    services.service_request_status_change(
        acting_user=officer, service_request=created, to=Status.FIXED, internal_note="Only staff see this"
    )

    for viewer in (None, other_resident):
        if viewer is not None:
            client.force_login(viewer)
        response = client.get(f"/report/{created.reference}/")
        assert response.status_code == 200
        html = response.content.decode()
        for expected in (
            created.reference,
            "Pothole",
            "Northfield",
            "Station Road",
            "Fixed",
            "Action scheduled",
            "A crew will fill it this week.",
            created.received_at.strftime("%Y"),
        ):
            assert expected in html, expected
        for private in (
            "Ann Secret",
            "ann.secret@example.org",
            "07700 900 982",
            "PRIVATE-NOTE-123",
            "Only staff see this",
            "angry",
            "12 Station Road",
            officer.email,
            "INVALID_TEMPLATE_VARIABLE",
        ):
            assert private not in html, private


def test_lower_case_reference_finds_the_report(client: Client, pothole) -> None:
    created = report(pothole)
    assert client.get(f"/report/{created.reference.lower()}/").status_code == 200


def test_a_non_public_request_is_not_found(client: Client, roads, teams, borough, resident) -> None:
    private = make_category(roads, teams.highways, service_code="concern", name="Welfare concern", is_public=False)
    created = report(private, reporter=resident, contact=None)
    assert client.get(f"/report/{created.reference}/").status_code == 404
    client.force_login(resident)  # not even its own reporter sees it on the public page
    assert client.get(f"/report/{created.reference}/").status_code == 404


def test_a_request_hidden_by_staff_is_not_found(client: Client, pothole) -> None:
    created = report(pothole)
    ServiceRequest.objects.filter(pk=created.pk).update(is_public=False)
    assert client.get(f"/report/{created.reference}/").status_code == 404


def test_unknown_reference_is_not_found(client: Client, pothole) -> None:
    assert client.get("/report/DB-2026-999999/").status_code == 404


def test_confirmation_page_is_only_for_whoever_submitted_it(client: Client, pothole) -> None:
    created = report(pothole)
    assert client.get(f"/report/{created.reference}/confirmation/").status_code == 404
