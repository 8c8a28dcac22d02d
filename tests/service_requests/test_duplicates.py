""" "Is it one of these?": nearby open reports after the location step, and following one instead of reporting again."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.service_requests.conftest import Teams, lat_lng, make_category
from tests.service_requests.test_backoffice_queue import make_staff, report
from tests.service_requests.test_report_helpers import POSTCODE, UPRN, draft_url, page, path_of, start
from townhall.accounts.constants import StaffRole
from townhall.notify.models import OutboxMessage
from townhall.service_requests import selectors, services
from townhall.service_requests.constants import Status
from townhall.service_requests.models import Category, RequestSubscription, ServiceRequest

pytestmark = pytest.mark.django_db

ADDRESS_POINT = lat_lng(450_100, 519_020)  # 12 Station Road, the address the journey chooses


def near(metres_east: float) -> dict[str, float]:
    lat, lng = lat_lng(450_100 + metres_east, 519_020)
    return {"lat": lat, "lng": lng}


def nearby_references(category: Category) -> list[str]:
    found = selectors.nearby_open_requests(category=category, lat=ADDRESS_POINT[0], lng=ADDRESS_POINT[1])
    return [item.service_request.reference for item in found]


def test_only_open_public_confirmed_reports_in_the_category_within_the_radius(pothole, roads, teams: Teams) -> None:
    assert pothole.duplicate_radius_m == 50
    close = report(pothole, **near(10))
    edge = report(pothole, **near(45))
    report(pothole, **near(60))  # beyond 50 m
    other_category = make_category(roads, teams.highways, service_code="flytip", name="Fly-tipping")
    report(other_category, **near(5), answers={})
    fixed = report(pothole, **near(5))
    services.service_request_status_change(acting_user=None, service_request=fixed, to=Status.FIXED)
    hidden = report(pothole, **near(5))
    ServiceRequest.objects.filter(pk=hidden.pk).update(is_public=False)  # flagged sensitive
    report(pothole, **near(5), confirm_by_email=True)  # waiting for its email confirmation

    assert nearby_references(pothole) == [close.reference, edge.reference]
    [first, second] = selectors.nearby_open_requests(category=pothole, lat=ADDRESS_POINT[0], lng=ADDRESS_POINT[1])
    assert first.distance_m == pytest.approx(10, abs=1)
    assert second.distance_m == pytest.approx(45, abs=1)


def test_radius_zero_looks_nowhere_and_non_public_categories_never_match(pothole, roads, teams: Teams) -> None:
    services.category_update(
        acting_user=None,
        category=pothole,
        details=services.CategoryDetails(
            service_code="pothole", name="Pothole", group=roads, sla_amount=5, duplicate_radius_m=0
        ),
    )
    report(pothole, **near(1))
    pothole.refresh_from_db()
    assert nearby_references(pothole) == []
    private = make_category(roads, teams.highways, service_code="concern", name="Concern", is_public=False)
    report(private, **near(1), answers={})
    assert selectors.nearby_open_requests(category=private, lat=ADDRESS_POINT[0], lng=ADDRESS_POINT[1]) == []


def to_location(client: Client, category: Category) -> tuple[str, str]:
    """Category and address; (the draft's first URL, where choosing the address leads)."""
    first = start(client)
    path_of(client.post(first, {"category": category.pk}))
    path_of(client.post(draft_url(first, "location"), {"postcode": POSTCODE}))
    return first, path_of(client.post(draft_url(first, "location/address"), {"uprn": UPRN}))


def test_nothing_nearby_skips_the_step(client: Client, pothole) -> None:
    report(pothole, **near(200))
    first, nxt = to_location(client, pothole)
    assert nxt == draft_url(first, "questions")
    assert path_of(client.get(draft_url(first, "nearby"))) == draft_url(first, "questions")


def test_nearby_reports_are_offered_and_no_carries_on(client: Client, pothole) -> None:
    existing = report(pothole, **near(20))
    first, nxt = to_location(client, pothole)
    assert nxt == draft_url(first, "nearby")
    html = page(client, nxt)
    for expected in ("Is it one of these reports?", existing.reference, "About 20 metres away", "Open", "ago"):
        assert expected in html, expected
    assert "Yes — follow this report" in html
    assert "No — report a new problem" in html
    assert "Ann Secret" not in html
    assert "ann.secret@example.org" not in html
    assert "bus stop" not in html
    assert path_of(client.post(nxt)) == draft_url(first, "questions")
    # Answered for this place: the questions page no longer sends the resident back.
    assert client.get(draft_url(first, "questions")).status_code == 200


def test_signed_in_resident_follows_instead_of_reporting(client: Client, pothole, resident) -> None:
    existing = report(pothole, **near(20))
    client.force_login(resident)
    first, _nxt = to_location(client, pothole)
    done = path_of(client.post(draft_url(first, f"follow/{existing.reference}")))
    assert done == f"/report/{existing.reference}/following/"
    assert "You are following this report" in page(client, done)
    assert RequestSubscription.objects.get().user == resident
    assert ServiceRequest.objects.count() == 1  # no duplicate made
    assert path_of(client.get(first)) == "/report/"  # the draft is gone
    assert Client().get(done).status_code == 404  # another browser has nothing to see


def test_following_a_report_not_offered_is_refused(client: Client, pothole, resident, roads, teams: Teams) -> None:
    other = report(make_category(roads, teams.highways, service_code="flytip", name="Fly-tipping"), answers={})
    client.force_login(resident)
    first, _ = to_location(client, pothole)
    assert client.post(draft_url(first, f"follow/{other.reference}")).status_code == 404
    assert client.post(draft_url(first, "follow/DB-2000-000001")).status_code == 404
    assert not RequestSubscription.objects.exists()


def test_anonymous_resident_follows_by_confirming_an_emailed_link(client: Client, pothole) -> None:
    existing = report(pothole, **near(20))
    first, _ = to_location(client, pothole)
    ask = path_of(client.post(draft_url(first, f"follow/{existing.reference}")))
    assert ask == draft_url(first, f"follow/{existing.reference}/email")
    response = client.post(ask, {"email": "not-an-email"})
    assert response.status_code == 400
    assert "Enter an email address in the correct format" in response.content.decode()
    response = client.post(ask, {"email": "Fay@Example.org"})
    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    assert not RequestSubscription.objects.exists()  # not until the link is used

    message = OutboxMessage.objects.get(destination="fay@example.org")
    link = re.search(r"http://testserver(/report/follow/\S+/)", message.payload["text"])
    assert link is not None, message.payload["text"]
    assert "Get updates" in page(client, link.group(1))  # GET changes nothing (mail scanners)
    assert not RequestSubscription.objects.exists()
    elsewhere = Client()  # the link works in whatever browser opens the email
    assert path_of(elsewhere.post(link.group(1))) == f"/report/{existing.reference}/following/"
    assert elsewhere.post(link.group(1)).status_code == 302  # twice is still one subscription
    assert list(RequestSubscription.objects.values_list("email", "user")) == [("fay@example.org", None)]

    signed = link.group(1)
    tampered = signed[:-3] + ("A" if signed[-3] != "A" else "B") + signed[-2:]  # one character of the signature
    assert Client().get(tampered).status_code == 404
    assert Client().get("/report/follow/nonsense/").status_code == 404


def test_subscribers_are_emailed_about_public_changes_only(pothole, resident, other_resident, teams: Teams) -> None:
    existing = report(pothole, **near(20))
    services.request_subscribe(request=existing, user=resident)
    services.request_subscribe(request=existing, email="fay@example.org")
    officer = make_staff("officer@council.example", StaffRole.CASE_OFFICER, teams.highways_north)
    update = services.service_request_status_change(
        acting_user=officer,
        service_request=existing,
        to=Status.ACTION_SCHEDULED,
        public_message="A crew is booked for Tuesday.",
        internal_note="SECRET-NOTE",
    )
    sent = OutboxMessage.objects.filter(idempotency_key__contains=f":update:{update.pk}:")
    assert sorted(sent.values_list("destination", flat=True)) == ["fay@example.org", "resident@example.org"]
    text = sent.first().payload["text"]  # type: ignore[union-attr]
    assert "Action scheduled" in text
    assert "A crew is booked for Tuesday." in text
    assert f"http://testserver/report/{existing.reference}/" in text
    assert "SECRET-NOTE" not in text

    ServiceRequest.objects.filter(pk=existing.pk).update(is_public=False)  # flagged sensitive: nothing more goes out
    later = services.service_request_status_change(acting_user=officer, service_request=existing, to=Status.FIXED)
    assert not OutboxMessage.objects.filter(idempotency_key__contains=f":update:{later.pk}:").exists()
