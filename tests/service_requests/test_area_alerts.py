"""Email alerts for an area (/reports/alerts/): sign up, confirm by a signed link, digests, one-click unsubscribe.

The borough of tests/service_requests/conftest.py: Northfield north of northing 518,000,
Southfield south of it; TS40 1AB is one address at (450,100, 519,020) on Station Road.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from tests.service_requests.conftest import NORTH_POINT, SOUTH_POINT, Borough, lat_lng
from tests.service_requests.test_public_reports import SECRETS, graffiti, report, safeguarding
from townhall.accounts.models import User
from townhall.notify.models import OutboxMessage
from townhall.service_requests import services
from townhall.service_requests.constants import Status
from townhall.service_requests.models import AreaAlert, Category, ServiceRequest
from townhall.service_requests.services import alerts

__all__ = ["graffiti", "safeguarding"]  # fixtures shared with the public reports tests

POSTCODE = "TS40 1AB"
NEAR = lat_lng(450_050, 519_000)  # about 55 m from TS40 1AB
FOUR_HUNDRED_M = lat_lng(450_100, 518_620)  # 400 m south of TS40 1AB, still Northfield
FAR = lat_lng(450_100, 517_100)  # 1,920 m south, in Southfield
HOUR = dt.timedelta(hours=1)


def alert_emails() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(related_type="service_requests.areaalert").order_by("id"))


def digests() -> list[OutboxMessage]:
    return [message for message in alert_emails() if ":digest:" in message.idempotency_key]


def link_in(message: OutboxMessage, kind: str) -> str:
    match = re.search(rf"https?://[^/\s]+(/reports/alerts/{kind}/[^/\s]+/)", message.payload["text"])
    assert match, message.payload["text"]
    return match.group(1)


def confirmed(alert: AreaAlert, *, at: dt.datetime) -> AreaAlert:
    return services.area_alert_confirm(token=services.area_alert_confirm_token(alert), now=at)


@pytest.fixture
def ward_alert(borough: Borough) -> AreaAlert:
    alert = services.area_alert_create(email="watcher@example.org", ward=borough.northfield)
    return confirmed(alert, at=timezone.now() - HOUR)


MakeRadiusAlert = Callable[..., AreaAlert]


@pytest.fixture
def radius_alert(borough: Borough) -> MakeRadiusAlert:
    def make(radius_m: int, category: Category | None = None) -> AreaAlert:
        alert = services.area_alert_create(
            email=f"near.{radius_m}@example.org", postcode="ts401ab", radius_m=radius_m, category=category
        )
        return confirmed(alert, at=timezone.now() - HOUR)

    return make


def sent_references(message: OutboxMessage) -> set[str]:
    return set(re.findall(r"\(([A-Z]+-\d{4}-\d{6}),", message.payload["text"]))


# --- sign-up and confirmation -----------------------------------------------------------------


@pytest.mark.django_db
def test_sign_up_emails_a_signed_confirmation_link_and_nothing_is_sent_before_it_is_used(
    borough: Borough, pothole: Category
) -> None:
    alert = services.area_alert_create(email=" Watcher@Example.org ", ward=borough.northfield)
    assert (alert.email, alert.label, alert.confirmed_at) == (
        "watcher@example.org",
        "New reports in Northfield ward",
        None,
    )
    [message] = alert_emails()
    assert message.destination == "watcher@example.org"
    assert "/reports/alerts/confirm/" in message.payload["text"]
    report(pothole, NORTH_POINT)
    assert services.area_alerts_send(now=timezone.now() + HOUR) == 0
    assert digests() == []


@pytest.mark.django_db
def test_radius_sign_up_is_centred_on_the_postcode(borough: Borough, pothole: Category) -> None:
    alert = services.area_alert_create(email="a@example.org", postcode="ts40 1ab", radius_m=500, category=pothole)
    assert alert.label == "Pothole reports within 500 m of TS40 1AB"
    assert alert.ward is None
    assert (alert.centre_lat, alert.centre_lng) == pytest.approx(lat_lng(450_100, 519_020))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        pytest.param({"email": "not-an-email", "postcode": POSTCODE, "radius_m": 500}, "email", id="email"),
        pytest.param({"email": "a@example.org", "postcode": "NOT A CODE", "radius_m": 500}, "postcode", id="invalid"),
        pytest.param({"email": "a@example.org", "postcode": "SW1A 1AA", "radius_m": 500}, "postcode", id="elsewhere"),
        pytest.param({"email": "a@example.org", "postcode": "", "radius_m": 500}, "postcode", id="no-postcode"),
        pytest.param({"email": "a@example.org", "postcode": POSTCODE, "radius_m": 300}, "radius_m", id="radius"),
    ],
)
def test_sign_up_refuses_what_it_cannot_use(borough: Borough, arguments: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        services.area_alert_create(**arguments)  # type: ignore[arg-type]
    assert field in caught.value.error_dict
    assert not AreaAlert.objects.exists()
    assert alert_emails() == []


@pytest.mark.django_db
def test_sign_up_refuses_a_non_public_category(borough: Borough, safeguarding: Category) -> None:
    with pytest.raises(ValidationError) as caught:
        services.area_alert_create(email="a@example.org", ward=borough.northfield, category=safeguarding)
    assert "category" in caught.value.error_dict


@pytest.mark.django_db
def test_confirmation_links_expire_and_cannot_be_altered(borough: Borough, monkeypatch: pytest.MonkeyPatch) -> None:
    alert = services.area_alert_create(email="a@example.org", ward=borough.northfield)
    token = services.area_alert_confirm_token(alert)
    with pytest.raises(services.AreaAlertTokenError):
        services.area_alert_confirm(token=token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    with pytest.raises(services.AreaAlertTokenError):  # an unsubscribe token is not a confirmation token
        services.area_alert_confirm(token=services.area_alert_unsubscribe_token(alert))
    monkeypatch.setattr(alerts, "AREA_ALERT_CONFIRM_MAX_AGE", dt.timedelta(seconds=-1))
    with pytest.raises(services.AreaAlertTokenError):
        services.area_alert_confirm(token=token)
    alert.refresh_from_db()
    assert alert.confirmed_at is None


# --- matching and sending ---------------------------------------------------------------------


@pytest.mark.django_db
def test_ward_alert_gets_new_public_reports_in_its_ward_only(
    ward_alert: AreaAlert, pothole: Category, safeguarding: Category
) -> None:
    north = report(pothole, NORTH_POINT)
    report(pothole, SOUTH_POINT)  # the other ward
    report(safeguarding, NORTH_POINT)  # non-public category
    report(pothole, NORTH_POINT, is_public=False)  # flagged sensitive
    report(pothole, NORTH_POINT, awaiting_confirmation=True)  # not confirmed by its reporter
    assert services.area_alerts_send(now=timezone.now() + dt.timedelta(seconds=1)) == 1
    [digest] = digests()
    assert digest.destination == "watcher@example.org"
    assert digest.payload["subject"] == "1 new report: New reports in Northfield ward"
    assert sent_references(digest) == {north.reference}
    assert f"/report/{north.reference}/" in digest.payload["text"]
    for secret in SECRETS:
        assert secret not in digest.payload["text"]
    assert "/reports/alerts/unsubscribe/" in digest.payload["text"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("radius_m", "expected"),
    [
        pytest.param(250, {"near"}, id="250m"),
        pytest.param(500, {"near", "400m"}, id="500m"),
        pytest.param(1000, {"near", "400m"}, id="1km"),
        pytest.param(2000, {"near", "400m", "far"}, id="2km"),
    ],
)
def test_radius_alert_gets_reports_within_its_distance(
    radius_alert: MakeRadiusAlert, pothole: Category, radius_m: int, expected: set[str]
) -> None:
    alert = radius_alert(radius_m)
    made = {name: report(pothole, point) for name, point in (("near", NEAR), ("400m", FOUR_HUNDRED_M), ("far", FAR))}
    services.area_alerts_send(now=timezone.now() + dt.timedelta(seconds=1))
    [digest] = digests()
    assert digest.destination == alert.email
    assert sent_references(digest) == {made[name].reference for name in expected}


@pytest.mark.django_db
def test_category_alert_gets_only_its_category(
    radius_alert: MakeRadiusAlert, pothole: Category, graffiti: Category
) -> None:
    radius_alert(500, category=graffiti)
    report(pothole, NEAR)
    tag = report(graffiti, NEAR)
    services.area_alerts_send(now=timezone.now() + dt.timedelta(seconds=1))
    [digest] = digests()
    assert sent_references(digest) == {tag.reference}
    assert digest.payload["subject"] == "1 new report: Graffiti reports within 500 m of TS40 1AB"


@pytest.mark.django_db
def test_each_report_is_sent_once_and_reports_before_confirmation_never(borough: Borough, pothole: Category) -> None:
    report(pothole, NORTH_POINT, received_at=timezone.now() - 2 * HOUR)  # before the alert started
    alert = confirmed(
        services.area_alert_create(email="w@example.org", ward=borough.northfield), at=timezone.now() - HOUR
    )
    first = report(pothole, NORTH_POINT)
    now = timezone.now() + dt.timedelta(seconds=1)
    assert services.area_alerts_send(now=now) == 1
    assert services.area_alerts_send(now=now) == 0, "the same window twice"
    assert services.area_alerts_send(now=now + HOUR) == 0, "nothing new"
    second = report(pothole, NORTH_POINT, status=Status.FIXED)
    ServiceRequest.objects.filter(pk=second.pk).update(received_at=now + 2 * HOUR)
    assert services.area_alerts_send(now=now + 3 * HOUR) == 1
    assert [sent_references(digest) for digest in digests()] == [{first.reference}, {second.reference}]
    alert.refresh_from_db()
    assert alert.last_sent_at == now + 3 * HOUR


@pytest.mark.django_db
def test_unsubscribed_alerts_get_nothing(ward_alert: AreaAlert, pothole: Category) -> None:
    services.area_alert_unsubscribe(token=services.area_alert_unsubscribe_token(ward_alert))
    services.area_alert_unsubscribe(token=services.area_alert_unsubscribe_token(ward_alert))  # twice is harmless
    report(pothole, NORTH_POINT)
    assert services.area_alerts_send(now=timezone.now() + dt.timedelta(seconds=1)) == 0
    assert digests() == []


@pytest.mark.django_db
def test_management_command_sends_due_alerts(
    ward_alert: AreaAlert, pothole: Category, capsys: pytest.CaptureFixture[str]
) -> None:
    report(pothole, NORTH_POINT)
    ServiceRequest.objects.update(received_at=timezone.now() - dt.timedelta(minutes=1))
    call_command("alerts", "send")
    assert "Enqueued 1 alert email(s)." in capsys.readouterr().out
    assert len(digests()) == 1


# --- the pages --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_signed_in_resident_finds_their_email_prefilled(client: Client, borough: Borough, resident: User) -> None:
    client.force_login(resident)
    html = client.get("/reports/alerts/").content.decode()
    assert 'value="resident@example.org"' in html


@pytest.mark.django_db
def test_sign_up_confirm_and_unsubscribe_through_the_pages(client: Client, borough: Borough, pothole: Category) -> None:
    response = client.post(
        "/reports/alerts/", {"email": "w@example.org", "area": "ward", "ward": "E05099901", "category": "pothole"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/reports/alerts/check-your-email/"
    assert "w@example.org" in client.get(response["Location"]).content.decode()
    alert = AreaAlert.objects.get()
    assert (alert.ward, alert.category, alert.label) == (
        borough.northfield,
        pothole,
        "Pothole reports in Northfield ward",
    )

    confirm = link_in(alert_emails()[0], "confirm")
    assert "Start my alert" in client.get(confirm).content.decode()
    alert.refresh_from_db()
    assert alert.confirmed_at is None, "following the link alone (a mail scanner) confirms nothing"
    assert "Your email alert has started" in client.post(confirm).content.decode()
    alert.refresh_from_db()
    assert alert.confirmed_at is not None

    AreaAlert.objects.filter(pk=alert.pk).update(confirmed_at=timezone.now() - HOUR)
    report(pothole, NORTH_POINT)
    services.area_alerts_send(now=timezone.now() + dt.timedelta(seconds=1))
    unsubscribe = link_in(digests()[0], "unsubscribe")
    assert "Stop this alert" in client.get(unsubscribe).content.decode()
    alert.refresh_from_db()
    assert alert.unsubscribed_at is None
    assert "Your email alert has stopped" in client.post(unsubscribe).content.decode()
    alert.refresh_from_db()
    assert alert.unsubscribed_at is not None


@pytest.mark.django_db
def test_digests_on_an_https_site_carry_the_one_click_unsubscribe_address(
    ward_alert: AreaAlert, pothole: Category, settings: Settings
) -> None:
    settings.TOWNHALL_SITE_URL = "https://report.council.example"
    report(pothole, NORTH_POINT)
    assert services.area_alerts_send(now=timezone.now() + dt.timedelta(seconds=1)) == 1
    [digest] = digests()
    token = services.area_alert_unsubscribe_token(ward_alert)
    assert digest.payload["unsubscribe_url"] == f"https://report.council.example/reports/alerts/unsubscribe/{token}/"
    assert digest.payload["unsubscribe_url"] in digest.payload["text"]


def test_one_click_unsubscribe_needs_no_csrf_token(ward_alert: AreaAlert) -> None:
    client = Client(enforce_csrf_checks=True)
    url = f"/reports/alerts/unsubscribe/{services.area_alert_unsubscribe_token(ward_alert)}/"
    response = client.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    ward_alert.refresh_from_db()
    assert ward_alert.unsubscribed_at is not None


@pytest.mark.django_db
def test_altered_links_are_refused(client: Client, ward_alert: AreaAlert) -> None:
    assert client.get("/reports/alerts/unsubscribe/not-a-token/").status_code == 400
    assert client.post("/reports/alerts/unsubscribe/not-a-token/").status_code == 400
    assert client.post("/reports/alerts/confirm/not-a-token/").status_code == 400
    ward_alert.refresh_from_db()
    assert ward_alert.unsubscribed_at is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "messages"),
    [
        pytest.param({}, ["Enter your email address", "Choose a ward or a postcode"], id="empty"),
        pytest.param({"email": "w@example.org", "area": "ward"}, ["Choose a ward"], id="no-ward"),
        pytest.param(
            {"email": "w@example.org", "area": "postcode"},
            ["Enter a postcode", "Choose how far from the postcode"],
            id="no-postcode",
        ),
        pytest.param(
            {"email": "w@example.org", "area": "postcode", "postcode": "SW1A 1AA", "radius": "500"},
            ["Enter a postcode in the area Demo Borough Council looks after"],
            id="elsewhere",
        ),
    ],
)
def test_sign_up_errors_are_shown_in_an_error_summary(
    client: Client, borough: Borough, data: dict[str, str], messages: list[str]
) -> None:
    response = client.post("/reports/alerts/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: " in html
    summary = html[html.index("govuk-error-summary") : html.index("</ul>", html.index("govuk-error-summary"))]
    for message in messages:
        assert message in summary
    assert not AreaAlert.objects.exists()


@pytest.mark.django_db
def test_sign_ups_cannot_flood_an_inbox(borough: Borough) -> None:
    for _ in range(services.AREA_ALERT_UNCONFIRMED_PER_DAY):
        services.area_alert_create(email="target@example.org", ward=borough.northfield)
    with pytest.raises(ValidationError) as caught:
        services.area_alert_create(email="target@example.org", ward=borough.southfield)
    assert "email" in caught.value.error_dict
    assert len(alert_emails()) == services.AREA_ALERT_UNCONFIRMED_PER_DAY
