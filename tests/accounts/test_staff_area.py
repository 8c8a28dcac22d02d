"""The staff home page (/staff/): who you are, your roles and teams, and what your roles let you do."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import path

from townhall.accounts import views
from townhall.accounts.constants import StaffRole
from townhall.urls import urlpatterns as townhall_urlpatterns


def _audit_log_stand_in(request: HttpRequest) -> HttpResponse:
    return HttpResponse("audit log")


# Used through @pytest.mark.urls(__name__): Townhall's URLs plus an audit log page, whether or
# not the audit app has mounted its own yet.
urlpatterns = [path("staff/audit/", _audit_log_stand_in, name="audit_log"), *townhall_urlpatterns]

FIND_A_RESIDENT = {
    StaffRole.CUSTOMER_SERVICE_ADVISER,
    StaffRole.CASE_OFFICER,
    StaffRole.INFORMATION_GOVERNANCE_OFFICER,
    StaffRole.ADMINISTRATOR,
}
AUDIT_LOG = {StaffRole.INFORMATION_GOVERNANCE_OFFICER, StaffRole.ADMINISTRATOR}
REQUEST_QUEUE = {
    StaffRole.CASE_OFFICER,
    StaffRole.TEAM_MANAGER,
    StaffRole.CUSTOMER_SERVICE_ADVISER,
    StaffRole.ADMINISTRATOR,
}


def page_text(response) -> str:
    text = response.content.decode()
    assert "INVALID_TEMPLATE_VARIABLE" not in text
    return text


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("role", list(StaffRole))
def test_each_role_sees_its_roles_teams_and_links(staff_client, role):
    client, _ = staff_client(role, teams=("Highways", "Waste and Recycling"), given_name="Robin")

    response = client.get("/staff/")

    assert response.status_code == 200
    text = page_text(response)
    assert '<h1 class="govuk-heading-l">Staff area</h1>' in text
    assert "Robin Staff" in text
    assert role.label in text
    assert "Highways" in text
    assert "Waste and Recycling" in text
    assert ('href="/staff/residents/"' in text) is (role in FIND_A_RESIDENT)
    assert ('href="/staff/audit/"' in text) is (role in AUDIT_LOG)
    assert ('href="/staff/catalogue/"' in text) is (role == StaffRole.ADMINISTRATOR)
    assert ('href="/staff/requests/"' in text) is (role in REQUEST_QUEUE)
    assert ('href="/staff/notify/"' in text) is (role == StaffRole.ADMINISTRATOR)


@pytest.mark.urls(__name__)
def test_several_roles_are_all_listed_and_links_combine(staff_client):
    client, _ = staff_client(StaffRole.DATA_STEWARD, StaffRole.INFORMATION_GOVERNANCE_OFFICER)

    text = page_text(client.get("/staff/"))

    assert "Your roles" in text
    assert "Data steward" in text
    assert "Information governance officer" in text
    assert 'href="/staff/residents/"' in text
    assert 'href="/staff/audit/"' in text


def test_a_data_steward_without_a_team_is_told_so_and_finds_the_data_tools(staff_client):
    client, _ = staff_client(StaffRole.DATA_STEWARD)

    text = page_text(client.get("/staff/"))

    assert "Not in a team yet" in text
    assert "Citizen Index" in text
    assert "Information asset register" in text
    assert "Service requests" not in text, "no queue without a case officer's or manager's role"


def test_the_audit_log_link_is_left_out_while_that_page_does_not_exist():
    assert views._url_if_present("no_such_page") is None
    assert views._url_if_present("staff_home") == "/staff/"
