"""Who is calling: a client application with an Open311 API key (`Authorization: Bearer <key>`), or a
signed-in person through their Django session (CSRF checked on writes).

API keys are Open311's (`townhall apikey create`), looked up through open311's selectors and
limited to `rate_limit_per_minute` requests a minute each, counted in the same per-key
bucket as Open311 (townhall.core.ratelimit), so a client cannot double its allowance by
switching door. Callers with neither a key nor a session are limited per IP address, in
the same bucket and to the same limit as Open311's anonymous callers.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import BaseThrottle
from ninja.utils import check_csrf

from townhall.accounts.models import User
from townhall.core import ratelimit
from townhall.open311 import selectors as open311_selectors
from townhall.open311.models import ApiKey


class RateLimitError(HttpError):
    def __init__(self, wait: int) -> None:
        super().__init__(429, "This API key has made too many requests. Wait, then try again.")
        self.wait = wait


def _count_request(api_key: ApiKey) -> None:
    """Count one request against the key's minute; refuse it (429) past `rate_limit_per_minute`."""
    verdict = ratelimit.hit(bucket=f"api-key:{api_key.pk}", limit=api_key.rate_limit_per_minute)
    if not verdict.allowed:
        raise RateLimitError(wait=verdict.retry_after)


class ApiKeyBearer(HttpBearer):
    """A client application: an unknown or revoked key is refused outright (401), never treated as anonymous."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey:
        api_key = open311_selectors.api_key_for(raw_key=token)
        if api_key is None or api_key.is_revoked:
            raise AuthenticationError(message="This API key is not known or has been revoked.")
        _count_request(api_key)
        return api_key


class SignedInSession(APIKeyCookie):
    """A signed-in person (Django session). Their writes must carry the CSRF token, as a form would."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        if check_csrf(request):
            raise HttpError(403, "CSRF check failed: send the X-CSRFToken header with the csrftoken cookie's value.")
        return request.COOKIES.get(self.param_name, "")

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user: Any = request.user
        return user if key is not None and isinstance(user, User) else None


class AnonymousPerAddress(BaseThrottle):
    """Anonymous callers: OPEN311_ANONYMOUS_RATE_LIMIT_PER_MINUTE a minute per IP address (429 past it).

    Requests with a bearer key are counted per key by ApiKeyBearer, and signed-in residents
    are limited by their session (sign-in is), so only the rest are counted here.
    """

    def allow_request(self, request: HttpRequest) -> bool:
        if request.headers.get("Authorization", "").lower().startswith("bearer ") or request.user.is_authenticated:
            return True
        return ratelimit.hit(bucket=f"ip:{ratelimit.client_ip(request)}", limit=ratelimit.anonymous_limit()).allowed

    def wait(self) -> int:
        """Seconds until the current window ends (computed, so one instance serves every thread)."""
        moment = ratelimit.clock()
        return max(1, ratelimit.WINDOW_SECONDS - int(moment % ratelimit.WINDOW_SECONDS))


api_key_auth = ApiKeyBearer()
session_auth = SignedInSession()
