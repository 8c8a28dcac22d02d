"""The demo notices: the same seed and date give the same notices, in every ward and borough-wide."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.service_requests.conftest import Borough
from townhall.demo.notices import demo_notices_create
from townhall.demo.service_requests import PARKS_GROUP
from townhall.notices import selectors
from townhall.notices.constants import NoticeKind
from townhall.notices.models import Notice
from townhall.service_requests import services as request_services

pytestmark = pytest.mark.django_db


def _rows() -> list[tuple[object, ...]]:
    return list(
        Notice.staff_objects.order_by("kind", "title", "starts_at").values_list(
            "kind", "title", "starts_at", "ends_at", "publish_at", "category_group__name", "wards__code"
        )
    )


def test_demo_notices_are_deterministic_and_cover_every_ward(borough: Borough) -> None:
    request_services.category_group_create(acting_user=None, name=PARKS_GROUP, order=50)
    as_of = timezone.localdate()
    count = demo_notices_create(seed=1, as_of=as_of)
    first = _rows()
    assert count == Notice.staff_objects.count()
    for ward in (borough.northfield, borough.southfield):
        assert Notice.staff_objects.filter(wards=ward, kind=NoticeKind.EVENT).exists()
        assert Notice.staff_objects.filter(wards=ward, kind=NoticeKind.WARD_NEWS).exists()
    assert Notice.staff_objects.filter(wards__isnull=True, category_group__name=PARKS_GROUP).exists()
    public = selectors.notices_public()
    assert public.exists()
    assert public.count() < count, "the draft, the scheduled notice and the past event are not listed"

    Notice.staff_objects.all().delete()
    demo_notices_create(seed=1, as_of=as_of)
    assert _rows() == first
    Notice.staff_objects.all().delete()
    demo_notices_create(seed=2, as_of=as_of + dt.timedelta(days=1))
    assert _rows() != first
