"""Writing, publishing and withdrawing notices: who may, which moves are refused, and the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.notices.conftest import MakeNotice, in_days
from tests.service_requests.conftest import Borough
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.notices import selectors, services
from townhall.notices.constants import NoticeKind, NoticeState
from townhall.notices.models import Notice

pytestmark = pytest.mark.django_db


def _fields(**changes: object) -> services.NoticeFields:
    values: dict[str, object] = {
        "kind": NoticeKind.EVENT,
        "title": "Bulb planting",
        "summary": "Plant bulbs with the rangers.",
        "body": "Bring gloves.",
        "starts_at": in_days(3),
        "ends_at": in_days(3, hour=12),
    }
    values.update(changes)
    return services.NoticeFields(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("role", [StaffRole.TEAM_MANAGER, StaffRole.ADMINISTRATOR])
def test_team_managers_and_administrators_write_and_publish(
    staff_by_role: dict[StaffRole, User], role: StaffRole
) -> None:
    author = staff_by_role[role]
    notice = services.notice_create(acting_user=author, fields=_fields())
    assert notice.state() == NoticeState.DRAFT
    assert notice.created_by == author
    services.notice_publish(acting_user=author, notice=notice)
    services.notice_withdraw(acting_user=author, notice=notice)
    actions = list(
        AuditEntry.objects.filter(object_type="notices.notice", object_id=str(notice.pk)).values_list(
            "action", "actor_id"
        )
    )
    assert actions == [
        ("notices.notice.created", author.pk),
        ("notices.notice.published", author.pk),
        ("notices.notice.withdrawn", author.pk),
    ]


@pytest.mark.parametrize(
    "role",
    [
        StaffRole.CASE_OFFICER,
        StaffRole.CUSTOMER_SERVICE_ADVISER,
        StaffRole.DATA_STEWARD,
        StaffRole.INFORMATION_GOVERNANCE_OFFICER,
    ],
)
def test_other_staff_are_refused_and_nothing_is_written(
    staff_by_role: dict[StaffRole, User], make_notice: MakeNotice, role: StaffRole
) -> None:
    officer = staff_by_role[role]
    draft = make_notice(publish=False)
    with pytest.raises(PermissionDenied):
        services.notice_create(acting_user=officer, fields=_fields())
    with pytest.raises(PermissionDenied):
        services.notice_publish(acting_user=officer, notice=draft)
    with pytest.raises(PermissionDenied):
        services.notice_update(acting_user=officer, notice=draft, fields=_fields(title="Changed"))
    assert Notice.staff_objects.count() == 1
    assert not AuditEntry.objects.filter(actor_id=officer.pk).exists()


def test_a_resident_is_refused(resident: User) -> None:
    with pytest.raises(PermissionDenied):
        services.notice_create(acting_user=resident, fields=_fields())


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"starts_at": None}, "starts_at"),
        ({"ends_at": None}, "ends_at"),
        ({"kind": NoticeKind.SERVICE_CHANGE, "starts_at": None, "ends_at": None}, "starts_at"),
        ({"kind": NoticeKind.WARD_NEWS}, "starts_at"),
        ({"ends_at": in_days(2)}, "ends_at"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_notices_are_refused_whole(changes: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        services.notice_create(acting_user=None, fields=_fields(**changes))
    assert field in refused.value.message_dict
    assert not Notice.staff_objects.exists()
    assert not AuditEntry.objects.exists()


def test_scheduled_and_withdrawn_notices_are_not_public(make_notice: MakeNotice) -> None:
    notice = make_notice(publish=False)
    assert selectors.notice_public_get(notice_id=notice.pk) is None, "a draft is not public"
    later = timezone.now() + dt.timedelta(hours=2)
    services.notice_publish(acting_user=None, notice=notice, publish_at=later)
    notice.refresh_from_db()
    assert notice.state() == NoticeState.SCHEDULED
    assert selectors.notice_public_get(notice_id=notice.pk) is None
    assert not selectors.notices_public().exists()
    assert selectors.notice_public_get(notice_id=notice.pk, now=later + dt.timedelta(minutes=1)) is not None

    services.notice_withdraw(acting_user=None, notice=notice)
    assert selectors.notice_public_get(notice_id=notice.pk, now=later + dt.timedelta(minutes=1)) is None
    with pytest.raises(ValidationError):
        services.notice_withdraw(acting_user=None, notice=notice)
    services.notice_publish(acting_user=None, notice=notice)  # published again, at once
    assert selectors.notice_public_get(notice_id=notice.pk) is not None


def test_publishing_refuses_invalid_moves(make_notice: MakeNotice) -> None:
    live = make_notice()
    with pytest.raises(ValidationError, match="already published"):
        services.notice_publish(acting_user=None, notice=live)
    draft = make_notice(publish=False)
    with pytest.raises(ValidationError, match="now or in the future"):
        services.notice_publish(acting_user=None, notice=draft, publish_at=timezone.now() - dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="ends before"):
        services.notice_publish(acting_user=None, notice=draft, publish_at=in_days(30))
    with pytest.raises(ValidationError, match="Only a published or scheduled"):
        services.notice_withdraw(acting_user=None, notice=draft)
    draft.refresh_from_db()
    assert draft.publish_at is None


def test_current_list_drops_past_events_and_ended_service_changes(make_notice: MakeNotice, borough: Borough) -> None:
    coming = make_notice(NoticeKind.EVENT, "Coming", wards=[borough.northfield])
    over = make_notice(NoticeKind.EVENT, "Over", publish=False, starts_at=in_days(-3), ends_at=in_days(-3, 12))
    Notice.staff_objects.filter(pk=over.pk).update(publish_at=in_days(-10))
    in_effect = make_notice(NoticeKind.SERVICE_CHANGE, "In effect", ends_at=in_days(10))
    open_ended = make_notice(NoticeKind.SERVICE_CHANGE, "Open ended", wards=[borough.southfield])
    ended = make_notice(NoticeKind.SERVICE_CHANGE, "Ended", publish=False, starts_at=in_days(-9), ends_at=in_days(-1))
    Notice.staff_objects.filter(pk=ended.pk).update(publish_at=in_days(-10))
    news = make_notice(NoticeKind.WARD_NEWS, "News", wards=[borough.southfield])

    assert {notice.title for notice in selectors.notices_public()} == {
        coming.title,
        in_effect.title,
        open_ended.title,
        news.title,
    }
    assert {notice.title for notice in selectors.notices_public(ward=borough.northfield)} == {
        coming.title,
        in_effect.title,
    }, "a ward's list has its own notices and borough-wide ones"
    assert [n.title for n in selectors.notices_public(kind=NoticeKind.WARD_NEWS)] == [news.title]
    assert selectors.notice_public_get(notice_id=over.pk) is not None, "an old link still opens, marked as over"
    assert [n.title for n in selectors.notices_coming_up(ward=borough.northfield, now=timezone.now(), limit=5)] == [
        coming.title
    ]
