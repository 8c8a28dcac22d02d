"""Concurrent reports on PostgreSQL get unique, gap-free references, including the race for a year's first number."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone

from tests.service_requests.conftest import NORTH_POINT, SOUTH_POINT
from townhall.service_requests import services
from townhall.service_requests.constants import Channel
from townhall.service_requests.models import ReferenceCounter, ServiceRequest

THREADS = 8
REPORTS_PER_THREAD = 6


@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_get_unique_gap_free_references(pothole) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite admits one writer at a time by design (BEGIN IMMEDIATE)")
    # No counter row exists for this year yet, so the threads also race to create it.
    assert not ReferenceCounter.objects.exists()
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    references: dict[int, list[str]] = {}

    def reporter(number: int) -> None:
        try:
            start.wait()
            made = []
            for index in range(REPORTS_PER_THREAD):
                lat, lng = NORTH_POINT if index % 2 else SOUTH_POINT
                made.append(
                    services.service_request_create(
                        acting_user=None,
                        category=pothole,
                        description=f"Report {number}-{index}",
                        channel=Channel.OPEN311,
                        lat=lat,
                        lng=lng,
                        answers={"depth": "shallow"},
                    ).reference
                )
            references[number] = made
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=reporter, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors
    total = THREADS * REPORTS_PER_THREAD
    year = timezone.localdate().year
    expected = [f"DB-{year}-{number:06d}" for number in range(1, total + 1)]
    assert sorted(r for per_thread in references.values() for r in per_thread) == expected
    assert all(per_thread == sorted(per_thread) for per_thread in references.values())
    assert ServiceRequest.objects.count() == total
    assert ReferenceCounter.objects.get(year=year).last_number == total
