"""allauth MFA adapter (placeholder until TOTP secrets are encrypted at rest)."""

from allauth.mfa.adapter import DefaultMFAAdapter


class MFAAdapter(DefaultMFAAdapter):
    pass
