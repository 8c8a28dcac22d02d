"""Fixtures for council notices: the two-ward borough, a Parks service area and a notice maker."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from tests.service_requests.conftest import (  # noqa: F401 - fixtures
    Borough,
    borough,
    roads,
    sign_in_with_mfa,
    staff_client,
)
from townhall.notices import services
from townhall.notices.constants import NoticeKind
from townhall.notices.models import Notice
from townhall.service_requests import services as request_services
from townhall.service_requests.models import CategoryGroup

MakeNotice = Callable[..., Notice]


@pytest.fixture
def parks(db: None) -> CategoryGroup:
    return request_services.category_group_create(acting_user=None, name="Parks", order=50)


def in_days(days: float, hour: int = 10) -> dt.datetime:
    """A moment `days` from today at `hour` o'clock local time."""
    day = timezone.localdate() + dt.timedelta(days=int(days))
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def make_notice(db: None) -> MakeNotice:
    """`make_notice(kind, title, wards=..., publish=True, ...)`: a notice written (and published) by Townhall."""

    def make(
        kind: str = NoticeKind.EVENT,
        title: str = "Spring clean in the park",
        *,
        publish: bool = True,
        **given: Any,
    ) -> Notice:
        if kind == NoticeKind.EVENT:
            given.setdefault("starts_at", in_days(5))
            given.setdefault("ends_at", in_days(5, hour=13))
        if kind == NoticeKind.SERVICE_CHANGE:
            given.setdefault("starts_at", in_days(-2))
        notice = services.notice_create(
            acting_user=None,
            fields=services.NoticeFields(
                kind=kind,
                title=title,
                summary=given.pop("summary", f"Summary of {title}."),
                body=given.pop("body", "First paragraph.\n\nSecond paragraph."),
                **given,
            ),
        )
        if publish:
            notice = services.notice_publish(acting_user=None, notice=notice)
        return notice

    return make
