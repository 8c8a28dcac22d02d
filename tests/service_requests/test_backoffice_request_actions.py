"""The request page's actions: priority, notes and public updates, merging duplicates, referral, SLA clock,
the sensitive flag and blocking reporters (services, and the pages that call them)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from tests.service_requests.conftest import Teams, make_category
from tests.service_requests.test_backoffice_queue import make_staff, report, signed_in
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.notify.models import OutboxMessage
from townhall.service_requests import selectors, services
from townhall.service_requests.constants import Channel, Priority, Status
from townhall.service_requests.models import (
    BlockedReporter,
    RequestSubscription,
    RequestUpdate,
    ServiceRequest,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def north_officer(teams: Teams) -> User:
    return make_staff("north.officer@council.example", StaffRole.CASE_OFFICER, teams.highways_north)


@pytest.fixture
def north_manager(teams: Teams) -> User:
    return make_staff("north.manager@council.example", StaffRole.TEAM_MANAGER, teams.highways_north)


def url(request: ServiceRequest, action: str = "") -> str:
    return f"/staff/requests/{request.pk}/{action}"


def page(client: Client, request: ServiceRequest) -> str:
    response = client.get(url(request))
    assert response.status_code == 200
    return response.content.decode()


def public_page(request: ServiceRequest) -> str:
    response = Client().get(f"/report/{request.reference}/")
    return response.content.decode() if response.status_code == 200 else ""


def make_public(request: ServiceRequest) -> None:
    """Reports made without an account wait for email confirmation; these tests start from a live one."""
    ServiceRequest.objects.filter(pk=request.pk).update(awaiting_confirmation=False)


# --- Priority ----------------------------------------------------------------------------------


def test_priority_change_is_recorded_in_history_and_audited(pothole, north_officer: User) -> None:
    created = report(pothole)
    client = signed_in(north_officer)

    response = client.post(url(created, "priority/"), {"priority-priority": Priority.HIGH})

    assert response.status_code == 302
    created.refresh_from_db()
    assert created.priority == Priority.HIGH
    update = RequestUpdate.objects.get(request=created)
    assert update.internal_note == "Priority changed from Normal to High."
    assert update.public_message == ""
    entry = AuditEntry.objects.get(action=services.ACTION_REQUEST_PRIORITY_CHANGED)
    assert (entry.actor_id, entry.object_id) == (north_officer.pk, created.reference)
    assert "Priority changed from Normal to High." in page(client, created)


def test_priority_unchanged_or_unknown_is_an_error(pothole, north_officer: User) -> None:
    created = report(pothole)
    client = signed_in(north_officer)
    html = client.post(url(created, "priority/"), {"priority-priority": Priority.NORMAL}).content.decode()
    assert "govuk-error-summary" in html
    assert "The priority is already normal" in html
    html = client.post(url(created, "priority/"), {"priority-priority": "99"}).content.decode()
    assert "govuk-error-summary" in html
    assert not RequestUpdate.objects.filter(request=created).exists()


def test_actions_on_another_teams_request_are_not_found(pothole, teams: Teams, north_officer: User) -> None:
    south = report(pothole, north=False)  # Highways, not Highways North
    client = signed_in(north_officer)
    for action, data in (
        ("priority/", {"priority-priority": Priority.HIGH}),
        ("updates/", {"update-internal_note": "x"}),
        ("merge/", {"merge-reference": south.reference}),
        ("referral/", {"referral-body_name": "X", "referral-message": "Y"}),
        ("sla/pause/", {}),
        ("sensitive/", {"sensitive": "yes"}),
        ("blocks/", {"block-reason": "abuse"}),
        ("status/template/", {}),
    ):
        assert client.post(url(south, action), data).status_code == 404, action
    south.refresh_from_db()
    assert (south.priority, south.is_public, south.status) == (Priority.NORMAL, True, Status.OPEN)
    assert not RequestUpdate.objects.filter(request=south).exists()
    with pytest.raises(PermissionDenied):
        services.service_request_priority_change(acting_user=north_officer, service_request=south, priority=1)


# --- Notes and public updates -----------------------------------------------------------------


def test_internal_note_is_never_public(pothole, north_officer: User) -> None:
    created = report(pothole)
    make_public(created)
    client = signed_in(north_officer)

    response = client.post(url(created, "updates/"), {"update-internal_note": "NOTE-ONLY-FOR-STAFF"})

    assert response.status_code == 302
    created.refresh_from_db()
    assert created.status == Status.OPEN
    assert "NOTE-ONLY-FOR-STAFF" in page(client, created)
    assert created.reference in public_page(created)
    assert "NOTE-ONLY-FOR-STAFF" not in public_page(created)
    assert AuditEntry.objects.filter(action=services.ACTION_REQUEST_UPDATE_ADDED).count() == 1


def test_public_update_without_status_change_is_public(pothole, north_officer: User) -> None:
    created = report(pothole)
    make_public(created)
    client = signed_in(north_officer)

    client.post(url(created, "updates/"), {"update-public_message": "We have ordered the materials."})

    update = RequestUpdate.objects.get(request=created)
    assert (update.status_from, update.status_to, update.internal_note) == ("", "", "")
    assert "We have ordered the materials." in public_page(created)


def test_empty_update_is_refused(pothole, north_officer: User) -> None:
    created = report(pothole)
    html = signed_in(north_officer).post(url(created, "updates/"), {"update-internal_note": "  "}).content.decode()
    assert "Enter an internal note or a public update" in html
    assert "govuk-error-summary" in html
    with pytest.raises(ValidationError):
        services.service_request_staff_update_add(acting_user=north_officer, service_request=created)
    assert not RequestUpdate.objects.filter(request=created).exists()


# --- Merging duplicates ------------------------------------------------------------------------


def test_merge_moves_reporter_and_followers_to_the_original(pothole, north_officer: User, resident: User) -> None:
    original = report(pothole)
    copy = report(pothole, contact=services.ReporterContact(name="Bo", email="bo@example.org"))
    follower = RequestSubscription.objects.create(request=copy, user=resident, created_at=copy.received_at)
    client = signed_in(north_officer)

    response = client.post(url(copy, "merge/"), {"merge-reference": original.reference.lower()})

    assert response.status_code == 302
    copy.refresh_from_db()
    assert (copy.status, copy.duplicate_of_id) == (Status.DUPLICATE, original.pk)
    followers = RequestSubscription.objects.filter(request=original)
    assert {(s.user_id, s.email) for s in followers} == {(None, "bo@example.org"), (resident.pk, "")}
    assert not RequestSubscription.objects.filter(pk=follower.pk).exists()
    copy_update = RequestUpdate.objects.get(request=copy)
    assert original.reference in copy_update.public_message
    original_update = RequestUpdate.objects.get(request=original)
    assert original_update.public_message == "Another report of the same problem has been added to this one."
    assert copy.reference not in original_update.public_message
    assert AuditEntry.objects.filter(action=services.ACTION_REQUEST_MERGED, object_id=copy.reference).exists()


def test_merge_refuses_itself_loops_and_requests_out_of_sight(pothole, teams: Teams, north_officer: User) -> None:
    first, second = report(pothole), report(pothole)
    hidden = report(pothole, north=False)  # another team's
    client = signed_in(north_officer)

    html = client.post(url(first, "merge/"), {"merge-reference": first.reference}).content.decode()
    assert "A request cannot be a duplicate of itself" in html
    html = client.post(url(first, "merge/"), {"merge-reference": hidden.reference}).content.decode()
    assert "There is no request with this reference in your teams&#x27; queues" in html
    with pytest.raises(ValidationError):
        services.service_request_merge(acting_user=north_officer, service_request=first, original=hidden)

    # second -> first, then first -> second would be a loop (second is now first's duplicate).
    services.service_request_merge(acting_user=north_officer, service_request=second, original=first)
    services.service_request_status_change(acting_user=None, service_request=first, to=Status.INVESTIGATING)
    with pytest.raises(ValidationError, match=r"itself|loop"):
        services.service_request_merge(acting_user=north_officer, service_request=first, original=second)
    first.refresh_from_db()
    assert first.status == Status.INVESTIGATING
    assert first.duplicate_of_id is None


def test_merging_a_request_with_duplicates_keeps_chains_one_step(pothole, north_officer: User) -> None:
    a, b, c = report(pothole), report(pothole), report(pothole)
    services.service_request_merge(acting_user=north_officer, service_request=b, original=a)
    services.service_request_merge(acting_user=north_officer, service_request=a, original=c)
    b.refresh_from_db()
    assert b.duplicate_of_id == c.pk


def test_status_form_duplicate_goes_through_merge(pothole, north_officer: User) -> None:
    original, copy = report(pothole), report(pothole)
    signed_in(north_officer).post(
        url(copy, "status/"), {"status-status": Status.DUPLICATE, "status-duplicate_of": original.reference}
    )
    copy.refresh_from_db()
    assert copy.duplicate_of_id == original.pk
    assert RequestSubscription.objects.filter(request=original, email="ann.secret@example.org").exists() is False
    # The reporter of the copy (Ann) is the reporter of the original too: she is not added twice.


# --- Not the council's responsibility ------------------------------------------------------------


def test_referral_is_public_and_emailed_to_the_reporter(pothole, north_officer: User) -> None:
    created = report(pothole, contact=services.ReporterContact(name="Cara Jones", email="cara@example.org"))
    make_public(created)
    OutboxMessage.objects.all().delete()
    client = signed_in(north_officer)

    response = client.post(
        url(created, "referral/"),
        {
            "referral-body_name": "National Highways",
            "referral-url": "https://nationalhighways.example/report",
            "referral-message": "Motorways and major A roads are theirs.",
        },
    )

    assert response.status_code == 302
    created.refresh_from_db()
    assert created.status == Status.NOT_COUNCILS_RESPONSIBILITY
    public = public_page(created)
    for text in ("National Highways", "Motorways and major A roads are theirs.", "https://nationalhighways.example"):
        assert text in public, text
    message = OutboxMessage.objects.get()
    assert message.destination == "cara@example.org"
    assert "National Highways" in message.payload["text"]
    assert "Dear Cara" in message.payload["text"]
    assert AuditEntry.objects.filter(action=services.ACTION_REQUEST_REFERRED, object_id=created.reference).exists()


def test_referral_form_is_prefilled_from_the_category(pothole, roads, teams: Teams, north_officer: User) -> None:
    services.category_update(
        acting_user=None,
        category=pothole,
        details=services.CategoryDetails(
            service_code="pothole",
            name="Pothole",
            group=roads,
            sla_amount=5,
            referral_body_name="Trunk Roads Agency",
            referral_message="Trunk roads are not ours.",
        ),
    )
    created = report(pothole)
    html = page(signed_in(north_officer), created)
    assert 'value="Trunk Roads Agency"' in html
    assert "Trunk roads are not ours." in html


def test_referral_needs_a_body_and_a_message_and_a_real_url(pothole, north_officer: User) -> None:
    created = report(pothole)
    html = (
        signed_in(north_officer)
        .post(
            url(created, "referral/"), {"referral-body_name": "", "referral-url": "not a url", "referral-message": ""}
        )
        .content.decode()
    )
    assert "Enter who is responsible instead" in html
    assert "Enter the message the resident sees" in html
    with pytest.raises(ValidationError) as caught:
        services.service_request_refer(
            acting_user=north_officer,
            service_request=created,
            referral=services.Referral(body_name="X", message="Y", url="javascript:alert(1)"),
        )
    assert "url" in caught.value.message_dict
    created.refresh_from_db()
    assert created.status == Status.OPEN


# --- SLA clock -----------------------------------------------------------------------------------


def test_sla_pause_and_resume_buttons_only_where_the_category_allows(
    pothole, roads, teams: Teams, north_officer: User
) -> None:
    created = report(pothole)
    client = signed_in(north_officer)
    html = page(client, created)
    assert "Pause the SLA clock" not in html
    assert "does not pause while waiting" in html
    client.post(url(created, "sla/pause/"))
    created.refresh_from_db()
    assert created.sla_paused_since is None

    waiting = make_category(roads, teams.highways_north, service_code="hedge", name="Overgrown hedge")
    services.category_update(
        acting_user=None,
        category=waiting,
        details=services.CategoryDetails(
            service_code="hedge", name="Overgrown hedge", group=roads, sla_amount=5, pause_sla_while_waiting=True
        ),
    )
    hedge = report(waiting)
    assert "Pause the SLA clock" in page(client, hedge)
    assert client.post(url(hedge, "sla/pause/")).status_code == 302
    hedge.refresh_from_db()
    assert hedge.sla_paused_since is not None
    html = page(client, hedge)
    assert "Clock paused" in html
    assert "Restart the SLA clock" in html
    client.post(url(hedge, "sla/resume/"))
    hedge.refresh_from_db()
    assert hedge.sla_paused_since is None


def test_overdue_request_is_highlighted(pothole, north_officer: User) -> None:
    created = report(pothole)
    ServiceRequest.objects.filter(pk=created.pk).update(sla_due_at=created.received_at)
    assert "Overdue" in page(signed_in(north_officer), created)


# --- Sensitive flag ------------------------------------------------------------------------------


def test_sensitive_hides_at_once_and_can_be_undone(pothole, north_officer: User) -> None:
    created = report(pothole)
    make_public(created)
    assert public_page(created)
    assert created.reference in [r.reference for r in selectors.public_service_requests()]
    client = signed_in(north_officer)

    assert client.post(url(created, "sensitive/"), {"sensitive": "yes"}).status_code == 302

    created.refresh_from_db()
    assert created.is_public is False
    assert Client().get(f"/report/{created.reference}/").status_code == 404
    assert created.reference not in [r.reference for r in selectors.public_service_requests()]
    assert AuditEntry.objects.filter(action=services.ACTION_REQUEST_SENSITIVE_CHANGED).count() == 1
    assert "Sensitive" in page(client, created)

    client.post(url(created, "sensitive/"), {"sensitive": "no"})
    created.refresh_from_db()
    assert created.is_public is True
    assert public_page(created)


# --- Blocking reporters --------------------------------------------------------------------------


def test_case_officer_cannot_block(pothole, north_officer: User) -> None:
    created = report(pothole)
    client = signed_in(north_officer)
    assert "Block the reporter</button>" not in page(client, created)
    assert client.post(url(created, "blocks/"), {"block-reason": "abusive"}).status_code == 403
    assert not BlockedReporter.objects.exists()


def test_manager_blocks_an_email_address_and_new_reports_are_refused(pothole, north_manager: User) -> None:
    created = report(pothole)
    client = signed_in(north_manager)
    html = client.post(url(created, "blocks/"), {"block-reason": ""}).content.decode()
    assert "Enter why the reporter is being blocked" in html

    assert client.post(url(created, "blocks/"), {"block-reason": "Abusive language"}).status_code == 302

    block = BlockedReporter.objects.get()
    assert (block.email, block.user_id, block.blocked_by_id) == ("ann.secret@example.org", None, north_manager.pk)
    assert AuditEntry.objects.filter(action=services.ACTION_REPORTER_BLOCKED).exists()
    with pytest.raises(ValidationError) as caught:
        report(pothole, contact=services.ReporterContact(name="Ann", email="ANN.SECRET@example.org"))
    assert caught.value.message_dict == {"reporter": [services.BLOCKED_REPORTER_MESSAGE]}
    assert "block" not in services.BLOCKED_REPORTER_MESSAGE.lower()
    # Staff recording a phone call decide for themselves.
    report(pothole, acting_user=north_manager, channel=Channel.PHONE)

    html = page(client, created)
    assert "Abusive language" in html
    assert client.post(url(created, f"blocks/{block.pk}/")).status_code == 302
    block.refresh_from_db()
    assert block.lifted_at is not None
    report(pothole, contact=services.ReporterContact(name="Ann", email="ann.secret@example.org"))


def test_blocked_account_cannot_report(pothole, north_manager: User, resident: User) -> None:
    created = report(pothole, reporter=resident, contact=None)
    services.reporter_block(acting_user=north_manager, service_request=created, reason="Threats")
    assert BlockedReporter.objects.get().user_id == resident.pk
    with pytest.raises(ValidationError):
        report(pothole, reporter=resident, contact=None)
    with pytest.raises(ValidationError, match="already blocked"):
        services.reporter_block(acting_user=north_manager, service_request=created, reason="Again")
