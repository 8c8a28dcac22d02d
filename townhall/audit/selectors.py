"""Reads of the audit log: checking the hash chain, and the entries the staff viewer lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from townhall.audit.constants import GENESIS_HASH
from townhall.audit.models import AuditChainHead, AuditEntry

VERIFY_CHUNK_SIZE = 2000


@dataclass(frozen=True)
class VerificationResult:
    """What `audit_verify` found. `first_bad_id` is the primary key of the first entry at fault.

    It is None when the chain is valid, or when the fault is at the end of the chain (the
    newest entries or the head row are gone) and there is no entry left to name.
    """

    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str = ""

    @property
    def message(self) -> str:
        """One line for people: the command's output and the viewer's banner say the same."""
        if self.ok:
            return f"Audit chain valid: {self.checked} entries checked."
        if self.first_bad_id is not None:
            return f"Audit chain broken at entry id {self.first_bad_id}: {self.problem}"
        return f"Audit chain broken: {self.problem}"


def _chain_head() -> AuditChainHead | None:
    return AuditChainHead.objects.filter(pk=AuditChainHead.SINGLETON_ID).first()


def _sequence_id(sequence: int) -> int | None:
    return AuditEntry.objects.filter(sequence=sequence).values_list("pk", flat=True).first()


def audit_verify(*, chunk_size: int = VERIFY_CHUNK_SIZE) -> VerificationResult:
    """Recompute the whole chain in sequence order and name the first entry that does not fit.

    Detects an edited entry (its hash no longer matches its fields), a deleted or inserted
    one (a sequence gap or a previous_hash that does not match), reordered entries, and
    removed or replaced newest entries (the end of the chain disagrees with the head row).

    Rows are streamed in chunks, so memory stays flat for millions of entries. Writers may
    append while this runs: the head is read before the scan (the scan must reach it) and
    again after (nothing may lie beyond it), so concurrent appends are not mistaken for
    tampering.
    """
    head_before = _chain_head()
    head_sequence = head_before.last_sequence if head_before is not None else 0
    expected_sequence = 1
    expected_previous = GENESIS_HASH
    previous_id: int | None = None
    checked = 0

    for entry in AuditEntry.objects.order_by("sequence").iterator(chunk_size=chunk_size):
        checked += 1
        if entry.sequence != expected_sequence:
            return VerificationResult(
                False,
                checked,
                entry.pk,
                f"sequence {entry.sequence} found where {expected_sequence} was expected: "
                "the entry before it was deleted.",
            )
        if entry.previous_hash != expected_previous:
            before = f"the hash of entry id {previous_id}" if previous_id is not None else "the genesis value"
            return VerificationResult(
                False,
                checked,
                entry.pk,
                f"its previous hash is not {before}: entries were reordered, replaced or removed.",
            )
        if entry.compute_hash() != entry.entry_hash:
            return VerificationResult(
                False, checked, entry.pk, "its fields do not match its hash: the entry was edited."
            )
        if entry.sequence == head_sequence and head_before is not None and entry.entry_hash != head_before.last_hash:
            return VerificationResult(
                False, checked, entry.pk, "its hash is not the one the chain head recorded: the entry was replaced."
            )
        expected_sequence += 1
        expected_previous = entry.entry_hash
        previous_id = entry.pk

    last_sequence = expected_sequence - 1
    if last_sequence < head_sequence:
        ending = f"sequence {last_sequence} (entry id {previous_id})" if previous_id is not None else "no entries"
        return VerificationResult(
            False,
            checked,
            None,
            f"the chain head records {head_sequence} entries but the log ends at {ending}: "
            "the newest entries were deleted.",
        )

    head_after = _chain_head()
    if head_after is None:
        if checked:
            return VerificationResult(False, checked, None, "the chain head row is missing but the log has entries.")
        return VerificationResult(True, 0)
    if last_sequence > head_after.last_sequence:
        return VerificationResult(
            False,
            checked,
            _sequence_id(head_after.last_sequence + 1),
            f"it lies beyond the chain head (sequence {head_after.last_sequence}): "
            "it was added without going through audit_record.",
        )
    if last_sequence == head_after.last_sequence and expected_previous != head_after.last_hash:
        return VerificationResult(
            False,
            checked,
            previous_id,
            "its hash is not the one the chain head recorded: the entry was replaced.",
        )
    return VerificationResult(True, checked)


def _start_of_day(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in the council's time zone (dates on the page are local)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_entries(
    *,
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    actor_id: int | None = None,
    occurred_from: dt.date | None = None,
    occurred_to: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    """Entries for the staff viewer, newest first. Empty filters are ignored.

    `action` matches that action or any action under it, so "resident" finds
    "resident.personal_data.viewed". Dates are inclusive, in local time.
    """
    entries = AuditEntry.objects.order_by("-sequence")
    if action:
        entries = entries.filter(Q(action=action) | Q(action__startswith=f"{action}."))
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=object_id)
    if actor_id is not None:
        entries = entries.filter(actor_id=actor_id)
    if occurred_from is not None:
        entries = entries.filter(occurred_at__gte=_start_of_day(occurred_from))
    if occurred_to is not None:
        entries = entries.filter(occurred_at__lt=_start_of_day(occurred_to + dt.timedelta(days=1)))
    return entries
