"""Demo TOTP secrets and codes.

Secrets are derived from the seed, so `townhall demo logins` can print them for a
borough generated earlier. Enrolment and codes belong to accounts (staff_enrol_totp,
totp_code_at), which use allauth's own HOTP settings, so the codes are exactly the
ones allauth accepts.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

from townhall.accounts.selectors import totp_code_at


def demo_totp_secret(*, seed: int, email: str) -> str:
    """A base32 TOTP secret (160 bits) for a demo staff member."""
    digest = hmac.new(f"townhall-demo-totp:{seed}".encode(), email.lower().encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode("ascii")


def totp_code(*, secret: str, at: dt.datetime) -> str:
    """The code an authenticator app shows at `at` (timezone-aware)."""
    return totp_code_at(secret=secret, at=at)
