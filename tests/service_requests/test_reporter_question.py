"""A case officer asks the reporter a question: the request waits for them until their next update answers it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from pytest_django.fixtures import Settings

from tests.conftest import TEST_PASSWORD
from tests.fakes.smtp_server import FakeSmtpServer
from tests.service_requests.conftest import Teams
from tests.service_requests.test_backoffice_queue import make_staff, references, report, signed_in
from townhall.accounts import services as account_services
from townhall.accounts.constants import Relationship, StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.notify import services as notify
from townhall.notify.models import OutboxMessage
from townhall.service_requests import selectors, services
from townhall.service_requests.constants import Status
from townhall.service_requests.models import Category, RequestUpdate, ServiceRequest

pytestmark = pytest.mark.django_db

QUESTION = "Is the hole on the pavement or the road?"


@pytest.fixture
def north_officer(teams: Teams) -> User:
    return make_staff("north.officer@council.example", StaffRole.CASE_OFFICER, teams.highways_north)


@pytest.fixture
def smtp_server(settings: Settings) -> Iterator[FakeSmtpServer]:
    server = FakeSmtpServer().start()
    for name, value in server.django_settings().items():
        setattr(settings, name, value)
    yield server
    server.stop()


def live(created: ServiceRequest) -> ServiceRequest:
    """Reports made without an account wait for email confirmation; these tests start from a live one."""
    ServiceRequest.objects.filter(pk=created.pk).update(awaiting_confirmation=False)
    created.refresh_from_db()
    return created


def ask(client: Client, created: ServiceRequest, question: str = QUESTION) -> str:
    response = client.post(f"/staff/requests/{created.pk}/question/", {"question-question": question})
    assert response.status_code in {200, 302}, response.status_code
    return response.content.decode()


def track(client: Client, created: ServiceRequest) -> str:
    response = client.get(f"/report/{created.reference}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "INVALID_TEMPLATE_VARIABLE" not in html
    return html


def owned_by(resident: User, pothole: Category) -> ServiceRequest:
    return report(pothole, reporter=resident, contact=None)


def test_the_officer_asks_and_the_reporter_is_emailed_and_audited(
    pothole: Category, resident: User, north_officer: User, smtp_server: FakeSmtpServer
) -> None:
    created = owned_by(resident, pothole)
    OutboxMessage.objects.all().delete()
    staff = signed_in(north_officer)

    response = staff.post(f"/staff/requests/{created.pk}/question/", {"question-question": QUESTION})

    assert response.status_code == 302
    assert response["Location"] == f"/staff/requests/{created.pk}/#ask-reporter"
    created.refresh_from_db()
    assert created.awaiting_reporter_since is not None
    update = RequestUpdate.objects.get(request=created)
    assert (update.reporter_question, update.public_message, update.author) == (QUESTION, "", north_officer)
    entry = AuditEntry.objects.get(action=services.ACTION_REQUEST_REPORTER_QUESTION, object_id=created.reference)
    assert entry.actor_id == north_officer.pk
    message = OutboxMessage.objects.get()
    assert message.destination == resident.email
    assert message.idempotency_key == f"service_request:{created.reference}:question:{update.pk}"
    assert notify.outbox_deliver_due().delivered == 1
    [mail] = smtp_server.messages
    assert mail.recipients == (resident.email,)
    assert mail.message["Subject"] == f"Your report {created.reference}: we need more information"
    text = mail.message.get_body(("plain",)).get_content()
    assert QUESTION in text
    assert f"/report/{created.reference}/" in text
    staff_page = staff.get(f"/staff/requests/{created.pk}/").content.decode()
    assert "Question to the reporter" in staff_page
    assert "Waiting for the reporter" in staff_page


def test_only_the_reporter_sees_the_question(pothole: Category, resident: User, north_officer: User) -> None:
    created = owned_by(resident, pothole)
    ask(signed_in(north_officer), created)
    owner = Client()
    owner.force_login(resident)
    html = track(owner, created)
    assert "We need more information from you" in html
    assert QUESTION in html
    assert "Reply to our question" in html
    neighbour = account_services.user_create_resident(
        email="neighbour@example.org", password=TEST_PASSWORD, given_name="Ned", family_name="Bour"
    )
    other = Client()
    other.force_login(neighbour)
    for html in (track(Client(), created), track(other, created)):
        assert QUESTION not in html
        assert "We need more information" not in html
    # Open311 and the API never show it: it is not a public update.
    assert QUESTION not in Client().get("/open311/v2/requests.json").content.decode()
    assert selectors.public_updates_on_requests_of(user=resident).filter(reporter_question__gt="").count() == 0
    # A sensitive request has no public page: the other resident gets the existing 404.
    services.service_request_sensitive_set(acting_user=north_officer, service_request=created, sensitive=True)
    assert other.get(f"/report/{created.reference}/").status_code == 404


def test_the_owners_update_answers_it(pothole: Category, resident: User, north_officer: User) -> None:
    created = owned_by(resident, pothole)
    ask(signed_in(north_officer), created)
    owner = Client()
    owner.force_login(resident)
    before = ServiceRequest.objects.get(pk=created.pk).updated_at

    response = owner.post(f"/report/{created.reference}/update/", {"message": "On the road, by the kerb"})

    assert response.status_code == 302
    created.refresh_from_db()
    assert created.awaiting_reporter_since is None
    assert created.updated_at > before  # back at the top of the queue sorted by last change
    entry = AuditEntry.objects.get(action=services.ACTION_REQUEST_REPORTER_UPDATE, object_id=created.reference)
    assert entry.reason == "Replies to the council's question."
    assert "We need more information from you" not in track(owner, created)


def test_the_manage_link_in_the_question_email_lets_an_anonymous_reporter_reply(
    pothole: Category, north_officer: User
) -> None:
    created = live(report(pothole))
    ask(signed_in(north_officer), created)
    text = OutboxMessage.objects.get(idempotency_key__contains=":question:").payload["text"]
    assert "Dear Ann" in text
    link = re.search(r"http://testserver(/report/[^/]+/manage/\S+/)", text)
    assert link is not None, text
    reporter = Client()
    assert "We need more information" not in track(reporter, created)
    assert reporter.get(link.group(1)).status_code == 302
    assert QUESTION in track(reporter, created)

    assert reporter.post(f"/report/{created.reference}/update/", {"message": "On the road"}).status_code == 302

    created.refresh_from_db()
    assert created.awaiting_reporter_since is None
    entry = AuditEntry.objects.get(action=services.ACTION_REQUEST_REPORTER_UPDATE, object_id=created.reference)
    assert entry.reason == "Through the signed manage link. Replies to the council's question."


def test_refused_when_closed_or_without_an_email_address(pothole: Category, north_officer: User) -> None:
    staff = signed_in(north_officer)
    no_email = live(report(pothole))
    ServiceRequest.objects.filter(pk=no_email.pk).update(contact_email="")
    html = ask(staff, no_email)
    assert "We have no email address for the reporter" in html
    assert "govuk-error-summary" in html

    closed = live(report(pothole))
    services.service_request_status_change(acting_user=north_officer, service_request=closed, to=Status.FIXED)
    html = ask(staff, closed)
    assert "This request is closed" in html

    assert "Enter your question" in ask(staff, closed, "   ")
    assert "must be 2000 characters or fewer" in ask(staff, no_email, "x" * 2001)
    assert not RequestUpdate.objects.exclude(reporter_question="").exists()
    assert not ServiceRequest.objects.filter(awaiting_reporter_since__isnull=False).exists()
    assert not AuditEntry.objects.filter(action=services.ACTION_REQUEST_REPORTER_QUESTION).exists()
    assert not OutboxMessage.objects.filter(idempotency_key__contains=":question:").exists()


def test_another_teams_officer_gets_a_404_and_residents_cannot_ask(
    pothole: Category, teams: Teams, resident: User
) -> None:
    created = owned_by(resident, pothole)  # Northfield: Highways North's
    waste_officer = make_staff("waste.officer@council.example", StaffRole.CASE_OFFICER, teams.waste)
    response = signed_in(waste_officer).post(f"/staff/requests/{created.pk}/question/", {"question-question": QUESTION})
    assert response.status_code == 404
    owner = Client()
    owner.force_login(resident)
    assert owner.post(f"/staff/requests/{created.pk}/question/", {"question-question": QUESTION}).status_code in {
        302,
        403,
        404,
    }
    created.refresh_from_db()
    assert created.awaiting_reporter_since is None
    assert not RequestUpdate.objects.exclude(reporter_question="").exists()


def test_closing_the_request_ends_the_wait(pothole: Category, resident: User, north_officer: User) -> None:
    created = owned_by(resident, pothole)
    services.service_request_reporter_question_ask(acting_user=north_officer, service_request=created, question="?")
    assert created.awaiting_reporter_since is not None
    services.service_request_status_change(acting_user=north_officer, service_request=created, to=Status.FIXED)
    created.refresh_from_db()
    assert created.awaiting_reporter_since is None
    assert selectors.requests_awaiting_reply(user=resident) == []
    with pytest.raises(ValidationError), transaction.atomic():
        services.service_request_reporter_question_ask(acting_user=north_officer, service_request=created, question="?")
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses a closed request that waits
        ServiceRequest.objects.filter(pk=created.pk).update(awaiting_reporter_since=created.closed_at)


def test_queue_filter_and_tag(pothole: Category, resident: User, north_officer: User) -> None:
    waiting = owned_by(resident, pothole)
    other = owned_by(resident, pothole)
    staff = signed_in(north_officer)
    ask(staff, waiting)
    assert references(staff, "?waiting=on") == {waiting.reference}
    assert references(staff) == {waiting.reference, other.reference}
    html = staff.get("/staff/requests/").content.decode()
    assert html.count('govuk-tag--yellow">Waiting for the reporter') == 1
    assert 'name="waiting"' in html
    # Saved filters keep it.
    assert services.saved_filter_query_clean("waiting=on&bogus=1") == "waiting=on"


def test_an_authorised_representative_sees_and_answers_it(
    pothole: Category, resident: User, north_officer: User
) -> None:
    carer = account_services.user_create_resident(
        email="carer@example.org", password=TEST_PASSWORD, given_name="Cara", family_name="Carer", email_verified=True
    )
    account_services.representation_authorise(
        acting_user=resident, represented=resident, representative_email=carer.email, relationship=Relationship.CARER
    )
    created = owned_by(resident, pothole)
    ask(signed_in(north_officer), created)
    client = Client()
    client.force_login(carer)
    assert QUESTION not in track(client, created)  # as themself, the carer is the public
    assert client.post(f"/account/act-for/{resident.pk}/").status_code == 302
    assert QUESTION in track(client, created)

    assert client.post(f"/report/{created.reference}/update/", {"message": "She says the road"}).status_code == 302

    created.refresh_from_db()
    assert created.awaiting_reporter_since is None
    entry = AuditEntry.objects.get(action=services.ACTION_REQUEST_REPORTER_UPDATE, object_id=created.reference)
    assert entry.actor_id == carer.pk
    assert entry.reason.endswith("Replies to the council's question.")
