"""Demo TOTP secrets and codes.

Secrets are derived from the seed, so `townhall demo logins` can print them for a
borough generated earlier; codes use allauth's own HOTP settings (period, digits) so
they are exactly the codes allauth accepts.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value


def demo_totp_secret(*, seed: int, email: str) -> str:
    """A base32 TOTP secret (160 bits) for a demo staff member."""
    digest = hmac.new(f"townhall-demo-totp:{seed}".encode(), email.lower().encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode("ascii")


def totp_code(*, secret: str, at: dt.datetime) -> str:
    """The code an authenticator app shows at `at` (timezone-aware)."""
    counter = int(at.timestamp()) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))
