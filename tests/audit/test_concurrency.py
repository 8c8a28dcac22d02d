"""Concurrent writers on PostgreSQL queue on the chain head, so the chain never forks."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from townhall.audit.models import AuditChainHead, AuditEntry
from townhall.audit.selectors import audit_verify
from townhall.audit.services import audit_record

THREADS = 8
ENTRIES_PER_THREAD = 25


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_build_one_unbroken_chain() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite admits one writer at a time by design (BEGIN IMMEDIATE)")
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    sequences: dict[int, list[int]] = {}

    def writer(number: int) -> None:
        try:
            start.wait()
            sequences[number] = [
                audit_record(
                    actor=None, action="test.entry.recorded", object_type="writer", object_id=f"{number}-{i}"
                ).sequence
                for i in range(ENTRIES_PER_THREAD)
            ]
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors
    total = THREADS * ENTRIES_PER_THREAD
    result = audit_verify()
    assert (result.ok, result.checked) == (True, total), result.message
    assert sorted(s for per_thread in sequences.values() for s in per_thread) == list(range(1, total + 1))
    assert all(per_thread == sorted(per_thread) for per_thread in sequences.values())
    assert AuditEntry.objects.values("object_id").distinct().count() == total
    assert AuditChainHead.objects.get().last_sequence == total
