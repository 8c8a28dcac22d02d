"""Reads of Open311 client state: which API key a client presented, what a token points at."""

from __future__ import annotations

from townhall.open311.models import ApiKey, Token, api_key_digest


def api_key_for(*, raw_key: str) -> ApiKey | None:
    """The key a client presented, revoked or not (the caller refuses revoked keys), or None if unknown."""
    raw_key = raw_key.strip()
    if not raw_key:
        return None
    return ApiKey.objects.filter(key_hash=api_key_digest(raw_key)).first()


def api_key_by_name(*, name: str) -> ApiKey | None:
    return ApiKey.objects.filter(name=name).first()


def api_keys() -> list[ApiKey]:
    return list(ApiKey.objects.order_by("name"))


def token_get(*, token: str) -> Token | None:
    """The token with its request (public fields only are rendered by the caller)."""
    return Token.objects.select_related("service_request").filter(token=token).first()
