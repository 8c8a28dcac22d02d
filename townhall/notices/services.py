"""Every write to council notices: create, change, publish (now or at a set time), withdraw.

Only team managers and administrators may write (`acting_user=None` is Townhall itself,
e.g. the demo). Each write validates with `full_clean`, and appends an audit entry in the
same transaction, so the audit log says who published what and when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from townhall.accounts.models import User
from townhall.audit.services import audit_record
from townhall.notices.constants import (
    ACTION_CHANGED,
    ACTION_CREATED,
    ACTION_PUBLISHED,
    ACTION_WITHDRAWN,
    OBJECT_NOTICE,
    NoticeState,
)
from townhall.notices.models import Notice
from townhall.notices.permissions import can_edit_notices
from townhall.places.models import Ward
from townhall.service_requests.models import CategoryGroup

Actor = User | AnonymousUser | None


@dataclass(frozen=True)
class NoticeFields:
    """A notice as its author describes it (the form's cleaned data)."""

    kind: str
    title: str
    summary: str
    body: str
    wards: Sequence[Ward] = ()
    category_group: CategoryGroup | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    location: str = ""


def _require_editor(acting_user: Actor) -> None:
    if acting_user is not None and not can_edit_notices(acting_user):
        raise PermissionDenied("Only team managers and administrators can write council notices.")


def _apply(notice: Notice, fields: NoticeFields) -> None:
    for name in ("kind", "title", "summary", "body", "category_group", "starts_at", "ends_at", "location"):
        setattr(notice, name, getattr(fields, name))


@transaction.atomic
def notice_create(*, acting_user: Actor, fields: NoticeFields) -> Notice:
    """A new notice, as a draft: nobody outside the council sees it until it is published."""
    _require_editor(acting_user)
    notice = Notice(created_by=acting_user if isinstance(acting_user, User) else None)
    _apply(notice, fields)
    notice.full_clean()
    notice.save()
    notice.wards.set(fields.wards)
    audit_record(actor=acting_user, action=ACTION_CREATED, object_type=OBJECT_NOTICE, object_id=notice.pk)
    return notice


@transaction.atomic
def notice_update(*, acting_user: Actor, notice: Notice, fields: NoticeFields) -> Notice:
    """Change a notice's words, places or dates; a published notice changes in place."""
    _require_editor(acting_user)
    notice = Notice.staff_objects.select_for_update().get(pk=notice.pk)
    _apply(notice, fields)
    notice.updated_at = timezone.now()
    notice.full_clean()
    notice.save()
    notice.wards.set(fields.wards)
    audit_record(actor=acting_user, action=ACTION_CHANGED, object_type=OBJECT_NOTICE, object_id=notice.pk)
    return notice


@transaction.atomic
def notice_publish(*, acting_user: Actor, notice: Notice, publish_at: dt.datetime | None = None) -> Notice:
    """Publish now, or schedule for `publish_at`. A withdrawn notice can be published again.

    Refused for a notice already public, a time in the past, and an event or service change
    that has already ended (it would never be listed).
    """
    _require_editor(acting_user)
    now = timezone.now()
    notice = Notice.staff_objects.select_for_update().get(pk=notice.pk)
    if notice.state(now=now) in (NoticeState.PUBLISHED, NoticeState.ENDED):
        raise ValidationError({"publish_at": ["This notice is already published"]})
    when = publish_at or now
    if when < now - dt.timedelta(minutes=1):
        raise ValidationError({"publish_at": ["The publishing time must be now or in the future"]})
    if notice.ends_at is not None and notice.ends_at < when:
        raise ValidationError({"publish_at": ["This notice ends before it would be published: change its dates"]})
    notice.publish_at = when
    notice.withdrawn_at = None
    notice.updated_at = now
    notice.save(update_fields=["publish_at", "withdrawn_at", "updated_at"])
    audit_record(
        actor=acting_user,
        action=ACTION_PUBLISHED,
        object_type=OBJECT_NOTICE,
        object_id=notice.pk,
        reason="" if publish_at is None else f"scheduled for {when.isoformat(timespec='minutes')}",
    )
    return notice


@transaction.atomic
def notice_withdraw(*, acting_user: Actor, notice: Notice) -> Notice:
    """Take a published or scheduled notice down at once (it stays in the back office)."""
    _require_editor(acting_user)
    now = timezone.now()
    notice = Notice.staff_objects.select_for_update().get(pk=notice.pk)
    if notice.state(now=now) in (NoticeState.DRAFT, NoticeState.WITHDRAWN):
        raise ValidationError("Only a published or scheduled notice can be withdrawn")
    notice.withdrawn_at = now
    notice.updated_at = now
    notice.save(update_fields=["withdrawn_at", "updated_at"])
    audit_record(actor=acting_user, action=ACTION_WITHDRAWN, object_type=OBJECT_NOTICE, object_id=notice.pk)
    return notice
