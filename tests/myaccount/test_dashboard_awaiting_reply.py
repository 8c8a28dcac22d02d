"""The dashboard puts a case officer's unanswered question first, and drops it once the resident replies."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.myaccount.test_timeline import report
from tests.service_requests.conftest import Teams
from tests.service_requests.test_backoffice_queue import make_staff
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.myaccount import selectors
from townhall.service_requests import services as request_services
from townhall.service_requests.models import Category

pytestmark = pytest.mark.django_db


def test_question_is_listed_first_until_the_resident_replies(
    client: Client, resident: User, pothole: Category, teams: Teams
) -> None:
    asked = report(resident, pothole)
    not_asked = report(resident, pothole)
    officer = make_staff("north.officer@council.example", StaffRole.CASE_OFFICER, teams.highways_north)
    request_services.service_request_reporter_question_ask(
        acting_user=officer, service_request=asked, question="Which side of the road?"
    )
    assert selectors.dashboard_for(user=resident).awaiting_reply == [asked]
    client.force_login(resident)

    page = client.get("/account/").content.decode()

    attention = page.split("Needs your attention", 1)[1].split("Your open reports", 1)[0]
    first_item = attention.split("<li>", 2)[1]
    assert first_item.startswith("We asked you a question about ")
    assert f'href="/report/{asked.reference}/#reply">{asked.reference} (Pothole)</a>: reply on its page' in first_item
    assert not_asked.reference not in attention

    response = client.post(f"/report/{asked.reference}/update/", {"message": "The north side"})
    assert response.status_code == 302
    assert selectors.dashboard_for(user=resident).awaiting_reply == []
    assert "We asked you a question" not in client.get("/account/").content.decode()


def test_a_sensitive_reports_question_says_how_to_reply_without_linking_to_a_hidden_page(
    client: Client, resident: User, pothole: Category, teams: Teams
) -> None:
    asked = report(resident, pothole)
    officer = make_staff("north.officer@council.example", StaffRole.CASE_OFFICER, teams.highways_north)
    request_services.service_request_reporter_question_ask(
        acting_user=officer, service_request=asked, question="Can we call you?"
    )
    request_services.service_request_sensitive_set(acting_user=officer, service_request=asked, sensitive=True)
    client.force_login(resident)

    attention = client.get("/account/").content.decode().split("Needs your attention", 1)[1].split("Your open", 1)[0]

    assert f"We asked you a question about {asked.reference} (Pothole) in an email" in attention
    assert f"/report/{asked.reference}/" not in attention
    assert client.get(f"/report/{asked.reference}/").status_code == 404
