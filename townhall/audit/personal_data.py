"""What the audit log holds about a resident: what they did, and what was done to their account.

Registered by AuditConfig.ready(); see townhall/core/personal_data.py. Entries hold ids
and codes, never names (townhall/audit/models.py), and the chain is append-only: erasure
keeps them, and the person behind the id is gone once the account is anonymised.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser

from townhall.audit.models import AuditEntry
from townhall.core import personal_data
from townhall.core.personal_data import ErasureAction, ErasureItem, Tables

OBJECT_TYPE_USER = "accounts.user"
AUDIT_RETENTION = (
    "The audit log is an append-only, tamper-evident record (each entry seals the one before), kept to show "
    "how the council used its powers and your data (UK GDPR Art. 5(2) and 30). Entries hold only numeric ids, "
    "never your name or contact details, and your account behind the id has been anonymised."
)


class AuditLogProvider(personal_data.PersonalDataProvider):
    label = "Audit log"
    erase_order = 90

    def collect(self, user: AbstractBaseUser) -> Tables:
        by_them = AuditEntry.objects.filter(actor_id=user.pk).order_by("sequence")
        about_them = (
            AuditEntry.objects.filter(object_type=OBJECT_TYPE_USER, object_id=str(user.pk))
            .exclude(actor_id=user.pk)
            .order_by("sequence")
        )
        return {
            "Things you did": personal_data.model_rows(by_them),
            "Things council staff or the system did to your account": personal_data.model_rows(
                about_them, exclude=["actor_id", "previous_hash", "entry_hash"]
            ),
        }

    def withheld(self) -> list[str]:
        return [
            "which member of staff acted on your account (their role is shown; ask us if you need to know who)",
        ]

    def erase(self, user: AbstractBaseUser) -> list[ErasureItem]:
        count = AuditEntry.objects.filter(actor_id=user.pk).count()
        count += (
            AuditEntry.objects.filter(object_type=OBJECT_TYPE_USER, object_id=str(user.pk))
            .exclude(actor_id=user.pk)
            .count()
        )
        return [
            ErasureItem(
                self.label, "Audit log entries", ErasureAction.RETAINED, count, AUDIT_RETENTION, needs_review=False
            )
        ]


def register() -> None:
    personal_data.register(AuditLogProvider())
