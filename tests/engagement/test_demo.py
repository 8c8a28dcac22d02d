"""The demo consultations, generated for today: one closed with its outcome, two open, one upcoming."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.conftest import TEST_PASSWORD
from tests.service_requests.conftest import Borough
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.demo.constants import DEMO_EMAIL_DOMAIN, DEMO_RESIDENTS
from townhall.demo.consultations import demo_consultations_create
from townhall.engagement import selectors
from townhall.engagement.models import Consultation, Response

pytestmark = pytest.mark.django_db


def _run(borough: Borough) -> dict[str, tuple[str, int, bool]]:
    account_services.staff_create(
        email=f"manager@{DEMO_EMAIL_DOMAIN}", password=TEST_PASSWORD, roles=[StaffRole.TEAM_MANAGER]
    )
    for resident in DEMO_RESIDENTS:
        account_services.user_create_resident(
            email=resident.email, password=None, given_name=resident.given_name, family_name=resident.family_name
        )
    for number in range(50):
        account_services.user_create_resident(
            email=f"r{number}@example.org", password=None, given_name="R", family_name=str(number)
        )
    assert demo_consultations_create(seed=1, as_of=timezone.localdate()) == 4
    return {
        c.slug: (str(c.phase()), c.responses.count(), bool(c.outcome)) for c in Consultation.objects.order_by("slug")
    }


def test_demo_consultations_cover_every_phase(borough: Borough) -> None:
    first = _run(borough)
    assert first == {
        "budget-priorities": ("open", 12, False),
        "fortnightly-garden-waste": ("closed", 40, True),
        "park-opening-hours": ("upcoming", 0, False),
        "school-streets": ("open", 15, False),
    }
    rita = Response.objects.filter(user__email=DEMO_RESIDENTS[0].email).count()
    assert rita == 3  # the documented resident took part in every consultation she could
    closed = Consultation.objects.get(slug="fortnightly-garden-waste")
    assert selectors.results(closed).responses == 40
