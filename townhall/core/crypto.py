"""Fernet keys derived from SECRET_KEY, one per purpose, so no second secret needs managing.

Each caller names its purpose with its own HKDF salt/info, which keeps every derived key
unrelated to the others. Keys from SECRET_KEY_FALLBACKS decrypt too, so rotating
SECRET_KEY (new key first, old one moved to the fallbacks) keeps existing data readable.
Settings are read per call, so tests may override them.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def derived_key(secret_key: str, *, info: bytes, salt: bytes | None = None) -> bytes:
    """The Fernet key (urlsafe base64 of 32 bytes) derived from one Django secret key for one purpose."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info)
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode("utf-8")))


@lru_cache(maxsize=32)
def _multi_fernet(secret_keys: tuple[str, ...], info: bytes, salt: bytes | None) -> MultiFernet:
    return MultiFernet([Fernet(derived_key(key, info=info, salt=salt)) for key in secret_keys])


def derived_fernet(*, info: bytes, salt: bytes | None = None, purpose: str) -> MultiFernet:
    """Encrypts with SECRET_KEY; decrypts with SECRET_KEY or any fallback."""
    secret_key: str = settings.SECRET_KEY
    if not secret_key:
        raise ImproperlyConfigured(f"SECRET_KEY is needed to encrypt {purpose}.")
    fallbacks: Sequence[str] = getattr(settings, "SECRET_KEY_FALLBACKS", ())
    return _multi_fernet((secret_key, *(key for key in fallbacks if key)), info, salt)
