"""Every write to the audit log: appending an entry, and recording that the chain was checked.

Other apps call `audit_record` inside their own service's transaction, as the last step,
so the change and its audit entry commit (or roll back) together and the chain-head lock
is held for as short a time as possible.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from townhall.accounts.models import User
from townhall.accounts.permissions import primary_role_label
from townhall.audit import selectors
from townhall.audit.constants import (
    ACTION_CHAIN_VERIFIED,
    GENESIS_HASH,
    OBJECT_TYPE_CHAIN,
    ROLE_ANONYMOUS,
    ROLE_SYSTEM,
)
from townhall.audit.models import AuditChainHead, AuditEntry
from townhall.audit.selectors import VerificationResult
from townhall.core.middleware import current_request_id

logger = logging.getLogger(__name__)


class AuditChainHeadMissingError(RuntimeError):
    """The log has entries but no chain head: someone removed it, so writing would hide that."""


def _actor_role(actor: User | AnonymousUser | None) -> str:
    """The role code stored with an entry when the caller did not give one."""
    if actor is None:
        return ROLE_SYSTEM
    if not actor.is_authenticated:
        return ROLE_ANONYMOUS
    return primary_role_label(actor)


def _chain_head_for_update() -> AuditChainHead:
    """Lock and return the chain head, creating it for an empty log.

    On PostgreSQL the row lock (SELECT ... FOR UPDATE) makes concurrent writers queue
    here until the holder commits, so two entries can never claim the same sequence.
    SQLite ignores FOR UPDATE; there Townhall opens every transaction with BEGIN
    IMMEDIATE (townhall.core.config), which already admits one writer at a time.
    """
    head = AuditChainHead.objects.select_for_update().filter(pk=AuditChainHead.SINGLETON_ID).first()
    if head is not None:
        return head
    # Two first writers may race to create it: get_or_create inserts in a savepoint and,
    # on the loser's IntegrityError, reads (and locks) the winner's committed row.
    head, created = AuditChainHead.objects.select_for_update().get_or_create(
        pk=AuditChainHead.SINGLETON_ID, defaults={"last_sequence": 0, "last_hash": GENESIS_HASH}
    )
    if created and AuditEntry.objects.exists():
        # Checked only after winning the insert: a rival first writer's committed entries
        # would otherwise look like a removed head.
        raise AuditChainHeadMissingError(
            "The audit log has entries but its chain head row is missing; run `townhall audit verify` "
            "and restore the head (see townhall/audit/README.md) before anything else is recorded."
        )
    return head


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    object_type: str,
    object_id: str | int,
    reason: str = "",
    role: str | None = None,
) -> AuditEntry:
    """Append one entry to the chain and return it.

    `actor` None means Townhall itself (a task or command). `role` defaults to the actor's
    primary role code ("resident" for non-staff, "system" for None). Pass ids and codes
    only: `reason` must not name a person. Raises ValidationError for a malformed action
    or over-long value, so a programming mistake fails loudly instead of logging junk.
    """
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    role_code = str(role) if role is not None else _actor_role(actor)
    with transaction.atomic():
        head = _chain_head_for_update()
        entry = AuditEntry(
            sequence=head.last_sequence + 1,
            # Taken after the lock, so time never runs backwards along the chain.
            occurred_at=timezone.now(),
            actor_id=actor_id,
            actor_role=role_code,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            reason=reason,
            request_id=current_request_id(),
            previous_hash=head.last_hash,
        )
        entry.entry_hash = entry.compute_hash()
        entry.full_clean(validate_unique=False, validate_constraints=False)
        entry.save(force_insert=True)
        head.last_sequence = entry.sequence
        head.last_hash = entry.entry_hash
        head.save(update_fields=["last_sequence", "last_hash"])
    return entry


def audit_chain_verify(*, acting_user: User | AnonymousUser) -> VerificationResult:
    """Check the whole chain for a member of staff and record that they did.

    The check runs first, so its own entry is not part of what it reports on. A broken
    result is still recorded when the chain can be extended; when the head itself is
    missing nothing can be appended, and the result is returned all the same so the
    officer sees it.
    """
    result = selectors.audit_verify()
    if result.ok:
        outcome = f"Chain valid: {result.checked} entries checked."
    elif result.first_bad_id is not None:
        outcome = f"Chain broken at entry id {result.first_bad_id}."
    else:
        outcome = "Chain broken at its head."
    try:
        audit_record(
            actor=acting_user,
            action=ACTION_CHAIN_VERIFIED,
            object_type=OBJECT_TYPE_CHAIN,
            object_id="",
            reason=outcome,
        )
    except AuditChainHeadMissingError:
        logger.exception("Could not record the audit chain check: the chain head is missing.")
    return result
