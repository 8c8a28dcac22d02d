"""The back office at /staff/consultations/: team managers and administrators only; the CSV download is audited."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from tests.engagement.conftest import MakeConsultation, service_answers
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.engagement import services
from townhall.engagement.constants import Phase
from townhall.engagement.models import Consultation

pytestmark = pytest.mark.django_db
StaffClient = Callable[[StaffRole], Client]


def test_a_team_manager_sets_up_and_publishes_a_consultation_without_javascript(staff_client: StaffClient) -> None:
    client = staff_client(StaffRole.TEAM_MANAGER)
    assert client.get("/staff/consultations/").status_code == 200
    today = timezone.localdate()
    errors = client.post("/staff/consultations/new/", {"title": "", "slug": "Not A Slug"})
    assert errors.status_code == 400
    assert "Enter a title" in errors.content.decode()
    assert "lower case letters, numbers and hyphens" in errors.content.decode()

    response = client.post(
        "/staff/consultations/new/",
        {
            "title": "Park opening hours",
            "slug": "park-hours",
            "summary": "Should parks open later?",
            "body": "We propose later hours.",
            "opens_on": today.isoformat(),
            "closes_on": today.replace(year=today.year + 1).isoformat(),
        },
    )
    consultation = Consultation.objects.get(slug="park-hours")
    assert response["Location"] == f"/staff/consultations/questions/{consultation.pk}/"

    management = {
        "questions-TOTAL_FORMS": "3",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "50",
    }
    bad = client.post(
        f"/staff/consultations/questions/{consultation.pk}/",
        {**management, "questions-0-text": "Open later?", "questions-0-kind": "single", "questions-0-options": "Yes"},
    )
    assert bad.status_code == 400
    assert "needs 2 to 20 options" in bad.content.decode()
    saved = client.post(
        f"/staff/consultations/questions/{consultation.pk}/",
        {
            **management,
            "questions-0-text": "Open later?",
            "questions-0-kind": "single",
            "questions-0-options": "Yes\nNo",
            "questions-0-required": "on",
            "questions-1-text": "Why?",
            "questions-1-kind": "text",
        },
    )
    assert saved.status_code == 302
    assert [q.text for q in consultation.questions.all()] == ["Open later?", "Why?"]

    unchanged = {
        **management,
        "questions-TOTAL_FORMS": "5",
        "questions-INITIAL_FORMS": "2",
        "questions-0-text": "Open later?",
        "questions-0-kind": "single",
        "questions-0-options": "Yes\nNo",
        "questions-0-required": "on",
        "questions-1-text": "Why?",
        "questions-1-kind": "text",
        **{f"questions-{n}-kind": "single" for n in (2, 3, 4)},
    }
    assert client.post(f"/staff/consultations/questions/{consultation.pk}/", unchanged).status_code == 302
    assert [q.text for q in consultation.questions.all()] == ["Open later?", "Why?"]
    removed = client.post(
        f"/staff/consultations/questions/{consultation.pk}/", {**unchanged, "questions-1-DELETE": "on"}
    )
    assert removed.status_code == 302
    assert [q.text for q in consultation.questions.all()] == ["Open later?"]

    client.post(f"/staff/consultations/publish/{consultation.pk}/")
    consultation.refresh_from_db()
    assert consultation.phase() == Phase.OPEN
    assert client.get(f"/staff/consultations/{consultation.pk}/").status_code == 200

    client.post(f"/staff/consultations/close/{consultation.pk}/", {"reason": "Enough responses"})
    consultation.refresh_from_db()
    assert consultation.phase() == Phase.CLOSED
    client.post(f"/staff/consultations/outcome/{consultation.pk}/", {"outcome": "We will open later."})
    consultation.refresh_from_db()
    assert consultation.outcome == "We will open later."


def test_downloading_responses_is_audited_and_leaves_out_who_responded(
    staff_client: StaffClient, resident: User, make_consultation: MakeConsultation
) -> None:
    consultation = make_consultation("open")
    services.response_submit(
        consultation=consultation,
        acting_user=resident,
        answers=service_answers(consultation, support="No", days=("Saturday", "Sunday"), text="=HYPERLINK(1)"),
    )
    client = staff_client(StaffRole.TEAM_MANAGER)
    response = client.get(f"/staff/consultations/responses/{consultation.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][5:] == ["Do you support the plan?", "Which days do you visit?", "Anything else?"]
    assert rows[1][5:] == ["No", "Saturday; Sunday", "'=HYPERLINK(1)"]
    assert resident.email not in response.content.decode()
    entry = AuditEntry.objects.get(action="engagement.responses.exported")
    assert entry.object_id == str(consultation.pk)
    assert entry.actor_role == StaffRole.TEAM_MANAGER


@pytest.mark.parametrize("role", [StaffRole.CASE_OFFICER, StaffRole.CUSTOMER_SERVICE_ADVISER, StaffRole.DATA_STEWARD])
def test_other_staff_get_not_found_and_nothing_is_audited(
    staff_client: StaffClient, make_consultation: MakeConsultation, role: StaffRole
) -> None:
    consultation = make_consultation("open")
    client = staff_client(role)
    for url in (
        "/staff/consultations/",
        "/staff/consultations/new/",
        f"/staff/consultations/{consultation.pk}/",
        f"/staff/consultations/responses/{consultation.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/staff/consultations/withdraw/{consultation.pk}/").status_code == 404
    consultation.refresh_from_db()
    assert consultation.phase() == Phase.OPEN
    assert not AuditEntry.objects.filter(action="engagement.responses.exported").exists()


def test_administrators_may_run_consultations(staff_client: StaffClient, make_consultation: MakeConsultation) -> None:
    consultation = make_consultation("open")
    client = staff_client(StaffRole.ADMINISTRATOR)
    assert client.get(f"/staff/consultations/responses/{consultation.pk}/").status_code == 200


def test_residents_and_visitors_cannot_reach_the_back_office(
    client: Client, resident: User, make_consultation: MakeConsultation
) -> None:
    consultation = make_consultation("open")
    assert client.get(f"/staff/consultations/responses/{consultation.pk}/").status_code == 302  # to sign in
    client.force_login(resident)
    assert client.get(f"/staff/consultations/responses/{consultation.pk}/").status_code == 404
