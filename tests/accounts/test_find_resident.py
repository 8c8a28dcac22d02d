"""Find a resident: search shows names and masked emails; details need a reason and are audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from townhall.accounts import selectors, services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry

ALLOWED = [
    StaffRole.CUSTOMER_SERVICE_ADVISER,
    StaffRole.CASE_OFFICER,
    StaffRole.INFORMATION_GOVERNANCE_OFFICER,
    StaffRole.ADMINISTRATOR,
]
REFUSED = [StaffRole.TEAM_MANAGER, StaffRole.DATA_STEWARD]
CONTACTED = {"reason": "contacted"}


def page_text(response) -> str:
    text = response.content.decode()
    assert "INVALID_TEMPLATE_VARIABLE" not in text
    return text


def viewed_entries():
    return AuditEntry.objects.filter(action="resident.personal_data.viewed")


# Who may use it


@pytest.mark.parametrize("role", ALLOWED)
def test_allowed_roles_can_search_and_view(staff_client, resident, role):
    client, _ = staff_client(role)

    assert client.get("/staff/residents/").status_code == 200
    assert client.get(f"/staff/residents/{resident.pk}/").status_code == 200
    assert client.post(f"/staff/residents/{resident.pk}/", CONTACTED).status_code == 200


@pytest.mark.parametrize("role", REFUSED)
def test_other_roles_get_not_found_and_nothing_is_recorded(staff_client, resident, role):
    client, _ = staff_client(role)

    assert client.get("/staff/residents/", {"q": "rita"}).status_code == 404
    assert client.get(f"/staff/residents/{resident.pk}/").status_code == 404
    response = client.post(f"/staff/residents/{resident.pk}/", CONTACTED)
    assert response.status_code == 404
    assert resident.email not in response.content.decode()
    assert not viewed_entries().exists()


# Search


def test_search_shows_names_and_masked_emails_only(staff_client, resident, other_resident):
    client, _ = staff_client(StaffRole.CUSTOMER_SERVICE_ADVISER)

    text = page_text(client.get("/staff/residents/", {"q": "RITA"}))

    assert "1 resident found" in text
    assert "Rita Resident" in text
    assert "r***t@example.org" in text
    assert resident.email not in text
    assert f'href="/staff/residents/{resident.pk}/"' in text
    assert "Nasir" not in text
    assert not AuditEntry.objects.exists(), "search results are not personal details"


def test_search_matches_every_word_against_names_and_email(staff_client, resident, other_resident):
    client, _ = staff_client(StaffRole.CASE_OFFICER)

    assert "Nasir Neighbour" in page_text(client.get("/staff/residents/", {"q": "neighbour@exa"}))
    assert "Rita Resident" in page_text(client.get("/staff/residents/", {"q": "rita resid"}))
    text = page_text(client.get("/staff/residents/", {"q": "example.org"}))
    assert "2 residents found" in text
    assert "No residents match" in page_text(client.get("/staff/residents/", {"q": "rita neighbour"}))


def test_search_never_finds_staff_or_superusers(staff_client, resident, make_staff):
    client, member = staff_client(StaffRole.CASE_OFFICER, given_name="Rita")
    User.objects.create_superuser(email="rita.root@example.org", password=None, given_name="Rita")

    text = page_text(client.get("/staff/residents/", {"q": "rita"}))

    assert "1 resident found" in text
    assert f"/staff/residents/{member.pk}/" not in text


@pytest.mark.parametrize(
    ("query", "message"), [("r", "Enter at least 2 characters"), (" ", "Enter a name or email address")]
)
def test_search_needs_at_least_two_characters(staff_client, resident, query, message):
    client, _ = staff_client(StaffRole.CASE_OFFICER)

    response = client.get("/staff/residents/", {"q": query})

    text = page_text(response)
    assert response.status_code == 200
    assert "There is a problem" in text
    assert message in text
    assert "<title>Error: Find a resident" in text
    assert "resident found" not in text


def test_the_empty_search_page_shows_no_errors(staff_client):
    client, _ = staff_client(StaffRole.CASE_OFFICER)

    text = page_text(client.get("/staff/residents/"))

    assert "There is a problem" not in text
    assert "found" not in text


def test_more_than_fifty_results_ask_to_refine(staff_client):
    for number in range(selectors.RESIDENT_SEARCH_LIMIT + 1):
        services.user_create_resident(email=f"person{number}@example.org", password=None, family_name="Smith")
    client, _ = staff_client(StaffRole.CASE_OFFICER)

    text = page_text(client.get("/staff/residents/", {"q": "smith"}))

    assert "More than 50 residents found" in text
    assert "Refine your search" in text
    assert text.count('href="/staff/residents/') == selectors.RESIDENT_SEARCH_LIMIT


def test_exactly_fifty_results_are_all_shown(db, make_staff):
    for number in range(selectors.RESIDENT_SEARCH_LIMIT):
        services.user_create_resident(email=f"person{number}@example.org", password=None, family_name="Smith")

    results = selectors.resident_search(acting_user=make_staff(StaffRole.CASE_OFFICER), query="smith")

    assert len(results.residents) == selectors.RESIDENT_SEARCH_LIMIT
    assert not results.truncated


def test_search_is_one_query_however_many_results(db, make_staff, django_assert_num_queries):
    for number in range(10):
        services.user_create_resident(email=f"person{number}@example.org", password=None, family_name="Smith")
    member = make_staff(StaffRole.ADMINISTRATOR)
    selectors.resident_search(acting_user=member, query="zz")  # roles are cached on the user after this

    with django_assert_num_queries(1):
        selectors.resident_search(acting_user=member, query="smith")


def test_search_refuses_roles_without_access(db, make_staff):
    with pytest.raises(PermissionDenied):
        selectors.resident_search(acting_user=make_staff(StaffRole.DATA_STEWARD), query="rita")


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("rita.resident@example.org", "r***t@example.org"),
        ("ab@example.org", "a***@example.org"),
        ("a@example.org", "a***@example.org"),
        ("abc@example.org", "a***c@example.org"),
        ("odd", "o***d"),
    ],
)
def test_mask_email(email, masked):
    assert selectors.mask_email(email) == masked


# Viewing personal details


def test_details_need_a_reason_first(staff_client, resident):
    client, _ = staff_client(StaffRole.CUSTOMER_SERVICE_ADVISER)

    response = client.get(f"/staff/residents/{resident.pk}/")

    text = page_text(response)
    assert "Why do you need to see this resident&#x27;s personal details?" in text
    for label in ("Resident contacted us", "Case work", "Information request", "Other"):
        assert label in text
    assert resident.email not in text
    assert "Rita" not in text
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Select why you need to see these details"),
        ({"reason": "curiosity"}, "Select a valid choice"),
        ({"reason": "other", "other_reason": "  "}, "Enter the reason you need to see these details"),
        ({"reason": "other", "other_reason": "x" * 201}, "Reason must be 200 characters or fewer"),
    ],
)
def test_an_invalid_reason_shows_errors_and_no_details(staff_client, resident, data, message):
    client, _ = staff_client(StaffRole.CASE_OFFICER)

    response = client.post(f"/staff/residents/{resident.pk}/", data)

    text = page_text(response)
    assert response.status_code == 200
    assert "There is a problem" in text
    assert message in text
    assert resident.email not in text
    assert not AuditEntry.objects.exists()


def test_a_valid_reason_shows_the_details_and_records_the_viewing(staff_client, resident):
    client, member = staff_client(StaffRole.CUSTOMER_SERVICE_ADVISER)

    response = client.post(f"/staff/residents/{resident.pk}/", CONTACTED)

    text = page_text(response)
    assert "Rita Resident" in text
    assert resident.email in text
    assert "Email address confirmed" in text
    assert '<dd class="govuk-summary-list__value">Yes</dd>' in text
    assert resident.date_joined.strftime("%-d %B %Y") in text
    assert "no-store" in response["Cache-Control"]
    entry = viewed_entries().get()
    assert entry.actor_id == member.pk
    assert entry.actor_role == StaffRole.CUSTOMER_SERVICE_ADVISER.value
    assert (entry.object_type, entry.object_id) == ("accounts.user", str(resident.pk))
    assert entry.reason == "Resident contacted us"


def test_every_viewing_is_recorded_with_its_own_reason(staff_client, resident):
    client, _ = staff_client(StaffRole.INFORMATION_GOVERNANCE_OFFICER)

    client.post(f"/staff/residents/{resident.pk}/", {"reason": "information_request"})
    client.post(f"/staff/residents/{resident.pk}/", {"reason": "other", "other_reason": " Complaint ref C-123 "})

    assert list(viewed_entries().values_list("reason", flat=True)) == [
        "Information request",
        "Other: Complaint ref C-123",
    ]


def test_details_show_a_deletion_request(staff_client, other_resident):
    services.user_request_deletion(other_resident)
    client, _ = staff_client(StaffRole.INFORMATION_GOVERNANCE_OFFICER)

    text = page_text(client.post(f"/staff/residents/{other_resident.pk}/", {"reason": "case_work"}))

    assert f"Yes, on {other_resident.deletion_requested_at:%-d %B %Y} (account closed)" in text


@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_superuser_and_unknown_ids_are_not_found(staff_client, make_staff, method):
    client, member = staff_client(StaffRole.ADMINISTRATOR)
    colleague = make_staff(StaffRole.CASE_OFFICER, email="colleague@council.example")
    root = User.objects.create_superuser(email="root@council.example", password=None)
    unknown = max(member.pk, colleague.pk, root.pk) + 100

    for pk in (member.pk, colleague.pk, root.pk, unknown):
        response = getattr(client, method)(f"/staff/residents/{pk}/", CONTACTED)
        assert response.status_code == 404, pk
    assert colleague.email not in response.content.decode()
    assert not viewed_entries().exists()


def test_the_service_refuses_without_permission_reason_or_resident(db, make_staff, resident):
    steward = make_staff(StaffRole.DATA_STEWARD)
    adviser = make_staff(StaffRole.CUSTOMER_SERVICE_ADVISER)

    with pytest.raises(PermissionDenied):
        services.resident_personal_data_view(acting_user=steward, resident_id=resident.pk, reason="Case work")
    with pytest.raises(ValueError, match="A reason is needed"):
        services.resident_personal_data_view(acting_user=adviser, resident_id=resident.pk, reason=" ")
    with pytest.raises(selectors.ResidentNotFoundError):
        services.resident_personal_data_view(acting_user=adviser, resident_id=steward.pk, reason="Case work")
    assert not AuditEntry.objects.exists()
