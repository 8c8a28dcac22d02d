"""Subject access to records other council systems hold, through the Citizen Index: a request staff review.

The resident is Rita Resident (tests.people.test_account_link): the index holds her council
tax record CT1 and housing record HO1, linked into one citizen. Her identity is confirmed by
a customer service adviser checking documents, which links the account to that citizen.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable, Iterator

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from tests.accounts import assert_clean_page, main_text
from tests.accounts.conftest import _fresh_cache, make_staff, staff_client  # noqa: F401 - fixtures
from tests.fakes.smtp_server import FakeSmtpServer
from tests.people.conftest import sources  # noqa: F401 - fixture
from tests.people.test_account_link import Index, index, rita_at_home  # noqa: F401 - fixtures
from tests.service_requests.conftest import borough  # noqa: F401 - fixture
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.myaccount import selectors, services
from townhall.myaccount.constants import RedactionReason, SubjectAccessState
from townhall.myaccount.models import SubjectAccessRedaction, SubjectAccessRequest
from townhall.notify import services as notify
from townhall.notify.models import Correspondence, OutboxMessage

pytestmark = pytest.mark.django_db

THIRD_PARTY = RedactionReason.THIRD_PARTY
REDACTED_EMAIL = f"[redacted: {RedactionReason.THIRD_PARTY.label}]"
GOLDEN_EMAIL = "rita.golden@example.net"  # on her housing record HO1


@pytest.fixture
def adviser(make_staff: Callable[..., User]) -> User:  # noqa: F811
    return make_staff(StaffRole.CUSTOMER_SERVICE_ADVISER, email="adviser@council.example")


@pytest.fixture
def verified_rita(rita_at_home: User, index: Index, adviser: User) -> User:  # noqa: F811
    services.identity_verify_by_staff(acting_user=adviser, user=rita_at_home, evidence="Passport and council tax bill")
    assert selectors.linked_citizen_id(user=rita_at_home) == index.rita.citizen_id
    return rita_at_home


@pytest.fixture
def officer(make_staff: Callable[..., User]) -> User:  # noqa: F811
    return make_staff(StaffRole.INFORMATION_GOVERNANCE_OFFICER, email="ig@council.example")


def resident_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_text(response) -> str:
    assert response.status_code == 200, response.status_code
    assert_clean_page(response)
    return main_text(response)


# --- the deadline ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (dt.date(2026, 9, 3), dt.date(2026, 10, 5)),  # 3 October 2026 is a Saturday: the next working day
        (dt.date(2027, 1, 31), dt.date(2027, 3, 1)),  # no 31 February: 28th is a Sunday, so Monday 1 March
        (dt.date(2026, 11, 24), dt.date(2026, 12, 24)),  # a Thursday
        (dt.date(2026, 11, 25), dt.date(2026, 12, 29)),  # 25th Christmas, 26th Saturday, 28th Boxing Day (substitute)
    ],
)
def test_the_deadline_is_one_calendar_month_then_the_next_working_day(received: dt.date, due: dt.date) -> None:
    assert services.subject_access_due_on(received) == due


def test_an_extension_adds_up_to_two_months_from_receipt() -> None:
    assert services.subject_access_due_on(dt.date(2026, 11, 24), months=3) == dt.date(2027, 2, 24)


# --- asking -----------------------------------------------------------------------------------------------


def test_an_unverified_resident_is_sent_to_confirm_their_identity_and_cannot_ask(resident: User) -> None:
    client = resident_client(resident)
    data_page = page_text(client.get("/account/your-data/"))
    assert "Confirm your identity" in data_page
    assert "Ask for the records other council systems hold about me" not in data_page
    assert 'href="/account/identity/"' in client.get("/account/your-data/council-records/").content.decode()

    response = client.post("/account/your-data/council-records/", follow=True)
    assert "Confirm your identity first" in page_text(response)
    assert not SubjectAccessRequest.objects.exists()
    with pytest.raises(services.SubjectAccessError):
        services.subject_access_request_create(acting_user=resident, user=resident)


def test_a_verified_but_unlinked_resident_is_told_to_contact_the_team(resident: User, adviser: User) -> None:
    services.identity_verify_by_staff(acting_user=adviser, user=resident, evidence="Passport")
    text = page_text(resident_client(resident).get("/account/your-data/"))
    assert "could not match your account" in text
    assert "Ask for the records" not in text


def test_a_linked_resident_asks_once_and_is_told_the_deadline(verified_rita: User) -> None:
    client = resident_client(verified_rita)
    assert "Ask for the records other council systems hold about me" in page_text(client.get("/account/your-data/"))

    response = client.post("/account/your-data/council-records/", follow=True)
    sar = SubjectAccessRequest.objects.get(user=verified_rita)
    due = services.subject_access_due_on(timezone.localdate(sar.requested_at))
    assert sar.due_on == due
    assert sar.state == SubjectAccessState.OPEN
    text = page_text(response)
    assert f"reference {sar.reference}" in text
    assert f"{due:%-d %B %Y}" in text
    # One open request at a time: asking again returns the same one.
    client.post("/account/your-data/council-records/")
    assert SubjectAccessRequest.objects.filter(user=verified_rita).count() == 1
    assert "We are reviewing your request" in page_text(client.get("/account/your-data/"))
    # Acknowledged in the inbox, and on the timeline.
    assert Correspondence.objects.filter(recipient=verified_rita, subject__contains=sar.reference).count() == 1
    assert sar.reference in page_text(client.get("/account/timeline/?kind=data_request"))
    assert AuditEntry.objects.filter(action="myaccount.subject_access.requested", object_id=str(sar.pk)).exists()


def test_the_database_allows_one_open_request_per_account(verified_rita: User) -> None:
    sar = services.subject_access_request_create(acting_user=verified_rita, user=verified_rita)
    with pytest.raises(Exception, match=r"(?i)unique"), transaction.atomic():
        SubjectAccessRequest.objects.create(user=verified_rita, citizen_ref=sar.citizen_ref, due_on=sar.due_on)


def test_nobody_asks_for_someone_else(verified_rita: User, other_resident: User) -> None:
    with pytest.raises(PermissionDenied):
        services.subject_access_request_create(acting_user=other_resident, user=verified_rita)


# --- the officers' queue ----------------------------------------------------------------------------------


@pytest.fixture
def open_request(verified_rita: User) -> SubjectAccessRequest:
    return services.subject_access_request_create(acting_user=verified_rita, user=verified_rita)


@pytest.mark.parametrize(
    "role", [StaffRole.CUSTOMER_SERVICE_ADVISER, StaffRole.CASE_OFFICER, StaffRole.DATA_STEWARD, StaffRole.TEAM_MANAGER]
)
def test_other_staff_get_404(
    staff_client: Callable[..., tuple[Client, User]],  # noqa: F811
    open_request: SubjectAccessRequest,
    role: StaffRole,
) -> None:
    client, _ = staff_client(role)
    assert client.get("/staff/subject-access/").status_code == 404
    assert client.get(f"/staff/subject-access/{open_request.pk}/").status_code == 404
    assert client.post(f"/staff/subject-access/{open_request.pk}/", {"action": "release"}).status_code == 404
    open_request.refresh_from_db()
    assert open_request.state == SubjectAccessState.OPEN


def test_residents_get_404_on_the_staff_pages(verified_rita: User, open_request: SubjectAccessRequest) -> None:
    client = resident_client(verified_rita)
    assert client.get("/staff/subject-access/").status_code == 404
    assert client.get(f"/staff/subject-access/{open_request.pk}/").status_code == 404


def test_the_officer_sees_the_records_and_every_showing_is_audited(
    staff_client: Callable[..., tuple[Client, User]],  # noqa: F811
    open_request: SubjectAccessRequest,
) -> None:
    client, officer = staff_client(StaffRole.INFORMATION_GOVERNANCE_OFFICER)
    listing = page_text(client.get("/staff/subject-access/"))
    assert open_request.reference in listing
    assert f"{open_request.due_on:%-d %B %Y}" in listing
    assert AuditEntry.objects.filter(action="myaccount.subject_access.queue_viewed", actor_id=officer.pk).count() == 1

    detail = page_text(client.get(f"/staff/subject-access/{open_request.pk}/"))
    assert "CT1" in detail
    assert "HO1" in detail
    assert GOLDEN_EMAIL in detail
    client.get(f"/staff/subject-access/{open_request.pk}/")
    viewed = AuditEntry.objects.filter(action="myaccount.subject_access.viewed", object_id=str(open_request.pk))
    assert viewed.count() == 2
    assert {entry.actor_id for entry in viewed} == {officer.pk}


def test_redact_note_release_and_download(
    staff_client: Callable[..., tuple[Client, User]],  # noqa: F811
    open_request: SubjectAccessRequest,
    other_resident: User,
) -> None:
    client, officer = staff_client(StaffRole.INFORMATION_GOVERNANCE_OFFICER)
    source_code, record_id = "housing", "HO1"
    url = f"/staff/subject-access/{open_request.pk}/"

    # A redaction needs a reason: the form says so and nothing is stored.
    refused = client.post(
        url, {"action": "redact", "source_code": source_code, "source_record_id": record_id, "withhold": ["email"]}
    )
    assert refused.status_code == 400
    assert "Choose why the information is withheld" in main_text(refused)
    assert not SubjectAccessRedaction.objects.exists()

    client.post(
        url,
        {
            "action": "redact",
            "source_code": source_code,
            "source_record_id": record_id,
            "withhold": ["email", "phone"],
            "reason": THIRD_PARTY,
        },
    )
    assert SubjectAccessRedaction.objects.filter(request=open_request).count() == 2
    phone = SubjectAccessRedaction.objects.get(field="phone")
    client.post(url, {"action": "unredact", "redaction": phone.pk})
    assert list(SubjectAccessRedaction.objects.values_list("field", flat=True)) == ["email"]
    client.post(url, {"action": "note", "covering_note": "We withheld an email address that is not yours."})
    released = client.post(url, {"action": "release"}, follow=True)
    assert "released" in page_text(released)

    open_request.refresh_from_db()
    assert open_request.state == SubjectAccessState.RELEASED
    assert open_request.decided_by == officer
    stored = json.dumps(open_request.package)
    assert GOLDEN_EMAIL not in stored, "a redacted value must never be stored in the released copy"
    assert REDACTED_EMAIL in stored
    [housing] = [r for r in open_request.package["records"] if r["record_reference"] == "HO1"]
    assert housing["fields"]["Email"] == REDACTED_EMAIL
    assert housing["fields"]["Given name"] == "Rita"
    actions = set(
        AuditEntry.objects.filter(
            object_id=str(open_request.pk), object_type="myaccount.subjectaccessrequest"
        ).values_list("action", flat=True)
    )
    assert {
        "myaccount.subject_access.redacted",
        "myaccount.subject_access.unredacted",
        "myaccount.subject_access.note_changed",
        "myaccount.subject_access.released",
    } <= actions

    # The resident is told (inbox copy and an email in the outbox) and sees it on the timeline.
    message = Correspondence.objects.get(recipient=open_request.user, subject__startswith="The council records")
    assert message.outbox_message is not None
    assert message.outbox_message.destination == open_request.user.email
    resident = resident_client(open_request.user)
    assert "Your council records are ready to download" in page_text(resident.get("/account/timeline/"))

    download_url = f"/account/your-data/council-records/{open_request.pk}/download/"
    response = resident.get(download_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    files = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(files.namelist()) == ["records.html", "records.json"]
    package = json.loads(files.read("records.json"))
    assert package["covering_note"] == "We withheld an email address that is not yours."
    assert {r["record_reference"] for r in package["records"]} == {"CT1", "HO1"}
    html = files.read("records.html").decode()
    assert "[redacted: Personal data about someone else" in html
    assert GOLDEN_EMAIL not in html
    assert AuditEntry.objects.filter(action="myaccount.subject_access.downloaded").count() == 1

    # Nobody else can download it: another resident, or the officer through the resident's URL.
    assert resident_client(other_resident).get(download_url).status_code == 404
    assert client.get(download_url).status_code == 404
    # Closed: no more changes.
    client.post(url, {"action": "refuse", "refusal_reason": "Too late"})
    open_request.refresh_from_db()
    assert open_request.state == SubjectAccessState.RELEASED


def test_extend_and_refuse_through_the_staff_page(
    staff_client: Callable[..., tuple[Client, User]],  # noqa: F811
    open_request: SubjectAccessRequest,
) -> None:
    client, _ = staff_client(StaffRole.INFORMATION_GOVERNANCE_OFFICER)
    url = f"/staff/subject-access/{open_request.pk}/"

    missing = client.post(url, {"action": "extend", "months": "2", "extension_reason": ""})
    assert missing.status_code == 400
    assert_clean_page(missing)
    assert "Enter why more time is needed" in main_text(missing)
    open_request.refresh_from_db()
    assert open_request.extended_to is None

    extended = client.post(url, {"action": "extend", "months": "2", "extension_reason": "Paper files"}, follow=True)
    open_request.refresh_from_db()
    assert f"Deadline extended to {open_request.extended_to:%-d %B %Y}" in page_text(extended)
    assert "Extend the deadline" not in page_text(client.get(url)), "an extension is offered once"

    refused = client.post(url, {"action": "refuse", "refusal_reason": "Repeats last week's request"}, follow=True)
    assert "Request refused" in page_text(refused)
    open_request.refresh_from_db()
    assert open_request.state == SubjectAccessState.REFUSED
    assert "Release to the resident" not in page_text(client.get(url))


def test_a_redaction_must_name_one_of_the_citizens_records(officer: User, open_request: SubjectAccessRequest) -> None:
    with pytest.raises(services.SubjectAccessError, match="not one of this person's records"):
        services.subject_access_redact(
            acting_user=officer,
            request_id=open_request.pk,
            source_code="council_tax",
            source_record_id="CT2",  # the neighbour's
            fields=["email"],
            reason=THIRD_PARTY,
        )
    with pytest.raises(services.SubjectAccessError, match="Unknown field"):
        services.subject_access_redact(
            acting_user=officer,
            request_id=open_request.pk,
            source_code="council_tax",
            source_record_id="CT1",
            fields=["password"],
            reason=THIRD_PARTY,
        )
    assert not SubjectAccessRedaction.objects.exists()


def test_only_an_officer_may_release(adviser: User, open_request: SubjectAccessRequest) -> None:
    with pytest.raises(PermissionDenied):
        services.subject_access_release(acting_user=adviser, request_id=open_request.pk)
    with pytest.raises(PermissionDenied):
        services.subject_access_review_view(acting_user=adviser, request_id=open_request.pk)
    open_request.refresh_from_db()
    assert open_request.state == SubjectAccessState.OPEN


def test_an_extension_needs_a_reason_is_once_only_and_is_told_to_the_resident(
    officer: User, open_request: SubjectAccessRequest
) -> None:
    with pytest.raises(services.SubjectAccessError, match="reason"):
        services.subject_access_extend(acting_user=officer, request_id=open_request.pk, months=2, reason=" ")
    with pytest.raises(services.SubjectAccessError, match="1 to 2"):
        services.subject_access_extend(acting_user=officer, request_id=open_request.pk, months=3, reason="Complex")
    too_late = open_request.due_on + dt.timedelta(days=1)
    with pytest.raises(services.SubjectAccessError, match="first month is over"):
        services.subject_access_extend(
            acting_user=officer, request_id=open_request.pk, months=1, reason="Complex", today=too_late
        )
    open_request.refresh_from_db()
    assert open_request.extended_to is None

    services.subject_access_extend(
        acting_user=officer, request_id=open_request.pk, months=2, reason="Records held on paper in three services"
    )
    open_request.refresh_from_db()
    received = timezone.localdate(open_request.requested_at)
    assert open_request.extended_to == services.subject_access_due_on(received, months=3)
    assert open_request.deadline == open_request.extended_to
    with pytest.raises(services.SubjectAccessError, match="already been extended"):
        services.subject_access_extend(acting_user=officer, request_id=open_request.pk, months=1, reason="Again")
    told = Correspondence.objects.get(recipient=open_request.user, subject__startswith="We need more time")
    assert "Records held on paper in three services" in told.body_text
    page = page_text(resident_client(open_request.user).get("/account/your-data/council-records/"))
    assert f"{open_request.extended_to:%-d %B %Y}" in page


def test_a_refusal_is_explained_to_the_resident_and_frees_them_to_ask_again(
    officer: User, open_request: SubjectAccessRequest
) -> None:
    with pytest.raises(services.SubjectAccessError, match="reason"):
        services.subject_access_refuse(acting_user=officer, request_id=open_request.pk, reason="")
    services.subject_access_refuse(
        acting_user=officer, request_id=open_request.pk, reason="The same request was answered last week."
    )
    open_request.refresh_from_db()
    assert open_request.state == SubjectAccessState.REFUSED
    assert open_request.package == {}
    resident = resident_client(open_request.user)
    assert "The same request was answered last week." in page_text(resident.get("/account/your-data/council-records/"))
    assert resident.get(f"/account/your-data/council-records/{open_request.pk}/download/").status_code == 404
    again = services.subject_access_request_create(acting_user=open_request.user, user=open_request.user)
    assert again.pk != open_request.pk


# --- export and erasure ----------------------------------------------------------------------------------


def test_the_residents_own_download_includes_the_requests_but_not_the_officers(
    officer: User, open_request: SubjectAccessRequest
) -> None:
    services.subject_access_redact(
        acting_user=officer,
        request_id=open_request.pk,
        source_code="housing",
        source_record_id="HO1",
        fields=["email"],
        reason=THIRD_PARTY,
    )
    services.subject_access_release(acting_user=officer, request_id=open_request.pk)
    files = services.data_rights.data_export_contents(user=open_request.user, generated_at=timezone.now())
    exported = json.loads(files["data.json"])["sources"]
    tables = exported["Your requests for council records"]
    [row] = tables["Requests for council records"]
    assert row["id"] == open_request.pk
    assert "decided_by_id" not in row
    [redaction] = tables["Information withheld from them"]
    assert redaction["field"] == "email"
    assert "redacted_by_id" not in redaction
    assert GOLDEN_EMAIL not in files["data.json"]


def test_erasure_deletes_the_released_copy_and_keeps_the_ig_record_with_a_reason(
    officer: User, open_request: SubjectAccessRequest
) -> None:
    services.subject_access_note_set(acting_user=officer, request_id=open_request.pk, note="Enclosed.")
    services.subject_access_release(acting_user=officer, request_id=open_request.pk)
    second = services.subject_access_request_create(acting_user=open_request.user, user=open_request.user)

    erasure = services.erasure_request_create(acting_user=open_request.user, user=open_request.user)

    outcome = [
        item for item in selectors.erasure_outcome(erasure_request=erasure) if item.source.startswith("Your requests")
    ]
    kept = [item for item in outcome if item.action == "retained"]
    assert [item.count for item in kept] == [2]
    assert "information governance" in kept[0].reason
    assert kept[0].needs_review
    open_request.refresh_from_db()
    second.refresh_from_db()
    assert open_request.package == {}
    assert open_request.covering_note == ""
    assert second.state == SubjectAccessState.WITHDRAWN
    assert erasure.state == "awaiting_review"


# --- through the real outbox and SMTP server ------------------------------------------------------------


@pytest.fixture
def smtp_server(settings: Settings) -> Iterator[FakeSmtpServer]:
    server = FakeSmtpServer().start()
    for name, value in server.django_settings().items():
        setattr(settings, name, value)
    yield server
    server.stop()


@pytest.mark.django_db(transaction=True)
def test_the_release_email_reaches_the_resident(
    smtp_server: FakeSmtpServer, officer: User, open_request: SubjectAccessRequest
) -> None:
    services.subject_access_release(acting_user=officer, request_id=open_request.pk)
    notify.outbox_deliver_until_idle()
    subjects = [(m.recipients[0], m.message["Subject"]) for m in smtp_server.messages]
    assert (open_request.user.email, f"The council records you asked for are ready ({open_request.reference})") in [
        (to, str(subject)) for to, subject in subjects
    ]
    assert OutboxMessage.objects.filter(destination=open_request.user.email).count() == 2  # received, released
