"""Council notices: local events, service changes and ward news, for one ward, several, or the whole borough.

A notice is staff-written public information; it holds nothing about residents. It is
public only between its publish time and its withdrawal, so the model has no default
`objects` manager: `staff_objects` sees everything, and every public read goes through
`.published(now=...)` in selectors.py.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from townhall.accounts.models import User
from townhall.notices.constants import DATED_KINDS, NoticeKind, NoticeState
from townhall.places.models import Ward
from townhall.service_requests.models import CategoryGroup


class NoticeQuerySet(models.QuerySet["Notice"]):
    """Named filters: what the public may see at a moment, and what is current."""

    def published(self, *, now: dt.datetime) -> NoticeQuerySet:
        """Published by `now` and not withdrawn: scheduled and withdrawn notices are never public."""
        return self.filter(publish_at__isnull=False, publish_at__lte=now, withdrawn_at__isnull=True)

    def current(self, *, now: dt.datetime) -> NoticeQuerySet:
        """Still worth reading: events not yet over, service changes not yet ended (or open-ended), ward news."""
        return self.filter(Q(kind=NoticeKind.WARD_NEWS) | Q(ends_at__isnull=True) | Q(ends_at__gte=now))

    def in_ward(self, ward: Ward) -> NoticeQuerySet:
        """Notices for this ward, and borough-wide ones (no ward at all)."""
        return self.filter(Q(wards=ward) | Q(wards__isnull=True)).distinct()


class Notice(models.Model):
    """A local event, a service change or ward news, written by staff for one or more wards or the whole borough."""

    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    title = models.CharField(max_length=150)
    summary = models.CharField(max_length=300, help_text="One or two sentences shown in lists and feeds.")
    body = models.TextField(help_text="Plain text. Leave a blank line between paragraphs.")
    wards = models.ManyToManyField(
        Ward, blank=True, related_name="+", help_text="No ward means the notice is for the whole borough."
    )
    category_group = models.ForeignKey(
        CategoryGroup,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="service area",
        help_text="Residents who follow this service area are shown the notice.",
    )
    # An event's start and end, or when a service change applies from and until (open-ended if empty).
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    location = models.CharField(max_length=200, blank=True)
    publish_at = models.DateTimeField(null=True, blank=True, help_text="Empty while a draft.")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    staff_objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-publish_at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["kind", "publish_at"], name="notices_kind_publish_at")]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(starts_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="notices_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind in DATED_KINDS and self.starts_at is None:
            errors["starts_at"] = (
                "Enter when the event starts" if self.kind == NoticeKind.EVENT else "Enter when the change applies from"
            )
        if self.kind == NoticeKind.EVENT and self.ends_at is None:
            errors["ends_at"] = "Enter when the event ends"
        if self.kind == NoticeKind.WARD_NEWS and (self.starts_at or self.ends_at):
            errors["starts_at"] = "Ward news has no start or end: leave the dates empty"
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            errors["ends_at"] = "The end must be after the start"
        if errors:
            raise ValidationError(errors)

    def state(self, *, now: dt.datetime | None = None) -> NoticeState:
        now = now or timezone.now()
        if self.withdrawn_at is not None:
            return NoticeState.WITHDRAWN
        if self.publish_at is None:
            return NoticeState.DRAFT
        if self.publish_at > now:
            return NoticeState.SCHEDULED
        if self.kind in DATED_KINDS and self.ends_at is not None and self.ends_at < now:
            return NoticeState.ENDED
        return NoticeState.PUBLISHED

    @property
    def borough_wide(self) -> bool:
        return not self.wards.all()

    @property
    def is_event(self) -> bool:
        return self.kind == NoticeKind.EVENT

    @property
    def is_service_change(self) -> bool:
        return self.kind == NoticeKind.SERVICE_CHANGE
