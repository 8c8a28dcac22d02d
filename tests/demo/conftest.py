"""The small demo borough, generated once for the whole tests/demo package.

Generation takes a few seconds, so it is committed once (outside the per-test
transactions) and wiped when the package's tests are done, leaving an empty database
for every other app's tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from tests.demo.digest import borough_digest
from townhall.demo.services import DemoSummary, demo_data_clear, demo_generate

AS_OF = dt.date(2026, 1, 15)


@dataclass(frozen=True)
class GeneratedBorough:
    summary: DemoSummary
    digest: str


@pytest.fixture(scope="package")
def demo_borough(django_db_setup, django_db_blocker) -> GeneratedBorough:
    with django_db_blocker.unblock():
        # reset=True also restarts id sequences, so ids match a freshly migrated database.
        summary = demo_generate(scale="small", seed=1, as_of=AS_OF, reset=True)
        borough = GeneratedBorough(summary=summary, digest=borough_digest())
    yield borough
    with django_db_blocker.unblock():
        demo_data_clear()


@pytest.fixture
def borough(demo_borough, db) -> GeneratedBorough:
    """The package's demo borough, inside this test's rolled-back transaction."""
    return demo_borough


@pytest.fixture
def empty_db(db) -> None:
    """An empty database for this test, even while the package's borough is committed."""
    demo_data_clear()
