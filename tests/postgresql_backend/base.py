"""PostgreSQL for the test suite: empty the tables between transactional tests with DELETE, not TRUNCATE.

Browser tests and other transactional tests end with Django's flush, which on PostgreSQL
is one TRUNCATE of every table. TRUNCATE gives each of the ~110 tables a new file, which
took 1-4 s per test here, while DELETE on the few rows a test leaves takes a few
milliseconds. The flush runs in one transaction and Django's foreign keys are DEFERRABLE
INITIALLY DEFERRED, so the order of the DELETEs does not matter; row triggers (the open
data search index) fire as they would for any delete. A test that asks for fresh
sequences still gets TRUNCATE ... RESTART IDENTITY. Production uses Django's own backend.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(
        self, style: Any, tables: Any, *, reset_sequences: bool = False, allow_cascade: bool = False
    ) -> list[str]:
        if reset_sequences or not tables:
            return list(super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade))
        return [f"DELETE FROM {self.quote_name(table)}" for table in tables]  # noqa: S608 - Django's table names


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
