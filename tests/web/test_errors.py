"""Error pages in the design system, with the right status codes."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.web import views


@pytest.mark.django_db
def test_unknown_url_gets_design_system_404(client: Client, settings) -> None:
    settings.DEBUG = False

    response = client.get("/no-such-page")

    assert response.status_code == 404
    html = response.content.decode()
    assert "<title>Page not found \N{EN DASH} Demo Borough Council</title>" in html
    assert '<h1 class="govuk-heading-l">Page not found</h1>' in html
    assert "govuk-generic-header" in html
    assert "govuk-footer" in html


@pytest.mark.django_db
def test_resident_in_staff_area_gets_design_system_404(client: Client, resident: User) -> None:
    client.force_login(resident)

    response = client.get("/staff/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.urls("tests.web.urls")
@pytest.mark.django_db
def test_permission_denied_gets_design_system_403(client: Client, staff_by_role: dict[StaffRole, User]) -> None:
    client.force_login(staff_by_role[StaffRole.CASE_OFFICER])

    response = client.get("/test/forbidden")

    assert response.status_code == 403
    html = response.content.decode()
    assert '<h1 class="govuk-heading-l">You cannot see this page</h1>' in html
    # The page still knows who is signed in.
    assert "Sign out" in html


@pytest.mark.django_db
def test_form_without_csrf_token_gets_design_system_403() -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post("/auth/logout/")

    assert response.status_code == 403
    assert '<h1 class="govuk-heading-l">Your form has expired</h1>' in response.content.decode()


@pytest.mark.urls("tests.web.urls")
@pytest.mark.django_db
def test_unhandled_error_gets_design_system_500() -> None:
    client = Client(raise_request_exception=False)

    response = client.get("/test/broken")

    assert response.status_code == 500
    html = response.content.decode()
    assert "<title>Sorry, there is a problem with the service \N{EN DASH} Demo Borough Council</title>" in html
    assert "mailto:digital@demo-borough.example" in html


def test_500_page_renders_without_database_or_context_processors() -> None:
    """No django_db mark: any database query here fails the test, as it would when the database is down."""
    request = RequestFactory().get("/")  # no user, no session, no messages

    response = views.error_500(request)

    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, there is a problem with the service" in html
    assert "Demo Borough Council" in html
    assert "govuk-service-navigation" not in html
    assert "INVALID_TEMPLATE_VARIABLE" not in html
