"""Erasure (issue 5 "Data rights", must-show item 4): erase what nothing requires us to keep, say why the rest is kept.

Checked in every app that holds personal data, with a neighbour whose data must not move,
and the audit chain verified afterwards.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.test import Client

from tests.conftest import TEST_PASSWORD
from tests.myaccount.conftest import RESIDENT_PHONE, DataSubject
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.audit.services import audit_chain_verify
from townhall.myaccount import services
from townhall.myaccount.constants import ErasureState, ExportState
from townhall.myaccount.models import (
    AddressChange,
    CommunicationPreferences,
    ConsentDecision,
    DataExport,
    DigitalChampion,
    ErasureRequest,
    ResidentProfile,
    SuggestionOpened,
    TimelineFeed,
)
from townhall.notify.models import Correspondence, OutboxMessage
from townhall.service_requests.models import (
    AreaAlert,
    BlockedReporter,
    RequestAnswer,
    RequestPhoto,
    RequestSubscription,
    RequestUpdate,
    ServiceRequest,
)

pytestmark = pytest.mark.django_db

PER_USER_MODELS = (
    ResidentProfile,
    AddressChange,
    CommunicationPreferences,
    ConsentDecision,
    TimelineFeed,
    SuggestionOpened,
    DigitalChampion,
    DataExport,
)


def counts_for(user: User) -> dict[str, int]:
    """How many rows each source holds for `user`: the neighbour's must not change."""
    counts = {model.__name__: model.objects.filter(user=user).count() for model in PER_USER_MODELS}
    counts["Correspondence"] = Correspondence.objects.filter(recipient=user).count()
    counts["OutboxMessage"] = OutboxMessage.objects.filter(destination__iexact=user.email).count()
    counts["ServiceRequest"] = ServiceRequest.objects.filter(reporter=user, contact_email=user.email).count()
    counts["RequestSubscription"] = RequestSubscription.objects.filter(user=user).count()
    counts["AreaAlert"] = AreaAlert.objects.filter(user=user).count()
    counts["EmailAddress"] = EmailAddress.objects.filter(user=user).count()
    return counts


def test_erasure_removes_or_anonymises_in_every_app_and_keeps_reports_without_the_reporter(
    data_subject: DataSubject, private_media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    resident, neighbour, report = data_subject.resident, data_subject.neighbour, data_subject.report
    email, name = resident.email, resident.get_full_name()
    with django_capture_on_commit_callbacks(execute=True):
        download = services.data_export_request(acting_user=resident, user=resident)
    download.refresh_from_db()
    assert download.state == ExportState.READY
    neighbour_before = counts_for(neighbour)
    answers_before = RequestAnswer.objects.filter(request=report).count()
    assert answers_before
    assert RequestPhoto.objects.filter(request=report).exists()

    with django_capture_on_commit_callbacks(execute=True):
        erasure = services.erasure_request_create(acting_user=resident, user=resident)

    # accounts: closed and anonymised, with nothing left to sign in with.
    erased = User.objects.get(pk=resident.pk)
    assert erased.email == f"erased-{resident.pk}@erased.invalid"
    assert (erased.given_name, erased.family_name) == ("", "")
    assert not erased.is_active
    assert not erased.has_usable_password()
    assert not EmailAddress.objects.filter(Q(user=erased) | Q(email__iexact=email)).exists()
    assert not Authenticator.objects.filter(user=erased).exists()
    if apps.is_installed("allauth.usersessions"):
        assert not apps.get_model("usersessions", "UserSession").objects.filter(user=erased).exists()
    # myaccount: every row of theirs is gone, the download's file too.
    for model in PER_USER_MODELS:
        assert not model.objects.filter(user=erased).exists(), model.__name__
    assert not (private_media / download.file_name).exists()
    # notify: no inbox; messages keep only the fact they were sent.
    assert not Correspondence.objects.filter(recipient=erased).exists()
    assert not OutboxMessage.objects.filter(destination__iexact=email).exists()
    assert not OutboxMessage.objects.filter(payload__icontains=name).exists()
    # service_requests: the report is kept, without the reporter; follows and alerts are gone.
    report.refresh_from_db()
    assert report.reporter_id is None
    assert (report.contact_name, report.contact_email, report.contact_phone) == ("", "", "")
    assert RequestAnswer.objects.filter(request=report).count() == answers_before
    assert not RequestUpdate.objects.filter(author_id=resident.pk).exists()
    assert RequestUpdate.objects.filter(request=report, public_message="It is getting deeper", author=None).exists()
    assert set(RequestPhoto.objects.filter(request=report).values_list("original_name", flat=True)) == {""}
    assert not RequestSubscription.objects.filter(Q(user=erased) | Q(email__iexact=email)).exists()
    assert not AreaAlert.objects.filter(Q(user=erased) | Q(email__iexact=email)).exists()
    assert BlockedReporter.objects.filter(user=erased, lifted_at__isnull=True).exists(), "a block in force is kept"
    # The neighbour's data has not moved (including their follow of the erased resident's report).
    assert counts_for(neighbour) == neighbour_before
    assert RequestSubscription.objects.filter(request=report, user=neighbour).exists()

    # The outcome says what was kept and why, and waits for review.
    assert erasure.state == ErasureState.AWAITING_REVIEW
    assert erasure.completed_at is None
    retained = {item["what"]: item for item in erasure.outcome if item["action"] == "retained"}
    assert "Limitation Act 1980" in retained["Reports you made"]["reason"]
    assert "your name and contact details were removed" in retained["Reports you made"]["reason"]
    assert retained["Reports you made"]["count"] == 1
    assert all(item["reason"] for item in retained.values())
    assert retained["Audit log entries"]["needs_review"] is False
    deleted = {(item["source"], item["what"]) for item in erasure.outcome if item["action"] == "deleted"}
    assert ("Messages we sent you", "Your inbox (copies of messages we sent you)") in deleted
    # Nothing personal in the outcome or in the audit log.
    for text in (email, name, RESIDENT_PHONE):
        assert text not in str(erasure.outcome)
        assert not AuditEntry.objects.filter(reason__icontains=text).exists()
    entry = AuditEntry.objects.get(action="myaccount.erasure.requested")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (resident.pk, "accounts.user", str(resident.pk))
    result = audit_chain_verify(acting_user=data_subject.officer)
    assert result.ok, result.message


def test_a_resident_with_nothing_to_keep_is_completed_at_once(resident: User) -> None:
    erasure = services.erasure_request_create(acting_user=resident, user=resident)

    assert erasure.state == ErasureState.COMPLETED
    assert erasure.completed_at is not None
    retained = [item for item in erasure.outcome if item["action"] == "retained"]
    assert retained
    assert all(not item["needs_review"] for item in retained), "only id-only audit entries kept"


def test_erasure_happens_once_and_never_for_staff(resident: User, make_staff: Any) -> None:
    services.erasure_request_create(acting_user=resident, user=resident)
    with pytest.raises(services.DataRightsError):
        services.erasure_request_create(acting_user=resident, user=User.objects.get(pk=resident.pk))
    officer = make_staff(StaffRole.CASE_OFFICER, mfa=False)
    with pytest.raises(services.DataRightsError):
        services.erasure_request_create(acting_user=officer, user=officer)
    other = account_services.user_create_resident(email="x@example.org", password=None, email_verified=True)
    with pytest.raises(PermissionDenied):
        services.erasure_request_create(acting_user=officer, user=other)
    assert ErasureRequest.objects.count() == 1


def test_the_preview_changes_nothing(data_subject: DataSubject) -> None:
    resident = data_subject.resident
    before = counts_for(resident)

    preview = services.erasure_preview(user=resident)

    assert counts_for(resident) == before
    assert User.objects.get(pk=resident.pk).email == resident.email
    assert any(item.what == "Reports you made" and item.action == "retained" for item in preview)


def test_the_erase_page_explains_asks_to_confirm_and_signs_out(
    client: Client, data_subject: DataSubject, django_capture_on_commit_callbacks: Any
) -> None:
    resident = data_subject.resident
    client.force_login(resident)

    text = client.get("/account/your-data/erase/").content.decode()
    assert "INVALID_TEMPLATE_VARIABLE" not in text
    assert "What we will erase" in text
    assert "What we must keep, and why" in text
    assert "Limitation Act 1980" in text
    assert "Communication preferences and interests" in text

    response = client.post("/account/your-data/erase/", {"password": "wrong-password"})
    assert response.status_code == 200
    assert "Confirm that you want us to erase your data" in response.content.decode()
    assert "The password you entered is not correct" in response.content.decode()
    assert not ErasureRequest.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/your-data/erase/", {"password": TEST_PASSWORD, "confirm": "on"})
    assert response.status_code == 200
    done = response.content.decode()
    assert "Your data has been erased" in done
    erasure = ErasureRequest.objects.get(user=resident)
    assert f"ER-{erasure.pk}" in done
    assert "Limitation Act 1980" in done
    response = client.get("/account/")
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/auth/login/"


def test_an_information_governance_officer_reviews_and_approves(
    request: pytest.FixtureRequest, data_subject: DataSubject
) -> None:
    staff_client = request.getfixturevalue("staff_client")
    erasure = services.erasure_request_create(acting_user=data_subject.resident, user=data_subject.resident)
    client, officer = staff_client(StaffRole.INFORMATION_GOVERNANCE_OFFICER)

    listing = client.get("/staff/erasure/").content.decode()
    assert "INVALID_TEMPLATE_VARIABLE" not in listing
    assert f'href="/staff/erasure/{erasure.pk}/"' in listing
    detail = client.get(f"/staff/erasure/{erasure.pk}/").content.decode()
    assert "INVALID_TEMPLATE_VARIABLE" not in detail
    assert "Limitation Act 1980" in detail
    assert ">Approve</button>" in detail

    response = client.post(f"/staff/erasure/{erasure.pk}/")
    assert response.status_code == 302
    erasure.refresh_from_db()
    assert erasure.state == ErasureState.COMPLETED
    assert erasure.reviewed_by == officer
    assert erasure.reviewed_at is not None
    assert erasure.completed_at is not None
    entry = AuditEntry.objects.get(action="myaccount.erasure.approved")
    assert (entry.actor_id, entry.object_id) == (officer.pk, str(erasure.pk))
    assert f'href="/staff/erasure/{erasure.pk}/"' not in client.get("/staff/erasure/").content.decode()
    with pytest.raises(services.DataRightsError):
        services.erasure_request_approve(acting_user=officer, erasure_request_id=erasure.pk)
    assert audit_chain_verify(acting_user=officer).ok


@pytest.mark.parametrize("role", [StaffRole.CASE_OFFICER, StaffRole.TEAM_MANAGER, StaffRole.DATA_STEWARD])
def test_other_staff_cannot_see_or_approve(request: pytest.FixtureRequest, resident: User, role: StaffRole) -> None:
    staff_client = request.getfixturevalue("staff_client")
    erasure = services.erasure_request_create(acting_user=resident, user=resident)
    ErasureRequest.objects.filter(pk=erasure.pk).update(state=ErasureState.AWAITING_REVIEW, completed_at=None)
    client, officer = staff_client(role)

    assert client.get("/staff/erasure/").status_code == 404
    assert client.get(f"/staff/erasure/{erasure.pk}/").status_code == 404
    assert client.post(f"/staff/erasure/{erasure.pk}/").status_code == 404
    with pytest.raises(PermissionDenied):
        services.erasure_request_approve(acting_user=officer, erasure_request_id=erasure.pk)
    assert ErasureRequest.objects.get(pk=erasure.pk).state == ErasureState.AWAITING_REVIEW


def test_residents_cannot_reach_the_review(client: Client, resident: User, other_resident: User) -> None:
    erasure = services.erasure_request_create(acting_user=resident, user=resident)
    client.force_login(other_resident)
    assert client.get("/staff/erasure/").status_code == 404
    assert client.get(f"/staff/erasure/{erasure.pk}/").status_code == 404
