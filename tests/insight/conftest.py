"""A small, fully known history of service requests for Insight's tests.

`history` builds requests with chosen receipt times, channels, wards and outcomes
(closing times set afterwards, since the status service stamps "now"), then rebuilds the
rollups. Tests compare what Insight shows with counts they work out from the requests
table themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from tests.service_requests.conftest import (  # noqa: F401 - fixtures
    NORTH_POINT,
    SOUTH_POINT,
    Borough,
    Teams,
    borough,
    make_category,
    pothole,
    roads,
    teams,
)
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.insight import services as insight_services
from townhall.service_requests import services
from townhall.service_requests.constants import Channel, Status
from townhall.service_requests.models import Category, ServiceRequest
from townhall.service_requests.services import ReporterContact

LONDON = ZoneInfo("Europe/London")


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON)


@dataclass
class History:
    pothole: Category
    flytip: Category
    borough: Borough
    requests: list[ServiceRequest]
    start: dt.date
    end: dt.date


def _create(adviser: User, category: Category, *, received: dt.datetime, channel: str, north: bool) -> ServiceRequest:
    lat, lng = NORTH_POINT if north else SOUTH_POINT
    return services.service_request_create(
        acting_user=adviser if channel in (Channel.PHONE, Channel.FACE_TO_FACE, Channel.EMAIL) else None,
        category=category,
        description="Something to fix",
        channel=channel,
        lat=lat,
        lng=lng,
        answers={"depth": "deep"} if category.service_code == "pothole" else {},
        contact=ReporterContact(name="Pat Resident", email="pat@example.org"),
        received_at=received,
    )


def _close(request: ServiceRequest, *, to: str, closed: dt.datetime, officer: User) -> None:
    services.service_request_status_change(acting_user=officer, service_request=request, to=to)
    ServiceRequest.objects.filter(pk=request.pk).update(closed_at=closed, updated_at=closed)


@pytest.fixture
def history(
    borough: Borough,  # noqa: F811
    teams: Teams,  # noqa: F811
    pothole: Category,  # noqa: F811
) -> History:
    """90 days ending 2026-03-31: 60 requests over two wards, two categories and four channels.

    Every third request is closed (most fixed, some after their due time), one fix was
    reopened and closed again, one request is a duplicate of another.
    """
    waste = services.category_group_create(acting_user=None, name="Waste", order=20)
    flytip = make_category(waste, teams.waste, service_code="flytip", name="Fly-tipping", sla_amount=2)
    adviser = account_services.staff_create(
        email="adviser@example.gov.uk", password="Long-enough-pass-1", roles=[StaffRole.CUSTOMER_SERVICE_ADVISER]
    )
    officer = account_services.staff_create(
        email="officer@example.gov.uk", password="Long-enough-pass-1", roles=[StaffRole.ADMINISTRATOR]
    )
    start = dt.date(2026, 1, 1)
    channels = [Channel.WEB, Channel.WEB, Channel.PHONE, Channel.OPEN311, Channel.FACE_TO_FACE, Channel.WEB]
    created = []
    for n in range(60):
        day = start + dt.timedelta(days=n * 3 // 2)
        category = pothole if n % 2 else flytip
        created.append(
            _create(adviser, category, received=at(day, 9 + n % 8), channel=channels[n % 6], north=n % 3 != 0)
        )
    for n, request in enumerate(created):
        if n % 3:
            continue
        request.refresh_from_db()
        late = n % 9 == 0
        closed = request.sla_due_at + (dt.timedelta(days=2) if late else -dt.timedelta(hours=1))
        _close(
            request,
            to=Status.FIXED if n % 4 else Status.CLOSED,
            closed=max(closed, request.received_at),
            officer=officer,
        )
    # One fix reopened and fixed again; one repeat report marked as a duplicate of a fixed request.
    reopened = created[6]
    services.service_request_status_change(acting_user=officer, service_request=reopened, to=Status.REOPENED)
    _close(reopened, to=Status.FIXED, closed=at(dt.date(2026, 2, 20)), officer=officer)
    original = created[3]
    services.service_request_status_change(
        acting_user=officer, service_request=created[4], to=Status.DUPLICATE, duplicate_of=original
    )
    ServiceRequest.objects.filter(pk=created[4].pk).update(closed_at=at(dt.date(2026, 1, 12)))
    insight_services.rollups_refresh(full=True, now=at(dt.date(2026, 4, 1)))
    return History(pothole, flytip, borough, list(ServiceRequest.objects.order_by("pk")), start, dt.date(2026, 3, 31))
