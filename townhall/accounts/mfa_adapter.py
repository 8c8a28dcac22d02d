"""allauth MFA adapter: authenticator secrets are encrypted at rest.

allauth stores each TOTP secret and recovery-code seed in `Authenticator.data` and passes
them through the adapter's `encrypt`/`decrypt` hooks. Anyone who reads the database (a
backup, a replica, a support dump) would otherwise hold every staff member's second factor.

The Fernet key is derived from SECRET_KEY with HKDF-SHA256, so there is no second key to
manage. Keys from SECRET_KEY_FALLBACKS are tried when decrypting, so rotating SECRET_KEY
(new key first, old one moved to the fallbacks) keeps every enrolled authenticator working.
`accounts.services.authenticator_secrets_reencrypt()` then re-encrypts the stored secrets
with the new key, after which the old key can leave the fallbacks.
"""

from __future__ import annotations

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from cryptography.fernet import InvalidToken, MultiFernet
from django.contrib.auth.base_user import AbstractBaseUser

from townhall.core.crypto import derived_fernet, derived_key

# Distinct salt and info strings keep this key unrelated to any other key Townhall derives.
_HKDF_SALT = b"townhall.accounts.mfa"
_HKDF_INFO = b"allauth.mfa authenticator secrets v1"


class AuthenticatorSecretError(ValueError):
    """A stored secret cannot be decrypted with SECRET_KEY or any of SECRET_KEY_FALLBACKS."""


def fernet_key(secret_key: str) -> bytes:
    """The Fernet key (urlsafe base64 of 32 bytes) derived from one Django secret key."""
    return derived_key(secret_key, info=_HKDF_INFO, salt=_HKDF_SALT)


def current_fernet() -> MultiFernet:
    """Encrypts with SECRET_KEY; decrypts with SECRET_KEY or any fallback (read per call, so tests may override)."""
    return derived_fernet(info=_HKDF_INFO, salt=_HKDF_SALT, purpose="authenticator secrets")


def reencrypt(token: str) -> str:
    """The same secret encrypted with the current SECRET_KEY (MultiFernet.rotate)."""
    try:
        return current_fernet().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeEncodeError) as error:
        raise AuthenticatorSecretError("An authenticator secret could not be decrypted for re-encryption.") from error


class MFAAdapter(DefaultMFAAdapter):
    def generate_authenticator_name(self, user: AbstractBaseUser, type: Authenticator.Type) -> str:
        """The suggested name for a new passkey ("Passkey 1", "Passkey 2"), which the person can change."""
        count = Authenticator.objects.filter(user_id=user.pk, type=type).count()
        return f"Passkey {count + 1}"

    def encrypt(self, text: str) -> str:
        return current_fernet().encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, encrypted_text: str) -> str:
        try:
            return current_fernet().decrypt(encrypted_text.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeEncodeError) as error:
            # Not a token from this SECRET_KEY or its fallbacks: either SECRET_KEY changed without
            # keeping the old one in SECRET_KEY_FALLBACKS, or the secret predates encryption.
            raise AuthenticatorSecretError(
                "An authenticator secret could not be decrypted. If SECRET_KEY was changed, put the "
                "old key in SECRET_KEY_FALLBACKS; otherwise the person must set up their authenticator again."
            ) from error
