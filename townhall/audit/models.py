"""The audit log: append-only, hash-chained entries plus a one-row chain head.

An entry records who (actor id and role code), did what (a dotted action slug), to which
object (type and id), why (reason), when, and in which request. It holds no personal
data: people appear only as numeric ids, so erasing a person (UK GDPR) never has to touch
the log, and the log never has to be rewritten. `actor_id` is a plain integer, not a
foreign key, for the same reason: deleting a user cannot cascade into, or null, the log.

Each entry stores the SHA-256 of its own canonical serialisation, which includes the
previous entry's hash, so editing, deleting or reordering any entry breaks the chain
(ADR 0005). Entries are written only by `townhall.audit.services.audit_record`; the ORM
refuses to update or delete them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Collection, Iterable
from typing import Any, ClassVar, NoReturn

from django.core.exceptions import ValidationError
from django.db import models

from townhall.audit.constants import ACTION_PATTERN, GENESIS_HASH

# Every field that goes into entry_hash. The database id is left out on purpose: it is
# assigned on insert, after the hash is computed, and the chain order is `sequence`.
HASHED_FIELDS: tuple[str, ...] = (
    "sequence",
    "occurred_at",
    "actor_id",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "reason",
    "request_id",
    "previous_hash",
)


class AuditLogAppendOnlyError(Exception):
    """Raised on any attempt to change or remove audit entries through the ORM."""


def validate_action(value: str) -> None:
    """Actions are dotted slugs (`resident.personal_data.viewed`), so they can be filtered by prefix."""
    if not ACTION_PATTERN.match(value):
        raise ValidationError(
            "%(value)r is not a dotted action such as resident.personal_data.viewed.",
            code="invalid_action",
            params={"value": value},
        )


def canonical_timestamp(moment: dt.datetime) -> str:
    """ISO-8601 in UTC with microseconds, so the same instant always serialises the same way."""
    if moment.tzinfo is None:
        raise ValueError("Audit timestamps must be timezone-aware.")
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def compute_entry_hash(values: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of HASHED_FIELDS: sorted keys, compact, UTF-8."""
    payload = {name: values[name] for name in HASHED_FIELDS}
    payload["occurred_at"] = canonical_timestamp(payload["occurred_at"])
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    """Reads as usual; every bulk write that could alter history raises instead."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditLogAppendOnlyError("Audit entries cannot be updated.")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> NoReturn:
        raise AuditLogAppendOnlyError("Audit entries cannot be updated.")

    def delete(self) -> NoReturn:
        raise AuditLogAppendOnlyError("Audit entries cannot be deleted.")

    def _raw_delete(self, using: Any) -> NoReturn:
        raise AuditLogAppendOnlyError("Audit entries cannot be deleted.")

    def bulk_create(
        self,
        objs: Iterable[AuditEntry],
        batch_size: int | None = None,
        ignore_conflicts: bool = False,
        update_conflicts: bool = False,
        update_fields: Collection[str] | None = None,
        unique_fields: Collection[str] | None = None,
    ) -> NoReturn:
        # One way in: only audit_record() knows how to extend the chain.
        raise AuditLogAppendOnlyError("Audit entries are added one at a time by audit_record().")


class AuditEntry(models.Model):
    """One audited event. Ids only, never names, emails or other personal data."""

    sequence = models.PositiveBigIntegerField(unique=True, help_text="Position in the chain, from 1, without gaps.")
    occurred_at = models.DateTimeField(db_index=True)
    actor_id = models.PositiveBigIntegerField(
        null=True, blank=True, db_index=True, help_text="User id of who acted; empty for the system itself."
    )
    actor_role = models.CharField(max_length=40, help_text="Role code when acting: case_officer, resident, system...")
    action = models.CharField(max_length=100, db_index=True, validators=[validate_action])
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=100, blank=True)
    reason = models.TextField(blank=True, help_text="Why, in words that name no person (e.g. a case reference).")
    request_id = models.CharField(max_length=64, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["sequence"]
        verbose_name_plural = "audit entries"
        indexes: ClassVar = [
            models.Index(fields=["object_type", "object_id"], name="audit_entry_object"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(sequence__gte=1), name="audit_entry_sequence_from_one"),
        ]

    def __str__(self) -> str:
        return f"Audit entry {self.sequence}: {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields") is not None:
            raise AuditLogAppendOnlyError("Audit entries cannot be changed once written.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditLogAppendOnlyError("Audit entries cannot be deleted.")

    def hashed_values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in HASHED_FIELDS}

    def compute_hash(self) -> str:
        """The hash this entry should carry, recomputed from its current field values."""
        return compute_entry_hash(self.hashed_values())


class AuditChainHead(models.Model):
    """The newest entry's sequence and hash, kept in step by audit_record in the same transaction.

    The chain alone cannot show that its newest entries were removed (what is left is
    still a valid chain); comparing its end with this row can. On PostgreSQL this row is
    also the lock that serialises writers.
    """

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID)
    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_chain_head_single_row"),
        ]

    def __str__(self) -> str:
        return f"Audit chain head at sequence {self.last_sequence}"
