"""The resident reporting journey at /report/, page by page without JavaScript: anonymous and signed in."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.service_requests.conftest import make_category
from tests.service_requests.test_report_helpers import UPRN, describe, draft_url, page, path_of, start, to_check
from townhall.notify.models import OutboxMessage
from townhall.service_requests.constants import Channel, Status
from townhall.service_requests.models import RequestAnswer, ServiceRequest

pytestmark = pytest.mark.django_db


def test_anonymous_resident_reports_a_pothole_end_to_end(client: Client, pothole, borough, teams) -> None:
    assert "Start now" in page(client, "/report/")
    first = to_check(client, pothole)
    html = client.get(first).content.decode()
    assert "Roads and pavements" in html  # radios grouped under their group heading

    nxt = describe(client, first, "  Deep hole by the bus stop  ")
    assert nxt == draft_url(first, "contact")
    nxt = path_of(client.post(nxt, {"name": "Ann Other", "email": "Ann@Example.org", "phone": "07700 900 982"}))
    assert nxt == draft_url(first, "check")

    assert "Full name" in page(client, draft_url(first, "contact"))
    check = page(client, nxt)
    for expected in (
        "Pothole",
        "12 Station Road",
        "4cm or more",
        "20 November 2026 14:30",
        "In the road",
        "Deep hole by the bus stop",
        "Ann Other",
        "Ann@Example.org",
        "Change",
    ):
        assert expected in check, expected
    assert not ServiceRequest.objects.exists()  # nothing is written before submitting

    done = path_of(client.post(nxt))
    created = ServiceRequest.objects.get()
    assert done == f"/report/{created.reference}/confirmation/"
    assert created.channel == Channel.WEB
    assert created.reporter is None
    assert (created.contact_name, created.contact_email, created.contact_phone) == (
        "Ann Other",
        "ann@example.org",
        "07700 900 982",
    )
    assert created.uprn == int(UPRN)
    assert created.ward == borough.northfield
    assert created.assigned_team == teams.highways_north
    assert created.description == "Deep hole by the bus stop"
    answers = dict(RequestAnswer.objects.filter(request=created).values_list("question_code", "display_value"))
    assert answers == {
        "depth": "4cm or more",
        "width_cm": "35",
        "noticed": "20 November 2026 14:30",
        "where": "In the road",
        "landmark": "Bus stop",
    }
    # Without an account the report waits for the emailed link: nobody sees it until then.
    assert created.awaiting_confirmation
    confirmation = page(client, done)
    assert "Check your email to confirm your report" in confirmation
    assert "ann@example.org" in confirmation
    assert client.get(f"/report/{created.reference}/").status_code == 404
    email = OutboxMessage.objects.get(idempotency_key=f"service_request:{created.reference}:confirmation")
    link = re.search(r"http://testserver(/report/confirm/[^/\s]+/)", email.payload["text"])
    assert link is not None, email.payload["text"]
    assert "Confirm my report" in page(client, link.group(1))
    assert path_of(client.post(link.group(1))) == done

    confirmation = page(client, done)
    assert "Pothole" in page(client, f"/report/{created.reference}/")
    assert "govuk-panel--confirmation" in confirmation
    assert created.reference in confirmation
    assert "ann@example.org" in confirmation
    assert f"/report/{created.reference}/" in confirmation
    assert OutboxMessage.objects.filter(idempotency_key=f"service_request:{created.reference}:acknowledgement").exists()

    # The draft is gone: going back and pressing send again shows the same confirmation, and makes nothing new.
    assert path_of(client.post(nxt)) == done
    assert ServiceRequest.objects.count() == 1


def test_signed_in_resident_skips_contact_details(client: Client, pothole, resident) -> None:
    client.force_login(resident)
    first = to_check(client, pothole)
    nxt = describe(client, first, "Hole")
    assert nxt == draft_url(first, "check")  # no contact page
    assert path_of(client.get(draft_url(first, "contact"))) == nxt
    html = client.get(nxt).content.decode()
    assert "signed in as resident@example.org" in html
    path_of(client.post(nxt))
    created = ServiceRequest.objects.get()
    assert created.reporter == resident
    assert created.contact_email == ""
    assert created.status == Status.OPEN


def test_free_text_address_search_finds_the_address(client: Client, pothole) -> None:
    first = start(client)
    path_of(client.post(first, {"category": pothole.pk}))
    nxt = path_of(client.post(draft_url(first, "location/search"), {"query": "12 station"}))
    assert nxt == draft_url(first, "location/address")
    html = client.get(nxt).content.decode()
    assert "12 Station Road, Demoton, TS40 1AB" in html
    assert path_of(client.post(nxt, {"uprn": UPRN})) == draft_url(first, "questions")


def test_two_drafts_in_one_session_do_not_clash(client: Client, pothole, roads, teams) -> None:
    bins = make_category(roads, teams.waste, service_code="litter-bin", name="Overflowing litter bin")
    one = start(client)
    two = start(client)
    assert one != two
    path_of(client.post(one, {"category": pothole.pk}))
    path_of(client.post(two, {"category": bins.pk}))
    assert f'value="{pothole.pk}" checked' in client.get(one).content.decode()
    assert f'value="{bins.pk}" checked' in client.get(two).content.decode()


def test_steps_cannot_be_skipped(client: Client, pothole) -> None:
    first = start(client)
    assert path_of(client.get(draft_url(first, "check"))) == first
    assert path_of(client.get(draft_url(first, "description"))) == first
    assert path_of(client.get("/report/draft/not-a-draft/check/")) == "/report/"


def test_change_link_returns_to_check_your_answers(client: Client, pothole, resident) -> None:
    client.force_login(resident)
    first = to_check(client, pothole)
    describe(client, first, "Hole")
    assert path_of(client.post(draft_url(first, "description"), {"description": "Bigger hole"})) == draft_url(
        first, "check"
    )
    assert "Bigger hole" in client.get(draft_url(first, "check")).content.decode()


def test_a_category_without_questions_skips_the_questions_page(client: Client, pothole, roads, teams, resident) -> None:
    bins = make_category(roads, teams.waste, service_code="litter-bin", name="Overflowing litter bin")
    client.force_login(resident)
    first = start(client)
    path_of(client.post(first, {"category": bins.pk}))
    path_of(client.post(draft_url(first, "location"), {"postcode": "TS40 1AB"}))
    assert path_of(client.post(draft_url(first, "location/address"), {"uprn": UPRN})) == draft_url(first, "questions")
    assert path_of(client.get(draft_url(first, "questions"))) == draft_url(first, "description")


def test_sign_in_required_category_links_to_sign_in_with_next(client: Client, pothole, roads, teams) -> None:
    abuse = make_category(roads, teams.highways, service_code="abuse", name="Abusive graffiti", anonymous_allowed=False)
    first = start(client)
    path_of(client.post(first, {"category": abuse.pk}))
    path_of(client.post(draft_url(first, "location"), {"postcode": "TS40 1AB"}))
    path_of(client.post(draft_url(first, "location/address"), {"uprn": UPRN}))
    path_of(client.get(draft_url(first, "questions")))
    describe(client, first, "Offensive words on the bridge")
    html = page(client, draft_url(first, "contact"))
    assert "Sign in to report this problem" in html
    assert "/auth/login/?next=%2Freport%2Fdraft%2F" in html
    assert path_of(client.get(draft_url(first, "check"))) == draft_url(first, "contact")
    assert not ServiceRequest.objects.exists()
