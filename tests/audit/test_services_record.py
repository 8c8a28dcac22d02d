"""audit_record: what an entry holds, how it is hashed and linked, and what it refuses."""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from tests.audit.conftest import execute_sql, record_entries
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.constants import GENESIS_HASH
from townhall.audit.models import HASHED_FIELDS, AuditChainHead, AuditEntry, compute_entry_hash
from townhall.audit.selectors import audit_verify
from townhall.audit.services import AuditChainHeadMissingError, audit_record
from townhall.core.middleware import RequestIdMiddleware

pytestmark = pytest.mark.django_db


def test_first_entries_start_the_chain_and_link_to_each_other() -> None:
    first, second = record_entries(2)

    assert (first.sequence, second.sequence) == (1, 2)
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.entry_hash
    for entry in (first, second):
        stored = AuditEntry.objects.get(pk=entry.pk)
        assert stored.entry_hash == stored.compute_hash()
    head = AuditChainHead.objects.get()
    assert (head.last_sequence, head.last_hash) == (2, second.entry_hash)


def test_an_entry_holds_ids_and_codes_as_given(staff_by_role: dict[StaffRole, User]) -> None:
    officer = staff_by_role[StaffRole.CASE_OFFICER]

    entry = audit_record(
        actor=officer,
        action="resident.personal_data.viewed",
        object_type="accounts.user",
        object_id=42,
        reason="Complaint C-1001",
    )

    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.actor_id == officer.pk
    assert stored.actor_role == "case_officer"
    assert stored.action == "resident.personal_data.viewed"
    assert (stored.object_type, stored.object_id) == ("accounts.user", "42")
    assert stored.reason == "Complaint C-1001"
    assert stored.request_id == "-"  # outside a request
    assert stored.occurred_at.tzinfo is not None


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("system", "system"),
        ("anonymous", "anonymous"),
        ("resident", "resident"),
        ("information_governance_officer", "information_governance_officer"),
        ("administrator", "administrator"),
    ],
)
def test_the_role_defaults_to_the_actors_role(
    who: str, expected: str, resident: User, staff_by_role: dict[StaffRole, User]
) -> None:
    actors: dict[str, User | AnonymousUser | None] = {
        "system": None,
        "anonymous": AnonymousUser(),
        "resident": resident,
        **{role.value: member for role, member in staff_by_role.items()},
    }
    actor = actors[who]

    entry = audit_record(actor=actor, action="test.role.checked", object_type="test", object_id="1")

    assert entry.actor_role == expected
    assert entry.actor_id == (actor.pk if isinstance(actor, User) else None)


def test_an_explicit_role_wins(staff_by_role: dict[StaffRole, User]) -> None:
    admin = staff_by_role[StaffRole.ADMINISTRATOR]

    entry = audit_record(
        actor=admin, action="test.role.checked", object_type="test", object_id="1", role=StaffRole.DATA_STEWARD
    )

    assert entry.actor_role == "data_steward"


def test_the_request_id_is_recorded_inside_a_request() -> None:
    recorded: list[AuditEntry] = []

    def view(request: HttpRequest) -> HttpResponse:
        recorded.append(audit_record(actor=None, action="test.request.seen", object_type="test", object_id="1"))
        return HttpResponse()

    request = RequestFactory().get("/", HTTP_X_REQUEST_ID="req-0123456789abcdef")
    RequestIdMiddleware(view)(request)

    assert AuditEntry.objects.get(pk=recorded[0].pk).request_id == "req-0123456789abcdef"


def test_the_hash_is_sha256_of_canonical_json_with_utc_microseconds() -> None:
    london = zoneinfo.ZoneInfo("Europe/London")
    values = {
        "sequence": 7,
        "occurred_at": dt.datetime(2026, 7, 1, 10, 30, 5, 120, tzinfo=london),  # BST: 09:30 UTC
        "actor_id": 12,
        "actor_role": "case_officer",
        "action": "resident.personal_data.viewed",
        "object_type": "accounts.user",
        "object_id": "34",
        "reason": "Café visit — complaint C-1",
        "request_id": "abc123",
        "previous_hash": "f" * 64,
    }
    expected_json = (
        '{"action":"resident.personal_data.viewed","actor_id":12,"actor_role":"case_officer",'
        '"object_id":"34","object_type":"accounts.user","occurred_at":"2026-07-01T09:30:05.000120+00:00",'
        f'"previous_hash":"{"f" * 64}","reason":"Café visit — complaint C-1","request_id":"abc123","sequence":7}}'
    )

    assert compute_entry_hash(values) == hashlib.sha256(expected_json.encode("utf-8")).hexdigest()


def test_every_stored_field_is_hashed() -> None:
    """Guard rail: a field added later must go into HASHED_FIELDS, or edits to it would go unnoticed."""
    stored = {field.name for field in AuditEntry._meta.concrete_fields} - {"id", "entry_hash"}

    assert stored == set(HASHED_FIELDS)


@pytest.mark.parametrize(
    "changes",
    [
        {"action": "Viewed resident"},
        {"action": "resident"},
        {"object_type": ""},
        {"object_id": "x" * 101},
        {"role": "r" * 41},
    ],
)
def test_malformed_entries_are_refused_and_leave_the_chain_as_it_was(changes: dict[str, str]) -> None:
    record_entries(1)
    arguments = {"action": "test.thing.done", "object_type": "test", "object_id": "1", **changes}

    with pytest.raises(ValidationError):
        audit_record(actor=None, **arguments)

    assert AuditEntry.objects.count() == 1
    assert AuditChainHead.objects.get().last_sequence == 1
    assert audit_verify().ok


def test_an_entry_rolls_back_with_the_change_it_records() -> None:
    record_entries(1)

    def failing_change() -> None:
        with transaction.atomic():
            audit_record(actor=None, action="test.thing.done", object_type="test", object_id="2")
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        failing_change()

    assert AuditEntry.objects.count() == 1
    assert AuditChainHead.objects.get().last_sequence == 1
    assert audit_record(actor=None, action="test.thing.done", object_type="test", object_id="3").sequence == 2


def test_deleting_a_person_leaves_their_entries_and_the_chain_intact(resident: User) -> None:
    entries = record_entries(3, actor=resident)

    resident.delete()

    assert list(AuditEntry.objects.values_list("actor_id", flat=True)) == [entries[0].actor_id] * 3
    assert audit_verify().ok


def test_writing_stops_when_the_chain_head_has_been_removed() -> None:
    record_entries(2)
    execute_sql("DELETE FROM {head}")

    with pytest.raises(AuditChainHeadMissingError):
        audit_record(actor=None, action="test.thing.done", object_type="test", object_id="1")

    assert AuditEntry.objects.count() == 2
