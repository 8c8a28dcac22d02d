"""The rate limiter's database counter (used when the cache is the database cache, the default)."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from townhall.core import ratelimit
from townhall.core.models import RateCounter

DATABASE_CACHE = {"default": {"BACKEND": ratelimit.DATABASE_CACHE, "LOCATION": "townhall_cache"}}
START = 1_800_000_020.0  # 20 seconds into a minute


@pytest.fixture
def database_counter(settings, monkeypatch):
    settings.CACHES = DATABASE_CACHE
    monkeypatch.setattr(ratelimit, "clock", lambda: START)


@pytest.mark.django_db
def test_counts_in_one_row_and_refuses_past_the_limit(database_counter):
    verdicts = [ratelimit.hit(bucket="ip:192.0.2.1", limit=3) for _ in range(4)]

    assert [verdict.allowed for verdict in verdicts] == [True, True, True, False]
    assert verdicts[-1].retry_after == 40
    row = RateCounter.objects.get()
    assert row.count == 4
    assert row.expires_at.timestamp() == 1_800_000_060


@pytest.mark.django_db
def test_stores_no_address_and_buckets_are_separate(database_counter):
    ratelimit.hit(bucket="follow-email:someone@example.org", limit=1)
    assert ratelimit.hit(bucket="follow-email:other@example.org", limit=1).allowed

    keys = list(RateCounter.objects.values_list("key", flat=True))
    assert len(keys) == 2
    assert not any("example.org" in key or "@" in key for key in keys)


@pytest.mark.django_db
def test_a_new_window_starts_afresh_and_clears_ended_windows(database_counter, monkeypatch):
    ratelimit.hit(bucket="ip:192.0.2.1", limit=1)
    assert not ratelimit.hit(bucket="ip:192.0.2.1", limit=1).allowed

    monkeypatch.setattr(ratelimit, "clock", lambda: START + 60)
    assert ratelimit.hit(bucket="ip:192.0.2.1", limit=1).allowed
    assert RateCounter.objects.count() == 1  # the ended minute's row is gone


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_are_all_counted(database_counter):
    """The database cache's read-then-write incr() loses counts under concurrency; the upsert must not."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers itself; the race needs PostgreSQL's concurrent sessions")
    per_thread, threads = 25, 4
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(per_thread):
                ratelimit.hit(bucket="api-key:7", limit=1000)
        except BaseException as error:  # reported to the main thread
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    running = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()

    assert errors == []
    assert RateCounter.objects.get().count == per_thread * threads
