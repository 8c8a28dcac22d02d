"""Fixed-window rate limits, counted where every worker sees them.

One counter per bucket per window: simple, one round trip per request, and a client
can never make more than twice its limit in any window. With the default database cache
the counter is one atomic upsert in `core_ratecounter` (the database cache's incr() is a
read then a write: six queries, and two workers can lose a count between them); with
Redis or another cache it is the cache's own increment. Bucket names can hold an IP or
email address, so only their hash is stored. Open311 and /api/v1/ limit API
keys by `rate_limit_per_minute` and anonymous callers by IP
(OPEN311_ANONYMOUS_RATE_LIMIT_PER_MINUTE); the report journey limits emails it sends to
an address a visitor typed in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest

from townhall.core.models import RateCounter

DATABASE_CACHE = "django.core.cache.backends.db.DatabaseCache"
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
    digest = hashlib.sha256(bucket.encode()).hexdigest()[:40]
    key = f"rate:{digest}:{window_seconds}:{window}"
    retry_after = max(1, window_seconds - int(moment % window_seconds))
    if settings.CACHES["default"]["BACKEND"] == DATABASE_CACHE:
        expires_at = dt.datetime.fromtimestamp((window + 1) * window_seconds, tz=dt.UTC)
        count = _database_count(key, expires_at=expires_at, now=dt.datetime.fromtimestamp(moment, tz=dt.UTC))
    else:
        count = _cache_count(key, timeout=window_seconds + 1)
    return Verdict(allowed=count <= limit, retry_after=retry_after)


def _cache_count(key: str, *, timeout: int) -> int:
    # The common case is one incr() (atomic in Redis and locmem); only a window's first request
    # creates the counter, with add() so two first requests racing each other both count.
    try:
        return int(cache.incr(key))
    except ValueError:
        return 1 if cache.add(key, 1, timeout=timeout) else int(cache.incr(key))


def _database_count(key: str, *, expires_at: dt.datetime, now: dt.datetime) -> int:
    """One statement, atomic on both databases (SQLite 3.35+ and PostgreSQL know ON CONFLICT ... RETURNING)."""
    table, key_column, count_column, expires_column = (
        connection.ops.quote_name(name) for name in (RateCounter._meta.db_table, "key", "count", "expires_at")
    )
    statement = (
        f"INSERT INTO {table} ({key_column}, {count_column}, {expires_column}) VALUES (%s, 1, %s) "  # noqa: S608
        f"ON CONFLICT ({key_column}) DO UPDATE SET {count_column} = {table}.{count_column} + 1 "
        f"RETURNING {count_column}"
    )  # only our own table and column names are formatted in; the values are parameters
    with connection.cursor() as cursor:
        # Written as the ORM writes a DateTimeField, so the ORM's delete below compares like with like.
        cursor.execute(statement, [key, connection.ops.adapt_datetimefield_value(expires_at)])
        count = int(cursor.fetchone()[0])
    if count == 1:
        # A bucket's new window: clear every window that has ended (cheap, by the expires_at index).
        RateCounter.objects.filter(expires_at__lte=now).delete()
    return count
