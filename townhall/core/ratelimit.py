"""Fixed-window rate limits counted in the Django cache (shared by every worker in production).

One counter per bucket per window: simple, one cache increment per request, and a client
can never make more than twice its limit in any window. Open311 and /api/v1/ limit API
keys by `rate_limit_per_minute` and anonymous callers by IP
(OPEN311_ANONYMOUS_RATE_LIMIT_PER_MINUTE); the report journey limits emails it sends to
an address a visitor typed in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

WINDOW_SECONDS = 60
DEFAULT_ANONYMOUS_LIMIT = 300
clock = time.time  # tests fix the clock so a window cannot end mid-test


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window ends (when refused)


def anonymous_limit() -> int:
    return int(getattr(settings, "OPEN311_ANONYMOUS_RATE_LIMIT_PER_MINUTE", DEFAULT_ANONYMOUS_LIMIT))


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR: the proxy in front of Townhall is expected to set it (never trust X-Forwarded-For here)."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def hit(*, bucket: str, limit: int, window_seconds: int = WINDOW_SECONDS) -> Verdict:
    """Count one request in `bucket`'s current window; refuse once the count passes `limit`."""
    moment = clock()
    window = int(moment // window_seconds)
    key = f"rate:{bucket}:{window_seconds}:{window}"
    retry_after = max(1, window_seconds - int(moment % window_seconds))
    # The common case is one incr() (atomic in Redis and locmem); only a window's first request
    # creates the counter, with add() so two first requests racing each other both count.
    try:
        count = cache.incr(key)
    except ValueError:
        count = 1 if cache.add(key, 1, timeout=window_seconds + 1) else cache.incr(key)
    return Verdict(allowed=count <= limit, retry_after=retry_after)
