"""What a council notice can be, and the numbers the notice pages use."""

from __future__ import annotations

from django.db import models


class NoticeKind(models.TextChoices):
    """What a council website's "news and events" and "service disruption" pages carry."""

    EVENT = "event", "Local event"
    SERVICE_CHANGE = "service_change", "Service change"
    WARD_NEWS = "ward_news", "Ward news"


class NoticeState(models.TextChoices):
    """Where a notice stands for staff; derived from its dates, never stored."""

    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHED = "published", "Published"
    ENDED = "ended", "Ended"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Kinds that have dates of their own (an event's start and end; when a service change applies).
DATED_KINDS = frozenset({NoticeKind.EVENT, NoticeKind.SERVICE_CHANGE})

PUBLIC_PAGE_SIZE = 20
STAFF_PAGE_SIZE = 50
FEED_SIZE = 50

OBJECT_NOTICE = "notices.notice"
ACTION_CREATED = "notices.notice.created"
ACTION_CHANGED = "notices.notice.changed"
ACTION_PUBLISHED = "notices.notice.published"
ACTION_WITHDRAWN = "notices.notice.withdrawn"
