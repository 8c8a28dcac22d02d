"""Helpers for the audit tests: a few recorded entries, raw-SQL tampering, and staff signed in with MFA."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import pyotp
import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core.cache import cache
from django.db import connection
from django.test import Client

from tests.conftest import TEST_PASSWORD
from townhall.accounts.models import User
from townhall.audit.models import AuditChainHead, AuditEntry
from townhall.audit.services import audit_record

# A fixed base32 secret, so a failing run can be replayed with any authenticator app.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def record_entries(
    count: int, *, actor: User | None = None, action: str = "resident.personal_data.viewed"
) -> list[AuditEntry]:
    """Append `count` entries about residents 1, 2, 3, ... through the real service."""
    return [
        audit_record(
            actor=actor, action=action, object_type="accounts.user", object_id=str(number), reason=f"Case {number}"
        )
        for number in range(1, count + 1)
    ]


def execute_sql(sql: str, params: Sequence[Any] = ()) -> None:
    """Change the audit tables behind the ORM's back, as someone with database access could."""
    entries = connection.ops.quote_name(AuditEntry._meta.db_table)
    head = connection.ops.quote_name(AuditChainHead._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql.format(entries=entries, head=head), params)


def _current_totp_code(secret: str) -> str:
    """The current code, waiting out the last seconds of a window (allauth allows no clock drift)."""
    totp = pyotp.TOTP(secret)
    if totp.interval - time.time() % totp.interval < 3:
        time.sleep(3)
    return totp.now()


def signed_in_with_mfa(user: User) -> Client:
    """A client signed in through allauth's real views: password, then the authenticator code."""
    # Rate limits and used TOTP codes live in the (per-process) cache; ids repeat between tests.
    cache.clear()
    TOTP.activate(user, TOTP_SECRET)
    client = Client()
    response = client.post("/auth/login/", {"login": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302, f"sign-in failed for {user.email}"
    assert response["Location"].startswith("/auth/2fa/authenticate/"), response["Location"]
    response = client.post("/auth/2fa/authenticate/", {"code": _current_totp_code(TOTP_SECRET)})
    assert response.status_code == 302, "the authenticator code was refused"
    return client


@pytest.fixture
def mfa_client() -> Callable[[User], Client]:
    return signed_in_with_mfa
