"""Response templates: the administrators' editor (/staff/catalogue/templates/) and the request page's picker."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.service_requests.conftest import Teams, make_category
from tests.service_requests.test_backoffice_queue import make_staff, report, signed_in
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.service_requests import selectors, services
from townhall.service_requests.constants import Status
from townhall.service_requests.models import RequestUpdate, ResponseTemplate

pytestmark = pytest.mark.django_db

EDITOR = "/staff/catalogue/templates/"


@pytest.fixture
def admin(teams: Teams) -> User:
    return make_staff("admin@council.example", StaffRole.ADMINISTRATOR)


@pytest.fixture
def north_officer(teams: Teams) -> User:
    return make_staff("north.officer@council.example", StaffRole.CASE_OFFICER, teams.highways_north)


def template(title: str, text: str, **extra: object) -> ResponseTemplate:
    details = services.ResponseTemplateDetails(title=title, text=text, **extra)  # type: ignore[arg-type]
    return services.response_template_create(acting_user=None, details=details)


def test_administrator_creates_edits_and_deactivates_a_template(pothole, admin: User) -> None:
    client = signed_in(admin)
    assert client.get(EDITOR).status_code == 200
    assert client.get(EDITOR + "new/").status_code == 200

    response = client.post(
        EDITOR + "new/",
        {
            "title": "Fixed",
            "text": "We have filled the pothole.",
            "category": pothole.pk,
            "status": "fixed",
            "active": "on",
        },
    )

    assert response.status_code == 302
    created = ResponseTemplate.objects.get()
    assert (created.category_id, created.status, created.active) == (pothole.pk, Status.FIXED, True)
    assert "Fixed" in client.get(EDITOR).content.decode()

    response = client.post(
        f"{EDITOR}{created.pk}/",
        {"title": "Fixed", "text": "We have filled the pothole.", "category": "", "status": ""},
    )

    assert response.status_code == 302
    created.refresh_from_db()
    assert (created.category_id, created.status, created.active) == (None, "", False)
    assert "Inactive" in client.get(EDITOR).content.decode()
    actions = list(
        AuditEntry.objects.filter(object_type=services.OBJECT_RESPONSE_TEMPLATE).values_list("action", flat=True)
    )
    assert actions == [services.ACTION_RESPONSE_TEMPLATE_CREATED, services.ACTION_RESPONSE_TEMPLATE_UPDATED]


def test_editor_errors_are_shown_and_nothing_is_saved(admin: User) -> None:
    html = signed_in(admin).post(EDITOR + "new/", {"title": "", "text": ""}).content.decode()
    assert "govuk-error-summary" in html
    assert "Enter a title" in html
    assert "Enter the text of the update" in html
    assert not ResponseTemplate.objects.exists()


def test_only_administrators_edit_templates(pothole, north_officer: User) -> None:
    assert signed_in(north_officer).get(EDITOR).status_code == 404
    with pytest.raises(PermissionDenied):
        services.response_template_create(
            acting_user=north_officer, details=services.ResponseTemplateDetails(title="x", text="y")
        )
    with pytest.raises(ValidationError):
        services.response_template_create(
            acting_user=None, details=services.ResponseTemplateDetails(title="x", text="y", status="nonsense")
        )


def test_templates_for_the_category_and_status_come_first(pothole, roads, teams: Teams) -> None:
    general = template("General thanks", "Thank you.")
    general_fixed = template("General fixed", "Fixed.", status=Status.FIXED)
    pothole_fixed = template("Pothole fixed", "Pothole filled.", category=pothole, status=Status.FIXED)
    pothole_any = template("Pothole any", "About your pothole.", category=pothole)
    template("Pothole scheduled", "Crew booked.", category=pothole, status=Status.ACTION_SCHEDULED)
    template("Old", "Gone.", active=False)
    other = make_category(roads, teams.highways, service_code="kerb", name="Kerb")
    template("Kerb", "Kerb.", category=other)

    offered = selectors.response_templates_for(category=pothole, status=Status.FIXED)

    assert offered == [pothole_fixed, pothole_any, general_fixed, general]


def test_picker_fills_the_public_message_without_javascript(pothole, north_officer: User) -> None:
    chosen = template("Pothole fixed", "We filled the pothole today.", category=pothole, status=Status.FIXED)
    created = report(pothole)
    client = signed_in(north_officer)
    html = client.get(f"/staff/requests/{created.pk}/").content.decode()
    assert "Use template" in html
    assert "Pothole fixed (Pothole, Fixed)" in html

    response = client.post(
        f"/staff/requests/{created.pk}/status/template/",
        {"status-status": Status.FIXED, "status-template": chosen.pk, "status-internal_note": "KEEP-THIS-NOTE"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "We filled the pothole today.</textarea>" in html
    assert "KEEP-THIS-NOTE</textarea>" in html
    assert 'value="fixed" selected' in html
    assert "govuk-error-summary" not in html
    assert not RequestUpdate.objects.filter(request=created).exists()  # nothing saved until "Change status"

    client.post(
        f"/staff/requests/{created.pk}/status/",
        {"status-status": Status.FIXED, "status-public_message": "We filled the pothole today."},
    )
    assert RequestUpdate.objects.get(request=created).public_message == "We filled the pothole today."


def test_picker_without_a_choice_shows_an_error(pothole, north_officer: User) -> None:
    template("Any", "Text.")
    created = report(pothole)
    html = (
        signed_in(north_officer)
        .post(f"/staff/requests/{created.pk}/status/template/", {"status-public_message": "typed"})
        .content.decode()
    )
    assert "Choose a template" in html
    assert "govuk-error-summary" in html
    assert "typed</textarea>" in html
