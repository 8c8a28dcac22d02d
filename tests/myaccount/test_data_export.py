"""Subject access download (issue 5 "Data rights", must-show item 1).

The download's data.json is checked table by table against the database: every row
held about the resident, every column, nothing of the neighbour's, no secrets.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
import uuid
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.apps import apps
from django.core.management import call_command
from django.db.models import Model, Q, QuerySet
from django.test import Client
from django.utils import timezone

from tests.myaccount.conftest import RESIDENT_PHONE, DataSubject
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import Representation, SignInEvent, User
from townhall.audit.models import AuditEntry
from townhall.core import personal_data
from townhall.engagement.models import Answer as ConsultationAnswer
from townhall.engagement.models import Response as ConsultationResponse
from townhall.insight.models import SignInDay
from townhall.myaccount import services
from townhall.myaccount.constants import EXPORT_RETENTION_DAYS, ExportState
from townhall.myaccount.models import (
    AddressChange,
    CommunicationPreferences,
    ConsentDecision,
    DataExport,
    DigitalChampion,
    ErasureRequest,
    IdentityPin,
    IdentityVerification,
    ResidentProfile,
    SubjectAccessRedaction,
    SubjectAccessRequest,
    SuggestionOpened,
    TimelineFeed,
)
from townhall.notify.models import Correspondence, OutboxMessage
from townhall.opendata.models import ApiToken, ResourceVersion, StagedUpload
from townhall.people.models import AccountCitizenLink
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


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def db_rows(queryset: QuerySet[Any], *, exclude: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """What the database holds, straight from .values(): every column, by attribute name."""
    return [
        {key: _plain(value) for key, value in row.items() if key not in exclude}
        for row in queryset.order_by("pk").values()
    ]


def expected_tables(subject: DataSubject) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(source, table) → rows, built independently of the providers from the models themselves."""
    user = subject.resident
    mine = Q(user=user) | Q(email__iexact=user.email)
    requests = ServiceRequest.objects.filter(reporter=user)
    through = CommunicationPreferences.interests.through
    by_me = AuditEntry.objects.filter(actor_id=user.pk)
    about_me = AuditEntry.objects.filter(object_type="accounts.user", object_id=str(user.pk)).exclude(actor_id=user.pk)

    def ordered(queryset: QuerySet[Any], **kwargs: Any) -> list[dict[str, Any]]:
        return db_rows(queryset, **kwargs)

    tables = {
        ("Your account", "Account"): ordered(User.objects.filter(pk=user.pk), exclude=("password",)),
        ("Your account", "Email addresses"): ordered(EmailAddress.objects.filter(user=user)),
        ("Your account", "Two-factor authentication"): ordered(
            Authenticator.objects.filter(user=user), exclude=("data",)
        ),
        ("Your account", "Sign-in through the council's identity provider"): ordered(
            SocialAccount.objects.filter(user=user)
        ),
        ("Your sign-in history", "Sign-ins and failed attempts"): ordered(SignInEvent.objects.filter(user=user)),
        ("Messages we sent you", "Your inbox"): ordered(Correspondence.objects.filter(recipient=user)),
        ("Messages we sent you", "Emails and text messages sent to you"): ordered(
            OutboxMessage.objects.filter(
                Q(correspondence__recipient=user) | Q(destination__iexact=user.email)
            ).distinct(),
            exclude=("claim_token",),
        ),
        ("Your reports", "Reports you made"): ordered(requests, exclude=("confirmation_digest",)),
        ("Your reports", "Your answers to our questions"): ordered(RequestAnswer.objects.filter(request__in=requests)),
        ("Your reports", "Updates you wrote"): ordered(RequestUpdate.objects.filter(author=user)),
        ("Your reports", "Updates from the council on your reports"): ordered(
            RequestUpdate.objects.filter(request__in=requests).exclude(author=user),
            exclude=("internal_note", "author_id"),
        ),
        ("Your reports", "Photos (details of each photo)"): ordered(
            RequestPhoto.objects.filter(Q(request__in=requests) | Q(update__author=user))
        ),
        ("Reports you follow", "Reports you follow"): ordered(RequestSubscription.objects.filter(mine)),
        ("Area alerts", "Area alerts"): ordered(AreaAlert.objects.filter(mine)),
        ("Blocks on reporting", "Blocks on reporting"): ordered(
            BlockedReporter.objects.filter(mine), exclude=("blocked_by_id",)
        ),
        ("Your details", "Your details"): ordered(ResidentProfile.objects.filter(user=user)),
        ("Your details", "Your addresses"): ordered(AddressChange.objects.filter(user=user)),
        ("Your preferences", "How we contact you"): ordered(CommunicationPreferences.objects.filter(user=user)),
        ("Your preferences", "Your interests"): ordered(through.objects.filter(communicationpreferences__user=user)),
        ("Your consent decisions", "Consent given or withdrawn"): ordered(ConsentDecision.objects.filter(user=user)),
        ("Your timeline", "Private feed addresses"): ordered(
            TimelineFeed.objects.filter(user=user), exclude=("token_digest",)
        ),
        ("Your timeline", "Suggestions you opened"): ordered(SuggestionOpened.objects.filter(user=user)),
        ("Digital champion", "Digital champion"): ordered(DigitalChampion.objects.filter(user=user)),
        ("Days you signed in", "Days you signed in"): ordered(SignInDay.objects.filter(user=user)),
        ("Your open data API tokens", "Open data API tokens"): ordered(
            ApiToken.objects.filter(user=user), exclude=("token_hash",)
        ),
        ("Open data files you uploaded", "Open data file versions you uploaded"): ordered(
            ResourceVersion.objects.filter(created_by=user)
        ),
        ("Large open data files you uploaded for checking", "Open data files checked in the background"): ordered(
            StagedUpload.objects.filter(created_by=user), exclude=("problems",)
        ),
        ("Your data requests", "Downloads of your data"): ordered(DataExport.objects.filter(user=user)),
        ("Your data requests", "Erasure requests"): ordered(
            ErasureRequest.objects.filter(user=user), exclude=("reviewed_by_id",)
        ),
        ("Your identity checks", "Identity checks"): ordered(
            IdentityVerification.objects.filter(user=user), exclude=("verified_by_id",)
        ),
        ("Your identity checks", "PIN letters"): ordered(
            IdentityPin.objects.filter(user=user), exclude=("pin_digest",)
        ),
        ("Your requests for council records", "Requests for council records"): ordered(
            SubjectAccessRequest.objects.filter(user=user), exclude=("decided_by_id",)
        ),
        ("Your requests for council records", "Information withheld from them"): ordered(
            SubjectAccessRedaction.objects.filter(request__user=user), exclude=("redacted_by_id",)
        ),
        ("Your council records", "Link between your account and your council records"): ordered(
            AccountCitizenLink.objects.filter(user=user)
        ),
        ("Your consultation responses", "Consultations you responded to"): ordered(
            ConsultationResponse.objects.filter(Q(user=user) | Q(user__isnull=True, email__iexact=user.email))
        ),
        ("Your consultation responses", "Your answers"): ordered(
            ConsultationAnswer.objects.filter(
                Q(response__user=user) | Q(response__user__isnull=True, response__email__iexact=user.email)
            )
        ),
        ("Audit log", "Things you did"): ordered(by_me),
        ("Audit log", "Things council staff or the system did to your account"): ordered(
            about_me, exclude=("actor_id", "previous_hash", "entry_hash")
        ),
    }
    people = "People who act for you, and people you act for"
    tables[people, "People who can act for you"] = ordered(Representation.objects.filter(represented=user))
    tables[people, "People you act for"] = ordered(Representation.objects.filter(representative=user))
    if apps.is_installed("allauth.usersessions"):
        sessions = apps.get_model("usersessions", "UserSession").objects.filter(user=user)
        tables["Your account", "Signed-in sessions"] = ordered(sessions, exclude=("session_key",))
    return tables


def zip_files(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def request_and_build(client: Client, subject: DataSubject, capture: Any) -> tuple[DataExport, dict[Any, Any]]:
    """Ask through the page, note what the database holds at that moment, then let the task run."""
    client.force_login(subject.resident)
    with capture() as callbacks:
        response = client.post("/account/your-data/")
    assert response.status_code == 302
    assert response["Location"] == "/account/your-data/"
    expected = expected_tables(subject)
    for callback in callbacks:
        callback()
    export = DataExport.objects.get(user=subject.resident)
    return export, expected


def test_the_download_holds_every_row_the_database_holds_about_the_resident(
    client: Client, data_subject: DataSubject, private_media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    export, expected = request_and_build(client, data_subject, django_capture_on_commit_callbacks)

    assert export.state == ExportState.READY
    assert export.file_name.startswith("exports/")
    path = private_media / export.file_name
    assert path.stat().st_size == export.size_bytes
    assert export.completed_at is not None
    assert export.expires_at == export.completed_at + dt.timedelta(days=EXPORT_RETENTION_DAYS)
    files = zip_files(path)
    assert set(files) == {"data.json", "summary.html", "README.txt"}
    data = json.loads(files["data.json"])
    assert set(data) >= {"generated_at", "account", "sources", "withheld"}
    assert data["account"]["id"] == data_subject.resident.pk

    exported_tables = {(source, table) for source, tables in data["sources"].items() for table in tables}
    assert exported_tables == set(expected), "every exported table is checked here, and no expected one is missing"
    for (source, table), rows in expected.items():
        assert data["sources"][source][table] == rows, f"{source} / {table}"

    # The fixture put something in (nearly) every table: the comparison is not of empty lists.
    empty = {key for key, rows in expected.items() if not rows}
    assert empty <= {
        ("Your account", "Sign-in through the council's identity provider"),
        ("Your account", "Signed-in sessions"),
        ("Your sign-in history", "Sign-ins and failed attempts"),  # filled in tests/accounts/test_sign_in_history.py
        ("People who act for you, and people you act for", "People who can act for you"),
        ("People who act for you, and people you act for", "People you act for"),
        ("Your data requests", "Erasure requests"),
        ("Audit log", "Things council staff or the system did to your account"),
        ("Your open data API tokens", "Open data API tokens"),  # data stewards only; tests/opendata
        ("Open data files you uploaded", "Open data file versions you uploaded"),  # data stewards only
        ("Large open data files you uploaded for checking", "Open data files checked in the background"),  # stewards
        # Needs a Citizen Index match; filled and checked in tests/myaccount/test_subject_access.py.
        ("Your requests for council records", "Requests for council records"),
        ("Your requests for council records", "Information withheld from them"),
        # Consultation responses: filled and checked in tests/engagement/test_personal_data.py.
        ("Your consultation responses", "Consultations you responded to"),
        ("Your consultation responses", "Your answers"),
    }, empty


def test_no_secrets_and_nothing_of_the_neighbours(
    client: Client, data_subject: DataSubject, private_media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    export, _ = request_and_build(client, data_subject, django_capture_on_commit_callbacks)
    files = zip_files(private_media / export.file_name)
    everything = "\n".join(files.values())
    resident = User.objects.get(pk=data_subject.resident.pk)

    assert resident.password
    assert resident.password not in everything
    for authenticator in Authenticator.objects.filter(user=resident):
        for value in authenticator.data.values():
            if isinstance(value, str) and len(value) > 8:
                assert value not in everything
    for feed in TimelineFeed.objects.filter(user=resident):
        assert feed.token_digest not in everything
    assert "Reporter rang twice" not in everything, "internal notes are staff-only"
    withheld = json.loads(files["data.json"])["withheld"]
    assert any("password hash" in item for item in withheld)
    assert any("authenticator secrets" in item for item in withheld)

    neighbour = data_subject.neighbour
    for text in (neighbour.email, neighbour.given_name, neighbour.family_name, "01632 960 999", "bus stop"):
        assert text not in everything, text
    # ...while the resident's own details are there.
    for text in (resident.email, resident.given_name, RESIDENT_PHONE, "I trip on it daily", "Saturday mornings"):
        assert text in everything, text


def test_the_summary_and_readme_are_readable_and_name_what_is_not_included(
    client: Client, data_subject: DataSubject, private_media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    export, _ = request_and_build(client, data_subject, django_capture_on_commit_callbacks)
    files = zip_files(private_media / export.file_name)

    summary = files["summary.html"]
    assert '<html lang="en">' in summary
    assert "<title>Your data from" in summary
    assert '<th scope="col">' in summary
    assert "INVALID_TEMPLATE_VARIABLE" not in summary
    for label in ("Your reports", "Messages we sent you", "Your consent decisions", "What is not included"):
        assert label in summary
    assert "Citizen Index" in summary
    assert "Citizen Index" in files["README.txt"]
    assert "subject access request" in files["README.txt"]
    assert "Citizen Index" in json.loads(files["data.json"])["not_included"][0]


def test_the_resident_is_told_and_can_download_it(
    client: Client, data_subject: DataSubject, private_media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    export, _ = request_and_build(client, data_subject, django_capture_on_commit_callbacks)

    message = Correspondence.objects.get(recipient=data_subject.resident, subject="Your data download is ready")
    assert message.topic == ""  # essential
    assert message.outbox_message is not None
    assert message.outbox_message.destination == data_subject.resident.email
    assert "/account/your-data/" in message.body_text

    page = client.get("/account/your-data/").content.decode()
    assert "INVALID_TEMPLATE_VARIABLE" not in page
    assert f'href="/account/your-data/{export.pk}/download/"' in page
    assert "Request a download of your data" in page
    assert 'href="/account/your-data/erase/"' in page

    response = client.get(f"/account/your-data/{export.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content)
    assert zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert AuditEntry.objects.filter(action="myaccount.data_export.downloaded", object_id=str(export.pk)).exists()


def test_only_the_owner_can_download_and_not_after_it_expires(
    client: Client, data_subject: DataSubject, private_media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    export, _ = request_and_build(client, data_subject, django_capture_on_commit_callbacks)
    url = f"/account/your-data/{export.pk}/download/"

    neighbour = Client()
    neighbour.force_login(data_subject.neighbour)
    assert neighbour.get(url).status_code == 404
    anonymous = Client()
    response = anonymous.get(url)
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/auth/login/"

    later = timezone.now() + dt.timedelta(days=EXPORT_RETENTION_DAYS, minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.data_exports_expire(now=later) == 1
    export.refresh_from_db()
    assert export.state == ExportState.EXPIRED
    assert export.file_name == ""
    assert not list((private_media / "exports").iterdir())
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("path", ["/account/your-data/", "/account/your-data/erase/"])
def test_anonymous_visitors_sign_in_and_staff_get_not_found(
    client: Client, make_staff: Any, path: str, db: None
) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/auth/login/"
    client.force_login(make_staff(StaffRole.INFORMATION_GOVERNANCE_OFFICER, mfa=False))
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404
    assert not DataExport.objects.exists()


def test_one_download_is_prepared_at_a_time(client: Client, resident: User, private_media: Path) -> None:
    client.force_login(resident)
    client.post("/account/your-data/")  # on_commit never runs here: it stays pending
    client.post("/account/your-data/")
    assert DataExport.objects.filter(user=resident).count() == 1
    page = client.get("/account/your-data/").content.decode()
    assert "We are preparing a download" in page
    assert "Request a download of your data" not in page


def test_a_failure_leaves_no_file_and_marks_the_download_failed(
    resident: User, private_media: Path, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    def broken(user: Model) -> dict[str, Any]:
        raise RuntimeError("a provider broke")

    monkeypatch.setattr(personal_data, "collect_all", broken)
    with django_capture_on_commit_callbacks(execute=True):
        export = services.data_export_request(acting_user=resident, user=resident)
    export.refresh_from_db()
    assert export.state == ExportState.FAILED
    assert export.file_name == ""
    exports_dir = private_media / "exports"
    assert not exports_dir.exists() or not list(exports_dir.iterdir())
    assert not Correspondence.objects.filter(subject="Your data download is ready").exists()


def test_a_failure_after_the_file_is_written_removes_it(
    resident: User, private_media: Path, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    from townhall.myaccount.services import data_rights

    def refuse(**kwargs: Any) -> None:
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(data_rights, "correspondence_send", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        export = services.data_export_request(acting_user=resident, user=resident)
    export.refresh_from_db()
    assert export.state == ExportState.FAILED
    assert not list((private_media / "exports").iterdir())


def test_the_cleanup_command_deletes_expired_files_and_fails_lost_tasks(
    resident: User, private_media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ready = services.data_export_request(acting_user=resident, user=resident)
    ready.refresh_from_db()
    DataExport.objects.filter(pk=ready.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    lost = DataExport.objects.create(user=resident, requested_at=timezone.now() - dt.timedelta(days=2))

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("myaccount_cleanup", stdout=out)

    assert "Deleted 1 expired data download(s)." in out.getvalue()
    assert DataExport.objects.get(pk=ready.pk).state == ExportState.EXPIRED
    assert DataExport.objects.get(pk=lost.pk).state == ExportState.FAILED
    assert not (private_media / ready.file_name).exists()
