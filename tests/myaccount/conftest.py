"""Fixtures for MyAccount tests: a resident with something in every source of personal data."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image

from tests.accounts.conftest import _fresh_cache, make_staff, staff_client  # noqa: F401 - fixtures
from tests.service_requests.conftest import (  # noqa: F401 - fixtures
    NORTH_POINT,
    Borough,
    Teams,
    borough,
    pothole,
    roads,
    teams,
)
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.myaccount import selectors as myaccount_selectors
from townhall.myaccount import services as myaccount_services
from townhall.myaccount.constants import CONSENT_GP_WELFARE, CONSENT_RESEARCH, ContactChannel
from townhall.myaccount.models import ConsentPurpose
from townhall.notify import services as notify_services
from townhall.places.models import Address
from townhall.service_requests import services as request_services
from townhall.service_requests.constants import Channel, Status
from townhall.service_requests.models import Category, CategoryGroup, ServiceRequest
from townhall.service_requests.photos import photo_prepare

RESIDENT_PHONE = "01632 960 123"


@pytest.fixture
def private_media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@dataclass(frozen=True)
class DataSubject:
    """A resident with a row in every source, and a neighbour with rows of their own."""

    resident: User
    neighbour: User
    officer: User
    report: ServiceRequest
    neighbours_report: ServiceRequest


def _report(person: User, category: Category, description: str, phone: str) -> ServiceRequest:
    lat, lng = NORTH_POINT
    return request_services.service_request_create(
        acting_user=person,
        category=category,
        description=description,
        channel=Channel.WEB,
        lat=lat,
        lng=lng,
        answers={"depth": "deep", "landmark": "By the post office"},
        reporter=person,
        contact=request_services.ReporterContact(name=person.get_full_name(), email=person.email, phone=phone),
    )


def _photo(service_request: ServiceRequest) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 120, 120)).save(buffer, format="JPEG")
    upload = SimpleUploadedFile("my-front-garden.jpg", buffer.getvalue(), content_type="image/jpeg")
    request_services.request_photo_store(prepared=photo_prepare(upload), request=service_request)


def _fill_account(person: User, *, group: CategoryGroup, wards: Borough, address: Address, phone: str) -> None:
    myaccount_services.details_update(
        acting_user=person,
        user=person,
        values=myaccount_services.DetailsInput(
            given_name=person.given_name,
            family_name=person.family_name,
            phone=phone,
            date_of_birth=dt.date(1980, 5, 17),
        ),
    )
    myaccount_services.address_change(
        acting_user=person, user=person, address=address, effective_from=dt.date(2025, 1, 1)
    )
    myaccount_services.preferences_update(
        acting_user=person,
        user=person,
        values=myaccount_services.PreferencesInput(
            channel=ContactChannel.EMAIL,
            topics=frozenset({"service_updates", "ward_news"}),
            no_marketing=False,
            large_print=True,
            easy_read=False,
            british_sign_language=False,
            preferred_language="Welsh",
            personalised_timeline=True,
            interests=(group.pk,),
        ),
    )
    for slug, given in ((CONSENT_GP_WELFARE, True), (CONSENT_RESEARCH, True), (CONSENT_RESEARCH, False)):
        text = myaccount_selectors.consent_current_text(purpose=ConsentPurpose.objects.get(slug=slug))
        assert text is not None
        myaccount_services.consent_decide(acting_user=person, user=person, text=text, given=given)
    myaccount_services.timeline_feed_reset(acting_user=person, user=person)
    myaccount_services.suggestion_opened(user=person, category_group=group)
    myaccount_services.digital_champion_sign_up(
        acting_user=person, user=person, ward=wards.northfield, availability="Saturday mornings"
    )
    with transaction.atomic():
        notify_services.correspondence_send(
            recipient=person,
            subject="About your council tax",
            text=f"Dear {person.get_full_name()}, your bill is attached.",
            idempotency_key=f"test:letter:{person.pk}",
        )
    request_services.area_alert_create(email=person.email, user=person, ward=wards.northfield)


@pytest.fixture
def data_subject(
    resident: User,
    other_resident: User,
    borough: Borough,  # noqa: F811
    teams: Teams,  # noqa: F811
    roads: CategoryGroup,  # noqa: F811
    pothole: Category,  # noqa: F811
    private_media: Path,
) -> DataSubject:
    officer = account_services.staff_create(
        email="officer@council.example",
        password="correct-horse-battery-staple-42",
        roles=[StaffRole.CASE_OFFICER, StaffRole.TEAM_MANAGER],
        teams=[teams.highways_north],
    )
    address = Address.objects.order_by("uprn").first()
    assert address is not None
    report = _report(resident, pothole, "Deep pothole outside number 12, I trip on it daily", RESIDENT_PHONE)
    _photo(report)
    request_services.service_request_status_change(
        acting_user=officer,
        service_request=report,
        to=Status.IN_PROGRESS,
        public_message="A crew will fill it next week",
        internal_note="Reporter rang twice",
    )
    request_services.service_request_reporter_update(
        acting_user=resident, service_request=report, message="It is getting deeper"
    )
    neighbours_report = _report(other_resident, pothole, "Pothole by the bus stop", "01632 960 999")
    request_services.request_subscribe(request=neighbours_report, user=resident)
    request_services.request_subscribe(request=report, user=other_resident)
    request_services.reporter_block(
        acting_user=None, service_request=report, reason="Abusive calls to the contact centre"
    )
    for person, phone in ((resident, RESIDENT_PHONE), (other_resident, "01632 960 999")):
        _fill_account(person, group=roads, wards=borough, address=address, phone=phone)
    account_services.staff_enrol_totp(resident)  # a resident may use an authenticator app too
    with transaction.atomic():
        myaccount_services.identity_pin_post(acting_user=resident, user=resident)  # the address is filled in above
    myaccount_services.identity_verify_by_staff(acting_user=officer, user=resident, evidence="Passport and a bill")
    return DataSubject(
        resident=resident,
        neighbour=other_resident,
        officer=officer,
        report=report,
        neighbours_report=neighbours_report,
    )
