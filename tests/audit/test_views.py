"""/staff/audit/: who may see it, filters, paging, and the verify button (which is itself audited)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.audit.conftest import execute_sql, record_entries
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.audit.services import audit_record

pytestmark = pytest.mark.django_db

URL = "/staff/audit/"
MfaClient = Callable[[User], Client]


def rows(html: str) -> list[str]:
    """The sequence numbers shown in the table, top to bottom."""
    body = html.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0] if "<tbody" in html else ""
    return re.findall(r'<td class="govuk-table__cell govuk-table__cell--numeric">(\d+)</td>', body)


def test_the_url_is_named_audit_log() -> None:
    assert reverse("audit_log") == URL


@pytest.mark.parametrize("role", [StaffRole.INFORMATION_GOVERNANCE_OFFICER, StaffRole.ADMINISTRATOR])
def test_information_governance_and_administrators_see_the_log(
    role: StaffRole, staff_by_role: dict[StaffRole, User], mfa_client: MfaClient
) -> None:
    record_entries(2)

    response = mfa_client(staff_by_role[role]).get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="govuk-heading-l">Audit log</h1>' in html
    assert rows(html) == ["2", "1"]
    assert "INVALID_TEMPLATE_VARIABLE" not in html


@pytest.mark.parametrize(
    "role", [r for r in StaffRole if r not in {StaffRole.INFORMATION_GOVERNANCE_OFFICER, StaffRole.ADMINISTRATOR}]
)
def test_other_staff_get_not_found(
    role: StaffRole, staff_by_role: dict[StaffRole, User], mfa_client: MfaClient
) -> None:
    client = mfa_client(staff_by_role[role])

    assert client.get(URL).status_code == 404
    assert client.post(URL).status_code == 404
    assert not AuditEntry.objects.exists()


def test_residents_get_not_found(client: Client, resident: User) -> None:
    client.force_login(resident)

    assert client.get(URL).status_code == 404
    assert client.post(URL).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get(URL)

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/auth/login/"
    assert location.query == urlencode({"next": URL})


@pytest.fixture
def officer_client(staff_by_role: dict[StaffRole, User], mfa_client: MfaClient) -> Client:
    return mfa_client(staff_by_role[StaffRole.INFORMATION_GOVERNANCE_OFFICER])


def test_filters_narrow_the_entries(officer_client: Client, staff_by_role: dict[StaffRole, User]) -> None:
    officer = staff_by_role[StaffRole.CASE_OFFICER]
    audit_record(actor=officer, action="resident.personal_data.viewed", object_type="accounts.user", object_id=7)
    audit_record(actor=None, action="staff.created", object_type="accounts.user", object_id=8)
    audit_record(actor=officer, action="resident.contact.updated", object_type="accounts.user", object_id=8)
    audit_record(actor=None, action="residential.thing.done", object_type="other", object_id=8)

    def shown(**filters: object) -> list[str]:
        response = officer_client.get(URL, filters)
        assert response.status_code == 200
        return rows(response.content.decode())

    assert shown() == ["4", "3", "2", "1"]
    assert shown(action="resident") == ["3", "1"]  # the action and everything under it, not "residential"
    assert shown(action="resident.personal_data.viewed") == ["1"]
    assert shown(object_type="accounts.user", object_id="8") == ["3", "2"]
    assert shown(actor_id=officer.pk) == ["3", "1"]
    today = timezone.localdate()
    assert shown(occurred_from=today.strftime("%d/%m/%Y"), occurred_to=today.isoformat()) == ["4", "3", "2", "1"]
    assert shown(occurred_to=(today - dt.timedelta(days=1)).strftime("%d/%m/%Y")) == []
    assert "No entries match these filters." in officer_client.get(URL, {"action": "nothing.here"}).content.decode()


def test_invalid_filters_show_a_gov_uk_error_summary(officer_client: Client) -> None:
    record_entries(1)

    response = officer_client.get(URL, {"actor_id": "abc", "occurred_from": "31/2/2026"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Audit log" in html
    assert 'class="govuk-error-summary"' in html
    assert '<a href="#id_actor_id">Actor id must be a whole number, like 42.</a>' in html
    assert "From date must be a real date" in html
    assert rows(html) == []


def test_a_to_date_before_the_from_date_is_an_error(officer_client: Client) -> None:
    response = officer_client.get(URL, {"occurred_from": "2/3/2026", "occurred_to": "1/3/2026"})

    assert "To date must be the same as or after the from date." in response.content.decode()


def test_entries_are_paged_in_fifties_newest_first_keeping_the_filters(officer_client: Client) -> None:
    record_entries(120)

    first = officer_client.get(URL, {"object_type": "accounts.user"}).content.decode()
    last = officer_client.get(URL, {"object_type": "accounts.user", "page": 3}).content.decode()

    assert rows(first) == [str(n) for n in range(120, 70, -1)]
    assert rows(last) == [str(n) for n in range(20, 0, -1)]
    assert 'class="govuk-pagination"' in first
    assert 'href="?object_type=accounts.user&amp;page=2" rel="next"' in first
    assert 'aria-label="Page 3" aria-current="page"' in last
    assert 'href="?object_type=accounts.user&amp;page=2" rel="prev"' in last
    assert "Showing 101 to 120 of 120" in last


def test_the_page_costs_the_same_queries_however_many_entries(officer_client: Client) -> None:
    record_entries(3)
    with CaptureQueriesContext(connection) as few:
        officer_client.get(URL)
    record_entries(60)
    with CaptureQueriesContext(connection) as many:
        officer_client.get(URL)

    assert len(many) == len(few)


def test_viewing_the_log_is_not_audited(officer_client: Client) -> None:
    record_entries(1)

    officer_client.get(URL)
    officer_client.get(URL, {"action": "resident"})

    assert AuditEntry.objects.count() == 1


def test_verify_shows_a_valid_chain_in_a_banner_and_is_audited(
    officer_client: Client, staff_by_role: dict[StaffRole, User]
) -> None:
    record_entries(3)

    response = officer_client.post(f"{URL}?action=resident", follow=True)

    assert response.redirect_chain == [(f"{URL}?action=resident", 302)]
    html = response.content.decode()
    assert "govuk-notification-banner--success" in html
    assert "Audit chain valid: 3 entries checked." in html
    check = AuditEntry.objects.order_by("-sequence").first()
    assert check is not None
    assert check.action == "audit.chain.verified"
    assert check.actor_id == staff_by_role[StaffRole.INFORMATION_GOVERNANCE_OFFICER].pk
    assert check.actor_role == "information_governance_officer"
    assert check.reason == "Chain valid: 3 entries checked."
    assert check.request_id not in {"", "-"}


def test_verify_names_the_broken_entry_in_a_banner(officer_client: Client) -> None:
    entries = record_entries(3)
    execute_sql("UPDATE {entries} SET reason = %s WHERE id = %s", ["Nothing to see here", entries[0].pk])

    response = officer_client.post(URL, follow=True)

    html = response.content.decode()
    assert 'class="govuk-notification-banner"' in html
    assert f"Audit chain broken at entry id {entries[0].pk}: " in html
    assert AuditEntry.objects.order_by("-sequence").values_list("reason", flat=True)[0] == (
        f"Chain broken at entry id {entries[0].pk}."
    )


def test_verify_still_reports_when_the_check_cannot_be_recorded(
    officer_client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    record_entries(2)
    execute_sql("DELETE FROM {head}")

    response = officer_client.post(URL, follow=True)

    assert "Audit chain broken: the chain head row is missing" in response.content.decode()
    assert AuditEntry.objects.count() == 2
    assert "Could not record the audit chain check" in caplog.text  # logged, not a 500
